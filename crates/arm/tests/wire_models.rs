//! The wire models against Microsoft's contracts in `../shared/specs` (issue 12 "one ARM mapping"):
//!
//! * every example file under `specification/**/examples/` is classified, and every request and
//!   response body in it round-trips through its model with the JSON unchanged (no field lost,
//!   explicit `null`s included);
//! * each model's read-only list is exactly what the swagger marks `readOnly` (resolving `$ref` and
//!   `allOf`), and `to_put_body` sends none of it;
//! * the alert-rule kinds and preview-only properties match the stable and preview contracts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sentinel_arm::resources::WireModel;
use sentinel_arm::resources::alert_rule::{AlertRuleKind, ArmAlertRule, PREVIEW_ONLY};
use sentinel_arm::resources::alert_rule_template::ArmAlertRuleTemplate;
use sentinel_arm::resources::automation_rule::ArmAutomationRule;
use sentinel_arm::resources::metadata::ArmMetadata;
use sentinel_arm::resources::saved_search::ArmSavedSearch;
use sentinel_arm::resources::table::ArmTable;
use sentinel_arm::resources::watchlist::{ArmWatchlist, ArmWatchlistItem};
use sentinel_arm::resources::workbook::ArmWorkbook;
use serde_json::Value;

fn specs() -> PathBuf {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/specs/specification");
    assert!(root.is_dir(), "specs expected at {}", root.display());
    root
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Which model an example file's bodies go through, or why the file has none to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    AlertRule,
    AlertRuleTemplate,
    AutomationRule,
    Metadata,
    SavedSearch,
    Table,
    Watchlist,
    WatchlistItem,
    Workbook,
    /// Not an ARM resource this crate models; the reason is the string.
    Excluded(&'static str),
}

fn classify(rel: &str) -> Option<Model> {
    let file = rel.rsplit('/').next()?;
    let dir = rel.rsplit('/').nth(1)?;
    Some(match (dir, file) {
        ("alertRules", _) => Model::AlertRule,
        ("alertRuleTemplates", _) => Model::AlertRuleTemplate,
        ("automationRules", _) => Model::AutomationRule,
        ("metadata", _) => Model::Metadata,
        ("watchlists", f) if f.contains("WatchlistItem") => Model::WatchlistItem,
        ("watchlists", _) => Model::Watchlist,
        ("manualTrigger", _) => Model::Excluded(
            "action requests (run a playbook on an incident or entity), not a resource",
        ),
        (_, f) if f.starts_with("Workbook") => Model::Workbook,
        (_, f) if f.starts_with("Tables") => Model::Table,
        (_, f) if f.contains("SavedSearches") => Model::SavedSearch,
        (_, f) if rel.contains("/data-plane/") && f.starts_with("metadata-") => Model::Excluded(
            "Log Analytics data-plane workspace metadata (tables, functions, solutions), not used",
        ),
        (_, _) if rel.contains("/data-plane/") => {
            Model::Excluded("Log Analytics query API bodies: checked in tests/logs.rs")
        }
        _ => return None,
    })
}

/// Every JSON body an example carries: request parameters that are resource bodies, and responses
/// (one body, a `{value: [...]}` page, or a bare array).
fn bodies(example: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(params) = example.get("parameters").and_then(Value::as_object) {
        for (name, v) in params {
            if v.get("properties").is_some() || v.get("kind").is_some() {
                out.push((format!("request `{name}`"), v.clone()));
            }
        }
    }
    if let Some(responses) = example.get("responses").and_then(Value::as_object) {
        for (code, r) in responses {
            match r.get("body") {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        out.push((format!("{code} [{i}]"), item.clone()));
                    }
                }
                Some(body @ Value::Object(map)) => match map.get("value") {
                    Some(Value::Array(items)) => {
                        for (i, item) in items.iter().enumerate() {
                            out.push((format!("{code} value[{i}]"), item.clone()));
                        }
                    }
                    // A DELETE's `{}` is not a resource body.
                    _ if map.is_empty() => {}
                    _ => out.push((code.clone(), body.clone())),
                },
                _ => {}
            }
        }
    }
    out
}

fn round_trip<T: WireModel>(body: &Value, what: &str) -> T {
    let model = T::from_json(body).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(&model.to_json(), body, "{what} lost or changed a field");
    let put = model.to_put_body();
    for path in model.read_only_paths() {
        assert!(
            !has_path(&put, path),
            "{what}: read-only `{path}` would be sent"
        );
    }
    model
}

