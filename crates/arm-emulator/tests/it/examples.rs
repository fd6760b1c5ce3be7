//! Replays every request/response example Microsoft publishes for the served resource types
//! (`x-ms-examples` of the swagger files under `specs/`) against the emulator: the status codes match
//! and each answer carries every property of the example's answer with the same JSON type (values
//! such as etags, times and ids are not compared).
//!
//! Set-up the examples assume is created first (a GET needs the resource: it is PUT from the
//! example's own answer). Adjustments, each for a documented reason:
//! * workbook LIST adds `canFetchContent=true` (the service omits `serializedData` otherwise);
//! * the metadata OData LIST drops `$skip` (the example's two items would be skipped otherwise);
//! * `SavedSearchesListByWorkspace.json` answers a bare PascalCase array that contradicts its own schema
//!   (`{value:[…]}`), so only its status is checked;
//! * an update PUT carries the current etag (the example's fixed etag would be stale);
//! * the AutomationRules PUT example names its body `automationRule` while the operation's parameter is
//!   `automationRuleToUpsert` (NOTES §14): the example's object parameter is the body;
//! * the two manual-trigger examples (`Incidents_RunPlaybook`, `Entities_RunPlaybook`) are skipped:
//!   they act on incidents and entities, which the emulator does not serve;
//! * a DELETE is checked against the first success code declared (202 for the asynchronous watchlist
//!   delete), then 204 for a second DELETE of the gone resource;
//! * the Tables DELETE and POST (migrate) examples name `table1_CL`, which the only PUT example
//!   (`AzureNetworkFlow`, a Microsoft table) cannot create: their set-up PUTs a custom table of that
//!   name with a `TimeGenerated` column (and `table1_SRCH` as a search job table).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::common::*;
use arm_emulator::Config;
use serde_json::{Value, json};

const SPECS: &[&str] = &[
    "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/AlertRules.json",
    "securityinsights/resource-manager/Microsoft.SecurityInsights/preview/2025-04-01-preview/AlertRules.json",
    "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/Metadata.json",
    "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/Watchlists.json",
    "securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/AutomationRules.json",
    "operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2025-02-01/SavedSearches.json",
    "operationalinsights/resource-manager/Microsoft.OperationalInsights/stable/2025-02-01/Tables.json",
    "applicationinsights/resource-manager/Microsoft.Insights/stable/2023-06-01/workbooks_API.json",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/specification")
}

fn load(p: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Resolves a parameter (`$ref` or inline) to (definition, ref key).
fn resolve_param(spec_path: &Path, p: &Value) -> (Value, Option<String>) {
    match p.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let (file, pointer) = r.split_once('#').unwrap();
            let key = pointer.rsplit('/').next().map(str::to_string);
            let path = if file.is_empty() {
                spec_path.to_path_buf()
            } else {
                normalize(&spec_path.parent().unwrap().join(file))
            };
            let def = if path.exists() {
                load(&path).pointer(pointer).cloned()
            } else {
                None
            };
            // Tables.json refers to common parameter files not saved here (NOTES §17): the ARM
            // parameters they define are well known.
            let def = def.or_else(|| {
                let (name, place) = match key.as_deref()? {
                    "SubscriptionIdParameter" => ("subscriptionId", "path"),
                    "ResourceGroupNameParameter" => ("resourceGroupName", "path"),
                    "ApiVersionParameter" => ("api-version", "query"),
                    "WorkspaceNameParameter" => ("workspaceName", "path"),
                    "TableNameParameter" => ("tableName", "path"),
                    _ => return None,
                };
                Some(json!({"name": name, "in": place}))
            });
            (def.unwrap_or(Value::Null), key)
        }
        None => (p.clone(), None),
    }
}

struct Example {
    spec: &'static str,
    method: String,
    template: String,
    params: Vec<(Value, Option<String>)>,
    file: PathBuf,
    data: Value,
}

impl Example {
    fn param(&self, def: &Value, key: Option<&str>) -> Option<Value> {
        let ps = &self.data["parameters"];
        def.get("name")
            .and_then(Value::as_str)
            .and_then(|n| ps.get(n))
            .or_else(|| key.and_then(|k| ps.get(k)))
            .cloned()
    }

    fn path(&self) -> String {
        let mut path = self.template.clone();
        for (def, key) in &self.params {
            if def["in"] == "path" {
                let name = def["name"].as_str().unwrap();
                if let Some(v) = self.param(def, key.as_deref()) {
                    path = path.replace(&format!("{{{name}}}"), v.as_str().unwrap());
                }
            }
        }
        path
    }

