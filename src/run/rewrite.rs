//! A test case made self-contained for a real workspace: the query rewritten through its syntax
//! tree so Microsoft's engine sees exactly the rows, functions and clock the local engine sees.
//!
//! `sentinelctl test --env E` sends each case's query to the environment's workspace. The workspace
//! has its own tables, its own deployed functions and its own clock, none of which are the case's.
//! So the query is rewritten ([`rewrite`]):
//!
//! - every **raw table** the query (or a function it calls) reads becomes a `let` bound to a
//!   `datatable(col:type, …)[…]` of the case's rows, typed by `schemas/` (a known table the case
//!   gives no rows for is an empty `datatable` of its schema's columns); for rule cases the `let`
//!   keeps only `TimeGenerated > datetime(T − queryPeriod) and TimeGenerated <= datetime(T)`, the
//!   window Sentinel gives a scheduled query;
//! - every **saved function** of the repository the query calls (directly or through another
//!   function) becomes a `let` lambda prepended in dependency order, its body rewritten the same way,
//!   and the calls are renamed to it (a bare reference `F` becomes `F()`); functions the repository
//!   does not have are left for the workspace to resolve;
//! - `_GetWatchlist('alias')` becomes a `datatable` of the watchlist rows the case uses, in
//!   Sentinel's shape;
//! - `now()` becomes `datetime(T)`, `now(x)` becomes `(datetime(T) + (x))` and `ago(x)` becomes
//!   `(datetime(T) - (x))`, so the workspace evaluates as at the case's run time `T`.
//!
//! The rewrite is guided by the parsed tree, never by text search: only a name in a tabular position
//! (a pipeline's source, a `join`/`lookup`/`union` operand, a `let` value, an argument of a tabular
//! call) that no `let` or lambda parameter shadows is a table reference, so a column, a string
//! literal or a comment spelled like a table is left alone. Each replacement is spliced at its node's
//! byte range; replacements never overlap (a call whose arguments are rewritten keeps its argument
//! text and has only its name, or its opening and closing text, replaced).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::ops::Range;

use sentinel_kql::ast::{
    Expr, ExprKind, JoinCondition, LetValue, LitKind, OpKind, Operator, ParamDecl, Statement,
};
use sentinel_kql_engine::{DateTime, Table, Type, Value};

/// A saved function the rewrite may inline.
#[derive(Debug, Clone)]
pub struct Function {
    /// The alias queries call it by.
    pub name: String,
    /// Its parameter list as stored (`lookback:timespan = 1d`, optionally in parentheses; empty for
    /// none).
    pub params: String,
    /// Its body.
    pub body: String,
}

/// What a case gives the query.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Rows per raw table (tables the case gives no rows for: empty tables with the schema's
    /// columns).
    pub tables: BTreeMap<String, Table>,
    /// `_GetWatchlist(alias)` results per alias.
    pub watchlists: BTreeMap<String, Table>,
    /// The repository's saved functions.
    pub functions: Vec<Function>,
    /// The run time `T`.
    pub at: Option<DateTime>,
    /// Sentinel's query window `(start, end]` (rule cases).
    pub window: Option<(DateTime, DateTime)>,
}

/// Why a query could not be rewritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteError(pub String);

impl std::fmt::Display for RewriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RewriteError {}

/// `text` as a KQL string literal (double quotes; backslash, quote and control characters escaped).
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A column or table name as KQL writes it: bare when it is an identifier, else `['…']`.
pub fn name_literal(name: &str) -> String {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident && !sentinel_kql::is_builtin_function(name) && !KEYWORDS.contains(&name) {
        name.to_string()
    } else {
        let mut s = String::from("['");
        for c in name.chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '\'' => s.push_str("\\'"),
                c => s.push(c),
            }
        }
        s.push_str("']");
        s
    }
}

/// Words that cannot be bare column names in a `datatable` declaration.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "has",
    "let",
    "where",
    "project",
    "extend",
    "by",
    "on",
    "with",
    "true",
    "false",
    "null",
    "datatable",
    "dynamic",
    "typeof",
    "between",
    "contains",
    "kind",
];

fn real_text(r: f64) -> String {
    if r.is_nan() {
        "nan".into()
    } else if r.is_infinite() {
        if r > 0.0 {
            "+inf".into()
        } else {
            "-inf".into()
        }
    } else {
        let s = format!("{r:?}");
        if s.contains(['.', 'e', 'E']) {
            s
        } else {
            format!("{s}.0")
        }
    }
}

fn datetime_text(d: DateTime) -> String {
    // seven fractional digits, as `tostring()` writes it: exact to the tick
    Value::DateTime(d).to_kusto_string()
}

