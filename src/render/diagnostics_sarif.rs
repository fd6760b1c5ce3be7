//! SARIF 2.1.0 diagnostics (`--format sarif`) for GitHub code scanning.
//!
//! One run, the tool's rules are the codes that occur (with their docs), one result per
//! diagnostic with a physical location. Validated against the SARIF 2.1.0 schema in
//! `tests/sarif_schema.rs`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::{display_path, position};
use crate::diag::{Diagnostic, Severity, SourceDb, codes};

/// Characters escaped in artifact URIs: everything RFC 3986 does not allow in a path segment
/// (spaces are common in Azure-Sentinel file names), keeping `/` as the separator.
const URI_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A relative URI reference for a repository path.
fn artifact_uri(path: &str) -> String {
    utf8_percent_encode(path, URI_PATH).to_string()
}

/// Writes the SARIF log.
pub fn render(
    out: &mut dyn Write,
    sources: &SourceDb,
    diags: &[Diagnostic],
    docs: &dyn Fn(&str) -> Option<String>,
) -> io::Result<()> {
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for d in diags {
        rules.entry(d.code).or_insert_with(|| {
            let full = docs(d.code).or_else(|| codes::lookup(d.code).map(|(_, _, doc)| doc.to_string())).unwrap_or_else(|| d.name.to_string());
            json!({"id": d.code, "name": d.name, "shortDescription": {"text": d.name}, "fullDescription": {"text": full},
                   "help": {"text": format!("sentinelctl explain {}", d.code)}})
        });
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let (start, end) = position(sources, d);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!(" (help: {help})"));
            }
            json!({
                "ruleId": d.code, "ruleIndex": index[d.code],
                "level": if d.severity == Severity::Error { "error" } else { "warning" },
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(&display_path(sources, d)), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": start.line, "startColumn": start.col, "endLine": end.line, "endColumn": end.col.max(start.col + usize::from(end.line == start.line && end.col == start.col))}
                }}]
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "sentinelctl", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/sentinelctl/sentinelctl", "rules": rules.into_values().collect::<Vec<_>>()}},
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

/// Docs for KQL codes, which live in the KQL crate.
pub fn kql_docs(code: &str) -> Option<String> {
    sentinel_kql::CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, doc)| (*doc).to_string())
}

#[cfg(test)]
mod tests {
    use super::artifact_uri;

    #[test]
    fn artifact_uris_escape_spaces_and_keep_slashes() {
        assert_eq!(
            artifact_uri("detections/1Password - Changes to SSO.yaml"),
            "detections/1Password%20-%20Changes%20to%20SSO.yaml"
        );
        assert_eq!(artifact_uri("a/b%c#d.yaml"), "a/b%25c%23d.yaml");
        assert_eq!(artifact_uri("functions/é.yaml"), "functions/%C3%A9.yaml");
    }
}
