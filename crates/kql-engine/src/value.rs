//! Scalar values and types: [`Value`], [`Type`], and the property bag [`Bag`] of `dynamic` values.
//!
//! Owns the in-memory form of every KQL scalar. A `dynamic` value is any [`Value`]: a JSON-like tree whose
//! inner nodes are [`Value::Array`] and [`Value::Bag`] and whose leaves are typed scalars (so an array can
//! hold `datetime`s, as Kusto's can). Strings, arrays and bags are reference counted, so copying a value
//! never copies its text. Text forms live in `convert.rs`; comparisons and hashing in `compare.rs`.
//!
//! Null: [`Value::Null`] is the null of every type; the type comes from the column or expression. A
//! `string` is never null (Kusto has no null string): code that produces a string for null input produces
//! `""`.

use std::fmt;
use std::sync::Arc;

pub use rust_decimal::Decimal;
pub use uuid::Uuid as Guid;

pub(crate) use crate::datetime::{DateTime, TimeSpan};

/// A KQL scalar type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    /// `bool`.
    Bool,
    /// `int` (32-bit).
    Int,
    /// `long` (64-bit).
    Long,
    /// `real` (`double`).
    Real,
    /// `decimal` (128-bit .NET decimal).
    Decimal,
    /// `string`.
    String,
    /// `datetime`.
    DateTime,
    /// `timespan`.
    TimeSpan,
    /// `guid`.
    Guid,
    /// `dynamic`.
    Dynamic,
}

impl Type {
    /// The type's KQL name (`long`, `datetime`…).
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Long => "long",
            Type::Real => "real",
            Type::Decimal => "decimal",
            Type::String => "string",
            Type::DateTime => "datetime",
            Type::TimeSpan => "timespan",
            Type::Guid => "guid",
            Type::Dynamic => "dynamic",
        }
    }

    /// Reads a type name as written in KQL or in table schemas, case-insensitively (`double`, `Int64`,
    /// `boolean`, `date`, `time`, `uniqueid` are accepted).
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "bool" | "boolean" => Type::Bool,
            "int" | "int32" => Type::Int,
            "long" | "int64" => Type::Long,
            "real" | "double" => Type::Real,
            "decimal" => Type::Decimal,
            "string" => Type::String,
            "datetime" | "date" => Type::DateTime,
            "timespan" | "time" => Type::TimeSpan,
            "guid" | "uniqueid" => Type::Guid,
            "dynamic" => Type::Dynamic,
            _ => return None,
        })
    }

    /// True for `int`, `long`, `real`, `decimal`.
    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Long | Type::Real | Type::Decimal)
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A KQL value. See the module docs for `dynamic` and null.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// Null (of any type).
    #[default]
    Null,
    /// `bool`.
    Bool(bool),
    /// `int`.
    Int(i32),
    /// `long`.
    Long(i64),
    /// `real`.
    Real(f64),
    /// `decimal`.
    Decimal(Decimal),
    /// `string`.
    String(Arc<str>),
    /// `datetime`.
    DateTime(DateTime),
    /// `timespan`.
    TimeSpan(TimeSpan),
    /// `guid`.
    Guid(Guid),
    /// A `dynamic` array.
    Array(Arc<Vec<Value>>),
    /// A `dynamic` property bag.
    Bag(Arc<Bag>),
}

/// A `dynamic` property bag: keys in insertion order (as Kusto prints them), unique.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bag {
    entries: Vec<(Arc<str>, Value)>,
}

impl Bag {
    /// An empty bag.
    pub fn new() -> Bag {
        Bag::default()
    }

    /// The value at `key` (case-sensitive, as Kusto's bag access).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing value in place (so the key keeps its position).
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let key = key.into();
        if let Some(slot) = self.entries.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            self.entries.push((key, value));
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.entries.iter().position(|(k, _)| &**k == key)?;
        Some(self.entries.remove(i).1)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }

    /// Entries with shared keys (no copy of key text).
    pub(crate) fn entries(&self) -> &[(Arc<str>, Value)] {
        &self.entries
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends without checking for an existing key (caller guarantees uniqueness).
    pub(crate) fn push_unique(&mut self, key: Arc<str>, value: Value) {
        self.entries.push((key, value));
    }
}

impl FromIterator<(Arc<str>, Value)> for Bag {
    fn from_iter<I: IntoIterator<Item = (Arc<str>, Value)>>(iter: I) -> Self {
        let mut b = Bag::new();
        for (k, v) in iter {
            b.insert(k, v);
        }
        b
    }
}

impl Value {
    /// A string value.
    pub fn string(s: impl AsRef<str>) -> Value {
        Value::String(Arc::from(s.as_ref()))
    }

    /// A `dynamic` array.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }

    /// A `dynamic` property bag.
    pub fn bag(bag: Bag) -> Value {
        Value::Bag(Arc::new(bag))
    }

    /// True for [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The type of a non-null value (`dynamic` for arrays and bags); `None` for null.
    pub fn type_of(&self) -> Option<Type> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Long(_) => Type::Long,
            Value::Real(_) => Type::Real,
            Value::Decimal(_) => Type::Decimal,
            Value::String(_) => Type::String,
            Value::DateTime(_) => Type::DateTime,
            Value::TimeSpan(_) => Type::TimeSpan,
            Value::Guid(_) => Type::Guid,
            Value::Array(_) | Value::Bag(_) => Type::Dynamic,
        })
    }

    /// The string inside a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean inside a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as an `i64` when it is an `int` or `long`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(i64::from(*i)),
            Value::Long(l) => Some(*l),
            _ => None,
        }
    }

    /// The value as an `f64` when it is numeric (`int`, `long`, `real`, `decimal`).
    #[allow(clippy::cast_precision_loss)]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(f64::from(*i)),
            Value::Long(l) => Some(*l as f64),
            Value::Real(r) => Some(*r),
            Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(d),
            _ => None,
        }
    }

    /// True when the value is null or an empty string (`isempty`).
    pub fn is_empty_value(&self) -> bool {
        match self {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        }
    }
}

/// Structural equality with grouping identity (what `distinct` and `summarize by` use): nulls equal
/// each other, NaN equals NaN, numbers compare by value across `int`/`long`/`real`/`decimal`. This is
/// not the `==` operator, whose null rules differ.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        crate::compare::key_eq(self, other)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Long(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::string(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(Arc::from(v))
    }
}
impl From<DateTime> for Value {
    fn from(v: DateTime) -> Self {
        Value::DateTime(v)
    }
}
impl From<TimeSpan> for Value {
    fn from(v: TimeSpan) -> Self {
        Value::TimeSpan(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_small() {
        assert!(std::mem::size_of::<Value>() <= 24);
    }

    #[test]
    fn bag_keeps_insertion_order_and_replaces_in_place() {
        let mut b = Bag::new();
        b.insert("b", Value::Long(1));
        b.insert("a", Value::Long(2));
        b.insert("b", Value::Long(3));
        let keys: Vec<&str> = b.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a"]);
        assert!(matches!(b.get("b"), Some(Value::Long(3))));
        assert!(b.get("B").is_none());
    }

    #[test]
    fn type_names() {
        assert_eq!(Type::from_name("Double"), Some(Type::Real));
        assert_eq!(Type::from_name("Int64"), Some(Type::Long));
        assert_eq!(Type::from_name("nope"), None);
        assert!(Value::string("").is_empty_value());
        assert!(!Value::Long(0).is_empty_value());
    }
}