/// The body of a `dynamic(…)` literal for a value nested in a dynamic.
fn dynamic_body(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Long(l) => {
            let _ = write!(out, "{l}");
        }
        Value::Real(r) => {
            let _ = write!(out, "real({})", real_text(*r));
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                dynamic_body(item, out);
            }
            out.push(']');
        }
        Value::Bag(bag) => {
            out.push('{');
            for (i, (k, item)) in bag.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&string_literal(k));
                out.push(':');
                dynamic_body(item, out);
            }
            out.push('}');
        }
        // nested datetimes, timespans, guids and decimals are strings in a dynamic's JSON
        other => out.push_str(&string_literal(&other.to_kusto_string())),
    }
}

/// A value of a `ty` column as a KQL literal that reads back to the same value.
pub fn value_literal(v: &Value, ty: Type) -> String {
    if v.is_null() {
        return match ty {
            Type::String => "\"\"".into(),
            other => format!("{}(null)", other.name()),
        };
    }
    match (ty, v) {
        (Type::Dynamic, v) => {
            let mut s = String::from("dynamic(");
            dynamic_body(v, &mut s);
            s.push(')');
            s
        }
        (_, Value::String(s)) if ty == Type::String => string_literal(s),
        (_, Value::Bool(b)) => if *b { "true" } else { "false" }.into(),
        (_, Value::Int(i)) => format!("int({i})"),
        (_, Value::Long(l)) => format!("long({l})"),
        (_, Value::Real(r)) => format!("real({})", real_text(*r)),
        (_, Value::Decimal(d)) => format!("decimal({d})"),
        (_, Value::DateTime(d)) => format!("datetime({})", datetime_text(*d)),
        (_, Value::TimeSpan(t)) => format!("timespan({t})"),
        (_, Value::Guid(g)) => format!("guid({})", Value::Guid(*g).to_kusto_string()),
        // a value of another type than its column (files may carry loosely typed cells)
        (_, other) => format!(
            "{}({})",
            ty.name(),
            string_literal(&other.to_kusto_string())
        ),
    }
}

/// `datatable(col:type, …)[values…]` of `table`'s rows.
pub fn datatable(table: &Table) -> String {
    let cols = table.columns();
    let mut s = String::from("datatable(");
    for (i, c) in cols.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{}:{}", name_literal(&c.name), c.ty.name());
    }
    s.push_str(")[");
    for (r, row) in table.rows().enumerate() {
        s.push_str(if r == 0 { "\n    " } else { ",\n    " });
        for (i, (v, c)) in row.iter().zip(cols).enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&value_literal(v, c.ty));
        }
    }
    s.push_str(if table.is_empty() { "]" } else { "\n]" });
    s
}

/// What one rewritten text refers to.
#[derive(Default)]
struct Uses {
    tables: BTreeSet<String>,
    watchlists: BTreeSet<String>,
    functions: BTreeSet<String>,
}

/// The walk over one parsed text: scopes of bound names, and the edits found.
struct Walk<'a> {
    inputs: &'a Inputs,
    names: &'a Names,
    src: &'a str,
    scopes: Vec<BTreeSet<String>>,
    edits: Vec<(Range<usize>, String)>,
    uses: Uses,
}

/// The names given to the `let`s of the rewritten query.
struct Names {
    tables: BTreeMap<String, String>,
    watchlists: BTreeMap<String, String>,
    functions: BTreeMap<String, String>,
}

impl Names {
    fn new(inputs: &Inputs, taken: &BTreeSet<String>) -> Names {
        let mut used = taken.clone();
        let mut fresh = |base: String| {
            let mut n = base.clone();
            let mut i = 2;
            while used.contains(&n) {
                n = format!("{base}_{i}");
                i += 1;
            }
            used.insert(n.clone());
            n
        };
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect()
        };
        let tables = inputs
            .tables
            .keys()
            .map(|t| (t.clone(), fresh(format!("sentinelctl_table_{}", clean(t)))))
            .collect();
        let watchlists = inputs
            .watchlists
            .keys()
            .map(|w| {
                (
                    w.clone(),
                    fresh(format!("sentinelctl_watchlist_{}", clean(w))),
                )
            })
            .collect();
        let functions = inputs
            .functions
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    fresh(format!("sentinelctl_function_{}", clean(&f.name))),
                )
            })
            .collect();
        Names {
            tables,
            watchlists,
            functions,
        }
    }
}

fn string_arg(src: &str, e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Literal(LitKind::String) => Some(sentinel_kql::parser::string_literal_value(
            src.get(e.range.clone())?,
        )),
        ExprKind::Paren(inner) => string_arg(src, inner),
        _ => None,
    }
}

