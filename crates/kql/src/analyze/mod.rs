//! Semantic analysis: names, arities and columns, checked against a [`Catalog`].
//!
//! Input: the [`crate::ast::Query`] from the parser. Output: diagnostics `SC2002`–`SC2012`, the result
//! schema, and the tables/functions referenced. `mod.rs` holds the entry points, saved-function analysis
//! (cached in the catalog) and statements; `expr.rs` scalar expressions and calls; `tabular.rs` pipelines
//! and operators; `schema.rs` row schemas and naming; `scope.rs` `let` bindings. Walks statements in order, binding `let` names in a
//! [`scope::Scope`], and evaluates each expression to a [`Value`]: a scalar type or a tabular
//! [`schema::Schema`]. Operators transform schemas (`project`, `extend`, `summarize`, `join`, `union`,
//! `mv-expand`, `parse`…). Whenever an input's schema is unknown, names that are not otherwise bound are
//! accepted silently: reporting errors on valid content is worse than missing one.

mod expr;
mod schema;
mod scope;
mod tabular;

use std::collections::BTreeSet;
use std::ops::Range;

use schema::Schema;
use scope::{Binding, LambdaDef, LambdaResult, Scope};
use tabular::decl_schema;

use crate::Analysis;
use crate::ast::{LetValue, ParamType, Statement};
use crate::catalog::{Catalog, Column, FunctionEntry, FunctionInfo};
use crate::diagnostic::{DUPLICATE_LET, KqlDiagnostic, SYNTAX};
use crate::parser::parse;
use crate::types::ScalarType;

/// Maximum nesting of saved-function analysis (functions calling functions).
const MAX_FUNCTION_DEPTH: usize = 8;

pub(crate) fn analyze_query(query: &str, catalog: &Catalog) -> Analysis {
    let mut stack = Vec::new();
    let (analysis, _) = run(query, catalog, Scope::default(), &mut stack, true);
    analysis
}

/// Analyses `query` with `scope` pre-bound (parameters of a saved function). Returns the analysis and
/// the result (scalar type or schema) of the last statement.
fn run(
    query: &str,
    catalog: &Catalog,
    scope: Scope,
    stack: &mut Vec<String>,
    top: bool,
) -> (Analysis, Option<Value>) {
    let parsed = parse(query);
    let mut cx = Ctx {
        catalog,
        src: query,
        diags: parsed
            .errors
            .iter()
            .map(|e| KqlDiagnostic::new(SYNTAX, e.range.clone(), e.message.clone()))
            .collect(),
        tables: BTreeSet::new(),
        unknown_tables: BTreeSet::new(),
        functions: BTreeSet::new(),
        unsupported: parsed.unsupported.iter().cloned().collect(),
        watchlists: Vec::new(),
        scope,
        stack,
        top,
        column_counter: 0,
        fuzzy: 0,
        fuzzy_missing: false,
        depth: 0,
        join_sides: None,
    };
    let has_syntax_errors = !cx.diags.is_empty();
    let result = cx.statements(&parsed.query.statements);
    let mut diagnostics = cx.diags;
    diagnostics.sort_by(|a, b| {
        (a.range.start, a.code, a.range.end).cmp(&(b.range.start, b.code, b.range.end))
    });
    diagnostics.dedup();
    let output_columns = match &result {
        Some(Value::Tabular(s)) if !has_syntax_errors => s.cols.clone(),
        _ => None,
    };
    let analysis = Analysis {
        diagnostics,
        output_columns,
        tables: cx.tables.into_iter().collect(),
        unknown_tables: cx.unknown_tables.into_iter().collect(),
        functions: cx.functions.into_iter().collect(),
        unsupported: cx.unsupported.into_iter().collect(),
        watchlists: {
            let mut w = cx.watchlists;
            w.sort_by_key(|r| r.range.start);
            w.dedup();
            w
        },
    };
    (analysis, result)
}

/// The result of analysing a saved function's body (cached in the catalog).
pub(crate) fn function_info(
    catalog: &Catalog,
    entry: &FunctionEntry,
    _depth: usize,
) -> FunctionInfo {
    let mut stack = Vec::new();
    function_info_with(catalog, entry, &mut stack)
}

