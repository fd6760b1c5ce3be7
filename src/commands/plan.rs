//! `sentinelctl plan`: diff the repository against the live workspace.

use super::connect_options;
use crate::args::{PlanArgs, PlanFormat};
use crate::exit::ExitStatus;
use crate::ops::fleet::{FleetMode, FleetOutcome, FleetRequest, FleetResult, run_fleet};
use crate::ops::plan::{PlanRequest, plan};
use crate::ops::selection::is_fleet;
use crate::plan::PlanOptions;
use crate::render::{fleet, plan_human, plan_markdown};
use crate::session::Session;

/// Runs `plan`.
pub fn run(cx: &Session, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    if is_fleet(cx, &args.envs) {
        return run_many(cx, args);
    }
    let req = PlanRequest {
        env: args.envs.first().cloned().unwrap_or_default(),
        targets: args.target.clone(),
        options: PlanOptions {
            adopt: args.adopt,
            force_prune: false,
            targeted: !args.target.is_empty(),
        },
        out: args.out.clone(),
        connect: connect_options(cx, &args.arm, 8)?,
    };
    anyhow::ensure!(
        args.report_dir.is_none(),
        "--report-dir writes fleet reports: give several --env or a glob (for one environment use --format markdown, junit or json)"
    );
    let plan = plan(cx, &req)?;
    cx.printer.stdout(|out| match args.format {
        PlanFormat::Human => plan_human::render(out, &plan, cx.printer.color_stdout),
        PlanFormat::Markdown => plan_markdown::render(out, &plan),
        PlanFormat::Junit => {
            fleet::junit(out, FleetMode::Plan, &[FleetOutcome::planned(plan.clone())])
        }
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &plan)?;
            writeln!(out)
        }
    })?;
    Ok(
        match (
            args.detailed_exitcode,
            plan.has_refusals(),
            plan.has_changes(),
        ) {
            (true, true, _) => ExitStatus::Refused,
            (true, false, true) => ExitStatus::Changes,
            _ => ExitStatus::Success,
        },
    )
}

/// `plan` over several environments: one summary report.
fn run_many(cx: &Session, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    anyhow::ensure!(
        args.out.is_none(),
        "--out saves one plan: give a single --env to save it"
    );
    let req = FleetRequest {
        envs: args.envs.clone(),
        mode: FleetMode::Plan,
        targets: args.target.clone(),
        options: PlanOptions {
            adopt: args.adopt,
            force_prune: false,
            targeted: !args.target.is_empty(),
        },
        workspaces_at_once: args.workspaces_at_once,
        parallelism: 8,
        connect: connect_options(cx, &args.arm, 8)?,
    };
    let outcomes = run_fleet(cx, &req)?;
    if let Some(dir) = &args.report_dir {
        super::write_fleet_reports(dir, FleetMode::Plan, &outcomes)?;
    }
    cx.printer.stdout(|out| match args.format {
        PlanFormat::Json => fleet::json(out, FleetMode::Plan, &outcomes),
        PlanFormat::Markdown => fleet::markdown(out, FleetMode::Plan, &outcomes),
        PlanFormat::Junit => fleet::junit(out, FleetMode::Plan, &outcomes),
        PlanFormat::Human => fleet::human(out, FleetMode::Plan, &outcomes),
    })?;
    let any = |f: fn(&FleetResult) -> bool| outcomes.iter().any(|o| f(&o.result));
    Ok(if any(FleetResult::is_failure) {
        ExitStatus::Failure
    } else if !args.detailed_exitcode {
        ExitStatus::Success
    } else if any(|r| matches!(r, FleetResult::Changes { refused, .. } if *refused > 0)) {
        ExitStatus::Refused
    } else if any(|r| matches!(r, FleetResult::Changes { .. })) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
