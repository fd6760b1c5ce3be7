//! `environments/*.yaml`: one target workspace, how to reach it and what to deploy there.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

/// One environment file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlEnvironment {
    /// Entra tenant id.
    pub tenant_id: String,
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group of the workspace.
    pub resource_group: String,
    /// Log Analytics workspace name.
    pub workspace: String,
    /// Azure region of the workspace (used for workbooks).
    pub location: Option<String>,
    /// `public`, `usgov`, `china` or `custom`.
    pub cloud: Option<String>,
    /// Endpoint overrides.
    pub endpoints: Option<YamlEndpoints>,
    /// How to log in.
    pub auth: Option<YamlAuth>,
    /// Repository name recorded in ownership metadata.
    pub repository: Option<String>,
    /// What to deploy (empty = everything).
    pub include: Option<Vec<YamlSelector>>,
    /// What not to deploy.
    pub exclude: Option<Vec<YamlSelector>>,
    /// Per-environment changes.
    pub overrides: Option<YamlOverrides>,
    /// Deletion of owned content removed from code.
    pub prune: Option<YamlPrune>,
    /// How `drift` treats this workspace.
    pub drift: Option<YamlDrift>,
}

/// `drift`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlDrift {
    /// Known, accepted drift: reported as suppressed (never silently dropped) until it expires.
    pub suppress: Option<Vec<YamlSuppression>>,
}

/// One drift suppression.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlSuppression {
    /// The resource: its ARM name (a rule's id, a function's alias, a watchlist's alias…) or display
    /// name, compared without case.
    pub resource: String,
    /// Only this class of drift (`modified-outside-code`, `disabled-outside-code`, `auto-disabled`,
    /// `deleted-outside-code`, `unmanaged`, `missing-dependency`); default: any.
    pub class: Option<String>,
    /// Why the drift is accepted (shown in every report).
    pub reason: String,
    /// Last day the suppression holds (`YYYY-MM-DD`, UTC); after it the drift counts again.
    pub expires: String,
}

/// `endpoints`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlEndpoints {
    /// ARM base URL, or `embedded` for the built-in emulator.
    pub resource_manager: Option<String>,
    /// Entra authority host, or `embedded`.
    pub authority_host: Option<String>,
    /// Log Analytics query API base URL (`sentinelctl query --env`), or `embedded` (default: the
    /// emulator when `resourceManager` is `embedded`).
    pub log_analytics: Option<String>,
    /// Token audience (default: derived from the cloud).
    pub audience: Option<String>,
}

/// `auth`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlAuth {
    /// `default`, `azure-cli`, `client-secret`, `client-certificate`, `workload-identity`,
    /// `azure-pipelines`, `managed-identity`.
    pub method: String,
    /// Application (client) id.
    pub client_id: Option<String>,
    /// Name of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// PEM file with certificate and key.
    pub certificate_file: Option<String>,
    /// Azure Pipelines service connection id.
    pub service_connection_id: Option<String>,
    /// Federated token file (default `$AZURE_FEDERATED_TOKEN_FILE`).
    pub federated_token_file: Option<String>,
}

/// One include/exclude selector; all given fields must match.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlSelector {
    /// `watchlist`, `function`, `detection`, `hunting-query`, `automation-rule`, `workbook`.
    pub kinds: Option<Vec<String>>,
    /// Content ids or names.
    pub ids: Option<Vec<String>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Glob paths relative to the repository root.
    pub paths: Option<Vec<String>>,
    /// Rule status.
    pub status: Option<Vec<String>>,
}

/// `overrides`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlOverrides {
    /// By rule id or name.
    pub detections: Option<BTreeMap<String, YamlOverride>>,
    /// By function id, name or alias.
    pub functions: Option<BTreeMap<String, YamlOverride>>,
    /// By workbook key.
    pub workbooks: Option<BTreeMap<String, YamlOverride>>,
    /// By watchlist alias: this environment's items.
    pub watchlists: Option<BTreeMap<String, YamlWatchlistOverride>>,
}

/// The items a watchlist has in one environment (a different VIP list per workspace): `items`
/// replaces the CSV of the repository, then `extraItems` adds or replaces rows by search key, then
/// `removeItems` leaves rows out.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlWatchlistOverride {
    /// A CSV file (path relative to the repository root, same columns) whose rows replace the
    /// watchlist's items in this environment.
    pub items: Option<String>,
    /// Rows added to the items (or replacing the row with the same search key): column → value.
    pub extra_items: Option<Vec<BTreeMap<String, String>>>,
    /// Search-key values of rows to leave out in this environment.
    pub remove_items: Option<Vec<String>>,
}

/// Fields an environment may change.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlOverride {
    /// Enable or disable the rule.
    pub enabled: Option<bool>,
    /// Severity.
    pub severity: Option<String>,
    /// Trigger threshold.
    pub trigger_threshold: Option<i64>,
    /// Query frequency.
    pub query_frequency: Option<String>,
    /// Query period.
    pub query_period: Option<String>,
    /// Replaces top-level `let NAME = literal;` values in the query.
    pub parameters: Option<BTreeMap<String, Value>>,
    /// Workbook display name.
    pub display_name: Option<String>,
}

/// `prune`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlPrune {
    /// Delete owned content that no longer exists in code.
    pub enabled: Option<bool>,
    /// Largest share of owned content one plan may delete (0…1, default 0.2).
    pub max_delete_share: Option<f64>,
}
