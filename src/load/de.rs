//! serde `Deserializer` over the spanned YAML tree, so raw file types are plain serde structs
//! while every error still knows its byte range.
//!
//! Plain scalars are typed on demand (YAML 1.2 core schema): a field that wants a string gets
//! the text as written (`version: 1.0.0`), a field that wants a number parses it. Errors get the
//! span of the innermost node being read when they happened: an unknown key points at the key,
//! a bad value at the value, a missing key at the mapping that lacks it.

use std::fmt;
use std::ops::Range;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::yaml::{Node, Style, Value};

/// What went wrong while reading a file into a typed struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    /// Lowercase phrase.
    pub message: String,
    /// Where, as a byte range of the source text.
    pub span: Option<Range<usize>>,
    /// A hint such as "did you mean `queryPeriod`?".
    pub help: Option<String>,
    /// Which kind of problem, for the diagnostic code.
    pub kind: DeErrorKind,
}

/// Classes of deserialisation problems, each with its own diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeErrorKind {
    /// A key the format does not know.
    UnknownKey,
    /// A required key is absent.
    MissingKey,
    /// A value of the wrong type or not one of the allowed values.
    InvalidValue,
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            message: msg.to_string(),
            span: None,
            help: None,
            kind: DeErrorKind::InvalidValue,
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let help = suggest(field, expected).map_or_else(
            || {
                format!(
                    "known keys here: {}",
                    expected
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            |s| format!("did you mean `{s}`?"),
        );
        Self {
            message: format!("unknown key `{field}`"),
            span: None,
            help: Some(help),
            kind: DeErrorKind::UnknownKey,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            message: format!("missing required key `{field}`"),
            span: None,
            help: Some(format!("add `{field}:` to this mapping")),
            kind: DeErrorKind::MissingKey,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let list = expected
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let help = suggest(variant, expected).map_or_else(
            || format!("use one of {list}"),
            |s| format!("did you mean `{s}`?"),
        );
        Self {
            message: format!("`{variant}` is not an allowed value (expected one of {list})"),
            span: None,
            help: Some(help),
            kind: DeErrorKind::InvalidValue,
        }
    }
}

pub use crate::diag::suggest;

/// Reads a typed value from a node.
pub fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node))
}

fn at<T>(result: Result<T, DeError>, span: &Range<usize>) -> Result<T, DeError> {
    result.map_err(|mut e| {
        if e.span.is_none() {
            e.span = Some(span.clone());
        }
        e
    })
}

fn describe(node: &Node) -> &'static str {
    match &node.value {
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
        Value::Scalar(..) if node.is_null() => "nothing (null)",
        Value::Scalar(s, Style::Plain) if parse_bool(s).is_some() => "a boolean",
        Value::Scalar(s, Style::Plain) if s.parse::<f64>().is_ok() => "a number",
        Value::Scalar(..) => "a string",
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

#[derive(Clone, Copy)]
struct NodeDe<'de>(&'de Node);

impl<'de> NodeDe<'de> {
    fn mismatch(self, expected: &str) -> DeError {
        DeError {
            message: format!("expected {expected}, found {}", describe(self.0)),
            span: Some(self.0.span.clone()),
            help: None,
            kind: DeErrorKind::InvalidValue,
        }
    }

    fn plain(self) -> Option<&'de str> {
        match &self.0.value {
            Value::Scalar(s, Style::Plain) => Some(s),
            _ => None,
        }
    }

    fn integer<T: std::str::FromStr>(self, expected: &str) -> Result<T, DeError> {
        self.plain()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| self.mismatch(expected))
    }
}

