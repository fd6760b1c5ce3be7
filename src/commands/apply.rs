//! `sentinelctl apply`: plan (or load a saved plan), confirm, write, report.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::{Context as _, bail};

use crate::apply::{ApplyContext, Outcome, Status, apply};
use crate::args::{ApplyArgs, ReportFormat};
use crate::exit::ExitStatus;
use crate::plan::{Plan, PlanOptions};
use crate::render::plan_human;
use crate::session::Session;
use crate::workflow::{plan_live, prepare, runtime};

fn confirm(cx: &Session) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("apply needs confirmation: pass --auto-approve when running without a terminal");
    }
    cx.printer
        .status("Apply these changes? Only `yes` is accepted:");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim() == "yes")
}

/// One plain line per finished change (CI logs, and failures on a terminal).
fn outcome_line(o: &Outcome) -> String {
    match &o.status {
        Status::Done => format!(
            "  {:?} {} {}: done",
            o.action,
            o.kind.as_str(),
            o.display_name
        ),
        Status::Failed(e) => format!(
            "  {:?} {} {}: FAILED: {e}",
            o.action,
            o.kind.as_str(),
            o.display_name
        ),
        Status::Skipped(why) => format!(
            "  {:?} {} {}: skipped: {why}",
            o.action,
            o.kind.as_str(),
            o.display_name
        ),
    }
}

/// The `apply --format json` document.
fn emit_json(cx: &Session, plan: &Plan, report: &crate::apply::ApplyReport) -> anyhow::Result<()> {
    let count = |f: fn(&Status) -> bool| report.outcomes.iter().filter(|o| f(&o.status)).count();
    let doc = serde_json::json!({
        "format_version": 1,
        "environment": plan.environment,
        "workspace_id": plan.workspace_id,
        "outcomes": report.outcomes,
        "summary": {
            "done": count(|s| *s == Status::Done),
            "failed": count(|s| matches!(s, Status::Failed(_))),
            "skipped": count(|s| matches!(s, Status::Skipped(_))),
        },
    });
    cx.printer.stdout(|out| {
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    })?;
    Ok(())
}

/// Runs `apply`.
pub fn run(cx: &Session, args: &ApplyArgs) -> anyhow::Result<ExitStatus> {
    let prepared = prepare(cx, &args.env, &args.target)?;
    let options = PlanOptions {
        adopt: args.adopt,
        force_prune: args.force_prune,
        targeted: !args.target.is_empty(),
    };
    let saved: Option<Plan> = match &args.plan {
        Some(path) => Some(
            serde_json::from_str(
                &std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read `{}`", path.display()))?,
            )
            .with_context(|| format!("`{}` is not a sentinelctl plan", path.display()))?,
        ),
        None => None,
    };
    let rt = runtime()?;
    rt.block_on(async {
        let (conn, plan) = plan_live(cx, &prepared, &args.arm, &options, args.parallelism).await?;
        if let Some(saved) = &saved {
            let diff = saved.differences_from(&plan);
            if !diff.is_empty() || saved.environment != plan.environment {
                conn.close().await;
                bail!("the saved plan is stale: the workspace or the repository changed since it was made:\n  {}\nrun plan again", diff.join("\n  "));
            }
        }
        if let Some(why) = &plan.prune_blocked {
            conn.close().await;
            bail!("{why}; pass --force-prune if that is intended");
        }
        if !cx.printer.quiet {
            cx.printer.stderr(|out| plan_human::render(out, &plan, cx.printer.color_stderr))?;
        }
        if !plan.has_changes() {
            conn.close().await;
            if args.format == ReportFormat::Json {
                emit_json(cx, &plan, &crate::apply::ApplyReport::default())?;
            }
            return Ok(ExitStatus::Success);
        }
        if !args.auto_approve && saved.is_none() && !confirm(cx)? {
            conn.close().await;
            bail!("apply cancelled");
        }
        let apply_cx = Arc::new(ApplyContext {
            client: conn.client.clone(),
            ws: conn.ws.clone(),
            desired: prepared.desired.clone(),
            repository: prepared.repository.clone(),
            commit: prepared.commit.clone(),
            parallelism: args.parallelism,
        });
        let printer = cx.printer;
        let writes = plan.changes.iter().filter(|c| c.action.writes()).count();
        let bar = (printer.stderr_tty && !printer.quiet).then(|| crate::printer::progress_bar(writes));
        let progress: crate::apply::Progress = {
            let bar = bar.clone();
            Arc::new(move |o: &Outcome| {
                let line = outcome_line(o);
                match &bar {
                    Some(bar) => {
                        if !matches!(o.status, Status::Done) {
                            bar.println(&line);
                        }
                        bar.set_message(o.display_name.clone());
                        bar.inc(1);
                    }
                    None => printer.status(&line),
                }
            })
        };
        let report = apply(apply_cx, &plan, progress).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        conn.close().await;
        let failed = report.failed();
        let done = report.outcomes.iter().filter(|o| o.status == Status::Done).count();
        let skipped = report.outcomes.len() - done - failed;
        cx.printer.status(&format!("Apply complete: {done} done, {failed} failed, {skipped} skipped."));
        if args.format == ReportFormat::Json {
            emit_json(cx, &plan, &report)?;
        }
        Ok(if failed + skipped > 0 { ExitStatus::Failure } else { ExitStatus::Success })
    })
}
