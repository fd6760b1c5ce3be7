//! Conversion and null-testing functions: `tostring`, `toint`, `tolong`, `toreal`, `todecimal`, `tobool`,
//! `todatetime`, `totimespan`, `toguid`, `todynamic`/`parse_json`, `gettype`, `isnull`, `isempty`,
//! `isnan`, `isinf`, `isfinite`, `not`, `tohex`.
//!
//! A conversion that cannot convert returns null (the conversion functions' pages: `toguid("a string
//! that is not a guid")` is null); `tostring(null)` is `""`. `parse_json` of text that is not JSON
//! returns the text as a dynamic string.

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::{Cx, Func, arg, f, int, s, string, t};
use crate::convert::{parse_decimal, parse_guid, parse_integer, parse_real};
use crate::datetime::{DateTime, TimeSpan};
use crate::error::Result;
use crate::value::{Type, Value};

pub(crate) const FUNCTIONS: &[Func] = &[
    f("tostring", 1, 1, t(Type::String), tostring),
    f("toint", 1, 1, t(Type::Int), toint),
    f("tolong", 1, 1, t(Type::Long), tolong),
    f("toreal", 1, 1, t(Type::Real), toreal),
    f("todouble", 1, 1, t(Type::Real), toreal),
    f("todecimal", 1, 1, t(Type::Decimal), todecimal),
    f("tobool", 1, 1, t(Type::Bool), tobool),
    f("toboolean", 1, 1, t(Type::Bool), tobool),
    f("todatetime", 1, 1, t(Type::DateTime), todatetime),
    f("totimespan", 1, 1, t(Type::TimeSpan), totimespan),
    f("totime", 1, 1, t(Type::TimeSpan), totimespan),
    f("toguid", 1, 1, t(Type::Guid), toguid),
    f("todynamic", 1, 1, t(Type::Dynamic), todynamic),
    f("toobject", 1, 1, t(Type::Dynamic), todynamic),
    f("parse_json", 1, 1, t(Type::Dynamic), todynamic),
    f("parsejson", 1, 1, t(Type::Dynamic), todynamic),
    f("gettype", 1, 1, t(Type::String), gettype),
    f("isnull", 1, 1, t(Type::Bool), isnull),
    f("isnotnull", 1, 1, t(Type::Bool), isnotnull),
    f("notnull", 1, 1, t(Type::Bool), isnotnull),
    f("isempty", 1, 1, t(Type::Bool), isempty),
    f("isnotempty", 1, 1, t(Type::Bool), isnotempty),
    f("notempty", 1, 1, t(Type::Bool), isnotempty),
    f("isnan", 1, 1, t(Type::Bool), isnan),
    f("isinf", 1, 1, t(Type::Bool), isinf),
    f("isfinite", 1, 1, t(Type::Bool), isfinite),
    f("not", 1, 1, t(Type::Bool), not),
    f("tohex", 1, 2, t(Type::String), tohex),
    f("isascii", 1, 1, t(Type::Bool), isascii),
    f("isutf8", 1, 1, t(Type::Bool), |a, _| {
        Ok(Value::Bool(!a[0].is_null()))
    }),
];

fn tostring(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::String(_) => a[0].clone(),
        v => string(v.to_kusto_string()),
    })
}

/// An integer from any value: numbers truncate toward zero, strings parse (decimal or hex, or a real
/// that is truncated), booleans are 0/1, datetimes and timespans give their ticks.
pub(crate) fn to_i64(v: &Value) -> Option<i64> {
    match v {
        Value::String(x) => parse_integer(x).or_else(|| {
            #[allow(clippy::cast_possible_truncation)]
            parse_real(x)
                .filter(|r| r.is_finite() && r.abs() < 9.2e18)
                .map(|r| r as i64)
        }),
        Value::DateTime(d) => Some(d.ticks_since_year_1()),
        Value::TimeSpan(t) => Some(t.0),
        Value::Real(r) if !r.is_finite() => None,
        other => int(other),
    }
}

fn toint(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    #[allow(clippy::cast_possible_truncation)]
    Ok(to_i64(&a[0]).map_or(Value::Null, |i| Value::Int(i as i32)))
}

fn tolong(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(to_i64(&a[0]).map_or(Value::Null, Value::Long))
}

/// A real from any value (strings parse, booleans are 0/1, timespans their ticks).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::String(x) => parse_real(x),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::TimeSpan(t) => Some(t.0 as f64),
        Value::DateTime(d) => Some(d.ticks_since_year_1() as f64),
        other => other.as_f64(),
    }
}

fn toreal(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(to_f64(&a[0]).map_or(Value::Null, Value::Real))
}

pub(crate) fn to_decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(x) => parse_decimal(x),
        Value::Int(i) => Some(Decimal::from(*i)),
        Value::Long(l) => Some(Decimal::from(*l)),
        Value::Real(r) => Decimal::from_f64(*r),
        Value::Decimal(d) => Some(*d),
        Value::Bool(b) => Some(Decimal::from(i32::from(*b))),
        _ => None,
    }
}

fn todecimal(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(to_decimal(&a[0]).map_or(Value::Null, Value::Decimal))
}

pub(crate) fn to_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(x) => match x.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_) => {
            v.as_f64().map(|x| x != 0.0)
        }
        _ => None,
    }
}