fn function_info_with(
    catalog: &Catalog,
    entry: &FunctionEntry,
    stack: &mut Vec<String>,
) -> FunctionInfo {
    if let Some(info) = entry.info.get() {
        return info.clone();
    }
    let name = &entry.decl.name;
    if stack.iter().any(|n| n == name) || stack.len() >= MAX_FUNCTION_DEPTH {
        return FunctionInfo {
            output: None,
            open: false,
            tabular: true,
            errors: 0,
            first_error: None,
        };
    }
    let mut scope = Scope::default();
    for p in &entry.decl.params {
        scope.push(p.name.clone(), param_binding(&p.ty));
    }
    let body = entry.decl.body.trim();
    let body = match body.strip_prefix('{').and_then(|b| b.strip_suffix('}')) {
        Some(inner) => inner,
        None => body,
    };
    stack.push(name.clone());
    let (analysis, result) = run(body, catalog, scope, stack, false);
    stack.pop();
    let errors: Vec<&KqlDiagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == crate::Severity::Error)
        .collect();
    let (output, tabular) = match result {
        Some(Value::Tabular(s)) => (if errors.is_empty() { Some(s) } else { None }, true),
        Some(Value::Scalar(_)) => (None, false),
        None => (None, true),
    };
    let open = output.as_ref().is_some_and(|s| s.open);
    let output = output.and_then(|s| s.cols);
    let info = FunctionInfo {
        output,
        open,
        tabular,
        errors: errors.len(),
        first_error: errors.first().map(|d| d.message.clone()),
    };
    let _ = entry.info.set(info.clone());
    info
}

/// The binding of a parameter declared with type text `ty` (`string`, `(*)`, `(a:string)`).
fn param_binding(ty: &str) -> Binding {
    let t = ty.trim();
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        if inner.trim() == "*" {
            return Binding::Tabular(Schema::unknown());
        }
        // declared columns `(a:string, b:long)`: what the body may use
        let mut cols = Vec::new();
        for part in inner.split(',') {
            let Some((n, ty)) = part.split_once(':') else {
                return Binding::Tabular(Schema::unknown());
            };
            let n = n.trim();
            let n = if n.starts_with('[') {
                crate::parser::unquote_bracket(n)
            } else {
                n.to_string()
            };
            cols.push(Column::new(
                n,
                ScalarType::from_name(ty).unwrap_or(ScalarType::Unknown),
            ));
        }
        return Binding::Tabular(Schema::known(cols));
    }
    Binding::Scalar(ScalarType::from_name(t).unwrap_or(ScalarType::Unknown))
}

/// What an expression evaluates to.
#[derive(Debug, Clone)]
enum Value {
    Scalar(ScalarType),
    Tabular(Schema),
}

impl Value {
    pub(super) fn ty(&self) -> ScalarType {
        match self {
            Value::Scalar(t) => *t,
            Value::Tabular(_) => ScalarType::Unknown,
        }
    }
}

/// Where an expression is evaluated.
#[derive(Clone, Copy)]
struct Row<'a> {
    /// The columns in scope (`None`: not in a row context, e.g. a `let` scalar).
    schema: Option<&'a Schema>,
    /// True inside `summarize` / `make-series` aggregations.
    aggregate: bool,
}

struct Ctx<'c, 's> {
    catalog: &'c Catalog,
    src: &'c str,
    diags: Vec<KqlDiagnostic>,
    tables: BTreeSet<String>,
    unknown_tables: BTreeSet<String>,
    functions: BTreeSet<String>,
    unsupported: BTreeSet<String>,
    watchlists: Vec<crate::WatchlistRef>,
    scope: Scope,
    stack: &'s mut Vec<String>,
    top: bool,
    column_counter: usize,
    /// > 0 inside operands of `union isfuzzy=true`: unknown tables are not errors there.
    fuzzy: usize,
    /// Set when a table could not be resolved inside a fuzzy union.
    fuzzy_missing: bool,
    /// Nesting of call-site lambda analysis.
    depth: usize,
    /// The two sides while analysing a `join … where` predicate, where `$left.x` / `$right.x` resolve.
    join_sides: Option<(Schema, Schema)>,
}