    fn query(&self) -> String {
        let mut q = Vec::new();
        for (def, key) in &self.params {
            if def["in"] == "query" {
                let name = def["name"].as_str().unwrap();
                if name == "$skip" {
                    continue;
                }
                if let Some(v) = self.param(def, key.as_deref()) {
                    let s = match v {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    q.push(format!("{name}={}", enc(&s)));
                }
            }
        }
        if self.spec.contains("workbooks") && self.method == "get" && !self.template.ends_with('}')
        {
            q.push("canFetchContent=true".to_string());
        }
        q.join("&")
    }

    fn body(&self) -> Option<Value> {
        self.params
            .iter()
            .find(|(d, _)| d["in"] == "body")
            .and_then(|(d, k)| self.param(d, k.as_deref()))
            .or_else(|| {
                // AutomationRules_CreateOrUpdate's example names its body `automationRule`, the
                // operation `automationRuleToUpsert` (NOTES §14): take the example's object parameter.
                self.data["parameters"]
                    .as_object()?
                    .values()
                    .find(|v| v.is_object())
                    .cloned()
            })
    }

    fn url(&self) -> String {
        format!("{}?{}", self.path(), self.query())
    }

    fn name(&self) -> String {
        self.file.file_name().unwrap().to_string_lossy().to_string()
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for spec in SPECS {
        let spec_path = root().join(spec);
        let doc = load(&spec_path);
        for (template, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let Some(exs) = op.get("x-ms-examples").and_then(Value::as_object) else {
                    continue;
                };
                let params: Vec<_> = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| resolve_param(&spec_path, p))
                    .collect();
                for ex in exs.values() {
                    let file = normalize(
                        &spec_path
                            .parent()
                            .unwrap()
                            .join(ex["$ref"].as_str().unwrap()),
                    );
                    if !file.exists() {
                        continue; // referenced upstream but not published in this copy (see specs/README)
                    }
                    out.push(Example {
                        spec,
                        method: method.clone(),
                        template: template.clone(),
                        params: params.clone(),
                        data: load(&file),
                        file,
                    });
                }
            }
        }
    }
    let rank = |e: &Example| match (e.method.as_str(), e.template.ends_with('}')) {
        ("put", _) => 0,
        ("get", true) => 1,
        ("get", false) => 2,
        ("patch", _) => 3,
        _ => 4,
    };
    // Deletes of children (watchlist items) before their parents (watchlists).
    out.sort_by_key(|e| {
        let r = rank(e);
        (
            r,
            if r == 4 {
                usize::MAX - e.template.len()
            } else {
                0
            },
        )
    });
    out
}

