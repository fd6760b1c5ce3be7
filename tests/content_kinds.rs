//! Watchlists, hunting queries and automation rules end to end (issue 14), with the real binary
//! against the embedded emulator: each kind round-trips (apply then plan is empty, one portal edit is
//! one field in drift, import then plan is empty, promote pins it), unmanaged content is never
//! touched, and `validate` refuses what Sentinel would not run.

use serde_json::{Value, json};

use crate::support::{TempRepo, git, set_line, text};

const WS: &str = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-sentinel-local/providers/Microsoft.OperationalInsights/workspaces/law-sentinel-local";

fn apply(repo: &TempRepo, env: &str) {
    let out = repo.run(&["apply", "--env", env, "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 failed"), "{}", text(&out));
}

fn plan_json(repo: &TempRepo, env: &str) -> Value {
    let out = repo.run(&["plan", "--env", env, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn writes(plan: &Value) -> Vec<&Value> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["create", "update", "adopt", "delete"].contains(&c["action"].as_str().unwrap())
        })
        .collect()
}

/// The workspace `name` ends with, in the emulator state.
fn workspace<'a>(state: &'a Value, name: &str) -> &'a Value {
    state["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"].as_str().unwrap().ends_with(name))
        .unwrap()
}

fn ws_mut<'a>(state: &'a mut Value, name: &str) -> &'a mut Value {
    state["workspaces"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|w| w["id"].as_str().unwrap().ends_with(name))
        .unwrap()
}

