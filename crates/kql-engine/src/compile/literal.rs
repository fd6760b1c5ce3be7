//! Literal values from their source text: strings (all quoting forms, adjacent literals joined),
//! numbers, timespans, typed literals (`datetime(…)`, `int(null)`, `real(+inf)`, `guid(…)`) and the
//! JSON-like body of `dynamic(…)`, which may hold typed literals and timespans of its own.
//!
//! The syntax tree keeps only a literal's kind and range; the text is re-read here with the shared
//! lexer, so the engine and the validator agree on what a literal is.

use sentinel_kql::lexer::lex;
use sentinel_kql::parser::string_literal_value;
use sentinel_kql::token::{Token, TokenKind};

use crate::convert::{parse_decimal, parse_guid, parse_integer, parse_real};
use crate::datetime::{DateTime, TICKS_PER_DAY, TimeSpan};
use crate::error::{EvalError, Result};
use crate::value::{Bag, Value};

/// The value of a string literal's text (possibly several adjacent literals, or `['key']`).
pub(crate) fn string_value(text: &str) -> String {
    let t = text.trim();
    if t.starts_with('[') && t.ends_with(']') {
        return string_value(&t[1..t.len() - 1]);
    }
    let lexed = lex(t);
    let mut out = String::new();
    for tok in &lexed.tokens {
        if tok.kind == TokenKind::String {
            out.push_str(&string_literal_value(tok.text(t)));
        }
    }
    out
}

fn bad(text: &str) -> EvalError {
    EvalError::runtime(format!("`{text}` is not a valid literal"))
}

/// `datetime(y, m, d[, h, mi, s])` — the comma form the examples use.
fn comma_datetime(inner: &str) -> Option<DateTime> {
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() < 3 || parts.len() > 6 {
        return None;
    }
    let nums: Vec<i64> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let get = |i: usize| nums.get(i).copied().unwrap_or(0);
    let tod = get(3) * crate::datetime::TICKS_PER_HOUR
        + get(4) * crate::datetime::TICKS_PER_MINUTE
        + get(5) * crate::datetime::TICKS_PER_SECOND;
    DateTime::from_ymd(get(0), get(1), get(2), tod)
}

/// The inner text of `name(inner)`, unquoted when quoted.
fn typed_inner(text: &str) -> (&str, String) {
    let open = text.find('(').unwrap_or(text.len());
    let name = text[..open].trim();
    let inner = text
        .get(open + 1..text.len().saturating_sub(1))
        .unwrap_or("")
        .trim();
    let inner = if (inner.starts_with('\'') || inner.starts_with('"')) && inner.len() >= 2 {
        string_literal_value(inner)
    } else {
        inner.to_string()
    };
    (name, inner)
}

/// A typed literal `type(value)`.
pub(crate) fn typed_literal(text: &str, now: DateTime) -> Result<Value> {
    let (name, inner) = typed_inner(text);
    let inner = inner.trim();
    if inner.eq_ignore_ascii_case("null") {
        return Ok(Value::Null);
    }
    Ok(match name {
        "datetime" | "date" => {
            if inner.is_empty() {
                Value::DateTime(now)
            } else {
                let squeezed = inner.replace(" - ", "-").replace(" / ", "/");
                Value::DateTime(
                    DateTime::parse(inner)
                        .or_else(|| comma_datetime(inner))
                        .or_else(|| DateTime::parse(&squeezed))
                        .ok_or_else(|| bad(text))?,
                )
            }
        }
        "timespan" | "time" => Value::TimeSpan(timespan_text(inner).ok_or_else(|| bad(text))?),
        "guid" => Value::Guid(parse_guid(inner).ok_or_else(|| bad(text))?),
        "int" => Value::Int(
            parse_integer(inner)
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(|| bad(text))?,
        ),
        "long" => Value::Long(parse_integer(inner).ok_or_else(|| bad(text))?),
        "real" | "double" => Value::Real(match inner {
            "+inf" | "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            _ => parse_real(inner).ok_or_else(|| bad(text))?,
        }),
        "decimal" => Value::Decimal(parse_decimal(inner).ok_or_else(|| bad(text))?),
        "bool" | "boolean" => match inner.to_ascii_lowercase().as_str() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            _ => return Err(bad(text)),
        },
        _ => return Err(bad(text)),
    })
}

/// A timespan literal body: `1.02:03:04`, `1d`, `1.5h`, or a bare number of days.
fn timespan_text(inner: &str) -> Option<TimeSpan> {
    TimeSpan::parse(inner).or_else(|| {
        let d: f64 = inner.parse().ok()?;
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        Some(TimeSpan((d * TICKS_PER_DAY as f64).round() as i64))
    })
}

/// A number token: `long`, or `real` when it does not fit.
fn number(text: &str, kind: TokenKind, neg: bool) -> Option<Value> {
    let v = match kind {
        TokenKind::Int => match parse_integer(text) {
            Some(i) => Value::Long(i),
            None => Value::Real(text.parse().ok()?),
        },
        TokenKind::Real => Value::Real(parse_real(text)?),
        _ => return None,
    };
    Some(if neg {
        match v {
            Value::Long(i) => Value::Long(-i),
            Value::Real(r) => Value::Real(-r),
            other => other,
        }
    } else {
        v
    })
}

/// A numeric or timespan literal token's value.
pub(crate) fn scalar_token(text: &str, kind: TokenKind) -> Result<Value> {
    match kind {
        TokenKind::TimeSpan => TimeSpan::parse(text)
            .map(Value::TimeSpan)
            .ok_or_else(|| bad(text)),
        _ => number(text, kind, false).ok_or_else(|| bad(text)),
    }
}

