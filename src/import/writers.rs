//! Import writers for watchlists, hunting queries and automation rules: the model of a live
//! resource → the documents of its files, written so that `plan` right after shows no change.
//!
//! - A watchlist is `watchlists/<stem>.yaml` (the definition; `source` only when it is not
//!   `<stem>.csv`, `provider` only when not `Custom`) and `watchlists/<stem>.csv` (the items, one
//!   row each in search-key order, columns in the order the workspace returns them).
//! - A hunting query is Azure-Sentinel hunting-query YAML.
//! - An automation rule is the ARM shape, with the resource ids of this workspace's rules turned
//!   back into the `id`s of their detections where the repository has (or the import writes) them.

use serde_json::{Map, Value, json};

use crate::model::watchlist::DEFAULT_PROVIDER;
use crate::model::{AutomationRule, HuntingQuery, Watchlist};

/// The definition document of a watchlist whose items file is `csv_name`.
pub fn watchlist_document(w: &Watchlist, version: &str, csv_name: &str) -> Value {
    let mut m = Map::new();
    m.insert("alias".into(), json!(w.alias));
    m.insert("displayName".into(), json!(w.display_name));
    if !w.description.is_empty() {
        m.insert("description".into(), json!(w.description));
    }
    if w.provider != DEFAULT_PROVIDER {
        m.insert("provider".into(), json!(w.provider));
    }
    if w.source != csv_name {
        m.insert("source".into(), json!(w.source));
    }
    m.insert("itemsSearchKey".into(), json!(w.items_search_key));
    if !w.labels.is_empty() {
        m.insert("labels".into(), json!(w.labels));
    }
    if let Some(d) = &w.default_duration {
        m.insert("defaultDuration".into(), json!(d));
    }
    m.insert("version".into(), json!(version));
    Value::Object(m)
}

/// The items file of a watchlist: its columns (the search key first when the workspace returned
/// no items to learn them from) and its rows.
pub fn watchlist_csv(w: &Watchlist) -> String {
    let mut columns = w.columns.clone();
    if !columns.contains(&w.items_search_key) {
        columns.insert(0, w.items_search_key.clone());
    }
    let shaped = Watchlist {
        columns: columns.clone(),
        ..w.clone()
    };
    crate::render::csv::to_csv(&columns, &shaped.csv_rows())
}

/// The hunting-query document.
pub fn hunting_document(h: &HuntingQuery, version: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(h.name));
    m.insert("name".into(), json!(h.display_name));
    if !h.description.is_empty() {
        m.insert("description".into(), json!(h.description));
    }
    m.insert("tactics".into(), json!(h.tactics));
    m.insert("relevantTechniques".into(), json!(h.techniques));
    m.insert("query".into(), json!(h.query));
    m.insert("version".into(), json!(version));
    Value::Object(m)
}

/// The automation-rule document; `repo_id` turns a live rule name (lower case) of workspace
/// `workspace_id` into the `id` its detection file has (or will have).
pub fn automation_document(
    a: &AutomationRule,
    version: &str,
    workspace_id: &str,
    repo_id: &dyn Fn(&str) -> Option<String>,
) -> Value {
    let mut a = a.clone();
    a.unbind_rules(workspace_id, repo_id);
    let mut m = Map::new();
    m.insert("id".into(), json!(a.name));
    m.insert("displayName".into(), json!(a.display_name));
    m.insert("order".into(), json!(a.order));
    m.insert("triggeringLogic".into(), a.triggering_logic.clone());
    m.insert("actions".into(), Value::Array(a.actions.clone()));
    m.insert("version".into(), json!(version));
    Value::Object(m)
}
