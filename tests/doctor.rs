//! `sentinelctl doctor`: the real binary checks an environment end to end against the embedded
//! emulator (a fresh clone, then after apply, then with what a portal user or Sentinel changes) and
//! against emulators set up the way broken deployments are (no 1Password table, a read-only login,
//! no access at all).

use arm_emulator::Config;
use serde_json::{Value, json};

use crate::support::{EmulatorGuard, TempRepo, text};

const WS: &str = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-sentinel-local/providers/Microsoft.OperationalInsights/workspaces/law-sentinel-local";

fn report(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --format json is not JSON ({e}): {}", text(out)))
}

fn check<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no `{id}` check in {r}"))
}

fn statuses(r: &Value) -> Vec<(String, String)> {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn doctor_json(repo: &TempRepo, extra: &[&str]) -> (std::process::Output, Value) {
    let mut args = vec!["doctor", "--env", "local", "--format", "json"];
    args.extend(extra);
    let out = repo.run(&args);
    let r = report(&out);
    (out, r)
}

#[test]
fn a_fresh_clone_passes_every_check_but_the_first_deploy_and_after_apply_all() {
    let repo = TempRepo::shipped();
    let out = repo.run(&["doctor", "--env", "local"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    for line in [
        "ok   login",
        "signed in as application (client id 00000000-0000-0000-0000-0000000000c1)",
        "ok   workspace",
        "ok   Microsoft Sentinel",
        "ok   permissions",
        "ok   tables                 every table the content reads exists: OnePasswordEventLogs_CL",
        "warn saved functions        nothing from this repository is deployed yet",
        "fix: deploy them: `sentinelctl apply --env local`",
        "ok   data arriving",
        "signinattempts: last event",
        "itemusages: last event",
        "auditevents: last event",
        "ok   analytics rule health",
    ] {
        assert!(shown.contains(line), "missing `{line}` in:\n{shown}");
    }
    assert!(!shown.contains("FAIL"), "{shown}");

    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let (out, r) = doctor_json(&repo, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(r["format_version"], 1);
    assert_eq!(r["environment"], "local");
    for (id, status) in statuses(&r) {
        assert_eq!(status, "pass", "{id}: {r:#}");
    }
    assert_eq!(
        check(&r, "functions")["summary"],
        "13 saved functions deployed and current"
    );
    assert!(
        check(&r, "rule-health")["summary"]
            .as_str()
            .unwrap()
            .starts_with("18 analytics rules, none auto-disabled")
    );
}

#[test]
fn stale_functions_auto_disabled_rules_missing_data_and_no_sentinel_are_named_with_the_fix() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let mut auto_name = String::new();
    repo.edit_state(|state| {
        let ws = &mut state["workspaces"][0];
        let searches = ws["savedSearches"].as_array_mut().unwrap();
        let f = searches
            .iter_mut()
            .find(|s| s["properties"]["functionAlias"] == "OnePasswordFailedSignIns")
            .unwrap();
        f["properties"]["query"] = "OnePasswordEventLogs_CL | take 1".into();
        let rule = &mut ws["alertRules"][0]["properties"];
        auto_name = rule["displayName"].as_str().unwrap().to_string();
        rule["enabled"] = false.into();
        rule["displayName"] = format!("AUTO DISABLED {auto_name}").into();
        rule["description"] = format!(
            "{} The rule was disabled because of a permanent failure.",
            rule["description"].as_str().unwrap()
        )
        .into();
    });
    // no events: the sample file is gone, and the rows the last start loaded are cleared
    std::fs::remove_dir_all(repo.join("samples")).unwrap();
    repo.edit_state(|state| {
        state["workspaces"][0]
            .as_object_mut()
            .unwrap()
            .remove("rows");
    });
    let (out, r) = doctor_json(&repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let functions = check(&r, "functions");
    assert_eq!(functions["status"], "fail");
    assert_eq!(
        functions["details"],
        json!(["OnePasswordFailedSignIns: deployed but differs from the repository"])
    );
    let data = check(&r, "data");
    assert_eq!(data["status"], "fail");
    assert!(
        data["summary"]
            .as_str()
            .unwrap()
            .contains("missing audit data"),
        "{data}"
    );
    assert!(data["fix"].as_str().unwrap().contains("Data connectors"));
    let health = check(&r, "rule-health");
    assert_eq!(health["status"], "fail");
    let detail = health["details"][0].as_str().unwrap();
    assert!(
        detail.contains(&auto_name)
            && detail.contains("because of a permanent failure")
            && detail.contains("auto-disabled"),
        "{detail}"
    );

    // Sentinel removed from the workspace: that check fails and the later ones are not guessed
    repo.edit_state(|state| state["workspaces"][0]["sentinelOnboarded"] = false.into());
    let (out, r) = doctor_json(&repo, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let sentinel = check(&r, "sentinel");
    assert_eq!(sentinel["status"], "fail");
    assert!(
        sentinel["fix"]
            .as_str()
            .unwrap()
            .contains("az sentinel onboarding-state create --name default"),
        "{sentinel}"
    );
    for id in ["permissions", "tables", "functions", "data", "rule-health"] {
        assert_eq!(check(&r, id)["status"], "skip", "{id}");
    }
    // and plan says why every Sentinel call fails
    let plan = repo.run(&["plan", "--env", "local"]);
    assert!(!plan.status.success());
    assert!(
        text(&plan).contains("is not onboarded to Microsoft Sentinel"),
        "{}",
        text(&plan)
    );
}

#[test]
fn a_broken_sample_file_is_a_located_error_not_silently_skipped() {
    let repo = TempRepo::shipped();
    repo.write(
        "samples/OnePasswordEventLogs_CL.jsonl",
        "{\"TimeGenerated\": \"-5m\", \"log_source\": \"signinattempts\"}\nnot json\n",
    );
    let out = repo.run(&["doctor", "--env", "local"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("samples/OnePasswordEventLogs_CL.jsonl` line 2: not a JSON object"),
        "{shown}"
    );
    repo.write(
        "samples/OnePasswordEventLogs_CL.jsonl",
        "{\"TimeGenerated\": \"yesterday-ish\"}\n",
    );
    let out = repo.run(&["query", "--env", "local", "print 1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("samples/OnePasswordEventLogs_CL.jsonl` row 1"),
        "{}",
        text(&out)
    );
}

fn connect<'a>(emulator: &'a EmulatorGuard, ca: &'a str) -> [&'a str; 6] {
    [
        "--arm-endpoint",
        emulator.url(),
        "--authority-host",
        emulator.url(),
        "--ca-file",
        ca,
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_without_the_1password_table_names_the_table_its_readers_and_the_fix() {
    let repo = TempRepo::shipped();
    let emulator = EmulatorGuard::start(Config {
        workspaces: vec![WS.to_string()],
        ..Config::default()
    })
    .await;
    let ca = emulator.ca_file().unwrap().display().to_string();
    let out = repo.run(
        &[
            &["doctor", "--env", "local"][..],
            &connect(&emulator, &ca)[..],
        ]
        .concat(),
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "FAIL tables                 missing in the workspace: `OnePasswordEventLogs_CL`"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "install the 1Password data connector (Content hub → 1Password → Data connectors)"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("- OnePasswordEventLogs_CL: read by ")
            && shown.contains("1Password - Brute force sign-in attempts against an account"),
        "{shown}"
    );
    // the table is not there, so there is no data to look at (not a failure of its own)
    assert!(!shown.contains("missing audit data"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_login_may_plan_but_not_apply_and_no_access_stops_at_the_workspace() {
    let repo = TempRepo::shipped();
    let emulator = EmulatorGuard::start(Config {
        workspaces: vec![WS.to_string()],
        ..Config::default()
    })
    .await;
    let ca = emulator.ca_file().unwrap().display().to_string();
    let args = |format: &'static str| {
        [
            &["doctor", "--env", "local", "--format", format][..],
            &connect(&emulator, &ca)[..],
        ]
        .concat()
    };
    emulator.set_read_only(&[WS.to_string()]);
    let out = repo.run(&args("json"));
    let r = report(&out);
    let perms = check(&r, "permissions");
    assert_eq!(perms["status"], "warn", "{perms}");
    assert!(
        perms["summary"]
            .as_str()
            .unwrap()
            .contains("apply will be refused"),
        "{perms}"
    );
    assert!(perms["details"].as_array().unwrap().contains(&json!(
        "apply needs Microsoft.SecurityInsights/alertRules/write"
    )));
    assert!(
        perms["fix"].as_str().unwrap().contains(
            "assign Microsoft Sentinel Contributor on resource group `rg-sentinel-local`"
        )
    );
    // and the emulator refuses the write as ARM would
    let apply = repo.run(
        &[
            &["apply", "--env", "local", "--auto-approve"][..],
            &connect(&emulator, &ca)[..],
        ]
        .concat(),
    );
    assert!(!apply.status.success());
    assert!(
        text(&apply).contains("AuthorizationFailed"),
        "{}",
        text(&apply)
    );

    emulator.set_read_only(&[]);
    emulator.set_forbidden(&[WS.to_string()]);
    let out = repo.run(&args("human"));
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(shown.contains("ok   login"), "{shown}");
    assert!(shown.contains("FAIL workspace"), "{shown}");
    assert!(shown.contains("AuthorizationFailed"), "{shown}");
    assert!(
        shown.contains("skip Microsoft Sentinel     not checked: the workspace check failed"),
        "{shown}"
    );
}
