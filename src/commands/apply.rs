//! `sentinelctl apply`: plan (or load a saved plan), confirm, write, report.

use anyhow::Context as _;

use super::connect_options;
use crate::args::{ApplyArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::ops::apply::{ApplyHooks, ApplyRequest, apply};
use crate::ops::fleet::{FleetMode, FleetRequest, FleetResult, run_fleet};
use crate::ops::selection::is_fleet;
use crate::plan::PlanOptions;
use crate::render::{fleet, plan_human, reports};
use crate::session::Session;

/// Runs `apply`.
pub fn run(cx: &Session, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    if is_fleet(cx, &args.envs) {
        return run_many(cx, args);
    }
    let req = ApplyRequest {
        env: args.envs.first().cloned().unwrap_or_default(),
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
    anyhow::ensure!(
        args.report_dir.is_none(),
        "--report-dir writes fleet reports: give several --env or a glob (for one environment use --format json or --audit)"
    );
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

/// `apply` over several environments: no confirmation prompt (--auto-approve is required), one
/// summary report; a re-run is the resume.
fn run_many(cx: &Session, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    anyhow::ensure!(
        args.auto_approve,
        "applying to several environments needs --auto-approve (run `plan` with the same --env first to review)"
    );
    anyhow::ensure!(
        args.plan.is_none(),
        "--plan applies one saved plan: give a single --env"
    );
    let req = FleetRequest {
        envs: args.envs.clone(),
        mode: FleetMode::Apply,
        targets: args.target.clone(),
        options: PlanOptions {
            adopt: args.adopt,
            force_prune: args.force_prune,
            targeted: !args.target.is_empty(),
        },
        workspaces_at_once: args.workspaces_at_once,
        parallelism: args.parallelism,
        connect: connect_options(cx, &args.arm, args.parallelism)?,
    };
    let started = crate::run::current_time().to_string();
    let outcomes = run_fleet(cx, &req)?;
    let finished = crate::run::current_time().to_string();
    cx.printer.stdout(|out| match args.format {
        ReportFormat::Json => fleet::json(out, FleetMode::Apply, &outcomes),
        ReportFormat::Human => fleet::human(out, FleetMode::Apply, &outcomes),
    })?;
    let converged = outcomes.iter().filter(|o| !o.result.is_failure()).count();
    let ran = |what: &str, path: &std::path::Path| {
        format!(
            "the apply ran ({converged} of {} environments without error) but its {what} could not be written to `{}`",
            outcomes.len(),
            path.display()
        )
    };
    if let Some(path) = &args.audit {
        let mut bytes = Vec::new();
        reports::fleet_audit(&mut bytes, (&started, &finished), &outcomes)?;
        crate::ops::files::write_file_atomically(path, &bytes)
            .with_context(|| ran("audit record", path))?;
    }
    if let Some(dir) = &args.report_dir {
        super::write_fleet_reports(dir, FleetMode::Apply, &outcomes)
            .with_context(|| ran("reports", dir))?;
    }
    Ok(
        if outcomes.iter().any(|o| FleetResult::is_failure(&o.result)) {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        },
    )
}
