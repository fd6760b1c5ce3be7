//! The semantics of KQL's scalar operators: arithmetic with type promotion, comparison, logic with
//! nulls, and the string operators (`has`, `contains`, `startswith`, `=~`, `in~`, `has_any`…).
//!
//! Sources: the KQL reference's pages on numerical operators (`%` keeps the sign of a positive divisor:
//! `-14 % 12 == 10`), datetime/timespan arithmetic, logical operators (a null operand of `and`/`or` acts as
//! false), null values (arithmetic on null is null), and string operators (what a *term* is for `has`:
//! a maximal run of alphanumeric characters; `_cs` variants are case-sensitive, the others compare
//! ignoring case).
//!
//! Nothing here allocates on the common paths: case-insensitive comparisons fold ASCII in place and fall
//! back to Unicode lowercasing only for non-ASCII text.

use std::cmp::Ordering;
use std::sync::Arc;

use rust_decimal::Decimal;

use crate::compare;
use crate::datetime::{DateTime, TimeSpan};
use crate::error::{EvalError, Result};
use crate::value::Value;

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl Arith {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Mod => "%",
        }
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=~`
    EqCi,
    /// `!~`
    NeCi,
}

/// String predicates (`has`, `contains`…), before negation and case sensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
}

/// Reads a binary operator as the parser normalises it.
pub(crate) enum OpSpec {
    Arith(Arith),
    Cmp(Cmp),
    Str { op: StrOp, cs: bool, neg: bool },
    Regex,
    And,
    Or,
}

pub(crate) fn op_spec(op: &str) -> Option<OpSpec> {
    Some(match op {
        "+" => OpSpec::Arith(Arith::Add),
        "-" => OpSpec::Arith(Arith::Sub),
        "*" => OpSpec::Arith(Arith::Mul),
        "/" => OpSpec::Arith(Arith::Div),
        "%" => OpSpec::Arith(Arith::Mod),
        "==" | "=" => OpSpec::Cmp(Cmp::Eq),
        "!=" | "<>" => OpSpec::Cmp(Cmp::Ne),
        "<" => OpSpec::Cmp(Cmp::Lt),
        "<=" => OpSpec::Cmp(Cmp::Le),
        ">" => OpSpec::Cmp(Cmp::Gt),
        ">=" => OpSpec::Cmp(Cmp::Ge),
        "=~" => OpSpec::Cmp(Cmp::EqCi),
        "!~" => OpSpec::Cmp(Cmp::NeCi),
        "and" => OpSpec::And,
        "or" => OpSpec::Or,
        "matches regex" => OpSpec::Regex,
        _ => {
            let (neg, rest) = match op.strip_prefix('!') {
                Some(r) => (true, r),
                None => (false, op),
            };
            // legacy spellings: notcontains, containscs, notcontainscs, nothas, notstartswith…
            let (neg, rest) = match rest.strip_prefix("not") {
                Some(r) if !neg && !r.is_empty() => (true, r),
                _ => (neg, rest),
            };
            let (cs, base) = if let Some(b) = rest.strip_suffix("_cs") {
                (true, b)
            } else if let Some(b) = rest.strip_suffix("cs").filter(|b| {
                matches!(
                    *b,
                    "contains" | "hasprefix" | "hassuffix" | "startswith" | "endswith" | "has"
                )
            }) {
                (true, b)
            } else {
                (false, rest)
            };
            let op = match base {
                "has" => StrOp::Has,
                "hasprefix" => StrOp::HasPrefix,
                "hassuffix" => StrOp::HasSuffix,
                "contains" => StrOp::Contains,
                "startswith" => StrOp::StartsWith,
                "endswith" => StrOp::EndsWith,
                _ => return None,
            };
            OpSpec::Str { op, cs, neg }
        }
    })
}

// ---- arithmetic --------------------------------------------------------------------------------

fn type_error(op: Arith, a: &Value, b: &Value) -> EvalError {
    let t = |v: &Value| v.type_of().map_or("null", |t| t.name());
    EvalError::runtime(format!(
        "operator `{}` is not defined for `{}` and `{}`",
        op.symbol(),
        t(a),
        t(b)
    ))
}

#[allow(clippy::cast_precision_loss)]
fn to_f64(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn to_dec(v: &Value) -> Option<Decimal> {
    match v {
        Value::Int(i) => Some(Decimal::from(*i)),
        Value::Long(l) => Some(Decimal::from(*l)),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

/// `a op b`.
pub(crate) fn arith(op: Arith, a: &Value, b: &Value) -> Result<Value> {
    use Value as V;
    if a.is_null() || b.is_null() {
        // null propagates, but only between types the operator accepts
        return Ok(V::Null);
    }
    Ok(match (a, b) {
        (V::Int(x), V::Int(y)) => int_arith(op, i64::from(*x), i64::from(*y))
            .map_or(V::Null, |r| i32::try_from(r).map_or(V::Long(r), V::Int)),
        (V::Int(_) | V::Long(_), V::Int(_) | V::Long(_)) => {
            int_arith(op, a.as_i64().unwrap_or(0), b.as_i64().unwrap_or(0)).map_or(V::Null, V::Long)
        }
        (V::Real(_), V::Int(_) | V::Long(_) | V::Real(_) | V::Decimal(_))
        | (V::Int(_) | V::Long(_) | V::Decimal(_), V::Real(_)) => real_arith(
            op,
            to_f64(a).unwrap_or(f64::NAN),
            to_f64(b).unwrap_or(f64::NAN),
        ),
        (V::Decimal(_), V::Int(_) | V::Long(_) | V::Decimal(_))
        | (V::Int(_) | V::Long(_), V::Decimal(_)) => {
            let (x, y) = (to_dec(a).unwrap_or_default(), to_dec(b).unwrap_or_default());
            dec_arith(op, x, y).map_or(V::Null, V::Decimal)
        }
        (V::DateTime(x), V::DateTime(y)) if op == Arith::Sub => {
            V::TimeSpan(TimeSpan(x.unix_ticks() - y.unix_ticks()))
        }
        (V::DateTime(x), V::TimeSpan(t)) if matches!(op, Arith::Add | Arith::Sub) => {
            let d = if op == Arith::Add {
                t.0
            } else {
                t.0.checked_neg().unwrap_or(i64::MAX)
            };
            x.add_ticks(d).map_or(V::Null, V::DateTime)
        }
        (V::TimeSpan(t), V::DateTime(x)) if op == Arith::Add => {
            x.add_ticks(t.0).map_or(V::Null, V::DateTime)
        }
        (V::TimeSpan(x), V::TimeSpan(y)) => match op {
            Arith::Add => {
                x.0.checked_add(y.0)
                    .map_or(V::Null, |t| V::TimeSpan(TimeSpan(t)))
            }
            Arith::Sub => {
                x.0.checked_sub(y.0)
                    .map_or(V::Null, |t| V::TimeSpan(TimeSpan(t)))
            }
            #[allow(clippy::cast_precision_loss)]
            Arith::Div => V::Real(x.0 as f64 / y.0 as f64),
            Arith::Mod => {
                if y.0 == 0 {
                    V::Null
                } else {
                    V::TimeSpan(TimeSpan(x.0.rem_euclid(y.0)))
                }
            }
            Arith::Mul => return Err(type_error(op, a, b)),
        },
        (V::TimeSpan(t), n) | (n, V::TimeSpan(t)) if op == Arith::Mul && n.as_f64().is_some() => {
            scale_timespan(*t, n.as_f64().unwrap_or(0.0))
        }
        (V::TimeSpan(t), n) if op == Arith::Div && n.as_f64().is_some() => {
            let d = n.as_f64().unwrap_or(0.0);
            if d == 0.0 {
                V::Null
            } else {
                scale_timespan(*t, 1.0 / d)
            }
        }
        _ => return Err(type_error(op, a, b)),
    })
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
fn scale_timespan(t: TimeSpan, f: f64) -> Value {
    let r = (t.0 as f64 * f).round();
    if r.is_finite() && r.abs() < 9.2e18 {
        Value::TimeSpan(TimeSpan(r as i64))
    } else {
        Value::Null
    }
}

/// Integer arithmetic; `None` (null) on division by zero. Wraps on overflow like .NET's unchecked
/// arithmetic.
fn int_arith(op: Arith, x: i64, y: i64) -> Option<i64> {
    Some(match op {
        Arith::Add => x.wrapping_add(y),
        Arith::Sub => x.wrapping_sub(y),
        Arith::Mul => x.wrapping_mul(y),
        Arith::Div => {
            if y == 0 {
                return None;
            }
            x.wrapping_div(y)
        }
        Arith::Mod => {
            if y == 0 {
                return None;
            }
            x.wrapping_rem(y).rem_euclid(y.wrapping_abs().max(1))
        }
    })
}

fn real_arith(op: Arith, x: f64, y: f64) -> Value {
    Value::Real(match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => x / y,
        Arith::Mod => {
            let r = x % y;
            if r < 0.0 { r + y.abs() } else { r }
        }
    })
}

fn dec_arith(op: Arith, x: Decimal, y: Decimal) -> Option<Decimal> {
    match op {
        Arith::Add => x.checked_add(y),
        Arith::Sub => x.checked_sub(y),
        Arith::Mul => x.checked_mul(y),
        Arith::Div => x.checked_div(y),
        Arith::Mod => x
            .checked_rem(y)
            .map(|r| if r.is_sign_negative() { r + y.abs() } else { r }),
    }
}

/// Unary minus.
pub(crate) fn negate(v: &Value) -> Result<Value> {
    Ok(match v {
        Value::Null => Value::Null,
        Value::Int(i) => Value::Int(i.wrapping_neg()),
        Value::Long(l) => Value::Long(l.wrapping_neg()),
        Value::Real(r) => Value::Real(-r),
        Value::Decimal(d) => Value::Decimal(-*d),
        Value::TimeSpan(t) => Value::TimeSpan(TimeSpan(t.0.wrapping_neg())),
        other => {
            return Err(EvalError::runtime(format!(
                "unary `-` is not defined for `{}`",
                other.type_of().map_or("null", |t| t.name())
            )));
        }
    })
}

// ---- comparison --------------------------------------------------------------------------------

/// `a op b` for comparison operators; null when Kusto gives null.
pub(crate) fn cmp(op: Cmp, a: &Value, b: &Value) -> Value {
    let r = match op {
        Cmp::Eq => compare::eq(a, b),
        Cmp::Ne => compare::eq(a, b).map(|x| !x),
        Cmp::EqCi | Cmp::NeCi => {
            let e = match (a, b) {
                (Value::String(x), Value::String(y)) => Some(eq_ci(x, y)),
                _ => compare::eq(a, b),
            };
            if op == Cmp::EqCi { e } else { e.map(|x| !x) }
        }
        Cmp::Lt => compare::compare(a, b).map(|o| o == Ordering::Less),
        Cmp::Le => compare::compare(a, b).map(|o| o != Ordering::Greater),
        Cmp::Gt => compare::compare(a, b).map(|o| o == Ordering::Greater),
        Cmp::Ge => compare::compare(a, b).map(|o| o != Ordering::Less),
    };
    r.map_or(Value::Null, Value::Bool)
}

/// Three-valued truth of a condition: only `true` is true (null and non-booleans are not).
#[inline]
pub(crate) fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

// ---- strings ---------------------------------------------------------------------------------------

/// Case-insensitive equality (ordinal, ignoring case).
pub(crate) fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// Lowercases for case-insensitive matching (no copy for ASCII-lowercase text).
pub(crate) fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) || !s.is_ascii() {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A string view of a value for string operators: strings as they are, null as `""`, anything else as
/// `tostring()` renders it.
pub(crate) fn text_of(v: &Value) -> std::borrow::Cow<'_, str> {
    match v {
        Value::String(s) => std::borrow::Cow::Borrowed(s),
        Value::Null => std::borrow::Cow::Borrowed(""),
        other => std::borrow::Cow::Owned(other.to_kusto_string()),
    }
}

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Byte offsets of every occurrence of `needle` in `hay` (both already case-folded when needed).
fn occurrences<'a>(hay: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        if from > hay.len() {
            return None;
        }
        let pos = hay[from..].find(needle)? + from;
        // advance by one character
        from = pos + hay[pos..].chars().next().map_or(1, char::len_utf8);
        Some(pos)
    })
}

/// `hay has needle` (and the prefix/suffix variants) on already-folded text. An occurrence counts
/// when it starts (and, for `has`, ends) on a term boundary; boundaries are only required where the
/// needle itself begins or ends with a term character, so `"a-b c" has "-b c"` holds.
fn has_term(hay: &str, needle: &str, prefix_only: bool, suffix_only: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    let first_term = needle.chars().next().is_some_and(is_term_char);
    let last_term = needle.chars().next_back().is_some_and(is_term_char);
    occurrences(hay, needle).any(|pos| {
        let before_ok = !first_term
            || suffix_only
            || hay[..pos]
                .chars()
                .next_back()
                .is_none_or(|c| !is_term_char(c));
        let end = pos + needle.len();
        let after_ok =
            !last_term || prefix_only || hay[end..].chars().next().is_none_or(|c| !is_term_char(c));
        before_ok && after_ok
    })
}

/// Evaluates a string operator (`neg` applied by the caller). Null operands read as `""`.
pub(crate) fn str_op(op: StrOp, cs: bool, hay: &Value, needle: &Value) -> bool {
    let h = text_of(hay);
    let n = text_of(needle);
    if cs {
        str_match(op, &h, &n)
    } else if h.is_ascii()
        && n.is_ascii()
        && !matches!(
            op,
            StrOp::Has | StrOp::HasPrefix | StrOp::HasSuffix | StrOp::Contains
        )
    {
        match op {
            StrOp::StartsWith => {
                h.len() >= n.len() && h.as_bytes()[..n.len()].eq_ignore_ascii_case(n.as_bytes())
            }
            StrOp::EndsWith => {
                h.len() >= n.len()
                    && h.as_bytes()[h.len() - n.len()..].eq_ignore_ascii_case(n.as_bytes())
            }
            _ => false,
        }
    } else if matches!(op, StrOp::Contains) && h.is_ascii() && n.is_ascii() {
        contains_ascii_ci(h.as_bytes(), n.as_bytes())
    } else {
        str_match(op, &fold(&h), &fold(&n))
    }
}

fn str_match(op: StrOp, h: &str, n: &str) -> bool {
    match op {
        StrOp::Has => has_term(h, n, false, false),
        StrOp::HasPrefix => has_term(h, n, true, false),
        StrOp::HasSuffix => has_term(h, n, false, true),
        StrOp::Contains => h.contains(n),
        StrOp::StartsWith => h.starts_with(n),
        StrOp::EndsWith => h.ends_with(n),
    }
}

fn contains_ascii_ci(h: &[u8], n: &[u8]) -> bool {
    if n.is_empty() {
        return true;
    }
    if n.len() > h.len() {
        return false;
    }
    let first = n[0].to_ascii_lowercase();
    (0..=h.len() - n.len())
        .any(|i| h[i].to_ascii_lowercase() == first && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// `has` on already case-folded text.
pub(crate) fn has_folded(folded_hay: &str, folded_needle: &str) -> bool {
    has_term(folded_hay, folded_needle, false, false)
}

/// `has` of a value against an already folded term.
pub(crate) fn has_term_ci(hay: &Value, folded_needle: &str) -> bool {
    let h = text_of(hay);
    has_term(&fold(&h), folded_needle, false, false)
}

/// Converts a list element for `in~` lookups.
pub(crate) fn fold_value(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            let f = fold(s);
            match f {
                std::borrow::Cow::Borrowed(_) => v.clone(),
                std::borrow::Cow::Owned(o) => Value::String(Arc::from(o)),
            }
        }
        other => other.clone(),
    }
}

/// Datetime helper for `between`: inclusive range check with null when either bound or the value is
/// null.
pub(crate) fn between(v: &Value, lo: &Value, hi: &Value) -> Value {
    // `x between (a .. b)` where `b` is a timespan and `a` a datetime means `a .. a + b`
    let hi_owned;
    let hi = if let (Value::DateTime(a), Value::TimeSpan(t)) = (lo, hi) {
        hi_owned = a
            .add_ticks(t.0)
            .map_or(Value::DateTime(DateTime::MAX), Value::DateTime);
        &hi_owned
    } else {
        hi
    };
    match (compare::compare(v, lo), compare::compare(v, hi)) {
        (Some(a), Some(b)) => Value::Bool(a != Ordering::Less && b != Ordering::Greater),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::string(x)
    }

    #[test]
    fn has_matches_whole_terms() {
        // the string-operators page: "KustoExplorerQueryRun" has "Explorer" is false, contains is true
        assert!(!str_op(
            StrOp::Has,
            false,
            &s("KustoExplorerQueryRun"),
            &s("Explorer")
        ));
        assert!(str_op(
            StrOp::Contains,
            false,
            &s("KustoExplorerQueryRun"),
            &s("explorer")
        ));
        assert!(str_op(
            StrOp::Has,
            false,
            &s("North America"),
            &s("america")
        ));
        assert!(!str_op(
            StrOp::Has,
            true,
            &s("North America"),
            &s("america")
        ));
        assert!(str_op(
            StrOp::Has,
            false,
            &s("ad67d136-c1db-4f9f"),
            &s("c1db")
        ));
        assert!(str_op(StrOp::Has, false, &s("a-b c"), &s("-b c")));
        assert!(!str_op(StrOp::Has, false, &s("abc"), &s("b")));
        assert!(str_op(
            StrOp::HasPrefix,
            false,
            &s("North America"),
            &s("amer")
        ));
        assert!(!str_op(
            StrOp::HasPrefix,
            false,
            &s("North America"),
            &s("meri")
        ));
        assert!(str_op(
            StrOp::HasSuffix,
            false,
            &s("North America"),
            &s("rica")
        ));
        assert!(!str_op(
            StrOp::Has,
            false,
            &s("Ünïcode Straße"),
            &s("STRASSE")
        ));
        assert!(str_op(
            StrOp::Has,
            false,
            &s("Ünïcode Straße"),
            &s("üNÏcode")
        ));
    }

    #[test]
    fn starts_ends_and_ci_equality() {
        assert!(str_op(StrOp::StartsWith, false, &s("Fabrikam"), &s("fab")));
        assert!(!str_op(StrOp::StartsWith, true, &s("Fabrikam"), &s("fab")));
        assert!(str_op(StrOp::EndsWith, false, &s("Fabrikam"), &s("KAM")));
        assert!(eq_ci("aBc", "ABC"));
        assert!(matches!(
            cmp(Cmp::EqCi, &s("abc"), &s("ABC")),
            Value::Bool(true)
        ));
    }

    #[test]
    fn modulo_and_division() {
        // numerical-operators page
        let m = |a: i64, b: i64| arith(Arith::Mod, &Value::Long(a), &Value::Long(b)).unwrap();
        assert!(matches!(m(14, 12), Value::Long(2)));
        assert!(matches!(m(-14, 12), Value::Long(10)));
        assert!(matches!(m(14, -12), Value::Long(2)));
        assert!(matches!(m(-14, -12), Value::Long(10)));
        assert!(matches!(
            arith(Arith::Div, &Value::Long(7), &Value::Long(2)).unwrap(),
            Value::Long(3)
        ));
        assert!(matches!(
            arith(Arith::Div, &Value::Long(7), &Value::Long(0)).unwrap(),
            Value::Null
        ));
        assert!(
            matches!(arith(Arith::Div, &Value::Real(7.0), &Value::Long(2)).unwrap(), Value::Real(x) if x == 3.5)
        );
        assert!(matches!(
            arith(Arith::Add, &Value::Null, &Value::Long(2)).unwrap(),
            Value::Null
        ));
    }

    #[test]
    fn time_arithmetic() {
        let d = DateTime::parse("2024-01-01").unwrap();
        let h = TimeSpan(crate::datetime::TICKS_PER_HOUR);
        let r = arith(Arith::Add, &Value::DateTime(d), &Value::TimeSpan(h)).unwrap();
        assert_eq!(r.to_kusto_string(), "2024-01-01T01:00:00.0000000Z");
        let diff = arith(Arith::Sub, &r, &Value::DateTime(d)).unwrap();
        assert_eq!(diff.to_kusto_string(), "01:00:00");
        let ratio = arith(
            Arith::Div,
            &diff,
            &Value::TimeSpan(TimeSpan(crate::datetime::TICKS_PER_MINUTE)),
        )
        .unwrap();
        assert!(matches!(ratio, Value::Real(x) if x == 60.0));
        let twice = arith(Arith::Mul, &Value::Long(2), &diff).unwrap();
        assert_eq!(twice.to_kusto_string(), "02:00:00");
        assert!(arith(Arith::Add, &s("a"), &s("b")).is_err());
    }

    #[test]
    fn legacy_operator_spellings() {
        assert!(matches!(
            op_spec("notcontains"),
            Some(OpSpec::Str {
                op: StrOp::Contains,
                cs: false,
                neg: true
            })
        ));
        assert!(matches!(
            op_spec("containscs"),
            Some(OpSpec::Str {
                op: StrOp::Contains,
                cs: true,
                neg: false
            })
        ));
        assert!(matches!(
            op_spec("!hasprefix_cs"),
            Some(OpSpec::Str {
                op: StrOp::HasPrefix,
                cs: true,
                neg: true
            })
        ));
        assert!(op_spec("like").is_none());
    }
}
