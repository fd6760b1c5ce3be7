//! The KQL lexer: `&str` → `Vec<Token>`.
//!
//! Skips whitespace and `//` comments; recognises identifiers (including `$left`/`$right`), bracketed
//! identifiers, numbers, timespans, every string form (regular with escapes, verbatim `@"…"`, obfuscated
//! `h"…"`, multi-line ```` ``` ```` / `~~~`), typed literals such as `datetime(2024-01-01)`, and
//! punctuation (longest match). It never fails: problems become [`LexError`]s and lexing goes on. Ranges
//! are byte offsets on char boundaries; the last token is always [`TokenKind::Eof`].

use std::ops::Range;

use crate::token::{Token, TokenKind};

/// A problem found while lexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Where.
    pub range: Range<usize>,
    /// Lowercase phrase.
    pub message: String,
}

/// Output of [`lex`].
#[derive(Debug, Clone)]
pub struct Lexed {
    /// Tokens, ending with `Eof`.
    pub tokens: Vec<Token>,
    /// Lexical errors (unterminated strings, stray characters).
    pub errors: Vec<LexError>,
}

const PUNCTS: &[&str] = &[
    "!~", "!=", "<>", "<=", ">=", "==", "=~", "=>", "..", "<|", "|", "(", ")", "[", "]", "{", "}",
    ",", ";", ":", ".", "=", "<", ">", "+", "-", "*", "/", "%", "!", "~", "?", "@", "#",
];

/// Names that form a typed literal when followed by `(`.
const TYPED_LITERALS: &[&str] = &[
    "datetime", "date", "time", "timespan", "guid", "int", "long", "real", "double", "decimal",
    "bool", "boolean",
];

