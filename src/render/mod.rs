//! Renderers: turn diagnostics, plans and reports into text for people and machines.
//!
//! Renderers write into any `io::Write` and never decide where output goes or whether colour is
//! wanted; `crate::printer` does. Machine formats never contain colour.

pub mod diagnostics_human;
pub mod diagnostics_json;
pub mod diagnostics_sarif;
pub mod drift;
pub mod plan_human;
pub mod plan_markdown;
pub mod yaml;

use crate::diag::{Diagnostic, LineCol, SourceDb};

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
