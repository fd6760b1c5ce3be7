//! JSON diagnostics (`--format json`): a stable, versioned document.
//!
//! Schema (format version 1): `{"format_version": 1, "diagnostics": [{"code", "name", "severity",
//! "message", "file", "line", "column", "end_line", "end_column", "help", "labels": [{"file","line","column","message"}]}],
//! "summary": {"errors", "warnings"}}`. Lines and columns are 1-based; columns count characters.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{display_path, position};
use crate::diag::{Diagnostic, Severity, SourceDb};

/// The JSON document as a value (also embedded in other reports).
pub fn to_value(sources: &SourceDb, diags: &[Diagnostic]) -> Value {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (start, end) = position(sources, d);
            let labels: Vec<Value> = d
                .labels
                .iter()
                .map(|l| {
                    let lc = sources.get(l.file).line_col(l.range.start);
                    json!({"file": sources.path(l.file).to_string_lossy().replace('\\', "/"), "line": lc.line, "column": lc.col, "message": l.message})
                })
                .collect();
            json!({
                "code": d.code, "name": d.name, "severity": d.severity, "message": d.message,
                "file": display_path(sources, d), "line": start.line, "column": start.col,
                "end_line": end.line, "end_column": end.col, "help": d.help, "labels": labels,
            })
        })
        .collect();
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    json!({"format_version": 1, "diagnostics": items, "summary": {"errors": errors, "warnings": diags.len() - errors}})
}

/// Writes the document, pretty-printed, with a final newline.
pub fn render(out: &mut dyn Write, sources: &SourceDb, diags: &[Diagnostic]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(sources, diags))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::sample_diagnostics;

    #[test]
    fn golden_json_output() {
        let (db, diags) = sample_diagnostics();
        let mut out = Vec::new();
        render(&mut out, &db, &diags).unwrap();
        let text = String::from_utf8(out).unwrap();
        crate::render::tests::assert_golden("diagnostics_json.json", &text);
    }
}
