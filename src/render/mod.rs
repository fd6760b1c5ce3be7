//! Renderers: turn diagnostics, plans and reports into text for people and machines.
//!
//! Renderers write into any `io::Write` and never decide where output goes or whether colour is
//! wanted; `crate::printer` does. Machine formats never contain colour.

pub mod coverage;
pub mod csv;
pub mod diagnostics_human;
pub mod diagnostics_json;
pub mod diagnostics_sarif;
pub mod doctor;
pub mod drift;
pub mod fleet;
pub mod plan_human;
pub mod plan_markdown;
pub mod reports;
pub mod runs;
pub mod test_report;
pub mod yaml;

use crate::diag::{Diagnostic, LineCol, SourceDb};

/// Untrusted names as a markdown list of inline code: `<code>a</code>, <code>b</code>`.
pub(crate) fn code_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("<code>{}</code>", crate::escape::md(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The start of a JUnit document: `<testsuites name="sentinelctl COMMAND">`.
pub(crate) fn junit_header(command: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sentinelctl {command}\">\n"
    )
}

/// A JUnit suite `PREFIX.ENV` for an environment that could not be checked: one `workspace` test
/// case with the error.
pub(crate) fn junit_error_suite(
    s: &mut String,
    prefix: &str,
    env: &str,
    message: &str,
    error: &str,
) {
    use crate::escape::xml;
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "  <testsuite name=\"{prefix}.{0}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"{0}\" name=\"workspace\">\n      <error message=\"{1}\">{2}</error>\n    </testcase>\n  </testsuite>",
        xml(env),
        xml(message),
        xml(error)
    );
}

/// Start and end line/column of a diagnostic (whole file → 1:1).
pub(crate) fn position(sources: &SourceDb, d: &Diagnostic) -> (LineCol, LineCol) {
    let file = sources.get(d.file);
    match &d.range {
        Some(r) => (file.line_col(r.start), file.line_col(r.end)),
        None => (LineCol { line: 1, col: 1 }, LineCol { line: 1, col: 1 }),
    }
}

/// Path with forward slashes, as shown in every format.
pub(crate) fn display_path(sources: &SourceDb, d: &Diagnostic) -> String {
    sources.path(d.file).to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::diag::{Diagnostic, SourceDb, codes};

    /// Compares `actual` with `src/render/snapshots/<name>`; `UPDATE_GOLDEN=1` rewrites the file.
    #[allow(clippy::disallowed_methods)]
    pub(crate) fn assert_golden(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/render/snapshots")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            actual,
            expected,
            "golden file {} differs (UPDATE_GOLDEN=1 to accept)",
            path.display()
        );
    }

    /// The shared sample plan every plan renderer is tested with: one change of each action.
    pub(crate) fn sample_plan() -> crate::plan::Plan {
        use crate::model::ResourceKind;
        use crate::plan::{Action, Change, FieldChange, Plan, summarize};
        use serde_json::json;
        let change = |kind, name: &str, display: &str, action| Change {
            kind,
            name: name.into(),
            display_name: display.into(),
            action,
            content_id: Some(name.into()),
            version: Some("1.0.0".into()),
            path: None,
            fields: Vec::new(),
            query_diff: None,
            etag: None,
            owner: None,
            depends_on: Vec::new(),
            last_modified: None,
            source_name: None,
            stale_record: None,
            live_body: None,
            reason: None,
            desired_hash: None,
            items: None,
            unmanaged_changed: Vec::new(),
        };
        let mut update = change(
            ResourceKind::Detection,
            "5f78b752",
            "Brute force",
            Action::Update,
        );
        update.fields = vec![
            FieldChange {
                path: "severity".into(),
                before: json!("Medium"),
                after: json!("High"),
            },
            FieldChange {
                path: "query".into(),
                before: json!("T\n| where n > 10"),
                after: json!("T\n| where n > 20"),
            },
        ];
        update.query_diff = crate::plan::query_diff("T\n| where n > 10\n", "T\n| where n > 20\n");
        let changes = vec![
            change(
                ResourceKind::Function,
                "OnePasswordEvents",
                "OnePasswordEvents",
                Action::Create,
            ),
            update,
            change(
                ResourceKind::Detection,
                "aaaaaaaa",
                "Made by hand",
                Action::Conflict,
            ),
            change(
                ResourceKind::Workbook,
                "bbbbbbbb",
                "Old workbook",
                Action::Delete,
            ),
            change(
                ResourceKind::Detection,
                "cccccccc",
                "Portal rule",
                Action::Unmanaged,
            ),
            change(ResourceKind::Detection, "dddddddd", "Same", Action::NoOp),
        ];
        Plan {
            format_version: 1,
            environment: "dev".into(),
            workspace_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law".into(),
            commit: Some("0123abc".into()),
            summary: summarize(&changes),
            changes,
            prune_blocked: None,
        }
    }

    /// The shared sample drift report.
    pub(crate) fn sample_drift() -> Vec<crate::drift::DriftReport> {
        use crate::drift::{DriftClass, DriftReport, Finding};
        use crate::model::ResourceKind;
        use crate::plan::FieldChange;
        let finding = |name: &str, class, fields: Vec<FieldChange>| Finding {
            kind: ResourceKind::Detection,
            name: name.into(),
            display_name: format!("Rule <{name}>"),
            class,
            fields,
            last_modified: Some("2026-11-24T10:00:00Z".into()),
            detail: None,
            suppressed: None,
            unmanaged_changed: Vec::new(),
        };
        let mut accepted = finding("f", DriftClass::DisabledOutsideCode, Vec::new());
        accepted.suppressed = Some(crate::model::environment::DriftSuppression {
            resource: "f".into(),
            class: None,
            reason: "off during the <migration> & cut-over".into(),
            expires: "2027-01-31".into(),
        });
        vec![DriftReport {
            unused_suppressions: Vec::new(),
            environment: "prod".into(),
            workspace_id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law".into(),
            findings: vec![
                finding("a", DriftClass::InSync, Vec::new()),
                finding("b", DriftClass::ModifiedOutsideCode, vec![FieldChange { path: "severity".into(), before: serde_json::json!("Low"), after: serde_json::json!("High") }]),
                finding("c", DriftClass::DeletedOutsideCode, Vec::new()),
                finding("d", DriftClass::Unmanaged, Vec::new()),
                finding("e", DriftClass::Pending, Vec::new()),
                accepted,
            ],
            error: None,
        }]
    }

    /// The shared sample every diagnostics renderer is tested with.
    pub(crate) fn sample_diagnostics() -> (SourceDb, Vec<Diagnostic>) {
        let mut db = SourceDb::new();
        let rule = db.add(
            "detections/brute-force.yaml",
            "id: 1\nname: Brute force\nqueryPeriodd: 1h\nquery: |-\n  T\n  | where x == 1\n".into(),
        );
        let env = db.add("environments/dev.yaml", "tenantId: x\n".into());
        let diags = vec![
            Diagnostic::error(codes::UNKNOWN_KEY, rule, "unknown key `queryPeriodd`")
                .at(24..36)
                .help("did you mean `queryPeriod`?"),
            Diagnostic::warning(
                codes::MISPLACED_KEY,
                rule,
                "`source` belongs under `metadata:`",
            )
            .at(0..2),
            Diagnostic::error(
                codes::MISSING_KEY,
                env,
                "missing required key `subscriptionId`",
            )
            .at(0..0),
        ];
        (db, diags)
    }
}
