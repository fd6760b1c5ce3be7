//! In-memory state, optionally persisted to a human-editable JSON file.
//!
//! File shape (also what `GET /_emulator/state` returns and `PUT /_emulator/state` accepts):
//! ```json
//! {
//!   "workspaces": [
//!     { "id": "/subscriptions/…/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws",
//!       "location": "westeurope",
//!       "properties": { "customerId": "…" },
//!       "alertRules": [ { "name": "…", "kind": "Scheduled", "etag": "\"…\"", "properties": {…} } ],
//!       "metadata": [ … ], "savedSearches": [ … ],
//!       "tables": [ … ], "removedTables": [ "syslog" ],            (only when not empty)
//!       "watchlists": [ … ], "watchlistItems": [ { "watchlistAlias": "…", "name": "…", … } ],
//!       "automationRules": [ … ],
//!       "rows": { "OnePasswordEventLogs_CL": [ { "TimeGenerated": "…", … } ] } }   (query API data)
//!   ],
//!   "workbooks": [ { "id": "/subscriptions/…/resourceGroups/rg/providers/Microsoft.Insights/workbooks/{guid}", … } ]
//! }
//! ```
//! Each resource is stored as the service returns it; `id` and `type` are recomputed on every answer,
//! so hand edits only need `name` (and `id` for workbooks). Names are matched case-insensitively.
//! The file is rewritten atomically (temporary file + rename) after every write.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

pub(crate) use crate::arm_id::WorkspaceId;

use crate::guid;

/// The collections kept under each workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coll {
    AlertRules,
    Metadata,
    SavedSearches,
    /// Custom tables, and built-in tables whose settings were changed (see `tables`).
    Tables,
    Watchlists,
    /// Keyed by `{alias}/{itemId}` (lower-cased); each item stores its `watchlistAlias`.
    WatchlistItems,
    AutomationRules,
}

const COLLS: usize = 7;

impl Coll {
    pub(crate) const ALL: [Coll; COLLS] = [
        Coll::AlertRules,
        Coll::Metadata,
        Coll::SavedSearches,
        Coll::Tables,
        Coll::Watchlists,
        Coll::WatchlistItems,
        Coll::AutomationRules,
    ];

    pub(crate) fn key(self) -> &'static str {
        match self {
            Coll::AlertRules => "alertRules",
            Coll::Metadata => "metadata",
            Coll::SavedSearches => "savedSearches",
            Coll::Tables => "tables",
            Coll::Watchlists => "watchlists",
            Coll::WatchlistItems => "watchlistItems",
            Coll::AutomationRules => "automationRules",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// The map key of a stored item: its name, or `{alias}/{name}` for watchlist items.
    pub(crate) fn item_key(self, item: &Value) -> Option<String> {
        let name = item.get("name").and_then(Value::as_str)?;
        Some(match self {
            Coll::WatchlistItems => {
                let alias = item.get("watchlistAlias").and_then(Value::as_str)?;
                item_key(alias, name)
            }
            _ => name_key(name),
        })
    }
}

/// The key of watchlist item `id` of watchlist `alias`.
pub(crate) fn item_key(alias: &str, id: &str) -> String {
    format!("{}/{}", name_key(alias), name_key(id))
}

#[derive(Debug, Clone)]
pub(crate) struct Workspace {
    pub(crate) id: WorkspaceId,
    pub(crate) location: String,
    pub(crate) properties: Value,
    colls: [BTreeMap<String, Value>; COLLS],
    /// Built-in tables removed through the admin API (lower-cased names).
    pub(crate) removed_tables: std::collections::BTreeSet<String>,
    /// Log rows the query API answers from, by lower-cased table name: the table's name as first
    /// loaded and its rows (JSON objects of column → value), loaded through the admin API.
    pub(crate) rows: BTreeMap<String, (String, Vec<Value>)>,
    /// Rows of a connector's recent ingestion ([`crate::Emulator::set_ingested_rows`]): answered by
    /// the query API beside [`Workspace::rows`], replaced at every start, never written to the state
    /// file (so they neither pile up nor go stale there).
    pub(crate) ingested: BTreeMap<String, (String, Vec<Value>)>,
    /// Whether Microsoft Sentinel is onboarded (`onboardingStates/default` exists). New workspaces
    /// are; deleting the onboarding state makes every other Sentinel call answer 400.
    pub(crate) sentinel: bool,
}

impl Workspace {
    fn new(id: WorkspaceId, location: Option<&str>) -> Self {
        let customer_id = guid::stable_guid(&id.key());
        Self {
            id,
            location: location.unwrap_or("westeurope").to_string(),
            properties: json!({
                "customerId": customer_id,
                "provisioningState": "Succeeded",
                "sku": {"name": "PerGB2018"},
                "retentionInDays": 30,
                "publicNetworkAccessForIngestion": "Enabled",
                "publicNetworkAccessForQuery": "Enabled",
            }),
            colls: Default::default(),
            removed_tables: std::collections::BTreeSet::new(),
            rows: BTreeMap::new(),
            ingested: BTreeMap::new(),
            sentinel: true,
        }
    }

