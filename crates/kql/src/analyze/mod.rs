//! Semantic analysis: names, arities and columns, checked against a [`Catalog`].
//!
//! Input: the [`crate::ast::Query`] from the parser. Output: diagnostics `SC2002`–`SC2006`, the result
//! schema, and the tables/functions referenced. Walks statements in order, binding `let` names in a
//! [`scope::Scope`], and evaluates each expression to a [`Value`]: a scalar type or a tabular
//! [`schema::Schema`]. Operators transform schemas (`project`, `extend`, `summarize`, `join`, `union`,
//! `mv-expand`, `parse`…). Whenever an input's schema is unknown, names that are not otherwise bound are
//! accepted silently: reporting errors on valid content is worse than missing one.

mod schema;
mod scope;

use std::collections::BTreeSet;
use std::ops::Range;

use schema::{Schema, push_unique, suggest, wildcard_match};
use scope::{Binding, LambdaDef, LambdaResult, Scope};

use crate::Analysis;
use crate::ast::{
    ColumnDecl, Expr, ExprKind, LetValue, LitKind, MvItem, NamedExpr, OpKind, OpParam, Operator,
    ParamType, ParsePart, Statement,
};
use crate::builtins::{self, Kind};
use crate::catalog::{Catalog, Column, FunctionEntry, FunctionInfo};
use crate::diagnostic::{
    AGGREGATE_CONTEXT, DUPLICATE_COLUMN, DYNAMIC_KEY, FUNCTION_BODY, KqlDiagnostic, NOT_DYNAMIC,
    SYNTAX, TYPE_MISMATCH, UNKNOWN_COLUMN, UNKNOWN_FUNCTION, UNKNOWN_TABLE, WRONG_ARITY,
};
use crate::parser::{parse, unquote_string};
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
        functions: BTreeSet::new(),
        unsupported: parsed.unsupported.iter().cloned().collect(),
        scope,
        stack,
        top,
        column_counter: 0,
        fuzzy: 0,
        fuzzy_missing: false,
        depth: 0,
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
        functions: cx.functions.into_iter().collect(),
        unsupported: cx.unsupported.into_iter().collect(),
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
    fn ty(&self) -> ScalarType {
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
    functions: BTreeSet<String>,
    unsupported: BTreeSet<String>,
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
}

