//! Import: the workspace's content → files in this repository's layout, so that a plan right
//! after shows no change (the round trip is tested).
//!
//! Rules are written in the Azure-Sentinel YAML format with block-scalar KQL and short
//! durations; functions in the parser format; workbooks as metadata + JSON (keeping the ARM name
//! in `name:` because portal-made workbooks have random GUIDs). Content hub items (metadata
//! source kind `Solution`) are skipped unless asked for; content owned by another tool or made by
//! hand is written only with `include_unmanaged`. Watchlists (definition + CSV), hunting queries
//! and automation rules are written by `import/writers.rs`.

mod writers;

pub use writers::{automation_document, hunting_document, watchlist_csv, watchlist_document};

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use crate::live::{LiveItem, LiveState};
use crate::model::rule::OPERATORS;
use crate::model::{AnalyticsRule, SavedFunction, Workbook};
use crate::model::{Key, Resource, ResourceKind};
use crate::render::yaml::to_yaml;

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Also content sentinelctl does not own.
    pub include_unmanaged: bool,
    /// Also Content hub content.
    pub include_content_hub: bool,
    /// Only these kinds (empty = all).
    pub kinds: Vec<ResourceKind>,
    /// The workspace the live state was read from (its resource id): automation rules' references
    /// to its rules are written as the rules' repository ids.
    pub workspace_id: String,
    /// Only rewrite, in place, the files of content the repository already has whose workspace
    /// version differs (drift back to Git: no new files).
    pub only_existing: bool,
}

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    /// Path relative to the output root.
    pub path: PathBuf,
    /// Contents.
    pub text: String,
}

/// Longest file-name stem import writes (characters).
pub const MAX_STEM: usize = 80;

/// Names Windows reserves whatever the extension (a clone on Windows could not check them out).
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A file-name stem from a name that comes from the workspace (untrusted): lowercase ASCII
/// letters, digits, `-` and `_` only (so no separator, `..`, NUL or control character survives),
/// at most [`MAX_STEM`] characters, never empty or a reserved device name.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out.trim_matches('-').chars().take(MAX_STEM).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() {
        "content".into()
    } else if RESERVED.contains(&trimmed.as_str()) {
        format!("{trimmed}-content")
    } else {
        trimmed
    }
}

/// A stem not yet taken in `folder` (compared case-insensitively: `A.yaml` and `a.yaml` collide on
/// macOS and Windows).
fn unique(folder: &str, stem: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = stem.to_string();
    let mut n = 2;
    while !taken.insert(format!("{folder}/{}", candidate.to_ascii_lowercase())) {
        candidate = format!("{stem}-{n}");
        n += 1;
    }
    candidate
}

/// A content item already in the repository being imported into.
#[derive(Debug, Clone)]
pub struct ExistingItem {
    /// Its file (for workbooks the metadata file; the JSON is beside it), relative to the root.
    pub path: PathBuf,
    /// What it means in this environment (its diff fields), to leave it alone when live agrees.
    pub fields: BTreeMap<String, Value>,
}

/// What the target repository already holds: items by (kind, ARM name) and by (kind, content id),
/// and every file stem taken (lowercase `folder/stem`).
#[derive(Debug, Clone, Default)]
pub struct Existing {
    /// By resource key.
    pub by_key: BTreeMap<Key, ExistingItem>,
    /// By (kind, lowercase content id).
    pub by_content_id: BTreeMap<(ResourceKind, String), ExistingItem>,
    /// Taken stems.
    pub taken: BTreeSet<String>,
}

/// What an import would do.
#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// Files to write (new files, and existing files whose content differs from the workspace).
    pub files: Vec<ImportedFile>,
    /// Existing files that already say what the workspace holds (left untouched).
    pub unchanged: Vec<PathBuf>,
}

