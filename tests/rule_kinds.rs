//! Rule kinds without a query (issue 12): Fusion, MicrosoftSecurityIncidentCreation,
//! MLBehaviorAnalytics and ThreatIntelligence rules, end to end with the real binary against the
//! embedded emulator. Each is created by apply (with its kind's api-version: the emulator refuses
//! MLBehaviorAnalytics and ThreatIntelligence on the stable one), the next plan is a no-op, a portal
//! change is caught by drift, apply repairs it, and import writes back the file it came from.
//! Validation and the editor JSON Schema refuse what these kinds do not take, with located
//! diagnostics. And, for content of every kind, a portal change to a property sentinelctl does not
//! manage is named in plan and drift, and kept.

use serde_json::Value;

use crate::support::{TempRepo, root, text};

const FUSION: &str = "\
id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a01
name: Advanced Multi-Stage Attack Detection
kind: Fusion
alertRuleTemplateName: f71aba3d-28fb-450b-b192-4e76a83015c8
enabled: true
version: 1.0.0
";

const INCIDENTS: &str = "\
id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a02
name: Incidents from Defender for Cloud Apps
description: High and medium alerts of Microsoft Defender for Cloud Apps become incidents.
kind: MicrosoftSecurityIncidentCreation
enabled: true
productFilter: Microsoft Cloud App Security
severitiesFilter:
  - High
  - Medium
displayNamesExcludeFilter:
  - Impossible travel activity
version: 1.0.0
";

const ML: &str = "\
id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a03
name: (Preview) Anomalous SSH Login Detection
kind: MLBehaviorAnalytics
alertRuleTemplateName: fa118b98-de46-4e94-87f9-8e6d5060b60b
enabled: true
version: 1.0.0
";

const TI: &str = "\
id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a04
name: (Preview) Microsoft Threat Intelligence Analytics
kind: ThreatIntelligence
alertRuleTemplateName: 0dd422ee-e6af-4204-b219-f59ac172e4c6
enabled: true
version: 1.0.0
";

const FILES: [(&str, &str); 4] = [
    ("fusion", FUSION),
    ("incidents", INCIDENTS),
    ("ml", ML),
    ("ti", TI),
];

/// A repository with only the local environment (the others override shipped detections).
fn bare() -> TempRepo {
    let repo = TempRepo::copy_of(root(), &["schemas"]);
    repo.write(
        "environments/local.yaml",
        std::fs::read(root().join("environments/local.yaml")).unwrap(),
    );
    repo
}

/// A repository with the local environment and the four rules.
fn repo() -> TempRepo {
    let repo = bare();
    for (name, body) in FILES {
        repo.write(&format!("detections/{name}.yaml"), body);
    }
    repo
}

fn plan_json(repo: &TempRepo) -> Value {
    let out = repo.run(&["plan", "--env", "local", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (action, name) of every change that writes.
fn writes(plan: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["create", "update", "adopt", "delete"].contains(&c["action"].as_str().unwrap())
        })
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn apply(repo: &TempRepo) -> String {
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 failed"), "{}", text(&out));
    text(&out)
}

fn rules_mut(state: &mut Value) -> &mut Vec<Value> {
    state["workspaces"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|w| w["id"].as_str().unwrap().ends_with("law-sentinel-local"))
        .unwrap()["alertRules"]
        .as_array_mut()
        .unwrap()
}

fn rules(state: &Value) -> Vec<Value> {
    let mut s = state.clone();
    rules_mut(&mut s).clone()
}

fn rule_named<'a>(rules: &'a mut [Value], id_end: &str) -> &'a mut Value {
    rules
        .iter_mut()
        .find(|r| r["name"].as_str().unwrap().ends_with(id_end))
        .unwrap_or_else(|| panic!("no rule ending in {id_end}"))
}

/// (class, name, changed fields) of one drift finding.
type Found = (String, String, Vec<String>);