/// The value of `dynamic(…)`.
pub(crate) fn dynamic_literal(text: &str, now: DateTime) -> Result<Value> {
    let open = text.find('(').ok_or_else(|| bad(text))?;
    let inner = &text[open + 1..text.len().saturating_sub(1)];
    let lexed = lex(inner);
    let mut p = DynParser {
        src: inner,
        toks: &lexed.tokens,
        pos: 0,
        now,
    };
    let v = p.value().ok_or_else(|| bad(text))?;
    Ok(v)
}

struct DynParser<'a> {
    src: &'a str,
    toks: &'a [Token],
    pos: usize,
    now: DateTime,
}

impl DynParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos).filter(|t| t.kind != TokenKind::Eof)
    }
    fn text(&self, t: &Token) -> &str {
        t.text(self.src)
    }
    fn punct(&self, p: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == TokenKind::Punct && self.text(t) == p)
    }

    fn value(&mut self) -> Option<Value> {
        let t = self.peek()?.clone();
        let text = self.text(&t).to_string();
        match t.kind {
            TokenKind::String => {
                let mut s = String::new();
                while let Some(n) = self.peek().filter(|n| n.kind == TokenKind::String) {
                    s.push_str(&string_literal_value(self.text(n)));
                    self.pos += 1;
                }
                Some(Value::string(s))
            }
            TokenKind::Int | TokenKind::Real => {
                self.pos += 1;
                number(&text, t.kind, false)
            }
            TokenKind::TimeSpan => {
                self.pos += 1;
                TimeSpan::parse(&text).map(Value::TimeSpan)
            }
            TokenKind::TypedLiteral => {
                self.pos += 1;
                typed_literal(&text, self.now).ok()
            }
            TokenKind::BracketIdent => {
                self.pos += 1;
                Some(Value::array(vec![Value::string(string_value(&text))]))
            }
            TokenKind::Ident
                if text == "dynamic"
                    && self
                        .toks
                        .get(self.pos + 1)
                        .is_some_and(|n| n.kind == TokenKind::Punct && self.text(n) == "(") =>
            {
                self.pos += 2;
                let v = self.value()?;
                if !self.punct(")") {
                    return None;
                }
                self.pos += 1;
                Some(v)
            }
            TokenKind::Ident => {
                self.pos += 1;
                match text.as_str() {
                    "null" => Some(Value::Null),
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                }
            }
            TokenKind::Punct if text == "-" => {
                self.pos += 1;
                let n = self.peek()?.clone();
                self.pos += 1;
                number(self.text(&n), n.kind, true)
            }
            TokenKind::Punct if text == "[" => {
                self.pos += 1;
                let mut items = Vec::new();
                if self.punct("]") {
                    self.pos += 1;
                    return Some(Value::array(items));
                }
                loop {
                    items.push(self.value()?);
                    if self.punct(",") {
                        self.pos += 1;
                        continue;
                    }
                    if self.punct("]") {
                        self.pos += 1;
                        return Some(Value::array(items));
                    }
                    return None;
                }
            }
            TokenKind::Punct if text == "{" => {
                self.pos += 1;
                let mut bag = Bag::new();
                if self.punct("}") {
                    self.pos += 1;
                    return Some(Value::bag(bag));
                }
                loop {
                    let k = self.peek()?.clone();
                    if k.kind != TokenKind::String {
                        return None;
                    }
                    let key = string_literal_value(self.text(&k));
                    self.pos += 1;
                    if !self.punct(":") {
                        return None;
                    }
                    self.pos += 1;
                    let v = self.value()?;
                    bag.insert(key.as_str(), v);
                    if self.punct(",") {
                        self.pos += 1;
                        continue;
                    }
                    if self.punct("}") {
                        self.pos += 1;
                        return Some(Value::bag(bag));
                    }
                    return None;
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(string_value(r#""a" 'b' @"c\d""#), r"abc\d");
        assert_eq!(string_value("['key name']"), "key name");
    }

    #[test]
    fn typed() {
        let now = DateTime::UNIX_EPOCH;
        assert!(matches!(typed_literal("int(null)", now), Ok(Value::Null)));
        assert!(matches!(typed_literal("int(-3)", now), Ok(Value::Int(-3))));
        assert!(matches!(typed_literal("real(+inf)", now), Ok(Value::Real(x)) if x.is_infinite()));
        assert_eq!(
            typed_literal("datetime(2025, 6, 14)", now)
                .unwrap()
                .to_kusto_string(),
            "2025-06-14T00:00:00.0000000Z"
        );
        assert_eq!(
            typed_literal("datetime('12-02-2022')", now)
                .unwrap()
                .to_kusto_string(),
            "2022-12-02T00:00:00.0000000Z"
        );
        assert_eq!(
            typed_literal("time(16d)", now).unwrap().to_kusto_string(),
            "16.00:00:00"
        );
        assert_eq!(
            typed_literal("timespan(1.02:03:04)", now)
                .unwrap()
                .to_kusto_string(),
            "1.02:03:04"
        );
    }

    #[test]
    fn dynamics() {
        let now = DateTime::UNIX_EPOCH;
        let v = dynamic_literal(
            r#"dynamic({'a': [1, -2.5, "x" 'y'], "b": datetime(2020-01-01), 'c': 1h, 'd': null})"#,
            now,
        )
        .unwrap();
        assert_eq!(
            v.to_kusto_string(),
            r#"{"a":[1,-2.5,"xy"],"b":"2020-01-01T00:00:00.0000000Z","c":"01:00:00","d":null}"#
        );
        assert_eq!(
            dynamic_literal(r#"dynamic(["x"])"#, now)
                .unwrap()
                .to_kusto_string(),
            r#"["x"]"#
        );
        assert!(dynamic_literal("dynamic(null)", now).unwrap().is_null());
    }
}
