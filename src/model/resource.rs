//! What sentinelctl manages in a workspace: [`ResourceKind`], a [`Resource`] of one of those kinds
//! (the model types behind it), and the [`Key`] that names it in a workspace.
//!
//! Shared by the desired state (repository × environment), the live state (read from ARM), plans,
//! drift and import; it depends only on the other model types.
//!
//! Apply order is the order of [`ResourceKind`]: watchlists (read by queries) → functions (called by
//! queries) → analytics rules and hunting queries → automation rules (which name analytics rules) →
//! workbooks; deletes run in reverse.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{AnalyticsRule, AutomationRule, HuntingQuery, SavedFunction, Watchlist, Workbook};

/// Kinds of managed resource, in apply order (see the module doc).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// Watchlist (`Microsoft.SecurityInsights/watchlists`) and its items.
    Watchlist,
    /// Saved function (savedSearch with a `functionAlias`).
    Function,
    /// Analytics rule.
    Detection,
    /// Hunting query (savedSearch in category `Hunting Queries`).
    HuntingQuery,
    /// Automation rule (`Microsoft.SecurityInsights/automationRules`).
    AutomationRule,
    /// Workbook.
    Workbook,
}

impl ResourceKind {
    /// Every kind, in apply order.
    pub const ALL: [ResourceKind; 6] = [
        Self::Watchlist,
        Self::Function,
        Self::Detection,
        Self::HuntingQuery,
        Self::AutomationRule,
        Self::Workbook,
    ];

    /// Parses the lowercase noun (`detection`).
    pub fn parse(noun: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == noun)
    }

    /// Lowercase noun.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Watchlist => "watchlist",
            Self::Function => "function",
            Self::Detection => "detection",
            Self::HuntingQuery => "hunting-query",
            Self::AutomationRule => "automation-rule",
            Self::Workbook => "workbook",
        }
    }

    /// Sentinel metadata `kind` for ownership records (the `metadataKind` enum of
    /// `ContentCommonTypes.json`, NOTES §5).
    pub fn metadata_kind(self) -> &'static str {
        match self {
            Self::Watchlist => "Watchlist",
            Self::Function => "Parser",
            Self::Detection => "AnalyticsRule",
            Self::HuntingQuery => "HuntingQuery",
            Self::AutomationRule => "AutomationRule",
            Self::Workbook => "Workbook",
        }
    }

    /// The kind an ownership record's metadata `kind` names (case-insensitive).
    pub fn from_metadata_kind(kind: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.metadata_kind().eq_ignore_ascii_case(kind))
    }

    /// The content folder of the kind.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Watchlist => "watchlists",
            Self::Function => "functions",
            Self::Detection => "detections",
            Self::HuntingQuery => "hunting",
            Self::AutomationRule => "automation",
            Self::Workbook => "workbooks",
        }
    }

    /// Position in apply order (writes; deletes run in reverse).
    pub fn stage(self) -> u8 {
        match self {
            Self::Watchlist => 0,
            Self::Function => 1,
            Self::Detection | Self::HuntingQuery => 2,
            Self::AutomationRule => 3,
            Self::Workbook => 4,
        }
    }
}

/// A resource as the repository wants it.
#[allow(clippy::large_enum_variant)] // few values live at once; boxing would only add noise
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    /// A rule.
    Rule(AnalyticsRule),
    /// A function.
    Function(SavedFunction),
    /// A workbook.
    Workbook(Workbook),
    /// A watchlist with its items.
    Watchlist(Watchlist),
    /// A hunting query.
    HuntingQuery(HuntingQuery),
    /// An automation rule.
    AutomationRule(AutomationRule),
}

impl Resource {
    /// Flat fields for diffs.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        match self {
            Self::Rule(r) => r.fields(),
            Self::Function(f) => f.fields(),
            Self::Workbook(w) => w.fields(),
            Self::Watchlist(w) => w.fields(),
            Self::HuntingQuery(h) => h.fields(),
            Self::AutomationRule(a) => a.fields(),
        }
    }

    /// A short hash of what the resource means (its diff fields), recorded in the ownership
    /// metadata at apply time so `drift` can tell "changed in the portal" from "changed in code".
    pub fn content_hash(&self) -> String {
        self.full_hash()[..16].to_string()
    }

    /// SHA-256 (hex) of everything the resource means (its diff fields in canonical JSON): what a
    /// saved plan pins.
    pub fn full_hash(&self) -> String {
        sha256_hex(&serde_json::to_string(&self.fields()).unwrap_or_default())
    }

    /// The ARM body the repository wants (before it is laid over the live resource).
    pub fn arm_body(&self) -> Value {
        match self {
            Self::Rule(r) => serde_json::json!({"kind": r.kind.as_str(), "properties": r.to_arm()}),
            Self::Function(f) => serde_json::json!({"properties": f.to_arm()}),
            Self::Workbook(w) => w.to_arm(),
            Self::Watchlist(w) => w.to_arm(),
            Self::HuntingQuery(h) => h.to_arm(),
            Self::AutomationRule(a) => a.to_arm(),
        }
    }

    /// Its kind.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Self::Rule(_) => ResourceKind::Detection,
            Self::Function(_) => ResourceKind::Function,
            Self::Workbook(_) => ResourceKind::Workbook,
            Self::Watchlist(_) => ResourceKind::Watchlist,
            Self::HuntingQuery(_) => ResourceKind::HuntingQuery,
            Self::AutomationRule(_) => ResourceKind::AutomationRule,
        }
    }

    /// The query text, when the resource has one.
    pub fn query(&self) -> Option<&str> {
        match self {
            Self::Rule(r) => r.kind.has_query().then_some(r.query.as_str()),
            Self::Function(f) => Some(&f.query),
            Self::HuntingQuery(h) => Some(&h.query),
            Self::Workbook(_) | Self::Watchlist(_) | Self::AutomationRule(_) => None,
        }
    }

    /// Display name.
    pub fn display_name(&self) -> &str {
        match self {
            Self::Rule(r) => &r.display_name,
            Self::Function(f) => &f.function_alias,
            Self::Workbook(w) => &w.display_name,
            Self::Watchlist(w) => &w.display_name,
            Self::HuntingQuery(h) => &h.display_name,
            Self::AutomationRule(a) => &a.display_name,
        }
    }
}

/// Key of a resource in a workspace.
pub type Key = (ResourceKind, String);

/// SHA-256 of `text`, as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
