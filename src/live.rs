//! Live state: what the workspace holds now, read with LIST calls (never one GET per resource).
//!
//! Reads alert rules, ownership metadata, saved searches and workbooks through `sentinel_arm`,
//! interprets them with the model's `from_arm`, and marks what sentinelctl owns: a
//! `Microsoft.SecurityInsights/metadata` record with source kind `SourceRepository` and source id
//! [`SOURCE_ID`] whose `parentId` is the resource.

use std::collections::BTreeMap;

use anyhow::Context as _;
use sentinel_arm::{ArmClient, WorkspaceRef};
use serde_json::Value;

use crate::model::{AnalyticsRule, SavedFunction, Workbook};
use crate::model::{Key, Resource, ResourceKind};

/// `source.sourceId` of every ownership record sentinelctl writes.
pub const SOURCE_ID: &str = "sentinelctl";

/// An ownership record found in the workspace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ownership {
    /// Metadata resource name.
    pub metadata_name: String,
    /// Content id.
    pub content_id: String,
    /// Content version.
    pub version: String,
    /// Source commit.
    pub commit: Option<String>,
    /// Content hash of what was applied (see `Resource::content_hash`).
    pub hash: Option<String>,
    /// Repository name.
    pub repository: String,
    /// Etag of the metadata record.
    pub etag: Option<String>,
}

/// One live resource.
#[derive(Debug, Clone)]
pub struct LiveItem {
    /// Interpreted resource; `None` for kinds sentinelctl does not manage (e.g. Fusion rules).
    pub resource: Option<Resource>,
    /// ARM name as returned.
    pub name: String,
    /// Current etag.
    pub etag: Option<String>,
    /// Ownership, when sentinelctl manages it.
    pub owner: Option<Ownership>,
    /// `lastModifiedUtc` when the service reports it.
    pub last_modified: Option<String>,
    /// The ARM kind (rules), for reports.
    pub arm_kind: Option<String>,
    /// `source.kind` of any metadata record pointing at it (`Solution` = Content hub).
    pub source_kind: Option<String>,
    /// `version` of that metadata record.
    pub metadata_version: Option<String>,
    /// Properties the service holds that sentinelctl does not model (e.g. `alertRuleTemplateName`):
    /// written back unchanged on update, so nothing is lost.
    pub unmodelled: serde_json::Map<String, Value>,
}

/// Everything read from the workspace.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Resources by (kind, lower-case name).
    pub items: BTreeMap<Key, LiveItem>,
    /// Ownership records that point at no live resource (left by an interrupted apply).
    pub orphan_owners: BTreeMap<Key, Ownership>,
}

/// `customVersion` of an ownership record: `<content hash>@<commit>`.
pub fn custom_version(hash: &str, commit: Option<&str>) -> String {
    format!("{hash}@{}", commit.unwrap_or(""))
}

/// Metadata name for a resource: `<MetadataKind>-<name>`, as Content hub names them.
pub fn metadata_name(kind: ResourceKind, name: &str) -> String {
    format!("{}-{}", kind.metadata_kind(), name.to_ascii_lowercase())
}

fn etag(v: &Value) -> Option<String> {
    v.get("etag").and_then(Value::as_str).map(str::to_string)
}

fn ownership(meta: &Value) -> Option<(String, Ownership)> {
    let p = meta.get("properties")?;
    let source = p.get("source")?;
    if source.get("kind")?.as_str()? != "SourceRepository"
        || source.get("sourceId").and_then(Value::as_str) != Some(SOURCE_ID)
    {
        return None;
    }
    let parent = p.get("parentId")?.as_str()?.to_ascii_lowercase();
    let custom = p.get("customVersion").and_then(Value::as_str);
    Some((
        parent,
        Ownership {
            metadata_name: meta.get("name")?.as_str()?.to_string(),
            content_id: p
                .get("contentId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            version: p
                .get("version")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            commit: custom
                .and_then(|c| c.split_once('@'))
                .map(|(_, c)| c.to_string())
                .filter(|c| !c.is_empty()),
            hash: custom
                .and_then(|c| c.split_once('@'))
                .map(|(h, _)| h.to_string()),
            repository: source
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            etag: etag(meta),
        },
    ))
}

/// Properties sentinelctl models (or the service computes) per kind; everything else in a live
/// resource's `properties` is carried over on update.
fn modelled(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Detection => &[
            "displayName",
            "description",
            "severity",
            "enabled",
            "query",
            "queryFrequency",
            "queryPeriod",
            "triggerOperator",
            "triggerThreshold",
            "suppressionEnabled",
            "suppressionDuration",
            "tactics",
            "techniques",
            "subTechniques",
            "entityMappings",
            "sentinelEntitiesMappings",
            "customDetails",
            "alertDetailsOverride",
            "eventGroupingSettings",
            "incidentConfiguration",
            "lastModifiedUtc",
        ],
        ResourceKind::Function => &[
            "category",
            "displayName",
            "query",
            "functionAlias",
            "functionParameters",
            "version",
        ],
        ResourceKind::Workbook => &[
            "displayName",
            "serializedData",
            "category",
            "sourceId",
            "version",
            "tags",
            "timeModified",
            "userId",
            "revision",
        ],
    }
}