/// `detection:<name>` → the `id` the rule's file has or will have: its content id when owned,
/// else its name, for every rule the import writes or the repository holds.
fn rule_ids(
    live: &LiveState,
    options: &ImportOptions,
    existing: &Existing,
) -> BTreeMap<String, String> {
    live.items
        .iter()
        .filter(|((k, _), _)| *k == ResourceKind::Detection)
        .filter_map(|(key, item)| {
            let id = item
                .owner
                .as_ref()
                .map_or_else(|| key.1.clone(), |o| o.content_id.to_ascii_lowercase());
            let known = wanted(item, ResourceKind::Detection, options)
                || existing.by_key.contains_key(key)
                || existing
                    .by_content_id
                    .contains_key(&(ResourceKind::Detection, id.clone()));
            known.then(|| (key.1.clone(), id))
        })
        .collect()
}

fn header(kind: &str) -> String {
    format!(
        "# yaml-language-server: $schema=../schemas/json/{kind}.schema.json\n# Imported by sentinelctl.\n"
    )
}

/// The Azure-Sentinel YAML document for a rule.
pub fn rule_document(r: &AnalyticsRule, version: &str) -> Value {
    if !r.kind.has_query() {
        return rule_without_query_document(r, version);
    }
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    put("id", json!(r.name));
    put("name", json!(r.display_name));
    put("description", json!(r.description));
    put("severity", json!(r.severity));
    put("kind", json!(r.kind.as_str()));
    put("enabled", json!(r.enabled));
    if let (Some(f), Some(p)) = (r.query_frequency, r.query_period) {
        put("queryFrequency", json!(f.to_short()));
        put("queryPeriod", json!(p.to_short()));
    }
    if let Some(op) = &r.trigger_operator {
        let short = OPERATORS
            .iter()
            .find(|(_, long)| long == op)
            .map_or(op.as_str(), |(s, _)| s);
        put("triggerOperator", json!(short));
    }
    if let Some(t) = r.trigger_threshold {
        put("triggerThreshold", json!(t));
    }
    put("tactics", json!(r.tactics));
    let covered: BTreeSet<&str> = r
        .sub_techniques
        .iter()
        .filter_map(|s| s.split_once('.').map(|(p, _)| p))
        .collect();
    let mut relevant: Vec<&String> = r
        .techniques
        .iter()
        .filter(|t| !covered.contains(t.as_str()))
        .collect();
    relevant.extend(r.sub_techniques.iter());
    put("relevantTechniques", json!(relevant));
    put("query", json!(r.query));
    for (k, v) in [
        ("entityMappings", &r.entity_mappings),
        ("sentinelEntitiesMappings", &r.sentinel_entities_mappings),
        ("alertDetailsOverride", &r.alert_details_override),
        ("eventGroupingSettings", &r.event_grouping_settings),
    ] {
        if let Some(v) = v {
            put(k, v.clone());
        }
    }
    if let Some(c) = &r.custom_details {
        put("customDetails", json!(c));
    }
    let mut incident = r.incident_configuration.clone();
    if let Some(d) = incident
        .pointer("/groupingConfiguration/lookbackDuration")
        .and_then(Value::as_str)
        .and_then(crate::model::Duration::parse)
    {
        incident["groupingConfiguration"]["lookbackDuration"] = json!(d.to_short());
    }
    put("incidentConfiguration", incident);
    put("suppressionEnabled", json!(r.suppression_enabled));
    put(
        "suppressionDuration",
        json!(r.suppression_duration.to_short()),
    );
    put("version", json!(version));
    Value::Object(m)
}

