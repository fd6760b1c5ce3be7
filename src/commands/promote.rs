//! `sentinelctl promote --from A --to B`: write B's lock file from what is verified in A, then
//! show B's plan.

use super::connect_options;
use crate::args::{PromoteArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::ops::fleet::FleetMode;
use crate::ops::promote::{PromoteRequest, PromotedPlan, promote};
use crate::promote::PromoteOptions;
use crate::render::{fleet, plan_human, reports};
use crate::session::Session;

/// Runs `promote`.
pub fn run(cx: &Session, args: &PromoteArgs) -> anyhow::Result<ExitStatus> {
    let req = PromoteRequest {
        from: args.from.clone(),
        to: args.to.clone(),
        options: PromoteOptions {
            ids: args.ids.clone(),
            all: args.all,
            allow_drifted: args.allow_drifted,
        },
        dry_run: args.dry_run,
        connect: connect_options(cx, &args.arm, 4)?,
        workspaces_at_once: args.workspaces_at_once,
    };
    let promoted = promote(cx, &req)?;
    for p in &promoted.pins {
        let commit = crate::load::pinned::short(&p.commit);
        cx.printer.status(&format!(
            "pin {} `{}` {} at {commit}",
            p.kind, p.name, p.version
        ));
    }
    if args.format == ReportFormat::Json {
        cx.printer.stdout(|out| {
            reports::promote_json(out, &args.from, &args.to, args.dry_run, &promoted.pins)
        })?;
    }
    let Some(plan) = &promoted.plan else {
        for (_, lock) in &promoted.lock_files {
            cx.printer
                .status(&format!("dry run: `{}` not written", lock.display()));
        }
        return Ok(ExitStatus::Success);
    };
    for (to, lock) in &promoted.lock_files {
        cx.printer
            .status(&format!("wrote `{}` for `{to}`", lock.display()));
    }
    match plan {
        PromotedPlan::One(plan) => {
            cx.printer
                .status(&format!("the plan for `{}` follows", args.to));
            cx.printer
                .stdout(|out| plan_human::render(out, plan, cx.printer.color_stdout))?;
            Ok(ExitStatus::Success)
        }
        PromotedPlan::Fleet(outcomes) => {
            cx.printer.status("the plan of each workspace follows");
            cx.printer
                .stdout(|out| fleet::human(out, FleetMode::Plan, outcomes))?;
            // the locks are written either way; a workspace that could not be planned is a failure
            Ok(if outcomes.iter().any(|o| o.result.is_failure()) {
                ExitStatus::Failure
            } else {
                ExitStatus::Success
            })
        }
    }
}
