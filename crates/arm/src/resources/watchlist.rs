//! `ArmWatchlist` and `ArmWatchlistItem`: a Sentinel watchlist and one of its rows
//! (`Microsoft.SecurityInsights/watchlists[/watchlistItems]`, api-version
//! [`crate::api_version::WATCHLISTS`]).
//!
//! Owns: the envelopes and `WatchlistProperties` / `WatchlistItemProperties` of the stable 2025-12-01
//! contract. Watchlist PUT and DELETE are long-running (201/202 with `Azure-AsyncOperation`); items
//! are synchronous (NOTES §7.1, §15). `itemsKeyValue` maps column header → value.
//!
//! Does not: parse CSV (`rawContent`), poll the long-running operations, or choose item names.
//!
//! Invariant: unknown members are kept in the `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};

/// A watchlist resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWatchlist {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The alias (the URL's last segment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    pub properties: ArmWatchlistProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// `WatchlistProperties`; `displayName`, `provider` and `itemsSearchKey` are required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWatchlistProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// File name the list came from (e.g. `vip.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// `Local` | `AzureStorage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_type: Option<String>,
    /// The alias `_GetWatchlist('alias')` reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_alias: Option<String>,
    /// The column items are keyed and searched by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_search_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// ISO 8601 duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_lines_to_skip: Option<i64>,
    /// CSV/TSV text creating the items in the same call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_content: Option<String>,
    /// e.g. `text/csv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    /// Read-only: `New` | `InProgress` | `Uploading` | `Deleting` | `Succeeded` | `Failed` | `Canceled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One watchlist item.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWatchlistItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The item id (a GUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    pub properties: ArmWatchlistItemProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// `WatchlistItemProperties`; `itemsKeyValue` is required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWatchlistItemProperties {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_item_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watchlist_item_id: Option<String>,
    /// Column header → value (strings in every example, but the contract allows any JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_key_value: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleted: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Read-only members of a watchlist below the envelope.
const WATCHLIST_READ_ONLY: &[&str] = &[
    "properties/createdBy/email",
    "properties/createdBy/name",
    "properties/updatedBy/email",
    "properties/updatedBy/name",
    "properties/provisioningState",
];

/// Read-only members of a watchlist item below the envelope.
const ITEM_READ_ONLY: &[&str] = &[
    "properties/createdBy/email",
    "properties/createdBy/name",
    "properties/updatedBy/email",
    "properties/updatedBy/name",
];

/// What sentinelctl manages on a watchlist definition (its items are written one by one).
pub const WATCHLIST_MANAGED: &[&str] = &[
    "properties/displayName",
    "properties/provider",
    "properties/source",
    "properties/sourceType",
    "properties/description",
    "properties/itemsSearchKey",
    "properties/labels",
    "properties/defaultDuration",
];

/// What sentinelctl manages on an item: its row.
pub const ITEM_MANAGED: &[&str] = &["properties/itemsKeyValue"];

impl WireModel for ArmWatchlist {
    const RESOURCE_TYPE: &'static str = "Microsoft.SecurityInsights/watchlists";

    fn read_only_paths(&self) -> Vec<&'static str> {
        [ENVELOPE_READ_ONLY, WATCHLIST_READ_ONLY].concat()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        WATCHLIST_MANAGED.to_vec()
    }

    null_paths_accessors!();
}

impl WireModel for ArmWatchlistItem {
    const RESOURCE_TYPE: &'static str = "Microsoft.SecurityInsights/watchlists/watchlistItems";

    fn read_only_paths(&self) -> Vec<&'static str> {
        [ENVELOPE_READ_ONLY, ITEM_READ_ONLY].concat()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        ITEM_MANAGED.to_vec()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::examples::load;

    const DIR: &str = "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/watchlists";

    #[test]
    fn typed_fields_are_read() {
        let get = load(&format!("{DIR}/GetWatchlistByAlias.json"));
        let w = ArmWatchlist::from_json(&get["responses"]["200"]["body"]).unwrap();
        assert_eq!(w.properties.items_search_key.as_deref(), Some("header1"));
        assert_eq!(
            w.properties.watchlist_alias.as_deref(),
            Some("highValueAsset")
        );
        let body = w.to_put_body();
        assert!(body["properties"]["createdBy"].get("email").is_none());
        assert!(
            body["properties"]["createdBy"].get("objectId").is_some(),
            "objectId is writable"
        );
        let item = load(&format!("{DIR}/GetWatchlistItemById.json"));
        let i = ArmWatchlistItem::from_json(&item["responses"]["200"]["body"]).unwrap();
        assert_eq!(
            i.properties.items_key_value.as_ref().unwrap()["Header-1"],
            "v1_1"
        );
    }
}
