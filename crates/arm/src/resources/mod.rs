//! Typed ARM wire models: what ARM returns and accepts for each resource kind sentinelctl manages
//! (the third kind of type beside `schema::Yaml*` and `model::*`, see STYLE 2.1).
//!
//! Owns: one file per resource (`alert_rule.rs`, `metadata.rs`, `saved_search.rs`, `workbook.rs`), each
//! following Microsoft's OpenAPI contract (the api-versions pinned in `api_version.rs`), and the
//! rule shared by all of them: every struct keeps properties it does not know in a flattened
//! `extra` map, so a GET → modify → PUT cycle never drops a field ARM added later.
//!
//! Does not: convert to or from the sentinelctl model (the core crate does), validate values, or
//! do I/O. Optional fields are `Option`s skipped when `None`, so an explicit JSON `null` read from
//! ARM is written back as an absent field (ARM treats both alike for these resources).
//!
//! Invariant: `from_value(x)` then `to_value` equals `x` minus its `null` members (tested against
//! Microsoft's examples in each file).

pub mod alert_rule;
pub mod metadata;
pub mod saved_search;
pub mod workbook;

use serde_json::Value;

/// Removes the top-level resource fields ARM sets itself (`id`, `name`, `type`, `systemData`) and the
/// listed read-only `properties` members, giving a body fit for PUT.
pub(crate) fn put_body(mut value: Value, read_only_properties: &[&str]) -> Value {
    if let Some(map) = value.as_object_mut() {
        for key in ["id", "name", "type", "systemData"] {
            map.remove(key);
        }
        if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
            for key in read_only_properties {
                props.remove(*key);
            }
        }
    }
    value
}

#[cfg(test)]
pub(crate) mod examples {
    //! Loads Microsoft's x-ms-examples from the shared spec folder (`shared/specs` beside the repo).

    use serde_json::Value;
    use std::path::PathBuf;

    fn specs_root() -> PathBuf {
        let root =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs/specification");
        assert!(
            root.is_dir(),
            "Microsoft's spec examples are expected at {}",
            root.display()
        );
        root
    }

    /// The JSON of `specification/<path>`.
    pub(crate) fn load(path: &str) -> Value {
        let full = specs_root().join(path);
        let text =
            std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()));
        serde_json::from_str(&text).unwrap()
    }

    /// `value` with every `null` object member removed, recursively.
    pub(crate) fn without_nulls(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), without_nulls(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
            other => other.clone(),
        }
    }

    /// Deserializes `value` into `T`, serializes it back, and checks nothing but `null`s changed
    /// (typed `None`s are omitted; `null`s of unknown members are kept verbatim in `extra`).
    pub(crate) fn assert_round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(
        value: &Value,
        what: &str,
    ) -> T {
        let typed: T =
            serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{what}: {e}"));
        let back = serde_json::to_value(&typed).unwrap();
        assert_eq!(
            without_nulls(&back),
            without_nulls(value),
            "{what} did not round-trip"
        );
        typed
    }
}
