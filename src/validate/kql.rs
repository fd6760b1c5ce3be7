//! KQL checks: every rule query and function body is analysed by `sentinel_kql` against the
//! table schemas in `schemas/` and the functions in `functions/`; query-relative byte ranges are
//! mapped back to the YAML file, and columns named by entity mappings, custom details and alert
//! overrides are checked against the query's output.

use std::ops::Range;

use sentinel_kql::{Analysis, Catalog, Column, FunctionDecl, Param, ScalarType, Table};

use crate::diag::{Diagnostic, FileId, Severity, SourceDb, codes};
use crate::load::yaml::{Node, Style, Value};
use crate::load::{Repository, RuleFile};

/// Builds the catalog: table schemas plus every function in the repository.
pub fn catalog(repo: &Repository) -> Catalog {
    let mut catalog = Catalog::new();
    for t in &repo.tables {
        let columns = t
            .columns
            .iter()
            .map(|(n, ty)| {
                Column::new(
                    n.clone(),
                    ScalarType::from_name(ty).unwrap_or(ScalarType::Unknown),
                )
            })
            .collect();
        catalog.add_table(Table {
            name: t.name.clone(),
            columns,
        });
    }
    for f in &repo.functions {
        let params = f
            .function
            .params
            .iter()
            .map(|p| Param {
                name: p.name.clone(),
                ty: p.ty.clone(),
                default: p.default.clone(),
            })
            .collect();
        catalog.add_function(FunctionDecl {
            name: f.function.function_alias.clone(),
            params,
            body: f.loaded.raw.function_query.clone(),
        });
    }
    for f in &repo.workspace_functions {
        if repo
            .functions
            .iter()
            .any(|r| r.function.function_alias.eq_ignore_ascii_case(&f.name))
        {
            continue; // the repository's own version wins
        }
        let params = crate::model::function::parse_parameters(&f.parameters)
            .into_iter()
            .map(|p| Param {
                name: p.name,
                ty: p.ty,
                default: p.default,
            })
            .collect();
        catalog.add_function(FunctionDecl {
            name: f.name.clone(),
            params,
            body: f.query.clone(),
        });
    }
    catalog
}

