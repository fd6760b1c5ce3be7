//! Text and JSON forms of values: what `tostring()` produces, how results are written as JSON or CSV,
//! how `dynamic` values are read from JSON (`parse_json`, `dynamic(…)` literals, JSONL input), and how a
//! CSV/JSONL cell is read for a column type ([`Value::parse_as`]).
//!
//! Kusto's conventions, as observed in the KQL reference's examples: `tostring()` of a `datetime` and a
//! `datetime` inside a `dynamic` value have all seven fractional digits (`"2007-01-01T00:00:00.0000000Z"`,
//! the `range()` and `reverse()` function pages), while result JSON carries the shorter ISO form
//! `2024-01-01T00:00:00Z` (fraction only when present) as the query API does; a `timespan` prints as
//! `[-][d.]hh:mm:ss[.fffffff]`; a `real` as .NET's shortest round-trip text (`118` for `118.0`, `1E+20`,
//! `NaN`, `Infinity`); a `guid` lowercase with hyphens; `dynamic` as compact JSON with keys in insertion
//! order.

use serde_json::Value as Json;

use crate::datetime::{DateTime, TimeSpan};
use crate::value::{Bag, Decimal, Guid, Type, Value};

/// .NET's shortest round-trip formatting of a double (what Kusto prints).
pub(crate) fn format_real(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "1.2345e6", "-5e-7"
    let sci = format!("{x:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-5..15).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
        return out;
    }
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let int_len = usize::try_from(exp).unwrap_or(0) + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

/// A datetime with seven fractional digits, as inside `dynamic` values.
pub(crate) fn format_datetime_full(d: DateTime) -> String {
    let p = d.parts();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.frac
    )
}