impl Ctx<'_, '_> {
    fn error(
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

    fn statements(&mut self, statements: &[Statement]) -> Option<Value> {
        let mut last = None;
        for s in statements {
            match s {
                Statement::Let { name, value } => {
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

    // ---- expressions ----------------------------------------------------------------------------

    /// Evaluates `e`; `row` is the current row schema (inside an operator), if any.
    fn expr(&mut self, e: &Expr, row: Option<Row<'_>>) -> Value {
        match &e.kind {
            ExprKind::Name(n) => self.name(n, e.range.clone(), row),
            ExprKind::Literal(k) => Value::Scalar(match k {
                LitKind::String => ScalarType::String,
                LitKind::Long => ScalarType::Long,
                LitKind::Real => ScalarType::Real,
                LitKind::TimeSpan => ScalarType::TimeSpan,
                LitKind::Bool => ScalarType::Bool,
                LitKind::DateTime => ScalarType::DateTime,
                LitKind::Guid => ScalarType::Guid,
                LitKind::Int => ScalarType::Int,
                LitKind::Decimal => ScalarType::Decimal,
                LitKind::Dynamic => ScalarType::Dynamic,
            }),
            ExprKind::Star | ExprKind::Error | ExprKind::TypeOf(_) => {
                Value::Scalar(ScalarType::Unknown)
            }
            ExprKind::Input => Value::Tabular(Schema::unknown()),
            ExprKind::Unary { operand, .. } => {
                let t = self.expr(operand, row).ty();
                Value::Scalar(t)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs, row).ty();
                let r = self.expr(rhs, row).ty();
                if op == "and" || op == "or" {
                    // reported at the operator, as Kusto does
                    let gap = lhs.range.end..rhs.range.start;
                    let at = self
                        .src
                        .get(gap.clone())
                        .and_then(|g| g.find(op.as_str()))
                        .map_or(lhs.range.start, |i| gap.start + i);
                    let op_range = at..at + op.len();
                    self.check_bool(lhs, l, &format!("an operand of `{op}`"), op_range.clone());
                    self.check_bool(rhs, r, &format!("an operand of `{op}`"), op_range);
                }
                Value::Scalar(binary_type(op, l, r))
            }
            ExprKind::In { lhs, list, .. } => {
                self.expr(lhs, row);
                for item in list {
                    self.expr(item, row);
                }
                Value::Scalar(ScalarType::Bool)
            }
            ExprKind::Between { lhs, lo, hi, .. } => {
                self.expr(lhs, row);
                self.expr(lo, row);
                self.expr(hi, row);
                Value::Scalar(ScalarType::Bool)
            }
            ExprKind::Call { name, args } => {
                self.call(&name.text, name.range.clone(), args, e, row)
            }
            ExprKind::NamedArg { value, .. } => self.expr(value, row),
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(n) = &target.kind
                    && (n == "$left" || n == "$right")
                {
                    // join conditions handle `$left.x` themselves (`join_condition`); anywhere else it is wrong
                    let _ = name;
                    self.error(
                        UNKNOWN_COLUMN,
                        target.range.clone(),
                        format!("`{n}` can only be used in a `join` or `lookup` condition"),
                        None,
                    );
                    return Value::Scalar(ScalarType::Unknown);
                }
                let t = self.expr(target, row);
                match t {
                    Value::Scalar(ScalarType::Dynamic) => Value::Scalar(ScalarType::Dynamic),
                    Value::Scalar(ScalarType::Unknown) | Value::Tabular(_) => {
                        Value::Scalar(ScalarType::Unknown)
                    }
                    Value::Scalar(ty) => {
                        let what = self
                            .src
                            .get(target.range.clone())
                            .unwrap_or("")
                            .trim()
                            .to_string();
                        let help = if what.len() <= 60 && !what.contains('\n') {
                            format!("parse it first: `parse_json({what}).{}`", name.text)
                        } else {
                            "parse it first with `parse_json(...)`".to_string()
                        };
                        self.error(
                            NOT_DYNAMIC,
                            name.range.clone(),
                            format!(
                                "member `{}` accessed on a value of type `{ty}`, not `dynamic`",
                                name.text
                            ),
                            Some(help),
                        );
                        Value::Scalar(ScalarType::Unknown)
                    }
                }
            }
            ExprKind::Index { target, index } => {
                let t = self.expr(target, row).ty();
                self.expr(index, row);
                Value::Scalar(if t == ScalarType::Dynamic {
                    ScalarType::Dynamic
                } else {
                    ScalarType::Unknown
                })
            }
            ExprKind::Paren(inner) => self.expr(inner, row),
            ExprKind::Pipe { .. } => Value::Tabular(self.pipeline(e, None)),
            ExprKind::Datatable { columns, values } => {
                for v in values {
                    self.expr(v, None);
                }
                Value::Tabular(decl_schema(columns))
            }
            ExprKind::Externaldata { columns } => Value::Tabular(decl_schema(columns)),
            ExprKind::Source(op) => Value::Tabular(self.operator(op, Schema::unknown(), true)),
        }
    }

    /// Evaluates `e` as a tabular expression (pipeline input, join right side, union operand).
    fn tabular(&mut self, e: &Expr, input: Option<&Schema>) -> Schema {
        match &e.kind {
            ExprKind::Name(n) => {
                if let Some(s) = self.resolve_tabular_name(n, Some(e.range.clone())) {
                    return s;
                }
                if self.fuzzy > 0 {
                    self.fuzzy_missing = true;
                } else {
                    let help = self.suggest_table(n);
                    self.error(
                        UNKNOWN_TABLE,
                        e.range.clone(),
                        format!("unknown table `{n}`"),
                        help,
                    );
                }
                Schema::unknown()
            }
            ExprKind::Pipe { .. } => self.pipeline(e, input),
            ExprKind::Paren(inner) => self.tabular(inner, input),
            ExprKind::Input => input.cloned().unwrap_or_default(),
            _ => match self.expr(e, None) {
                Value::Tabular(s) => s,
                Value::Scalar(_) => Schema::unknown(),
            },
        }
    }

    /// Resolves a bare name used as a table: a `let` binding, a catalog table, or a saved function called
    /// without parentheses (then `range`, when given, is where to report its arity or body errors).
    fn resolve_tabular_name(&mut self, n: &str, range: Option<Range<usize>>) -> Option<Schema> {
        match self.scope.get(n) {
            Some(
                Binding::Tabular(s)
                | Binding::Lambda {
                    result: LambdaResult::Tabular(s),
                    min: 0,
                    ..
                },
            ) => {
                return Some(s.clone());
            }
            Some(_) => return Some(Schema::unknown()),
            None => {}
        }
        if let Some(t) = self.catalog.tables.get(n) {
            self.tables.insert(n.to_string());
            return Some(Schema::known(t.columns.clone()));
        }
        if let Some(entry) = self.catalog.functions.get(n) {
            self.functions.insert(n.to_string());
            if let Some(range) = range {
                let params = &entry.decl.params;
                let min = params.iter().filter(|p| p.default.is_none()).count();
                self.check_arity(n, range.clone(), 0, min, params.len());
                self.function_body_warning(n, range, entry);
            }
            let info = function_info_with(self.catalog, entry, self.stack);
            return Some(Schema {
                cols: info.output,
                open: info.open,
            });
        }
        None
    }

    /// `SC2006` at a call of a saved function whose body has errors (top-level queries only).
    fn function_body_warning(&mut self, name: &str, range: Range<usize>, entry: &FunctionEntry) {
        let info = function_info_with(self.catalog, entry, self.stack);
        if self.top && info.errors > 0 {
            let msg = format!("function `{name}` has {} error(s) in its body", info.errors);
            let help = info.first_error.map(|e| format!("first error: {e}"));
            self.error(FUNCTION_BODY, range, msg, help);
        }
    }

    fn suggest_table(&self, n: &str) -> Option<String> {
        let cands = self
            .catalog
            .tables
            .keys()
            .map(String::as_str)
            .chain(self.catalog.functions.keys().map(String::as_str))
            .chain(self.scope.names());
        suggest(n, cands).map(|s| format!("did you mean `{s}`?"))
    }

    fn name(&mut self, n: &str, range: Range<usize>, row: Option<Row<'_>>) -> Value {
        if let Some(r) = row
            && let Some(s) = r.schema
            && let Some(c) = s.get(n)
        {
            return Value::Scalar(c.ty);
        }
        match self.scope.get(n) {
            Some(Binding::Scalar(t)) => return Value::Scalar(*t),
            Some(Binding::Tabular(s)) => return Value::Tabular(s.clone()),
            Some(Binding::Lambda { result, .. }) => {
                return match result {
                    LambdaResult::Tabular(s) => Value::Tabular(s.clone()),
                    LambdaResult::Scalar(t) => Value::Scalar(*t),
                };
            }
            None => {}
        }
        if (self.catalog.tables.contains_key(n) || self.catalog.functions.contains_key(n))
            && let Some(s) = self.resolve_tabular_name(n, Some(range.clone()))
        {
            return Value::Tabular(s);
        }
        // a built-in function named without its argument list (`split`, `now`): never a column here
        if builtins::get(Kind::Scalar, n).is_some() || builtins::get(Kind::Aggregate, n).is_some() {
            self.error(
                WRONG_ARITY,
                range,
                format!("function `{n}` must be called with an argument list"),
                Some(format!(
                    "write `{n}(...)`, or `['{n}']` for a column with that name"
                )),
            );
            return Value::Scalar(ScalarType::Unknown);
        }
        match row {
            Some(Row {
                schema: Some(s), ..
            }) if s.is_closed() => {
                let cols = s.cols.as_deref().unwrap_or_default();
                let cands = cols
                    .iter()
                    .map(|c| c.name.as_str())
                    .chain(self.scope.names());
                let help = suggest(n, cands).map(|s| format!("did you mean `{s}`?"));
                self.error(UNKNOWN_COLUMN, range, format!("unknown column `{n}`"), help);
            }
            Some(Row {
                schema: Some(_), ..
            }) => {}
            _ => {
                // Outside any row (a scalar `let`, a function argument…) nothing could bind it.
                if row.is_none() {
                    let help =
                        suggest(n, self.scope.names()).map(|s| format!("did you mean `{s}`?"));
                    self.error(UNKNOWN_COLUMN, range, format!("unknown name `{n}`"), help);
                }
            }
        }
        Value::Scalar(ScalarType::Unknown)
    }

    fn call(
        &mut self,
        name: &str,
        range: Range<usize>,
        args: &[Expr],
        whole: &Expr,
        row: Option<Row<'_>>,
    ) -> Value {
        // let-bound lambdas
        if let Some(b) = self.scope.get(name).cloned() {
            let values: Vec<Value> = args.iter().map(|a| self.expr(a, row)).collect();
            return match b {
                Binding::Lambda {
                    min,
                    max,
                    result,
                    required,
                    def,
                } => {
                    self.check_arity(name, range, args.len(), min, max);
                    self.check_required_columns(name, args, &values, &required);
                    if let Some(def) = def
                        && self.depth < 8
                    {
                        return self.call_site_result(&def, args, &values);
                    }
                    match result {
                        LambdaResult::Tabular(s) => Value::Tabular(s),
                        LambdaResult::Scalar(t) => Value::Scalar(t),
                    }
                }
                Binding::Tabular(s) => {
                    self.error(
                        UNKNOWN_FUNCTION,
                        range,
                        format!("`{name}` is a tabular value, not a function"),
                        Some(format!("use `{name}` without parentheses")),
                    );
                    Value::Tabular(s)
                }
                Binding::Scalar(t) => {
                    self.error(
                        UNKNOWN_FUNCTION,
                        range,
                        format!("`{name}` is a scalar value, not a function"),
                        Some(format!("use `{name}` without parentheses")),
                    );
                    Value::Scalar(t)
                }
            };
        }
        // special forms
        match name {
            "materialize" | "toscalar" if args.len() == 1 => {
                let v = match &args[0].kind {
                    ExprKind::Name(_) | ExprKind::Pipe { .. } | ExprKind::Paren(_) => {
                        Value::Tabular(self.tabular(&args[0], None))
                    }
                    _ => self.expr(&args[0], row),
                };
                return if name == "toscalar" {
                    Value::Scalar(ScalarType::Unknown)
                } else {
                    v
                };
            }
            "_GetWatchlist" => {
                for a in args {
                    self.expr(a, row);
                }
                self.check_arity(name, range, args.len(), 1, 1);
                return Value::Tabular(Schema::unknown());
            }
            "table" => {
                for a in args {
                    self.expr(a, row);
                }
                if let Some(a) = args.first()
                    && matches!(a.kind, ExprKind::Literal(LitKind::String))
                {
                    let t = unquote_string(&self.src[a.range.clone()]);
                    if let Some(s) = self.resolve_tabular_name(&t, None) {
                        return Value::Tabular(s);
                    }
                }
                return Value::Tabular(Schema::unknown());
            }
            "column_ifexists" | "columnifexists" => {
                let mut ty = ScalarType::Unknown;
                if let [a, d] = args {
                    let dt = self.expr(d, row).ty();
                    ty = dt;
                    if matches!(a.kind, ExprKind::Literal(LitKind::String)) {
                        let col = unquote_string(&self.src[a.range.clone()]);
                        if let Some(Row {
                            schema: Some(s), ..
                        }) = row
                            && let Some(c) = s.get(&col)
                        {
                            ty = c.ty;
                        }
                    } else {
                        self.expr(a, row);
                    }
                } else {
                    for a in args {
                        self.expr(a, row);
                    }
                    self.check_arity(name, range, args.len(), 2, 2);
                }
                return Value::Scalar(ty);
            }
            _ => {}
        }
        // saved functions
        if let Some(entry) = self.catalog.functions.get(name) {
            self.functions.insert(name.to_string());
            let values: Vec<Value> = args.iter().map(|a| self.expr(a, row)).collect();
            let params = &entry.decl.params;
            let min = params.iter().filter(|p| p.default.is_none()).count();
            self.check_arity(name, range.clone(), args.len(), min, params.len());
            let required: Vec<Option<Vec<Column>>> = params
                .iter()
                .map(|p| match param_binding(&p.ty) {
                    Binding::Tabular(s) if s.is_closed() => s.cols,
                    _ => None,
                })
                .collect();
            self.check_required_columns(name, args, &values, &required);
            self.function_body_warning(name, range, entry);
            let info = function_info_with(self.catalog, entry, self.stack);
            return if info.tabular {
                Value::Tabular(Schema {
                    cols: info.output,
                    open: info.open,
                })
            } else {
                Value::Scalar(ScalarType::Unknown)
            };
        }
        // built-ins
        let aggregate = row.is_some_and(|r| r.aggregate);
        // the same name can be a scalar function and an aggregation (`any`, `min`…): prefer the one that
        // fits the context and the number of arguments
        let order = if aggregate {
            [Kind::Aggregate, Kind::Scalar]
        } else {
            [Kind::Scalar, Kind::Aggregate]
        };
        let found: Vec<&builtins::B> = order
            .iter()
            .filter_map(|k| builtins::get(*k, name))
            .collect();
        let n = args.len();
        let b = found
            .iter()
            .find(|b| (b.min as usize..=b.max as usize).contains(&n))
            .or(found.first())
            .copied();
        let Some(b) = b else {
            for a in args {
                self.expr(a, row);
            }
            if self.catalog.tables.contains_key(name) {
                self.tables.insert(name.to_string());
                self.error(
                    UNKNOWN_FUNCTION,
                    range,
                    format!("`{name}` is a table, not a function"),
                    Some(format!("use `{name}` without parentheses")),
                );
                return Value::Tabular(Schema::unknown());
            }
            let catalog = self.catalog;
            let mut cands: Vec<&str> = catalog.functions.keys().map(String::as_str).collect();
            for n in builtins::names(Kind::Scalar) {
                cands.push(n);
            }
            if aggregate {
                for n in builtins::names(Kind::Aggregate) {
                    cands.push(n);
                }
            }
            let cands = cands.into_iter();
            let help = suggest(name, cands).map(|s| format!("did you mean `{s}`?"));
            self.error(
                UNKNOWN_FUNCTION,
                range,
                format!("unknown function `{name}`"),
                help,
            );
            return Value::Scalar(ScalarType::Unknown);
        };
        let _ = whole;
        if b.kind == Kind::Aggregate && !aggregate && row.is_some() {
            self.error(
                AGGREGATE_CONTEXT,
                range.clone(),
                format!("aggregation `{name}` is not allowed here"),
                Some("aggregations belong in `summarize` (or `make-series`)".into()),
            );
        }
        if name == "case" && args.len() >= 3 && args.len().is_multiple_of(2) {
            self.error(
                WRONG_ARITY,
                range.clone(),
                format!("function `case` takes condition/value pairs and a default (an odd number of arguments), got {}", args.len()),
                Some("check for a missing comma or a missing default value".into()),
            );
        }
        let arg_types: Vec<ScalarType> = args.iter().map(|a| self.expr(a, row).ty()).collect();
        self.check_arity(name, range, args.len(), b.min as usize, b.max as usize);
        Value::Scalar(return_type(b, &arg_types))
    }

    /// Re-analyses a lambda body with the actual arguments bound; its diagnostics were reported at the
    /// definition, so the ones found here are dropped.
    fn call_site_result(&mut self, def: &LambdaDef, args: &[Expr], values: &[Value]) -> Value {
        let mark_diags = self.diags.len();
        let mark_scope = self.scope.len();
        self.depth += 1;
        for (i, p) in def.params.iter().enumerate() {
            let named = args.iter().position(
                |a| matches!(&a.kind, ExprKind::NamedArg { name, .. } if name.text == p.name.text),
            );
            let value = named
                .or(if i < args.len() { Some(i) } else { None })
                .and_then(|j| values.get(j));
            let b = match (&p.ty, value) {
                (ParamType::Tabular(_), Some(Value::Tabular(s))) => Binding::Tabular(s.clone()),
                (ParamType::Tabular(_), _) => Binding::Tabular(Schema::unknown()),
                (ParamType::Scalar(t), _) => {
                    Binding::Scalar(ScalarType::from_name(t).unwrap_or(ScalarType::Unknown))
                }
            };
            self.scope.push(p.name.text.clone(), b);
        }
        let r = self.statements(&def.body);
        self.scope.truncate(mark_scope);
        self.diags.truncate(mark_diags);
        self.depth -= 1;
        r.unwrap_or(Value::Tabular(Schema::unknown()))
    }

    /// `SC2007` when one operator declares a name twice: explicit `name = …` names and bare column
    /// references count (`project a, a`); names derived from expressions are made unique by Kusto.
    fn check_declared(&mut self, items: &[NamedExpr], mut declared: Vec<String>) -> Vec<String> {
        for item in items {
            if item.names.is_empty() {
                if let ExprKind::Name(n) = &item.expr.kind {
                    if declared.contains(n) {
                        let name = crate::ast::Name {
                            text: n.clone(),
                            range: item.expr.range.clone(),
                        };
                        self.duplicate(&name);
                    }
                    declared.push(n.clone());
                }
                continue;
            }
            for n in &item.names {
                if declared.contains(&n.text) {
                    self.duplicate(n);
                }
                declared.push(n.text.clone());
            }
        }
        declared
    }

    /// `SC2007` for a name declared twice by one operator.
    fn duplicate(&mut self, n: &crate::ast::Name) {
        self.error(
            DUPLICATE_COLUMN,
            n.range.clone(),
            format!("column `{}` is declared more than once", n.text),
            Some("give each output column its own name".into()),
        );
    }

    /// In a `summarize` aggregation, columns must be used inside an aggregation function
    /// (`summarize x = a + 1` is an error; `summarize x = count() + 1` is fine).
    fn check_aggregated(&mut self, e: &Expr, inside: bool) {
        match &e.kind {
            // a column (known or not) outside any aggregation; `let` values are fine
            ExprKind::Name(n) if !inside && self.scope.get(n).is_none() && !n.starts_with('$') => {
                self.error(
                        AGGREGATE_CONTEXT,
                        e.range.clone(),
                        format!("column `{n}` is used outside an aggregation"),
                        Some(format!("wrap it in an aggregation, e.g. `take_any({n})`, or group by it with `by {n}`")),
                    );
            }
            ExprKind::Call { name, args } => {
                let n = name.text.as_str();
                if self.scope.get(n).is_some() || self.catalog.functions.contains_key(n) {
                    return; // a lambda or saved function may aggregate inside
                }
                let agg = builtins::get(Kind::Aggregate, n).is_some();
                for a in args {
                    self.check_aggregated(a, inside || agg);
                }
            }
            ExprKind::NamedArg { value, .. } => self.check_aggregated(value, inside),
            ExprKind::Unary { operand, .. } => self.check_aggregated(operand, inside),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.check_aggregated(lhs, inside);
                self.check_aggregated(rhs, inside);
            }
            ExprKind::In { lhs, list, .. } => {
                self.check_aggregated(lhs, inside);
                for x in list {
                    if !matches!(x.kind, ExprKind::Pipe { .. }) {
                        self.check_aggregated(x, inside);
                    }
                }
            }
            ExprKind::Between { lhs, lo, hi, .. } => {
                self.check_aggregated(lhs, inside);
                self.check_aggregated(lo, inside);
                self.check_aggregated(hi, inside);
            }
            ExprKind::Member { target, .. } | ExprKind::Index { target, .. } => {
                self.check_aggregated(target, inside);
            }
            ExprKind::Paren(inner) => self.check_aggregated(inner, inside),
            _ => {}
        }
    }

    /// A plain column or literal of a known non-`bool` type where a condition is required.
    fn check_bool(&mut self, e: &Expr, t: ScalarType, what: &str, at: Range<usize>) {
        let plain = match &e.kind {
            ExprKind::Name(_) | ExprKind::Literal(_) => true,
            ExprKind::Paren(inner) => {
                matches!(inner.kind, ExprKind::Name(_) | ExprKind::Literal(_))
            }
            _ => false,
        };
        if plain
            && !matches!(
                t,
                ScalarType::Bool | ScalarType::Unknown | ScalarType::Dynamic
            )
        {
            let text = self.src.get(e.range.clone()).unwrap_or("").trim();
            self.error(
                TYPE_MISMATCH,
                at,
                format!("{what} must be `bool`, but `{text}` is `{t}`"),
                Some(format!("compare it, e.g. `isnotempty({text})`")),
            );
        }
    }

    /// A table (or tabular `let`) used where a row value is needed.
    fn check_scalar(&mut self, e: &Expr, v: &Value) {
        if let (Value::Tabular(_), ExprKind::Name(n)) = (v, &e.kind) {
            self.error(
                TYPE_MISMATCH,
                e.range.clone(),
                format!("`{n}` is a table, not a scalar value"),
                Some(format!(
                    "use it with `join`, `lookup` or `in ({n})`, or call `toscalar({n} | …)`"
                )),
            );
        }
    }

    /// Group, distinct and sort keys cannot be `dynamic` (Kusto rejects the query).
    fn check_not_dynamic(&mut self, e: &Expr, t: ScalarType, what: &str) {
        // only when certain: a dynamic column or a path into one (inferred call types are approximate)
        fn is_path(e: &Expr) -> bool {
            match &e.kind {
                ExprKind::Name(_) => true,
                ExprKind::Member { target, .. } | ExprKind::Index { target, .. } => is_path(target),
                ExprKind::Paren(inner) => is_path(inner),
                _ => false,
            }
        }
        if t != ScalarType::Dynamic || !is_path(e) {
            return;
        }
        let text = self.src.get(e.range.clone()).unwrap_or("").trim();
        let help = if text.len() <= 60 && !text.contains('\n') {
            format!("convert it, e.g. `tostring({text})`")
        } else {
            "convert it with `tostring(...)`".to_string()
        };
        self.error(
            DYNAMIC_KEY,
            e.range.clone(),
            format!("a `dynamic` value cannot be {what}"),
            Some(help),
        );
    }

    /// A tabular argument must have the columns its parameter declares (`T:(TimeGenerated:datetime)`).
    fn check_required_columns(
        &mut self,
        name: &str,
        args: &[Expr],
        values: &[Value],
        required: &[Option<Vec<Column>>],
    ) {
        for (i, (arg, value)) in args.iter().zip(values).enumerate() {
            let (Some(Some(cols)), Value::Tabular(s)) = (required.get(i), value) else {
                continue;
            };
            if !s.is_closed() {
                continue;
            }
            for c in cols {
                if s.get(&c.name).is_none() {
                    self.error(
                        UNKNOWN_COLUMN,
                        arg.range.clone(),
                        format!("argument {} of `{name}` lacks column `{}`", i + 1, c.name),
                        Some(format!("the parameter declares `{}:{}`; add it with `extend` or `project-rename`", c.name, c.ty)),
                    );
                }
            }
        }
    }

    fn check_arity(&mut self, name: &str, range: Range<usize>, n: usize, min: usize, max: usize) {
        if n < min || n > max {
            let expects = if min == max {
                format!("{min} argument{}", if min == 1 { "" } else { "s" })
            } else if max >= 32767 {
                format!("at least {min} arguments")
            } else {
                format!("between {min} and {max} arguments")
            };
            self.error(
                WRONG_ARITY,
                range,
                format!("function `{name}` expects {expects}, got {n}"),
                None,
            );
        }
    }

    // ---- pipelines ------------------------------------------------------------------------------

    /// Evaluates a chain of `Pipe` nodes iteratively.
    fn pipeline(&mut self, e: &Expr, input: Option<&Schema>) -> Schema {
        let mut ops: Vec<&Operator> = Vec::new();
        let mut cur = e;
        while let ExprKind::Pipe { input, op } = &cur.kind {
            ops.push(op);
            cur = input;
        }
        // `… | union isfuzzy=true X`: the piped input is an operand of the fuzzy union too
        let fuzzy_at = ops.iter().position(|op| is_fuzzy_union(op));
        let mut fuzzy_depth = 0;
        if fuzzy_at.is_some() {
            self.fuzzy += 1;
            fuzzy_depth = 1;
        }
        let mut schema = self.tabular(cur, input);
        let n = ops.len();
        for (i, op) in ops.into_iter().rev().enumerate() {
            if fuzzy_depth > 0 && Some(n - 1 - i) == fuzzy_at {
                self.fuzzy -= 1;
                fuzzy_depth = 0;
            }
            // openness (from a fuzzy union) is inherited by everything derived from the input, and so is
            // not knowing the input: `project a` over an unknown input gives `a` and maybe more
            let open = schema.open || !schema.is_known();
            schema = self.operator(op, schema, false);
            schema.open |= open;
        }
        if fuzzy_depth > 0 {
            self.fuzzy -= 1;
        }
        schema
    }

    fn operator(&mut self, op: &Operator, input: Schema, source: bool) -> Schema {
        let _ = source;
        match &op.kind {
            OpKind::Where(e) => {
                let v = self.expr(e, row(&input));
                self.check_scalar(e, &v);
                self.check_bool(e, v.ty(), "a `where` condition", e.range.clone());
                input
            }
            OpKind::Extend(items) | OpKind::Serialize(items) => {
                // every item sees the input only: `extend a = 1, b = a + 1` is an error in Kusto
                let mut out = input.clone();
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                for item in items {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    for (n, ty) in self.item_names(item, t, Some(&input)) {
                        out.set(&n, ty);
                    }
                }
                out
            }
            OpKind::Project(items) => {
                let mut out = Schema::known(Vec::new());
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                for item in items {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    for (n, ty) in self.item_names(item, t, Some(&input)) {
                        out.set(&n, ty);
                    }
                }
                out
            }
            OpKind::ProjectAway(pats) => {
                let mut out = input;
                for p in pats {
                    self.check_pattern(&out, p);
                    if let Some(cols) = &mut out.cols {
                        cols.retain(|c| !wildcard_match(&p.text, &c.name));
                    }
                }
                out
            }
            OpKind::ProjectKeep(pats) => {
                for p in pats {
                    self.check_pattern(&input, p);
                }
                let mut out = input;
                if let Some(cols) = &mut out.cols {
                    cols.retain(|c| pats.iter().any(|p| wildcard_match(&p.text, &c.name)));
                }
                out
            }
            OpKind::ProjectReorder(pats) => {
                for p in pats {
                    self.check_pattern(&input, p);
                }
                let mut out = input;
                if let Some(cols) = &mut out.cols {
                    let mut front = Vec::new();
                    for p in pats {
                        let mut i = 0;
                        while i < cols.len() {
                            if wildcard_match(&p.text, &cols[i].name) {
                                front.push(cols.remove(i));
                            } else {
                                i += 1;
                            }
                        }
                    }
                    front.append(cols);
                    *cols = front;
                }
                out
            }
            OpKind::ProjectRename(pairs) => {
                let mut out = input;
                for (new, old) in pairs {
                    self.check_pattern(&out, old);
                    if let Some(cols) = &mut out.cols
                        && let Some(c) = cols.iter_mut().find(|c| c.name == old.text)
                    {
                        c.name.clone_from(&new.text);
                    }
                }
                out
            }
            OpKind::Summarize { aggs, by } => {
                let mut cols = Vec::new();
                let mut known = input.is_known();
                self.column_counter = 0;
                for item in by {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    self.check_not_dynamic(&item.expr, t, "a `summarize` group key");
                    for n in self.item_names(item, t, Some(&input)) {
                        push_unique(&mut cols, &n.0, n.1);
                    }
                }
                let mut declared = self.check_declared(by, Vec::new());
                for item in aggs {
                    let agg_row = Some(Row {
                        schema: Some(&input),
                        aggregate: true,
                    });
                    let t = self.expr(&item.expr, agg_row).ty();
                    self.check_aggregated(&item.expr, false);
                    for n in &item.names {
                        if declared.contains(&n.text) {
                            self.duplicate(n);
                        }
                        declared.push(n.text.clone());
                    }
                    if !item.names.is_empty() {
                        // `Latest = arg_max(TimeGenerated, *)`: the names rename the first columns, the
                        // rest still expand
                        if is_arg_max(&item.expr) {
                            match self.aggregate_columns(&item.expr, &input, t) {
                                Some(new_cols) => {
                                    for (i, (mut c, star)) in new_cols.into_iter().enumerate() {
                                        if let Some(n) = item.names.get(i) {
                                            c.name.clone_from(&n.text);
                                        }
                                        if star {
                                            if !cols.iter().any(|x: &Column| x.name == c.name) {
                                                cols.push(c);
                                            }
                                        } else {
                                            push_unique(&mut cols, &c.name, c.ty);
                                        }
                                    }
                                }
                                None => known = false,
                            }
                            continue;
                        }
                        for (i, n) in item.names.iter().enumerate() {
                            let ty = if i == 0 { t } else { ScalarType::Unknown };
                            set_or_push(&mut cols, &n.text, ty);
                        }
                        continue;
                    }
                    match self.aggregate_columns(&item.expr, &input, t) {
                        Some(new_cols) => {
                            for c in new_cols {
                                if c.1 {
                                    // arg_max(*) expansion: skip names already present
                                    if !cols.iter().any(|x: &Column| x.name == c.0.name) {
                                        cols.push(c.0);
                                    }
                                } else {
                                    push_unique(&mut cols, &c.0.name, c.0.ty);
                                }
                            }
                        }
                        None => known = false,
                    }
                }
                if known {
                    Schema::known(cols)
                } else {
                    Schema::unknown()
                }
            }
            OpKind::Sort(keys) => {
                for k in keys {
                    let t = self.expr(k, row(&input)).ty();
                    self.check_not_dynamic(k, t, "a sort key");
                }
                input
            }
            OpKind::Top { count, by } => {
                self.expr(count, None);
                let t = self.expr(by, row(&input)).ty();
                self.check_not_dynamic(by, t, "a sort key");
                input
            }
            OpKind::Take(e) => {
                self.expr(e, None);
                input
            }
            OpKind::Count => Schema::known(vec![Column::new("Count", ScalarType::Long)]),
            OpKind::Distinct(items) => {
                if items.len() == 1 && matches!(items[0].expr.kind, ExprKind::Star) {
                    if let Some(c) = input
                        .cols
                        .as_ref()
                        .and_then(|cols| cols.iter().find(|c| c.ty == ScalarType::Dynamic))
                    {
                        let msg = format!(
                            "`distinct *` includes the `dynamic` column `{}`, which cannot be a distinct key",
                            c.name
                        );
                        let help = Some(
                            "list the columns, converting dynamic ones with `tostring(...)`"
                                .to_string(),
                        );
                        self.error(DYNAMIC_KEY, items[0].expr.range.clone(), msg, help);
                    }
                    return input;
                }
                let mut out = Schema::known(Vec::new());
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                for item in items {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    self.check_not_dynamic(&item.expr, t, "a `distinct` key");
                    self.assign(&mut out, item, t, Some(&input));
                }
                out
            }
            OpKind::Join {
                params,
                right,
                on,
                lookup,
            } => self.join(input, params, right, on, *lookup),
            OpKind::Union { params, sources } => {
                let fuzzy = params
                    .iter()
                    .any(|p| p.name == "isfuzzy" && p.value.eq_ignore_ascii_case("true"));
                let mut schemas = Vec::new();
                if !source {
                    schemas.push(input);
                }
                let saved_missing = std::mem::replace(&mut self.fuzzy_missing, false);
                if fuzzy {
                    self.fuzzy += 1;
                }
                for s in sources {
                    if let ExprKind::Name(n) = &s.kind
                        && n.contains('*')
                    {
                        schemas.push(Schema::unknown());
                        continue;
                    }
                    let sch = self.tabular(s, None);
                    schemas.push(sch);
                }
                if fuzzy {
                    self.fuzzy -= 1;
                }
                // a fuzzy union with a missing operand: its columns are not statically known
                let missing = std::mem::replace(&mut self.fuzzy_missing, saved_missing);
                let mut out = union_schemas(&schemas);
                out.open |= missing;
                if let Some(p) = params.iter().find(|p| p.name == "withsource")
                    && let Some(cols) = &mut out.cols
                {
                    cols.insert(0, Column::new(p.value.clone(), ScalarType::String));
                }
                out
            }
            OpKind::MvExpand { params, items } => {
                let mut out = input.clone();
                self.expand_items(&input, &mut out, items);
                with_itemindex(&mut out, params);
                out
            }
            OpKind::MvApply { params, items, sub } => {
                let mut expanded = input.clone();
                self.expand_items(&input, &mut expanded, items);
                with_itemindex(&mut expanded, params);
                let sub_out = self.tabular(sub, Some(&expanded));
                match (input.cols, sub_out.cols) {
                    (Some(mut cols), Some(sc)) => {
                        for c in sc {
                            set_or_push(&mut cols, &c.name, c.ty);
                        }
                        Schema::known(cols)
                    }
                    _ => Schema::unknown(),
                }
            }
            OpKind::Parse { source, parts } => {
                self.expr(source, row(&input));
                let mut out = input;
                let mut declared: Vec<&str> = Vec::new();
                for p in parts {
                    if let ParsePart::Column(c) = p {
                        if declared.contains(&c.name.text.as_str()) {
                            self.duplicate(&c.name);
                        }
                        declared.push(&c.name.text);
                        out.set(
                            &c.name.text,
                            ScalarType::from_name(&c.ty).unwrap_or(ScalarType::Unknown),
                        );
                    }
                }
                out
            }
            OpKind::ParseKv { source, columns } => {
                self.expr(source, row(&input));
                let mut out = input;
                for c in columns {
                    out.set(
                        &c.name.text,
                        ScalarType::from_name(&c.ty).unwrap_or(ScalarType::Unknown),
                    );
                }
                out
            }
            OpKind::Evaluate(call) => {
                if let ExprKind::Call { name, args } = &call.kind {
                    // plugin arguments may name columns of other tables (`ipv4_lookup(T, ip, Network)`):
                    // check them against an open view of the input
                    let open_input = Schema {
                        cols: input.cols.clone(),
                        open: true,
                    };
                    // plugins such as `pivot(col, sum(x))` take aggregations
                    for a in args {
                        self.expr(
                            a,
                            Some(Row {
                                schema: Some(&open_input),
                                aggregate: true,
                            }),
                        );
                    }
                    if let Some(b) = builtins::get(Kind::Plugin, &name.text) {
                        self.check_arity(
                            &name.text,
                            name.range.clone(),
                            args.len(),
                            b.min as usize,
                            b.max as usize,
                        );
                        self.unsupported
                            .insert(format!("output schema of plugin `{}`", name.text));
                    } else {
                        let help = suggest(&name.text, builtins::names(Kind::Plugin))
                            .map(|s| format!("did you mean `{s}`?"));
                        self.error(
                            UNKNOWN_FUNCTION,
                            name.range.clone(),
                            format!("unknown plugin `{}`", name.text),
                            help,
                        );
                    }
                }
                Schema::unknown()
            }
            OpKind::MakeSeries {
                aggs,
                axis,
                range_exprs,
                by,
            } => {
                let mut cols = Vec::new();
                self.column_counter = 0;
                for item in by {
                    let v = self.expr(&item.expr, row(&input));
                    self.check_scalar(&item.expr, &v);
                    let t = v.ty();
                    for n in self.item_names(item, t, Some(&input)) {
                        push_unique(&mut cols, &n.0, n.1);
                    }
                }
                let _ = self.expr(axis, row(&input));
                let axis_name = expr_name(axis, self.src, Some(&input));
                for r in range_exprs {
                    self.expr(r, None);
                }
                for item in aggs {
                    let agg_row = Some(Row {
                        schema: Some(&input),
                        aggregate: true,
                    });
                    self.expr(&item.expr, agg_row);
                    self.check_aggregated(&item.expr, false);
                    let name = match item.names.first() {
                        Some(n) => n.text.clone(),
                        None => self
                            .aggregate_columns(&item.expr, &input, ScalarType::Dynamic)
                            .and_then(|v| v.into_iter().next().map(|c| c.0.name))
                            .unwrap_or_else(|| "Column1".into()),
                    };
                    push_unique(&mut cols, &name, ScalarType::Dynamic);
                }
                // by-columns, then the series, then the axis (as Kusto orders them)
                if let Some(n) = axis_name {
                    push_unique(&mut cols, &n, ScalarType::Dynamic);
                }
                if input.is_known() {
                    Schema::known(cols)
                } else {
                    Schema::unknown()
                }
            }
            OpKind::As(name) => {
                // `| as T1` names the result so later parts of the query can use `T1`
                self.scope
                    .push(name.text.clone(), Binding::Tabular(input.clone()));
                input
            }
            OpKind::Render => input,
            OpKind::Invoke(e) => {
                self.expr(e, None);
                Schema::unknown()
            }
            OpKind::Partition { by, sub } => {
                self.expr(by, row(&input));
                self.tabular(sub, Some(&input))
            }
            OpKind::Print(items) => {
                let mut out = Schema::known(Vec::new());
                self.column_counter = 0;
                self.check_declared(items, Vec::new());
                // unnamed items are `print_<position>`, whatever the expression
                for (i, item) in items.iter().enumerate() {
                    let t = self.expr(&item.expr, None).ty();
                    if item.names.is_empty() {
                        out.set(&format!("print_{i}"), t);
                    } else {
                        self.assign(&mut out, item, t, None);
                    }
                }
                out
            }
            OpKind::Range { name, bounds } => {
                let mut t = ScalarType::Long;
                for (i, b) in bounds.iter().enumerate() {
                    let bt = self.expr(b, None).ty();
                    if i == 0 {
                        t = bt;
                    }
                }
                Schema::known(vec![Column::new(name.text.clone(), t)])
            }
            OpKind::Getschema => Schema::known(vec![
                Column::new("ColumnName", ScalarType::String),
                Column::new("ColumnOrdinal", ScalarType::Int),
                Column::new("DataType", ScalarType::String),
                Column::new("ColumnType", ScalarType::String),
            ]),
            OpKind::Opaque(_) => Schema::unknown(),
        }
    }

    /// project-away / keep / reorder / rename operand: must exist unless it is a wildcard pattern.
    fn check_pattern(&mut self, s: &Schema, p: &crate::ast::Name) {
        if p.text.contains('*') || !s.is_closed() || s.get(&p.text).is_some() {
            return;
        }
        let cols = s.cols.as_deref().unwrap_or_default();
        let help = suggest(&p.text, cols.iter().map(|c| c.name.as_str()))
            .map(|x| format!("did you mean `{x}`?"));
        self.error(
            UNKNOWN_COLUMN,
            p.range.clone(),
            format!("unknown column `{}`", p.text),
            help,
        );
    }

    /// Adds an `extend`/`project` item to `out`.
    fn assign(&mut self, out: &mut Schema, item: &NamedExpr, t: ScalarType, row: Option<&Schema>) {
        for (n, ty) in self.item_names(item, t, row) {
            out.set(&n, ty);
        }
    }

    /// Names (and types) an item produces: explicit names, or the derived name, or `ColumnN`.
    fn item_names(
        &mut self,
        item: &NamedExpr,
        t: ScalarType,
        row: Option<&Schema>,
    ) -> Vec<(String, ScalarType)> {
        if !item.names.is_empty() {
            return item
                .names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    (
                        n.text.clone(),
                        if i == 0 && item.names.len() == 1 {
                            t
                        } else {
                            ScalarType::Unknown
                        },
                    )
                })
                .collect();
        }
        if let Some(n) = expr_name(&item.expr, self.src, row) {
            vec![(n, t)]
        } else {
            vec![(self.next_column(), t)]
        }
    }

