//! `sentinelctl plan`: diff the repository against the live workspace.

use super::connect_options;
use crate::args::{PlanArgs, PlanFormat};
use crate::exit::ExitStatus;
use crate::ops::plan::{PlanRequest, plan};
use crate::plan::PlanOptions;
use crate::render::{plan_human, plan_markdown};
use crate::session::Session;

/// Runs `plan`.
pub fn run(cx: &Session, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    let req = PlanRequest {
        env: args.env.clone(),
        targets: args.target.clone(),
        options: PlanOptions {
            adopt: args.adopt,
            force_prune: false,
            targeted: !args.target.is_empty(),
        },
        out: args.out.clone(),
        connect: connect_options(cx, &args.arm, 8)?,
    };
    let plan = plan(cx, &req)?;
    cx.printer.stdout(|out| match args.format {
        PlanFormat::Human => plan_human::render(out, &plan, cx.printer.color_stdout),
        PlanFormat::Markdown => plan_markdown::render(out, &plan),
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
