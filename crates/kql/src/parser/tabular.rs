//! Tabular operators: everything that can follow a `|`.
//!
//! [`Parser::parse_operator`] reads the (possibly hyphenated) operator keyword and dispatches. Operators
//! known to exist but not modelled are skipped leniently up to the next `|` and reported as unsupported;
//! an unknown keyword is a syntax error.

use super::{PResult, Parser};
use crate::ast::{
    ColumnDecl, Expr, ExprKind, JoinCondition, MvItem, Name, NamedExpr, NullsOrder, OpKind,
    OpParam, Operator, ParsePart, ReorderItem, SeriesBound, SortKey, SortOrder,
};
use crate::token::TokenKind;

/// Operators we know exist but do not model (parsed leniently, schema becomes unknown).
const LENIENT_OPERATORS: &[&str] = &[
    "scan",
    "fork",
    "facet",
    "top-nested",
    "top-hitters",
    "reduce",
    "consume",
    "find",
    "search",
    "execute-and-cache",
    "make-graph",
    "graph-match",
    "graph-merge",
    "graph-to-table",
    "graph-shortest-paths",
    "graph-mark-components",
    "macro-expand",
    "assert-schema",
];

/// Operators with a `kind=`/`hint.`… parameter list, and the parameter names each accepts.
fn param_names(op: &str) -> &'static [&'static str] {
    match op {
        "join" | "lookup" | "make-series" => &["kind"],
        "union" => &["kind", "isfuzzy", "withsource"],
        "mv-expand" | "mv-apply" => &["bagexpansion", "with_itemindex", "kind"],
        "parse" | "parse-where" => &["kind", "flags"],
        // summarize, evaluate, distinct, partition, as, sample, top: only `hint.*`
        _ => &[],
    }
}

/// All operator keywords we model.
const OPERATORS: &[&str] = &[
    "where",
    "filter",
    "extend",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-by-names",
    "summarize",
    "sort",
    "order",
    "top",
    "take",
    "limit",
    "count",
    "distinct",
    "join",
    "lookup",
    "union",
    "mv-expand",
    "mv-apply",
    "parse",
    "parse-where",
    "parse-kv",
    "evaluate",
    "make-series",
    "as",
    "serialize",
    "invoke",
    "partition",
    "render",
    "getschema",
    "sample",
    "sample-distinct",
    "print",
    "range",
    "mvexpand",
    "mvapply",
];