impl Value {
    /// The text `tostring()` gives: `""` for null, the string itself, ISO datetimes with seven fractional
    /// digits, `[d.]hh:mm:ss[.fffffff]` timespans,
    /// `true`/`false`, .NET number formats, compact JSON for arrays and bags.
    pub fn to_kusto_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Int(i) => i.to_string(),
            Value::Long(l) => l.to_string(),
            Value::Real(r) => format_real(*r),
            Value::Decimal(d) => d.to_string(),
            Value::String(s) => s.to_string(),
            Value::DateTime(d) => format_datetime_full(*d),
            Value::TimeSpan(t) => t.to_string(),
            Value::Guid(g) => g.hyphenated().to_string(),
            Value::Array(_) | Value::Bag(_) => {
                let mut out = String::new();
                write_json(self, &mut out);
                out
            }
        }
    }

    /// The value as JSON for result output: null, booleans, numbers (non-finite reals as the strings
    /// `NaN`/`Infinity`/`-Infinity`, decimals as strings to keep every digit), datetimes, timespans and
    /// guids as strings, arrays and bags as JSON.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Long(l) => Json::from(*l),
            Value::Real(r) => serde_json::Number::from_f64(*r)
                .map_or_else(|| Json::String(format_real(*r)), Json::Number),
            Value::Decimal(d) => Json::String(d.to_string()),
            Value::String(s) => Json::String(s.to_string()),
            Value::DateTime(d) => Json::String(d.to_string()),
            Value::TimeSpan(t) => Json::String(t.to_string()),
            Value::Guid(g) => Json::String(g.hyphenated().to_string()),
            Value::Array(a) => Json::Array(a.iter().map(Value::dynamic_json).collect()),
            Value::Bag(b) => Json::Object(
                b.iter()
                    .map(|(k, v)| (k.to_string(), v.dynamic_json()))
                    .collect(),
            ),
        }
    }

    /// JSON of a value nested in a `dynamic` (datetimes with seven fractional digits).
    fn dynamic_json(&self) -> Json {
        match self {
            Value::DateTime(d) => Json::String(format_datetime_full(*d)),
            other => other.to_json(),
        }
    }

    /// Reads JSON as a `dynamic` value: integers become `long` (or `real` beyond 64 bits), other numbers
    /// `real`, strings `string`, objects property bags (a repeated key keeps its last value).
    pub fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => n
                .as_i64()
                .map(Value::Long)
                .or_else(|| n.as_f64().map(Value::Real))
                .unwrap_or(Value::Null),
            Json::String(s) => Value::string(s),
            Json::Array(a) => Value::array(a.iter().map(Value::from_json).collect()),
            Json::Object(o) => {
                let mut bag = Bag::new();
                for (k, v) in o {
                    bag.insert(k.as_str(), Value::from_json(v));
                }
                Value::bag(bag)
            }
        }
    }

    /// Parses JSON text as `parse_json()` does; `None` when the text is not JSON.
    pub fn parse_json_text(text: &str) -> Option<Value> {
        serde_json::from_str::<Json>(text)
            .ok()
            .map(|j| Value::from_json(&j))
    }

    /// Reads a CSV or JSONL cell as a value of column type `ty`: the empty cell is null (`""` for a
    /// string column); datetimes in any spelling [`DateTime::parse`] knows; timespans as `1.02:03:04` or
    /// `1h`; `dynamic` cells as JSON (text that is not JSON becomes a dynamic string); booleans as
    /// `true`/`false`/`1`/`0` in any case; guids with or without braces.
    pub fn parse_as(text: &str, ty: Type) -> Result<Value, String> {
        if ty == Type::String {
            return Ok(Value::string(text));
        }
        let t = text.trim();
        if t.is_empty() || (ty != Type::Dynamic && t.eq_ignore_ascii_case("null")) {
            return Ok(Value::Null);
        }
        let bad = || format!("`{}` is not a valid {ty}", truncate(t));
        Ok(match ty {
            Type::String => unreachable!("handled above"),
            Type::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "1" => Value::Bool(true),
                "false" | "0" => Value::Bool(false),
                _ => return Err(bad()),
            },
            Type::Int => Value::Int(
                parse_integer(t)
                    .and_then(|i| i32::try_from(i).ok())
                    .ok_or_else(bad)?,
            ),
            Type::Long => Value::Long(parse_integer(t).ok_or_else(bad)?),
            Type::Real => Value::Real(parse_real(t).ok_or_else(bad)?),
            Type::Decimal => Value::Decimal(parse_decimal(t).ok_or_else(bad)?),
            Type::DateTime => Value::DateTime(DateTime::parse(t).ok_or_else(bad)?),
            Type::TimeSpan => Value::TimeSpan(TimeSpan::parse(t).ok_or_else(bad)?),
            Type::Guid => Value::Guid(parse_guid(t).ok_or_else(bad)?),
            Type::Dynamic => Value::parse_json_text(t).unwrap_or_else(|| Value::string(text)),
        })
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        let mut o: String = s.chars().take(40).collect();
        o.push('…');
        o
    } else {
        s.to_string()
    }
}

/// An integer in decimal or `0x` hex; a real with no fraction (`3.0`) is accepted too.
pub(crate) fn parse_integer(t: &str) -> Option<i64> {
    let t = t.trim();
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(h, 16).ok();
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    let r: f64 = t.parse().ok()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    (r.fract() == 0.0 && r.abs() < 9.2e18).then_some(r as i64)
}

/// A real, accepting .NET's `NaN`, `Infinity`, `-Infinity`.
pub(crate) fn parse_real(t: &str) -> Option<f64> {
    let t = t.trim();
    match t {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "+Infinity" | "inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => {
            if t.eq_ignore_ascii_case("infinity") || t.eq_ignore_ascii_case("nan") {
                return None;
            }
            t.parse::<f64>().ok().or_else(|| {
                parse_integer(t).map(|i| {
                    #[allow(clippy::cast_precision_loss)]
                    let f = i as f64;
                    f
                })
            })
        }
    }
}