fn has_path(value: &Value, path: &str) -> bool {
    fn go(node: &Value, keys: &[&str]) -> bool {
        match keys {
            [] => true,
            ["*", rest @ ..] => node
                .as_array()
                .is_some_and(|items| items.iter().any(|i| go(i, rest))),
            [key, rest @ ..] => node.get(*key).is_some_and(|child| go(child, rest)),
        }
    }
    go(value, &path.split('/').collect::<Vec<_>>())
}

#[test]
fn every_example_in_the_specs_round_trips_through_its_model() {
    let root = specs();
    let mut files = Vec::new();
    json_files(&root, &mut files);
    let mut checked: BTreeMap<String, usize> = BTreeMap::new();
    let mut unclassified = Vec::new();
    let mut examples = 0;
    for file in files {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if !rel.contains("/examples/") {
            continue;
        }
        examples += 1;
        let Some(model) = classify(&rel) else {
            unclassified.push(rel);
            continue;
        };
        let example: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        for (what, body) in bodies(&example) {
            let what = format!("{rel} {what}");
            match model {
                Model::AlertRule => {
                    round_trip::<ArmAlertRule>(&body, &what);
                }
                Model::AlertRuleTemplate => {
                    round_trip::<ArmAlertRuleTemplate>(&body, &what);
                }
                Model::AutomationRule => {
                    round_trip::<ArmAutomationRule>(&body, &what);
                }
                Model::Metadata => {
                    round_trip::<ArmMetadata>(&body, &what);
                }
                Model::SavedSearch => {
                    round_trip::<ArmSavedSearch>(&body, &what);
                }
                Model::Table => {
                    round_trip::<ArmTable>(&body, &what);
                }
                Model::Watchlist => {
                    round_trip::<ArmWatchlist>(&body, &what);
                }
                Model::WatchlistItem => {
                    round_trip::<ArmWatchlistItem>(&body, &what);
                }
                Model::Workbook => {
                    round_trip::<ArmWorkbook>(&body, &what);
                }
                Model::Excluded(_) => continue,
            }
            *checked.entry(format!("{model:?}")).or_default() += 1;
        }
    }
    assert!(
        unclassified.is_empty(),
        "example files no model covers (classify them): {unclassified:#?}"
    );
    assert!(examples >= 59, "only {examples} example files found");
    for model in [
        "AlertRule",
        "AlertRuleTemplate",
        "AutomationRule",
        "Metadata",
        "SavedSearch",
        "Table",
        "Watchlist",
        "WatchlistItem",
        "Workbook",
    ] {
        assert!(
            checked.get(model).copied().unwrap_or(0) > 0,
            "no {model} body checked: {checked:?}"
        );
    }
    let total: usize = checked.values().sum();
    assert!(total >= 75, "{total} bodies checked: {checked:?}");
}