    pub(crate) fn coll(&self, c: Coll) -> &BTreeMap<String, Value> {
        &self.colls[c.index()]
    }

    pub(crate) fn coll_mut(&mut self, c: Coll) -> &mut BTreeMap<String, Value> {
        &mut self.colls[c.index()]
    }

    /// The workspace resource as ARM returns it.
    pub(crate) fn resource(&self) -> Value {
        json!({
            "properties": self.properties,
            "location": self.location,
            "id": self.id.canonical(),
            "name": self.id.name,
            "type": "Microsoft.OperationalInsights/workspaces",
        })
    }
}

/// Everything the emulator holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    workspaces: BTreeMap<String, Workspace>,
    /// Keyed by lower-cased workbook id.
    pub(crate) workbooks: BTreeMap<String, Value>,
}

/// A key for a name: ARM matches names case-insensitively.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

impl State {
    pub(crate) fn workspace(&self, id: &WorkspaceId) -> Option<&Workspace> {
        self.workspaces.get(&id.key())
    }

    pub(crate) fn workspace_mut(&mut self, id: &WorkspaceId) -> Option<&mut Workspace> {
        self.workspaces.get_mut(&id.key())
    }

    pub(crate) fn subscription_known(&self, sub: &str) -> bool {
        self.workspaces
            .values()
            .any(|w| w.id.subscription.eq_ignore_ascii_case(sub))
    }

    pub(crate) fn resource_group_known(&self, sub: &str, rg: &str) -> bool {
        self.workspaces.values().any(|w| {
            w.id.subscription.eq_ignore_ascii_case(sub)
                && w.id.resource_group.eq_ignore_ascii_case(rg)
        })
    }

    /// Adds a workspace; returns false when it already existed.
    pub(crate) fn add_workspace(&mut self, id: &WorkspaceId, location: Option<&str>) -> bool {
        if self.workspaces.contains_key(&id.key()) {
            if let (Some(l), Some(w)) = (location, self.workspaces.get_mut(&id.key())) {
                l.clone_into(&mut w.location);
            }
            return false;
        }
        self.workspaces
            .insert(id.key(), Workspace::new(id.clone(), location));
        true
    }

    pub(crate) fn workspaces(&self) -> impl Iterator<Item = &Workspace> {
        self.workspaces.values()
    }

    /// The persisted / admin JSON form.
    pub(crate) fn to_json(&self) -> Value {
        let workspaces: Vec<Value> = self
            .workspaces
            .values()
            .map(|w| {
                let mut o = Map::new();
                o.insert("id".into(), Value::String(w.id.canonical()));
                o.insert("location".into(), Value::String(w.location.clone()));
                o.insert("properties".into(), w.properties.clone());
                for c in Coll::ALL {
                    // The first three are always written (the original file shape); the others
                    // only when they hold something, so older state files round-trip unchanged.
                    if c.index() < 3 || !w.coll(c).is_empty() {
                        o.insert(
                            c.key().into(),
                            Value::Array(w.coll(c).values().cloned().collect()),
                        );
                    }
                }
                if !w.removed_tables.is_empty() {
                    o.insert("removedTables".into(), json!(w.removed_tables));
                }
                if !w.sentinel {
                    o.insert("sentinelOnboarded".into(), Value::Bool(false));
                }
                if !w.rows.is_empty() {
                    let rows: Map<String, Value> = w
                        .rows
                        .values()
                        .map(|(name, rows)| (name.clone(), Value::Array(rows.clone())))
                        .collect();
                    o.insert("rows".into(), Value::Object(rows));
                }
                Value::Object(o)
            })
            .collect();
        json!({
            "workspaces": workspaces,
            "workbooks": self.workbooks.values().cloned().collect::<Vec<_>>(),
        })
    }

