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
    write_json(out, &audit_record(applied))
}

/// One workspace's audit record (the `apply --audit` document).
fn audit_record(applied: &crate::apply::Applied) -> Value {
    let (plan, outcomes, facts) = (&applied.plan, &applied.report.outcomes, &applied.audit);
    let count = |f: fn(&Status) -> bool| outcomes.iter().filter(|o| f(&o.status)).count();
    json!({
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
        "tool": tool(),
        "outcomes": outcomes,
        "summary": {
            "done": count(|s| *s == Status::Done),
            "failed": count(|s| matches!(s, Status::Failed(_))),
            "skipped": count(|s| matches!(s, Status::Skipped(_))),
            "refused": plan.summary.conflict + plan.summary.blocked,
        },
    })
}

fn pairs(v: &[(&str, String)]) -> serde_json::Map<String, Value> {
    v.iter()
        .map(|(k, v)| ((*k).to_string(), Value::String(v.clone())))
        .collect()
}

fn tool() -> Value {
    json!({"name": "sentinelctl", "version": env!("CARGO_PKG_VERSION")})
}

/// `apply --audit FILE` over a fleet: one document with every workspace's record (the
/// single-environment record plus the fleet entry's `result` fields; a workspace that was not
/// applied has only its environment, workspace id, result and error).
pub fn fleet_audit(
    out: &mut dyn Write,
    (started, finished): (&str, &str),
    outcomes: &[crate::ops::fleet::FleetOutcome],
) -> io::Result<()> {
    let records: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut entry = match serde_json::to_value(o) {
                Ok(Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            if let Some(Value::Object(record)) = o.applied().map(audit_record) {
                for (k, v) in record {
                    if k != "format_version" {
                        entry.entry(k).or_insert(v);
                    }
                }
            }
            Value::Object(entry)
        })
        .collect();
    write_json(
        out,
        &json!({
            "format_version": 1,
            "kind": "sentinelctl-fleet-apply-audit",
            "started": started,
            "finished": finished,
            "tool": tool(),
            "environments": records,
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