#[test]
fn every_alert_rule_kind_is_typed_and_kept() {
    let si = specs().join("securityinsights/resource-manager/Microsoft.SecurityInsights");
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(
            si.join("stable/2025-12-01/examples/alertRules/GetAllAlertRules.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let kinds: BTreeSet<String> = all["responses"]["200"]["body"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| ArmAlertRule::from_json(r).unwrap().kind.to_string())
        .collect();
    assert!(kinds.contains("Fusion") && kinds.contains("MicrosoftSecurityIncidentCreation"));
    for (kind, expected) in [
        ("MLBehaviorAnalytics", AlertRuleKind::MlBehaviorAnalytics),
        ("ThreatIntelligence", AlertRuleKind::ThreatIntelligence),
        ("NRT", AlertRuleKind::Nrt),
    ] {
        let body = serde_json::json!({"kind": kind, "properties": {"alertRuleTemplateName": "t", "enabled": true}});
        let rule = ArmAlertRule::from_json(&body).unwrap();
        assert_eq!(rule.kind, expected);
        assert_eq!(rule.to_json(), body);
        assert_eq!(rule.api_version(), "2025-04-01-preview", "{kind}");
    }
}

// ---- A small swagger reader: `$ref` (file and pointer), `allOf`, `properties`, `items`. ----

struct Swagger {
    files: BTreeMap<PathBuf, Value>,
}

impl Swagger {
    fn new() -> Self {
        Self {
            files: BTreeMap::new(),
        }
    }

    fn file(&mut self, path: &Path) -> Option<Value> {
        let path = normalize(path);
        if !self.files.contains_key(&path) {
            let text = std::fs::read_to_string(&path).ok()?;
            self.files
                .insert(path.clone(), serde_json::from_str(&text).ok()?);
        }
        self.files.get(&path).cloned()
    }

    /// Resolves a `$ref` relative to `base`; `None` when its file is not in `shared/specs`.
    fn resolve(&mut self, reference: &str, base: &Path) -> Option<(Value, PathBuf)> {
        let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let path = if file.is_empty() {
            base.to_path_buf()
        } else {
            normalize(&base.parent().unwrap().join(file))
        };
        let doc = self.file(&path)?;
        Some((doc.pointer(pointer)?.clone(), path))
    }

    /// Every property of `schema` (through `$ref` and `allOf`), with the file it is defined in.
    fn properties(
        &mut self,
        schema: &Value,
        base: &Path,
        depth: u32,
    ) -> Vec<(String, Value, PathBuf)> {
        if depth > 12 {
            return Vec::new();
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return match self.resolve(r, base) {
                Some((s, b)) => self.properties(&s, &b, depth + 1),
                None => Vec::new(),
            };
        }
        let mut out = Vec::new();
        for sub in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            out.extend(self.properties(sub, base, depth + 1));
        }
        for (k, v) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            out.retain(|(name, _, _)| name != k);
            out.push((k.clone(), v.clone(), base.to_path_buf()));
        }
        out
    }

    /// The `readOnly` paths below `schema`, in the models' path syntax.
    fn read_only(
        &mut self,
        schema: &Value,
        base: &Path,
        prefix: &str,
        depth: u32,
        out: &mut BTreeSet<String>,
    ) {
        if depth > 8 {
            return;
        }
        for (name, prop, at) in self.properties(schema, base, 0) {
            let (resolved, rbase) = match prop.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.resolve(r, &at) {
                    Some(x) => x,
                    None => (prop.clone(), at.clone()),
                },
                None => (prop.clone(), at.clone()),
            };
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let ro = |v: &Value| v.get("readOnly").and_then(Value::as_bool) == Some(true);
            if ro(&prop) || ro(&resolved) {
                out.insert(path);
                continue;
            }
            if resolved.get("properties").is_some() || resolved.get("allOf").is_some() {
                self.read_only(&resolved, &rbase, &path, depth + 1, out);
            } else if let Some(items) = resolved.get("items") {
                let (item, ibase) = match items.get("$ref").and_then(Value::as_str) {
                    Some(r) => match self.resolve(r, &rbase) {
                        Some(x) => x,
                        None => continue,
                    },
                    None => (items.clone(), rbase.clone()),
                };
                if item.get("properties").is_some() || item.get("allOf").is_some() {
                    self.read_only(&item, &ibase, &format!("{path}/*"), depth + 1, out);
                }
            }
        }
    }

    fn definition_read_only(&mut self, file: &str, definition: &str) -> BTreeSet<String> {
        let path = specs().join(file);
        let doc = self.file(&path).unwrap_or_else(|| panic!("{file}"));
        let schema = doc["definitions"][definition].clone();
        assert!(!schema.is_null(), "{file}: no definition {definition}");
        let mut out = BTreeSet::new();
        self.read_only(&schema, &normalize(&path), "", 0, &mut out);
        out
    }

    fn definition_properties(&mut self, file: &str, definition: &str) -> BTreeSet<String> {
        let path = normalize(&specs().join(file));
        let doc = self.file(&path).unwrap();
        let schema = doc["definitions"][definition].clone();
        let props = self
            .properties(&schema, &path, 0)
            .into_iter()
            .find(|(n, _, _)| n == "properties")
            .expect("a properties member");
        self.properties(&props.1, &props.2, 0)
            .into_iter()
            .map(|(n, _, _)| n)
            .collect()
    }
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

const STABLE_RULES: &str = "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/AlertRules.json";
const PREVIEW_RULES: &str = "securityinsights/resource-manager/Microsoft.SecurityInsights/preview/2025-04-01-preview/AlertRules.json";

fn rule_of(kind: &str) -> ArmAlertRule {
    ArmAlertRule::new(AlertRuleKind::from(kind.to_owned()))
}

fn assert_same(model: Vec<&'static str>, spec: &BTreeSet<String>, what: &str) {
    let model: BTreeSet<String> = model.into_iter().map(str::to_owned).collect();
    assert_eq!(
        &model, spec,
        "{what}: read-only lists differ from the swagger"
    );
}