    /// Columns an unnamed aggregation produces; the bool marks `*` expansions (not renamed on clash).
    #[allow(clippy::many_single_char_names)]
    fn aggregate_columns(
        &mut self,
        e: &Expr,
        input: &Schema,
        t: ScalarType,
    ) -> Option<Vec<(Column, bool)>> {
        let ExprKind::Call { name, args } = &e.kind else {
            let n = expr_name(e, self.src, Some(input)).unwrap_or_else(|| self.next_column());
            return Some(vec![(Column::new(n, t), false)]);
        };
        let fname = name.text.as_str();
        if fname == "take_anyif" {
            let n = args
                .first()
                .and_then(|a| expr_name(a, self.src, Some(input)))
                .unwrap_or_else(|| self.next_column());
            let ty = args
                .first()
                .map_or(ScalarType::Unknown, |a| self.type_of_quiet(a, input));
            return Some(vec![(Column::new(n, ty), false)]);
        }
        if matches!(
            fname,
            "arg_max" | "arg_min" | "argmax" | "argmin" | "take_any"
        ) {
            let mut out = Vec::new();
            for (i, a) in args.iter().enumerate() {
                if matches!(a.kind, ExprKind::Star) {
                    out.extend(input.cols.as_ref()?.iter().map(|c| (c.clone(), true)));
                    continue;
                }
                let ty = self.type_of_quiet(a, input);
                let n = match &a.kind {
                    ExprKind::NamedArg { name, .. } => Some(name.text.clone()),
                    _ => expr_name(a, self.src, Some(input)),
                };
                let n = n.unwrap_or_else(|| {
                    if i == 0 {
                        format!("{fname}_")
                    } else {
                        self.next_column()
                    }
                });
                out.push((Column::new(n, ty), false));
            }
            return Some(out);
        }
        let b =
            builtins::get(Kind::Aggregate, fname).or_else(|| builtins::get(Kind::Scalar, fname));
        let Some(b) = b else {
            return Some(vec![(Column::new(self.next_column(), t), false)]);
        };
        let first = args
            .first()
            .and_then(|a| expr_name(a, self.src, Some(input)));
        if matches!(fname, "percentile" | "percentilew") && args.len() >= 2 {
            let v = self
                .src
                .get(args[args.len() - 1].range.clone())
                .unwrap_or("")
                .trim()
                .replace('.', "_");
            return Some(vec![(
                Column::new(format!("percentile_{}_{v}", first.unwrap_or_default()), t),
                false,
            )]);
        }
        let n = match b.name_kind {
            1 => format!("{}_{}", b.name, first.unwrap_or_default()),
            3 | 4 => format!(
                "{}_{}",
                if b.prefix.is_empty() {
                    b.name
                } else {
                    b.prefix
                },
                first.unwrap_or_default()
            ),
            6 => format!(
                "{}_",
                if b.prefix.is_empty() {
                    b.name
                } else {
                    b.prefix
                }
            ),
            7 | 8 => first.unwrap_or_else(|| self.next_column()),
            _ => self.next_column(),
        };
        Some(vec![(Column::new(n, t), false)])
    }

