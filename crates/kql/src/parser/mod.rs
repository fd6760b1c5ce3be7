//! Recursive-descent parser: tokens → [`crate::ast::Query`], with error recovery.
//!
//! Owns the grammar (documented in `GRAMMAR.md`). Split by level: `expr.rs` (scalar expressions and
//! sources), `tabular.rs` (the `|` operators), `recovery.rs` (resynchronising after an error). It does not
//! resolve names; that is `analyze`'s job.
//!
//! Conventions (as in just's parser): `expect_*` records a user error if the token is missing;
//! `eat_*` consumes the token only if present. A failed production returns `Err(Fail)` after recording
//! exactly one [`ParseError`]; the nearest pipeline or statement loop then skips to the next `|`, `;` or
//! closing bracket and carries on, so one typo gives one error and the rest of the query is still checked.
//! Operators the parser knows by name but does not model (`scan`, `fork`, `facet`…) are skipped leniently
//! and listed in [`Parsed::unsupported`].

mod expr;
mod recovery;
mod tabular;

use std::ops::Range;

use crate::ast::{Name, Query};
use crate::lexer::lex;
use crate::token::{Token, TokenKind};

/// A syntax error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where (byte offsets into the query).
    pub range: Range<usize>,
    /// Lowercase phrase.
    pub message: String,
}

/// The parser's output: a tree (always, even with errors), the errors, and the features parsed leniently.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The tree.
    pub query: Query,
    /// Lexical and syntax errors, in order of appearance.
    pub errors: Vec<ParseError>,
    /// Features the parser skipped or did not understand (e.g. `operator scan`).
    pub unsupported: Vec<String>,
}

/// Marker: a production failed and its error has been recorded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fail;

pub(crate) type PResult<T> = Result<T, Fail>;

/// Parses a whole query.
pub fn parse(src: &str) -> Parsed {
    let lexed = lex(src);
    let mut p = Parser {
        src,
        toks: lexed.tokens,
        pos: 0,
        errors: lexed
            .errors
            .into_iter()
            .map(|e| ParseError {
                range: e.range,
                message: e.message,
            })
            .collect(),
        unsupported: Vec::new(),
        depth: 0,
    };
    let statements = p.parse_statements(true);
    Parsed {
        query: Query { statements },
        errors: p.errors,
        unsupported: p.unsupported,
    }
}

pub(crate) struct Parser<'s> {
    pub(crate) src: &'s str,
    pub(crate) toks: Vec<Token>,
    pub(crate) pos: usize,
    pub(crate) errors: Vec<ParseError>,
    pub(crate) unsupported: Vec<String>,
    /// Nesting depth guard against stack overflow on pathological input.
    pub(crate) depth: usize,
}

const MAX_DEPTH: usize = 64;

impl<'s> Parser<'s> {
    // ---- token access -------------------------------------------------------------------------

    pub(crate) fn tok(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    pub(crate) fn nth(&self, n: usize) -> &Token {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }

    pub(crate) fn text_of(&self, t: &Token) -> &'s str {
        &self.src[t.range.clone()]
    }

