//! [`HuntingQuery`]: a Sentinel hunting query, which the workspace stores as a saved search
//! (`Microsoft.OperationalInsights/workspaces/savedSearches`) in category `Hunting Queries`.
//!
//! Mapping, as the portal stores hunting queries (NOTES §17): `id` → the resource name, `name` →
//! `displayName`, `query` → `query`, `version: 2` (the saved-search schema), and the hunting
//! metadata in the saved search's `tags` (`{name, value}` pairs, not ARM tags): `description`,
//! `tactics` (comma-separated, `InitialAccess,Persistence`) and `techniques` (`T1078,T1098`).
//! Other tags the portal adds (`createdBy`, `createdTimeUtc`, …) are the workspace's: they are
//! kept on update ([`merge_tags`]) and never compared.
//!
//! A saved search with a `functionAlias` is a function whatever its category; one in category
//! `Hunting Queries` (compared case-insensitively) without an alias is a hunting query; any other
//! saved search is neither and is left alone.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::rule::flatten;
use super::text::normalize_query;
use crate::schema::YamlHuntingQuery;

/// The category Sentinel files hunting queries under.
pub const CATEGORY: &str = sentinel_arm::resources::saved_search::HUNTING_QUERIES_CATEGORY;

/// The tags sentinelctl writes (and owns) on a hunting query's saved search.
pub const MANAGED_TAGS: [&str; 3] = ["description", "tactics", "techniques"];

/// A hunting query, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuntingQuery {
    /// Resource name: the GUID `id`, lower case.
    pub name: String,
    /// Content version.
    pub version: Option<String>,
    /// `displayName`.
    pub display_name: String,
    /// The `description` tag.
    pub description: String,
    /// `query`, normalised.
    pub query: String,
    /// The `tactics` tag, sorted.
    pub tactics: Vec<String>,
    /// The `techniques` tag, sorted (techniques and sub-techniques as written).
    pub techniques: Vec<String>,
}

fn sorted(list: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = list
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `(name, value)` of a saved-search tag (either spelling: `name`/`value` or `Name`/`Value`).
fn tag(t: &Value) -> Option<(&str, &str)> {
    let get = |a: &str, b: &str| t.get(a).or_else(|| t.get(b)).and_then(Value::as_str);
    Some((
        get("name", "Name")?,
        get("value", "Value").unwrap_or_default(),
    ))
}

impl HuntingQuery {
    /// Interprets a hunting-query file.
    pub fn from_yaml(raw: &YamlHuntingQuery) -> Self {
        Self {
            name: raw.id.trim().to_ascii_lowercase(),
            version: raw.version.clone(),
            display_name: raw.name.clone(),
            description: super::trimmed_end(raw.description.as_deref()),
            query: normalize_query(&raw.query),
            tactics: sorted(raw.tactics.clone().unwrap_or_default()),
            techniques: sorted(raw.relevant_techniques.clone().unwrap_or_default()),
        }
    }

    /// The saved-search tags sentinelctl writes (empty ones left out).
    fn tags(&self) -> Vec<Value> {
        [
            ("description", self.description.clone()),
            ("tactics", self.tactics.join(",")),
            ("techniques", self.techniques.join(",")),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| json!({"name": n, "value": v}))
        .collect()
    }

    /// ARM body for a PUT (the etag goes beside it, see the ARM client).
    pub fn to_arm(&self) -> Value {
        json!({"properties": {
            "category": CATEGORY,
            "displayName": self.display_name,
            "query": self.query,
            "version": 2,
            "tags": self.tags(),
        }})
    }

    /// Interprets an ARM saved search; `None` unless it is a hunting query (see the module doc).
    pub fn from_arm(resource: &Value) -> Option<Self> {
        let name = resource.get("name")?.as_str()?.to_ascii_lowercase();
        let p = resource.get("properties")?;
        let s = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if !s("functionAlias").is_empty() || !s("category").eq_ignore_ascii_case(CATEGORY) {
            return None;
        }
        let tags: Vec<(&str, &str)> = p
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(tag).collect())
            .unwrap_or_default();
        let tag_value = |n: &str| {
            tags.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| (*v).to_string())
                .unwrap_or_default()
        };
        let list = |n: &str| sorted(tag_value(n).split(',').map(str::to_string));
        Some(Self {
            name,
            version: None,
            display_name: s("displayName"),
            description: tag_value("description").trim_end().to_string(),
            query: normalize_query(&s("query")),
            tactics: list("tactics"),
            techniques: list("techniques"),
        })
    }

    /// Flat `path → value` map for diffs.
    pub fn fields(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let v = json!({
            "displayName": self.display_name,
            "query": self.query,
            "tags": {
                "description": self.description,
                "tactics": self.tactics,
                "techniques": self.techniques,
            }
        });
        flatten("", &v, &mut out);
        out
    }
}

