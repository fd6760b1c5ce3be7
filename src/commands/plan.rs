//! `sentinelctl plan`: diff the repository against the live workspace.

use anyhow::Context as _;

use crate::args::{PlanArgs, PlanFormat};
use crate::exit::ExitStatus;
use crate::plan::PlanOptions;
use crate::render::{plan_human, plan_markdown};
use crate::session::Session;
use crate::workflow::{plan_live, prepare, runtime};

/// Runs `plan`.
pub fn run(cx: &Session, args: &PlanArgs) -> anyhow::Result<ExitStatus> {
    let prepared = prepare(cx, &args.env, &args.target)?;
    let options = PlanOptions {
        adopt: args.adopt,
        force_prune: false,
        targeted: !args.target.is_empty(),
    };
    let plan = runtime()?.block_on(async {
        let (conn, plan) = plan_live(cx, &prepared, &args.arm, &options, 8).await?;
        conn.close().await;
        anyhow::Ok(plan)
    })?;
    if let Some(path) = &args.out {
        let text = serde_json::to_string_pretty(&plan)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write the plan to `{}`", path.display()))?;
    }
    cx.printer.stdout(|out| match args.format {
        PlanFormat::Human => plan_human::render(out, &plan, cx.printer.color_stdout),
        PlanFormat::Markdown => plan_markdown::render(out, &plan),
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &plan)?;
            writeln!(out)
        }
    })?;
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    })
}
