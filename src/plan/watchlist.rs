//! The item-level part of a watchlist's change: which items apply creates, updates and deletes,
//! each named and (for updates and deletes) guarded by the etag read at plan time.
//!
//! Items are paired by search key (the value of the desired `itemsSearchKey` column). A live item
//! whose row differs is updated under its own name; a desired key with no live item is created
//! under [`item_name`] (the UUIDv5 of alias and key, so a retried create lands on the same item);
//! live items with a key the repository does not have, and extra live items sharing one key, are
//! deleted. An empty value and a missing column are the same (as in `Watchlist::fields`).
//!
//! The plan shows the keys, never the whole list; the definition's own properties stay ordinary
//! field changes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::watchlist::{Row, Watchlist, item_name};

/// One item apply writes or deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemChange {
    /// Its search-key value.
    pub key: String,
    /// ARM name of the item.
    pub name: String,
    /// Etag seen at plan time (updates and deletes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The live item (not saved with the plan: updates start from it, so nothing it holds besides
    /// its row is lost).
    #[serde(skip)]
    pub live_body: Option<Value>,
}

/// The item changes of one watchlist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemChanges {
    /// Items to create.
    pub added: Vec<ItemChange>,
    /// Items whose row changes.
    pub changed: Vec<ItemChange>,
    /// Items to delete.
    pub removed: Vec<ItemChange>,
}

impl ItemChanges {
    /// True when no item changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// `+2 ~1 -3`, for one-line summaries.
    pub fn counts(&self) -> String {
        format!(
            "+{} ~{} -{}",
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )
    }
}

/// True when two rows mean the same (a missing column is an empty value).
pub fn same_row(a: &Row, b: &Row) -> bool {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .all(|k| a.get(k).map_or("", String::as_str) == b.get(k).map_or("", String::as_str))
}

fn etag(v: &Value) -> Option<String> {
    v.get("etag").and_then(Value::as_str).map(str::to_string)
}

fn name(v: &Value) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// What it takes to turn the live items `live` into the items of `desired` (`live` empty for a
/// watchlist that does not exist yet).
pub fn item_changes(desired: &Watchlist, live: &[Value]) -> ItemChanges {
    let mut by_key: BTreeMap<String, Vec<(&Value, Row)>> = BTreeMap::new();
    for item in live {
        if item
            .pointer("/properties/isDeleted")
            .and_then(Value::as_bool)
            == Some(true)
        {
            continue;
        }
        let row = Watchlist::row_of_item(item).unwrap_or_default();
        let key = row
            .get(&desired.items_search_key)
            .cloned()
            .unwrap_or_default();
        by_key.entry(key).or_default().push((item, row));
    }
    let mut out = ItemChanges::default();
    let change = |key: &str, item: &Value| ItemChange {
        key: key.to_string(),
        name: name(item),
        etag: etag(item),
        live_body: Some(item.clone()),
    };
    let mut kept: BTreeSet<String> = BTreeSet::new();
    for (key, group) in &by_key {
        match desired.items.get(key) {
            Some(row) => {
                let (first, live_row) = &group[0];
                kept.insert(name(first).to_ascii_lowercase());
                if !same_row(row, live_row) {
                    out.changed.push(change(key, first));
                }
                out.removed
                    .extend(group[1..].iter().map(|(item, _)| change(key, item)));
            }
            None => out
                .removed
                .extend(group.iter().map(|(item, _)| change(key, item))),
        }
    }
    for key in desired.items.keys().filter(|k| !by_key.contains_key(*k)) {
        // the deterministic name, unless a live item that stays already has it
        let mut n = item_name(&desired.alias, key);
        let mut i = 2;
        while kept.contains(&n) {
            n = item_name(&desired.alias, &format!("{key}#{i}"));
            i += 1;
        }
        kept.insert(n.clone());
        out.added.push(ItemChange {
            key: key.clone(),
            name: n,
            etag: None,
            live_body: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desired(rows: &str) -> Watchlist {
        let raw: crate::schema::YamlWatchlist = serde_json::from_value(json!({
            "alias": "Vip", "displayName": "VIP", "itemsSearchKey": "Email"
        }))
        .unwrap();
        Watchlist::from_yaml(&raw, &crate::schema::csv::parse(rows).unwrap(), "vip.csv")
    }

    fn item(name: &str, email: &str, note: &str) -> Value {
        json!({"name": name, "etag": format!("\"{name}\""), "properties": {"itemsKeyValue": {"Email": email, "Note": note}}})
    }

    #[test]
    fn items_are_paired_by_search_key() {
        let d = desired("Email,Note\na@x,same\nb@x,new\nc@x,\n");
        let live = [
            item("1", "a@x", "same"),
            item("2", "b@x", "old"),
            item("3", "z@x", "gone"),
            item("4", "a@x", "duplicate"),
        ];
        let c = item_changes(&d, &live);
        let keys = |v: &[ItemChange]| v.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(&c.added), ["c@x"]);
        assert_eq!(keys(&c.changed), ["b@x"]);
        assert_eq!(c.changed[0].etag.as_deref(), Some("\"2\""));
        assert_eq!(keys(&c.removed), ["a@x", "z@x"]);
        assert_eq!(c.removed[0].name, "4");
        assert_eq!(c.added[0].name, item_name("Vip", "c@x"));
        assert_eq!(c.counts(), "+1 ~1 -2");
    }

    #[test]
    fn nothing_changes_when_rows_agree_and_empty_means_missing() {
        let d = desired("Email,Note\na@x,\n");
        let live = [json!({"name": "1", "properties": {"itemsKeyValue": {"Email": "a@x"}}})];
        assert!(item_changes(&d, &live).is_empty());
    }
}
