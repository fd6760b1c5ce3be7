//! `sentinelctl promote --from A --to B`: write B's lock file from what is verified in A, then
//! show B's plan.

use super::connect_options;
use crate::args::{PromoteArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::ops::promote::{PromoteRequest, promote};
use crate::promote::PromoteOptions;
use crate::render::{plan_human, reports};
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
        cx.printer.status(&format!(
            "dry run: `{}` not written",
            promoted.lock_file.display()
        ));
        return Ok(ExitStatus::Success);
    };
    let wrote = format!(
        "wrote `{}`; the plan for `{}` follows",
        promoted.lock_file.display(),
        args.to
    );
    cx.printer.status(&wrote);
    cx.printer
        .stdout(|out| plan_human::render(out, plan, cx.printer.color_stdout))?;
    Ok(ExitStatus::Success)
}