/// The document for a rule without a query (docs/rule-kinds.md): what the kind manages, plus the
/// live display name (read-only for template-bound kinds: written so people know the rule).
fn rule_without_query_document(r: &AnalyticsRule, version: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.name));
    m.insert("name".into(), json!(r.display_name));
    if !r.description.is_empty() && !r.kind.is_template_bound() {
        m.insert("description".into(), json!(r.description));
    }
    m.insert("kind".into(), json!(r.kind.as_str()));
    if let Some(t) = &r.alert_rule_template_name {
        m.insert("alertRuleTemplateName".into(), json!(t));
    }
    m.insert("enabled".into(), json!(r.enabled));
    if let Some(p) = &r.product_filter {
        m.insert("productFilter".into(), json!(p));
    }
    for (k, v) in [
        ("severitiesFilter", &r.severities_filter),
        ("displayNamesFilter", &r.display_names_filter),
        ("displayNamesExcludeFilter", &r.display_names_exclude_filter),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    m.insert("version".into(), json!(version));
    Value::Object(m)
}

/// The parser-format document for a function.
pub fn function_document(f: &SavedFunction, content_id: &str, version: &str) -> Value {
    let params: Vec<Value> = f
        .params
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("Name".into(), json!(p.name));
            m.insert("Type".into(), json!(p.ty));
            if let Some(d) = &p.default {
                m.insert("Default".into(), json!(d));
            }
            Value::Object(m)
        })
        .collect();
    let mut m = Map::new();
    m.insert("id".into(), json!(content_id));
    m.insert(
        "Function".into(),
        json!({"Title": f.display_name, "Version": version}),
    );
    m.insert("Category".into(), json!(f.category));
    m.insert("FunctionName".into(), json!(f.display_name));
    m.insert("FunctionAlias".into(), json!(f.function_alias));
    if !f.name.eq_ignore_ascii_case(&f.function_alias) {
        m.insert("resourceName".into(), json!(f.name));
    }
    if !params.is_empty() {
        m.insert("FunctionParams".into(), Value::Array(params));
    }
    m.insert("FunctionQuery".into(), json!(f.query));
    Value::Object(m)
}

fn wanted(item: &LiveItem, kind: ResourceKind, options: &ImportOptions) -> bool {
    let kind_ok = options.kinds.is_empty() || options.kinds.contains(&kind);
    let hub = item.owner.is_none() && item.source_kind.as_deref() == Some("Solution");
    kind_ok
        && item.resource.is_some()
        && (item.owner.is_some()
            || if hub {
                options.include_content_hub
            } else {
                options.include_unmanaged
            })
}

/// The files for everything selected in `live`. Items the repository already has (matched by
/// ARM name or content id) keep their file: untouched when it already says what is live, rewritten
/// in place otherwise; new items get a sanitized, unique file name.
pub fn import(live: &LiveState, options: &ImportOptions, existing: &Existing) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let mut taken = existing.taken.clone();
    let rules = rule_ids(live, options, existing);
    for (key, item) in &live.items {
        let kind = key.0;
        if !wanted(item, kind, options) {
            continue;
        }
        let Some(resource) = item.resource.as_ref() else {
            continue;
        };
        let content_id = item
            .owner
            .as_ref()
            .map(|o| o.content_id.to_ascii_lowercase());
        let found = existing.by_key.get(key).or_else(|| {
            content_id
                .as_ref()
                .and_then(|c| existing.by_content_id.get(&(kind, c.clone())))
        });
        if let Some(e) = found
            && e.fields == resource.fields()
        {
            plan.unchanged.push(e.path.clone());
            continue;
        }
        if options.only_existing && found.is_none() {
            continue;
        }
        let version = item
            .owner
            .as_ref()
            .map(|o| o.version.clone())
            .or_else(|| item.metadata_version.clone())
            .unwrap_or_else(|| "1.0.0".into());
        let mut path_for = |folder: &str, name: &str| match found {
            Some(e) => e.path.clone(),
            None => PathBuf::from(format!(
                "{folder}/{}.yaml",
                unique(folder, &slug(name), &mut taken)
            )),
        };
        match resource {
            Resource::Rule(r) => plan.files.push(ImportedFile {
                path: path_for("detections", &r.display_name),
                text: header("detection") + &to_yaml(&rule_document(r, &version)),
            }),
            Resource::Function(f) => {
                let id = item
                    .owner
                    .as_ref()
                    .map(|o| o.content_id.clone())
                    .filter(|c| crate::validate::rule::is_guid(c))
                    .unwrap_or_else(|| {
                        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, f.function_alias.as_bytes())
                            .to_string()
                    });
                plan.files.push(ImportedFile {
                    path: path_for("functions", &f.function_alias),
                    text: header("function") + &to_yaml(&function_document(f, &id, &version)),
                });
            }
            Resource::Workbook(w) => {
                let path = path_for("workbooks", &w.display_name);
                plan.files.extend(workbook_files(w, item, &version, &path));
            }
            Resource::Watchlist(w) => {
                let path = path_for("watchlists", &w.alias);
                let csv = path.with_extension("csv");
                let csv_name = csv
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                plan.files.push(ImportedFile {
                    path: path.clone(),
                    text: header("watchlist")
                        + &to_yaml(&watchlist_document(w, &version, &csv_name)),
                });
                plan.files.push(ImportedFile {
                    path: csv,
                    text: watchlist_csv(w),
                });
            }
            Resource::HuntingQuery(h) => plan.files.push(ImportedFile {
                path: path_for("hunting", &h.display_name),
                text: header("hunting-query") + &to_yaml(&hunting_document(h, &version)),
            }),
            Resource::AutomationRule(a) => {
                let doc = automation_document(a, &version, &options.workspace_id, &|n| {
                    rules.get(n).cloned()
                });
                plan.files.push(ImportedFile {
                    path: path_for("automation", &a.display_name),
                    text: header("automation-rule") + &to_yaml(&doc),
                });
            }
        }
    }
    plan
}

