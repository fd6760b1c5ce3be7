//! The shape the plugin manifest is built in ([`Yaml`]); written by the project's one YAML
//! writer, `crate::render::yaml`.

use serde_json::Value;

/// A YAML value of the manifest shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Yaml {
    /// A block mapping; keys are plain identifiers, in the order given.
    Map(Vec<(&'static str, Yaml)>),
    /// A block sequence.
    Seq(Vec<Yaml>),
    /// A string scalar.
    Str(String),
    /// A boolean scalar.
    Bool(bool),
}

impl Yaml {
    /// A string scalar.
    pub fn str(s: impl Into<String>) -> Self {
        Self::Str(s.into())
    }
}

/// Writes `value` as a YAML document ending in a line break.
pub fn to_string(value: &Yaml) -> String {
    crate::render::yaml::to_yaml(&to_json(value))
}

fn to_json(value: &Yaml) -> Value {
    match value {
        Yaml::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_string(), to_json(v)))
                .collect(),
        ),
        Yaml::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        Yaml::Str(s) => Value::String(s.clone()),
        Yaml::Bool(b) => Value::Bool(*b),
    }
}
