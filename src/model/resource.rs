//! What sentinelctl manages in a workspace: [`ResourceKind`], a [`Resource`] of one of those kinds
//! (the model types behind it), and the [`Key`] that names it in a workspace.
//!
//! Shared by the desired state (repository × environment), the live state (read from ARM), plans,
//! drift and import; it depends only on the other model types.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{AnalyticsRule, SavedFunction, Workbook};

/// Kinds of managed resource, in apply order (functions before the rules that call them).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// Saved function (savedSearch).
    Function,
    /// Analytics rule.
    Detection,
    /// Workbook.
    Workbook,
}

impl ResourceKind {
    /// Every kind, in apply order.
    pub const ALL: [ResourceKind; 3] = [Self::Function, Self::Detection, Self::Workbook];

    /// Parses the lowercase noun (`detection`).
    pub fn parse(noun: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == noun)
    }

    /// Lowercase noun.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Function => "function",
            Self::Detection => "detection",
            Self::Workbook => "workbook",
        }
    }

    /// Sentinel metadata `kind` for ownership records.
    pub fn metadata_kind(self) -> &'static str {
        match self {
            Self::Function => "Parser",
            Self::Detection => "AnalyticsRule",
            Self::Workbook => "Workbook",
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
}

impl Resource {
    /// Flat fields for diffs.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        match self {
            Self::Rule(r) => r.fields(),
            Self::Function(f) => f.fields(),
            Self::Workbook(w) => w.fields(),
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
        }
    }

    /// Its kind.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Self::Rule(_) => ResourceKind::Detection,
            Self::Function(_) => ResourceKind::Function,
            Self::Workbook(_) => ResourceKind::Workbook,
        }
    }

    /// The query text, when the resource has one.
    pub fn query(&self) -> Option<&str> {
        match self {
            Self::Rule(r) => Some(&r.query),
            Self::Function(f) => Some(&f.query),
            Self::Workbook(_) => None,
        }
    }

    /// Display name.
    pub fn display_name(&self) -> &str {
        match self {
            Self::Rule(r) => &r.display_name,
            Self::Function(f) => &f.function_alias,
            Self::Workbook(w) => &w.display_name,
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