fn workbook_files(w: &Workbook, item: &LiveItem, version: &str, path: &Path) -> Vec<ImportedFile> {
    let stem = path
        .file_stem()
        .map_or_else(|| "workbook".into(), |s| s.to_string_lossy().into_owned());
    let key = item
        .owner
        .as_ref()
        .map_or_else(|| stem.clone(), |o| o.content_id.clone());
    let mut meta = Map::new();
    meta.insert("key".into(), json!(key));
    if crate::model::workbook::workbook_name(&key, &w.source_id) != w.name {
        meta.insert("name".into(), json!(w.name));
    }
    meta.insert("displayName".into(), json!(w.display_name));
    meta.insert("category".into(), json!(w.category));
    meta.insert("version".into(), json!(version));
    if !w.tags.is_empty() {
        meta.insert("tags".into(), json!(w.tags));
    }
    let json_text = serde_json::to_string_pretty(&w.data).unwrap_or_default() + "\n";
    vec![
        ImportedFile {
            path: path.to_path_buf(),
            text: header("workbook") + &to_yaml(&Value::Object(meta)),
        },
        ImportedFile {
            path: path.with_extension("json"),
            text: json_text,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_friendly() {
        assert_eq!(
            slug("1Password - Brute force: sign-ins!"),
            "1password-brute-force-sign-ins"
        );
        assert_eq!(slug("***"), "content");
        let mut taken = BTreeSet::new();
        assert_eq!(unique("f", "a", &mut taken), "a");
        assert_eq!(unique("f", "a", &mut taken), "a-2");
        assert_eq!(
            unique("f", "A", &mut taken),
            "A-3",
            "case-insensitive collision"
        );
    }

    #[test]
    fn slugs_of_hostile_names_stay_in_their_folder() {
        for hostile in [
            "../../../../tmp/x",
            "a/b\\c",
            "..",
            ".",
            "x\0y",
            "con",
            "NUL",
        ] {
            let s = slug(hostile);
            assert!(
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{hostile:?} -> {s:?}"
            );
            assert!(!RESERVED.contains(&s.as_str()), "{s}");
        }
        assert_eq!(slug(&"x".repeat(10_000)).len(), MAX_STEM);
    }
}