    fn next_column(&mut self) -> String {
        self.column_counter += 1;
        format!("Column{}", self.column_counter)
    }

    /// The type of `e` over `input`, without reporting anything (already reported).
    fn type_of_quiet(&mut self, e: &Expr, input: &Schema) -> ScalarType {
        let mark = self.diags.len();
        let t = self
            .expr(
                e,
                Some(Row {
                    schema: Some(input),
                    aggregate: true,
                }),
            )
            .ty();
        self.diags.truncate(mark);
        t
    }

    fn expand_items(&mut self, input: &Schema, out: &mut Schema, items: &[MvItem]) {
        for item in items {
            self.expr(
                &item.expr,
                Some(Row {
                    schema: Some(input),
                    aggregate: false,
                }),
            );
            let ty = item
                .to_type
                .as_deref()
                .and_then(ScalarType::from_name)
                .unwrap_or(ScalarType::Dynamic);
            let name = item
                .name
                .as_ref()
                .map(|n| n.text.clone())
                .or_else(|| expr_name(&item.expr, self.src, Some(input)));
            if let Some(n) = name {
                out.set(&n, ty);
            }
        }
    }

    fn join(
        &mut self,
        left: Schema,
        params: &[OpParam],
        right: &Expr,
        on: &[Expr],
        lookup: bool,
    ) -> Schema {
        let right_schema = self.tabular(right, None);
        let mut keys: Vec<(String, String)> = Vec::new();
        for cond in on {
            self.join_condition(cond, &left, &right_schema, &mut keys);
        }
        let kind = params.iter().find(|p| p.name == "kind").map_or_else(
            || {
                if lookup {
                    "leftouter".into()
                } else {
                    "innerunique".into()
                }
            },
            |p| p.value.to_ascii_lowercase(),
        );
        match kind.as_str() {
            "leftsemi" | "leftanti" | "leftantisemi" | "anti" | "semi" => return left,
            "rightsemi" | "rightanti" | "rightantisemi" => return right_schema,
            _ => {}
        }
        let open = left.open || right_schema.open;
        let (Some(lc), Some(rc)) = (left.cols, right_schema.cols) else {
            return Schema::unknown();
        };
        let mut cols = lc;
        for c in rc {
            if lookup && keys.iter().any(|(l, r)| *r == c.name && *l == c.name) {
                continue;
            }
            push_unique(&mut cols, &c.name, c.ty);
        }
        Schema {
            cols: Some(cols),
            open,
        }
    }