impl Parser<'_> {
    /// Reads the operator keyword at the cursor (joining glued `-` parts) without consuming it.
    fn peek_operator_name(&self) -> Option<(String, usize)> {
        if self.tok().kind != TokenKind::Ident {
            return None;
        }
        let mut name = self.text().to_string();
        let mut n = 1;
        while self.nth_is_punct(n, "-")
            && self.nth_glued(n)
            && self.nth(n + 1).kind == TokenKind::Ident
            && self.nth_glued(n + 1)
        {
            name.push('-');
            name.push_str(self.nth_text(n + 1));
            n += 2;
        }
        Some((name, n))
    }

    /// True when the cursor is at a tabular operator keyword (for sub-queries with implicit input).
    pub(crate) fn at_operator_keyword(&self) -> bool {
        self.peek_operator_name().is_some_and(|(n, _)| {
            (OPERATORS.contains(&n.as_str()) || LENIENT_OPERATORS.contains(&n.as_str()))
                && !(self.nth_is_punct(1, "(")
                    && self.nth_glued(1)
                    && matches!(n.as_str(), "range" | "count" | "print"))
                && !self.nth_is_punct(1, ".")
        })
    }

    /// Parses one operator (the `|` already consumed).
    pub(crate) fn parse_operator(&mut self) -> PResult<Operator> {
        self.enter()?;
        let r = self.parse_operator_inner();
        self.leave();
        r
    }

    fn parse_operator_inner(&mut self) -> PResult<Operator> {
        let Some((name, n)) = self.peek_operator_name() else {
            return Err(self.expected("a query operator after `|`"));
        };
        let start = self.tok().range.start;
        for _ in 0..n {
            self.bump();
        }
        let name = match name.as_str() {
            "mvexpand" => "mv-expand".to_string(),
            "mvapply" => "mv-apply".to_string(),
            _ => name,
        };
        let kind = match name.as_str() {
            "where" | "filter" => OpKind::Where(self.parse_expr()?),
            "extend" => OpKind::Extend(self.parse_named_list()?),
            // Kusto accepts these with an empty list
            "project" => OpKind::Project(self.parse_named_list_opt()?),
            "project-away" => OpKind::ProjectAway(self.parse_name_patterns_opt()?),
            "project-keep" => OpKind::ProjectKeep(self.parse_name_patterns_opt()?),
            "project-reorder" => OpKind::ProjectReorder(self.parse_reorder_items()?),
            "project-by-names" => {
                let mut names = Vec::new();
                loop {
                    names.push(self.parse_expr()?);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                OpKind::ProjectByNames(names)
            }
            "project-rename" => {
                let mut pairs = Vec::new();
                loop {
                    let new = self.expect_name("a column name")?;
                    self.expect_punct("=")?;
                    let old = self.expect_name("a column name")?;
                    pairs.push((new, old));
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                OpKind::ProjectRename(pairs)
            }
            "summarize" => {
                self.parse_params(&name)?;
                let aggs = if self.at_kw("by") {
                    Vec::new()
                } else {
                    self.parse_named_list_opt()?
                };
                let by = if self.eat_kw("by") {
                    self.parse_named_list()?
                } else {
                    Vec::new()
                };
                OpKind::Summarize { aggs, by }
            }
            "sort" | "order" => {
                self.parse_params(&name)?;
                self.expect_kw("by")?;
                OpKind::Sort(self.parse_sort_keys()?)
            }
            "top" => {
                self.parse_params(&name)?;
                let count = self.parse_expr()?;
                self.expect_kw("by")?;
                let mut keys = self.parse_sort_keys()?;
                let by = if keys.is_empty() {
                    SortKey {
                        expr: self.error_expr(),
                        order: None,
                        nulls: None,
                    }
                } else {
                    keys.swap_remove(0)
                };
                OpKind::Top { count, by }
            }
            "take" | "limit" => {
                self.parse_params(&name)?;
                OpKind::Take(self.parse_expr()?)
            }
            "sample" => {
                self.parse_params(&name)?;
                OpKind::Sample(self.parse_expr()?)
            }
            "sample-distinct" => {
                let count = self.parse_expr()?;
                self.expect_kw("of")?;
                let expr = self.parse_expr()?;
                OpKind::SampleDistinct { count, expr }
            }
            "count" => {
                let name = if self.at_kw("as") {
                    self.bump();
                    Some(self.expect_name("a column name")?)
                } else {
                    None
                };
                OpKind::Count(name)
            }
            "distinct" => {
                self.parse_params(&name)?;
                OpKind::Distinct(self.parse_named_list()?)
            }
            "join" | "lookup" => {
                let params = self.parse_params(&name)?;
                let right = if self.at_punct("(") {
                    self.parse_implicit_free_paren()?
                } else {
                    // a name or call: `T`, `f(1d)`, `materialize(x)`
                    self.parse_expr()?
                };
                let condition = if self.eat_kw("on") {
                    let mut on = Vec::new();
                    loop {
                        on.push(self.parse_expr()?);
                        if !self.eat_punct(",") {
                            break;
                        }
                    }
                    JoinCondition::On(on)
                } else if name == "join" && self.eat_kw("where") {
                    JoinCondition::Where(self.parse_expr()?)
                } else {
                    return Err(self.expected("`on` and the join condition"));
                };
                OpKind::Join {
                    params,
                    right,
                    condition,
                    lookup: name == "lookup",
                }
            }
            "union" => {
                let params = self.parse_params(&name)?;
                let mut sources = Vec::new();
                loop {
                    let e = if self.at_punct("(") {
                        self.parse_implicit_free_paren()?
                    } else {
                        self.parse_union_operand()?
                    };
                    sources.push(e);
                    if !self.eat_punct(",") {
                        break;
                    }
                }
                OpKind::Union { params, sources }
            }
            "mv-expand" => {
                let params = self.parse_params(&name)?;
                let mut params = params;
                let items = self.parse_mv_items()?;
                params.extend(self.parse_params(&name)?);
                let limit = if self.eat_kw("limit") {
                    Some(self.parse_expr()?)
                } else {
                    None
                };
                OpKind::MvExpand {
                    params,
                    items,
                    limit,
                }
            }
            "mv-apply" => {
                let mut params = self.parse_params(&name)?;
                let items = self.parse_mv_items()?;
                params.extend(self.parse_params(&name)?);
                let limit = if self.eat_kw("limit") {
                    Some(self.parse_expr()?)
                } else {
                    None
                };
                params.extend(self.parse_params(&name)?);
                self.expect_kw("on")?;
                let sub = self.parse_implicit_subquery()?;
                OpKind::MvApply {
                    params,
                    items,
                    limit,
                    sub,
                }
            }
            "parse" | "parse-where" => {
                let params = self.parse_params(&name)?;
                let source = self.parse_expr()?;
                self.expect_kw("with")?;
                let regex = params
                    .iter()
                    .any(|p| p.name == "kind" && p.value == "regex");
                let parts = self.parse_pattern(regex)?;
                OpKind::Parse {
                    params,
                    where_only: name == "parse-where",
                    source,
                    parts,
                }
            }
            "parse-kv" => {
                let source = self.parse_expr()?;
                self.expect_kw("as")?;
                let columns = self.parse_column_decls()?;
                if self.eat_kw("with") {
                    if self.at_punct("(") {
                        self.skip_balanced()?;
                    } else {
                        return Err(self.expected("`(`"));
                    }
                }
                OpKind::ParseKv { source, columns }
            }
            "evaluate" => {
                self.parse_hint_params()?;
                let e = self.parse_expr()?;
                if !matches!(e.kind, ExprKind::Call { .. }) {
                    return Err(self.error_at(e.range, "expected a plugin call after `evaluate`"));
                }
                if self.at_punct(":") {
                    self.bump();
                    self.parse_column_decls()?;
                }
                OpKind::Evaluate(e)
            }
            "make-series" => {
                let params = self.parse_params(&name)?;
                let (aggs, defaults) = self.parse_series_aggs()?;
                self.expect_kw("on")?;
                // the axis is a column; `in range(…)` may follow, so no comparison operators here
                let axis = self.parse_additive()?;
                let mut range_exprs = Vec::new();
                let mut range_kinds = Vec::new();
                if self.eat_kw("in") {
                    range_exprs.push(self.parse_expr()?);
                    range_kinds.push(SeriesBound::InRange);
                } else {
                    for (kw, kind) in [
                        ("from", SeriesBound::From),
                        ("to", SeriesBound::To),
                        ("step", SeriesBound::Step),
                    ] {
                        if self.eat_kw(kw) {
                            range_exprs.push(self.parse_expr()?);
                            range_kinds.push(kind);
                        }
                    }
                }
                let by = if self.eat_kw("by") {
                    self.parse_named_list()?
                } else {
                    Vec::new()
                };
                OpKind::MakeSeries {
                    params,
                    aggs,
                    defaults,
                    axis,
                    range_exprs,
                    range_kinds,
                    by,
                }
            }
            "as" => {
                self.parse_hint_params()?;
                OpKind::As(self.expect_name("a name after `as`")?)
            }
            "serialize" => OpKind::Serialize(self.parse_named_list_opt()?),
            "invoke" => OpKind::Invoke(self.parse_expr()?),
            "partition" => {
                self.parse_hint_params()?;
                self.expect_kw("by")?;
                let key = self.expect_name("a column name after `by`")?;
                let by = Expr {
                    range: key.range.clone(),
                    kind: ExprKind::Name(key.text),
                };
                self.parse_hint_params()?;
                let sub = if self.at_punct("{") {
                    let t = self.bump();
                    let inner = self.parse_pipe_expr_or_implicit()?;
                    self.expect_punct("}")?;
                    let _ = t;
                    inner
                } else {
                    self.parse_implicit_subquery()?
                };
                OpKind::Partition { by, sub }
            }
            "print" => OpKind::Print(self.parse_named_list_opt()?),
            "range" => {
                let col = self.expect_name("a column name")?;
                let mut bounds = Vec::new();
                for kw in ["from", "to", "step"] {
                    self.expect_kw(kw)?;
                    bounds.push(self.parse_expr()?);
                }
                OpKind::Range { name: col, bounds }
            }
            "render" => {
                self.unsupported("operator `render`");
                self.sync();
                OpKind::Render
            }
            "getschema" => OpKind::Getschema,
            other if LENIENT_OPERATORS.contains(&other) => {
                self.unsupported(format!("operator `{other}`"));
                self.sync();
                OpKind::Opaque(other.to_string())
            }
            other => {
                let r = start..self.prev_end();
                return Err(self.error_at(r, format!("unknown query operator `{other}`")));
            }
        };
        Ok(Operator {
            kind,
            range: start..self.prev_end().max(start),
        })
    }

    /// `( pipe-expr )` on the right of a join/union: a full query in parentheses.
    fn parse_implicit_free_paren(&mut self) -> PResult<Expr> {
        let open = self.bump();
        let inner = self.parse_pipe_expr()?;
        self.expect_punct(")")?;
        Ok(Expr {
            kind: ExprKind::Paren(Box::new(inner)),
            range: open.range.start..self.prev_end(),
        })
    }

    /// Inside `{ }` of `partition`: a pipeline that may start with an operator.
    fn parse_pipe_expr_or_implicit(&mut self) -> PResult<Expr> {
        let start = self.tok().range.start;
        let first = if self.at_operator_keyword() {
            let op = self.parse_operator()?;
            let input = Expr {
                kind: ExprKind::Input,
                range: start..start,
            };
            let range = start..op.range.end;
            Expr {
                kind: ExprKind::Pipe {
                    input: Box::new(input),
                    op: Box::new(op),
                },
                range,
            }
        } else {
            self.parse_pipe_expr()?
        };
        Ok(self.parse_pipeline_tail(first))
    }

    /// A `union` operand without parentheses: a table name, possibly a wildcard pattern (`Sec*`), or a call.
    fn parse_union_operand(&mut self) -> PResult<Expr> {
        if self.at_name() || self.at_punct("*") {
            let start = self.tok().range.start;
            let mut text = String::new();
            let mut n = 0;
            loop {
                let t = self.nth(n);
                let glued = n == 0 || !t.space_before;
                if !glued {
                    break;
                }
                if t.kind == TokenKind::Ident
                    || (t.kind == TokenKind::Punct && self.text_of(t) == "*")
                {
                    text.push_str(self.text_of(t));
                    n += 1;
                } else {
                    break;
                }
            }
            if text.contains('*') {
                for _ in 0..n {
                    self.bump();
                }
                self.unsupported("wildcard table names in `union`");
                return Ok(Expr {
                    kind: ExprKind::Name(text),
                    range: start..self.prev_end(),
                });
            }
        }
        self.parse_expr()
    }

    /// `name=value` parameters accepted by operator `op` (and any `hint.*=`), in any number.
    fn parse_params(&mut self, op: &str) -> PResult<Vec<OpParam>> {
        let allowed = param_names(op);
        let mut out = Vec::new();
        loop {
            if self.tok().kind != TokenKind::Ident {
                break;
            }
            // dotted name: hint.strategy
            let mut name = self.text().to_string();
            let mut n = 1;
            while self.nth_is_punct(n, ".") && self.nth(n + 1).kind == TokenKind::Ident {
                name.push('.');
                name.push_str(self.nth_text(n + 1));
                n += 2;
            }
            if !self.nth_is_punct(n, "=") {
                break;
            }
            let known = allowed.contains(&name.as_str()) || name.starts_with("hint.");
            if !known {
                break;
            }
            for _ in 0..=n {
                self.bump();
            }
            let v = self.tok().clone();
            self.check_param_value(op, &name, &v);
            match v.kind {
                TokenKind::Ident
                | TokenKind::String
                | TokenKind::Int
                | TokenKind::BracketIdent
                | TokenKind::TimeSpan => {
                    self.bump();
                }
                _ => return Err(self.expected("a parameter value")),
            }
            out.push(OpParam {
                name,
                value: self.text_of(&v).to_string(),
                value_range: v.range,
            });
        }
        Ok(out)
    }

    /// Values Kusto accepts for `kind=`, `bagexpansion=`, `isfuzzy=` (case-sensitive except booleans).
    fn check_param_value(&mut self, op: &str, name: &str, v: &crate::token::Token) {
        let allowed: &[&str] = match (op, name) {
            ("join", "kind") => &[
                "inner",
                "innerunique",
                "leftouter",
                "rightouter",
                "fullouter",
                "leftanti",
                "anti",
                "leftantisemi",
                "rightanti",
                "rightantisemi",
                "leftsemi",
                "rightsemi",
            ],
            ("lookup", "kind") => &["inner", "leftouter"],
            ("union", "kind") => &["inner", "outer"],
            ("parse" | "parse-where", "kind") => &["simple", "regex", "relaxed"],
            ("make-series", "kind") => &["nonempty"],
            ("mv-expand" | "mv-apply", "bagexpansion") => &["bag", "array"],
            ("union", "isfuzzy") => &["true", "false", "True", "False", "TRUE", "FALSE"],
            _ => return,
        };
        let text = self.text_of(v);
        if !allowed.contains(&text) {
            let msg = format!(
                "`{text}` is not a valid `{name}` for `{op}`; expected one of: {}",
                allowed.join(", ")
            );
            self.errors.push(super::ParseError {
                range: v.range.clone(),
                message: msg,
            });
        }
    }

    fn parse_hint_params(&mut self) -> PResult<Vec<OpParam>> {
        self.parse_params("")
    }

    /// `name = expr, (a, b) = expr, expr, …` (at least one item).
    pub(crate) fn parse_named_list(&mut self) -> PResult<Vec<NamedExpr>> {
        let mut out = Vec::new();
        loop {
            out.push(self.parse_named_expr()?);
            if !self.eat_punct(",") {
                return Ok(out);
            }
        }
    }

    /// Like [`Self::parse_named_list`] but possibly empty (before `by`, `|`, `)`, `;` or the end).
    fn parse_named_list_opt(&mut self) -> PResult<Vec<NamedExpr>> {
        if self.at_eof()
            || self.at_punct("|")
            || self.at_punct(")")
            || self.at_punct(";")
            || self.at_punct("}")
        {
            return Ok(Vec::new());
        }
        self.parse_named_list()
    }

    fn parse_named_expr(&mut self) -> PResult<NamedExpr> {
        if self.at_name() && self.nth_is_punct(1, "=") {
            let t = self.bump();
            self.check_reserved(&t, true);
            let name = self.name_of(&t);
            self.bump();
            let expr = self.parse_expr()?;
            return Ok(NamedExpr {
                names: vec![name],
                expr,
            });
        }
        if self.at_punct("(") && self.tuple_assignment_ahead() {
            self.bump();
            let mut names = Vec::new();
            loop {
                names.push(self.expect_name("a column name")?);
                if !self.eat_punct(",") {
                    break;
                }
            }
            self.expect_punct(")")?;
            self.expect_punct("=")?;
            let expr = self.parse_expr()?;
            return Ok(NamedExpr { names, expr });
        }
        let expr = self.parse_expr()?;
        Ok(NamedExpr {
            names: Vec::new(),
            expr,
        })
    }

    /// `( name , name … ) =`
    fn tuple_assignment_ahead(&self) -> bool {
        let mut n = 1;
        loop {
            if !matches!(self.nth(n).kind, TokenKind::Ident | TokenKind::BracketIdent) {
                return false;
            }
            n += 1;
            if self.nth_is_punct(n, ",") {
                n += 1;
                continue;
            }
            return self.nth_is_punct(n, ")") && self.nth_is_punct(n + 1, "=");
        }
    }

    /// Column names or wildcard patterns (`a`, `b*`, `*_s`), comma separated, with optional
    /// `asc`/`desc`/`granny-asc`… (project-reorder).
    /// [`Self::parse_name_patterns`], or nothing before `|`, `)`, `;` or the end.
    fn parse_name_patterns_opt(&mut self) -> PResult<Vec<Name>> {
        if self.at_eof()
            || self.at_punct("|")
            || self.at_punct(")")
            || self.at_punct(";")
            || self.at_punct("}")
        {
            return Ok(Vec::new());
        }
        self.parse_name_patterns()
    }

    /// One name or wildcard pattern (for `project-reorder`, which takes an ordering keyword after it).
    fn parse_name_patterns_one(&mut self) -> PResult<ReorderItem> {
        let start = self.tok().range.start;
        let mut text = String::new();
        let mut first = true;
        loop {
            let t = self.tok().clone();
            if !first && t.space_before {
                break;
            }
            match t.kind {
                TokenKind::Ident | TokenKind::Int => text.push_str(self.text_of(&t)),
                TokenKind::BracketIdent => text.push_str(&self.name_of(&t).text),
                TokenKind::Punct if self.text_of(&t) == "*" => text.push('*'),
                _ => break,
            }
            self.bump();
            first = false;
        }
        if text.is_empty() {
            return Err(self.expected("a column name"));
        }
        Ok(ReorderItem {
            pattern: Name {
                text,
                range: start..self.prev_end(),
            },
            order: None,
        })
    }

    fn parse_name_patterns(&mut self) -> PResult<Vec<Name>> {
        let mut out = Vec::new();
        loop {
            let start = self.tok().range.start;
            let mut text = String::new();
            let mut first = true;
            loop {
                let t = self.tok().clone();
                if !first && t.space_before {
                    break;
                }
                match t.kind {
                    TokenKind::Ident | TokenKind::Int => text.push_str(self.text_of(&t)),
                    TokenKind::BracketIdent => text.push_str(&self.name_of(&t).text),
                    TokenKind::Punct if self.text_of(&t) == "*" => text.push('*'),
                    _ => break,
                }
                self.bump();
                first = false;
            }
            if text.is_empty() {
                return Err(self.expected("a column name"));
            }
            out.push(Name {
                text,
                range: start..self.prev_end(),
            });
            for kw in ["asc", "desc", "granny-asc", "granny-desc"] {
                if self.at_kw(kw) {
                    self.bump();
                    break;
                }
            }
            if self.at_kw("granny") {
                // granny-asc / granny-desc lexed as granny - asc
                self.bump();
                self.eat_punct("-");
                self.bump();
            }
            if !self.eat_punct(",") {
                return Ok(out);
            }
        }
    }

    /// `e [asc|desc] [nulls first|last], …`
    fn parse_sort_keys(&mut self) -> PResult<Vec<SortKey>> {
        let mut out = Vec::new();
        loop {
            let expr = self.parse_expr()?;
            let order = if self.eat_kw("asc") {
                Some(SortOrder::Asc)
            } else if self.eat_kw("desc") {
                Some(SortOrder::Desc)
            } else {
                None
            };
            let nulls = if self.eat_kw("nulls") {
                if self.eat_kw("first") {
                    Some(NullsOrder::First)
                } else if self.eat_kw("last") {
                    Some(NullsOrder::Last)
                } else {
                    return Err(self.expected("`first` or `last`"));
                }
            } else {
                None
            };
            out.push(SortKey { expr, order, nulls });
            if !self.eat_punct(",") {
                return Ok(out);
            }
        }
    }

    /// `[name =] expr [to typeof(t)], …`
    fn parse_mv_items(&mut self) -> PResult<Vec<MvItem>> {
        let mut out = Vec::new();
        loop {
            let name = if self.at_name() && self.nth_is_punct(1, "=") {
                let t = self.bump();
                self.check_reserved(&t, true);
                self.bump();
                Some(self.name_of(&t))
            } else {
                None
            };
            let expr = self.parse_expr()?;
            let to_type = if self.eat_kw("to") {
                self.expect_kw("typeof")?;
                self.expect_punct("(")?;
                let ty = self.parse_type_text()?;
                self.expect_punct(")")?;
                Some(ty)
            } else {
                None
            };
            out.push(MvItem {
                name,
                expr,
                to_type,
            });
            if !self.eat_punct(",") {
                return Ok(out);
            }
        }
    }

    /// `parse … with` pattern: strings, `*`, and `name[:type]`.
    fn parse_pattern(&mut self, regex: bool) -> PResult<Vec<ParsePart>> {
        let mut parts = Vec::new();
        loop {
            let t = self.tok().clone();
            // simple/relaxed patterns: a column follows a string literal, a `*` is followed by one
            if !regex
                && matches!(t.kind, TokenKind::Ident | TokenKind::BracketIdent)
                && matches!(parts.last(), Some(ParsePart::Column(_) | ParsePart::Star))
            {
                {
                    let msg = "a string literal must separate this column from the previous part"
                        .to_string();
                    self.errors.push(super::ParseError {
                        range: t.range.clone(),
                        message: msg,
                    });
                }
            }
            match t.kind {
                TokenKind::String => {
                    self.bump();
                    let mut value = super::unquote_string(self.text_of(&t));
                    // adjacent string literals concatenate
                    while self.tok().kind == TokenKind::String {
                        let n = self.bump();
                        value.push_str(&super::unquote_string(self.text_of(&n)));
                    }
                    parts.push(ParsePart::Literal(value));
                }
                TokenKind::Punct if self.text_of(&t) == "*" => {
                    // after `*` a string literal must come; after a *string* column a `*` is ambiguous
                    // (a typed column such as `n:long *` is fine), as Kusto.Language rules
                    let ambiguous = match parts.last() {
                        Some(ParsePart::Star) => true,
                        Some(ParsePart::Column(c)) => matches!(c.ty.as_str(), "string"),
                        _ => false,
                    };
                    if !regex && ambiguous {
                        let msg =
                            "a string literal must separate `*` from the previous part".to_string();
                        self.errors.push(super::ParseError {
                            range: t.range.clone(),
                            message: msg,
                        });
                    }
                    self.bump();
                    parts.push(ParsePart::Star);
                }
                TokenKind::Ident | TokenKind::BracketIdent => {
                    self.check_reserved(&t, true);
                    self.bump();
                    let name = self.name_of(&t);
                    let ty = if self.eat_punct(":") {
                        self.parse_type_text()?
                    } else {
                        "string".to_string()
                    };
                    parts.push(ParsePart::Column(ColumnDecl { name, ty }));
                }
                _ => break,
            }
        }
        if parts.is_empty() {
            return Err(self.expected("a parse pattern"));
        }
        Ok(parts)
    }

    /// make-series aggregations: `[name =] agg(e) [default = v], …`, with each one's default.
    fn parse_series_aggs(&mut self) -> PResult<(Vec<NamedExpr>, Vec<Option<Expr>>)> {
        let mut out = Vec::new();
        let mut defaults = Vec::new();
        loop {
            out.push(self.parse_named_expr()?);
            if self.at_kw("default") && self.nth_is_punct(1, "=") {
                self.bump();
                self.bump();
                defaults.push(Some(self.parse_expr()?));
            } else {
                defaults.push(None);
            }
            if !self.eat_punct(",") {
                return Ok((out, defaults));
            }
        }
    }

    /// `project-reorder` items: patterns with an optional `asc`/`desc`/`granny-asc`/`granny-desc`.
    fn parse_reorder_items(&mut self) -> PResult<Vec<ReorderItem>> {
        if self.at_eof()
            || self.at_punct("|")
            || self.at_punct(")")
            || self.at_punct(";")
            || self.at_punct("}")
        {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        loop {
            let mut one = self.parse_name_patterns_one()?;
            one.order = self.parse_reorder_keyword();
            out.push(one);
            if !self.eat_punct(",") {
                return Ok(out);
            }
        }
    }

    fn parse_reorder_keyword(&mut self) -> Option<String> {
        for kw in ["asc", "desc"] {
            if self.eat_kw(kw) {
                return Some(kw.to_string());
            }
        }
        if self.at_kw("granny") && self.nth_is_punct(1, "-") {
            self.bump();
            self.bump();
            let t = self.bump();
            return Some(format!("granny-{}", self.text_of(&t)));
        }
        None
    }
}