    pub(crate) fn text(&self) -> &'s str {
        let t = self.tok();
        &self.src[t.range.clone()]
    }

    pub(crate) fn nth_text(&self, n: usize) -> &'s str {
        let t = self.nth(n);
        &self.src[t.range.clone()]
    }

    pub(crate) fn at_eof(&self) -> bool {
        self.tok().kind == TokenKind::Eof
    }

    pub(crate) fn bump(&mut self) -> Token {
        let t = self.tok().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    pub(crate) fn at_punct(&self, p: &str) -> bool {
        let t = self.tok();
        t.kind == TokenKind::Punct && self.text_of(t) == p
    }

    pub(crate) fn nth_is_punct(&self, n: usize, p: &str) -> bool {
        let t = self.nth(n);
        t.kind == TokenKind::Punct && self.text_of(t) == p
    }

    pub(crate) fn at_kw(&self, kw: &str) -> bool {
        let t = self.tok();
        t.kind == TokenKind::Ident && self.text_of(t) == kw
    }

    pub(crate) fn nth_is_kw(&self, n: usize, kw: &str) -> bool {
        let t = self.nth(n);
        t.kind == TokenKind::Ident && self.text_of(t) == kw
    }

    pub(crate) fn eat_punct(&mut self, p: &str) -> bool {
        if self.at_punct(p) {
            self.bump();
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// End offset of the previous token.
    pub(crate) fn prev_end(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].range.end
        }
    }

    /// True when token `n` ahead touches the previous one (no space), for glued forms like `mv-expand`.
    pub(crate) fn nth_glued(&self, n: usize) -> bool {
        !self.nth(n).space_before
    }

    // ---- errors -------------------------------------------------------------------------------

    pub(crate) fn error_at(&mut self, range: Range<usize>, message: impl Into<String>) -> Fail {
        self.errors.push(ParseError {
            range,
            message: message.into(),
        });
        Fail
    }

    /// Records "expected X, found Y" at the current token.
    pub(crate) fn expected(&mut self, what: &str) -> Fail {
        let t = self.tok().clone();
        let found = match t.kind {
            TokenKind::Eof => "end of query".to_string(),
            _ => format!("`{}`", truncate(self.text_of(&t))),
        };
        self.error_at(t.range, format!("expected {what}, found {found}"))
    }

    pub(crate) fn expect_punct(&mut self, p: &str) -> PResult<Token> {
        if self.at_punct(p) {
            Ok(self.bump())
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    pub(crate) fn expect_kw(&mut self, kw: &str) -> PResult<Token> {
        if self.at_kw(kw) {
            Ok(self.bump())
        } else {
            Err(self.expected(&format!("`{kw}`")))
        }
    }

    pub(crate) fn unsupported(&mut self, what: impl Into<String>) {
        let w = what.into();
        if !self.unsupported.contains(&w) {
            self.unsupported.push(w);
        }
    }

    pub(crate) fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let r = self.tok().range.clone();
            return Err(self.error_at(r, "query is nested too deeply"));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    // ---- names --------------------------------------------------------------------------------

    /// An identifier or bracketed identifier, unquoted.
    pub(crate) fn at_name(&self) -> bool {
        matches!(self.tok().kind, TokenKind::Ident | TokenKind::BracketIdent)
    }

    pub(crate) fn expect_name(&mut self, what: &str) -> PResult<Name> {
        if self.at_name() {
            let t = self.bump();
            Ok(self.name_of(&t))
        } else {
            Err(self.expected(what))
        }
    }

    pub(crate) fn name_of(&self, t: &Token) -> Name {
        let text = self.text_of(t);
        let text = if t.kind == TokenKind::BracketIdent {
            unquote_bracket(text)
        } else {
            text.to_string()
        };
        Name {
            text,
            range: t.range.clone(),
        }
    }
}

/// Words Kusto does not accept as a bare name where a name is *referenced* (`where kind == 1` is fine,
/// `where title == 1` is not); write `['title']`. Measured against Kusto.Language.
const RESERVED_REF: &[&str] = &[
    "where",
    "project",
    "union",
    "by",
    "and",
    "or",
    "in",
    "has",
    "contains",
    "between",
    "print",
    "dynamic",
    "string",
    "long",
    "int",
    "real",
    "datetime",
    "timespan",
    "decimal",
    "double",
    "title",
    "set",
    "as",
    "asc",
    "desc",
    "first",
    "last",
    "of",
    "to",
    "search",
    "find",
    "invoke",
    "materialize",
    "sample",
    "startswith",
    "endswith",
    "like",
    "notlike",
    "contains_cs",
    "has_cs",
    "hasprefix",
    "hassuffix",
    "has_any",
    "has_all",
    "isfuzzy",
    "bagexpansion",
    "with_itemindex",
    "flags",
    "toscalar",
    "datatable",
    "externaldata",
];

/// Words Kusto does not accept as a bare name where a name is *declared* (`extend kind = 1`).
const RESERVED_DECL: &[&str] = &[
    "project",
    "union",
    "and",
    "or",
    "between",
    "dynamic",
    "kind",
    "string",
    "long",
    "int",
    "real",
    "datetime",
    "timespan",
    "decimal",
    "double",
    "asc",
    "desc",
    "first",
    "last",
    "startswith",
    "endswith",
    "like",
    "notlike",
    "contains_cs",
    "has_cs",
    "hasprefix",
    "hassuffix",
    "has_any",
    "has_all",
    "isfuzzy",
    "withsource",
    "bagexpansion",
    "with_itemindex",
    "flags",
    "true",
    "false",
];

impl Parser<'_> {
    /// Records an error (without failing) when an unbracketed name is a keyword Kusto reserves there.
    pub(crate) fn check_reserved(&mut self, t: &Token, declared: bool) {
        if t.kind != TokenKind::Ident {
            return;
        }
        let word = self.text_of(t);
        let reserved = if declared {
            RESERVED_DECL
        } else {
            RESERVED_REF
        };
        if reserved.contains(&word) {
            let msg = format!("`{word}` is a keyword here; write `['{word}']` to use it as a name");
            self.errors.push(ParseError {
                range: t.range.clone(),
                message: msg,
            });
        }
    }

    /// Records an error (without failing) when a type name is not a KQL scalar type.
    pub(crate) fn check_type_name(&mut self, t: &Token) {
        let text = self.text_of(t);
        if t.kind == TokenKind::Ident && crate::types::ScalarType::from_name(text).is_none() {
            let msg = format!("unknown type `{text}`");
            self.errors.push(ParseError {
                range: t.range.clone(),
                message: msg,
            });
        }
    }
}

/// `['a b']` → `a b`.
pub(crate) fn unquote_bracket(s: &str) -> String {
    let inner = s.trim_start_matches('[').trim_end_matches(']').trim();
    unquote_string(inner)
}

/// The value of a string literal token as Kusto reads it: quotes removed, `h`/`H` (obfuscated) and `@`
/// (verbatim, quote doubled to escape) prefixes honoured, multi-line ```` ``` ````/`~~~` strings taken as
/// written, and in regular strings the escapes `\\t`, `\\n`, `\\r`, `\\0`, `\\uXXXX`, `\\xHH` resolved (any
/// other escaped character stands for itself, so `\\'`, `\\"` and `\\\\` work). Never panics, also not on an
/// unterminated literal (whose text runs to the end of the token).
pub fn string_literal_value(text: &str) -> String {
    unquote_string(text)
}

pub(crate) fn unquote_string(s: &str) -> String {
    let s = s.strip_prefix(['h', 'H']).unwrap_or(s);
    let (verbatim, s) = match s.strip_prefix('@') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    for fence in ["```", "~~~"] {
        if let Some(rest) = s.strip_prefix(fence) {
            return rest.strip_suffix(fence).unwrap_or(rest).to_string();
        }
    }
    let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') else {
        return s.to_string();
    };
    let body = &s[1..];
    let inner = if !body.is_empty() && body.ends_with(q) && !ends_with_escape(body, verbatim) {
        &body[..body.len() - 1]
    } else {
        body
    };
    if verbatim {
        return inner.replace(&format!("{q}{q}"), &q.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(k @ ('u' | 'x')) => {
                let max = if k == 'u' { 4 } else { 2 };
                let mut hex = String::new();
                while hex.len() < max && chars.peek().is_some_and(char::is_ascii_hexdigit) {
                    hex.extend(chars.next());
                }
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if !hex.is_empty() => out.push(ch),
                    _ => {
                        out.push(k);
                        out.push_str(&hex);
                    }
                }
            }
            Some(o) => out.push(o),
            None => {}
        }
    }
    out
}