    fn join_condition(
        &mut self,
        cond: &Expr,
        left: &Schema,
        right: &Schema,
        keys: &mut Vec<(String, String)>,
    ) {
        match &cond.kind {
            ExprKind::Name(n) => {
                self.check_side(n, cond.range.clone(), left, "left");
                self.check_side(n, cond.range.clone(), right, "right");
                if left.get(n).is_some_and(|c| c.ty == ScalarType::Dynamic)
                    || right.get(n).is_some_and(|c| c.ty == ScalarType::Dynamic)
                {
                    self.dynamic_join_key(cond.range.clone(), n, n);
                }
                keys.push((n.clone(), n.clone()));
            }
            ExprKind::Binary { op, lhs, rhs } if op == "==" || op == "and" => {
                if op == "and" {
                    self.join_condition(lhs, left, right, keys);
                    self.join_condition(rhs, left, right, keys);
                    return;
                }
                let l = self.side_ref(lhs, left, right);
                let r = self.side_ref(rhs, left, right);
                if let (Some(l), Some(r)) = (l, r) {
                    let dynamic = left.get(&l).is_some_and(|c| c.ty == ScalarType::Dynamic)
                        || right.get(&r).is_some_and(|c| c.ty == ScalarType::Dynamic);
                    if dynamic {
                        self.dynamic_join_key(cond.range.clone(), &l, &r);
                    }
                    keys.push((l, r));
                }
            }
            _ => {
                self.expr(cond, None);
            }
        }
    }