/// The PUT body `merged` (the live saved search with the managed properties replaced) with the
/// live tags sentinelctl does not manage put back after its own, so `createdBy` and any tag added
/// in the portal survive an update.
pub fn merge_tags(live: &Value, merged: &mut Value) {
    let kept: Vec<Value> = live
        .pointer("/properties/tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| {
            tag(t).is_some_and(|(n, _)| !MANAGED_TAGS.iter().any(|m| m.eq_ignore_ascii_case(n)))
        })
        .cloned()
        .collect();
    if kept.is_empty() {
        return;
    }
    if let Some(p) = merged.get_mut("properties").and_then(Value::as_object_mut) {
        let tags = p.entry("tags").or_insert_with(|| Value::Array(Vec::new()));
        if let Some(a) = tags.as_array_mut() {
            a.extend(kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> YamlHuntingQuery {
        YamlHuntingQuery {
            id: "5F78B752-4321-42A6-8117-5CDCE94C1077".into(),
            name: "Hunt".into(),
            description: Some("Looks for it.\n".into()),
            required_data_connectors: None,
            tactics: Some(vec!["Persistence".into(), "InitialAccess".into()]),
            relevant_techniques: Some(vec!["T1098".into(), "T1078".into()]),
            query: "T\r\n| take 1\n".into(),
            entity_mappings: None,
            severity: None,
            version: Some("1.0.0".into()),
            tags: None,
            metadata: None,
        }
    }

    #[test]
    fn tags_carry_description_tactics_and_techniques_as_the_portal_stores_them() {
        let h = HuntingQuery::from_yaml(&raw());
        let body = h.to_arm();
        assert_eq!(body["properties"]["category"], "Hunting Queries");
        assert_eq!(
            body["properties"]["tags"],
            json!([
                {"name": "description", "value": "Looks for it."},
                {"name": "tactics", "value": "InitialAccess,Persistence"},
                {"name": "techniques", "value": "T1078,T1098"},
            ])
        );
        let mut live = body.clone();
        live["name"] = json!("5f78b752-4321-42a6-8117-5cdce94c1077");
        live["properties"]["tags"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "createdBy", "value": "someone@contoso.com"}));
        assert_eq!(HuntingQuery::from_arm(&live).unwrap(), {
            let mut h = h.clone();
            h.version = None;
            h
        });
    }

    #[test]
    fn functions_and_other_saved_searches_are_not_hunting_queries() {
        let function = json!({"name": "f", "properties": {"category": "Hunting Queries", "functionAlias": "f", "query": "T"}});
        assert!(HuntingQuery::from_arm(&function).is_none());
        let saved = json!({"name": "s", "properties": {"category": "Saved queries", "query": "T"}});
        assert!(HuntingQuery::from_arm(&saved).is_none());
        let pascal = json!({"name": "h", "properties": {"category": "hunting queries", "query": "T",
            "tags": [{"Name": "tactics", "Value": "Discovery"}]}});
        assert_eq!(
            HuntingQuery::from_arm(&pascal).unwrap().tactics,
            ["Discovery"]
        );
    }

    #[test]
    fn portal_tags_survive_an_update() {
        let live = json!({"properties": {"tags": [
            {"name": "tactics", "value": "Old"},
            {"name": "createdBy", "value": "someone"},
        ]}});
        let mut merged = json!({"properties": {"tags": [{"name": "tactics", "value": "New"}]}});
        merge_tags(&live, &mut merged);
        assert_eq!(
            merged["properties"]["tags"],
            json!([{"name": "tactics", "value": "New"}, {"name": "createdBy", "value": "someone"}])
        );
    }
}
