//! Statement loop and resynchronisation after syntax errors.
//!
//! After a production fails (its error already recorded), [`Parser::sync`] skips tokens, jumping over
//! balanced brackets, until a `|`, `;`, an unmatched closing bracket or the end, so that parsing resumes at
//! the next operator or statement. Unmatched closing brackets at top level are reported once and skipped.

use super::{PResult, Parser};
use crate::ast::{Expr, ExprKind, LetValue, Statement};
use crate::token::TokenKind;

impl Parser<'_> {
    /// Skips to the next `|`, `;`, unmatched closer or end of input.
    pub(crate) fn sync(&mut self) {
        let mut depth = 0usize;
        loop {
            let t = self.tok();
            if t.kind == TokenKind::Eof {
                return;
            }
            if t.kind == TokenKind::Punct {
                match self.text_of(t) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            return;
                        }
                        depth -= 1;
                    }
                    "|" | ";" if depth == 0 => return,
                    _ => {}
                }
            }
            self.bump();
        }
    }

    /// Skips to the next `;` (outside brackets), `}` closing a body, or the end of input: used when a
    /// statement is followed by something that cannot continue it, so its tail is not misread.
    pub(crate) fn sync_statement(&mut self) {
        let mut depth = 0usize;
        loop {
            let t = self.tok();
            if t.kind == TokenKind::Eof {
                return;
            }
            if t.kind == TokenKind::Punct {
                match self.text_of(t) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        if depth == 0 {
                            return;
                        }
                        depth -= 1;
                    }
                    ";" if depth == 0 => return,
                    _ => {}
                }
            }
            self.bump();
        }
    }

    /// Parses statements until end of input (`top`) or a closing `}` (lambda bodies).
    pub(crate) fn parse_statements(&mut self, top: bool) -> Vec<Statement> {
        let mut out = Vec::new();
        loop {
            if self.at_punct(";") {
                let t = self.bump();
                self.error_at(t.range, "empty statement: remove the extra `;`");
                continue;
            }
            if self.at_eof() {
                break;
            }
            if !top && self.at_punct("}") {
                break;
            }
            if top && (self.at_punct(")") || self.at_punct("]") || self.at_punct("}")) {
                let t = self.bump();
                let text = self.text_of(&t).to_string();
                self.error_at(t.range, format!("unexpected `{text}`"));
                continue;
            }
            let before = self.pos;
            match self.parse_statement() {
                Ok(s) => out.push(s),
                Err(_) => self.sync(),
            }
            // after a statement: `;`, end, or (in a body) `}`
            if !(self.at_punct(";") || self.at_eof() || (!top && self.at_punct("}"))) {
                if self.at_punct("|")
                    || self.at_punct(")")
                    || self.at_punct("]")
                    || self.at_punct("}")
                {
                    if self
                        .errors
                        .last()
                        .is_none_or(|e| e.range.start < self.tok().range.start)
                    {
                        let _ = self.expected("`;` or end of query");
                    }
                    if top {
                        // skip one token so the loop makes progress
                        self.bump();
                    } else {
                        self.sync();
                    }
                } else {
                    let _ = self.expected("`|`, `;` or end of query");
                    self.sync_statement();
                }
            }
            if self.pos == before {
                self.bump();
            }
            self.eat_punct(";");
        }
        out
    }

    fn parse_statement(&mut self) -> PResult<Statement> {
        if self.at_kw("let") && self.nth(1).kind != TokenKind::Punct {
            self.bump();
            let t = self.tok().clone();
            let name = self.expect_name("a name after `let`")?;
            self.check_reserved(&t, true);
            self.expect_punct("=")?;
            // keep the binding even when its value is broken, so later uses do not cascade
            let value = if let Ok(v) = self.parse_let_value() {
                v
            } else {
                self.sync_statement();
                LetValue::Expr(self.error_expr())
            };
            return Ok(Statement::Let { name, value });
        }
        if self.at_kw("declare") && self.nth_is_kw(1, "query_parameters") {
            self.bump();
            self.bump();
            let params = self.parse_lambda_params()?;
            return Ok(Statement::QueryParameters(params));
        }
        for kw in ["set", "declare", "alias", "restrict", "pattern"] {
            if self.at_kw(kw) && matches!(self.nth(1).kind, TokenKind::Ident) {
                let start = self.tok().range.start;
                self.bump();
                self.sync();
                self.unsupported(format!("statement `{kw}`"));
                return Ok(Statement::Opaque {
                    keyword: kw.to_string(),
                    range: start..self.prev_end(),
                });
            }
        }
        let e = self.parse_pipe_expr()?;
        Ok(Statement::Expr(e))
    }

    fn parse_let_value(&mut self) -> PResult<LetValue> {
        // view () { … }
        if self.at_kw("view") && self.nth_is_punct(1, "(") {
            self.bump();
        }
        if self.at_punct("(") && self.looks_like_lambda() {
            let start = self.tok().range.start;
            let params = self.parse_lambda_params()?;
            self.expect_punct("{")?;
            let body = self.parse_statements(false);
            self.expect_punct("}")?;
            return Ok(LetValue::Function {
                params,
                body,
                range: start..self.prev_end(),
            });
        }
        let e = self.parse_pipe_expr()?;
        Ok(LetValue::Expr(e))
    }

    /// `(` `)` `{`  or  `(` name `:`
    fn looks_like_lambda(&self) -> bool {
        (self.nth_is_punct(1, ")") && self.nth_is_punct(2, "{"))
            || (matches!(self.nth(1).kind, TokenKind::Ident | TokenKind::BracketIdent)
                && self.nth_is_punct(2, ":"))
    }

    /// A placeholder expression used after errors.
    pub(crate) fn error_expr(&self) -> Expr {
        let s = self.tok().range.start;
        Expr {
            kind: ExprKind::Error,
            range: s..s,
        }
    }
}