    /// `$left.a` / `$right.b`: checks the column on its side; returns the column name.
    fn side_ref(&mut self, e: &Expr, left: &Schema, right: &Schema) -> Option<String> {
        if let ExprKind::Member { target, name } = &e.kind
            && let ExprKind::Name(side) = &target.kind
        {
            match side.as_str() {
                "$left" => self.check_side(&name.text, name.range.clone(), left, "left"),
                "$right" => self.check_side(&name.text, name.range.clone(), right, "right"),
                _ => {
                    self.expr(e, None);
                    return None;
                }
            }
            return Some(name.text.clone());
        }
        self.expr(e, None);
        None
    }

    fn dynamic_join_key(&mut self, range: Range<usize>, l: &str, r: &str) {
        let what = if l == r {
            format!("`{l}`")
        } else {
            format!("`{l}` / `{r}`")
        };
        self.error(
            DYNAMIC_KEY,
            range,
            format!("join key {what} is `dynamic`"),
            Some("convert the key on both sides first, e.g. `extend Key = tostring(...)`".into()),
        );
    }

    fn check_side(&mut self, n: &str, range: Range<usize>, s: &Schema, side: &str) {
        if s.get(n).is_some() || !s.is_closed() {
            return;
        }
        let cols = s.cols.as_deref().unwrap_or_default();
        let help = suggest(n, cols.iter().map(|c| c.name.as_str()))
            .map(|x| format!("did you mean `{x}`?"));
        self.error(
            UNKNOWN_COLUMN,
            range,
            format!("unknown column `{n}` on the {side} side of the join"),
            help,
        );
    }
}

