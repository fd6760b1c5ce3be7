//! Tokens produced by the [`crate::lexer`].
//!
//! A token is a kind plus a byte range into the query; its text is `&query[range]`. Comments and whitespace
//! are not tokens, but [`Token::space_before`] records whether anything separated a token from the previous
//! one, which the parser needs for glued operators (`mv-expand`, `!contains`, `in~`).

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Identifier or keyword (`where`, `TimeGenerated`, `$left`). Keywords are contextual in KQL.
    Ident,
    /// Bracketed identifier `['name']` / `["name"]`.
    BracketIdent,
    /// Integer literal (`42`, `0x1F`).
    Int,
    /// Real literal (`1.5`, `1e3`).
    Real,
    /// Timespan literal (`5m`, `1.5d`, `100ms`).
    TimeSpan,
    /// String literal in any form (`"a"`, `'a'`, `@"a"`, `h"a"`, ```` ```a``` ````).
    String,
    /// `datetime(…)`, `timespan(…)`, `guid(…)`, `int(…)`, `long(…)`, `real(…)`, `bool(…)`… literal; the
    /// token covers the type name through the closing parenthesis.
    TypedLiteral,
    /// Punctuation or operator (`|`, `==`, `=~`, `!=`, `..`, `(`…).
    Punct,
    /// A character the lexer does not understand (reported as a syntax error).
    Unknown,
    /// End of input (empty range at the end).
    Eof,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Its kind.
    pub kind: TokenKind,
    /// Byte range in the query.
    pub range: Range<usize>,
    /// True when whitespace or a comment precedes this token.
    pub space_before: bool,
}

impl Token {
    /// The token's text in `src`.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.range.clone()]
    }
}
