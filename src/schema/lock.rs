//! `environments/<env>.lock.yaml`: content pinned into an environment by `promote`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A lock file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlLock {
    /// Environment the content was verified in.
    pub promoted_from: Option<String>,
    /// Pinned items.
    pub items: Vec<YamlLockItem>,
}

/// One pinned item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct YamlLockItem {
    /// `watchlist`, `function`, `detection`, `hunting-query`, `automation-rule` or `workbook`.
    pub kind: String,
    /// Content id.
    pub content_id: String,
    /// Display name (for reviewers).
    pub name: String,
    /// Content version.
    pub version: String,
    /// Commit the content is read from.
    pub commit: String,
    /// Path of the file at that commit.
    pub path: String,
    /// Git blob id of the file at that commit (what was verified).
    pub blob: String,
}