    /// Parses the persisted / admin JSON form.
    pub(crate) fn from_json(v: &Value) -> Result<Self, String> {
        let mut st = State::default();
        let obj = v.as_object().ok_or("state must be a JSON object")?;
        if let Some(ws) = obj.get("workspaces") {
            for w in ws.as_array().ok_or("'workspaces' must be an array")? {
                let id_str = w
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or("each workspace needs an 'id'")?;
                let id = WorkspaceId::parse(id_str)
                    .ok_or_else(|| format!("'{id_str}' is not a Log Analytics workspace id"))?;
                let mut ws = Workspace::new(id.clone(), w.get("location").and_then(Value::as_str));
                if let Some(p) = w.get("properties").filter(|p| p.is_object()) {
                    ws.properties = p.clone();
                }
                for c in Coll::ALL {
                    let Some(items) = w.get(c.key()) else {
                        continue;
                    };
                    for item in items
                        .as_array()
                        .ok_or_else(|| format!("'{}' of {id_str} must be an array", c.key()))?
                    {
                        let key = c.item_key(item).ok_or_else(|| {
                            format!(
                                "an item of '{}' in {id_str} has no 'name'{}",
                                c.key(),
                                if c == Coll::WatchlistItems {
                                    " or 'watchlistAlias'"
                                } else {
                                    ""
                                }
                            )
                        })?;
                        ws.coll_mut(c).insert(key, item.clone());
                    }
                }
                if let Some(r) = w.get("removedTables") {
                    for n in r
                        .as_array()
                        .ok_or_else(|| format!("'removedTables' of {id_str} must be an array"))?
                    {
                        let n = n.as_str().ok_or_else(|| {
                            format!("'removedTables' of {id_str} must hold table names")
                        })?;
                        ws.removed_tables.insert(name_key(n));
                    }
                }
                match w.get("sentinelOnboarded") {
                    None => {}
                    Some(Value::Bool(b)) => ws.sentinel = *b,
                    Some(_) => {
                        return Err(format!(
                            "'sentinelOnboarded' of {id_str} must be true or false"
                        ));
                    }
                }
                if let Some(r) = w.get("rows") {
                    let r = r.as_object().ok_or_else(|| {
                        format!("'rows' of {id_str} must be an object of table name to rows")
                    })?;
                    for (table, rows) in r {
                        let rows = rows.as_array().ok_or_else(|| {
                            format!("'rows.{table}' of {id_str} must be an array of objects")
                        })?;
                        ws.rows
                            .insert(name_key(table), (table.clone(), rows.clone()));
                    }
                }
                st.workspaces.insert(id.key(), ws);
            }
        }
        if let Some(wbs) = obj.get("workbooks") {
            for wb in wbs.as_array().ok_or("'workbooks' must be an array")? {
                let id = wb
                    .get("id")
                    .and_then(Value::as_str)
                    .ok_or("each workbook needs an 'id'")?;
                st.workbooks.insert(id.to_ascii_lowercase(), wb.clone());
            }
        }
        Ok(st)
    }
}

/// The state behind a lock, and its file.
#[derive(Debug)]
pub(crate) struct Store {
    state: Mutex<(State, u64)>,
    file: Option<PathBuf>,
    written: Mutex<u64>,
    tmp_counter: AtomicU64,
}