impl Walk<'_> {
    fn bound(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.contains(name))
    }

    fn bind(&mut self, name: &str) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string());
        }
    }

    fn edit(&mut self, range: Range<usize>, text: String) {
        self.edits.push((range, text));
    }

    fn at(&self) -> String {
        self.inputs.at.map_or_else(
            || "now()".to_string(),
            |t| format!("datetime({})", datetime_text(t)),
        )
    }

    fn statements(&mut self, statements: &[Statement]) {
        for s in statements {
            match s {
                Statement::Let { name, value } => {
                    match value {
                        LetValue::Expr(e) => self.expr(e, true),
                        LetValue::Function { params, body, .. } => self.lambda(params, body),
                    }
                    self.bind(&name.text);
                }
                Statement::Expr(e) => self.expr(e, true),
                Statement::QueryParameters(params) => {
                    for p in params {
                        if let Some(d) = &p.default {
                            self.expr(d, false);
                        }
                        self.bind(&p.name.text);
                    }
                }
                Statement::Opaque { .. } => {}
            }
        }
    }

    fn lambda(&mut self, params: &[ParamDecl], body: &[Statement]) {
        for p in params {
            if let Some(d) = &p.default {
                self.expr(d, false);
            }
        }
        self.scopes
            .push(params.iter().map(|p| p.name.text.clone()).collect());
        self.statements(body);
        self.scopes.pop();
    }

    /// A name read as a table (or a function called without parentheses).
    fn table_name(&mut self, name: &str, range: Range<usize>) {
        if self.bound(name) {
            return;
        }
        if let Some(l) = self.names.tables.get(name) {
            self.uses.tables.insert(name.to_string());
            self.edit(range, l.clone());
        } else if let Some(l) = self.names.functions.get(name) {
            self.uses.functions.insert(name.to_string());
            self.edit(range, format!("{l}()"));
        }
    }

    fn call(&mut self, e: &Expr, name: &sentinel_kql::ast::Name, args: &[Expr], tabular: bool) {
        let n = name.text.as_str();
        if !self.bound(n) {
            match n {
                "now" | "ago" if self.inputs.at.is_some() => {
                    let at = self.at();
                    match (n, args) {
                        ("now", []) => return self.edit(e.range.clone(), at),
                        (_, [arg]) => {
                            let op = if n == "now" { '+' } else { '-' };
                            self.edit(e.range.start..arg.range.start, format!("({at} {op} ("));
                            self.edit(arg.range.end..e.range.end, "))".into());
                            return self.expr(arg, false);
                        }
                        _ => {}
                    }
                }
                "_GetWatchlist" => {
                    if let Some(alias) = args.first().and_then(|a| string_arg(self.src, a))
                        && let Some(l) = self.names.watchlists.get(&alias)
                    {
                        self.uses.watchlists.insert(alias);
                        return self.edit(e.range.clone(), l.clone());
                    }
                }
                "table" => {
                    if let [a] = args
                        && let Some(t) = string_arg(self.src, a)
                        && let Some(l) = self.names.tables.get(&t)
                    {
                        self.uses.tables.insert(t);
                        return self.edit(e.range.clone(), l.clone());
                    }
                }
                _ => {
                    if let Some(l) = self.names.functions.get(n) {
                        self.uses.functions.insert(n.to_string());
                        self.edit(name.range.clone(), l.clone());
                    }
                }
            }
        }
        // arguments of a call that is itself a table have no row to name columns of: a bare name
        // there is a table (`materialize(T)`, `F(T)`)
        let tabular_args = tabular || matches!(n, "materialize" | "toscalar" | "view");
        for a in args {
            self.expr(a, tabular_args);
        }
    }

    fn expr(&mut self, e: &Expr, tabular: bool) {
        match &e.kind {
            ExprKind::Name(n) => {
                if tabular {
                    self.table_name(n, e.range.clone());
                }
            }
            ExprKind::Literal(LitKind::DateTime) => {
                // `datetime()` is now()
                if self.inputs.at.is_some()
                    && let Some(text) = self.src.get(e.range.clone())
                    && text
                        .split_once('(')
                        .is_some_and(|(_, r)| r.trim_end_matches(')').trim().is_empty())
                {
                    let at = self.at();
                    self.edit(e.range.clone(), at);
                }
            }
            ExprKind::Literal(_)
            | ExprKind::Star
            | ExprKind::Input
            | ExprKind::TypeOf(_)
            | ExprKind::Error
            | ExprKind::Externaldata { .. } => {}
            ExprKind::Unary { operand, .. } => self.expr(operand, false),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs, false);
                self.expr(rhs, false);
            }
            ExprKind::In { lhs, list, .. } => {
                self.expr(lhs, false);
                // `x in (T)`: a single name is a one-column table (or a `let`)
                let single = list.len() == 1;
                for item in list {
                    self.expr(item, single);
                }
            }
            ExprKind::Between { lhs, lo, hi, .. } => {
                self.expr(lhs, false);
                self.expr(lo, false);
                self.expr(hi, false);
            }
            ExprKind::Call { name, args } => self.call(e, name, args, tabular),
            ExprKind::NamedArg { value, .. } => self.expr(value, tabular),
            ExprKind::Member { target, .. } => self.expr(target, false),
            ExprKind::Index { target, index } => {
                self.expr(target, false);
                self.expr(index, false);
            }
            ExprKind::Paren(inner) => self.expr(inner, tabular),
            ExprKind::Pipe { input, op } => {
                self.expr(input, true);
                self.operator(op);
            }
            ExprKind::Datatable { values, .. } => {
                for v in values {
                    self.expr(v, false);
                }
            }
            ExprKind::Source(op) => self.operator(op),
        }
    }

    fn named(&mut self, items: &[sentinel_kql::ast::NamedExpr]) {
        for i in items {
            self.expr(&i.expr, false);
        }
    }

    fn operator(&mut self, op: &Operator) {
        match &op.kind {
            OpKind::Where(e) | OpKind::Take(e) | OpKind::Sample(e) | OpKind::Evaluate(e) => {
                self.expr(e, false);
            }
            OpKind::Invoke(e) => self.expr(e, true),
            OpKind::Extend(items)
            | OpKind::Project(items)
            | OpKind::Distinct(items)
            | OpKind::Serialize(items)
            | OpKind::Print(items) => self.named(items),
            OpKind::ProjectByNames(items) => {
                for i in items {
                    self.expr(i, false);
                }
            }
            OpKind::Summarize { aggs, by } => {
                self.named(aggs);
                self.named(by);
            }
            OpKind::Sort(keys) => {
                for k in keys {
                    self.expr(&k.expr, false);
                }
            }
            OpKind::Top { count, by } => {
                self.expr(count, false);
                self.expr(&by.expr, false);
            }
            OpKind::SampleDistinct { count, expr } => {
                self.expr(count, false);
                self.expr(expr, false);
            }
            OpKind::Join {
                right, condition, ..
            } => {
                self.expr(right, true);
                match condition {
                    JoinCondition::On(keys) => {
                        for k in keys {
                            self.expr(k, false);
                        }
                    }
                    JoinCondition::Where(p) => self.expr(p, false),
                }
            }
            OpKind::Union { sources, .. } => {
                for s in sources {
                    self.expr(s, true);
                }
            }
            OpKind::MvExpand { items, limit, .. } => {
                for i in items {
                    self.expr(&i.expr, false);
                }
                if let Some(l) = limit {
                    self.expr(l, false);
                }
            }
            OpKind::MvApply {
                items, limit, sub, ..
            } => {
                for i in items {
                    self.expr(&i.expr, false);
                }
                if let Some(l) = limit {
                    self.expr(l, false);
                }
                self.expr(sub, true);
            }
            OpKind::Parse { source, .. } | OpKind::ParseKv { source, .. } => {
                self.expr(source, false);
            }
            OpKind::MakeSeries {
                aggs,
                defaults,
                axis,
                range_exprs,
                by,
                ..
            } => {
                self.named(aggs);
                for d in defaults.iter().flatten() {
                    self.expr(d, false);
                }
                self.expr(axis, false);
                for r in range_exprs {
                    self.expr(r, false);
                }
                self.named(by);
            }
            OpKind::Partition { by, sub } => {
                self.expr(by, false);
                self.expr(sub, true);
            }
            OpKind::Range { bounds, .. } => {
                for b in bounds {
                    self.expr(b, false);
                }
            }
            OpKind::ProjectAway(_)
            | OpKind::ProjectKeep(_)
            | OpKind::ProjectRename(_)
            | OpKind::ProjectReorder(_)
            | OpKind::Count(_)
            | OpKind::As(_)
            | OpKind::Render
            | OpKind::Getschema
            | OpKind::Opaque(_) => {}
        }
    }
}

