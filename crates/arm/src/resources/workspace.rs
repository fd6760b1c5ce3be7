//! `ArmWorkspace`: the Log Analytics workspace itself (`Microsoft.OperationalInsights/workspaces`,
//! api-version [`crate::api_version::WORKSPACES`]), read to check it exists and to learn its
//! `customerId`, the GUID the Log Analytics query API addresses it by (NOTES §16).
//!
//! Owns: the tracked-resource envelope and the `WorkspaceProperties` sentinelctl reads, typed from
//! the 2025-02-01 `Workspaces.json` contract (Azure/azure-rest-api-specs); every other member is
//! kept in `extra`.
//!
//! Does not: write workspaces (sentinelctl never creates or changes one), so it manages nothing.
//!
//! Invariant: unknown members are kept in the `extra` maps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{ENVELOPE_READ_ONLY, NullPaths, WireModel, null_paths_accessors};

/// A workspace resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWorkspace {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_data: Option<Value>,
    #[serde(default)]
    pub properties: ArmWorkspaceProperties,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// Explicit `null`s of the JSON this was read from (see [`NullPaths`]).
    #[serde(skip)]
    pub nulls: NullPaths,
}

/// The `WorkspaceProperties` sentinelctl reads.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[allow(missing_docs)] // fields are the contract's properties, renamed to snake_case
#[serde(rename_all = "camelCase")]
pub struct ArmWorkspaceProperties {
    /// Read-only: the workspace GUID the query API takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Read-only: `Creating` | `Succeeded` | `Failed` | `Canceled` | `Deleting` | ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<i64>,
    /// `{name: PerGB2018 | CapacityReservation | ..., capacityReservationLevel, lastSkuUpdate}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Value>,
    /// `Enabled` | `Disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_network_access_for_query: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Read-only members below the envelope (2025-02-01 `Workspaces.json`).
const WORKSPACE_READ_ONLY: &[&str] = &[
    "properties/customerId",
    "properties/provisioningState",
    "properties/createdDate",
    "properties/modifiedDate",
    "properties/privateLinkScopedResources",
    "properties/sku/lastSkuUpdate",
    "properties/workspaceCapping/quotaNextResetTime",
    "properties/workspaceCapping/dataIngestionStatus",
    "properties/features/unifiedSentinelBillingOnly",
    "properties/replication/provisioningState",
    "properties/replication/createdDate",
    "properties/replication/lastModifiedDate",
    "properties/failover",
    "identity/principalId",
    "identity/tenantId",
];

impl ArmWorkspace {
    /// The workspace GUID for the Log Analytics query API.
    pub fn customer_id(&self) -> Option<&str> {
        self.properties
            .customer_id
            .as_deref()
            .filter(|id| !id.is_empty())
    }
}

impl WireModel for ArmWorkspace {
    const RESOURCE_TYPE: &'static str = "Microsoft.OperationalInsights/workspaces";

    fn read_only_paths(&self) -> Vec<&'static str> {
        [ENVELOPE_READ_ONLY, WORKSPACE_READ_ONLY].concat()
    }

    fn managed_paths(&self) -> Vec<&'static str> {
        Vec::new()
    }

    null_paths_accessors!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A GET answer in the documented shape (hand-written; the 2025-02-01 `WorkspacesGet` example is
    /// not in `shared/specs`).
    fn sample() -> Value {
        json!({
            "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-prod",
            "name": "law-prod",
            "type": "Microsoft.OperationalInsights/workspaces",
            "location": "westeurope",
            "tags": {"env": "prod"},
            "properties": {
                "customerId": "5b02755b-5bf4-430c-9487-45502a2a7e62",
                "provisioningState": "Succeeded",
                "sku": {"name": "PerGB2018", "lastSkuUpdate": "2024-01-01T00:00:00Z"},
                "retentionInDays": 90,
                "publicNetworkAccessForIngestion": "Enabled",
                "publicNetworkAccessForQuery": "Enabled",
                "features": {"enableLogAccessUsingOnlyResourcePermissions": true, "clusterResourceId": null},
                "createdDate": "2024-01-01T00:00:00Z",
            }
        })
    }

    #[test]
    fn reads_the_customer_id_losslessly() {
        let body = sample();
        let ws = ArmWorkspace::from_json(&body).unwrap();
        assert_eq!(
            ws.customer_id(),
            Some("5b02755b-5bf4-430c-9487-45502a2a7e62")
        );
        assert_eq!(ws.to_json(), body);
        let put = ws.to_put_body();
        assert!(put["properties"].get("customerId").is_none());
        assert!(put["properties"]["sku"].get("lastSkuUpdate").is_none());
        assert_eq!(put["properties"]["sku"]["name"], "PerGB2018");
        assert!(ws.managed_paths().is_empty());
        assert_eq!(ArmWorkspace::default().customer_id(), None);
    }
}