fn tobool(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(to_bool(&a[0]).map_or(Value::Null, Value::Bool))
}

/// A datetime from a string (any accepted spelling), a datetime, or a long of ticks since year 1.
pub(crate) fn to_datetime(v: &Value) -> Option<DateTime> {
    match v {
        Value::DateTime(d) => Some(*d),
        Value::String(x) => DateTime::parse(x),
        Value::Long(_) | Value::Int(_) => {
            let ticks = v.as_i64()?;
            DateTime::from_unix_ticks(ticks.checked_sub(DateTime::UNIX_EPOCH.ticks_since_year_1())?)
        }
        _ => None,
    }
}

fn todatetime(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(to_datetime(&a[0]).map_or(Value::Null, Value::DateTime))
}

/// A timespan from a string (`1.02:03:04`, `1h`), a timespan, or a number of ticks.
pub(crate) fn to_timespan(v: &Value) -> Option<TimeSpan> {
    match v {
        Value::TimeSpan(t) => Some(*t),
        Value::String(x) => TimeSpan::parse(x),
        Value::Int(_) | Value::Long(_) => v.as_i64().map(TimeSpan),
        #[allow(clippy::cast_possible_truncation)]
        Value::Real(r) if r.is_finite() => Some(TimeSpan(*r as i64)),
        _ => None,
    }
}

fn totimespan(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(to_timespan(&a[0]).map_or(Value::Null, Value::TimeSpan))
}

fn toguid(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Guid(_) => a[0].clone(),
        Value::String(x) => parse_guid(x)
            .or_else(|| {
                let hex: String = x.chars().filter(|c| *c != '-').collect();
                (hex.len() == 32).then(|| parse_guid(&hex)).flatten()
            })
            .map_or(Value::Null, Value::Guid),
        _ => Value::Null,
    })
}

fn todynamic(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::String(x) => Value::parse_json_text(x).unwrap_or_else(|| a[0].clone()),
        other => other.clone(),
    })
}

fn gettype(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let name = match &a[0] {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Long(_) => "long",
        Value::Real(_) => "real",
        Value::Decimal(_) => "decimal",
        Value::String(_) => "string",
        Value::DateTime(_) => "datetime",
        Value::TimeSpan(_) => "timespan",
        Value::Guid(_) => "guid",
        Value::Array(_) => "array",
        Value::Bag(_) => "dictionary",
    };
    Ok(string(name))
}

fn isnull(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(Value::Bool(a[0].is_null()))
}

fn isnotnull(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(Value::Bool(!a[0].is_null()))
}

fn isempty(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(Value::Bool(a[0].is_empty_value()))
}

fn isnotempty(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(Value::Bool(!a[0].is_empty_value()))
}

fn isnan(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Null => Value::Null,
        v => Value::Bool(v.as_f64().is_some_and(f64::is_nan)),
    })
}

fn isinf(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Null => Value::Null,
        v => Value::Bool(v.as_f64().is_some_and(f64::is_infinite)),
    })
}

fn isfinite(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(match &a[0] {
        Value::Null => Value::Null,
        v => Value::Bool(v.as_f64().is_some_and(f64::is_finite)),
    })
}

fn not(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(super::boolean(&a[0]).map_or(Value::Null, |b| Value::Bool(!b)))
}

fn tohex(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    let Some(v) = int(&a[0]) else {
        return Ok(Value::Null);
    };
    let width = int(arg(a, 1)).unwrap_or(0);
    let text = if matches!(a[0], Value::Int(_)) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let u = v as i32 as u32;
        format!("{u:x}")
    } else {
        #[allow(clippy::cast_sign_loss)]
        let u = v as u64;
        format!("{u:x}")
    };
    let w = usize::try_from(width).unwrap_or(0).min(64);
    Ok(string(format!("{text:0>w$}")))
}

fn isascii(a: &[Value], _: &Cx<'_>) -> Result<Value> {
    Ok(Value::Bool(s(&a[0]).is_ascii()))
}

/// Converts `v` to `ty` the way a declared parameter or `to typeof(…)` does (null when impossible).
pub(crate) fn cast(v: &Value, ty: Type) -> Value {
    if v.is_null() {
        return if ty == Type::String {
            string("")
        } else {
            Value::Null
        };
    }
    match ty {
        Type::Bool => to_bool(v).map_or(Value::Null, Value::Bool),
        #[allow(clippy::cast_possible_truncation)]
        Type::Int => to_i64(v).map_or(Value::Null, |i| Value::Int(i as i32)),
        Type::Long => to_i64(v).map_or(Value::Null, Value::Long),
        Type::Real => to_f64(v).map_or(Value::Null, Value::Real),
        Type::Decimal => to_decimal(v).map_or(Value::Null, Value::Decimal),
        Type::String => match v {
            Value::String(_) => v.clone(),
            other => string(other.to_kusto_string()),
        },
        Type::DateTime => to_datetime(v).map_or(Value::Null, Value::DateTime),
        Type::TimeSpan => to_timespan(v).map_or(Value::Null, Value::TimeSpan),
        Type::Guid => match v {
            Value::String(x) => parse_guid(x).map_or(Value::Null, Value::Guid),
            Value::Guid(_) => v.clone(),
            _ => Value::Null,
        },
        Type::Dynamic => v.clone(),
    }
}
