//! `apply`: plan (or check a saved plan against a fresh one), confirm, write, report.
//!
//! Interaction is the caller's: [`ApplyHooks`] shows the plan, asks for confirmation and receives
//! each outcome as it finishes (a progress bar, CI log lines).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};

use super::connection::ConnectOptions;
use super::plan::plan_target;
use super::target::Target;
pub use crate::apply::{Applied, AuditFacts};
use crate::apply::{ApplyContext, ApplyReport, Progress};
use crate::plan::{Plan, PlanOptions};
use crate::session::Session;

/// What to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyRequest {
    /// Environment name or path.
    pub env: String,
    /// Only these content ids, names or aliases.
    pub targets: Vec<String>,
    /// Adoption and prune settings.
    pub options: PlanOptions,
    /// Apply this saved plan (refused when the workspace or repository changed since).
    pub saved_plan: Option<PathBuf>,
    /// Do not ask for confirmation.
    pub auto_approve: bool,
    /// Writes in flight at once.
    pub parallelism: usize,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// Shows the plan before anything is written.
pub type ShowPlan = Box<dyn Fn(&Plan) -> anyhow::Result<()>>;
/// Asks whether to go on.
pub type Confirm = Box<dyn Fn() -> anyhow::Result<bool>>;
/// Given the number of writes: the per-outcome callback and what to call when all are done.
pub type StartProgress = Box<dyn Fn(usize) -> (Progress, Box<dyn FnOnce()>)>;

/// The caller's side of an apply.
pub struct ApplyHooks {
    /// Shows the plan before anything is written.
    pub show_plan: ShowPlan,
    /// Asks whether to go on (not called with `auto_approve` or a saved plan).
    pub confirm: Confirm,
    /// Receives each outcome.
    pub progress: StartProgress,
}

/// The CI variables that say who started a run and where to find it, in the order they are
/// reported. None of them is a secret.
const INVOKER_VARIABLES: &[(&str, &str)] = &[
    ("actor", "GITHUB_ACTOR"),
    ("workflow", "GITHUB_WORKFLOW"),
    ("run_id", "GITHUB_RUN_ID"),
    ("repository", "GITHUB_REPOSITORY"),
    ("actor", "BUILD_REQUESTEDFOR"),
    ("pipeline", "BUILD_DEFINITIONNAME"),
    ("run_id", "BUILD_BUILDID"),
    ("user", "USER"),
    ("user", "USERNAME"),
];

fn invoker() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for (key, var) in INVOKER_VARIABLES {
        if out.iter().any(|(k, _)| k == key) {
            continue;
        }
        if let Some(v) = Session::env_var(var).filter(|v| !v.trim().is_empty()) {
            out.push((key, v));
        }
    }
    out
}

/// The identity ARM was called with: the environment's login settings, and who the token says it
/// is (object id, principal type and name, from the cached token's claims; never the token).
fn identity(
    target: &Target,
    signed_in: Option<&sentinel_arm::Identity>,
) -> Vec<(&'static str, String)> {
    let auth = &target.env.auth;
    let mut out = vec![
        ("method", auth.method.as_str().to_string()),
        ("tenant_id", target.env.tenant_id.clone()),
    ];
    if let Some(id) = &auth.client_id {
        out.push(("client_id", id.clone()));
    }
    if let Some(id) = &auth.service_connection_id {
        out.push(("service_connection_id", id.clone()));
    }
    if let Some(who) = signed_in {
        out.push(("principal_type", who.kind.clone()));
        for (key, value) in [
            ("object_id", &who.object_id),
            ("user", &who.user),
            ("app_id", &who.app_id),
            ("token_tenant_id", &who.tenant_id),
        ] {
            if let Some(v) = value {
                out.push((key, v.clone()));
            }
        }
    }
    out
}

/// The audit facts of an apply to `target` that started at `started` and finishes now.
pub(crate) fn audit_facts(
    target: &Target,
    started: String,
    signed_in: Option<&sentinel_arm::Identity>,
) -> AuditFacts {
    AuditFacts {
        started,
        finished: crate::run::current_time().to_string(),
        commit: target.commit.clone(),
        repository: target.repository.clone(),
        identity: identity(target, signed_in),
        invoker: invoker(),
    }
}

fn read_saved(path: &PathBuf) -> anyhow::Result<Plan> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not a sentinelctl plan", path.display()))
}

/// Applies `req`.
pub fn apply(cx: &Session, req: &ApplyRequest, hooks: &ApplyHooks) -> anyhow::Result<Applied> {
    let started = crate::run::current_time().to_string();
    let target = Target::open(cx, &req.env, &req.targets)?;
    let saved = req.saved_plan.as_ref().map(read_saved).transpose()?;
    let facts = |signed_in: Option<&sentinel_arm::Identity>| {
        audit_facts(&target, started.clone(), signed_in)
    };
    let mut connect = req.connect.clone();
    connect.concurrency = req.parallelism;
    super::runtime()?.block_on(async {
        let (conn, plan) = plan_target(cx, &target, &connect, &req.options).await?;
        // the token plan used is cached: this reads its claims, no request
        let signed_in = conn.client.identity().await.ok().flatten();
        if let Some(saved) = &saved {
            let diff = saved.differences_from(&plan);
            if !diff.is_empty() || saved.environment != plan.environment {
                bail!(
                    "the saved plan is stale: the workspace or the repository changed since it was made:\n  {}\nrun plan again",
                    diff.join("\n  ")
                );
            }
        }
        if let Some(why) = &plan.prune_blocked {
            bail!("{why}; pass --force-prune if that is intended");
        }
        (hooks.show_plan)(&plan)?;
        if !plan.has_changes() {
            return Ok(Applied {
                plan,
                report: ApplyReport::default(),
                audit: facts(signed_in.as_ref()),
            });
        }
        if !req.auto_approve && saved.is_none() && !(hooks.confirm)()? {
            bail!("apply cancelled");
        }
        let apply_cx = Arc::new(ApplyContext {
            client: conn.client.clone(),
            ws: conn.ws.clone(),
            // automation rules name rules by the live names the plan paired them with
            desired: crate::plan::references::bind_to_plan(&target.desired, &plan),
            repository: target.repository.clone(),
            commit: target.commit.clone(),
            parallelism: req.parallelism,
        });
        let writes = plan.changes.iter().filter(|c| c.action.writes()).count();
        let (progress, finish) = (hooks.progress)(writes);
        let report = crate::apply::apply(apply_cx, &plan, progress).await;
        finish();
        conn.close().await;
        Ok(Applied {
            plan,
            report,
            audit: facts(signed_in.as_ref()),
        })
    })
}