#[test]
fn read_only_lists_match_the_swagger() {
    let mut sw = Swagger::new();
    // Alert rules: each kind against the preview (a superset), the stable kinds also against stable.
    for (kind, definition) in [
        ("Scheduled", "ScheduledAlertRule"),
        ("NRT", "NrtAlertRule"),
        ("Fusion", "FusionAlertRule"),
        (
            "MicrosoftSecurityIncidentCreation",
            "MicrosoftSecurityIncidentCreationAlertRule",
        ),
        ("MLBehaviorAnalytics", "MLBehaviorAnalyticsAlertRule"),
        ("ThreatIntelligence", "ThreatIntelligenceAlertRule"),
    ] {
        let spec = sw.definition_read_only(PREVIEW_RULES, definition);
        let model = rule_of(kind).read_only_paths();
        // Template-bound kinds list `subTechniques` too (read-only in the preview's Fusion, absent in
        // stable): the model's list is the union over both contracts.
        assert_same(model.clone(), &spec, &format!("preview {kind}"));
        if rule_of(kind).kind.in_stable_contract() {
            let stable = sw.definition_read_only(STABLE_RULES, definition);
            assert!(
                stable.iter().all(|p| model.contains(&p.as_str())),
                "stable {kind}: {stable:?} not all in {model:?}"
            );
        }
    }
    let cases: Vec<(&str, &str, Vec<&'static str>)> = vec![
        (
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/Metadata.json",
            "MetadataModel",
            ArmMetadata::from_json(&serde_json::json!({"properties": {}}))
                .unwrap()
                .read_only_paths(),
        ),
        (
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/Watchlists.json",
            "Watchlist",
            ArmWatchlist::default().read_only_paths(),
        ),
        (
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/Watchlists.json",
            "WatchlistItem",
            ArmWatchlistItem::default().read_only_paths(),
        ),
        (
            "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/AutomationRules.json",
            "AutomationRule",
            ArmAutomationRule::default().read_only_paths(),
        ),
        (
            "applicationinsights/resource-manager/Microsoft.Insights/stable/2023-06-01/workbooks_API.json",
            "Workbook",
            ArmWorkbook::from_json(&serde_json::json!({"properties": {}}))
                .unwrap()
                .read_only_paths(),
        ),
    ];
    for (file, definition, model) in cases {
        let spec = sw.definition_read_only(file, definition);
        assert_same(model, &spec, definition);
    }
    // SavedSearch is a v1 ProxyResource (id, name, type); the model also strips a `systemData` a
    // newer service may add.
    let saved = sw.definition_read_only(
        "operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2025-02-01/SavedSearches.json",
        "SavedSearch",
    );
    let model = ArmSavedSearch::from_json(&serde_json::json!({"properties": {}}))
        .unwrap()
        .read_only_paths();
    assert!(
        saved.iter().all(|p| model.contains(&p.as_str())),
        "{saved:?} {model:?}"
    );
    // Tables.json references common-types v2, which is not in shared/specs (NOTES §17): its own
    // definitions are checked, the envelope comes from ENVELOPE_READ_ONLY.
    let mut tables = sw.definition_read_only(
        "operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2025-02-01/Tables.json",
        "Table",
    );
    for envelope in ["id", "name", "type"] {
        tables.insert(envelope.to_owned());
    }
    assert_same(ArmTable::default().read_only_paths(), &tables, "Table");
}

#[test]
fn alert_rule_kinds_and_preview_only_properties_match_the_contracts() {
    let mut sw = Swagger::new();
    let stable: Value = sw.file(&specs().join(STABLE_RULES)).unwrap();
    let stable_kinds: BTreeSet<String> = stable["definitions"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| name.ends_with("AlertRule"))
        .filter_map(|(_, d)| {
            d.get("x-ms-discriminator-value")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    for kind in [
        "Scheduled",
        "NRT",
        "Fusion",
        "MicrosoftSecurityIncidentCreation",
        "MLBehaviorAnalytics",
        "ThreatIntelligence",
    ] {
        assert_eq!(
            rule_of(kind).kind.in_stable_contract(),
            stable_kinds.contains(kind),
            "{kind} (stable has {stable_kinds:?})"
        );
    }
    for (kind, definition) in [
        ("Scheduled", "ScheduledAlertRule"),
        ("Fusion", "FusionAlertRule"),
        (
            "MicrosoftSecurityIncidentCreation",
            "MicrosoftSecurityIncidentCreationAlertRule",
        ),
    ] {
        let preview = sw.definition_properties(PREVIEW_RULES, definition);
        let stable = sw.definition_properties(STABLE_RULES, definition);
        let read_only: BTreeSet<String> = rule_of(kind)
            .read_only_paths()
            .iter()
            .filter_map(|p| p.strip_prefix("properties/"))
            .map(str::to_owned)
            .collect();
        let writable_preview_only: BTreeSet<String> = preview
            .difference(&stable)
            .filter(|p| !read_only.contains(*p))
            .cloned()
            .collect();
        let ours: BTreeSet<String> = PREVIEW_ONLY
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, ps)| ps.iter().map(|p| (*p).to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(ours, writable_preview_only, "{kind}");
    }
}