impl Store {
    pub(crate) fn new(state: State, file: Option<PathBuf>) -> Self {
        Self {
            state: Mutex::new((state, 0)),
            file,
            written: Mutex::new(0),
            tmp_counter: AtomicU64::new(0),
        }
    }

    /// Loads `file` if it exists (an absent file is an empty state).
    pub(crate) fn load(file: &std::path::Path) -> Result<State, String> {
        match std::fs::read_to_string(file) {
            Ok(text) if text.trim().is_empty() => Ok(State::default()),
            Ok(text) => {
                let v: Value = serde_json::from_str(&text)
                    .map_err(|e| format!("state file {} is not valid JSON: {e}", file.display()))?;
                State::from_json(&v).map_err(|e| format!("state file {}: {e}", file.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(format!("cannot read state file {}: {e}", file.display())),
        }
    }

    /// Reads under the lock.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let g = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&g.0)
    }

    /// Mutates under the lock; `f` returns its result and whether it changed anything. Changes are
    /// persisted before this returns.
    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut State) -> (R, bool)) -> R {
        let (r, snapshot) = {
            let mut g = self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (r, changed) = f(&mut g.0);
            if changed {
                g.1 += 1;
            }
            let snap = (changed && self.file.is_some()).then(|| (g.1, g.0.to_json()));
            (r, snap)
        };
        if let Some((version, json)) = snapshot {
            self.persist(version, &json);
        }
        r
    }

    pub(crate) fn snapshot(&self) -> Value {
        self.read(State::to_json)
    }

    /// Writes the current state now (used at shutdown).
    pub(crate) fn flush(&self) {
        if self.file.is_none() {
            return;
        }
        let (version, json) = {
            let g = self
                .state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (g.1, g.0.to_json())
        };
        let mut w = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *w = 0; // force
        drop(w);
        self.persist(version, &json);
    }

    fn persist(&self, version: u64, json: &Value) {
        let Some(file) = &self.file else { return };
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *written > version && version != 0 {
            return; // a newer snapshot is already on disk
        }
        let text = match serde_json::to_string_pretty(json) {
            Ok(t) => t + "\n",
            Err(_) => return,
        };
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = file.with_extension(format!("tmp-{}-{n}", std::process::id()));
        let result = (|| -> std::io::Result<()> {
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            {
                use std::io::Write;
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
            }
            std::fs::rename(&tmp, file)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        } else {
            *written = version;
        }
    }

    /// Replaces the whole state (admin API).
    pub(crate) fn replace(&self, st: State) {
        self.write(|s| {
            *s = st;
            ((), true)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchlist_items_and_removed_tables_round_trip() {
        let mut st = State::default();
        let id = WorkspaceId::parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws").unwrap();
        st.add_workspace(&id, None);
        let w = st.workspace_mut(&id).unwrap();
        w.coll_mut(Coll::WatchlistItems).insert(
            item_key("VIPs", "I1"),
            json!({"watchlistAlias": "VIPs", "name": "I1", "properties": {}}),
        );
        w.removed_tables.insert("syslog".into());
        let v = st.to_json();
        assert!(
            v["workspaces"][0].get("automationRules").is_none(),
            "empty new collections are not written"
        );
        let back = State::from_json(&v).unwrap();
        let w = back.workspace(&id).unwrap();
        assert!(w.coll(Coll::WatchlistItems).contains_key("vips/i1"));
        assert!(w.removed_tables.contains("syslog"));
        let bad =
            json!({"workspaces": [{"id": id.canonical(), "watchlistItems": [{"name": "x"}]}]});
        assert!(
            State::from_json(&bad)
                .unwrap_err()
                .contains("watchlistAlias")
        );
    }

    #[test]
    fn state_json_round_trips() {
        let mut st = State::default();
        let id = WorkspaceId::parse("/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws").unwrap();
        st.add_workspace(&id, Some("westus"));
        st.workspace_mut(&id)
            .unwrap()
            .coll_mut(Coll::AlertRules)
            .insert("a".into(), json!({"name": "A", "kind": "Scheduled"}));
        let v = st.to_json();
        let back = State::from_json(&v).unwrap();
        assert_eq!(back.to_json(), v);
    }
}
