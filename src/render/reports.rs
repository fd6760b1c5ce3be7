//! The JSON documents of the operation reports (`apply`, `drift`, `import`, `promote`), and the
//! plain lines apply prints per change. Every document carries `format_version` (see
//! `docs/json-output.md`); text from content or the workspace is escaped by serde.

use std::io::{self, Write};

use serde_json::{Value, json};

use std::path::Path;

use crate::apply::{Outcome, Status};
use crate::drift::DriftReport;
use crate::plan::Plan;
use crate::schema::YamlLockItem;

fn write_json(out: &mut dyn Write, doc: &Value) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)
}

/// `apply --format json`.
pub fn apply_json(out: &mut dyn Write, plan: &Plan, outcomes: &[Outcome]) -> io::Result<()> {
    let count = |f: fn(&Status) -> bool| outcomes.iter().filter(|o| f(&o.status)).count();
    write_json(
        out,
        &json!({
            "format_version": 1,
            "environment": plan.environment,
            "workspace_id": plan.workspace_id,
            "outcomes": outcomes,
            "summary": {
                "done": count(|s| *s == Status::Done),
                "failed": count(|s| matches!(s, Status::Failed(_))),
                "skipped": count(|s| matches!(s, Status::Skipped(_))),
            },
        }),
    )
}

/// `apply --audit FILE`: who applied what, when, from which commit, and how every write ended with
/// the request ids ARM answered with (format_version 1, documented in `docs/json-output.md`).
pub fn apply_audit(out: &mut dyn Write, applied: &crate::apply::Applied) -> io::Result<()> {
    let (plan, outcomes, facts) = (&applied.plan, &applied.report.outcomes, &applied.audit);
    let pairs = |v: &[(&str, String)]| {
        v.iter()
            .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
            .collect::<serde_json::Map<_, _>>()
    };
    let count = |f: fn(&Status) -> bool| outcomes.iter().filter(|o| f(&o.status)).count();
    write_json(
        out,
        &json!({
            "format_version": 1,
            "kind": "sentinelctl-apply-audit",
            "started": facts.started,
            "finished": facts.finished,
            "environment": plan.environment,
            "workspace_id": plan.workspace_id,
            "repository": facts.repository,
            "commit": facts.commit,
            "identity": pairs(&facts.identity),
            "invoker": pairs(&facts.invoker),
            "tool": {"name": "sentinelctl", "version": env!("CARGO_PKG_VERSION")},
            "outcomes": outcomes,
            "summary": {
                "done": count(|s| *s == Status::Done),
                "failed": count(|s| matches!(s, Status::Failed(_))),
                "skipped": count(|s| matches!(s, Status::Skipped(_))),
                "refused": plan.summary.conflict + plan.summary.blocked,
            },
        }),
    )
}

/// `drift --format json` (and `drift.json` in the report directory).
pub fn drift_json(out: &mut dyn Write, reports: &[DriftReport]) -> io::Result<()> {
    write_json(out, &json!({"format_version": 1, "environments": reports}))
}

/// `import --format json`.
pub fn import_json(
    out: &mut dyn Write,
    environment: &str,
    dir: &Path,
    files: &[&Path],
) -> io::Result<()> {
    write_json(
        out,
        &json!({
            "format_version": 1,
            "environment": environment,
            "out": dir,
            "files": files.iter().map(|f| f.to_string_lossy().replace('\\', "/")).collect::<Vec<_>>(),
        }),
    )
}

/// `promote --format json`.
pub fn promote_json(
    out: &mut dyn Write,
    from: &str,
    to: &str,
    dry_run: bool,
    pins: &[YamlLockItem],
) -> io::Result<()> {
    write_json(
        out,
        &json!({"format_version": 1, "from": from, "to": to, "dry_run": dry_run, "pins": pins}),
    )
}

/// The status lines at the end of an apply: the counts, and what the plan asked for but apply did
/// not do.
pub fn apply_status(
    plan: &Plan,
    (done, failed, skipped): (usize, usize, usize),
    refused: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    if plan.has_changes() {
        lines.push(format!(
            "Apply complete: {done} done, {failed} failed, {skipped} skipped."
        ));
    }
    if refused > 0 {
        lines.push(format!(
            "{refused} change(s) not made: conflicts need --adopt, blocked rules need their tables (see the plan)."
        ));
    }
    lines
}

/// One plain line per finished change (CI logs, and failures on a terminal).
pub fn outcome_line(o: &Outcome) -> String {
    use crate::escape::{block, line};
    let head = format!(
        "  {:?} {} {}",
        o.action,
        o.kind.as_str(),
        line(&o.display_name)
    );
    match &o.status {
        Status::Done => format!("{head}: done"),
        Status::Failed(e) => format!("{head}: FAILED: {}", block(e)),
        Status::Skipped(why) => format!("{head}: skipped: {}", line(why)),
    }
}
