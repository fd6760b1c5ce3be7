//! `plan` and `apply` over a fleet: several environments (names or globs), the repository loaded
//! and validated once, workspaces processed a few at a time (the least busy subscription first, so
//! a throttled subscription keeps its share of the slots and no more), and each workspace's
//! failure kept to that workspace. The result is one [`FleetOutcome`] per environment, in name order.
//!
//! Resuming is re-running: a workspace that converged plans as no changes (its resources carry
//! their ownership records), so a second `apply` writes only what failed or was not reached.
//! There is no state file of its own.

use std::sync::Arc;

use anyhow::Context as _;
use serde::Serialize;

use super::connection::ConnectOptions;
use super::fair_queue::FairQueue;
use super::plan::plan_target;
use super::selection::expand_environments;
use super::target::Target;
use crate::apply::{Applied, ApplyContext, ApplyReport, Status};
use crate::plan::{Plan, PlanOptions};
use crate::session::Session;

/// Plan only, or plan and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FleetMode {
    /// Read and diff.
    #[default]
    Plan,
    /// Read, diff and write the difference (no confirmation: the caller asked for auto-approve).
    Apply,
}

/// What to run over the fleet.
#[derive(Debug, Clone, Default)]
pub struct FleetRequest {
    /// Environment names, paths or globs (`customer-*`).
    pub envs: Vec<String>,
    /// Plan or apply.
    pub mode: FleetMode,
    /// Only these content ids, names or aliases.
    pub targets: Vec<String>,
    /// Adoption and prune settings.
    pub options: PlanOptions,
    /// Workspaces processed at once (at least 1).
    pub workspaces_at_once: usize,
    /// Writes in flight at once within one workspace.
    pub parallelism: usize,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// How one workspace ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
pub enum FleetResult {
    /// The workspace holds what the repository wants.
    NoChanges,
    /// `plan`: this many writes are pending (and this many refused).
    Changes {
        /// Writes the plan would make.
        changes: usize,
        /// Changes apply will not make (conflicts, blocked rules).
        refused: usize,
    },
    /// `apply`: the writes ran.
    Applied {
        /// Writes done.
        done: usize,
        /// Writes that failed.
        failed: usize,
        /// Writes skipped (a dependency failed).
        skipped: usize,
        /// Changes apply would not make.
        refused: usize,
        /// The first failure's message, when a write failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        first_failure: Option<String>,
    },
    /// The workspace could not be planned (unreachable, forbidden, invalid environment file).
    Error {
        /// What went wrong, causes included.
        error: String,
        /// What to do about it, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
}

impl FleetResult {
    /// Whether this is a failure (an error, or writes that failed, were skipped or refused).
    pub fn is_failure(&self) -> bool {
        match self {
            Self::Error { .. } => true,
            Self::Applied {
                failed,
                skipped,
                refused,
                ..
            } => failed + skipped + refused > 0,
            Self::NoChanges | Self::Changes { .. } => false,
        }
    }
}

/// What a workspace's report shows besides its result.
#[derive(Debug, Clone, Default)]
pub enum FleetDetail {
    /// Not planned (the error says why).
    #[default]
    None,
    /// `plan`, or an `apply` that stopped after planning (a blocked prune): the plan.
    Planned(Box<Plan>),
    /// `apply`: the plan, every write's outcome and the audit facts.
    Applied(Box<Applied>),
}

/// One environment's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct FleetOutcome {
    /// Environment name.
    pub environment: String,
    /// Workspace resource id (empty when the environment file could not be read).
    pub workspace_id: String,
    /// How it ended.
    #[serde(flatten)]
    pub result: FleetResult,
    /// The plan and writes behind `result`, for the per-workspace reports.
    #[serde(skip)]
    pub detail: FleetDetail,
}

impl FleetOutcome {
    /// A planned workspace (one environment's plan reported like a fleet of one).
    pub fn planned(plan: Plan) -> Self {
        Self {
            environment: plan.environment.clone(),
            workspace_id: plan.workspace_id.clone(),
            result: plan_result(&plan),
            detail: FleetDetail::Planned(Box::new(plan)),
        }
    }

