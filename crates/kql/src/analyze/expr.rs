//! Scalar expressions: names, calls (built-ins, `let` lambdas, saved functions), operators and the few
//! type rules that are certain; plus Kusto's naming of unnamed expressions and built-in return types.

use std::ops::Range;

use super::schema::{Schema, suggest};
use super::scope::{Binding, LambdaDef, LambdaResult};
use super::tabular::decl_schema;
use super::{Ctx, Row, Value, function_info_with, param_binding};
use crate::ast::{Expr, ExprKind, LitKind, ParamType};
use crate::builtins::{self, Kind};
use crate::catalog::Column;
use crate::diagnostic::{
    AGGREGATE_CONTEXT, NOT_DYNAMIC, TYPE_MISMATCH, UNKNOWN_COLUMN, UNKNOWN_FUNCTION, WRONG_ARITY,
};
use crate::parser::unquote_string;
use crate::types::ScalarType;

impl Ctx<'_, '_> {
    /// Evaluates `e`; `row` is the current row schema (inside an operator), if any.
    pub(super) fn expr(&mut self, e: &Expr, row: Option<Row<'_>>) -> Value {
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
            ExprKind::Call { name, args } => self.call(&name.text, name.range.clone(), args, row),
            ExprKind::NamedArg { value, .. } => self.expr(value, row),
            ExprKind::Member { target, name } => {
                if let ExprKind::Name(n) = &target.kind
                    && (n == "$left" || n == "$right")
                {
                    if let Some((left, right)) = self.join_sides.take() {
                        let (side, schema) = if n == "$left" {
                            ("left", &left)
                        } else {
                            ("right", &right)
                        };
                        self.check_side(&name.text, name.range.clone(), schema, side);
                        let ty = schema.get(&name.text).map_or(ScalarType::Unknown, |c| c.ty);
                        self.join_sides = Some((left, right));
                        return Value::Scalar(ty);
                    }
                    // join conditions handle `$left.x` themselves (`join_condition`); anywhere else it is wrong
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
                if !matches!(t, ScalarType::Dynamic | ScalarType::Unknown) {
                    // at the `[`, as Kusto reports it
                    let open = if self.src[index.range.start..].starts_with('[') {
                        index.range.start
                    } else {
                        self.src[..index.range.start]
                            .rfind('[')
                            .unwrap_or(index.range.start)
                    };
                    self.error(
                        NOT_DYNAMIC,
                        open..open + 1,
                        format!("`[…]` indexes a value of type `{t}`, not `dynamic`"),
                        Some("parse it first with `parse_json(...)`, or use `substring`/`split` on strings".into()),
                    );
                }
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

    pub(super) fn name(&mut self, n: &str, range: Range<usize>, row: Option<Row<'_>>) -> Value {
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
        // (aggregation names are tolerated bare, as Kusto does)
        if builtins::get(Kind::Scalar, n).is_some() {
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

    pub(super) fn call(
        &mut self,
        name: &str,
        range: Range<usize>,
        args: &[Expr],
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
                if let [a] = args
                    && matches!(a.kind, ExprKind::Literal(LitKind::String))
                {
                    let alias = unquote_string(&self.src[a.range.clone()]);
                    let columns = self
                        .catalog
                        .watchlist(&alias)
                        .map(crate::Watchlist::output_columns);
                    self.watchlists.push(crate::WatchlistRef {
                        alias,
                        range: a.range.clone(),
                        known: columns.is_some(),
                    });
                    if let Some(cols) = columns {
                        return Value::Tabular(Schema::known(cols));
                    }
                }
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
            // an operand of `union isfuzzy=true` that calls an unknown function (an ASIM parser such as
            // `_Im_NetworkSession(...)` the workspace lacks) is skipped by Kusto, like an unknown table
            if self.fuzzy > 0 && row.is_none() && !self.catalog.tables.contains_key(name) {
                self.unknown_tables.insert(name.to_string());
                self.fuzzy_missing = true;
                return Value::Tabular(Schema::unknown());
            }
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
    pub(super) fn call_site_result(
        &mut self,
        def: &LambdaDef,
        args: &[Expr],
        values: &[Value],
    ) -> Value {
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

    /// A plain column or literal of a known non-`bool` type where a condition is required.
    pub(super) fn check_bool(&mut self, e: &Expr, t: ScalarType, what: &str, at: Range<usize>) {
        let plain = match &e.kind {
            ExprKind::Name(_) | ExprKind::Literal(_) => true,
            // built-ins with a declared return type (`strlen(x)` is `long`)
            ExprKind::Call { name, .. } => {
                builtins::get(Kind::Scalar, &name.text)
                    .is_some_and(|b| b.ret_kind == 0 && b.ret != ScalarType::Unknown)
                    && self.scope.get(&name.text).is_none()
                    && !self.catalog.functions.contains_key(&name.text)
            }
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
    pub(super) fn check_scalar(&mut self, e: &Expr, v: &Value) {
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

    /// A tabular argument must have the columns its parameter declares (`T:(TimeGenerated:datetime)`).
    pub(super) fn check_required_columns(
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

    pub(super) fn check_arity(
        &mut self,
        name: &str,
        range: Range<usize>,
        n: usize,
        min: usize,
        max: usize,
    ) {
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
}

/// The column name Kusto derives for an unnamed expression: a column reference keeps its name, a path
/// `a.b` or `a['b']` becomes `a_b`, conversion-like calls pass the name of their first argument through,
/// `column_ifexists('c', d)` is `c` when the column exists.
pub(super) fn expr_name(e: &Expr, src: &str, row: Option<&Schema>) -> Option<String> {
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

/// The result type of built-in `b` called with arguments of `args` types (Kusto.Language's rules).
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

/// The result type of a binary operator.
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