/// Maps a byte offset inside a scalar's value to a byte offset in the file.
///
/// Block scalars (`|`, `>`) start on the line after the indicator; each value line sits at the
/// block's indentation. Single-line scalars map directly (after the opening quote).
pub fn map_offset(sources: &SourceDb, file: FileId, node: &Node, offset: usize) -> usize {
    let source = sources.get(file);
    let Value::Scalar(value, style) = &node.value else {
        return node.span.start;
    };
    let at = match style {
        Style::Literal => {
            let before = value.get(..offset.min(value.len())).unwrap_or(value);
            let line_in_value = before.matches('\n').count();
            let col_bytes = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
            // The span of a literal block starts at its first content character.
            let first_line = source.line_col(node.span.start).line;
            let text = source.line_text(first_line);
            let indent = text.len() - text.trim_start().len();
            let line = first_line + line_in_value;
            (source.line_start(line) + indent + col_bytes).min(source.text.len())
        }
        Style::Folded => node.span.start,
        // a plain scalar over several lines is folded (newline + indentation → one space), so
        // only a one-line plain scalar has the same bytes as its value
        Style::Plain
            if source
                .text
                .get(node.span.clone())
                .is_some_and(|t| !t.contains('\n')) =>
        {
            (node.span.start + offset).min(node.span.end)
        }
        Style::Plain => node.span.start,
        Style::Quoted
            if !value.contains('\n') && !value.contains('\\') && !value.contains('\'') =>
        {
            (node.span.start + 1 + offset).min(node.span.end)
        }
        Style::Quoted => node.span.start,
    };
    // never inside a character (found by fuzz/fuzz_targets/load_rule.rs)
    let mut at = at.min(source.text.len());
    while !source.text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn to_diagnostics(
    sources: &SourceDb,
    file: FileId,
    node: Option<&Node>,
    analysis: &Analysis,
    out: &mut Vec<Diagnostic>,
) {
    for k in &analysis.diagnostics {
        let range: Range<usize> = match node {
            Some(n) => {
                let s = map_offset(sources, file, n, k.range.start);
                let e = map_offset(sources, file, n, k.range.end).max(s);
                s..e
            }
            None => 0..0,
        };
        let d = Diagnostic {
            code: k.code,
            name: k.name,
            severity: if k.severity == sentinel_kql::Severity::Error {
                Severity::Error
            } else {
                Severity::Warning
            },
            message: k.message.clone(),
            file,
            range: Some(range),
            labels: Vec::new(),
            help: k.help.clone(),
        };
        out.push(d);
    }
}

/// Analyses one rule query; returns the analysis for the output-column checks.
pub fn check_rule_query(
    repo: &Repository,
    catalog: &Catalog,
    rf: &RuleFile,
    out: &mut Vec<Diagnostic>,
) -> Option<Analysis> {
    let query = rf.loaded.raw.query.as_deref()?;
    let analysis = sentinel_kql::analyze(query, catalog);
    to_diagnostics(
        &repo.sources,
        rf.loaded.file,
        rf.loaded.doc.get("query"),
        &analysis,
        out,
    );
    check_output_columns(rf, &analysis, out);
    Some(analysis)
}

/// A body with its parameters declared in front, so the analyser sees them in scope.
/// Returns the text and the length of the prefix (diagnostics in the prefix are dropped).
pub fn body_with_params(f: &crate::model::SavedFunction, body: &str) -> (String, usize) {
    let mut prefix = String::new();
    for p in &f.params {
        let ty = p.ty.trim().to_ascii_lowercase();
        if ty.starts_with('(') || ty.starts_with("table") {
            continue;
        }
        let value = p.default.clone().unwrap_or_else(|| {
            if ty == "string" {
                "''".into()
            } else {
                format!("{ty}(null)")
            }
        });
        let value = if ty == "string"
            || ty == "dynamic"
            || value.contains('(')
            || value.starts_with(['\'', '"'])
        {
            value
        } else {
            format!("{ty}({value})")
        };
        prefix.push_str(&format!("let {} = {};\n", p.name, value));
    }
    let len = prefix.len();
    prefix.push_str(body);
    (prefix, len)
}

/// Analyses every function body (parameters in scope).
pub fn check_functions(repo: &Repository, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    for f in &repo.functions {
        let (text, prefix) = body_with_params(&f.function, &f.loaded.raw.function_query);
        let mut analysis = sentinel_kql::analyze(&text, catalog);
        analysis.diagnostics.retain(|d| d.range.start >= prefix);
        for d in &mut analysis.diagnostics {
            d.range = d.range.start - prefix..d.range.end - prefix;
        }
        let node = f
            .loaded
            .doc
            .get("FunctionQuery")
            .or_else(|| f.loaded.doc.get("ParserQuery"));
        to_diagnostics(&repo.sources, f.loaded.file, node, &analysis, out);
    }
}

fn check_output_columns(rf: &RuleFile, analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let Some(columns) = &analysis.output_columns else {
        return;
    };
    let has = |c: &str| columns.iter().any(|x| x.name == c);
    let raw = &rf.loaded.raw;
    let mut refs: Vec<(Vec<String>, String)> = Vec::new();
    for (i, m) in raw.entity_mappings.iter().flatten().enumerate() {
        for (j, f) in m.field_mappings.iter().enumerate() {
            refs.push((
                vec![
                    "entityMappings".into(),
                    i.to_string(),
                    "fieldMappings".into(),
                    j.to_string(),
                    "columnName".into(),
                ],
                f.column_name.clone(),
            ));
        }
    }
    for (k, v) in raw.custom_details.iter().flatten() {
        refs.push((vec!["customDetails".into(), k.clone()], v.clone()));
    }
    if let Some(o) = &raw.alert_details_override {
        for (key, text) in [
            ("alertDisplayNameFormat", &o.alert_display_name_format),
            ("alertDescriptionFormat", &o.alert_description_format),
        ] {
            for cap in text.iter().flat_map(|t| t.match_indices("{{")) {
                let rest = &text.as_deref().unwrap_or_default()[cap.0 + 2..];
                if let Some(end) = rest.find("}}") {
                    refs.push((
                        vec!["alertDetailsOverride".into(), key.into()],
                        rest[..end].trim().to_string(),
                    ));
                }
            }
        }
        for (key, col) in [
            ("alertTacticsColumnName", &o.alert_tactics_column_name),
            ("alertSeverityColumnName", &o.alert_severity_column_name),
        ] {
            if let Some(c) = col {
                refs.push((vec!["alertDetailsOverride".into(), key.into()], c.clone()));
            }
        }
    }
    for (path, column) in refs {
        if column.is_empty() || has(&column) {
            continue;
        }
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        let help = crate::load::de::suggest(&column, &names).map_or_else(
            || "project the column in the query".to_string(),
            |s| format!("did you mean `{s}`?"),
        );
        out.push(
            Diagnostic::error(
                codes::OUTPUT_COLUMN,
                rf.loaded.file,
                format!("column `{column}` is not in the query's output"),
            )
            .at(rf.loaded.span(&path))
            .help(help),
        );
    }
}
