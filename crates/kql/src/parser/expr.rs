//! Scalar expressions, sources of pipelines, and lambda parameter lists.
//!
//! Precedence, lowest first: `|` pipe (only in [`Parser::parse_pipe_expr`]), `or`, `and`, comparison and
//! string operators (`==`, `=~`, `has`, `!contains`, `in~`, `between`, `matches regex`…), `+ -`, `* / %`,
//! prefix `- +`, postfix (`.member`, `[index]`, calls), primaries.

use super::{PResult, Parser, unquote_string};
use crate::ast::{
    ColumnDecl, Expr, ExprKind, LitKind, Name, OpKind, Operator, ParamDecl, ParamType,
};
use crate::token::TokenKind;

/// Word operators at comparison level that may be negated with a glued `!`.
const WORD_OPS: &[&str] = &[
    "has",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "contains",
    "contains_cs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
    "matches",
    "in",
    "has_any",
    "has_all",
    "between",
    "like",
    "notlike",
    "notcontains",
    "notcontainscs",
    "nothas",
    "notbetween",
    "notstartswith",
    "notendswith",
    "likecs",
    "notlikecs",
    "containscs",
    "hasprefixcs",
];

impl Parser<'_> {
    /// `expr ( '|' operator )*` — a scalar or tabular expression.
    pub(crate) fn parse_pipe_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.parse_pipe_expr_inner();
        self.leave();
        r
    }

    fn parse_pipe_expr_inner(&mut self) -> PResult<Expr> {
        let first = self.parse_source_or_expr()?;
        Ok(self.parse_pipeline_tail(first))
    }

    /// Applies `| op` repeatedly to `input`, recovering from errors inside operators.
    pub(crate) fn parse_pipeline_tail(&mut self, mut input: Expr) -> Expr {
        while self.at_punct("|") {
            self.bump();
            let start = input.range.start;
            let op = if let Ok(op) = self.parse_operator() {
                op
            } else {
                self.sync();
                let end = self.prev_end().max(start);
                Operator {
                    kind: OpKind::Opaque(String::new()),
                    range: end..end,
                }
            };
            let end = op.range.end;
            input = Expr {
                kind: ExprKind::Pipe {
                    input: Box::new(input),
                    op: Box::new(op),
                },
                range: start..end,
            };
        }
        input
    }

    /// The start of a pipeline: a source keyword (`union`, `datatable`, `print`…) or any expression.
    fn parse_source_or_expr(&mut self) -> PResult<Expr> {
        let t = self.tok().clone();
        if t.kind == TokenKind::Ident {
            let word = self.text_of(&t);
            let next_is_call = self.nth_is_punct(1, "(");
            match word {
                "union" | "print" | "evaluate" | "find" | "search" => {
                    let op = self.parse_operator()?;
                    let r = op.range.clone();
                    return Ok(Expr {
                        kind: ExprKind::Source(Box::new(op)),
                        range: r,
                    });
                }
                "range" if !next_is_call => {
                    let op = self.parse_operator()?;
                    let r = op.range.clone();
                    return Ok(Expr {
                        kind: ExprKind::Source(Box::new(op)),
                        range: r,
                    });
                }
                _ => {}
            }
        }
        self.parse_expr()
    }

    /// A scalar expression (no top-level pipe).
    pub(crate) fn parse_expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let r = self.parse_or();
        self.leave();
        r
    }

    fn parse_or(&mut self) -> PResult<Expr> {
        let mut lhs = self.parse_and()?;
        let mut n = 0;
        while self.at_kw("or") {
            self.chain_limit(&mut n)?;
            self.bump();
            let rhs = self.parse_and()?;
            lhs = binary("or", lhs, rhs);
        }
        Ok(lhs)
    }

    fn parse_and(&mut self) -> PResult<Expr> {
        let mut lhs = self.parse_comparison()?;
        let mut n = 0;
        while self.at_kw("and") {
            self.chain_limit(&mut n)?;
            self.bump();
            let rhs = self.parse_comparison()?;
            lhs = binary("and", lhs, rhs);
        }
        Ok(lhs)
    }

    /// Reads a comparison operator at the cursor without consuming it: `(text, token count)`.
    fn peek_comparison_op(&self) -> Option<(String, usize)> {
        let t = self.tok();
        match t.kind {
            TokenKind::Punct => {
                let p = self.text_of(t);
                match p {
                    // a single `=` compares too (Kusto accepts `where a = b`)
                    "==" | "=" | "!=" | "<>" | "<" | ">" | "<=" | ">=" | "=~" | "!~" => {
                        Some((p.to_string(), 1))
                    }
                    "!" => {
                        let n = self.nth(1);
                        if n.kind == TokenKind::Ident && !n.space_before {
                            let w = self.text_of(n);
                            if WORD_OPS.contains(&w) && w != "matches" {
                                if w == "in" && self.nth_is_punct(2, "~") && self.nth_glued(2) {
                                    return Some(("!in~".into(), 3));
                                }
                                return Some((format!("!{w}"), 2));
                            }
                        }
                        None
                    }
                    _ => None,
                }
            }
            TokenKind::Ident => {
                let w = self.text_of(t);
                if !WORD_OPS.contains(&w) {
                    return None;
                }
                if w == "in" && self.nth_is_punct(1, "~") && self.nth_glued(1) {
                    return Some(("in~".into(), 2));
                }
                if w == "matches" {
                    return if self.nth_is_kw(1, "regex") {
                        Some(("matches regex".into(), 2))
                    } else {
                        None
                    };
                }
                Some((w.to_string(), 1))
            }
            _ => None,
        }
    }

    fn parse_comparison(&mut self) -> PResult<Expr> {
        let mut lhs = self.parse_additive()?;
        let mut count = 0;
        while let Some((op, n)) = self.peek_comparison_op() {
            self.chain_limit(&mut count)?;
            for _ in 0..n {
                self.bump();
            }
            let bare = op.trim_start_matches('!');
            if matches!(bare, "in" | "in~" | "has_any" | "has_all") {
                let list = self.parse_in_list()?;
                let start = lhs.range.start;
                let end = self.prev_end();
                lhs = Expr {
                    kind: ExprKind::In {
                        op,
                        lhs: Box::new(lhs),
                        list,
                    },
                    range: start..end,
                };
            } else if matches!(bare, "between" | "notbetween") {
                self.expect_punct("(")?;
                let lo = self.parse_additive()?;
                self.expect_punct("..")?;
                let hi = self.parse_additive()?;
                self.expect_punct(")")?;
                let start = lhs.range.start;
                let end = self.prev_end();
                let negated = op.starts_with('!') || op == "notbetween";
                lhs = Expr {
                    kind: ExprKind::Between {
                        negated,
                        lhs: Box::new(lhs),
                        lo: Box::new(lo),
                        hi: Box::new(hi),
                    },
                    range: start..end,
                };
            } else {
                let rhs = self.parse_additive()?;
                lhs = binary(&op, lhs, rhs);
            }
        }
        Ok(lhs)
    }

    /// `( e, e, … )` after `in` / `has_any`; an element may be a tabular expression. Also accepts a bare
    /// name (`x in (list)` is usual, but `x in list_var` is not valid KQL, so we require the parenthesis).
    fn parse_in_list(&mut self) -> PResult<Vec<Expr>> {
        self.expect_punct("(")?;
        let mut list = Vec::new();
        if self.at_punct(")") {
            self.bump();
            return Ok(list);
        }
        loop {
            list.push(self.parse_pipe_expr()?);
            if self.eat_punct(",") {
                continue;
            }
            self.expect_punct(")")?;
            return Ok(list);
        }
    }

    pub(crate) fn parse_additive(&mut self) -> PResult<Expr> {
        let mut lhs = self.parse_multiplicative()?;
        let mut n = 0;
        loop {
            self.chain_limit(&mut n)?;
            let op = if self.at_punct("+") {
                "+"
            } else if self.at_punct("-") {
                "-"
            } else {
                break;
            };
            self.bump();
            let rhs = self.parse_multiplicative()?;
            lhs = binary(op, lhs, rhs);
        }
        Ok(lhs)
    }

    fn parse_multiplicative(&mut self) -> PResult<Expr> {
        let mut lhs = self.parse_unary()?;
        let mut n = 0;
        loop {
            self.chain_limit(&mut n)?;
            let op = if self.at_punct("*") {
                "*"
            } else if self.at_punct("/") {
                "/"
            } else if self.at_punct("%") {
                "%"
            } else {
                break;
            };
            self.bump();
            let rhs = self.parse_unary()?;
            lhs = binary(op, lhs, rhs);
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> PResult<Expr> {
        if self.at_punct("-") || self.at_punct("+") {
            let t = self.bump();
            let op = self.text_of(&t).to_string();
            self.enter()?;
            let operand = self.parse_unary();
            self.leave();
            let operand = operand?;
            let range = t.range.start..operand.range.end;
            return Ok(Expr {
                kind: ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                },
                range,
            });
        }
        self.parse_postfix()
    }

    fn parse_postfix(&mut self) -> PResult<Expr> {
        let mut e = self.parse_primary()?;
        loop {
            if self.at_punct(".") && self.nth_is_punct(1, "[") {
                // `d.[0]` is accepted as `d[0]`
                self.bump();
                continue;
            }
            if self.at_punct(".") && !self.nth_is_punct(1, ".") {
                self.bump();
                let t = self.tok().clone();
                self.check_reserved(&t, false);
                let name = match t.kind {
                    TokenKind::Ident | TokenKind::BracketIdent => {
                        self.bump();
                        self.name_of(&t)
                    }
                    TokenKind::String => {
                        self.bump();
                        Name {
                            text: unquote_string(self.text_of(&t)),
                            range: t.range.clone(),
                        }
                    }
                    TokenKind::Int => {
                        self.bump();
                        Name {
                            text: self.text_of(&t).to_string(),
                            range: t.range.clone(),
                        }
                    }
                    _ => return Err(self.expected("a member name after `.`")),
                };
                let range = e.range.start..name.range.end;
                e = Expr {
                    kind: ExprKind::Member {
                        target: Box::new(e),
                        name,
                    },
                    range,
                };
            } else if self.at_punct("[") || self.tok().kind == TokenKind::BracketIdent {
                if self.tok().kind == TokenKind::BracketIdent {
                    // d['key'] lexed as one bracketed identifier
                    let t = self.bump();
                    let name = self.name_of(&t);
                    let range = e.range.start..t.range.end;
                    let index = Expr {
                        kind: ExprKind::Literal(LitKind::String),
                        range: t.range.clone(),
                    };
                    let _ = name;
                    e = Expr {
                        kind: ExprKind::Index {
                            target: Box::new(e),
                            index: Box::new(index),
                        },
                        range,
                    };
                    continue;
                }
                self.bump();
                let index = self.parse_expr()?;
                self.expect_punct("]")?;
                let range = e.range.start..self.prev_end();
                e = Expr {
                    kind: ExprKind::Index {
                        target: Box::new(e),
                        index: Box::new(index),
                    },
                    range,
                };
            } else {
                break;
            }
        }
        Ok(e)
    }

    fn parse_primary(&mut self) -> PResult<Expr> {
        let t = self.tok().clone();
        let lit = |k| {
            Ok(Expr {
                kind: ExprKind::Literal(k),
                range: t.range.clone(),
            })
        };
        match t.kind {
            TokenKind::Int => {
                self.bump();
                lit(LitKind::Long)
            }
            TokenKind::Real => {
                self.bump();
                lit(LitKind::Real)
            }
            TokenKind::TimeSpan => {
                self.bump();
                lit(LitKind::TimeSpan)
            }
            TokenKind::String => {
                self.bump();
                // adjacent string literals concatenate
                while self.tok().kind == TokenKind::String {
                    self.bump();
                }
                Ok(Expr {
                    kind: ExprKind::Literal(LitKind::String),
                    range: t.range.start..self.prev_end(),
                })
            }
            TokenKind::TypedLiteral => {
                self.bump();
                let text = self.text_of(&t);
                let ty = text.split('(').next().unwrap_or("").trim();
                let k = match ty {
                    "datetime" | "date" => LitKind::DateTime,
                    "time" | "timespan" => LitKind::TimeSpan,
                    "guid" => LitKind::Guid,
                    "int" => LitKind::Int,
                    "long" => LitKind::Long,
                    "real" | "double" => LitKind::Real,
                    "decimal" => LitKind::Decimal,
                    _ => LitKind::Bool,
                };
                lit(k)
            }
            TokenKind::BracketIdent => {
                self.bump();
                let n = self.name_of(&t);
                Ok(Expr {
                    kind: ExprKind::Name(n.text),
                    range: t.range,
                })
            }
            TokenKind::Ident => self.parse_ident_primary(),
            TokenKind::Punct => match self.text_of(&t) {
                "(" => {
                    self.bump();
                    let inner = self.parse_pipe_expr()?;
                    // `(a, b)` is not an expression (lists exist only after `in`, in calls, `(a, b) = …`)
                    self.expect_punct(")")?;
                    Ok(Expr {
                        kind: ExprKind::Paren(Box::new(inner)),
                        range: t.range.start..self.prev_end(),
                    })
                }
                "*" => {
                    self.bump();
                    Ok(Expr {
                        kind: ExprKind::Star,
                        range: t.range,
                    })
                }
                _ => Err(self.expected("an expression")),
            },
            _ => Err(self.expected("an expression")),
        }
    }

    fn parse_ident_primary(&mut self) -> PResult<Expr> {
        let t = self.tok().clone();
        let word = self.text_of(&t);
        let call = self.nth_is_punct(1, "(");
        match word {
            "true" | "false" | "True" | "False" | "TRUE" | "FALSE" => {
                self.bump();
                return Ok(Expr {
                    kind: ExprKind::Literal(LitKind::Bool),
                    range: t.range,
                });
            }
            "dynamic" if call => {
                self.bump();
                self.bump();
                self.parse_json_value()?;
                self.expect_punct(")")?;
                return Ok(Expr {
                    kind: ExprKind::Literal(LitKind::Dynamic),
                    range: t.range.start..self.prev_end(),
                });
            }
            "typeof" if call => {
                self.bump();
                self.bump();
                let ty = self.parse_type_text()?;
                self.expect_punct(")")?;
                return Ok(Expr {
                    kind: ExprKind::TypeOf(ty),
                    range: t.range.start..self.prev_end(),
                });
            }
            "datatable" if call || self.nth_is_punct(1, "[") => return self.parse_datatable(),
            "externaldata" if call || self.nth_is_punct(1, "[") => {
                return self.parse_externaldata();
            }
            _ => {}
        }
        self.bump();
        let name = self.name_of(&t);
        if !self.at_punct("(") {
            self.check_reserved(&t, false);
        }
        if self.at_punct("(") {
            let args = self.parse_call_args()?;
            let range = t.range.start..self.prev_end();
            return Ok(Expr {
                kind: ExprKind::Call { name, args },
                range,
            });
        }
        Ok(Expr {
            kind: ExprKind::Name(name.text),
            range: t.range,
        })
    }

    /// `( [arg (, arg)*] )` where `arg` is `name = expr` or a (possibly tabular) expression.
    pub(crate) fn parse_call_args(&mut self) -> PResult<Vec<Expr>> {
        self.expect_punct("(")?;
        let mut args = Vec::new();
        if self.eat_punct(")") {
            return Ok(args);
        }
        loop {
            if self.at_name() && self.nth_is_punct(1, "=") {
                let nt = self.bump();
                let name = self.name_of(&nt);
                self.bump();
                let value = self.parse_pipe_expr()?;
                let range = name.range.start..value.range.end;
                args.push(Expr {
                    kind: ExprKind::NamedArg {
                        name,
                        value: Box::new(value),
                    },
                    range,
                });
            } else {
                args.push(self.parse_pipe_expr()?);
            }
            if self.eat_punct(",") {
                continue;
            }
            self.expect_punct(")")?;
            return Ok(args);
        }
    }

    /// The JSON-like value inside `dynamic(…)`: `null`, booleans, numbers, strings, timespans, typed
    /// literals, arrays, and property bags with string keys.
    fn parse_json_value(&mut self) -> PResult<()> {
        self.enter()?;
        let r = self.parse_json_value_inner();
        self.leave();
        r
    }

    fn parse_json_value_inner(&mut self) -> PResult<()> {
        let t = self.tok().clone();
        match t.kind {
            // `["x"]` lexes as one bracketed-identifier token: an array of one string here
            TokenKind::String
            | TokenKind::Int
            | TokenKind::Real
            | TokenKind::TimeSpan
            | TokenKind::TypedLiteral
            | TokenKind::BracketIdent => {
                self.bump();
                // adjacent string literals concatenate, in dynamic literals too
                while t.kind == TokenKind::String && self.tok().kind == TokenKind::String {
                    self.bump();
                }
                Ok(())
            }
            TokenKind::Ident if matches!(self.text_of(&t), "null" | "true" | "false") => {
                self.bump();
                Ok(())
            }
            // a nested `dynamic(…)` (the dynamic-to-json-function page writes `dynamic({'Y10': dynamic({})})`)
            TokenKind::Ident if self.text_of(&t) == "dynamic" && self.nth_is_punct(1, "(") => {
                self.bump();
                self.bump();
                self.parse_json_value()?;
                self.expect_punct(")")?;
                Ok(())
            }
            TokenKind::Punct
                if self.text_of(&t) == "-"
                    && matches!(self.nth(1).kind, TokenKind::Int | TokenKind::Real) =>
            {
                self.bump();
                self.bump();
                Ok(())
            }
            TokenKind::Punct if self.text_of(&t) == "[" => {
                self.bump();
                if self.eat_punct("]") {
                    return Ok(());
                }
                loop {
                    self.parse_json_value()?;
                    if self.eat_punct(",") {
                        continue;
                    }
                    self.expect_punct("]")?;
                    return Ok(());
                }
            }
            TokenKind::Punct if self.text_of(&t) == "{" => {
                self.bump();
                if self.eat_punct("}") {
                    return Ok(());
                }
                loop {
                    if self.tok().kind != TokenKind::String {
                        return Err(self.expected("a quoted property name"));
                    }
                    self.bump();
                    self.expect_punct(":")?;
                    self.parse_json_value()?;
                    if self.eat_punct(",") {
                        continue;
                    }
                    self.expect_punct("}")?;
                    return Ok(());
                }
            }
            _ => Err(self.expected("a JSON value (null, a number, a string, `[…]` or `{…}`)")),
        }
    }

    /// Skips a balanced `( … )`, `[ … ]` or `{ … }` group starting at the cursor.
    pub(crate) fn skip_balanced(&mut self) -> PResult<()> {
        let open = self.tok().clone();
        let close = match self.text_of(&open) {
            "(" => ")",
            "[" => "]",
            "{" => "}",
            _ => return Err(self.expected("`(`")),
        };
        let _ = close;
        let mut stack: Vec<&str> = Vec::new();
        loop {
            let t = self.tok().clone();
            if t.kind == TokenKind::Eof {
                return Err(self.error_at(open.range, "unclosed bracket"));
            }
            self.bump();
            if t.kind != TokenKind::Punct {
                continue;
            }
            match self.text_of(&t) {
                "(" => stack.push(")"),
                "[" => stack.push("]"),
                "{" => stack.push("}"),
                c @ (")" | "]" | "}") => {
                    if stack.pop() != Some(c) {
                        return Err(self.error_at(t.range, format!("unexpected `{c}`")));
                    }
                    if stack.is_empty() {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// A type name: `string`, `dynamic`, `(*)`, `(a:string, …)`. Returns its text.
    pub(crate) fn parse_type_text(&mut self) -> PResult<String> {
        if self.at_punct("(") {
            let start = self.tok().range.start;
            self.skip_balanced()?;
            return Ok(self.src[start..self.prev_end()].to_string());
        }
        if self.tok().kind == TokenKind::Ident || self.tok().kind == TokenKind::TypedLiteral {
            let t = self.bump();
            self.check_type_name(&t);
            return Ok(self.text_of(&t).to_string());
        }
        Err(self.expected("a type name"))
    }

    /// `( name:type, … )`.
    pub(crate) fn parse_column_decls(&mut self) -> PResult<Vec<ColumnDecl>> {
        self.expect_punct("(")?;
        let mut cols = Vec::new();
        if self.eat_punct(")") {
            return Ok(cols);
        }
        loop {
            let t = self.tok().clone();
            let name = self.expect_name("a column name")?;
            self.check_reserved(&t, true);
            self.expect_punct(":")?;
            let ty = self.parse_type_text()?;
            cols.push(ColumnDecl { name, ty });
            if self.eat_punct(",") {
                continue;
            }
            self.expect_punct(")")?;
            return Ok(cols);
        }
    }

    /// `datatable (cols) [ values ]`.
    fn parse_datatable(&mut self) -> PResult<Expr> {
        let start = self.bump().range.start;
        let columns = if self.at_punct("(") {
            self.parse_column_decls()?
        } else {
            Vec::new()
        };
        let mut values = Vec::new();
        if self.tok().kind == TokenKind::BracketIdent {
            // `["a"]` lexes as one token: a single string value
            let t = self.bump();
            values.push(Expr {
                kind: ExprKind::Literal(LitKind::String),
                range: t.range,
            });
            return Ok(Expr {
                kind: ExprKind::Datatable { columns, values },
                range: start..self.prev_end(),
            });
        }
        self.expect_punct("[")?;
        if !self.eat_punct("]") {
            loop {
                values.push(self.parse_expr()?);
                if self.eat_punct(",") {
                    if self.eat_punct("]") {
                        break;
                    }
                    continue;
                }
                self.expect_punct("]")?;
                break;
            }
        }
        if !columns.is_empty() && values.len() % columns.len() != 0 {
            let range = start..self.prev_end();
            let msg = format!(
                "`datatable` has {} values for {} columns; the values fill whole rows",
                values.len(),
                columns.len()
            );
            self.errors.push(super::ParseError {
                range,
                message: msg,
            });
        }
        Ok(Expr {
            kind: ExprKind::Datatable { columns, values },
            range: start..self.prev_end(),
        })
    }

    /// `externaldata (cols) [ urls ] [with (props)]`.
    fn parse_externaldata(&mut self) -> PResult<Expr> {
        let start = self.bump().range.start;
        let columns = self.parse_column_decls()?;
        if self.at_punct("[") {
            self.skip_balanced()?;
        } else if self.tok().kind == TokenKind::BracketIdent {
            self.bump();
        } else {
            return Err(self.expected("`[` and the storage URLs"));
        }
        if self.at_kw("with") && self.nth_is_punct(1, "(") {
            self.bump();
            self.skip_balanced()?;
        }
        Ok(Expr {
            kind: ExprKind::Externaldata { columns },
            range: start..self.prev_end(),
        })
    }

    /// `( [name:type [= default] (, …)*] )` of a `let` lambda.
    pub(crate) fn parse_lambda_params(&mut self) -> PResult<Vec<ParamDecl>> {
        self.expect_punct("(")?;
        let mut params = Vec::new();
        if self.eat_punct(")") {
            return Ok(params);
        }
        loop {
            let t = self.tok().clone();
            let name = self.expect_name("a parameter name")?;
            self.check_reserved(&t, true);
            self.expect_punct(":")?;
            let ty = if self.at_punct("(") {
                if self.nth_is_punct(1, "*") && self.nth_is_punct(2, ")") {
                    self.bump();
                    self.bump();
                    self.bump();
                    ParamType::Tabular(None)
                } else {
                    ParamType::Tabular(Some(self.parse_column_decls()?))
                }
            } else {
                ParamType::Scalar(self.parse_type_text()?)
            };
            let default = if self.eat_punct("=") {
                Some(self.parse_expr()?)
            } else {
                None
            };
            params.push(ParamDecl { name, ty, default });
            if self.eat_punct(",") {
                continue;
            }
            self.expect_punct(")")?;
            return Ok(params);
        }
    }

    /// `( subquery )` whose first operator has no input: `where …`, or a full pipeline.
    pub(crate) fn parse_implicit_subquery(&mut self) -> PResult<Expr> {
        let open = self.expect_punct("(")?;
        let start = open.range.end;
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
            self.parse_source_or_expr()?
        };
        let e = self.parse_pipeline_tail(first);
        self.expect_punct(")")?;
        Ok(e)
    }
}

/// Longest chain of one binary operator (`a + b + …`): the tree is left-deep, and analysing it recurses.
const MAX_CHAIN: usize = 1000;

impl Parser<'_> {
    fn chain_limit(&mut self, n: &mut usize) -> PResult<()> {
        *n += 1;
        if *n > MAX_CHAIN {
            let r = self.tok().range.clone();
            return Err(self.error_at(
                r,
                format!("expression has more than {MAX_CHAIN} operators in a row; split it"),
            ));
        }
        Ok(())
    }
}

pub(crate) fn binary(op: &str, lhs: Expr, rhs: Expr) -> Expr {
    let range = lhs.range.start..rhs.range.end;
    Expr {
        kind: ExprKind::Binary {
            op: op.to_string(),
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        range,
    }
}