/// The non-null `properties` of a live resource that sentinelctl does not model.
fn unmodelled(kind: ResourceKind, v: &Value) -> serde_json::Map<String, Value> {
    let known = modelled(kind);
    v.get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .filter(|(k, val)| !known.contains(&k.as_str()) && !val.is_null())
                .map(|(k, val)| (k.clone(), val.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// ARM id of a managed resource (lower case, for matching `parentId`).
pub fn resource_id(ws: &WorkspaceRef, kind: ResourceKind, name: &str) -> String {
    match kind {
        ResourceKind::Detection => ws.alert_rule(name),
        ResourceKind::Function => ws.saved_search(name),
        ResourceKind::Workbook => ws.workbook(name),
    }
}

/// Reads the live state with four LIST calls (plus their pages).
pub async fn read(client: &ArmClient, ws: &WorkspaceRef) -> anyhow::Result<LiveState> {
    let (rules, metadata, searches, workbooks) = tokio::try_join!(
        async {
            client
                .list(&ws.alert_rules())
                .await
                .context("cannot list the workspace's analytics rules")
        },
        async {
            client
                .list(&ws.metadata_collection())
                .await
                .context("cannot list the workspace's content metadata")
        },
        async {
            client
                .list(&ws.saved_searches())
                .await
                .context("cannot list the workspace's saved searches")
        },
        async {
            client
                .list(&ws.workbooks())
                .await
                .context("cannot list the resource group's workbooks")
        },
    )?;
    let mut owners: BTreeMap<String, Ownership> = metadata.iter().filter_map(ownership).collect();
    let sources: BTreeMap<String, (Option<String>, Option<String>)> = metadata
        .iter()
        .filter_map(|m| {
            let p = m.get("properties")?;
            let parent = p.get("parentId")?.as_str()?.to_ascii_lowercase();
            let kind = p
                .pointer("/source/kind")
                .and_then(Value::as_str)
                .map(str::to_string);
            let version = p.get("version").and_then(Value::as_str).map(str::to_string);
            Some((parent, (kind, version)))
        })
        .collect();
    let mut state = LiveState::default();
    let mut add = |kind: ResourceKind, v: &Value, resource: Option<Resource>| {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let id = resource_id(ws, kind, &name).to_ascii_lowercase();
        let owner = owners.remove(&id);
        let (source_kind, metadata_version) = sources.get(&id).cloned().unwrap_or_default();
        let last_modified = v
            .pointer("/properties/lastModifiedUtc")
            .and_then(Value::as_str)
            .map(str::to_string);
        let arm_kind = v.get("kind").and_then(Value::as_str).map(str::to_string);
        state.items.insert(
            (kind, name.to_ascii_lowercase()),
            LiveItem {
                resource,
                name,
                etag: etag(v),
                owner,
                last_modified,
                arm_kind,
                source_kind,
                metadata_version,
                unmodelled: unmodelled(kind, v),
            },
        );
    };
    for v in &rules {
        add(
            ResourceKind::Detection,
            v,
            AnalyticsRule::from_arm(v).map(Resource::Rule),
        );
    }
    for v in &searches {
        if let Some(f) = SavedFunction::from_arm(v) {
            add(ResourceKind::Function, v, Some(Resource::Function(f)));
        }
    }
    for v in &workbooks {
        add(
            ResourceKind::Workbook,
            v,
            Workbook::from_arm(v).map(Resource::Workbook),
        );
    }
    for (parent, owner) in owners {
        let kind = if parent.contains("/alertrules/") {
            ResourceKind::Detection
        } else if parent.contains("/savedsearches/") {
            ResourceKind::Function
        } else {
            ResourceKind::Workbook
        };
        let name = parent.rsplit('/').next().unwrap_or_default().to_string();
        state.orphan_owners.insert((kind, name), owner);
    }
    Ok(state)
}
