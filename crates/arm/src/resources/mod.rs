//! Typed ARM wire models: the single, lossless representation of what ARM returns and accepts for
//! each resource kind sentinelctl reads or writes (the third kind of type beside `schema::Yaml*` and
//! `model::*`, see STYLE 2.1).
//!
//! Owns: one file per resource (`alert_rule.rs`, `alert_rule_template.rs`, `automation_rule.rs`,
//! `metadata.rs`, `saved_search.rs`, `table.rs`, `watchlist.rs`, `workbook.rs`, `workspace.rs`), each
//! following Microsoft's OpenAPI contract at the api-version pinned in `api_version.rs`, and the
//! rules shared by all of them ([`WireModel`]):
//!
//! * **Lossless.** Every struct keeps the members it does not type in a flattened `extra` map, and
//!   [`WireModel::from_json`] remembers explicit `null`s that typed `Option`s would otherwise turn
//!   into "absent", so `to_json(from_json(x)) == x` for every example Microsoft publishes (tested by
//!   walking `shared/specs`, `tests/wire_models.rs`). Plain `serde_json::from_value` works too but
//!   drops those `null`s (ARM treats `null` and absent alike for these resources).
//! * **Managed vs. everything else.** Typed fields follow the contract; which of them sentinelctl
//!   *manages* (owns and overwrites from the repository) is a separate, per-kind list,
//!   [`WireModel::managed_paths`]. Everything else a live resource holds — typed or in `extra` — is
//!   the workspace's. [`WireModel::with_managed_from`] gives "the live body with these managed
//!   properties replaced": the PUT that loses nothing the workspace holds.
//! * **Read-only stripping.** [`WireModel::read_only_paths`] lists the properties the contract marks
//!   `readOnly` (per kind where kinds differ, e.g. a Fusion rule's `displayName`), and
//!   [`WireModel::to_put_body`] removes them, so nothing read-only is ever sent back (oav's
//!   `READONLY_PROPERTY_NOT_ALLOWED_IN_REQUEST`). The lists are checked against the swagger files.
//!
//! Paths are `/`-separated member names below the resource root, `*` meaning every element of an
//! array: `properties/schema/columns/*/isHidden`.
//!
//! Does not: convert to or from the sentinelctl model (the core crate does), validate values, or do
//! I/O.

pub mod alert_rule;
pub mod alert_rule_template;
pub mod automation_rule;
pub mod metadata;
pub mod saved_search;
pub mod table;
pub mod watchlist;
pub mod workbook;
pub mod workspace;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ArmError;

/// The envelope members ARM sets itself on every resource.
pub const ENVELOPE_READ_ONLY: &[&str] = &["id", "name", "type", "systemData"];

/// One step of a recorded path: an object member or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Where the JSON a model was read from had explicit `null` members, so [`WireModel::to_json`] can
/// put them back. Two models never differ because of it: equality ignores it (ARM treats `null`
/// and absent alike), it only makes the round trip exact.
#[derive(Debug, Clone, Default)]
pub struct NullPaths(Vec<Vec<Step>>);

impl PartialEq for NullPaths {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl NullPaths {
    fn record(value: &Value) -> Self {
        fn walk(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
            match value {
                Value::Object(map) => {
                    for (k, v) in map {
                        at.push(Step::Key(k.clone()));
                        if v.is_null() {
                            out.push(at.clone());
                        } else {
                            walk(v, at, out);
                        }
                        at.pop();
                    }
                }
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        at.push(Step::Index(i));
                        walk(v, at, out);
                        at.pop();
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(value, &mut Vec::new(), &mut out);
        Self(out)
    }

    /// Puts each recorded `null` back where its parent still exists and the member is absent.
    fn restore(&self, value: &mut Value) {
        fn parent<'a>(node: &'a mut Value, steps: &[Step]) -> Option<&'a mut Value> {
            match steps.split_first() {
                None => Some(node),
                Some((Step::Key(k), rest)) => parent(node.get_mut(k.as_str())?, rest),
                Some((Step::Index(i), rest)) => parent(node.get_mut(*i)?, rest),
            }
        }
        for path in &self.0 {
            let Some((Step::Key(last), parents)) = path.split_last() else {
                continue;
            };
            if let Some(map) = parent(value, parents).and_then(Value::as_object_mut) {
                map.entry(last.clone()).or_insert(Value::Null);
            }
        }
    }
}

/// The behaviour every wire model shares; see the module doc.
pub trait WireModel: Serialize + DeserializeOwned + Clone {
    /// The ARM resource type, e.g. `Microsoft.SecurityInsights/alertRules` (for messages).
    const RESOURCE_TYPE: &'static str;

    /// The contract's `readOnly` members of this resource (of its kind, where kinds differ).
    fn read_only_paths(&self) -> Vec<&'static str>;

    /// The members sentinelctl manages for this resource (of its kind, where kinds differ).
    fn managed_paths(&self) -> Vec<&'static str>;

    /// The recorded explicit `null`s (see [`NullPaths`]).
    fn null_paths(&self) -> &NullPaths;

    /// Mutable access to the recorded `null`s.
    fn null_paths_mut(&mut self) -> &mut NullPaths;

    /// Reads a body as ARM sent it, remembering explicit `null`s for an exact round trip.
    fn from_json(value: &Value) -> Result<Self, ArmError> {
        let mut model: Self =
            serde_json::from_value(value.clone()).map_err(|e| ArmError::Config {
                reason: format!(
                    "the {} body does not match Microsoft's contract: {e}",
                    Self::RESOURCE_TYPE
                ),
            })?;
        *model.null_paths_mut() = NullPaths::record(value);
        Ok(model)
    }