/// True when the closing quote at the end of `body` is itself escaped (`'abc\\'` unterminated).
fn ends_with_escape(body: &str, verbatim: bool) -> bool {
    if verbatim {
        return false;
    }
    let without_quote = &body.as_bytes()[..body.len() - 1];
    without_quote
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count()
        % 2
        == 1
}

fn truncate(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::{parse, string_literal_value};
    use crate::ast::{ExprKind, OpKind, ParsePart, SortOrder};

    #[test]
    fn string_values() {
        assert_eq!(string_literal_value(r#""a\tb\n\"c\"""#), "a\tb\n\"c\"");
        assert_eq!(string_literal_value(r"'it\'s'"), "it's");
        assert_eq!(string_literal_value(r"@'C:\x''y'"), r"C:\x'y");
        assert_eq!(string_literal_value(r"h'secret'"), "secret");
        assert_eq!(string_literal_value("```a\nb```"), "a\nb");
        assert_eq!(string_literal_value(r"'\u00e9\\'"), "é\\");
    }

    /// Found by the proptest: an unterminated literal ending inside a multi-byte character.
    #[test]
    fn unterminated_multibyte_string_does_not_panic() {
        assert_eq!(string_literal_value("'aȺ"), "aȺ");
        assert_eq!(string_literal_value("```Ⱥ"), "Ⱥ");
        let p = parse("T | parse x with 'Ⱥ꠷ y");
        assert!(!p.errors.is_empty());
    }

    #[test]
    fn operators_keep_what_evaluation_needs() {
        let q = "T | sort by a asc nulls first, b | parse kind=regex x with 'a' 'b' y:long | count as n";
        let p = parse(q);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let crate::ast::Statement::Expr(e) = &p.query.statements[0] else {
            panic!("not an expression");
        };
        let mut ops = Vec::new();
        let mut cur = e;
        while let ExprKind::Pipe { input, op } = &cur.kind {
            ops.push(op.kind.clone());
            cur = input;
        }
        ops.reverse();
        let OpKind::Sort(keys) = &ops[0] else {
            panic!()
        };
        assert_eq!(keys[0].order, Some(SortOrder::Asc));
        assert_eq!(keys[1].order, None);
        let OpKind::Parse { params, parts, .. } = &ops[1] else {
            panic!()
        };
        assert_eq!(params[0].value, "regex");
        assert_eq!(parts[0], ParsePart::Literal("ab".into()));
        let OpKind::Count(Some(n)) = &ops[2] else {
            panic!()
        };
        assert_eq!(n.text, "n");
    }
}
