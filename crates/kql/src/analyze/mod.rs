//! Semantic analysis (stub, being built).

use crate::catalog::{Catalog, FunctionEntry, FunctionInfo};
use crate::diagnostic::{KqlDiagnostic, SYNTAX};
use crate::parser::parse;
use crate::Analysis;

pub(crate) fn analyze_query(query: &str, _catalog: &Catalog) -> Analysis {
    let parsed = parse(query);
    let mut diagnostics: Vec<KqlDiagnostic> =
        parsed.errors.iter().map(|e| KqlDiagnostic::new(SYNTAX, e.range.clone(), e.message.clone())).collect();
    diagnostics.sort_by(|a, b| (a.range.start, a.code).cmp(&(b.range.start, b.code)));
    Analysis { diagnostics, output_columns: None, tables: Vec::new(), functions: Vec::new(), unsupported: parsed.unsupported }
}

pub(crate) fn function_info<'c>(_catalog: &Catalog, entry: &'c FunctionEntry, _depth: usize) -> &'c FunctionInfo {
    entry.info.get_or_init(|| FunctionInfo { output: None, tabular: true, errors: 0, first_error: None })
}
