//! `plan`: read the workspace and diff it against what the repository wants there.

use std::path::PathBuf;

use anyhow::Context as _;

use super::connection::{ConnectOptions, Connection, connect};
use super::target::Target;
use crate::plan::{Plan, PlanOptions};
use crate::session::Session;

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Environment name or path.
    pub env: String,
    /// Only these content ids, names or aliases.
    pub targets: Vec<String>,
    /// Adoption and prune settings.
    pub options: PlanOptions,
    /// Also save the plan as JSON here.
    pub out: Option<PathBuf>,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// Plans `req`.
pub fn plan(cx: &Session, req: &PlanRequest) -> anyhow::Result<Plan> {
    let target = Target::open(cx, &req.env, &req.targets)?;
    let plan = super::runtime()?.block_on(async {
        let (conn, plan) = plan_target(cx, &target, &req.connect, &req.options).await?;
        conn.close().await;
        anyhow::Ok(plan)
    })?;
    if let Some(path) = &req.out {
        let text = serde_json::to_string_pretty(&plan)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write the plan to `{}`", path.display()))?;
    }
    Ok(plan)
}

/// Connects to `target`'s workspace and computes its plan; the connection stays open for writes.
pub async fn plan_target(
    cx: &Session,
    target: &Target,
    connect_options: &ConnectOptions,
    options: &PlanOptions,
) -> anyhow::Result<(Connection, Plan)> {
    let mut connect_options = connect_options.clone();
    connect_options
        .embedded_tables
        .extend(super::connection::custom_tables(&target.repo));
    let conn = connect(cx, &target.env, &connect_options).await?;
    let live = conn.read_live(&target.env.workspace).await?;
    let plan = crate::plan::plan(&target.desired, &live, target.commit.clone(), options);
    Ok((conn, plan))
}
