//! [`Watchlist`]: a Sentinel watchlist (`Microsoft.SecurityInsights/watchlists`) and its items
//! (`…/watchlists/{alias}/watchlistItems`), as one resource.
//!
//! Mapping: `alias` → the resource name and `watchlistAlias`, `displayName`, `description`,
//! `provider` (default `Custom`), `source` (default the CSV file's name), `itemsSearchKey`,
//! `labels`, `defaultDuration` → the same properties (`sourceType` is always `Local`: the items
//! come from a file). Each CSV row is one watchlist item whose `itemsKeyValue` maps every column to
//! its value (strings, as the portal's upload writes them). Items are keyed by the value of their
//! search-key column: that is how the desired and live lists are paired, and an item's ARM name is
//! the UUIDv5 of (alias, key) ([`item_name`]), so a retried create lands on the same item.
//!
//! Diff fields: the definition's properties, and one field `items.<key>` per item (its row, empty
//! values left out: an empty value and a missing column mean the same), so a portal edit of one
//! value is one field; `itemsDuplicated` lists search keys the workspace holds more than once
//! (which a repository cannot express).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Duration;
use super::environment::WatchlistOverride;
use super::rule::flatten;
use crate::schema::YamlWatchlist;
use crate::schema::csv::CsvTable;

/// The provider written when the file names none (what the portal proposes).
pub const DEFAULT_PROVIDER: &str = "Custom";

/// Namespace for item names (a fixed random UUID: changing it renames every item).
const ITEM_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x3b9d_52e1_7c0a_4f6e_9d21_c4a8_5e17_b260);

/// One row: column → value.
pub type Row = BTreeMap<String, String>;

/// A watchlist with its items, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watchlist {
    /// Alias (the resource name), as written.
    pub alias: String,
    /// Content version.
    pub version: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// `description` (empty = none).
    pub description: String,
    /// `provider`.
    pub provider: String,
    /// `source`.
    pub source: String,
    /// `itemsSearchKey`.
    pub items_search_key: String,
    /// `labels`, sorted.
    pub labels: Vec<String>,
    /// `defaultDuration`, ISO 8601 (normalised when it parses).
    pub default_duration: Option<String>,
    /// Columns in file order (not compared: only the rows are).
    pub columns: Vec<String>,
    /// Items by search-key value.
    pub items: BTreeMap<String, Row>,
    /// Search keys the workspace holds more than once (live only).
    pub duplicate_keys: Vec<String>,
}

/// The ARM name of the item with search key `key` in watchlist `alias`.
pub fn item_name(alias: &str, key: &str) -> String {
    let seed = format!("{}\n{key}", alias.to_ascii_lowercase());
    uuid::Uuid::new_v5(&ITEM_NAMESPACE, seed.as_bytes()).to_string()
}

fn iso(text: &str) -> String {
    Duration::parse(text).map_or_else(|| text.trim().to_string(), Duration::to_iso)
}

