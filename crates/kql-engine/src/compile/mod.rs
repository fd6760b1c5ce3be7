//! Compilation: the `sentinel_kql` syntax tree → the engine's [`Plan`] and [`Expr`] (see `ir.rs`).
//!
//! Owns name scoping and inlining. `let` bindings, lambda parameters and query parameters live in a
//! persistent [`Scope`] list; scalar `let`s and parameters are inlined as expressions (a column of
//! the same name still wins, as in Kusto's name resolution: row columns first, then `let` names and
//! parameters, then tables, then saved functions), tabular ones as plans, and every call of a lambda or
//! saved function compiles its body afresh with the arguments bound. So a plan never refers to a
//! name it cannot resolve, and `optimize` sees whole pipelines across function boundaries. The
//! exception: a tabular `let` named at least [`SHARE_USES`] times after its definition (and calling
//! no impure function such as `rand()`) is optimized on its own and shared ([`Plan::Shared`], one
//! numbered node per use): evaluated once for all its uses, computing only the columns they read
//! when `optimize` saw every use.
//!
//! Submodules: `expr.rs` scalar expressions and calls, `ops.rs` tabular operators and sources,
//! `literal.rs` literal values, `naming.rs` Kusto's names for unnamed columns.

mod expr;
pub(crate) mod literal;
pub(crate) mod naming;
mod ops;

use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;

use sentinel_kql::ast::{self, ExprKind, LetValue, ParamDecl, ParamType, Statement};

use crate::database::Database;
use crate::datetime::DateTime;
use crate::error::{EvalError, Result};
use crate::ir::{Expr, Plan};
use crate::value::{Type, Value};

/// What a name in scope stands for.
#[derive(Debug, Clone)]
pub(crate) enum Binding {
    /// A scalar `let` or parameter, inlined at each use.
    Scalar(Expr),
    /// A tabular `let` or parameter, inlined at each use.
    Tabular(Plan),
    /// A lambda (`let f = (…) { … }`).
    Lambda(Rc<Lambda>),
}

/// A lambda or saved function: parameters, body, and where it was defined.
#[derive(Debug)]
pub(crate) struct Lambda {
    pub(crate) name: String,
    pub(crate) params: Vec<ParamDecl>,
    pub(crate) body: Vec<Statement>,
    /// The defining context (scope and source text of the body).
    pub(crate) ctx: Ctx,
    /// True when the body's last statement is tabular.
    pub(crate) returns_table: bool,
}

/// One entry of the persistent scope list.
#[derive(Debug)]
pub(crate) struct ScopeNode {
    name: String,
    binding: Binding,
    parent: Scope,
}

/// Names in scope, innermost first.
pub(crate) type Scope = Option<Rc<ScopeNode>>;

/// Where a piece of KQL text comes from, for error locations.
#[derive(Debug)]
pub(crate) struct Origin {
    /// Saved function name, when the text is a saved function's body.
    pub(crate) function: Option<String>,
    /// Offset of the function's own text inside `src` (the synthetic `let` wrapper).
    pub(crate) offset: usize,
}

/// The compilation context of one piece of text.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) src: Rc<str>,
    pub(crate) scope: Scope,
    pub(crate) origin: Rc<Origin>,
    pub(crate) depth: usize,
}

impl Ctx {
    pub(crate) fn text(&self, r: &Range<usize>) -> &str {
        self.src.get(r.clone()).unwrap_or("")
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<&Binding> {
        let mut cur = self.scope.as_ref();
        while let Some(n) = cur {
            if n.name == name {
                return Some(&n.binding);
            }
            cur = n.parent.as_ref();
        }
        None
    }

    pub(crate) fn with(&self, name: &str, binding: Binding) -> Ctx {
        Ctx {
            src: self.src.clone(),
            scope: Some(Rc::new(ScopeNode {
                name: name.to_string(),
                binding,
                parent: self.scope.clone(),
            })),
            origin: self.origin.clone(),
            depth: self.depth,
        }
    }

    /// Attributes an error raised while compiling this text to its saved function.
    pub(crate) fn locate(&self, e: EvalError) -> EvalError {
        match &self.origin.function {
            Some(f) => e.in_function(f, self.origin.offset),
            None => e,
        }
    }
}

/// Query-level settings from `set` statements.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub(crate) bin_auto_size: Option<Value>,
    pub(crate) bin_auto_at: Option<Value>,
    pub(crate) now: Option<DateTime>,
}

