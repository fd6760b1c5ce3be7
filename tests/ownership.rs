//! The ownership protocol (announce → write → confirm, `docs/architecture.md`): an apply interrupted
//! or failing at any write leaves a state that drift classifies correctly and the next apply repairs,
//! without `--adopt`. Each test applies the shipped content to the embedded emulator, then puts the
//! workspace into the state an interruption at one write would leave (by editing the emulator's
//! state file, as a crash would have left it), and checks drift, plan and the next apply.

use serde_json::Value;

use crate::support::{TempRepo, set_line, text};

const RULE: &str = "5f78b752-4321-42a6-8117-5cdce94c1077"; // OnePassword-BruteForceSignIn
const FILE: &str = "detections/OnePassword-BruteForceSignIn.yaml";

fn applied() -> TempRepo {
    let repo = TempRepo::shipped();
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    repo
}

/// The rule's ownership record in the state (a mutable view through `edit`).
fn record(ws: &mut Value) -> &mut Value {
    ws["metadata"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| {
            m["properties"]["parentId"]
                .as_str()
                .is_some_and(|p| p.to_ascii_lowercase().ends_with(RULE))
        })
        .expect("the rule has an ownership record")
}

fn rule(ws: &mut Value) -> Option<&mut Value> {
    ws["alertRules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["name"] == RULE)
}

/// The record's `customVersion` without the unmanaged-properties digest (`u=…;`) a confirmation
/// puts in front: the stamps the tests below build interrupted states from.
fn custom_version(repo: &TempRepo) -> String {
    let mut state = repo.state();
    let text = record(&mut state["workspaces"][0])["properties"]["customVersion"]
        .as_str()
        .unwrap()
        .to_string();
    text.split(';')
        .filter(|p| !p.starts_with("u="))
        .collect::<Vec<_>>()
        .join(";")
}

/// (drift class of the rule, drift exit code).
fn drift_class(repo: &TempRepo) -> (String, i32) {
    let out = repo.run(&["drift", "--env", "local", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let class = v["environments"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == RULE)
        .map(|f| f["class"].as_str().unwrap().to_string())
        .unwrap_or_default();
    (class, out.status.code().unwrap())
}

fn plan_action(repo: &TempRepo) -> String {
    let out = repo.run(&["plan", "--env", "local", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == RULE)
        .map(|c| c["action"].as_str().unwrap().to_string())
        .unwrap()
}

fn converges(repo: &TempRepo) {
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(
        !custom_version(repo).contains("pending"),
        "the record is confirmed: {}",
        custom_version(repo)
    );
}

#[test]
fn a_create_interrupted_after_its_announcement_is_created_by_the_next_apply() {
    let repo = applied();
    let confirmed = custom_version(&repo);
    repo.edit_state(|s| {
        let ws = &mut s["workspaces"][0];
        ws["alertRules"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["name"] != RULE);
        // only an announcement: the resource write never happened
        record(ws)["properties"]["customVersion"] = format!("pending={confirmed}").into();
    });
    assert_eq!(
        drift_class(&repo),
        ("pending".into(), 0),
        "not `deleted outside code`"
    );
    assert_eq!(
        plan_action(&repo),
        "create",
        "not a conflict needing --adopt"
    );
    converges(&repo);
}

#[test]
fn a_create_interrupted_before_its_confirmation_is_confirmed_by_the_next_apply() {
    let repo = applied();
    let confirmed = custom_version(&repo);
    repo.edit_state(|s| {
        // the resource was written, the confirmation was lost
        record(&mut s["workspaces"][0])["properties"]["customVersion"] =
            format!("pending={confirmed}").into();
    });
    assert_eq!(drift_class(&repo), ("in-sync".into(), 0));
    assert_eq!(
        plan_action(&repo),
        "update",
        "the record is confirmed, no --adopt"
    );
    converges(&repo);
}

#[test]
fn an_announcement_that_did_not_land_claims_nothing() {
    let repo = applied();
    repo.edit_state(|s| {
        let ws = &mut s["workspaces"][0];
        // someone else's rule now has this name; our record only announced different content
        record(ws)["properties"]["customVersion"] = "pending=0123456789abcdef@".into();
        rule(ws).unwrap()["properties"]["severity"] = "Informational".into();
    });
    assert_eq!(drift_class(&repo).0, "unmanaged");
    assert_eq!(
        plan_action(&repo),
        "conflict",
        "taking it over needs --adopt"
    );
    let adopt = repo.run(&["apply", "--env", "local", "--auto-approve", "--adopt"]);
    assert!(adopt.status.success(), "{}", text(&adopt));
    converges(&repo);
}

#[test]
fn an_update_interrupted_after_its_announcement_is_pending_not_drift() {
    let repo = applied();
    let old = custom_version(&repo);
    set_line(&repo.join(FILE), "severity: ", "severity: Low");
    repo.edit_state(|s| {
        record(&mut s["workspaces"][0])["properties"]["customVersion"] =
            format!("{old};pending=feedfacefeedface@").into();
    });
    assert_eq!(
        drift_class(&repo),
        ("pending".into(), 0),
        "a code change not applied yet"
    );
    assert_eq!(plan_action(&repo), "update");
    converges(&repo);
}

#[test]
fn an_update_interrupted_before_its_confirmation_is_in_sync_and_confirmed_next() {
    let repo = applied();
    set_line(&repo.join(FILE), "severity: ", "severity: Low");
    // what the interrupted apply would have announced: the new content's hash
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let new = custom_version(&repo);
    repo.edit_state(|s| {
        record(&mut s["workspaces"][0])["properties"]["customVersion"] =
            format!("0000000000000000@;pending={new}").into();
    });
    assert_eq!(
        drift_class(&repo),
        ("in-sync".into(), 0),
        "not `modified outside code`"
    );
    converges(&repo);
}

#[test]
fn a_delete_interrupted_after_the_resource_went_is_finished_by_the_next_apply() {
    let repo = applied();
    let confirmed = custom_version(&repo);
    std::fs::remove_file(repo.join(FILE)).unwrap();
    repo.edit_state(|s| {
        let ws = &mut s["workspaces"][0];
        ws["alertRules"]
            .as_array_mut()
            .unwrap()
            .retain(|r| r["name"] != RULE);
        record(ws)["properties"]["customVersion"] = format!("{confirmed};pending=delete").into();
    });
    let (class, code) = drift_class(&repo);
    assert!(class.is_empty() || class == "pending", "{class}");
    assert_eq!(code, 0, "a deletion in progress is not drift");
    assert_eq!(plan_action(&repo), "delete", "the record is removed");
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let state = repo.state().to_string();
    assert!(!state.contains(RULE), "the record is gone too");
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[test]
fn records_never_use_content_hubs_names_and_adopting_keeps_the_template_link() {
    let repo = TempRepo::shipped();
    let out = repo.run(&["plan", "--env", "local"]);
    assert!(out.status.success(), "{}", text(&out));
    // a rule enabled from a Content hub template: random name, the template id is our rule id,
    // and a Solution metadata record named the Content hub way
    let body = std::fs::read_to_string(repo.join(FILE)).unwrap();
    let name_line = body.lines().find(|l| l.starts_with("name: ")).unwrap();
    let display = name_line.trim_start_matches("name: ").trim().to_string();
    repo.edit_state(|s| {
        let ws = &mut s["workspaces"][0];
        let id = ws["id"].as_str().unwrap().to_string();
        ws["alertRules"] = serde_json::json!([{
            "name": "9a1b2c3d-0000-4000-8000-00000000abcd",
            "kind": "Scheduled",
            "etag": "\"1\"",
            "properties": {
                "displayName": display, "enabled": true, "severity": "Medium",
                "query": "OnePasswordEventLogs_CL | take 1", "queryFrequency": "PT1H", "queryPeriod": "PT1H",
                "triggerOperator": "GreaterThan", "triggerThreshold": 0,
                "suppressionEnabled": false, "suppressionDuration": "PT5H",
                "alertRuleTemplateName": RULE, "templateVersion": "1.0.3"
            }
        }]);
        ws["metadata"] = serde_json::json!([{
            "name": format!("analyticsrule-{RULE}"),
            "etag": "\"m1\"",
            "properties": {
                "contentId": RULE, "kind": "AnalyticsRule", "version": "1.0.3",
                "parentId": format!("{id}/providers/Microsoft.SecurityInsights/alertRules/9a1b2c3d-0000-4000-8000-00000000abcd"),
                "source": {"kind": "Solution", "name": "1Password", "sourceId": "azuresentinel.azure-sentinel-solution-1password"}
            }
        }]);
    });
    let plan = repo.run(&["plan", "--env", "local", "--format", "json"]);
    let v: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let ours: Vec<&Value> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["content_id"] == RULE)
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "one change, never a second rule beside it: {ours:#?}"
    );
    assert_eq!(ours[0]["action"], "conflict");
    assert_eq!(ours[0]["name"], "9a1b2c3d-0000-4000-8000-00000000abcd");
    let adopt = repo.run(&["apply", "--env", "local", "--auto-approve", "--adopt"]);
    assert!(adopt.status.success(), "{}", text(&adopt));
    let mut state = repo.state();
    let ws = &mut state["workspaces"][0];
    let rules = ws["alertRules"].as_array().unwrap();
    let adopted: Vec<&Value> = rules
        .iter()
        .filter(|r| r["properties"]["displayName"] == display.as_str())
        .collect();
    assert_eq!(adopted.len(), 1);
    assert_eq!(adopted[0]["name"], "9a1b2c3d-0000-4000-8000-00000000abcd");
    assert_eq!(adopted[0]["properties"]["alertRuleTemplateName"], RULE);
    assert_eq!(adopted[0]["properties"]["templateVersion"], "1.0.3");
    let solution = ws["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == format!("analyticsrule-{RULE}").as_str())
        .expect("the Solution record is still there");
    assert_eq!(solution["properties"]["source"]["kind"], "Solution");
    assert!(
        ws["metadata"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["properties"]["source"]["sourceId"] == "sentinelctl")
            .all(|m| m["name"].as_str().unwrap().starts_with("sentinelctl-")),
        "our records use our own names"
    );
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}