/// Timespan suffixes accepted after a number.
const TIMESPAN_UNITS: &[&str] = &[
    "d",
    "day",
    "days",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "m",
    "min",
    "minute",
    "minutes",
    "s",
    "sec",
    "second",
    "seconds",
    "ms",
    "milli",
    "millis",
    "millisecond",
    "milliseconds",
    "microsecond",
    "microseconds",
    "tick",
    "ticks",
];

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Lexes `src`. Never panics.
#[allow(clippy::many_single_char_names)] // b, c, i, j, k: bytes and cursors
pub fn lex(src: &str) -> Lexed {
    let b = src.as_bytes();
    let mut tokens = Vec::with_capacity(src.len() / 4);
    let mut errors = Vec::new();
    let mut i = 0;
    let mut space = false;
    while i < b.len() {
        let c = b[i];
        // whitespace
        if c.is_ascii_whitespace() {
            i += 1;
            space = true;
            continue;
        }
        if c >= 0x80 {
            // non-ASCII: whitespace such as NBSP is treated as space; anything else is unknown
            let ch = src[i..].chars().next().unwrap_or(' ');
            let len = ch.len_utf8();
            if ch.is_whitespace() || ch == '\u{feff}' {
                i += len;
                space = true;
                continue;
            }
            errors.push(LexError {
                range: i..i + len,
                message: format!("unexpected character `{ch}`"),
            });
            tokens.push(Token {
                kind: TokenKind::Unknown,
                range: i..i + len,
                space_before: space,
            });
            space = false;
            i += len;
            continue;
        }
        // comment
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            space = true;
            continue;
        }
        let start = i;
        let kind;
        if is_ident_start(c) || (c == b'$' && b.get(i + 1).is_some_and(|&d| is_ident_start(d))) {
            // string prefixes h"…", H'…', h@"…"
            if (c == b'h' || c == b'H')
                && let Some(&q) = b.get(i + 1)
                && (q == b'"'
                    || q == b'\''
                    || (q == b'@' && matches!(b.get(i + 2), Some(b'"' | b'\''))))
            {
                i = lex_string(src, i + 1, &mut errors);
                tokens.push(Token {
                    kind: TokenKind::String,
                    range: start..i,
                    space_before: space,
                });
                space = false;
                continue;
            }
            i += 1;
            while i < b.len() && is_ident_char(b[i]) {
                i += 1;
            }
            let word = &src[start..i];
            if TYPED_LITERALS.contains(&word) {
                let mut j = i;
                while j < b.len() && (b[j] == b' ' || b[j] == b'\t') {
                    j += 1;
                }
                if b.get(j) == Some(&b'(') {
                    // raw content up to the closing paren (no nesting in typed literals)
                    let mut k = j + 1;
                    while k < b.len()
                        && b[k] != b')'
                        && b[k] != b'('
                        && b[k] != b'\n'
                        && b[k] != b'|'
                    {
                        k += 1;
                    }
                    if b.get(k) == Some(&b')') {
                        i = k + 1;
                        tokens.push(Token {
                            kind: TokenKind::TypedLiteral,
                            range: start..i,
                            space_before: space,
                        });
                        space = false;
                        continue;
                    }
                }
            }
            kind = TokenKind::Ident;
        } else if c.is_ascii_digit()
            || (c == b'.'
                && b.get(i + 1).is_some_and(u8::is_ascii_digit)
                && !prev_is_dot(&tokens, src))
        {
            let (end, k) = lex_number(src, i);
            i = end;
            kind = k;
        } else if c == b'"'
            || c == b'\''
            || (c == b'@' && matches!(b.get(i + 1), Some(b'"' | b'\'')))
        {
            i = lex_string(src, i, &mut errors);
            kind = TokenKind::String;
        } else if (c == b'`' || c == b'~')
            && b[i..].starts_with(if c == b'`' { b"```" } else { b"~~~" })
        {
            let fence: &[u8] = if c == b'`' { b"```" } else { b"~~~" };
            let mut j = i + 3;
            loop {
                if j + 3 > b.len() {
                    errors.push(LexError {
                        range: start..start + 3,
                        message: "unterminated multi-line string".into(),
                    });
                    j = b.len();
                    break;
                }
                if &b[j..j + 3] == fence {
                    j += 3;
                    break;
                }
                j += 1;
            }
            i = j;
            kind = TokenKind::String;
        } else if c == b'[' && matches!(b.get(i + 1), Some(b'"' | b'\'' | b'@')) {
            // `['name']`: a bracketed identifier, or an index `d['x']`; the parser decides by context
            let end = lex_string(src, i + 1, &mut errors);
            let mut j = end;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if b.get(j) == Some(&b']') {
                i = j + 1;
                kind = TokenKind::BracketIdent;
            } else {
                // not a bracketed identifier after all: emit `[` and let the string follow
                i += 1;
                kind = TokenKind::Punct;
            }
        } else {
            let rest = &b[i..];
            if let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(p.as_bytes())) {
                i += p.len();
                kind = TokenKind::Punct;
            } else {
                i += 1;
                errors.push(LexError {
                    range: start..i,
                    message: format!("unexpected character `{}`", c as char),
                });
                kind = TokenKind::Unknown;
            }
        }
        tokens.push(Token {
            kind,
            range: start..i,
            space_before: space,
        });
        space = false;
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        range: b.len()..b.len(),
        space_before: space,
    });
    Lexed { tokens, errors }
}

fn prev_is_dot(tokens: &[Token], src: &str) -> bool {
    tokens
        .last()
        .is_some_and(|t| t.kind == TokenKind::Punct && &src[t.range.clone()] == ".")
}