/// The compiler of one query.
pub(crate) struct Compiler<'a> {
    pub(crate) db: &'a Database,
    pub(crate) now: DateTime,
    pub(crate) max_depth: usize,
    pub(crate) settings: RefCell<Settings>,
    /// Window-function slots handed out in the operator being compiled.
    pub(crate) window_slots: Cell<usize>,
    /// Saved functions prepared as lambdas (`None` while one is being prepared: a cycle).
    saved: RefCell<std::collections::HashMap<String, Option<Rc<Lambda>>>>,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(db: &'a Database, now: DateTime, max_depth: usize) -> Compiler<'a> {
        Compiler {
            db,
            now,
            max_depth,
            settings: RefCell::new(Settings::default()),
            window_slots: Cell::new(0),
            saved: RefCell::new(std::collections::HashMap::new()),
        }
    }

    /// The saved function `name` as a lambda (saved functions see the database, not the query's
    /// `let`s).
    pub(crate) fn saved(&self, name: &str) -> Option<Rc<Lambda>> {
        if let Some(entry) = self.saved.borrow().get(name) {
            return entry.clone();
        }
        let f = self.db.function(name)?;
        self.saved.borrow_mut().insert(name.to_string(), None);
        let ctx = Ctx {
            src: Rc::from(&*f.src),
            scope: None,
            origin: Rc::new(Origin {
                function: Some(name.to_string()),
                offset: f.offset,
            }),
            depth: 0,
        };
        let l = Rc::new(self.lambda(name, f.params.clone(), f.body.clone(), ctx));
        self.saved
            .borrow_mut()
            .insert(name.to_string(), Some(l.clone()));
        Some(l)
    }

    /// Compiles a whole query to the plan of its last statement.
    pub(crate) fn compile_query(&self, query: &str) -> Result<Plan> {
        let parsed = sentinel_kql::parser::parse(query);
        if let Some(e) = parsed.errors.first() {
            return Err(EvalError::syntax(e.message.clone())
                .at(e.range.clone())
                .with_hint("`sentinelctl validate` lists every syntax error of the query"));
        }
        let ctx = Ctx {
            src: Rc::from(query),
            scope: None,
            origin: Rc::new(Origin {
                function: None,
                offset: 0,
            }),
            depth: 0,
        };
        let (last, ctx) = self.statements(&parsed.query.statements, ctx)?;
        let Some(last) = last else {
            return Err(
                EvalError::runtime("the query has no tabular expression to evaluate")
                    .with_hint("end the query with a table, e.g. `print 1` or `T | take 10`"),
            );
        };
        if !self.is_tabular(last, &ctx) {
            return Err(
                EvalError::runtime("the query ends with a scalar expression, not a table")
                    .at(last.range.clone())
                    .with_hint("use `print <expression>` to see a scalar value"),
            );
        }
        self.tabular(last, &ctx)
    }

    /// Binds the `let`/`declare`/`set` statements in order; returns the last expression statement and
    /// the scope after all bindings.
    fn statements<'s>(
        &self,
        stmts: &'s [Statement],
        mut ctx: Ctx,
    ) -> Result<(Option<&'s ast::Expr>, Ctx)> {
        let mut last = None;
        for s in stmts {
            match s {
                Statement::Let { name, value } => {
                    let mut b = self.let_binding(&name.text, value, &ctx)?;
                    if let (Binding::Tabular(plan), LetValue::Expr(e)) = (&b, value)
                        && shareable(plan)
                    {
                        let rest = ctx.src.get(e.range.end..).unwrap_or("");
                        let body = ctx.src.get(e.range.clone()).unwrap_or("");
                        if uses(rest, &name.text) >= SHARE_USES && !calls_impure(body) {
                            b = Binding::Tabular(Plan::Shared(
                                Rc::new(crate::ir::SharedLet {
                                    plan: crate::optimize::optimize(plan.clone()),
                                    range: e.range.clone(),
                                    uses: Cell::new(0),
                                    needs: RefCell::default(),
                                    filters: RefCell::default(),
                                    cache: std::cell::OnceCell::new(),
                                }),
                                usize::MAX,
                            ));
                        }
                    }
                    ctx = ctx.with(&name.text, b);
                }
                Statement::QueryParameters(params) => {
                    for p in params {
                        let v = match &p.default {
                            Some(d) => self.scalar(d, &ctx, &mut None)?,
                            None => Expr::Const(Value::Null),
                        };
                        ctx = ctx.with(&p.name.text, Binding::Scalar(v));
                    }
                }
                Statement::Opaque { keyword, range } => {
                    self.opaque_statement(keyword, range, &ctx)?;
                }
                Statement::Expr(e) => last = Some(e),
            }
        }
        Ok((last, ctx))
    }

    /// `set name = value;` — `query_bin_auto_size`, `query_bin_auto_at` and `query_now` affect
    /// evaluation; other request properties (`notruncation`…) do not change results here.
    fn opaque_statement(&self, keyword: &str, range: &Range<usize>, ctx: &Ctx) -> Result<()> {
        if keyword != "set" {
            return Err(EvalError::unsupported(format!("statement `{keyword}`")).at(range.clone()));
        }
        let text = ctx.text(range).trim_start_matches("set").trim();
        let (name, value) = text.split_once('=').unwrap_or((text, ""));
        let value = value.trim().trim_end_matches(';').trim();
        let lit = |v: &str| -> Result<Value> {
            let parsed = sentinel_kql::parser::parse(&format!("print {v}"));
            let Some(Statement::Expr(e)) = parsed.query.statements.first() else {
                return Ok(Value::Null);
            };
            let src: Rc<str> = Rc::from(format!("print {v}"));
            let c = Ctx {
                src,
                scope: None,
                origin: ctx.origin.clone(),
                depth: 0,
            };
            if let ExprKind::Source(op) = &e.kind
                && let ast::OpKind::Print(items) = &op.kind
                && let Some(item) = items.first()
                && let Expr::Const(v) = self.scalar(&item.expr, &c, &mut None)?
            {
                return Ok(v);
            }
            Ok(Value::Null)
        };
        let mut s = self.settings.borrow_mut();
        match name.trim() {
            "query_bin_auto_size" => s.bin_auto_size = Some(lit(value)?),
            "query_bin_auto_at" => s.bin_auto_at = Some(lit(value)?),
            "query_now" => {
                if let Value::DateTime(d) = lit(value)? {
                    s.now = Some(d);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn let_binding(&self, name: &str, value: &LetValue, ctx: &Ctx) -> Result<Binding> {
        match value {
            LetValue::Function {
                params,
                body,
                range,
            } => {
                let mut lambda = self.lambda(name, params.clone(), body.clone(), ctx.clone());
                lambda.returns_table |= is_view(ctx, range);
                Ok(Binding::Lambda(Rc::new(lambda)))
            }
            LetValue::Expr(e) => {
                if self.is_tabular(e, ctx) {
                    Ok(Binding::Tabular(self.tabular(e, ctx)?))
                } else {
                    Ok(Binding::Scalar(self.scalar(e, ctx, &mut None)?))
                }
            }
        }
    }

    /// Builds a lambda, working out whether its body is tabular with placeholder parameters.
    pub(crate) fn lambda(
        &self,
        name: &str,
        params: Vec<ParamDecl>,
        body: Vec<Statement>,
        ctx: Ctx,
    ) -> Lambda {
        let mut probe = ctx.clone();
        for p in &params {
            let b = match &p.ty {
                ParamType::Scalar(_) => Binding::Scalar(Expr::Const(Value::Null)),
                ParamType::Tabular(_) => {
                    Binding::Tabular(Plan::Literal(crate::table::Table::default()))
                }
            };
            probe = probe.with(&p.name.text, b);
        }
        // the body may define its own lets before the last expression
        let mut returns_table = false;
        for s in &body {
            match s {
                Statement::Let { name, value } => {
                    let b = match value {
                        LetValue::Function {
                            params,
                            body,
                            range,
                        } => {
                            let mut l = self.lambda(
                                &name.text,
                                params.clone(),
                                body.clone(),
                                probe.clone(),
                            );
                            l.returns_table |= is_view(&probe, range);
                            Binding::Lambda(Rc::new(l))
                        }
                        LetValue::Expr(e) => {
                            if self.is_tabular(e, &probe) {
                                Binding::Tabular(Plan::Literal(crate::table::Table::default()))
                            } else {
                                Binding::Scalar(Expr::Const(Value::Null))
                            }
                        }
                    };
                    probe = probe.with(&name.text, b);
                }
                Statement::Expr(e) => returns_table = self.is_tabular(e, &probe),
                _ => {}
            }
        }
        Lambda {
            name: name.to_string(),
            params,
            body,
            ctx,
            returns_table,
        }
    }

    /// True when `e` denotes a table (so `let x = e` binds a table and `x in (e)` is a sub-query).
    pub(crate) fn is_tabular(&self, e: &ast::Expr, ctx: &Ctx) -> bool {
        match &e.kind {
            ExprKind::Pipe { .. }
            | ExprKind::Source(_)
            | ExprKind::Datatable { .. }
            | ExprKind::Externaldata { .. }
            | ExprKind::Input => true,
            ExprKind::Paren(inner) => self.is_tabular(inner, ctx),
            ExprKind::Name(n) => match ctx.lookup(n) {
                Some(Binding::Tabular(_)) => true,
                Some(Binding::Scalar(_)) => false,
                Some(Binding::Lambda(l)) => l.returns_table,
                None => {
                    self.db.table(n).is_some() || self.saved(n).is_some_and(|l| l.returns_table)
                }
            },
            ExprKind::Call { name, .. } => match ctx.lookup(&name.text) {
                Some(Binding::Lambda(l)) => l.returns_table,
                Some(_) => false,
                None => match name.text.as_str() {
                    "materialize" | "table" | "_GetWatchlist" | "view" => true,
                    other => self.saved(other).is_some_and(|l| l.returns_table),
                },
            },
            _ => false,
        }
    }

    /// Binds a call's arguments to a lambda's parameters and compiles its body: a plan for a tabular
    /// lambda, an expression for a scalar one.
    pub(crate) fn invoke(
        &self,
        l: &Lambda,
        args: &[ast::Expr],
        caller: &Ctx,
        range: &Range<usize>,
        agg: &mut Option<expr::AggCollector>,
        input: Option<Plan>,
    ) -> Result<Invoked> {
        if caller.depth >= self.max_depth {
            return Err(EvalError::limit(
                "max_call_depth",
                format!(
                    "calls nest deeper than {} levels (a recursive function?)",
                    self.max_depth
                ),
            )
            .at(range.clone()));
        }
        let mut ctx = l.ctx.clone();
        ctx.depth = caller.depth + 1;
        // positional and named arguments
        let mut given: Vec<Option<&ast::Expr>> = vec![None; l.params.len()];
        let mut pos = 0;
        let mut input = input;
        if input.is_some() {
            // `T | invoke f(x)`: the input is the first (tabular) parameter
            pos = 1;
        }
        for a in args {
            if let ExprKind::NamedArg { name, value } = &a.kind {
                match l.params.iter().position(|p| p.name.text == name.text) {
                    Some(i) => given[i] = Some(value),
                    None => {
                        return Err(EvalError::runtime(format!(
                            "`{}` has no parameter named `{}`",
                            l.name, name.text
                        ))
                        .at(a.range.clone()));
                    }
                }
            } else {
                if pos >= l.params.len() {
                    return Err(EvalError::runtime(format!(
                        "`{}` takes {} argument(s), got {}",
                        l.name,
                        l.params.len(),
                        args.len()
                    ))
                    .at(range.clone()));
                }
                given[pos] = Some(a);
                pos += 1;
            }
        }
        for (i, p) in l.params.iter().enumerate() {
            let binding = match &p.ty {
                ParamType::Tabular(_) => {
                    let plan = if i == 0 && input.is_some() {
                        input.take().unwrap_or(Plan::Input)
                    } else {
                        match given[i] {
                            Some(a) => self.tabular(a, caller)?,
                            None => {
                                return Err(EvalError::runtime(format!(
                                    "`{}` needs its tabular argument `{}`",
                                    l.name, p.name.text
                                ))
                                .at(range.clone()));
                            }
                        }
                    };
                    Binding::Tabular(plan)
                }
                ParamType::Scalar(tyname) => {
                    let e = match (given[i], &p.default) {
                        (Some(a), _) => self.scalar(a, caller, agg)?,
                        (None, Some(d)) => ctx.locate_result(self.scalar(d, &l.ctx, &mut None))?,
                        (None, None) => {
                            return Err(EvalError::runtime(format!(
                                "`{}` needs argument `{}` (it has no default)",
                                l.name, p.name.text
                            ))
                            .at(range.clone()));
                        }
                    };
                    let e = match Type::from_name(tyname) {
                        Some(ty) if ty != Type::Dynamic => Expr::Cast(ty, Box::new(e)),
                        _ => e,
                    };
                    Binding::Scalar(e)
                }
            };
            ctx = ctx.with(&p.name.text, binding);
        }
        let out = (|| {
            let (last, body_ctx) = self.statements(&l.body, ctx.clone())?;
            let Some(last) = last else {
                return Err(EvalError::runtime(format!(
                    "`{}` has no result expression",
                    l.name
                )));
            };
            if l.returns_table {
                Ok(Invoked::Table(self.tabular(last, &body_ctx)?))
            } else {
                Ok(Invoked::Scalar(self.scalar(last, &body_ctx, agg)?))
            }
        })();
        out.map_err(|e| ctx.locate(e))
    }
}

/// True when a `let` lambda is written `view (…) { … }`: it always returns a table.
fn is_view(ctx: &Ctx, range: &Range<usize>) -> bool {
    let before = ctx.src.get(..range.start).unwrap_or("").trim_end();
    before.ends_with("view")
        && !before[..before.len() - 4]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

impl Ctx {
    fn locate_result<T>(&self, r: Result<T>) -> Result<T> {
        r.map_err(|e| self.locate(e))
    }
}

/// What invoking a lambda produced.
pub(crate) enum Invoked {
    Table(Plan),
    Scalar(Expr),
}

/// Uses from which a tabular `let` is evaluated once and shared. Sharing gives up the filter
/// pushdown each use would get, and computes the union of the columns the uses read.
const SHARE_USES: usize = 2;

/// Whether a tabular `let` is worth evaluating once for all its uses: it computes something (not a
/// bare table) and does not read a sub-query's implicit input.
fn shareable(plan: &Plan) -> bool {
    fn uses_input(p: &Plan) -> bool {
        match p {
            Plan::Input => true,
            Plan::Pipe(input, op) => {
                uses_input(input)
                    || matches!(&**op, crate::ir::Op::Join { right, .. } if uses_input(right))
            }
            Plan::Union { inputs, .. } => inputs.iter().any(uses_input),
            _ => false,
        }
    }
    matches!(plan, Plan::Pipe(..) | Plan::Union { .. }) && !uses_input(plan)
}

/// How many times `name` occurs as a whole word in `text` (an over-count is harmless: it only makes
/// a `let` shared that is used once).
fn uses(text: &str, name: &str) -> usize {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(name)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + name.len()..].chars().next();
            !before.is_some_and(word) && !after.is_some_and(word)
        })
        .count()
}

/// True when `text` names a function whose result differs between calls (`rand`, `new_guid`): a
/// `let` using one is evaluated at each use, as Kusto does.
fn calls_impure(text: &str) -> bool {
    crate::functions::names()
        .filter(|n| crate::functions::lookup(n).is_some_and(|f| !f.pure))
        .any(|n| uses(text, n) > 0)
}

#[cfg(test)]
mod tests {
    use super::{calls_impure, uses};

    #[test]
    fn whole_word_uses() {
        assert_eq!(uses("events | join (events2) on x; events", "events"), 2);
        assert_eq!(uses("my_events | x_events", "events"), 0);
    }

    #[test]
    fn impure_calls_are_seen() {
        assert!(calls_impure("T | extend r = rand()"));
        assert!(calls_impure("T | extend g = new_guid()"));
        assert!(!calls_impure("T | extend brand = 1"));
    }
}