    /// The workspace's plan, when it was planned.
    pub fn plan(&self) -> Option<&Plan> {
        match &self.detail {
            FleetDetail::None => None,
            FleetDetail::Planned(p) => Some(p),
            FleetDetail::Applied(a) => Some(&a.plan),
        }
    }

    /// What apply did, when it ran.
    pub fn applied(&self) -> Option<&Applied> {
        match &self.detail {
            FleetDetail::Applied(a) => Some(a),
            _ => None,
        }
    }
}

/// The message and hint of a workspace's error (the ARM error's own hint when there is one).
fn error_result(e: &anyhow::Error) -> FleetResult {
    let (error, hint) = error_parts(e);
    FleetResult::Error { error, hint }
}

/// A workspace's error as (message with its causes, hint when known).
pub fn error_parts(e: &anyhow::Error) -> (String, Option<String>) {
    let arm = e
        .chain()
        .find_map(|c| c.downcast_ref::<sentinel_arm::ArmError>());
    let hint = arm.and_then(|a| match a {
        sentinel_arm::ArmError::NotFound { .. } => Some(
            "check `subscriptionId`, `resourceGroup` and `workspace` in the environment file, and that the workspace exists".to_string(),
        ),
        other => other.hint(),
    });
    (format!("{e:#}"), hint)
}

/// Plans (and with [`FleetMode::Apply`] applies) one workspace. The detail is kept also when the
/// result is an error after planning.
async fn run_one(
    cx: Session,
    target: Target,
    req: Arc<FleetRequest>,
) -> anyhow::Result<(FleetResult, FleetDetail)> {
    let started = crate::run::current_time().to_string();
    let mut connect = req.connect.clone();
    connect.concurrency = req.parallelism.max(1);
    let (conn, plan) = plan_target(&cx, &target, &connect, &req.options).await?;
    let result = match req.mode {
        FleetMode::Plan => (plan_result(&plan), FleetDetail::Planned(Box::new(plan))),
        FleetMode::Apply => {
            if let Some(why) = &plan.prune_blocked {
                let e = anyhow::anyhow!("{why}; pass --force-prune if that is intended");
                (error_result(&e), FleetDetail::Planned(Box::new(plan)))
            } else {
                // the token plan used is cached: this reads its claims, no request
                let signed_in = conn.client.identity().await.ok().flatten();
                let report = apply_plan(&conn, &target, &plan, req.parallelism).await;
                let result = applied_result(&plan, &report);
                let audit = super::apply::audit_facts(&target, started, signed_in.as_ref());
                let applied = Applied {
                    plan,
                    report,
                    audit,
                };
                (result, FleetDetail::Applied(Box::new(applied)))
            }
        }
    };
    conn.close().await;
    Ok(result)
}

fn refused(plan: &Plan) -> usize {
    plan.summary.conflict + plan.summary.blocked
}

fn plan_result(plan: &Plan) -> FleetResult {
    let changes = plan.changes.iter().filter(|c| c.action.writes()).count();
    let refused = refused(plan);
    if changes + refused == 0 {
        FleetResult::NoChanges
    } else {
        FleetResult::Changes { changes, refused }
    }
}

async fn apply_plan(
    conn: &super::connection::Connection,
    target: &Target,
    plan: &Plan,
    parallelism: usize,
) -> ApplyReport {
    if !plan.has_changes() {
        return ApplyReport::default();
    }
    let apply_cx = Arc::new(ApplyContext {
        client: conn.client.clone(),
        ws: conn.ws.clone(),
        desired: crate::plan::references::bind_to_plan(&target.desired, plan),
        repository: target.repository.clone(),
        commit: target.commit.clone(),
        parallelism: parallelism.max(1),
    });
    crate::apply::apply(apply_cx, plan, Arc::new(|_| {})).await
}

fn applied_result(plan: &Plan, report: &ApplyReport) -> FleetResult {
    if !plan.has_changes() && refused(plan) == 0 {
        return FleetResult::NoChanges;
    }
    let done = report
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Done)
        .count();
    let failed = report.failed();
    let first_failure = report.outcomes.iter().find_map(|o| match &o.status {
        Status::Failed(why) => Some(format!("{} `{}`: {why}", o.kind.as_str(), o.display_name)),
        _ => None,
    });
    FleetResult::Applied {
        done,
        failed,
        skipped: report.outcomes.len() - done - failed,
        refused: refused(plan),
        first_failure,
    }
}