/// What closes the lambda a function body is parsed in.
const SUFFIX: &str = "\n};\nprint 0";

/// Rewrites `text` (a query, or a function body when `params` is given): its edits applied, and what
/// it uses.
fn rewrite_text(
    text: &str,
    params: Option<&str>,
    inputs: &Inputs,
    names: &Names,
) -> Result<(String, Option<String>, Uses), RewriteError> {
    // a function body is parsed as the lambda it becomes, so its parameters shadow tables
    let (src, offset) = match params {
        Some(p) => {
            let p = p.trim();
            let p = if p.starts_with('(') {
                p.to_string()
            } else {
                format!("({p})")
            };
            let prefix = format!("let f = {p} {{\n");
            (format!("{prefix}{text}{SUFFIX}"), prefix.len())
        }
        None => (text.to_string(), 0),
    };
    let parsed = sentinel_kql::parser::parse(&src);
    if let Some(e) = parsed.errors.first() {
        return Err(RewriteError(format!(
            "the query does not parse: {}",
            e.message
        )));
    }
    let mut walk = Walk {
        inputs,
        names,
        src: &src,
        scopes: vec![BTreeSet::new()],
        edits: Vec::new(),
        uses: Uses::default(),
    };
    walk.statements(&parsed.query.statements);
    let mut edits = std::mem::take(&mut walk.edits);
    let uses = std::mem::take(&mut walk.uses);
    // a function's text is `let f = (params) {\n` body `\n};\nprint 0`: edits apply to the
    // parameters (defaults may call `now()`) and the body, never to the wrapper
    let end = src.len() - if params.is_some() { SUFFIX.len() } else { 0 };
    let params_range = if params.is_some() {
        "let f = ".len()..offset - " {\n".len()
    } else {
        0..0
    };
    let body_range = offset..end;
    edits.retain(|(r, _)| {
        (r.start >= body_range.start && r.end <= body_range.end)
            || (r.start >= params_range.start && r.end <= params_range.end)
    });
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    for pair in edits.windows(2) {
        if pair[0].0.end > pair[1].0.start {
            return Err(RewriteError(format!(
                "overlapping rewrites at bytes {:?} and {:?}",
                pair[0].0, pair[1].0
            )));
        }
    }
    let splice = |range: Range<usize>| -> Result<String, RewriteError> {
        let mut out = String::with_capacity(range.len());
        let mut pos = range.start;
        for (r, with) in edits
            .iter()
            .filter(|(r, _)| r.start >= range.start && r.end <= range.end)
        {
            out.push_str(src.get(pos..r.start).ok_or_else(|| {
                RewriteError(format!(
                    "a rewrite at bytes {r:?} is not on a character boundary"
                ))
            })?);
            out.push_str(with);
            pos = r.end;
        }
        out.push_str(
            src.get(pos..range.end)
                .ok_or_else(|| RewriteError("a rewrite ends off a character boundary".into()))?,
        );
        Ok(out)
    };
    let params = if params.is_some() {
        Some(splice(params_range)?)
    } else {
        None
    };
    Ok((splice(body_range)?, params, uses))
}