fn lex_number(src: &str, start: usize) -> (usize, TokenKind) {
    let b = src.as_bytes();
    let mut i = start;
    if b[i] == b'0'
        && matches!(b.get(i + 1), Some(b'x' | b'X'))
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        return (i, TokenKind::Int);
    }
    let mut real = false;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i < b.len() && b[i] == b'.' && b.get(i + 1) != Some(&b'.') {
        // `1.` , `1.5`; but not `1..2`
        real = true;
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
            real = true;
        }
    }
    // suffix: timespan unit, or garbage glued to the number (reported by the parser as an ident)
    if i < b.len() && is_ident_start(b[i]) {
        let mut j = i;
        while j < b.len() && is_ident_char(b[j]) {
            j += 1;
        }
        let unit = &src[i..j];
        if TIMESPAN_UNITS.contains(&unit.to_ascii_lowercase().as_str()) {
            return (j, TokenKind::TimeSpan);
        }
    }
    (
        i,
        if real {
            TokenKind::Real
        } else {
            TokenKind::Int
        },
    )
}

/// Lexes a string starting at `start` (which is at `@`, `"` or `'`); returns the end offset.
fn lex_string(src: &str, start: usize, errors: &mut Vec<LexError>) -> usize {
    let b = src.as_bytes();
    let mut i = start;
    let verbatim = b[i] == b'@';
    if verbatim {
        i += 1;
    }
    let Some(&q) = b.get(i) else {
        return i;
    };
    i += 1;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            break;
        }
        if !verbatim && c == b'\\' {
            i += 2;
            continue;
        }
        if c == q {
            if verbatim && b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    let end = i.min(b.len());
    // back off to a char boundary
    let mut end = end;
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    errors.push(LexError {
        range: start..end,
        message: "unterminated string literal".into(),
    });
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src)
            .tokens
            .iter()
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    macro_rules! test {
        ($name:ident, $src:expr, [$(($k:ident, $t:expr)),* $(,)?]) => {
            #[test]
            fn $name() {
                let mut expected = vec![$((TokenKind::$k, $t)),*];
                expected.push((TokenKind::Eof, ""));
                assert_eq!(kinds($src), expected);
                assert!(lex($src).errors.is_empty());
            }
        };
    }

    test!(
        ident_pipe,
        "T | where x",
        [(Ident, "T"), (Punct, "|"), (Ident, "where"), (Ident, "x")]
    );
    test!(
        timespans,
        "ago(1d) 5m 1.5h 100ms",
        [
            (Ident, "ago"),
            (Punct, "("),
            (TimeSpan, "1d"),
            (Punct, ")"),
            (TimeSpan, "5m"),
            (TimeSpan, "1.5h"),
            (TimeSpan, "100ms")
        ]
    );
    test!(
        numbers,
        "1 2.5 1e3 0x1F",
        [(Int, "1"), (Real, "2.5"), (Real, "1e3"), (Int, "0x1F")]
    );
    test!(
        strings,
        r#"'a\'b' "c" @"d\" h'e'"#,
        [
            (String, r"'a\'b'"),
            (String, "\"c\""),
            (String, "@\"d\\\""),
            (String, "h'e'")
        ]
    );
    test!(verbatim_doubled, r"@'it''s'", [(String, "@'it''s'")]);
    test!(multiline, "```a\nb```", [(String, "```a\nb```")]);
    test!(comment, "a // c\nb", [(Ident, "a"), (Ident, "b")]);
    test!(
        datetime_lit,
        "datetime(2024-01-01 10:00:00Z)",
        [(TypedLiteral, "datetime(2024-01-01 10:00:00Z)")]
    );
    test!(bracket_ident, "['a b']", [(BracketIdent, "['a b']")]);
    test!(range_dots, "1..2", [(Int, "1"), (Punct, ".."), (Int, "2")]);
    test!(
        ops,
        "=~ !~ != == <= >=",
        [
            (Punct, "=~"),
            (Punct, "!~"),
            (Punct, "!="),
            (Punct, "=="),
            (Punct, "<="),
            (Punct, ">=")
        ]
    );
    test!(
        dollar_left,
        "$left.a",
        [(Ident, "$left"), (Punct, "."), (Ident, "a")]
    );

    #[test]
    fn unterminated_string_is_an_error() {
        let l = lex("where x == 'abc");
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].range, 11..15);
    }
}