/// The rows of `table` by search key (the first row wins a duplicate; validation reports it).
pub fn rows_by_key(table: &CsvTable, search_key: &str) -> BTreeMap<String, Row> {
    let mut out = BTreeMap::new();
    let Some(k) = table.column(search_key) else {
        return out;
    };
    for row in &table.rows {
        let values: Row = table
            .header
            .iter()
            .cloned()
            .zip(row.values.iter().cloned())
            .collect();
        out.entry(row.values[k].clone()).or_insert(values);
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Watchlist {
    /// Interprets a definition file and its CSV (`stem` names the CSV file for `source`).
    pub fn from_yaml(raw: &YamlWatchlist, table: &CsvTable, csv_name: &str) -> Self {
        let mut labels = raw.labels.clone().unwrap_or_default();
        labels.sort();
        labels.dedup();
        Self {
            alias: raw.alias.trim().to_string(),
            version: raw.version.clone(),
            display_name: raw.display_name.clone(),
            description: super::trimmed_end(raw.description.as_deref()),
            provider: raw
                .provider
                .clone()
                .unwrap_or_else(|| DEFAULT_PROVIDER.into()),
            source: raw.source.clone().unwrap_or_else(|| csv_name.to_string()),
            items_search_key: raw.items_search_key.clone(),
            labels,
            default_duration: raw.default_duration.as_deref().map(iso),
            columns: table.header.clone(),
            items: rows_by_key(table, &raw.items_search_key),
            duplicate_keys: Vec::new(),
        }
    }

    /// Applies an environment's override: `items` (already parsed, `table`) replaces the rows,
    /// `extra_items` adds or replaces rows by search key, `remove_items` drops rows. Columns an
    /// extra row leaves out are empty.
    pub fn apply_override(&mut self, o: &WatchlistOverride, table: Option<&CsvTable>) {
        if let Some(t) = table {
            self.items = rows_by_key(t, &self.items_search_key);
            for c in &t.header {
                if !self.columns.contains(c) {
                    self.columns.push(c.clone());
                }
            }
        }
        for extra in &o.extra_items {
            let Some(key) = extra.get(&self.items_search_key) else {
                continue;
            };
            let row: Row = self
                .columns
                .iter()
                .map(|c| (c.clone(), extra.get(c).cloned().unwrap_or_default()))
                .collect();
            self.items.insert(key.clone(), row);
        }
        for key in &o.remove_items {
            self.items.remove(key);
        }
    }

    /// The definition alone (no items): what a new watchlist is before its items are written.
    #[must_use]
    pub fn without_items(&self) -> Self {
        Self {
            items: BTreeMap::new(),
            duplicate_keys: Vec::new(),
            ..self.clone()
        }
    }

    /// The rows in search-key order, each in column order (for CSV output).
    pub fn csv_rows(&self) -> Vec<Vec<String>> {
        self.items
            .values()
            .map(|row| {
                self.columns
                    .iter()
                    .map(|c| row.get(c).cloned().unwrap_or_default())
                    .collect()
            })
            .collect()
    }

    /// ARM body of the definition (no items: they are written one by one).
    pub fn to_arm(&self) -> Value {
        let mut p = Map::new();
        p.insert("displayName".into(), json!(self.display_name));
        p.insert("provider".into(), json!(self.provider));
        p.insert("source".into(), json!(self.source));
        p.insert("sourceType".into(), json!("Local"));
        if !self.description.is_empty() {
            p.insert("description".into(), json!(self.description));
        }
        p.insert("itemsSearchKey".into(), json!(self.items_search_key));
        if !self.labels.is_empty() {
            p.insert("labels".into(), json!(self.labels));
        }
        if let Some(d) = &self.default_duration {
            p.insert("defaultDuration".into(), json!(d));
        }
        json!({ "properties": p })
    }

    /// ARM body of one item: its row in column order.
    pub fn item_body(&self, row: &Row) -> Value {
        let mut kv = Map::new();
        for c in &self.columns {
            kv.insert(c.clone(), json!(row.get(c).cloned().unwrap_or_default()));
        }
        for (c, v) in row {
            if !kv.contains_key(c) {
                kv.insert(c.clone(), json!(v));
            }
        }
        json!({ "properties": { "itemsKeyValue": kv } })
    }

    /// The row of an ARM item (`None` when it has no `itemsKeyValue`).
    pub fn row_of_item(item: &Value) -> Option<Row> {
        let kv = item.pointer("/properties/itemsKeyValue")?.as_object()?;
        Some(kv.iter().map(|(k, v)| (k.clone(), text(v))).collect())
    }

    /// Interprets an ARM watchlist and its items.
    pub fn from_arm(resource: &Value, items: &[Value]) -> Option<Self> {
        let p = resource.get("properties")?;
        let s = |k: &str| p.get(k).map(text).unwrap_or_default();
        let alias = Some(s("watchlistAlias"))
            .filter(|a| !a.is_empty())
            .or_else(|| resource.get("name")?.as_str().map(str::to_string))?;
        let search_key = s("itemsSearchKey");
        let mut columns: Vec<String> = Vec::new();
        let mut rows = Vec::new();
        for item in items {
            if item
                .pointer("/properties/isDeleted")
                .and_then(Value::as_bool)
                == Some(true)
            {
                continue;
            }
            let Some(kv) = item
                .pointer("/properties/itemsKeyValue")
                .and_then(Value::as_object)
            else {
                continue;
            };
            for k in kv.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
            rows.push(Self::row_of_item(item).unwrap_or_default());
        }
        let mut by_key = BTreeMap::new();
        let mut duplicates = Vec::new();
        for mut row in rows {
            for c in &columns {
                row.entry(c.clone()).or_default();
            }
            let key = row.get(&search_key).cloned().unwrap_or_default();
            match by_key.entry(key) {
                std::collections::btree_map::Entry::Occupied(o) => duplicates.push(o.key().clone()),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(row);
                }
            }
        }
        duplicates.sort();
        duplicates.dedup();
        let mut labels: Vec<String> = p
            .get("labels")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default();
        labels.sort();
        labels.dedup();
        Some(Self {
            alias,
            version: None,
            display_name: s("displayName"),
            description: s("description").trim_end().to_string(),
            provider: s("provider"),
            source: s("source"),
            items_search_key: search_key,
            labels,
            default_duration: Some(s("defaultDuration"))
                .filter(|d| !d.is_empty())
                .map(|d| iso(&d)),
            columns,
            items: by_key,
            duplicate_keys: duplicates,
        })
    }

    /// The definition's diff fields (without items).
    pub fn definition_fields(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let mut v = json!({
            "displayName": self.display_name,
            "description": self.description,
            "provider": self.provider,
            "source": self.source,
            "itemsSearchKey": self.items_search_key,
            "labels": self.labels,
        });
        if let Some(d) = &self.default_duration {
            v["defaultDuration"] = json!(d);
        }
        flatten("", &v, &mut out);
        out
    }

    /// Flat `path → value` map for diffs: the definition, one `items.<key>` per item, and
    /// `itemsDuplicated` when the workspace holds a key twice.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        let mut out = self.definition_fields();
        for (key, row) in &self.items {
            // an empty value and a missing column mean the same
            let row: Row = row
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            out.insert(format!("items.{key}"), json!(row));
        }
        if !self.duplicate_keys.is_empty() {
            out.insert("itemsDuplicated".into(), json!(self.duplicate_keys));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> CsvTable {
        crate::schema::csv::parse(text).unwrap()
    }

    fn raw() -> YamlWatchlist {
        YamlWatchlist {
            alias: "VipUsers".into(),
            display_name: "VIP users".into(),
            description: None,
            provider: None,
            source: None,
            items_search_key: "Email".into(),
            labels: Some(vec!["b".into(), "a".into()]),
            default_duration: Some("30d".into()),
            version: None,
            tags: None,
        }
    }

    #[test]
    fn files_and_arm_mean_the_same() {
        let t = table("Email,Name\na@x.com,A\nb@x.com,B\n");
        let desired = Watchlist::from_yaml(&raw(), &t, "vip.csv");
        assert_eq!(desired.source, "vip.csv");
        assert_eq!(desired.default_duration.as_deref(), Some("P30D"));
        let mut body = desired.to_arm();
        body["name"] = json!("VipUsers");
        body["properties"]["watchlistAlias"] = json!("VipUsers");
        let items: Vec<Value> = desired
            .items
            .values()
            .map(|r| desired.item_body(r))
            .collect();
        let live = Watchlist::from_arm(&body, &items).unwrap();
        assert_eq!(live.fields(), desired.fields());
        assert_eq!(live.columns, ["Email", "Name"]);
    }

    #[test]
    fn one_changed_value_is_one_field_and_duplicates_show() {
        let t = table("Email,Name\na@x.com,A\n");
        let desired = Watchlist::from_yaml(&raw(), &t, "vip.csv");
        let body = json!({"name": "VipUsers", "properties": desired.to_arm()["properties"]});
        let item = |name: &str| json!({"properties": {"itemsKeyValue": {"Email": "a@x.com", "Name": name}}});
        let live = Watchlist::from_arm(&body, &[item("Z"), item("A")]).unwrap();
        let (d, l) = (desired.fields(), live.fields());
        let differing: std::collections::BTreeSet<&String> = d
            .keys()
            .chain(l.keys())
            .filter(|k| d.get(*k) != l.get(*k))
            .collect();
        let differing: Vec<&String> = differing.into_iter().collect();
        assert_eq!(differing, ["items.a@x.com", "itemsDuplicated"]);
    }

    #[test]
    fn overrides_replace_add_and_remove_rows() {
        let t = table("Email,Name\na@x.com,A\nb@x.com,B\n");
        let mut w = Watchlist::from_yaml(&raw(), &t, "vip.csv");
        let mut extra = BTreeMap::new();
        extra.insert("Email".to_string(), "c@x.com".to_string());
        w.apply_override(
            &WatchlistOverride {
                items: None,
                extra_items: vec![extra],
                remove_items: vec!["a@x.com".into()],
            },
            None,
        );
        let keys: Vec<&String> = w.items.keys().collect();
        assert_eq!(keys, ["b@x.com", "c@x.com"]);
        assert_eq!(w.items["c@x.com"]["Name"], "");
        let prod = table("Email,Name\nz@x.com,Z\n");
        w.apply_override(&WatchlistOverride::default(), Some(&prod));
        assert_eq!(w.items.keys().collect::<Vec<_>>(), ["z@x.com"]);
    }

    #[test]
    fn item_names_are_stable_guids() {
        assert_eq!(item_name("VipUsers", "a"), item_name("vipusers", "a"));
        assert_ne!(item_name("VipUsers", "a"), item_name("VipUsers", "b"));
        assert!(crate::model::names::is_guid(&item_name("x", "y")));
    }
}