fn is_arg_max(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { name, .. }
        if matches!(name.text.as_str(), "arg_max" | "arg_min" | "argmax" | "argmin" | "take_any"))
}

fn is_fuzzy_union(op: &Operator) -> bool {
    matches!(&op.kind, OpKind::Union { params, .. }
        if params.iter().any(|p| p.name == "isfuzzy" && p.value.eq_ignore_ascii_case("true")))
}

/// `mv-expand with_itemindex=Name` adds a `long` column.
fn with_itemindex(out: &mut Schema, params: &[OpParam]) {
    if let Some(p) = params.iter().find(|p| p.name == "with_itemindex") {
        out.set(&p.value, ScalarType::Long);
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

fn set_or_push(cols: &mut Vec<Column>, name: &str, ty: ScalarType) {
    if let Some(c) = cols.iter_mut().find(|c| c.name == name) {
        c.ty = ty;
    } else {
        cols.push(Column::new(name, ty));
    }
}

fn decl_schema(columns: &[ColumnDecl]) -> Schema {
    Schema::known(
        columns
            .iter()
            .map(|c| {
                Column::new(
                    c.name.text.clone(),
                    ScalarType::from_name(&c.ty).unwrap_or(ScalarType::Unknown),
                )
            })
            .collect(),
    )
}

/// Union of schemas by column name (Kusto `kind=outer`); same name with different known types becomes
/// `name_type` columns.
fn union_schemas(schemas: &[Schema]) -> Schema {
    let mut out: Vec<Column> = Vec::new();
    let mut clashes: Vec<String> = Vec::new();
    let open = schemas.iter().any(|s| s.open);
    for s in schemas {
        let Some(cols) = &s.cols else {
            return Schema::unknown();
        };
        for c in cols {
            match out.iter_mut().find(|o| o.name == c.name) {
                Some(o) if o.ty == c.ty || c.ty == ScalarType::Unknown => {}
                Some(o) if o.ty == ScalarType::Unknown => o.ty = c.ty,
                Some(_) => clashes.push(c.name.clone()),
                None => out.push(c.clone()),
            }
        }
    }
    if !clashes.is_empty() {
        // name_type columns for every type the clashing name has
        let mut renamed = Vec::new();
        for c in &out {
            if clashes.contains(&c.name) {
                for s in schemas {
                    for sc in s.cols.as_deref().unwrap_or_default() {
                        if sc.name == c.name {
                            let n = format!("{}_{}", sc.name, sc.ty.kql_name());
                            if !renamed.iter().any(|r: &Column| r.name == n) {
                                renamed.push(Column::new(n, sc.ty));
                            }
                        }
                    }
                }
            } else {
                renamed.push(c.clone());
            }
        }
        out = renamed;
    }
    Schema {
        cols: Some(out),
        open,
    }
}

/// The column name Kusto derives for an unnamed expression: a column reference keeps its name, a path
/// `a.b` or `a['b']` becomes `a_b`, conversion-like calls pass the name of their first argument through,
/// `column_ifexists('c', d)` is `c` when the column exists.
fn expr_name(e: &Expr, src: &str, row: Option<&Schema>) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Member { target, name } => {
            expr_name(target, src, row).map(|t| format!("{t}_{}", name.text))
        }
        ExprKind::Index { target, index } => {
            let t = expr_name(target, src, row)?;
            match &index.kind {
                ExprKind::Literal(LitKind::String) => {
                    let text = src.get(index.range.clone()).unwrap_or("");
                    let key = if text.starts_with('[') {
                        crate::parser::unquote_bracket(text)
                    } else {
                        unquote_string(text)
                    };
                    Some(format!("{t}_{key}"))
                }
                _ => Some(t),
            }
        }
        ExprKind::Paren(inner) => expr_name(inner, src, row),
        ExprKind::Call { name, args } => {
            let b = builtins::get(Kind::Scalar, &name.text)?;
            match b.name_kind {
                5 => {
                    let a = args.first()?;
                    if !matches!(a.kind, ExprKind::Literal(LitKind::String)) {
                        return None;
                    }
                    let col = unquote_string(src.get(a.range.clone()).unwrap_or(""));
                    row.and_then(|r| r.get(&col)).map(|c| c.name.clone())
                }
                7 | 8 => args.first().and_then(|a| expr_name(a, src, row)),
                _ => None,
            }
        }
        _ => None,
    }
}