/// The exit code and the findings that are drift.
fn drifted(repo: &TempRepo) -> (Option<i32>, Vec<Found>) {
    let out = repo.run(&["drift", "--env", "local", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("drift JSON: {e}\n{}", text(&out)));
    let mut found: Vec<Found> = v["environments"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"] != "in-sync" && f["class"] != "pending")
        .map(|f| {
            (
                f["class"].as_str().unwrap().to_string(),
                f["name"].as_str().unwrap().to_string(),
                f["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["path"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    found.sort();
    (out.status.code(), found)
}

/// The file without its leading comment lines (import adds a schema header).
fn body(text: &str) -> String {
    let mut out = String::new();
    for l in text.lines().skip_while(|l| l.starts_with('#')) {
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[test]
fn each_kind_applies_converges_drifts_and_imports_back() {
    let repo = repo();
    let out = repo.run(&["validate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        !text(&out).contains("SC3017"),
        "nothing to test: {}",
        text(&out)
    );

    // create: one per kind
    let plan = plan_json(&repo);
    let created: Vec<String> = writes(&plan)
        .into_iter()
        .filter(|(a, _)| a == "create")
        .map(|(_, n)| n)
        .collect();
    assert_eq!(created.len(), 4, "{plan:#}");
    apply(&repo);
    let state = repo.state();
    let mut kinds: Vec<String> = rules(&state)
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "Fusion",
            "MLBehaviorAnalytics",
            "MicrosoftSecurityIncidentCreation",
            "ThreatIntelligence"
        ]
    );
    let live = rules(&state);
    let fusion = live.iter().find(|r| r["kind"] == "Fusion").unwrap();
    // the template set the read-only display fields; the file set only template and switch
    assert_eq!(
        fusion["properties"]["displayName"],
        "Advanced Multi-Stage Attack Detection"
    );
    let msic = live
        .iter()
        .find(|r| r["kind"] == "MicrosoftSecurityIncidentCreation")
        .unwrap();
    assert_eq!(
        msic["properties"]["severitiesFilter"],
        serde_json::json!(["High", "Medium"])
    );

    // converged
    assert_eq!(writes(&plan_json(&repo)), Vec::<(String, String)>::new());
    let (code, found) = drifted(&repo);
    assert_eq!(code, Some(0), "{found:?}");

    // the portal: Fusion switched off, the incident filter widened, the ML rule's unmanaged
    // display text changed (not drift: the template owns it), the TI rule deleted
    repo.edit_state(|s| {
        let rules = rules_mut(s);
        rule_named(rules, "0a01")["properties"]["enabled"] = false.into();
        rule_named(rules, "0a02")["properties"]["severitiesFilter"] =
            serde_json::json!(["High", "Low", "Medium"]);
        rule_named(rules, "0a03")["properties"]["description"] = "edited".into();
        rules.retain(|r| !r["name"].as_str().unwrap().ends_with("0a04"));
    });
    let (code, found) = drifted(&repo);
    assert_ne!(code, Some(0));
    assert_eq!(
        found,
        [
            (
                "deleted-outside-code".to_string(),
                "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a04".to_string(),
                vec![]
            ),
            (
                "disabled-outside-code".to_string(),
                "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a01".to_string(),
                vec!["enabled".to_string()]
            ),
            (
                "modified-outside-code".to_string(),
                "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a02".to_string(),
                vec!["severitiesFilter".to_string()]
            ),
        ]
    );
    // apply repairs it all, and converges again
    apply(&repo);
    assert_eq!(writes(&plan_json(&repo)), Vec::<(String, String)>::new());
    let (code, found) = drifted(&repo);
    assert_eq!(code, Some(0), "{found:?}");

    // import into an empty repository writes the same four files
    let target = TempRepo::copy_of(repo.path(), &["environments", "schemas", ".sentinelctl"]);
    let out = target.run(&["import", "--env", "local"]);
    assert!(out.status.success(), "{}", text(&out));
    let mut imported: Vec<String> = std::fs::read_dir(target.join("detections"))
        .unwrap()
        .map(|e| body(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
        .collect();
    imported.sort();
    let mut written: Vec<String> = FILES.iter().map(|(_, b)| (*b).to_string()).collect();
    written.sort();
    assert_eq!(imported, written);
    let plan = target.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[test]
fn a_live_template_rule_is_adopted_not_duplicated() {
    // Sentinel creates the Fusion rule in every workspace as `BuiltInFusion`; a file for the
    // same template is that rule (a second one would be refused: one rule per template).
    let repo = bare();
    repo.write("detections/fusion.yaml", FUSION);
    let portal = bare();
    portal.write(
        "detections/builtin.yaml",
        FUSION.replace("6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a01", "BuiltInFusion"),
    );
    apply(&portal);
    // the same workspace, now without ownership: drop the records the first apply wrote
    std::fs::create_dir_all(repo.join(".sentinelctl")).unwrap();
    std::fs::copy(
        portal.join(".sentinelctl/local-state.json"),
        repo.join(".sentinelctl/local-state.json"),
    )
    .unwrap();
    repo.edit_state(|s| {
        for w in s["workspaces"].as_array_mut().unwrap() {
            if let Some(m) = w.get_mut("metadata").and_then(Value::as_array_mut) {
                m.clear();
            }
        }
    });
    let plan = plan_json(&repo);
    let fusion: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "detection")
        .collect();
    assert_eq!(fusion.len(), 1, "{plan:#}");
    assert_eq!(fusion[0]["action"], "conflict", "{plan:#}");
    assert!(
        fusion[0]["name"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("BuiltInFusion"),
        "{plan:#}"
    );
    let out = repo.run(&["apply", "--env", "local", "--auto-approve", "--adopt"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 failed"), "{}", text(&out));
    let state = repo.state();
    let live = rules(&state);
    assert_eq!(live.len(), 1, "{live:#?}");
    assert!(
        live[0]["name"]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("BuiltInFusion")
    );
    let out = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn validation_refuses_keys_of_other_kinds_and_bad_filters() {
    let repo = bare();
    repo.write(
        "detections/fusion.yaml",
        "id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a01\nname: Fusion\nkind: Fusion\nseverity: High\nquery: T | take 1\nenabled: true\n",
    );
    repo.write(
        "detections/incidents.yaml",
        "id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a02\nname: Incidents\nkind: MicrosoftSecurityIncidentCreation\nproductFilter: Microsoft Cloud Apps Security\nseveritiesFilter: [High, Critical]\nalertRuleTemplateName: x\n",
    );
    repo.write(
        "detections/ti.yaml",
        "id: 6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a04\nname: TI\nkind: ThreatIntelligence\nalertRuleTemplateName: not-a-guid\n",
    );
    let out = repo.run(&["validate", "--format", "json"]);
    assert!(!out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("validate JSON: {e}\n{}", text(&out)));
    let diags = v["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("{v:#}"));
    let mut found: Vec<(String, String, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or_default().to_string(),
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    let want = |f: &str, c: &str, l: u64| (format!("detections/{f}.yaml"), c.to_string(), l);
    assert_eq!(
        found,
        [
            want("fusion", "SC1005", 1),
            want("fusion", "SC3019", 4),
            want("fusion", "SC3019", 5),
            want("incidents", "SC3019", 6),
            want("incidents", "SC3020", 4),
            want("incidents", "SC3020", 5),
            want("ti", "SC3021", 4),
        ],
        "{v:#}"
    );
    // every diagnostic carries a hint
    assert!(diags.iter().all(|d| !d["help"].is_null()), "{v:#}");
}

/// The names of unmanaged properties each change reports as changed outside code.
fn unmanaged_notes(plan: &Value) -> Vec<(String, Vec<String>)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| {
            let names: Vec<String> = c["unmanaged_changed"]
                .as_array()?
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect();
            Some((c["name"].as_str().unwrap().to_string(), names))
        })
        .collect()
}

#[test]
fn a_portal_change_to_an_unmanaged_field_is_named_in_plan_and_drift_and_kept() {
    // Issue 12: "a change to an unmanaged field is visible as such in plan and drift".
    let repo = TempRepo::shipped();
    for (name, body) in FILES {
        repo.write(&format!("detections/{name}.yaml"), body);
    }
    apply(&repo);
    // right after apply: nothing to note, for any kind of content
    let plan = plan_json(&repo);
    assert_eq!(unmanaged_notes(&plan), [], "right after apply");
    // the portal: a Scheduled rule gets linked to a Content hub template (name and version),
    // which sentinelctl keeps and does not manage
    let mut scheduled = String::new();
    repo.edit_state(|s| {
        let rules = rules_mut(s);
        let r = rules.iter_mut().find(|r| r["kind"] == "Scheduled").unwrap();
        scheduled = r["name"].as_str().unwrap().to_string();
        r["properties"]["templateVersion"] = "9.9.9".into();
        // (the emulator answers each api-version's model only, so a property of no contract
        // would not come back: the Content hub link is the realistic case)
        r["properties"]["alertRuleTemplateName"] = "0025d93e-0000-4000-8000-00000000c0de".into();
    });
    let plan = plan_json(&repo);
    assert_eq!(
        unmanaged_notes(&plan),
        [(
            scheduled.clone(),
            vec![
                "alertRuleTemplateName".to_string(),
                "templateVersion".to_string()
            ]
        )],
        "after the portal edit"
    );
    assert_eq!(
        writes(&plan),
        Vec::<(String, String)>::new(),
        "kept: no write"
    );
    let human = repo.run(&["plan", "--env", "local"]);
    assert!(
        text(&human).contains("Unmanaged fields changed outside code")
            && text(&human).contains("alertRuleTemplateName, templateVersion"),
        "{}",
        text(&human)
    );
    // drift: a note, not drift
    let out = repo.run(&["drift", "--env", "local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let noted: Vec<&Value> = v["environments"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.get("unmanaged_changed").is_some())
        .collect();
    assert_eq!(noted.len(), 1, "{v:#}");
    assert_eq!(noted[0]["class"], "in-sync");
    let out = repo.run(&["drift", "--env", "local"]);
    assert!(
        text(&out).contains(
            "note: unmanaged fields changed outside code: alertRuleTemplateName, templateVersion"
        ),
        "{}",
        text(&out)
    );
    for cmd in ["plan", "drift"] {
        let out = repo.run(&[cmd, "--env", "local", "--format", "markdown"]);
        assert!(
            text(&out).contains(
                "unmanaged fields changed outside code: <code>alertRuleTemplateName</code>"
            ),
            "{cmd}: {}",
            text(&out)
        );
    }
    // a change in code writes the rule, keeps both properties, and records them again
    let file = std::fs::read_dir(repo.join("detections"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .to_ascii_lowercase()
                .contains(&format!("id: {scheduled}"))
        })
        .unwrap();
    let text_now = std::fs::read_to_string(&file).unwrap();
    let bumped = text_now
        .replacen("severity: Medium", "severity: High", 1)
        .replacen(
            "severity: High",
            "severity: Low",
            usize::from(!text_now.contains("severity: Medium")),
        );
    assert_ne!(bumped, text_now, "the test edits the rule's severity");
    std::fs::write(&file, bumped).unwrap();
    apply(&repo);
    let state = repo.state();
    let live = rules(&state);
    let r = live
        .iter()
        .find(|r| r["name"] == scheduled.as_str())
        .unwrap();
    assert_eq!(r["properties"]["templateVersion"], "9.9.9");
    assert_eq!(
        r["properties"]["alertRuleTemplateName"],
        "0025d93e-0000-4000-8000-00000000c0de"
    );
    assert_eq!(unmanaged_notes(&plan_json(&repo)), []);
}

#[test]
fn the_editor_schema_knows_each_kind() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/json/detection.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let ok = |doc: Value| {
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{doc}: {errors:?}");
    };
    let refused = |doc: Value| assert!(!validator.is_valid(&doc), "{doc} should be refused");
    let fusion = serde_json::json!({"id": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a01", "name": "F",
        "kind": "Fusion", "alertRuleTemplateName": "f71aba3d-28fb-450b-b192-4e76a83015c8", "enabled": true});
    ok(fusion.clone());
    let mut with_query = fusion.clone();
    with_query["query"] = "T".into();
    refused(with_query);
    let mut without_template = fusion;
    without_template
        .as_object_mut()
        .unwrap()
        .remove("alertRuleTemplateName");
    refused(without_template);
    let msic = serde_json::json!({"id": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a02", "name": "M",
        "kind": "MicrosoftSecurityIncidentCreation", "productFilter": "Azure Security Center",
        "severitiesFilter": ["High"]});
    ok(msic.clone());
    let mut without_product = msic;
    without_product
        .as_object_mut()
        .unwrap()
        .remove("productFilter");
    refused(without_product);
    refused(
        serde_json::json!({"id": "6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a05", "name": "S",
        "kind": "Scheduled", "description": "d", "severity": "Low", "query": "T",
        "productFilter": "Azure Security Center"}),
    );
    refused(serde_json::json!({"id": "x", "name": "S", "kind": "Anomaly"}));
}

#[test]
fn test_and_simulate_do_not_pretend_to_run_a_rule_without_a_query() {
    let repo = repo();
    repo.write(
        "detections/fusion.tests.yaml",
        "cases:\n  - name: fires\n    data:\n      SecurityAlert:\n        rows:\n          - {\"TimeGenerated\": \"-30s\"}\n    expect:\n      fires: true\n",
    );
    let out = repo.run(&["test"]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("is a Fusion rule: it has no query, so there is nothing to test"),
        "{}",
        text(&out)
    );
    std::fs::remove_file(repo.join("detections/fusion.tests.yaml")).unwrap();
    repo.write("logs.csv", "TimeGenerated\n2026-01-15T08:00:00Z\n");
    let data = format!("SecurityAlert={}", repo.join("logs.csv").display());
    let out = repo.run(&[
        "simulate",
        "--data",
        &data,
        "--at",
        "2026-01-15T09:00:00Z",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("simulate JSON: {e}\n{}", text(&out)));
    assert_eq!(
        v.to_string()
            .matches("6d0b4a3e-6d2f-4c39-9b37-6c1a1f3f0a0")
            .count(),
        0,
        "no replay of the four rules: {v:#}"
    );
}

#[test]
fn promote_pins_the_four_kinds_and_the_next_environment_converges() {
    let repo = repo();
    let local = repo.read("environments/local.yaml");
    repo.write(
        "environments/devl.yaml",
        local.replace("law-sentinel-local", "law-dev"),
    );
    repo.write(
        "environments/prodl.yaml",
        local.replace("law-sentinel-local", "law-prod"),
    );
    repo.write(".gitignore", ".sentinelctl/\n");
    crate::support::git(repo.path(), &["init", "-q"]);
    crate::support::git(repo.path(), &["add", "-A"]);
    crate::support::git(repo.path(), &["commit", "-qm", "four kinds"]);
    let out = repo.run(&["apply", "--env", "devl", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = repo.run(&["promote", "--from", "devl", "--to", "prodl", "--all"]);
    assert!(out.status.success(), "{}", text(&out));
    let lock = repo.read("environments/prodl.lock.yaml");
    for (name, _) in FILES {
        assert!(lock.contains(&format!("detections/{name}.yaml")), "{lock}");
    }
    let out = repo.run(&["apply", "--env", "prodl", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 failed"), "{}", text(&out));
    let plan = repo.run(&["plan", "--env", "prodl", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}