macro_rules! integer {
    ($($method:ident $visit:ident $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let v: $ty = self.integer("an integer")?;
            at(visitor.$visit(v), &self.0.span)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let span = &self.0.span;
        match &self.0.value {
            Value::Seq(items) => at(visitor.visit_seq(SeqAccess(items.iter())), span),
            Value::Map(entries) => at(
                visitor.visit_map(MapAccess {
                    entries: entries.iter(),
                    value: None,
                }),
                span,
            ),
            Value::Scalar(s, Style::Plain) => {
                let result = if self.0.is_null() {
                    visitor.visit_unit()
                } else if let Some(b) = parse_bool(s) {
                    visitor.visit_bool(b)
                } else if let Ok(i) = s.parse::<i64>() {
                    visitor.visit_i64(i)
                } else if let (Ok(f), true) = (
                    s.parse::<f64>(),
                    s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.'),
                ) {
                    visitor.visit_f64(f)
                } else {
                    visitor.visit_str(s)
                };
                at(result, span)
            }
            Value::Scalar(s, _) => at(visitor.visit_str(s), span),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let b = self
            .plain()
            .and_then(parse_bool)
            .ok_or_else(|| self.mismatch("`true` or `false`"))?;
        at(visitor.visit_bool(b), &self.0.span)
    }

    integer!(deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_u8 visit_u8 u8, deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64);

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let v: f64 = self.integer("a number")?;
        at(visitor.visit_f64(v), &self.0.span)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Scalar(..) if self.0.is_null() => Err(self.mismatch("a string")),
            Value::Scalar(s, _) => at(visitor.visit_borrowed_str(s), &self.0.span),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.is_null() {
            visitor.visit_none()
        } else {
            at(visitor.visit_some(self), &self.0.span)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.0.is_null() {
            visitor.visit_unit()
        } else {
            Err(self.mismatch("nothing (null)"))
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Seq(items) => at(visitor.visit_seq(SeqAccess(items.iter())), &self.0.span),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Map(entries) => at(
                visitor.visit_map(MapAccess {
                    entries: entries.iter(),
                    value: None,
                }),
                &self.0.span,
            ),
            _ => Err(self.mismatch("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Scalar(s, _) if !self.0.is_null() => at(
                visitor.visit_enum(s.as_str().into_deserializer()),
                &self.0.span,
            ),
            _ => Err(self.mismatch("one of the allowed values")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { i128 u128 bytes byte_buf unit_struct tuple tuple_struct }
}

struct SeqAccess<'de>(std::slice::Iter<'de, Node>);

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(node) => at(seed.deserialize(NodeDe(node)), &node.span).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapAccess<'de> {
    entries: std::slice::Iter<'de, (Node, Node)>,
    value: Option<&'de Node>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                at(seed.deserialize(NodeDe(key)), &key.span).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let node = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value requested before key"))?;
        at(seed.deserialize(NodeDe(node)), &node.span)
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::parse;
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Rule {
        name: String,
        query_period: Option<String>,
        threshold: Option<u32>,
        enabled: Option<bool>,
        tags: Option<Vec<String>>,
    }

    fn read(text: &str) -> Result<Rule, DeError> {
        let (root, problems) = parse(text);
        assert!(problems.is_empty(), "{problems:?}");
        let root = root.unwrap();
        from_node::<Rule>(&root)
    }

    #[test]
    fn reads_plain_scalars_by_field_type() {
        let rule = read("name: 1.0\nthreshold: 5\nenabled: true\ntags: [a, 2]\n").unwrap();
        assert_eq!(rule.name, "1.0");
        assert_eq!(rule.threshold, Some(5));
        assert_eq!(rule.tags, Some(vec!["a".into(), "2".into()]));
    }

    #[test]
    fn unknown_key_points_at_the_key_with_a_suggestion() {
        let text = "name: x\nqueryPeriodd: 1h\n";
        let err = read(text).unwrap_err();
        assert_eq!(err.kind, DeErrorKind::UnknownKey);
        assert_eq!(&text[err.span.unwrap()], "queryPeriodd");
        assert_eq!(err.help.as_deref(), Some("did you mean `queryPeriod`?"));
    }

    #[test]
    fn wrong_type_points_at_the_value() {
        let text = "name: x\nthreshold: many\n";
        let err = read(text).unwrap_err();
        assert_eq!(&text[err.span.clone().unwrap()], "many");
        assert_eq!(err.message, "expected an integer, found a string");
    }

    #[test]
    fn missing_key_points_at_the_mapping() {
        let err = read("threshold: 1\n").unwrap_err();
        assert_eq!(err.kind, DeErrorKind::MissingKey);
        assert_eq!(err.span, Some(0..13));
    }

    #[test]
    fn quoted_numbers_are_not_integers() {
        assert!(read("name: x\nthreshold: '5'\n").is_err());
    }
}