/// `(search key value → row)` of the watchlist `alias` in workspace `ws`.
fn items(state: &Value, ws: &str, alias: &str, key: &str) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = workspace(state, ws)["watchlistItems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|i| {
            i["watchlistAlias"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(alias)
        })
        .map(|i| {
            let kv = i["properties"]["itemsKeyValue"].clone();
            (kv[key].as_str().unwrap().to_string(), kv)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn drift_json(repo: &TempRepo) -> (Option<i32>, Value) {
    let out = repo.run(&["drift", "--env", "local", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("drift JSON: {e}\n{}", text(&out)));
    (out.status.code(), v)
}

fn drifted(report: &Value) -> Vec<(String, String, Vec<String>)> {
    report["environments"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"] != "in-sync" && f["class"] != "pending")
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["class"].as_str().unwrap().to_string(),
                f["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x["path"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn each_kind_round_trips_and_one_portal_edit_is_one_field_in_drift() {
    let repo = TempRepo::shipped();
    apply(&repo, "local");
    let plan = plan_json(&repo, "local");
    assert!(writes(&plan).is_empty(), "apply then plan: {plan:#}");
    let state = repo.state();
    let ws = workspace(&state, "law-sentinel-local");
    assert_eq!(ws["watchlists"].as_array().unwrap().len(), 4);
    assert_eq!(ws["automationRules"].as_array().unwrap().len(), 1);
    let hunting: Vec<&Value> = ws["savedSearches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["properties"]["category"] == "Hunting Queries")
        .collect();
    assert_eq!(hunting.len(), 2);
    // the portal's own shape: tactics and techniques comma-separated in `tags`
    let tags = &hunting[0]["properties"]["tags"];
    assert!(
        tags.as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "tactics" && t["value"].as_str().unwrap().contains(',')),
        "{tags}"
    );
    // ownership records of the right metadata kinds
    let kinds: Vec<&str> = ws["metadata"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["properties"]["kind"].as_str())
        .collect();
    for k in ["Watchlist", "HuntingQuery", "AutomationRule"] {
        assert!(kinds.contains(&k), "no {k} record: {kinds:?}");
    }
    // the automation rule names the rules by this workspace's resource ids
    let values = &ws["automationRules"][0]["properties"]["triggeringLogic"]["conditions"][0]["conditionProperties"]
        ["propertyValues"];
    assert!(
        values[0].as_str().unwrap().starts_with(&format!(
            "{WS}/providers/Microsoft.SecurityInsights/alertRules/"
        )),
        "{values}"
    );

    let (code, clean) = drift_json(&repo);
    assert_eq!(code, Some(0), "{clean:#}");
    // one portal edit per kind
    repo.edit_state(|s| {
        let ws = ws_mut(s, "law-sentinel-local");
        for i in ws["watchlistItems"].as_array_mut().unwrap() {
            if i["properties"]["itemsKeyValue"]["IPAddress"] == "203.0.113.10" {
                i["properties"]["itemsKeyValue"]["Location"] = "edited in the portal".into();
            }
        }
        ws["automationRules"][0]["properties"]["order"] = 99.into();
        for q in ws["savedSearches"].as_array_mut().unwrap() {
            if q["properties"]["category"] == "Hunting Queries" {
                q["properties"]["displayName"] = "renamed in the portal".into();
                break;
            }
        }
    });
    let (code, report) = drift_json(&repo);
    assert_ne!(code, Some(0));
    let mut found = drifted(&report);
    found.sort();
    assert_eq!(
        found,
        [
            (
                "automation-rule".to_string(),
                "modified-outside-code".to_string(),
                vec!["order".to_string()]
            ),
            (
                "hunting-query".to_string(),
                "modified-outside-code".to_string(),
                vec!["displayName".to_string()]
            ),
            (
                "watchlist".to_string(),
                "modified-outside-code".to_string(),
                vec!["items.203.0.113.10".to_string()]
            ),
        ]
    );
    // the watchlist's plan names the item, not the whole list
    let plan = plan_json(&repo, "local");
    let wl = writes(&plan)
        .into_iter()
        .find(|c| c["kind"] == "watchlist")
        .unwrap();
    assert_eq!(wl["fields"], json!([]), "{wl:#}");
    assert_eq!(wl["items"]["changed"][0]["key"], "203.0.113.10");
    assert!(wl["items"]["added"].as_array().unwrap().is_empty());
    apply(&repo, "local");
    assert!(writes(&plan_json(&repo, "local")).is_empty());

    // import into an empty repository: plan shows no change
    let fresh = TempRepo::empty();
    for dir in ["environments", "schemas", ".sentinelctl"] {
        crate::support::copy::copy_dir(&repo.join(dir), &fresh.join(dir));
    }
    let out = fresh.run(&["import", "--env", "local"]);
    assert!(out.status.success(), "{}", text(&out));
    for dir in ["watchlists", "hunting", "automation"] {
        assert!(
            std::fs::read_dir(fresh.join(dir)).unwrap().count() > 0,
            "nothing imported into {dir}/"
        );
    }
    let automation = std::fs::read_dir(fresh.join("automation"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(
        automation.contains("- e21c4031-27cf-46c5-bc04-0af53c3eaa8c")
            && !automation.contains("/alertRules/"),
        "rule references are imported as detection ids:\n{automation}"
    );
    let out = fresh.run(&["validate"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan = plan_json(&fresh, "local");
    assert!(writes(&plan).is_empty(), "import then plan: {plan:#}");
    assert_eq!(plan["summary"]["conflict"], 0);
}

#[test]
fn large_watchlists_page_and_items_are_written_one_by_one() {
    let repo = TempRepo::shipped();
    let mut csv = String::from("IPAddress,Location,Owner\n");
    for i in 0..250 {
        csv.push_str(&format!(
            "10.0.{}.{},Branch {i},Network team\n",
            i / 200,
            i % 200
        ));
    }
    repo.write("watchlists/OnePasswordTrustedEgressIps.csv", &csv);
    apply(&repo, "local");
    let state = repo.state();
    let before = items(
        &state,
        "law-sentinel-local",
        "OnePasswordTrustedEgressIps",
        "IPAddress",
    );
    assert_eq!(before.len(), 250);
    // a LIST of 250 items takes three pages (100 per page): read back, nothing differs
    assert!(writes(&plan_json(&repo, "local")).is_empty());
    // one row changed, one removed, one added
    let edited = csv
        .replace("10.0.0.7,Branch 7,", "10.0.0.7,Branch seven,")
        .replace("10.0.0.8,Branch 8,Network team\n", "")
        + "192.0.2.1,New branch,Network team\n";
    repo.write("watchlists/OnePasswordTrustedEgressIps.csv", &edited);
    let plan = plan_json(&repo, "local");
    let w = writes(&plan);
    assert_eq!(w.len(), 1, "{plan:#}");
    let keys = |k: &str| {
        w[0]["items"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["key"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(keys("added"), ["192.0.2.1"]);
    assert_eq!(keys("changed"), ["10.0.0.7"]);
    assert_eq!(keys("removed"), ["10.0.0.8"]);
    // updates and deletes are guarded by the item's etag
    assert!(w[0]["items"]["changed"][0]["etag"].is_string());
    let human = repo.run(&["plan", "--env", "local"]);
    assert!(
        text(&human).contains("items to add (1): `192.0.2.1`"),
        "{}",
        text(&human)
    );
    let md = repo.run(&["plan", "--env", "local", "--format", "markdown"]);
    assert!(text(&md).contains("items +1 ~1 -1"), "{}", text(&md));
    apply(&repo, "local");
    let after = items(
        &repo.state(),
        "law-sentinel-local",
        "OnePasswordTrustedEgressIps",
        "IPAddress",
    );
    assert_eq!(after.len(), 250);
    assert!(
        after
            .iter()
            .any(|(k, v)| k == "10.0.0.7" && v["Location"] == "Branch seven")
    );
    assert!(!after.iter().any(|(k, _)| k == "10.0.0.8"));
    assert!(after.iter().any(|(k, _)| k == "192.0.2.1"));
    // untouched items kept their names: written one by one, not re-created
    let names = |s: &Value| -> Vec<String> {
        workspace(s, "law-sentinel-local")["watchlistItems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["properties"]["itemsKeyValue"]["IPAddress"] == "10.0.0.9")
            .map(|i| i["etag"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&state),
        names(&repo.state()),
        "an unchanged item was rewritten"
    );
    assert!(writes(&plan_json(&repo, "local")).is_empty());
}

#[test]
fn environments_override_watchlist_items_and_overrides_are_validated() {
    let repo = TempRepo::shipped();
    repo.write(
        "watchlists/prod/trusted-ips.csv",
        "IPAddress,Location,Owner\n198.18.0.1,Prod NAT,Network team\n",
    );
    let env = repo.join("environments/local.yaml");
    let text_env = std::fs::read_to_string(&env).unwrap().replace(
        "overrides:\n",
        "overrides:\n  watchlists:\n    OnePasswordTrustedEgressIps:\n      items: watchlists/prod/trusted-ips.csv\n      extraItems:\n        - IPAddress: 198.18.0.2\n          Location: Prod VPN\n    OnePasswordBreakGlassAccounts:\n      removeItems:\n        - breakglass2@example.com\n",
    );
    std::fs::write(&env, &text_env).unwrap();
    apply(&repo, "local");
    let state = repo.state();
    let ips: Vec<String> = items(
        &state,
        "law-sentinel-local",
        "OnePasswordTrustedEgressIps",
        "IPAddress",
    )
    .into_iter()
    .map(|(k, _)| k)
    .collect();
    assert_eq!(ips, ["198.18.0.1", "198.18.0.2"]);
    let accounts = items(
        &state,
        "law-sentinel-local",
        "OnePasswordBreakGlassAccounts",
        "Email",
    );
    assert_eq!(accounts.len(), 1);
    assert!(writes(&plan_json(&repo, "local")).is_empty());

    // overrides that name nothing, a column the watchlist lacks, or a path outside the repository
    let bad = text_env
        .replace("OnePasswordBreakGlassAccounts:", "OnePasswordBreakGlas:")
        .replace("Location: Prod VPN", "Locaton: Prod VPN")
        .replace(
            "items: watchlists/prod/trusted-ips.csv",
            "items: ../outside.csv",
        );
    std::fs::write(&env, bad).unwrap();
    let out = repo.run(&["validate", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                format!(
                    "{} {}",
                    d["message"].as_str().unwrap(),
                    d["help"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let has = |code: &str, text: &str| found.iter().any(|(c, m)| c == code && m.contains(text));
    assert!(
        has("SC5002", "did you mean `OnePasswordBreakGlassAccounts`?"),
        "{found:?}"
    );
    assert!(has("SC5003", "did you mean `Location`?"), "{found:?}");
    assert!(has("SC5003", "not a repository-relative path"), "{found:?}");
    for d in v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
    {
        assert_eq!(d["file"], "environments/local.yaml", "{d}");
        assert!(d["line"].as_u64().unwrap() > 1, "located: {d}");
    }
}

#[test]
fn validate_rejects_unknown_watchlists_columns_and_rule_references_with_located_errors() {
    let repo = TempRepo::shipped();
    let spray = repo.join("detections/OnePassword-PasswordSpray.yaml");
    let yaml = std::fs::read_to_string(&spray).unwrap().replace(
        "_GetWatchlist('OnePasswordTrustedEgressIps')",
        "_GetWatchlist('OnePasswordTrustedEgresIps')",
    );
    std::fs::write(&spray, yaml).unwrap();
    let hunt = repo.join("hunting/OnePassword-BreakGlassAndPrivilegedActivity.yaml");
    let yaml = std::fs::read_to_string(&hunt).unwrap().replace(
        "let breakGlass = toscalar(_GetWatchlist('OnePasswordBreakGlassAccounts') | summarize make_set(SearchKey));",
        "let breakGlass = toscalar(_GetWatchlist('OnePasswordBreakGlassAccounts') | summarize make_set(Mail));",
    );
    std::fs::write(&hunt, yaml).unwrap();
    let auto = repo.join("automation/OnePassword-TriageExportAndMfaIncidents.yaml");
    let yaml = std::fs::read_to_string(&auto)
        .unwrap()
        .replace(
            "- e21c4031-27cf-46c5-bc04-0af53c3eaa8c",
            "- e21c4031-27cf-46c5-bc04-0af53c3eaa8d",
        )
        .replace("order: 10", "order: 1001")
        .replace("severity: High", "severity: Critical");
    std::fs::write(&auto, yaml).unwrap();
    let out = repo.run(&["validate"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    for expected in [
        "error[SC6003]: no watchlist `OnePasswordTrustedEgresIps` in this repository",
        "detections/OnePassword-PasswordSpray.yaml:35:43",
        "did you mean `OnePasswordTrustedEgressIps`?",
        "error[SC2003]",
        "`Mail`",
        "error[SC6006]: no detection in this repository has the id `e21c4031-27cf-46c5-bc04-0af53c3eaa8d`",
        "automation/OnePassword-TriageExportAndMfaIncidents.yaml:20:13",
        "did you mean `e21c4031-27cf-46c5-bc04-0af53c3eaa8c`?",
        "error[SC6005]: order 1001 is outside 1…1000",
        "`Critical` is not a severity",
    ] {
        assert!(all.contains(expected), "expected `{expected}` in:\n{all}");
    }
    // plan refuses the content before any request
    let plan = repo.run(&["plan", "--env", "local"]);
    assert_eq!(plan.status.code(), Some(1), "{}", text(&plan));

    // two automation rules sharing an order: a warning, not an error
    let repo = TempRepo::shipped();
    let copy = std::fs::read_to_string(
        repo.join("automation/OnePassword-TriageExportAndMfaIncidents.yaml"),
    )
    .unwrap()
    .replace(
        "6f1c9b52-3d84-4e0a-a7c5-9b2e1d4f8a63",
        "6f1c9b52-3d84-4e0a-a7c5-9b2e1d4f8a64",
    );
    repo.write("automation/Copy.yaml", copy);
    let out = repo.run(&["validate"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("warning[SC6007]: order 10 is also used by another automation rule"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_failed_watchlist_skips_the_rules_that_read_it_and_deletes_are_polled() {
    let repo = TempRepo::shipped();
    // an extra watchlist nothing reads, to delete later
    repo.write(
        "watchlists/Scratch.yaml",
        "alias: Scratch\ndisplayName: Scratch list\nitemsSearchKey: Key\n",
    );
    repo.write("watchlists/Scratch.csv", "Key,Value\na,1\nb,2\n");
    apply(&repo, "local");
    // the vault watchlist is being deleted in the workspace (someone else started it): its write
    // fails with 409, and the vault rule that reads it must not be written
    repo.edit_state(|s| {
        let ws = ws_mut(s, "law-sentinel-local");
        for w in ws["watchlists"].as_array_mut().unwrap() {
            if w["name"] == "OnePasswordPrivilegedVaults" {
                w["deletingUntil"] = json!(9_000_000_000_000_u64);
                w["deleteOperation"] = json!("00000000-0000-0000-0000-0000000000dd");
                w["properties"]["provisioningState"] = "Deleting".into();
            }
        }
    });
    set_line(
        &repo.join("detections/OnePassword-VaultAccessGranted.yaml"),
        "severity:",
        "severity: Medium",
    );
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("watchlist `onepasswordprivilegedvaults` failed to deploy"),
        "{all}"
    );
    let state = repo.state();
    let rule = workspace(&state, "law-sentinel-local")["alertRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "2e6d86b9-7041-4a42-b4a2-daaa12797e25")
        .unwrap()
        .clone();
    assert_eq!(
        rule["properties"]["severity"], "Low",
        "the skipped rule was written"
    );

    // removing a watchlist from code deletes it (asynchronously in Azure: apply waits) and its record
    let repo = TempRepo::shipped();
    repo.write(
        "watchlists/Scratch.yaml",
        "alias: Scratch\ndisplayName: Scratch list\nitemsSearchKey: Key\n",
    );
    repo.write("watchlists/Scratch.csv", "Key,Value\na,1\nb,2\n");
    apply(&repo, "local");
    std::fs::remove_file(repo.join("watchlists/Scratch.yaml")).unwrap();
    std::fs::remove_file(repo.join("watchlists/Scratch.csv")).unwrap();
    let plan = plan_json(&repo, "local");
    let w = writes(&plan);
    assert_eq!(w.len(), 1, "{plan:#}");
    assert_eq!(
        (w[0]["kind"].as_str(), w[0]["action"].as_str()),
        (Some("watchlist"), Some("delete"))
    );
    apply(&repo, "local");
    let state = repo.state();
    let ws = workspace(&state, "law-sentinel-local");
    assert!(
        !ws["watchlists"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["name"] == "Scratch")
    );
    assert!(items(&state, "law-sentinel-local", "Scratch", "Key").is_empty());
    assert!(
        !ws["metadata"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "sentinelctl-watchlist-scratch")
    );
    assert!(writes(&plan_json(&repo, "local")).is_empty());
}

#[test]
fn unmanaged_watchlists_saved_searches_and_automation_rules_are_never_touched() {
    let repo = TempRepo::shipped();
    apply(&repo, "local");
    repo.edit_state(|s| {
        let ws = ws_mut(s, "law-sentinel-local");
        let mut w = ws["watchlists"][0].clone();
        w["name"] = "PortalList".into();
        w["properties"]["watchlistAlias"] = "PortalList".into();
        w["properties"]["displayName"] = "Made in the portal".into();
        ws["watchlists"].as_array_mut().unwrap().push(w);
        let mut item = ws["watchlistItems"][0].clone();
        item["watchlistAlias"] = "PortalList".into();
        item["name"] = "00000000-0000-0000-0000-0000000000aa".into();
        ws["watchlistItems"].as_array_mut().unwrap().push(item);
        let searches = ws["savedSearches"].as_array_mut().unwrap();
        let mut hunt = searches
            .iter()
            .find(|s| s["properties"]["category"] == "Hunting Queries")
            .unwrap()
            .clone();
        hunt["name"] = "11111111-2222-3333-4444-555555555555".into();
        hunt["properties"]["displayName"] = "Analyst's own hunt".into();
        let mut saved = hunt.clone();
        saved["name"] = "saved-query".into();
        saved["properties"]["category"] = "Saved queries".into();
        searches.push(hunt);
        searches.push(saved);
        let mut auto = ws["automationRules"][0].clone();
        auto["name"] = "99999999-8888-7777-6666-555555555555".into();
        auto["properties"]["displayName"] = "Made in the portal".into();
        ws["automationRules"].as_array_mut().unwrap().push(auto);
    });
    let before = repo.state();
    let plan = plan_json(&repo, "local");
    assert!(writes(&plan).is_empty(), "{plan:#}");
    let mut unmanaged: Vec<(String, String)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "unmanaged")
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    unmanaged.sort();
    // the saved search outside `Hunting Queries` (and without an alias) is neither kind
    assert_eq!(
        unmanaged,
        [
            (
                "automation-rule".to_string(),
                "99999999-8888-7777-6666-555555555555".to_string()
            ),
            (
                "hunting-query".to_string(),
                "11111111-2222-3333-4444-555555555555".to_string()
            ),
            ("watchlist".to_string(), "PortalList".to_string()),
        ]
    );
    let (_, report) = drift_json(&repo);
    assert_eq!(
        report["environments"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["class"] == "unmanaged")
            .count(),
        3
    );
    // prune is on for local: still nothing unmanaged is deleted
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(text(&out).contains("No changes."), "{}", text(&out));
    let after = repo.state();
    // (the emulator keeps collections sorted by key: compare them as sets)
    let sorted = |s: &Value, coll: &str| {
        let mut v: Vec<String> = workspace(s, "law-sentinel-local")[coll]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect();
        v.sort();
        v
    };
    for coll in [
        "watchlists",
        "watchlistItems",
        "savedSearches",
        "automationRules",
    ] {
        assert_eq!(
            sorted(&before, coll),
            sorted(&after, coll),
            "{coll} changed"
        );
    }
}

#[test]
fn an_automation_rule_follows_an_adopted_rule_to_its_live_name() {
    let repo = TempRepo::shipped();
    apply(&repo, "local");
    // the export rule enabled in the portal from its Content hub template: a random name
    let export = "e21c4031-27cf-46c5-bc04-0af53c3eaa8c";
    let random = "0f0f0f0f-1111-2222-3333-444444444444";
    repo.edit_state(|s| {
        let ws = ws_mut(s, "law-sentinel-local");
        let rules = ws["alertRules"].as_array_mut().unwrap();
        let i = rules.iter().position(|r| r["name"] == export).unwrap();
        let mut rule = rules.remove(i);
        rule["name"] = random.into();
        rule["properties"]["alertRuleTemplateName"] = export.into();
        rules.push(rule);
        ws["metadata"]
            .as_array_mut()
            .unwrap()
            .retain(|m| m["name"] != format!("sentinelctl-detection-{export}").as_str());
    });
    let out = repo.run(&["apply", "--env", "local", "--auto-approve", "--adopt"]);
    assert!(out.status.success(), "{}", text(&out));
    let state = repo.state();
    let ws = workspace(&state, "law-sentinel-local");
    let values = ws["automationRules"][0]["properties"]["triggeringLogic"]["conditions"][0]
        ["conditionProperties"]["propertyValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(
        values
            .iter()
            .any(|v| v.ends_with(&format!("/alertRules/{random}"))),
        "{values:?}"
    );
    assert!(
        !values
            .iter()
            .any(|v| v.ends_with(&format!("/alertRules/{export}"))),
        "{values:?}"
    );
    assert!(writes(&plan_json(&repo, "local")).is_empty());
    let (code, report) = drift_json(&repo);
    assert_eq!(code, Some(0), "{report:#}");
}

#[test]
fn promote_pins_watchlists_hunting_queries_and_automation_rules() {
    let repo = TempRepo::shipped();
    let local = std::fs::read_to_string(repo.join("environments/local.yaml")).unwrap();
    repo.write(
        "environments/devl.yaml",
        local.replace("law-sentinel-local", "law-dev"),
    );
    repo.write(
        "environments/prodl.yaml",
        local.replace("law-sentinel-local", "law-prod"),
    );
    repo.write(".gitignore", ".sentinelctl/\n");
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "c1"]);
    apply(&repo, "devl");
    // an item edited after dev was applied, not committed: must not reach prod
    let csv = repo.join("watchlists/OnePasswordTrustedEgressIps.csv");
    let edited = std::fs::read_to_string(&csv)
        .unwrap()
        .replace("203.0.113.11", "203.0.113.99");
    std::fs::write(&csv, edited).unwrap();
    let out = repo.run(&["promote", "--from", "devl", "--to", "prodl", "--all"]);
    assert!(out.status.success(), "{}", text(&out));
    let lock = std::fs::read_to_string(repo.join("environments/prodl.lock.yaml")).unwrap();
    for kind in [
        "kind: watchlist",
        "kind: hunting-query",
        "kind: automation-rule",
    ] {
        assert!(lock.contains(kind), "{kind} not pinned:\n{lock}");
    }
    apply(&repo, "prodl");
    let state = repo.state();
    let ips: Vec<String> = items(
        &state,
        "law-prod",
        "OnePasswordTrustedEgressIps",
        "IPAddress",
    )
    .into_iter()
    .map(|(k, _)| k)
    .collect();
    assert!(
        ips.contains(&"203.0.113.11".to_string()) && !ips.contains(&"203.0.113.99".to_string()),
        "{ips:?}"
    );
    let prod = workspace(&state, "law-prod");
    let values = prod["automationRules"][0]["properties"]["triggeringLogic"]["conditions"][0]
        ["conditionProperties"]["propertyValues"][0]
        .as_str()
        .unwrap();
    assert!(
        values.contains("/workspaces/law-prod/"),
        "rewritten for prod: {values}"
    );
    let plan = repo.run(&["plan", "--env", "prodl", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[test]
fn portal_deletes_are_deleted_outside_code_of_the_right_kind_and_apply_restores_them() {
    let repo = TempRepo::shipped();
    apply(&repo, "local");
    repo.edit_state(|s| {
        let ws = ws_mut(s, "law-sentinel-local");
        // a hunting query (a saved search, like the functions) and the automation rule
        ws["savedSearches"]
            .as_array_mut()
            .unwrap()
            .retain(|q| q["name"] != "7d0f4a3b-2c1e-4b8a-9f6d-5e3a1c2b4d01");
        ws["automationRules"].as_array_mut().unwrap().clear();
        // a watchlist and its items
        ws["watchlists"]
            .as_array_mut()
            .unwrap()
            .retain(|w| w["name"] != "OnePasswordPrivilegedGroups");
        ws["watchlistItems"]
            .as_array_mut()
            .unwrap()
            .retain(|i| i["watchlistAlias"] != "OnePasswordPrivilegedGroups");
    });
    let (code, report) = drift_json(&repo);
    assert_ne!(code, Some(0));
    let mut found = drifted(&report);
    found.sort();
    let kinds: Vec<(&str, &str)> = found
        .iter()
        .map(|(k, c, _)| (k.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("automation-rule", "deleted-outside-code"),
            // the group rule and the other hunting query read the deleted watchlist
            ("detection", "missing-dependency"),
            ("hunting-query", "deleted-outside-code"),
            ("hunting-query", "missing-dependency"),
            ("watchlist", "deleted-outside-code"),
        ]
    );
    let details: Vec<&str> = report["environments"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"] == "missing-dependency")
        .map(|f| f["detail"].as_str().unwrap())
        .collect();
    assert!(
        details.iter().all(|d| *d
            == "reads watchlist `onepasswordprivilegedgroups`, which is not in the workspace"),
        "{details:?}"
    );
    let plan = plan_json(&repo, "local");
    let mut creates: Vec<&str> = writes(&plan)
        .iter()
        .map(|c| {
            assert_eq!(c["action"], "create", "{c}");
            c["kind"].as_str().unwrap()
        })
        .collect();
    creates.sort_unstable();
    assert_eq!(creates, ["automation-rule", "hunting-query", "watchlist"]);
    apply(&repo, "local");
    assert!(writes(&plan_json(&repo, "local")).is_empty());
    assert_eq!(drift_json(&repo).0, Some(0));
}