/// A function body without the braces a workspace may store around it.
fn strip_braces(body: &str) -> &str {
    let t = body.trim();
    t.strip_prefix('{')
        .and_then(|b| b.strip_suffix('}'))
        .unwrap_or(body)
}

/// The names the text binds at top level or anywhere (so generated names never collide).
fn identifiers(text: &str) -> BTreeSet<String> {
    sentinel_kql::lexer::lex(text)
        .tokens
        .iter()
        .map(|t| t.text(text).to_string())
        .collect()
}

/// The statistics of a rewrite, for messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// The self-contained query.
    pub query: String,
    /// Tables replaced by `datatable`s.
    pub tables: Vec<String>,
    /// Saved functions inlined.
    pub functions: Vec<String>,
    /// Watchlists replaced.
    pub watchlists: Vec<String>,
}

/// The saved functions a query reaches, rewritten, in dependency order.
struct Inliner<'a> {
    by_name: &'a BTreeMap<&'a str, &'a Function>,
    inputs: &'a Inputs,
    names: &'a Names,
    /// `false` while a function's callees are being visited, `true` once it is placed.
    state: BTreeMap<String, bool>,
    /// (function, rewritten parameter list, rewritten body), callees first.
    order: Vec<(String, String, String)>,
    tables: BTreeSet<String>,
    watchlists: BTreeSet<String>,
}

impl Inliner<'_> {
    fn visit(&mut self, name: &str) -> Result<(), RewriteError> {
        match self.state.get(name) {
            Some(true) => return Ok(()),
            Some(false) => {
                return Err(RewriteError(format!(
                    "saved function `{name}` calls itself (through other functions)"
                )));
            }
            None => {}
        }
        let Some(f) = self.by_name.get(name) else {
            return Ok(());
        };
        self.state.insert(name.to_string(), false);
        let (body, params, uses) = rewrite_text(
            strip_braces(&f.body),
            Some(&f.params),
            self.inputs,
            self.names,
        )
        .map_err(|e| RewriteError(format!("saved function `{name}`: {e}")))?;
        for callee in &uses.functions {
            self.visit(callee)?;
        }
        self.tables.extend(uses.tables);
        self.watchlists.extend(uses.watchlists);
        self.state.insert(name.to_string(), true);
        self.order
            .push((name.to_string(), params.unwrap_or_default(), body));
        Ok(())
    }
}

