//! `detections/<rule>.tests.yaml`, `functions/<function>.tests.yaml` and
//! `hunting/<query>.tests.yaml`: test cases kept beside the content they test (the content files stay valid Azure-Sentinel YAML; the loader skips
//! `*.tests.yaml`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// A test file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlTestFile {
    /// The rule under test (its `id`); default: the rule in the file beside this one.
    pub detection: Option<String>,
    /// The function under test (its alias); default: the function in the file beside this one.
    pub function: Option<String>,
    /// Run time `T` for every case (ISO 8601; default `2026-01-15T12:00:00Z`): relative times in
    /// rows (`-10m`, `now-1h`, `ago(2d)`) count back from it.
    pub at: Option<String>,
    /// The cases.
    pub cases: Vec<YamlTestCase>,
}

/// One case.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlTestCase {
    /// What it shows ("a spray from one address fires").
    pub name: String,
    /// Run time for this case (overrides the file's).
    pub at: Option<String>,
    /// Input rows per table (raw tables such as `OnePasswordEventLogs_CL`), and watchlist items by
    /// the watchlist's alias (they replace the repository's CSV for this case).
    #[serde(default)]
    pub data: BTreeMap<String, YamlData>,
    /// Skill cases: the call to make, e.g. `OnePasswordFailedSignIns(7d)` (default: the function
    /// without arguments).
    pub call: Option<String>,
    /// What must hold.
    pub expect: YamlExpect,
}

/// Rows of one table: inline, or from a file beside the test file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlData {
    /// Rows as mappings of column → value (dynamic columns take mappings and lists).
    #[serde(default)]
    pub rows: Vec<BTreeMap<String, Value>>,
    /// A `.jsonl` file or a `.csv` exported from the Log Analytics portal, relative to the test file.
    pub file: Option<String>,
}

/// Expectations; every one given must hold.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlExpect {
    /// The rule fires (its trigger condition holds).
    pub fires: Option<bool>,
    /// Number of alerts raised.
    pub alerts: Option<usize>,
    /// Number of result rows.
    pub rows: Option<usize>,
    /// Rows that must be in the result (each a subset of a result row's columns).
    pub contains_rows: Option<Vec<BTreeMap<String, Value>>>,
    /// Result columns, in order.
    pub columns: Option<Vec<String>>,
    /// Entities some alert must carry: `{type: Account, FullName: …}`.
    pub entities: Option<Vec<BTreeMap<String, String>>>,
    /// Custom details some alert must carry (a value or a list of values per key).
    pub custom_details: Option<BTreeMap<String, Value>>,
    /// The name of some alert.
    pub alert_name: Option<String>,
    /// The severity of every alert.
    pub severity: Option<String>,
}
