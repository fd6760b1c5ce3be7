//! KQL checks: every rule query, function body and hunting query is analysed by `sentinel_kql`
//! against the table schemas in `schemas/`, the functions in `functions/` and the watchlists in
//! `watchlists/` (`_GetWatchlist('alias')` returns the watchlist's columns: `_DTItemId`,
//! `LastUpdatedTimeUTC`, `SearchKey`, `WatchlistItem` and its CSV columns as strings);
//! query-relative byte ranges are mapped back to the YAML file, each `_GetWatchlist` alias must be
//! a watchlist of the repository, and columns named by entity mappings, custom details and alert
//! overrides are checked against the query's output.

use std::ops::Range;

use sentinel_kql::{Analysis, Catalog, Column, FunctionDecl, Param, ScalarType, Table};

use crate::diag::{Diagnostic, FileId, Severity, SourceDb, codes};
use crate::load::yaml::{Node, Style, Value};
use crate::load::{Repository, RuleFile};

/// Builds the catalog: table schemas, every function and every watchlist of the repository (a
/// watchlist whose CSV does not parse is left out: its columns are not known).
pub fn catalog(repo: &Repository) -> Catalog {
    let mut catalog = Catalog::new();
    for w in &repo.watchlists {
        if let Some(t) = &w.table {
            catalog.add_watchlist(sentinel_kql::Watchlist {
                alias: w.loaded.raw.alias.trim().to_string(),
                columns: t.header.clone(),
            });
        }
    }
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

/// Each `_GetWatchlist('alias')` whose alias no watchlist of the repository has: a located error
/// with the closest alias as a hint.
fn check_watchlists(
    repo: &Repository,
    file: FileId,
    node: Option<&Node>,
    analysis: &Analysis,
    out: &mut Vec<Diagnostic>,
) {
    let aliases: Vec<&str> = repo
        .watchlists
        .iter()
        .map(|w| w.loaded.raw.alias.trim())
        .collect();
    for r in &analysis.watchlists {
        if aliases.iter().any(|a| a.eq_ignore_ascii_case(&r.alias)) {
            continue;
        }
        let range = node.map_or(0..0, |n| {
            let s = map_offset(&repo.sources, file, n, r.range.start);
            s..map_offset(&repo.sources, file, n, r.range.end).max(s)
        });
        let help = crate::load::de::suggest(&r.alias, &aliases).map_or_else(
            || {
                format!(
                    "define it in `watchlists/{}.yaml` with its items in `watchlists/{}.csv`",
                    r.alias, r.alias
                )
            },
            |s| format!("did you mean `{s}`?"),
        );
        out.push(
            Diagnostic::error(
                codes::UNKNOWN_WATCHLIST,
                file,
                format!("no watchlist `{}` in this repository", r.alias),
            )
            .at(range)
            .help(help),
        );
    }
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
    let node = rf.loaded.doc.get("query");
    to_diagnostics(&repo.sources, rf.loaded.file, node, &analysis, out);
    check_watchlists(repo, rf.loaded.file, node, &analysis, out);
    check_output_columns(rf, &analysis, out);
    Some(analysis)
}

/// Analyses every hunting query.
pub fn check_hunting(repo: &Repository, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    for h in &repo.hunting {
        let analysis = sentinel_kql::analyze(&h.loaded.raw.query, catalog);
        let node = h.loaded.doc.get("query");
        to_diagnostics(&repo.sources, h.loaded.file, node, &analysis, out);
        check_watchlists(repo, h.loaded.file, node, &analysis, out);
    }
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
        analysis.watchlists.retain(|w| w.range.start >= prefix);
        for w in &mut analysis.watchlists {
            w.range = w.range.start - prefix..w.range.end - prefix;
        }
        let node = f
            .loaded
            .doc
            .get("FunctionQuery")
            .or_else(|| f.loaded.doc.get("ParserQuery"));
        to_diagnostics(&repo.sources, f.loaded.file, node, &analysis, out);
        check_watchlists(repo, f.loaded.file, node, &analysis, out);
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

/// A workbook query with its `{Parameter}` references replaced by values of the right kind, so
/// the analyser sees KQL: time ranges (type 4) become `>= ago(1d)` (`:start`/`:end` datetimes,
/// `:grain` a timespan), other parameters a string (inside a string literal, its text). A
/// reference to a parameter the workbook does not define is left as written (a syntax error the
/// user should see).
pub fn substitute_workbook_parameters(query: &str, params: &[(String, i64)]) -> String {
    substitute_with_map(query, params).0
}

/// [`substitute_workbook_parameters`], with each substitution as (offset in the output, offset in
/// the input) after it, to map positions back.
fn substitute_with_map(query: &str, params: &[(String, i64)]) -> (String, Vec<(usize, usize)>) {
    let mut map = Vec::new();
    let mut out = String::with_capacity(query.len());
    let mut rest = query;
    let mut in_string: Option<char> = None;
    while let Some(c) = rest.chars().next() {
        if let Some(q) = in_string {
            if c == q {
                in_string = None;
            }
        } else if c == '"' || c == '\'' {
            in_string = Some(c);
        }
        if c == '{'
            && let Some(end) = rest.find('}')
        {
            let inner = &rest[1..end];
            let (name, part) = inner.split_once(':').unwrap_or((inner, ""));
            if let Some((_, ty)) = params.iter().find(|(n, _)| n == name.trim()) {
                let value = match (*ty, part, in_string.is_some()) {
                    (4, "start", _) => "datetime(2026-01-01)",
                    (4, "end", _) => "datetime(2026-01-02)",
                    (4, "grain", _) => "1h",
                    (4, _, false) => ">= ago(1d)",
                    (_, _, true) => "value",
                    (_, _, false) => "\"value\"",
                };
                out.push_str(value);
                rest = &rest[end + 1..];
                map.push((out.len(), query.len() - rest.len()));
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (out, map)
}

/// The input offset of output offset `at` (inside a substituted value: the reference's end).
fn original_offset(map: &[(usize, usize)], at: usize) -> usize {
    let (out_base, in_base) = map
        .iter()
        .rev()
        .find(|(o, _)| *o <= at)
        .copied()
        .unwrap_or((0, 0));
    in_base + (at - out_base)
}

/// The KQL queries of a workbook's JSON (log-analytics queries of query steps and parameters),
/// with the parameters defined before each (workbook parameters are global to the workbook).
pub fn workbook_queries(data: &serde_json::Value) -> (Vec<String>, Vec<(String, i64)>) {
    fn walk(
        items: &[serde_json::Value],
        queries: &mut Vec<String>,
        params: &mut Vec<(String, i64)>,
    ) {
        for item in items {
            let content = item.get("content").unwrap_or(&serde_json::Value::Null);
            for p in content
                .get("parameters")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(name) = p.get("name").and_then(|n| n.as_str()) {
                    params.push((
                        name.to_string(),
                        p.get("type")
                            .and_then(serde_json::Value::as_i64)
                            .unwrap_or(1),
                    ));
                }
                if let Some(q) = p.get("query").and_then(|q| q.as_str()) {
                    queries.push(q.to_string());
                }
            }
            // queryType 0 is a Log Analytics (KQL) query; other query types (ARG, metrics) are not KQL here
            let kql = content
                .get("queryType")
                .and_then(serde_json::Value::as_i64)
                .is_none_or(|t| t == 0);
            if kql && let Some(q) = content.get("query").and_then(|q| q.as_str()) {
                queries.push(q.to_string());
            }
            if let Some(inner) = content.get("items").and_then(|i| i.as_array()) {
                walk(inner, queries, params);
            }
        }
    }
    let (mut queries, mut params) = (Vec::new(), Vec::new());
    walk(
        data.get("items")
            .and_then(|i| i.as_array())
            .map_or(&[], Vec::as_slice),
        &mut queries,
        &mut params,
    );
    (queries, params)
}

/// Checks every KQL query of every workbook; findings are located at the query's string in the
/// workbook JSON, with the line and column inside the query in the message.
pub fn check_workbooks(repo: &Repository, catalog: &Catalog, out: &mut Vec<Diagnostic>) -> usize {
    let mut checked = 0;
    for wb in &repo.workbooks {
        let (queries, params) = workbook_queries(&wb.data);
        let text = &repo.sources.get(wb.json_file).text;
        for q in queries {
            checked += 1;
            let (kql, map) = substitute_with_map(&q, &params);
            let analysis = sentinel_kql::analyze(&kql, catalog);
            if analysis.diagnostics.is_empty() {
                continue;
            }
            let escaped = serde_json::to_string(&q).unwrap_or_default();
            let at = text.find(&escaped).unwrap_or(0);
            // a query offset → the file offset inside the JSON string (escapes are longer)
            let file_offset = |kql_at: usize| {
                let orig = original_offset(&map, kql_at).min(q.len());
                let mut orig = orig;
                while !q.is_char_boundary(orig) {
                    orig -= 1;
                }
                let prefix = serde_json::to_string(&q[..orig]).unwrap_or_default();
                (at + prefix.len() - 1).min(text.len())
            };
            for k in &analysis.diagnostics {
                let start = file_offset(k.range.start);
                let span = start..file_offset(k.range.end).max(start);
                let before = &kql[..k.range.start.min(kql.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                out.push(Diagnostic {
                    code: k.code,
                    name: k.name,
                    severity: if k.severity == sentinel_kql::Severity::Error {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    message: format!("workbook query, line {line} column {col}: {}", k.message),
                    file: wb.json_file,
                    range: Some(span),
                    labels: Vec::new(),
                    help: k.help.clone(),
                });
            }
        }
    }
    checked
}
