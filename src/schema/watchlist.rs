//! `watchlists/<stem>.yaml`: a watchlist definition; its items are `watchlists/<stem>.csv`.

use schemars::JsonSchema;
use serde::Deserialize;

/// One watchlist definition file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlWatchlist {
    /// The alias queries read it by (`_GetWatchlist('alias')`); also its ARM resource name.
    pub alias: String,
    /// Name shown in the portal.
    pub display_name: String,
    /// What the list holds and who maintains it.
    pub description: Option<String>,
    /// Who provides the list (default `Custom`, as the portal proposes).
    pub provider: Option<String>,
    /// The file the items come from, as shown in the portal (default: the CSV file's name).
    pub source: Option<String>,
    /// The CSV column items are keyed and searched by (`SearchKey` in `_GetWatchlist`).
    pub items_search_key: String,
    /// Labels shown in the portal.
    pub labels: Option<Vec<String>>,
    /// How long items stay valid, ISO 8601 (e.g. `P30D`; not set = forever).
    pub default_duration: Option<String>,
    /// Content version `x.y.z`.
    pub version: Option<String>,
    /// Free-form tags for environment selectors (not deployed).
    pub tags: Option<Vec<String>>,
}
