//! `sentinelctl apply`: plan (or load a saved plan), confirm, write, report.

use anyhow::Context as _;

use super::connect_options;
use crate::args::{ApplyArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::ops::apply::{ApplyHooks, ApplyRequest, apply};
use crate::plan::PlanOptions;
use crate::render::{plan_human, reports};
use crate::session::Session;

/// Runs `apply`.
pub fn run(cx: &Session, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    let req = ApplyRequest {
        env: args.env.clone(),
        targets: args.target.clone(),
        options: PlanOptions {
            adopt: args.adopt,
            force_prune: args.force_prune,
            targeted: !args.target.is_empty(),
        },
        saved_plan: args.plan.clone(),
        auto_approve: args.auto_approve,
        parallelism: args.parallelism,
        connect: connect_options(cx, &args.arm, args.parallelism)?,
    };
    let printer = cx.printer;
    let hooks = ApplyHooks {
        show_plan: Box::new(move |plan| {
            if !printer.quiet {
                printer.stderr(|out| plan_human::render(out, plan, printer.color_stderr))?;
            }
            Ok(())
        }),
        confirm: Box::new(move || printer.confirm("Apply these changes? Only `yes` is accepted:")),
        progress: Box::new(move |writes| crate::printer::apply_progress(printer, writes)),
    };
    let applied = apply(cx, &req, &hooks)?;
    let (done, failed, skipped) = applied.counts();
    let refused = applied.plan.summary.conflict + applied.plan.summary.blocked;
    for line in reports::apply_status(&applied.plan, (done, failed, skipped), refused) {
        printer.status(&line);
    }
    if let Some(path) = &args.audit {
        let mut bytes = Vec::new();
        reports::apply_audit(&mut bytes, &applied)?;
        crate::ops::files::write_file_atomically(path, &bytes).with_context(|| {
            format!(
                "the apply ran ({done} writes done, {failed} failed) but its audit record could not be written to `{}`",
                path.display()
            )
        })?;
    }
    if args.format == ReportFormat::Json {
        printer.stdout(|out| reports::apply_json(out, &applied.plan, &applied.report.outcomes))?;
    }
    let clean = failed + skipped + refused == 0;
    Ok(if clean {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