/// Every property of `expected` is in `actual` with the same JSON type.
fn same_shape(expected: &Value, actual: &Value, path: &str, errors: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Null, _) => {}
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => same_shape(ev, av, &format!("{path}.{k}"), errors),
                    None => errors.push(format!("{path}.{k} missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            let by_name = e.iter().all(|x| x.get("name").is_some());
            for (i, ev) in e.iter().enumerate() {
                let av = if by_name {
                    a.iter().find(|x| x.get("name") == ev.get("name"))
                } else {
                    a.get(i)
                };
                match av {
                    Some(av) => same_shape(ev, av, &format!("{path}[{i}]"), errors),
                    None => errors.push(format!("{path}[{i}] missing")),
                }
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        (e, a) => errors.push(format!("{path}: expected {e}, got {a}")),
    }
}

/// Creates (or replaces) a resource for an example's set-up: any copy is deleted first and the body's
/// fixed etag dropped.
async fn setup_put(h: &Harness, url: &str, body: &Value) -> Answer {
    let _ = h.send("DELETE", url, None, &[]).await;
    let mut b = body.clone();
    if let Some(o) = b.as_object_mut() {
        o.remove("etag");
    }
    h.put(url, &b).await
}

/// A custom table the Tables examples' DELETE and POST need first (see the module doc).
fn custom_table_body(path: &str) -> Value {
    if path.contains("_SRCH") {
        json!({"properties": {"searchResults": {"query": "Heartbeat | take 1", "limit": 1000}}})
    } else {
        json!({"properties": {"schema": {"columns": [{"name": "TimeGenerated", "type": "dateTime"}]}}})
    }
}

/// Path of the resource a LIST item lives at.
fn item_path(list_path: &str, item: &Value) -> String {
    format!("{list_path}/{}", item["name"].as_str().unwrap())
}

#[tokio::test]
async fn every_published_example_replays() {
    let h = setup(Config {
        throttle: false,
        // Set-up deletes before it PUTs: the watchlist delete completes at once here.
        watchlist_delete_delay: std::time::Duration::ZERO,
        ..Config::default()
    })
    .await;
    let admin = format!("{}/_emulator/workspaces", h.emu.url());
    let mut failures = Vec::new();
    let mut replayed = 0;
    let mut bodies: HashMap<String, (Value, String)> = HashMap::new(); // path template → a valid PUT body + api-version
    for ex in examples() {
        let ps = &ex.data["parameters"];
        let sub = ps["subscriptionId"].as_str().unwrap();
        let rg = ps["resourceGroupName"].as_str().unwrap();
        let ws = ps
            .get("workspaceName")
            .and_then(Value::as_str)
            .unwrap_or("seedws");
        let ws_id = format!(
            "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}"
        );
        assert!(
            h.http
                .post(&admin)
                .header("x-emulator-admin-token", h.emu.admin_token())
                .json(&json!({"id": ws_id}))
                .send()
                .await
                .unwrap()
                .status()
                .is_success()
        );
        let api = ps["api-version"].as_str().unwrap().to_string();
        let responses = ex.data["responses"].as_object().unwrap();
        let url = ex.url();
        let mut check = |label: &str, got: &Answer, code: &str| {
            if got.status.to_string() != code {
                failures.push(format!(
                    "{} {label}: status {} (expected {code}): {}",
                    ex.name(),
                    got.status,
                    got.body
                ));
                return;
            }
            // A 204 has no body (AutomationRules_Delete's example shows `{}` for it).
            let Some(expected) = responses
                .get(code)
                .and_then(|r| r.get("body"))
                .filter(|_| code != "204")
            else {
                return;
            };
            if expected.is_array() {
                return; // SavedSearchesListByWorkspace: see the module doc
            }
            let mut errors = Vec::new();
            same_shape(expected, &got.body, "", &mut errors);
            if !errors.is_empty() {
                failures.push(format!("{} {label}: {}", ex.name(), errors.join("; ")));
            }
        };
        match ex.method.as_str() {
            "put" => {
                let body = ex.body().unwrap();
                bodies
                    .entry(ex.template.clone())
                    .or_insert((body.clone(), api.clone()));
                let _ = h.send("DELETE", &url, None, &[]).await;
                let first = h.put(&url, &body).await;
                let create_code = if responses.contains_key("201") {
                    "201"
                } else {
                    "200"
                };
                check("create", &first, create_code);
                if responses.contains_key("200") && responses.contains_key("201") {
                    let mut again = body.clone();
                    again["etag"] = first.body["etag"].clone();
                    let second = h.put(&url, &again).await;
                    check("update", &second, "200");
                }
            }
            "get" if ex.template.ends_with('}') => {
                let expected = &responses["200"]["body"];
                let put = setup_put(&h, &url, expected).await;
                assert!(
                    put.status < 300,
                    "{}: set-up PUT failed: {}",
                    ex.name(),
                    put.body
                );
                check("get", &h.get(&url).await, "200");
            }
            "get" => {
                let expected = &responses["200"]["body"];
                if let Some(items) = expected.get("value").and_then(Value::as_array) {
                    for item in items {
                        let p =
                            format!("{}?api-version={}", item_path(&ex.path(), item), enc(&api));
                        let put = setup_put(&h, &p, item).await;
                        assert!(
                            put.status < 300,
                            "{}: set-up PUT failed: {}",
                            ex.name(),
                            put.body
                        );
                    }
                }
                check("list", &h.get(&url).await, "200");
            }
            "patch" => {
                let base = &responses["200"]["body"];
                let put = setup_put(
                    &h,
                    &format!("{}?api-version={}", ex.path(), enc(&api)),
                    base,
                )
                .await;
                assert!(
                    put.status < 300,
                    "{}: set-up PUT failed: {}",
                    ex.name(),
                    put.body
                );
                let got = h.send("PATCH", &url, ex.body().as_ref(), &[]).await;
                check("patch", &got, "200");
            }
            "post" if ex.template.ends_with("/runPlaybook") => {
                // Manual triggers act on incidents and entities, which the emulator does not hold
                // (and both examples carry a tenantId that is not a uuid, NOTES §14).
                continue;
            }
            "post" => {
                let put = setup_put(
                    &h,
                    &format!("{}?api-version={}", ex.path(), enc(&api))
                        .replace("/migrate?", "?")
                        .replace("/cancelSearch?", "?"),
                    &custom_table_body(&url),
                )
                .await;
                assert!(
                    put.status < 300,
                    "{}: set-up PUT failed: {}",
                    ex.name(),
                    put.body
                );
                let got = h.send("POST", &url, ex.body().as_ref(), &[]).await;
                check("post", &got, "200");
            }
            "delete" => {
                let (body, body_api) = if ex.spec.ends_with("Tables.json") {
                    (custom_table_body(&url), api.clone())
                } else {
                    bodies
                        .get(&ex.template)
                        .cloned()
                        .expect("a PUT example of the same path ran first")
                };
                let put = setup_put(
                    &h,
                    &format!("{}?api-version={}", ex.path(), enc(&body_api)),
                    &body,
                )
                .await;
                assert!(
                    put.status < 300,
                    "{}: set-up PUT failed: {}",
                    ex.name(),
                    put.body
                );
                // The first success code the operation declares (watchlists: 202, asynchronous).
                let first = ["200", "202"]
                    .into_iter()
                    .find(|c| responses.contains_key(*c))
                    .unwrap_or("200");
                check("delete", &h.send("DELETE", &url, None, &[]).await, first);
                if responses.contains_key("204") {
                    check(
                        "delete again",
                        &h.send("DELETE", &url, None, &[]).await,
                        "204",
                    );
                }
            }
            other => panic!("unexpected method {other}"),
        }
        replayed += 1;
    }
    assert!(replayed >= 25, "only {replayed} examples found");
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    h.emu.shutdown().await;
}