impl Ctx<'_, '_> {
    pub(super) fn error(
        &mut self,
        kind: (&'static str, &'static str),
        range: Range<usize>,
        message: String,
        help: Option<String>,
    ) {
        let mut d = KqlDiagnostic::new(kind, range, message);
        d.help = help;
        self.diags.push(d);
    }

    pub(super) fn statements(&mut self, statements: &[Statement]) -> Option<Value> {
        let mut last = None;
        let mut declared: Vec<&str> = Vec::new();
        for s in statements {
            match s {
                Statement::Let { name, value } => {
                    if declared.contains(&name.text.as_str()) {
                        self.error(
                            DUPLICATE_LET,
                            name.range.clone(),
                            format!(
                                "`{}` is already declared with `let` in this scope",
                                name.text
                            ),
                            Some("remove one declaration or rename it".into()),
                        );
                    }
                    declared.push(&name.text);
                    let b = match value {
                        LetValue::Expr(e) => match self.expr(e, None) {
                            Value::Scalar(t) => Binding::Scalar(t),
                            Value::Tabular(s) => Binding::Tabular(s),
                        },
                        LetValue::Function { params, body, .. } => {
                            let mark = self.scope.len();
                            let mut min = 0;
                            for p in params {
                                if let Some(d) = &p.default {
                                    self.expr(d, None);
                                } else {
                                    min += 1;
                                }
                                let b = match &p.ty {
                                    ParamType::Scalar(t) => Binding::Scalar(
                                        ScalarType::from_name(t).unwrap_or(ScalarType::Unknown),
                                    ),
                                    // declared columns are all the body may use (Kusto binds it so)
                                    ParamType::Tabular(Some(cols)) => {
                                        Binding::Tabular(decl_schema(cols))
                                    }
                                    ParamType::Tabular(None) => Binding::Tabular(Schema::unknown()),
                                };
                                self.scope.push(p.name.text.clone(), b);
                            }
                            let required = params
                                .iter()
                                .map(|p| match &p.ty {
                                    ParamType::Tabular(Some(cols)) => decl_schema(cols).cols,
                                    _ => None,
                                })
                                .collect();
                            let r = self.statements(body);
                            self.scope.truncate(mark);
                            let result = match r {
                                Some(Value::Tabular(s)) => LambdaResult::Tabular(s),
                                Some(Value::Scalar(t)) => LambdaResult::Scalar(t),
                                None => LambdaResult::Tabular(Schema::unknown()),
                            };
                            let def = params
                                .iter()
                                .any(|p| matches!(p.ty, ParamType::Tabular(_)))
                                .then(|| {
                                    std::rc::Rc::new(LambdaDef {
                                        params: params.clone(),
                                        body: body.clone(),
                                    })
                                });
                            Binding::Lambda {
                                min,
                                max: params.len(),
                                result,
                                required,
                                def,
                            }
                        }
                    };
                    self.scope.push(name.text.clone(), b);
                }
                Statement::Expr(e) => last = Some(self.expr(e, None)),
                Statement::QueryParameters(params) => {
                    for p in params {
                        if let Some(d) = &p.default {
                            self.expr(d, None);
                        }
                        let b = match &p.ty {
                            ParamType::Scalar(t) => Binding::Scalar(
                                ScalarType::from_name(t).unwrap_or(ScalarType::Unknown),
                            ),
                            ParamType::Tabular(_) => Binding::Tabular(Schema::unknown()),
                        };
                        self.scope.push(p.name.text.clone(), b);
                    }
                }
                Statement::Opaque { .. } => {}
            }
        }
        last
    }
}

/// The row context for evaluating an operator's expressions over `s`.
#[allow(clippy::unnecessary_wraps)] // every caller wants the `Option`
fn row(s: &Schema) -> Option<Row<'_>> {
    Some(Row {
        schema: Some(s),
        aggregate: false,
    })
}