pub(crate) fn parse_decimal(t: &str) -> Option<Decimal> {
    let t = t.trim();
    t.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

pub(crate) fn parse_guid(t: &str) -> Option<Guid> {
    let t = t.trim();
    let t = t
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .unwrap_or(t);
    Guid::parse_str(t).ok()
}

/// Compact JSON of a value nested in `dynamic`, with Kusto's number and datetime forms.
pub(crate) fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Long(l) => out.push_str(&l.to_string()),
        Value::Real(r) => {
            if r.is_finite() {
                out.push_str(&format_real(*r));
            } else {
                write_json_string(&format_real(*r), out);
            }
        }
        Value::Decimal(d) => out.push_str(&d.to_string()),
        Value::String(s) => write_json_string(s, out),
        Value::DateTime(d) => write_json_string(&format_datetime_full(*d), out),
        Value::TimeSpan(t) => write_json_string(&t.to_string(), out),
        Value::Guid(g) => write_json_string(&g.hyphenated().to_string(), out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Value::Bag(b) => {
            out.push('{');
            for (i, (k, x)) in b.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(x, out);
            }
            out.push('}');
        }
    }
}

fn write_json_string(s: &str, out: &mut String) {
    // serde_json's escaping of a string is exactly JSON's
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_print_like_dotnet() {
        assert_eq!(format_real(118.0), "118");
        assert_eq!(format_real(0.1), "0.1");
        assert_eq!(format_real(1e20), "1E+20");
        assert_eq!(format_real(1.5e-7), "1.5E-07");
        assert_eq!(format_real(0.0001), "0.0001");
        assert_eq!(format_real(123_456.789), "123456.789");
        assert_eq!(format_real(-2.5), "-2.5");
        assert_eq!(format_real(f64::NAN), "NaN");
        assert_eq!(format_real(1e15), "1E+15");
        assert_eq!(format_real(1e14), "100000000000000");
    }

    #[test]
    fn tostring_forms() {
        let d = DateTime::parse("2024-01-02T03:04:05.5Z").unwrap();
        assert_eq!(
            Value::DateTime(d).to_kusto_string(),
            "2024-01-02T03:04:05.5000000Z"
        );
        assert_eq!(
            Value::DateTime(d).to_json(),
            serde_json::json!("2024-01-02T03:04:05.5Z")
        );
        let arr = Value::array(vec![
            Value::DateTime(d),
            Value::Real(1.0),
            Value::string("x"),
        ]);
        assert_eq!(
            arr.to_kusto_string(),
            r#"["2024-01-02T03:04:05.5000000Z",1,"x"]"#
        );
        assert_eq!(Value::Null.to_kusto_string(), "");
        assert_eq!(Value::Bool(true).to_kusto_string(), "true");
    }

    #[test]
    fn parse_cells() {
        assert!(matches!(Value::parse_as("", Type::Long), Ok(Value::Null)));
        assert!(matches!(Value::parse_as("", Type::String), Ok(Value::String(s)) if s.is_empty()));
        assert!(matches!(
            Value::parse_as("42", Type::Int),
            Ok(Value::Int(42))
        ));
        assert!(matches!(
            Value::parse_as("True", Type::Bool),
            Ok(Value::Bool(true))
        ));
        assert!(Value::parse_as("x", Type::Long).is_err());
        let v = Value::parse_as(r#"{"a":[1,2.5]}"#, Type::Dynamic).unwrap();
        assert_eq!(v.to_kusto_string(), r#"{"a":[1,2.5]}"#);
        let v = Value::parse_as("not json", Type::Dynamic).unwrap();
        assert_eq!(v.as_str(), Some("not json"));
        let v = Value::parse_as("4/18/2025, 12:55:02.901 PM", Type::DateTime).unwrap();
        assert_eq!(v.to_kusto_string(), "2025-04-18T12:55:02.9010000Z");
        let v = Value::parse_as("1.02:00:00", Type::TimeSpan).unwrap();
        assert_eq!(v.to_kusto_string(), "1.02:00:00");
    }
}