    /// The body, exactly as read (plus any changes made since), with its explicit `null`s.
    fn to_json(&self) -> Value {
        // Serializing these plain structs and maps cannot fail; `Null` is an unreachable fallback.
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        self.null_paths().restore(&mut value);
        value
    }

    /// The body to PUT: [`to_json`](Self::to_json) without the read-only members.
    fn to_put_body(&self) -> Value {
        let mut value = self.to_json();
        for path in self.read_only_paths() {
            remove_path(&mut value, path);
        }
        value
    }

    /// The live resource (`self`) with the managed members of `desired` swapped in: each managed
    /// path of either side (the union, so a kind change cannot leave the old kind's members
    /// behind) takes `desired`'s value, or is removed when `desired` has none. Everything else —
    /// `etag`, unknown members, the properties sentinelctl does not manage — stays as live has it.
    fn with_managed_from(&self, desired: &Self) -> Result<Self, ArmError> {
        let mut paths = desired.managed_paths();
        for p in self.managed_paths() {
            if !paths.contains(&p) {
                paths.push(p);
            }
        }
        self.with_paths_from(desired, &paths)
    }

    /// Like [`with_managed_from`](Self::with_managed_from) for an explicit list of paths (no `*`).
    fn with_paths_from(&self, desired: &Self, paths: &[&str]) -> Result<Self, ArmError> {
        let mut live = self.to_json();
        let wanted = desired.to_json();
        for path in paths {
            match get_path(&wanted, path) {
                Some(v) => set_path(&mut live, path, v.clone()),
                None => remove_path(&mut live, path),
            }
        }
        Self::from_json(&live)
    }
}

/// Implements the [`WireModel`] accessors for a struct with a `nulls: NullPaths` field.
macro_rules! null_paths_accessors {
    () => {
        fn null_paths(&self) -> &$crate::resources::NullPaths {
            &self.nulls
        }
        fn null_paths_mut(&mut self) -> &mut $crate::resources::NullPaths {
            &mut self.nulls
        }
    };
}
pub(crate) use null_paths_accessors;

/// The value at `path` (no `*`), if every step exists and is not `null`.
pub fn get_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut node = value;
    for key in path.split('/') {
        node = node.get(key)?;
    }
    (!node.is_null()).then_some(node)
}

/// Sets `path` (no `*`) to `new`, creating intermediate objects.
pub fn set_path(value: &mut Value, path: &str, new: Value) {
    let mut node = value;
    let mut keys = path.split('/').peekable();
    while let Some(key) = keys.next() {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Some(map) = node.as_object_mut() else {
            return;
        };
        if keys.peek().is_none() {
            map.insert(key.to_owned(), new);
            return;
        }
        node = map
            .entry(key.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Removes the member at `path`; `*` steps into every element of an array.
pub fn remove_path(value: &mut Value, path: &str) {
    fn go(node: &mut Value, keys: &[&str]) {
        match keys {
            [] => {}
            ["*", rest @ ..] => {
                if let Some(items) = node.as_array_mut() {
                    for item in items {
                        go(item, rest);
                    }
                }
            }
            [last] => {
                if let Some(map) = node.as_object_mut() {
                    map.remove(*last);
                }
            }
            [key, rest @ ..] => {
                if let Some(child) = node.get_mut(*key) {
                    go(child, rest);
                }
            }
        }
    }
    let keys: Vec<&str> = path.split('/').collect();
    go(value, &keys);
}

#[cfg(test)]
pub(crate) mod examples {
    //! Loads Microsoft's x-ms-examples from the shared spec folder (`shared/specs` beside the repo).

    use serde_json::Value;
    use std::path::PathBuf;

    pub(crate) fn specs_root() -> PathBuf {
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

    /// Reads `value` into `T`, writes it back, and checks the JSON is exactly the same.
    pub(crate) fn assert_round_trip<T: super::WireModel>(value: &Value, what: &str) -> T {
        let typed = T::from_json(value).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(&typed.to_json(), value, "{what} did not round-trip");
        typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_are_read_set_and_removed() {
        let mut v = json!({"properties": {"a": 1, "cols": [{"x": 1, "y": 2}, {"x": 3}]}});
        assert_eq!(get_path(&v, "properties/a"), Some(&json!(1)));
        assert_eq!(get_path(&v, "properties/b"), None);
        set_path(&mut v, "properties/b/c", json!("new"));
        assert_eq!(v["properties"]["b"]["c"], "new");
        remove_path(&mut v, "properties/cols/*/x");
        assert_eq!(v["properties"]["cols"], json!([{"y": 2}, {}]));
        remove_path(&mut v, "properties/missing/deeper");
        remove_path(&mut v, "id");
        set_path(&mut v, "etag", json!("e"));
        assert_eq!(v["etag"], "e");
    }

    #[test]
    fn nulls_are_restored_only_where_absent() {
        let original = json!({"a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}, {"f": 2}]});
        let nulls = NullPaths::record(&original);
        let mut stripped = json!({"b": {"d": 1}, "e": [{}, {"f": 2}]});
        nulls.restore(&mut stripped);
        assert_eq!(stripped, original);
        let mut changed = json!({"a": "set", "e": []});
        nulls.restore(&mut changed);
        assert_eq!(
            changed,
            json!({"a": "set", "e": []}),
            "a set member and a removed parent are left alone"
        );
    }
}