/// Runs `req` over every environment it names; one outcome per environment, in name order.
/// Errors only when the selection or the repository itself is wrong (no environment matches a
/// glob, content with validation errors): a workspace's own failure is its outcome.
pub fn run_fleet(cx: &Session, req: &FleetRequest) -> anyhow::Result<Vec<FleetOutcome>> {
    let envs = expand_environments(cx, &req.envs)?;
    let targets = Target::open_many(cx, &envs)?;
    let mut req = req.clone();
    // one budget per subscription for the whole run: ARM throttles per subscription and principal,
    // so the workspaces of one subscription pace together and a 429 pauses all of them (and only them)
    let in_flight = req.parallelism.max(1) * req.workspaces_at_once.max(1);
    req.connect.shared_limits = Some(Arc::new(sentinel_arm::SubscriptionLimits::new(
        sentinel_arm::LimitsConfig::arm_buckets(in_flight),
    )));
    // one sign-in per (login, tenant, audience) for the whole fleet
    req.connect.credentials = Some(Arc::new(sentinel_arm::CredentialPools::new()));
    let req = Arc::new(req);
    let slots = req.workspaces_at_once.max(1);
    super::runtime()?.block_on(async {
        let mut outcomes: Vec<Option<FleetOutcome>> = vec![None; targets.len()];
        let mut waiting: Vec<Option<(String, Target)>> = Vec::with_capacity(targets.len());
        let mut queue = FairQueue::default();
        for (i, (name, target)) in targets.into_iter().enumerate() {
            match target {
                Ok(mut t) => {
                    t.desired.retain_targets(&req.targets);
                    queue.push(&t.env.subscription_id, i);
                    waiting.push(Some((name, t)));
                }
                Err(e) => {
                    outcomes[i] = Some(FleetOutcome {
                        environment: name,
                        workspace_id: String::new(),
                        result: error_result(&e),
                        detail: FleetDetail::None,
                    });
                    waiting.push(None);
                }
            }
        }
        // a few workspaces at a time, the least busy subscription first (see `fair_queue`)
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            while tasks.len() < slots {
                let Some((key, i)) = queue.start_next() else {
                    break;
                };
                let Some((name, t)) = waiting[i].take() else {
                    continue;
                };
                let (cx, req) = (cx.clone(), req.clone());
                let ws = t.env.workspace_id();
                tasks.spawn(async move { (key, i, name, ws, run_one(cx, t, req).await) });
            }
            let Some(joined) = tasks.join_next().await else {
                break;
            };
            let (key, i, name, ws, r) = joined.context("a workspace task panicked")?;
            queue.finished(&key);
            let (result, detail) = r.unwrap_or_else(|e| (error_result(&e), FleetDetail::None));
            outcomes[i] = Some(FleetOutcome {
                environment: name,
                workspace_id: ws,
                result,
                detail,
            });
        }
        Ok(outcomes.into_iter().flatten().collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_unfinished_writes_are_failures_pending_changes_are_not() {
        assert!(!FleetResult::NoChanges.is_failure());
        assert!(
            !FleetResult::Changes {
                changes: 3,
                refused: 1
            }
            .is_failure()
        );
        let applied = |failed, skipped, refused| FleetResult::Applied {
            done: 1,
            failed,
            skipped,
            refused,
            first_failure: None,
        };
        assert!(!applied(0, 0, 0).is_failure());
        assert!(applied(1, 0, 0).is_failure());
        assert!(applied(0, 1, 0).is_failure());
        assert!(applied(0, 0, 1).is_failure());
        assert!(
            FleetResult::Error {
                error: "x".into(),
                hint: None
            }
            .is_failure()
        );
    }
}