/// Rewrites `query` so it runs self-contained on `inputs` (see the module docs).
pub fn rewrite(query: &str, inputs: &Inputs) -> Result<Rewritten, RewriteError> {
    let mut taken = identifiers(query);
    for f in &inputs.functions {
        taken.extend(identifiers(&f.body));
    }
    let names = Names::new(inputs, &taken);
    let (main, _, uses) = rewrite_text(query, None, inputs, &names)?;

    // functions in dependency order (a function's callees are defined before it)
    let by_name: BTreeMap<&str, &Function> = inputs
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f))
        .collect();
    let mut inliner = Inliner {
        by_name: &by_name,
        inputs,
        names: &names,
        state: BTreeMap::new(),
        order: Vec::new(),
        tables: uses.tables,
        watchlists: uses.watchlists,
    };
    for f in &uses.functions {
        inliner.visit(f)?;
    }
    let Inliner {
        order,
        tables,
        watchlists,
        ..
    } = inliner;

    let mut out =
        String::from("// rewritten by sentinelctl test: the case's rows, functions and run time\n");
    for t in &tables {
        let (Some(table), Some(l)) = (inputs.tables.get(t), names.tables.get(t)) else {
            continue;
        };
        let _ = write!(out, "let {l} = {}", datatable(table));
        if let Some((start, end)) = inputs.window
            && table
                .columns()
                .iter()
                .any(|c| c.name == "TimeGenerated" && c.ty == Type::DateTime)
        {
            let _ = write!(
                out,
                "\n    | where TimeGenerated > datetime({}) and TimeGenerated <= datetime({})",
                datetime_text(start),
                datetime_text(end)
            );
        }
        out.push_str(";\n");
    }
    for w in &watchlists {
        let (Some(table), Some(l)) = (inputs.watchlists.get(w), names.watchlists.get(w)) else {
            continue;
        };
        let _ = writeln!(out, "let {l} = {};", datatable(table));
    }
    for (name, params, body) in &order {
        let Some(l) = names.functions.get(name) else {
            continue;
        };
        let _ = writeln!(out, "let {l} = {params} {{\n{body}\n}};");
    }
    out.push_str(&main);
    Ok(Rewritten {
        query: out,
        tables: tables.into_iter().collect(),
        functions: order.into_iter().map(|(n, _, _)| n).collect(),
        watchlists: watchlists.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use sentinel_kql_engine::{Bag, Column, Database, Options, Value, evaluate};

    use super::*;

    fn at() -> DateTime {
        DateTime::parse("2026-01-15T12:00:00Z").unwrap()
    }

    /// The value a literal reads back to on the engine, in a `datatable` column of `ty`.
    fn read_typed(lit: &str, ty: Type) -> Value {
        let q = format!("datatable(x:{})[{lit}]", ty.name());
        let t = evaluate(&q, &Database::new(), &Options::at(at()))
            .unwrap_or_else(|e| panic!("`{q}` does not evaluate: {}", e.message));
        assert_eq!(t.columns()[0].ty, ty, "{q}");
        t.value(0, 0).cloned().unwrap()
    }

    /// The value a literal reads back to on the engine.
    fn read_back(lit: &str) -> Value {
        let t = evaluate(
            &format!("print x = {lit}"),
            &Database::new(),
            &Options::at(at()),
        )
        .unwrap_or_else(|e| panic!("`{lit}` does not evaluate: {}", e.message));
        t.value(0, 0).cloned().unwrap()
    }

    fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
            _ => a == b || a.to_kusto_string() == b.to_kusto_string() && a.is_null() == b.is_null(),
        }
    }

    #[test]
    fn literals_round_trip_through_the_engine() {
        let strings = [
            "",
            "plain",
            "it's \"quoted\"",
            "back\\slash\\",
            "line\nbreak\r\ttab",
            "bell\u{7}nul\u{0}del\u{7f}",
            "ünïcødé ✓ 😀 中文",
            "}]) // not a comment; let T = 1",
        ];
        for s in strings {
            let lit = value_literal(&Value::string(s), Type::String);
            assert_eq!(read_back(&lit).to_kusto_string(), s, "{lit}");
            // inside a dynamic too
            let mut bag = Bag::new();
            bag.insert(s, Value::Array(std::sync::Arc::new(vec![Value::string(s)])));
            let v = Value::Bag(std::sync::Arc::new(bag));
            let lit = value_literal(&v, Type::Dynamic);
            assert_eq!(read_back(&lit), v, "{lit}");
        }
        let typed = [
            (Value::Long(i64::MIN), Type::Long),
            (Value::Long(i64::MAX), Type::Long),
            (Value::Int(-5), Type::Int),
            (Value::Real(0.1 + 0.2), Type::Real),
            (Value::Real(1e-7), Type::Real),
            (Value::Real(-3.0), Type::Real),
            (Value::Real(f64::INFINITY), Type::Real),
            (Value::Real(f64::NEG_INFINITY), Type::Real),
            (Value::Bool(true), Type::Bool),
            (Value::Bool(false), Type::Bool),
            (
                Value::DateTime(DateTime::parse("2024-02-29T23:59:59.1234567Z").unwrap()),
                Type::DateTime,
            ),
            (
                Value::TimeSpan(sentinel_kql_engine::TimeSpan(
                    -(36 * 3600 + 5) * 10_000_000 - 7,
                )),
                Type::TimeSpan,
            ),
            (
                Value::parse_as("0f8fad5b-d9cb-469f-a165-70867728950e", Type::Guid).unwrap(),
                Type::Guid,
            ),
            (
                Value::parse_as("12.345", Type::Decimal).unwrap(),
                Type::Decimal,
            ),
            (
                Value::from_json(
                    &serde_json::json!({"a": [1, 2.5, null, true, {"b": "c"}], "n": null}),
                ),
                Type::Dynamic,
            ),
        ];
        for (v, ty) in typed {
            let lit = value_literal(&v, ty);
            assert!(
                same(&read_back(&lit), &v),
                "{lit} read back as {:?}",
                read_back(&lit)
            );
            assert!(same(&read_typed(&lit, ty), &v), "{lit} in a datatable");
        }
        let nan = read_back(&value_literal(&Value::Real(f64::NAN), Type::Real));
        assert!(matches!(nan, Value::Real(r) if r.is_nan()));
        // nulls keep their type; a string cannot be null in Kusto, so it is empty
        for ty in [
            Type::Bool,
            Type::Long,
            Type::Int,
            Type::Real,
            Type::DateTime,
            Type::TimeSpan,
            Type::Guid,
            Type::Dynamic,
            Type::Decimal,
        ] {
            assert!(
                read_typed(&value_literal(&Value::Null, ty), ty).is_null(),
                "{ty:?}"
            );
        }
        assert_eq!(value_literal(&Value::Null, Type::String), "\"\"");
    }

    fn table(cols: &[(&str, Type)], rows: Vec<Vec<Value>>) -> Table {
        Table::from_rows(
            cols.iter().map(|(n, t)| Column::new(*n, *t)).collect(),
            rows,
        )
    }

    fn logs() -> Table {
        let t = |s: &str| Value::DateTime(DateTime::parse(s).unwrap());
        table(
            &[
                ("TimeGenerated", Type::DateTime),
                ("Logs", Type::String),
                ("n", Type::Long),
            ],
            vec![
                vec![
                    t("2026-01-15T11:30:00Z"),
                    Value::string("Logs"),
                    Value::Long(1),
                ],
                vec![
                    t("2026-01-15T09:00:00Z"),
                    Value::string("x"),
                    Value::Long(2),
                ],
                vec![
                    t("2026-01-14T09:00:00Z"),
                    Value::string("Logs"),
                    Value::Long(3),
                ],
            ],
        )
    }

    fn inputs() -> Inputs {
        let mut i = Inputs {
            at: Some(at()),
            ..Inputs::default()
        };
        i.tables.insert("Logs".into(), logs());
        i
    }

    /// The original on a database holding `inputs`, and the rewrite on an empty one: same table.
    fn agree(query: &str, inputs: &Inputs) -> String {
        let mut db = Database::new();
        for (n, t) in &inputs.tables {
            db.add_table(n, t.clone());
        }
        for f in &inputs.functions {
            db.add_function(&f.name, &f.params, &f.body).unwrap();
        }
        let options = Options {
            window: inputs.window,
            ..Options::at(at())
        };
        let want = evaluate(query, &db, &options).unwrap_or_else(|e| panic!("{}", e.message));
        let rewritten = rewrite(query, inputs).unwrap().query;
        assert!(
            sentinel_kql::parser::parse(&rewritten).errors.is_empty(),
            "{rewritten}"
        );
        // another clock: the rewrite carries its own time
        let elsewhere = Options::at(DateTime::parse("2030-06-01T00:00:00Z").unwrap());
        let got = evaluate(&rewritten, &Database::new(), &elsewhere)
            .unwrap_or_else(|e| panic!("{}\n{rewritten}", e.message));
        assert_eq!(got.to_text(), want.to_text(), "{rewritten}");
        rewritten
    }

    #[test]
    fn columns_strings_and_comments_named_like_the_table_are_left_alone() {
        let q = "Logs // Logs in a comment\n| where Logs == 'Logs' or Logs has \"Logs\"\n| extend Logs2 = strcat(Logs, 'Logs')\n| project Logs, Logs2, n";
        let out = agree(q, &inputs());
        let body = out.rsplit_once(";\n").unwrap().1;
        assert!(
            body.starts_with("sentinelctl_table_Logs // Logs in a comment"),
            "{body}"
        );
        assert_eq!(body.matches("sentinelctl_table_Logs").count(), 1, "{body}");
        assert!(
            body.contains("where Logs == 'Logs' or Logs has \"Logs\""),
            "{body}"
        );
    }

    #[test]
    fn lets_and_parameters_shadow_tables() {
        let q = "let f = (Logs:(n:long)) { Logs | summarize s = sum(n) };\nlet Other = Logs | where n > 1;\nf(Other) | extend c = toscalar(Logs | count)";
        let out = agree(q, &inputs());
        assert!(
            out.contains("let f = (Logs:(n:long)) { Logs | summarize"),
            "{out}"
        );
        let q = "let Logs = datatable(n:long)[7]; Logs";
        let out = agree(q, &inputs());
        assert!(!out.contains("sentinelctl_table_Logs ="), "{out}");
    }

    #[test]
    fn joins_unions_and_materialize_read_the_rows() {
        let q = "let m = materialize(Logs);\nunion (m | where n == 1), (table('Logs') | where n == 2)\n| join kind=leftouter (Logs | project n, k = 1) on n\n| where n in (Logs | where n < 3 | project n)\n| sort by n asc";
        agree(q, &inputs());
    }

    #[test]
    fn now_and_ago_are_the_run_time() {
        let q = "print a = now(), b = ago(1h), c = now(-1d), d = datetime(), e = bin(now(), 1d)";
        let out = agree(q, &inputs());
        assert!(!out.contains("now()"), "{out}");
    }

    #[test]
    fn the_window_filters_tables_with_time_generated() {
        let mut i = inputs();
        i.window = Some((DateTime::parse("2026-01-15T10:00:00Z").unwrap(), at()));
        let out = agree("Logs | where TimeGenerated > ago(1d) | project n", &i);
        assert!(out.contains("| where TimeGenerated > datetime(2026-01-15T10:00:00.0000000Z) and TimeGenerated <= datetime(2026-01-15T12:00:00.0000000Z)"), "{out}");
    }

    #[test]
    fn saved_functions_are_inlined_in_dependency_order() {
        let mut i = inputs();
        i.functions = vec![
            Function {
                name: "Outer".into(),
                params: "lookback:timespan = 2d, who:string = 'Logs'".into(),
                body: "Inner | where TimeGenerated > ago(lookback) and Logs == who".into(),
            },
            Function {
                name: "Inner".into(),
                params: String::new(),
                body: "{ Logs | extend Inner = n * 10 }".into(),
            },
            Function {
                name: "Unused".into(),
                params: String::new(),
                body: "Logs".into(),
            },
        ];
        let out = agree(
            "Outer(3d) | union (Inner() | where n == 2), (Outer) | sort by n asc, Inner asc",
            &i,
        );
        let inner = out.find("let sentinelctl_function_Inner").unwrap();
        let outer = out.find("let sentinelctl_function_Outer").unwrap();
        assert!(inner < outer, "{out}");
        assert!(!out.contains("sentinelctl_function_Unused"), "{out}");
        let r = rewrite("Outer(3d)", &i).unwrap();
        assert_eq!(r.functions, ["Inner", "Outer"]);
        assert_eq!(r.tables, ["Logs"]);
        // a function that is not the repository's is left for the workspace
        let out = rewrite("WorkspaceOnly(1d) | take 1", &i).unwrap().query;
        assert!(out.ends_with("WorkspaceOnly(1d) | take 1"), "{out}");
    }

    #[test]
    fn cycles_and_syntax_errors_are_errors_not_panics() {
        let mut i = inputs();
        i.functions = vec![
            Function {
                name: "A".into(),
                params: String::new(),
                body: "B".into(),
            },
            Function {
                name: "B".into(),
                params: String::new(),
                body: "A()".into(),
            },
        ];
        assert!(rewrite("A", &i).unwrap_err().0.contains("calls itself"));
        assert!(rewrite("Logs | where", &i).is_err());
        // parameter defaults are rewritten too
        i.functions.push(Function {
            name: "C".into(),
            params: "(since:datetime = now(), t:(*))".into(),
            body: "Logs | where TimeGenerated > ago(1d) // é\n".into(),
        });
        let out = rewrite("C()", &i).unwrap().query;
        assert!(out.contains("let sentinelctl_function_C = (since:datetime = datetime(2026-01-15T12:00:00.0000000Z), t:(*)) {\nsentinelctl_table_Logs | where TimeGenerated > (datetime("), "{out}");
        for q in ["", "(", "Logs | join (", "let", "print '\\u{zz}'"] {
            let _ = rewrite(q, &i);
        }
    }

    #[test]
    fn watchlists_and_empty_tables_become_datatables() {
        let mut i = inputs();
        i.tables.insert(
            "Empty_CL".into(),
            table(
                &[("TimeGenerated", Type::DateTime), ("a b x", Type::String)],
                vec![],
            ),
        );
        let mut db = Database::new();
        db.add_watchlist(
            "Trusted",
            "Ip",
            &["Ip".into(), "Note".into()],
            vec![vec!["10.0.0.1".into(), "o'ffice \"nat\"".into()]],
        );
        let w = evaluate("_GetWatchlist('Trusted')", &db, &Options::at(at())).unwrap();
        i.watchlists.insert("Trusted".into(), w);
        let q = "Logs | extend Ip = '10.0.0.1' | join kind=inner (_GetWatchlist('Trusted') | project Ip = SearchKey, Note) on Ip | union Empty_CL | project n, Note";
        let mut both = db.clone();
        both.add_table("Logs", logs());
        both.add_table("Empty_CL", i.tables["Empty_CL"].clone());
        let want = evaluate(q, &both, &Options::at(at())).unwrap();
        let out = rewrite(q, &i).unwrap().query;
        let got = evaluate(&out, &Database::new(), &Options::at(at())).unwrap();
        assert_eq!(got.to_text(), want.to_text(), "{out}");
        assert!(
            out.contains("datatable(TimeGenerated:datetime, ['a b x']:string)[]"),
            "{out}"
        );
    }
}
