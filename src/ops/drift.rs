//! `drift`: a read-only, classified check of one or many workspaces, in parallel. The repository is
//! loaded and validated once; a workspace that cannot be read (or an environment file that is
//! invalid) is reported as not checked, and the others are still checked.

use anyhow::Context as _;

use super::connection::{ConnectOptions, connect};
use super::target::Target;
use crate::drift::{DriftReport, drift};
use crate::session::Session;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct DriftRequest {
    /// Environment names, paths or globs (`customer-*`).
    pub envs: Vec<String>,
    /// How to connect.
    pub connect: ConnectOptions,
}

async fn check(
    cx: Session,
    target: Target,
    mut opts: ConnectOptions,
) -> anyhow::Result<DriftReport> {
    opts.embedded_tables = super::connection::custom_tables(&target.repo);
    let conn = connect(&cx, &target.env, &opts).await?;
    let live = conn.read_live(&target.env.workspace).await?;
    conn.close().await;
    let mut report = drift(&target.desired, &live);
    let today = crate::run::current_time().to_string();
    report.suppress(
        &target.env.drift_suppressions,
        today.get(..10).unwrap_or(&today),
    );
    Ok(report)
}

/// Checks every environment of `req`; one report per environment, in name order.
pub fn drift_many(cx: &Session, req: &DriftRequest) -> anyhow::Result<Vec<DriftReport>> {
    let envs = super::selection::expand_environments(cx, &req.envs)?;
    let targets = Target::open_many(cx, &envs)?;
    let mut opts = req.connect.clone();
    opts.concurrency = opts.concurrency.max(4);
    // several workspaces: those of one subscription share its ARM budget and its 429 pauses (one
    // environment keeps its own client limits, as before)
    if targets.len() > 1 {
        opts.shared_limits = Some(std::sync::Arc::new(sentinel_arm::SubscriptionLimits::new(
            sentinel_arm::LimitsConfig::arm_buckets(opts.concurrency * targets.len().min(16)),
        )));
        opts.credentials = Some(std::sync::Arc::new(sentinel_arm::CredentialPools::new()));
    }
    super::runtime()?.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        let mut reports: Vec<Option<DriftReport>> = vec![None; targets.len()];
        for (i, (name, target)) in targets.into_iter().enumerate() {
            match target {
                Ok(t) => {
                    let (cx, opts) = (cx.clone(), opts.clone());
                    let ws = t.env.workspace_id();
                    tasks.spawn(async move {
                        let r = check(cx, t, opts).await;
                        (i, name, ws, r)
                    });
                }
                Err(e) => reports[i] = Some(DriftReport::failed(&name, String::new(), &e)),
            }
        }
        while let Some(joined) = tasks.join_next().await {
            let (i, name, ws, r) = joined.context("a drift task panicked")?;
            reports[i] = Some(r.unwrap_or_else(|e| DriftReport::failed(&name, ws, &e)));
        }
        Ok(reports.into_iter().flatten().collect())
    })
}