fn return_type(b: &builtins::B, args: &[ScalarType]) -> ScalarType {
    let arg = |i: usize| args.get(i).copied().unwrap_or(ScalarType::Unknown);
    match b.ret_kind {
        0 => b.ret,
        3 => arg(0),
        4 => arg(1),
        5 => arg(2),
        6 => args.last().copied().unwrap_or(ScalarType::Unknown),
        16..=18 => {
            // the common type of the value arguments (not `iff`/`case` conditions); unknown on a mix
            let values: Vec<ScalarType> = match b.name {
                "iff" | "iif" => args.iter().skip(1).copied().collect(),
                "case" => args
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 2 == 1 || *i == args.len() - 1)
                    .map(|(_, t)| *t)
                    .collect(),
                _ => args.to_vec(),
            };
            let mut known = values.into_iter().filter(|t| *t != ScalarType::Unknown);
            match known.next() {
                Some(first) if known.all(|t| t == first) => first,
                Some(first) if first.is_numeric() => first,
                _ => ScalarType::Unknown,
            }
        }
        _ => {
            if b.ret != ScalarType::Unknown {
                b.ret
            } else if matches!(
                b.name,
                "bin" | "floor" | "bin_at" | "min" | "max" | "take_any" | "any" | "sum"
            ) {
                arg(0)
            } else {
                ScalarType::Unknown
            }
        }
    }
}

fn binary_type(op: &str, l: ScalarType, r: ScalarType) -> ScalarType {
    use ScalarType as T;
    match op {
        "+" | "-" | "*" | "/" | "%" => match (l, r) {
            (T::DateTime, T::DateTime) if op == "-" => T::TimeSpan,
            (T::DateTime, T::TimeSpan) | (T::TimeSpan, T::DateTime) => T::DateTime,
            (T::TimeSpan, T::TimeSpan) => T::TimeSpan,
            (T::Real, _) | (_, T::Real) if l.is_numeric() && r.is_numeric() => T::Real,
            (T::Long, _) | (_, T::Long) if l.is_numeric() && r.is_numeric() => T::Long,
            (T::Int, T::Int) => T::Int,
            _ => T::Unknown,
        },
        _ => T::Bool,
    }
}
