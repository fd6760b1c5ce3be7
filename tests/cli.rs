//! End-to-end tests: the real `sentinelctl` binary against the embedded emulator over HTTPS.
//!
//! Each test copies the shipped content into a temporary repository, so runs never share
//! emulator state (`.sentinelctl/local-state.json` lives in the temp dir).

use std::path::{Path, PathBuf};

use crate::support::{ChildEmulator, TempRepo, git, sentinelctl, set_line, text};

/// The first detection file (by name) that no automation rule names, so removing it leaves the
/// repository valid.
pub(crate) fn unreferenced_detection(repo: &TempRepo) -> PathBuf {
    let automation: String = std::fs::read_dir(repo.path().join("automation"))
        .map(|d| {
            d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default();
    let mut files = content_files(repo.path(), "detections");
    files.sort();
    files
        .into_iter()
        .find(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let id = text
                .lines()
                .find_map(|l| l.strip_prefix("id: "))
                .unwrap()
                .trim()
                .to_string();
            !automation.contains(&id)
        })
        .expect("a detection no automation rule names")
}

#[test]
fn validate_passes_on_shipped_content() {
    let repo = TempRepo::shipped();
    let out = repo.run(&["validate"]);
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn apply_then_plan_shows_no_changes_and_second_apply_is_a_noop() {
    let repo = TempRepo::shipped();
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("0 failed"), "{}", text(&out));
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(text(&plan).contains("No changes."), "{}", text(&plan));
    let again = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(again.status.success());
    assert!(text(&again).contains("No changes."), "{}", text(&again));
}

#[test]
fn one_edited_rule_gives_exactly_one_update_with_the_field_diff() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let file = content_files(repo.path(), "detections")
        .into_iter()
        .min()
        .unwrap();
    let yaml = std::fs::read_to_string(&file).unwrap();
    let edited = yaml
        .lines()
        .map(|l| {
            if l.starts_with("severity:") {
                "severity: Informational".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(yaml.trim_end(), edited.trim_end(), "fixture must change");
    std::fs::write(&file, edited + "\n").unwrap();
    let plan = repo.run(&[
        "plan",
        "--env",
        "local",
        "--detailed-exitcode",
        "--format",
        "json",
    ]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let updates: Vec<&serde_json::Value> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no-op")
        .collect();
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert_eq!(updates[0]["action"], "update");
    assert_eq!(updates[0]["fields"][0]["path"], "severity");
    assert_eq!(updates[0]["fields"][0]["after"], "Informational");
}

#[test]
fn a_saved_plan_is_refused_when_the_workspace_changed() {
    let repo = TempRepo::shipped();
    let plan_file = repo.path().join("plan.json");
    let plan = repo.run(&[
        "plan",
        "--env",
        "local",
        "--out",
        plan_file.to_str().unwrap(),
    ]);
    assert!(plan.status.success(), "{}", text(&plan));
    // Someone else deploys in between.
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let stale = repo.run(&[
        "apply",
        "--env",
        "local",
        "--plan",
        plan_file.to_str().unwrap(),
    ]);
    assert_eq!(stale.status.code(), Some(1), "{}", text(&stale));
    assert!(
        text(&stale).contains("saved plan is stale"),
        "{}",
        text(&stale)
    );
}

#[test]
fn removed_rule_is_deleted_only_with_prune_and_unknown_env_is_a_clear_error() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let file = unreferenced_detection(&repo);
    std::fs::remove_file(&file).unwrap();
    let plan = repo.run(&["plan", "--env", "local", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["summary"]["delete"], 1, "{}", text(&plan));
    // Turn prune off: the rule is reported as orphaned and never deleted.
    let env = repo.path().join("environments/local.yaml");
    let yaml = std::fs::read_to_string(&env)
        .unwrap()
        .replace("enabled: true", "enabled: false");
    std::fs::write(&env, yaml).unwrap();
    let plan = repo.run(&["plan", "--env", "local", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["summary"]["delete"], 0);
    assert_eq!(v["summary"]["orphaned"], 1);
    let missing = repo.run(&["plan", "--env", "nosuch"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing).contains("no environment `nosuch`"),
        "{}",
        text(&missing)
    );
}

#[test]
fn broken_files_get_located_errors_never_a_panic() {
    let repo = TempRepo::shipped();
    let cases: &[(&str, &[u8], &str)] = &[
        ("bad-yaml.yaml", b"id: [unclosed\nname: x\n", "SC1001"),
        ("unknown-key.yaml", b"id: 5f78b752-4321-42a6-8117-5cdce94c1099\nname: x\nqueryFrequncy: 1h\n", "did you mean `queryFrequency`?"),
        ("dup.yaml", b"id: a\nid: b\nname: x\n", "SC1002"),
        ("empty.yaml", b"", "SC1007"),
        ("latin1.yaml", b"id: x\nname: caf\xe9\n", "SC1006"),
        ("nrt.yaml", b"id: 5f78b752-4321-42a6-8117-5cdce94c1098\nname: x\ndescription: d\nseverity: Low\nkind: NRT\nqueryFrequency: 1h\nquery: OnePasswordEventLogs_CL\n", "NRT rules do not take `queryFrequency`"),
    ];
    for (name, bytes, _) in cases {
        std::fs::write(repo.path().join("detections").join(name), bytes).unwrap();
    }
    let out = repo.run(&["validate"]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    for (name, _, expected) in cases {
        assert!(
            all.contains(&format!("detections/{name}:")),
            "no location for {name}:\n{all}"
        );
        assert!(
            all.contains(expected),
            "expected `{expected}` for {name}:\n{all}"
        );
    }
    assert!(!all.contains("panicked"));
}

#[test]
fn drift_reports_each_kind_of_portal_change_exactly_once() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let clean = repo.run(&["drift", "--env", "local"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    let mut names = Vec::new();
    repo.edit_state(|state| {
        let ws = &mut state["workspaces"][0];
        let rules = ws["alertRules"].as_array_mut().unwrap();
        rules.sort_by_key(|r| r["name"].as_str().unwrap().to_string());
        names = rules
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        rules[0]["properties"]["severity"] = "Informational".into();
        rules[1]["properties"]["enabled"] = false.into();
        // what Sentinel does after a permanent failure: name prefix, disabled, reason appended
        let auto = &mut rules[4]["properties"];
        auto["enabled"] = false.into();
        auto["displayName"] =
            format!("AUTO DISABLED {}", auto["displayName"].as_str().unwrap()).into();
        auto["description"] = format!(
            "{} The rule was disabled because table OnePasswordEventLogs_CL was not found.",
            auto["description"].as_str().unwrap()
        )
        .into();
        let mut unmanaged = rules[3].clone();
        unmanaged["name"] = "11111111-2222-3333-4444-555555555555".into();
        unmanaged["properties"]["displayName"] = "Hand-made rule".into();
        rules.remove(2);
        rules.push(unmanaged);
    });
    let dir = repo.path().join("reports");
    let out = repo.run(&[
        "drift",
        "--env",
        "local",
        "--format",
        "json",
        "--report-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["environments"][0]["findings"].as_array().unwrap();
    let class_of = |name: &str| {
        findings
            .iter()
            .filter(|f| f["name"].as_str().unwrap().eq_ignore_ascii_case(name))
            .map(|f| f["class"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(class_of(&names[0]), ["modified-outside-code"]);
    assert_eq!(class_of(&names[1]), ["disabled-outside-code"]);
    assert_eq!(class_of(&names[2]), ["deleted-outside-code"]);
    assert_eq!(class_of(&names[4]), ["auto-disabled"]);
    let auto = findings
        .iter()
        .find(|f| f["name"].as_str().unwrap().eq_ignore_ascii_case(&names[4]))
        .unwrap();
    let detail = auto["detail"].as_str().unwrap();
    assert!(
        detail.contains("permanent failure: The rule was disabled because table OnePasswordEventLogs_CL was not found."),
        "{detail}"
    );
    let human = repo.run(&["drift", "--env", "local"]);
    assert!(
        text(&human).contains("auto-disabled by Sentinel"),
        "{}",
        text(&human)
    );
    assert_eq!(
        class_of("11111111-2222-3333-4444-555555555555"),
        ["unmanaged"]
    );
    let drifted = findings
        .iter()
        .filter(|f| !["in-sync", "pending"].contains(&f["class"].as_str().unwrap()))
        .count();
    assert_eq!(drifted, 5, "{findings:#?}");
    let junit = std::fs::read_to_string(dir.join("drift.xml")).unwrap();
    assert_eq!(junit.matches("<failure").count(), 5, "{junit}");
    assert!(dir.join("drift.md").is_file() && dir.join("drift.json").is_file());
}

#[test]
fn import_round_trips_with_no_diff() {
    let source = TempRepo::shipped();
    assert!(
        source
            .run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    // A new, empty repository that only knows where the workspace is.
    let target = TempRepo::copy_of(source.path(), &["environments", "schemas", ".sentinelctl"]);
    let run = |args: &[&str]| target.run(args);
    let out = run(&["import", "--env", "local"]);
    assert!(out.status.success(), "{}", text(&out));
    let count = |d: &str| count_in(target.path(), d);
    assert_eq!(count("detections"), count_in(source.path(), "detections"));
    assert_eq!(count("functions"), count_in(source.path(), "functions"));
    let plan = run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    assert!(text(&plan).contains("No changes."), "{}", text(&plan));
    // Importing again changes nothing and needs no --force.
    assert!(run(&["import", "--env", "local"]).status.success());
}

/// The content files of `dir` (the `.tests.yaml` files beside them are not content).
fn content_files(root: &Path, dir: &str) -> Vec<PathBuf> {
    std::fs::read_dir(root.join(dir))
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| !p.to_string_lossy().ends_with(".tests.yaml"))
                .collect()
        })
        .unwrap_or_default()
}

/// Content files in `dir` (test files beside them are not content).
fn count_in(root: &Path, dir: &str) -> usize {
    std::fs::read_dir(root.join(dir)).map_or(0, |rd| {
        rd.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| !e.file_name().to_string_lossy().ends_with(".tests.yaml"))
        })
        .count()
    })
}

fn rule_severity(repo: &TempRepo, workspace: &str, rule_file: &Path) -> String {
    let id = std::fs::read_to_string(rule_file)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("id: ").map(str::to_string))
        .unwrap();
    let state = repo.state();
    let ws = state["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"].as_str().unwrap().ends_with(workspace))
        .unwrap();
    let rule = ws["alertRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"].as_str().unwrap().eq_ignore_ascii_case(&id))
        .unwrap();
    rule["properties"]["severity"].as_str().unwrap().to_string()
}

#[test]
fn promote_pins_what_was_verified_in_dev_and_prod_converges_to_it() {
    let repo = TempRepo::shipped();
    let local = std::fs::read_to_string(repo.path().join("environments/local.yaml")).unwrap();
    std::fs::write(
        repo.path().join("environments/devl.yaml"),
        local.replace("law-sentinel-local", "law-dev"),
    )
    .unwrap();
    std::fs::write(
        repo.path().join("environments/prodl.yaml"),
        local.replace("law-sentinel-local", "law-prod"),
    )
    .unwrap();
    std::fs::write(repo.path().join(".gitignore"), ".sentinelctl/\n").unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "c1"]);
    assert!(
        repo.run(&["apply", "--env", "devl", "--auto-approve"])
            .status
            .success()
    );
    let mut rules = content_files(repo.path(), "detections");
    rules.sort();
    // A tuned rule, committed and applied to dev.
    let tuned = if std::fs::read_to_string(&rules[0])
        .unwrap()
        .contains("severity: High")
    {
        "Low"
    } else {
        "High"
    };
    set_line(&rules[0], "severity:", &format!("severity: {tuned}"));
    git(repo.path(), &["commit", "-qam", "tune"]);
    let out = repo.run(&["apply", "--env", "devl", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    // Work in progress, never applied to dev: must not reach prod.
    let before = rule_severity(&repo, "law-dev", &rules[1]);
    assert_ne!(before, "Informational");
    set_line(&rules[1], "severity:", "severity: Informational");
    let out = repo.run(&["promote", "--from", "devl", "--to", "prodl", "--all"]);
    assert!(out.status.success(), "{}", text(&out));
    let lock = std::fs::read_to_string(repo.path().join("environments/prodl.lock.yaml")).unwrap();
    assert!(lock.contains("promotedFrom: devl"), "{lock}");
    let out = repo.run(&["apply", "--env", "prodl", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(rule_severity(&repo, "law-prod", &rules[0]), tuned);
    assert_eq!(rule_severity(&repo, "law-prod", &rules[1]), before);
    let plan = repo.run(&["plan", "--env", "prodl", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    // A rule changed in dev's portal is refused.
    repo.edit_state(|state| {
        let ws = state["workspaces"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|w| w["id"].as_str().unwrap().ends_with("law-dev"))
            .unwrap();
        ws["alertRules"][0]["properties"]["severity"] = "Low".into();
    });
    let refused = repo.run(&["promote", "--from", "devl", "--to", "prodl", "--all"]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("changed outside code"),
        "{}",
        text(&refused)
    );
}

#[test]
fn trace_output_never_contains_the_secret_or_a_token() {
    let repo = TempRepo::shipped();
    let secret = "s3cr3t-value-that-must-not-leak";
    let out = sentinelctl()
        .arg("--root")
        .arg(repo.path())
        .args(["-vvv", "apply", "--env", "local", "--auto-approve"])
        .env("SENTINELCTL_LOCAL_SECRET", secret)
        .env("SENTINELCTL_LOG", "trace")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("sentinel_arm"),
        "trace output expected:\n{all}"
    );
    assert!(all.contains("ARM requests made"), "{all}");
    for needle in [secret, "Bearer ", "access_token", "client_secret="] {
        assert!(
            !all.contains(needle),
            "`{needle}` leaked into the trace output"
        );
    }
}

#[test]
fn unmanaged_rules_are_never_touched_and_adopt_takes_over_same_name_rules() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    // Someone made a rule by hand, and another tool deployed one of our rules before us.
    let mut ours = String::new();
    repo.edit_state(|state| {
        let ws = &mut state["workspaces"][0];
        let rules = ws["alertRules"].as_array_mut().unwrap();
        let mut hand = rules[0].clone();
        hand["name"] = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee".into();
        hand["properties"]["displayName"] = "Made in the portal".into();
        rules.push(hand);
        ours = rules[1]["name"].as_str().unwrap().to_string();
        let metadata = ws["metadata"].as_array_mut().unwrap();
        metadata.retain(|m| {
            !m["properties"]["parentId"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .ends_with(&ours.to_ascii_lowercase())
        });
    });
    let plan = repo.run(&["plan", "--env", "local", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["summary"]["unmanaged"], 1, "{}", text(&plan));
    assert_eq!(v["summary"]["conflict"], 1, "{}", text(&plan));
    assert_eq!(
        v["summary"]["delete"], 0,
        "prune must never delete unmanaged content"
    );
    // Without --adopt nothing is written; with it the rule is taken over, the hand-made one stays.
    let apply = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(text(&apply).contains("No changes."), "{}", text(&apply));
    let adopt = repo.run(&["apply", "--env", "local", "--auto-approve", "--adopt"]);
    assert!(adopt.status.success(), "{}", text(&adopt));
    let plan = repo.run(&["plan", "--env", "local", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["summary"]["conflict"], 0);
    assert_eq!(v["summary"]["unmanaged"], 1);
    let state = repo.read(".sentinelctl/local-state.json");
    assert!(state.contains("Made in the portal"));
}

#[test]
fn prune_is_capped_unless_forced() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    // every rule, the automation rule that names some and the hunting queries: 21 of 39 owned
    // resources would go, more than local's maxDeleteShare of 0.5
    for dir in ["detections", "automation", "hunting"] {
        std::fs::remove_dir_all(repo.path().join(dir)).unwrap();
    }
    let capped = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert_eq!(capped.status.code(), Some(1), "{}", text(&capped));
    assert!(
        text(&capped).contains("maxDeleteShare"),
        "{}",
        text(&capped)
    );
    let forced = repo.run(&["apply", "--env", "local", "--auto-approve", "--force-prune"]);
    assert!(forced.status.success(), "{}", text(&forced));
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[test]
fn an_apply_killed_midway_is_completed_by_the_next_run() {
    let repo = TempRepo::shipped();
    let ws = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-sentinel-local/providers/Microsoft.OperationalInsights/workspaces/law-sentinel-local";
    let emulator = ChildEmulator::spawn(
        &[
            "--latency-ms",
            "40",
            "--throttle",
            "off",
            "--workspace",
            ws,
            "--seed-tables",
            &repo.join("schemas").display().to_string(),
        ],
        &repo.join("emu"),
    );
    let args = |extra: &[&str]| {
        let mut a = vec!["--root".to_string(), repo.path().display().to_string()];
        a.extend(extra.iter().map(|s| (*s).to_string()));
        a.extend(emulator.connect_args());
        a
    };
    let mut first = sentinelctl()
        .args(args(&[
            "apply",
            "--env",
            "local",
            "--auto-approve",
            "--parallelism",
            "2",
        ]))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    first.kill().unwrap();
    let _ = first.wait();
    let second = sentinelctl()
        .args(args(&["apply", "--env", "local", "--auto-approve"]))
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", text(&second));
    let plan = sentinelctl()
        .args(args(&["plan", "--env", "local", "--format", "json"]))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(v["summary"]["unchanged"], 39, "{}", text(&plan));
    assert_eq!(v["summary"]["conflict"], 0);
}

#[test]
fn drift_checks_many_environments_by_glob_in_one_report() {
    let repo = TempRepo::shipped();
    let local = std::fs::read_to_string(repo.path().join("environments/local.yaml")).unwrap();
    for i in 1..=3 {
        std::fs::write(
            repo.path().join(format!("environments/customer-{i}.yaml")),
            local.replace("law-sentinel-local", &format!("law-customer-{i}")),
        )
        .unwrap();
        assert!(
            repo.run(&["apply", "--env", &format!("customer-{i}"), "--auto-approve"])
                .status
                .success()
        );
    }
    let out = repo.run(&["drift", "--env", "customer-*", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let envs: Vec<&str> = v["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["environment"].as_str().unwrap())
        .collect();
    assert_eq!(envs, ["customer-1", "customer-2", "customer-3"]);
    let none = repo.run(&["drift", "--env", "nobody-*"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        text(&none).contains("no environment matches `nobody-*`"),
        "{}",
        text(&none)
    );
}

#[test]
fn an_update_keeps_properties_sentinelctl_does_not_model() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let mut name = String::new();
    repo.edit_state(|state| {
        let rule = &mut state["workspaces"][0]["alertRules"][0];
        name = rule["name"].as_str().unwrap().to_string();
        // As if the rule had been created from a Content hub template, and then edited.
        rule["properties"]["alertRuleTemplateName"] = "7a1ccd5c-bd8a-4c0e-9e0a-2a4f0d7c0b5e".into();
        rule["properties"]["templateVersion"] = "1.0.3".into();
        rule["properties"]["severity"] = "Informational".into();
    });
    let out = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(out.status.success(), "{}", text(&out));
    let state = repo.state();
    let rule = state["workspaces"][0]["alertRules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name.as_str())
        .unwrap();
    assert_ne!(
        rule["properties"]["severity"], "Informational",
        "the update was applied"
    );
    assert_eq!(
        rule["properties"]["alertRuleTemplateName"], "7a1ccd5c-bd8a-4c0e-9e0a-2a4f0d7c0b5e",
        "{rule:#}"
    );
    assert_eq!(rule["properties"]["templateVersion"], "1.0.3");
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[test]
fn a_workspace_without_the_1password_table_blocks_exactly_the_rules_that_read_it() {
    let repo = TempRepo::shipped();
    // the embedded workspace starts with the repository's custom tables; take the 1Password one
    // away, as in a new workspace before the connector ingested anything
    let first = repo.run(&["plan", "--env", "local"]);
    assert!(first.status.success(), "{}", text(&first));
    let mut removed = serde_json::Value::Null;
    repo.edit_state(|s| {
        let tables = s["workspaces"][0]["tables"].as_array_mut().unwrap();
        let i = tables
            .iter()
            .position(|t| t["name"] == "OnePasswordEventLogs_CL")
            .expect("the embedded workspace has the 1Password table");
        removed = tables.remove(i);
    });
    let plan = repo.run(&[
        "plan",
        "--env",
        "local",
        "--detailed-exitcode",
        "--format",
        "json",
    ]);
    assert_eq!(plan.status.code(), Some(4), "{}", text(&plan));
    let v: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    let blocked: Vec<&serde_json::Value> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "blocked")
        .collect();
    let detections = count_in(repo.path(), "detections");
    assert_eq!(
        blocked.len(),
        detections,
        "every 1Password rule reads the table"
    );
    for c in &blocked {
        assert!(
            c["reason"]
                .as_str()
                .unwrap()
                .contains("`OnePasswordEventLogs_CL`"),
            "{c}"
        );
    }
    let human = repo.run(&["plan", "--env", "local"]);
    assert!(text(&human).contains("blocked"), "{}", text(&human));
    // apply writes the rest and none of the blocked rules
    let apply = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert_eq!(apply.status.code(), Some(1), "{}", text(&apply));
    let state = repo.state();
    let ws = &state["workspaces"][0];
    assert_eq!(ws["alertRules"].as_array().map_or(0, Vec::len), 0);
    // saved searches (functions and hunting queries) are not refused for a missing table
    let functions = count_in(repo.path(), "functions");
    let hunting = count_in(repo.path(), "hunting");
    assert_eq!(
        ws["savedSearches"].as_array().unwrap().len(),
        functions + hunting
    );
    // once the table exists, apply converges
    repo.edit_state(|s| {
        s["workspaces"][0]["tables"]
            .as_array_mut()
            .unwrap()
            .push(removed.clone());
    });
    let apply = repo.run(&["apply", "--env", "local", "--auto-approve"]);
    assert!(apply.status.success(), "{}", text(&apply));
    let plan = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
}

#[test]
fn schemas_pull_makes_the_workspaces_tables_and_parsers_known_to_validate() {
    let repo = TempRepo::shipped();
    // the workspace exists (its emulator state is created by a first plan)
    assert!(repo.run(&["plan", "--env", "local"]).status.success());
    // it has a built-in table and a solution's parser that this repository knows nothing about
    repo.edit_state(|s| {
        let ws = &mut s["workspaces"][0];
        if !ws["savedSearches"].is_array() {
            ws["savedSearches"] = serde_json::json!([]);
        }
        ws["savedSearches"].as_array_mut().unwrap().push(serde_json::json!({
            "name": "solutionparser",
            "properties": {
                "category": "Solution", "displayName": "SolutionParser",
                "functionAlias": "SolutionParser", "functionParameters": "lookback:timespan = 1d",
                "query": "Heartbeat | where TimeGenerated > ago(lookback) | project Computer, Extra = 1",
                "version": 2
            }
        }));
    });
    repo.write(
        "detections/heartbeat.yaml",
        "id: 6a7f7d1c-2b1e-4f6a-9c3e-0d9b8a7c6e51\nname: Heartbeat from an unknown computer\n\
         description: Heartbeats joined with a solution parser.\nseverity: Low\nkind: Scheduled\n\
         queryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\n\
         tactics: [Discovery]\nrelevantTechniques: [T1082]\n\
         query: |\n  Heartbeat\n  | join kind=leftouter (SolutionParser(1d)) on Computer\n  | project TimeGenerated, Computer, Extra\n\
         version: 1.0.0\n",
    );
    let before = repo.run(&["validate"]);
    assert_eq!(before.status.code(), Some(1));
    let t = text(&before);
    assert!(
        t.contains("`Heartbeat`") && t.contains("`SolutionParser`"),
        "{t}"
    );
    let pull = repo.run(&[
        "schemas",
        "pull",
        "--env",
        "local",
        "Heartbeat",
        "--functions",
    ]);
    assert!(pull.status.success(), "{}", text(&pull));
    assert!(repo.join("schemas/Heartbeat.json").is_file());
    assert!(repo.join("schemas/functions/SolutionParser.json").is_file());
    let after = repo.run(&["validate"]);
    assert!(after.status.success(), "{}", text(&after));
    // a table the workspace does not have is an error, and nothing is written
    let missing = repo.run(&["schemas", "pull", "--env", "local", "NoSuchTable_CL"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing).contains("has no table `NoSuchTable_CL`"),
        "{}",
        text(&missing)
    );
}

#[test]
fn workbook_queries_are_checked_with_their_parameters_and_located_in_the_json() {
    let repo = TempRepo::shipped();
    let clean = repo.run(&["validate", "--format", "json"]);
    assert!(clean.status.success(), "{}", text(&clean));
    let path = std::fs::read_dir(repo.join("workbooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .unwrap();
    let body = std::fs::read_to_string(&path).unwrap();
    let broken = body.replacen("| where EventSource ==", "| where EventSourc ==", 1);
    assert_ne!(body, broken);
    std::fs::write(&path, broken).unwrap();
    let out = repo.run(&["validate", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "SC2003")
        .expect("the typo is found");
    assert!(
        std::path::Path::new(d["file"].as_str().unwrap())
            .extension()
            .is_some_and(|e| e == "json"),
        "{d}"
    );
    assert!(d["message"].as_str().unwrap().contains("EventSourc"), "{d}");
    let line = usize::try_from(d["line"].as_u64().unwrap()).unwrap();
    let column = usize::try_from(d["column"].as_u64().unwrap()).unwrap();
    let text_line = broken_line(&path, line);
    assert!(
        text_line[column - 1..].starts_with("EventSourc"),
        "{text_line} @ {column}"
    );
}

fn broken_line(path: &std::path::Path, line: usize) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .nth(line - 1)
        .unwrap()
        .to_string()
}

#[test]
fn coverage_layers_show_what_is_deployed_and_enabled() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let layer_path = repo.join("layer.json");
    let out = repo.run(&[
        "coverage",
        "--env",
        "local",
        "--layer",
        layer_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let layer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&layer_path).unwrap()).unwrap();
    assert_eq!(layer["domain"], "enterprise-attack");
    assert_eq!(layer["versions"]["layer"], "4.5");
    let techniques = layer["techniques"].as_array().unwrap();
    assert!(techniques.iter().all(|t| t["score"].as_u64().unwrap() > 0));
    // T1110.003 (password spraying) comes from one rule; disable it in the portal
    repo.edit_state(|s| {
        for r in s["workspaces"][0]["alertRules"].as_array_mut().unwrap() {
            if r["name"] == "0c3ae420-c119-4f4c-be97-4f48b51a9922" {
                r["properties"]["enabled"] = false.into();
            }
        }
    });
    let md = repo.run(&["coverage", "--env", "local"]);
    let t = text(&md);
    let row = t
        .lines()
        .find(|l| l.contains("[T1110.003]"))
        .expect("the technique is listed");
    assert!(row.contains("(disabled)"), "{row}");
    // deployed hunting queries count, and say what they are
    let row = t
        .lines()
        .find(|l| l.contains("[T1078.004]"))
        .expect("the technique is listed");
    assert!(
        row.contains("Break-glass account activity and changes to privileged vaults and groups (hunting query)"),
        "{row}"
    );
    let layer = repo.run(&["coverage", "--env", "local", "--format", "layer"]);
    let v: serde_json::Value = serde_json::from_slice(&layer.stdout).unwrap();
    let spray = v["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["techniqueID"] == "T1110.003")
        .unwrap();
    assert!(spray["comment"].as_str().unwrap().contains("(disabled)"));
}

#[test]
fn apply_writes_an_audit_record_with_every_write_and_its_request_ids() {
    let repo = TempRepo::shipped();
    let audit = repo.path().join("audit.json");
    let out = repo.run(&[
        "apply",
        "--env",
        "local",
        "--auto-approve",
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&audit).unwrap()).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["kind"], "sentinelctl-apply-audit");
    assert_eq!(v["environment"], "local");
    assert!(v["workspace_id"].as_str().unwrap().contains("/workspaces/"));
    assert!(v["started"].as_str().unwrap().ends_with('Z'), "{v}");
    assert!(v["finished"].as_str().unwrap() >= v["started"].as_str().unwrap());
    assert!(v["identity"]["method"].is_string(), "{v}");
    // who the token says signed in, besides what the environment configures
    assert_eq!(v["identity"]["principal_type"], "application", "{v}");
    assert_eq!(
        v["identity"]["app_id"], "00000000-0000-0000-0000-0000000000c1",
        "{v}"
    );
    assert_eq!(
        v["identity"]["object_id"].as_str().unwrap().len(),
        36,
        "{v}"
    );
    assert!(v.get("commit").is_some());
    let outcomes = v["outcomes"].as_array().unwrap();
    assert!(outcomes.len() >= count_in(repo.path(), "detections"), "{v}");
    for o in outcomes {
        assert_eq!(o["status"], "done", "{o}");
        let ids = o["request_ids"].as_array().expect("request ids");
        // announce, write, confirm: at least three answered requests per write
        assert!(ids.len() >= 3, "{o}");
        assert!(ids.iter().all(|i| !i.as_str().unwrap().is_empty()));
    }
    assert_eq!(v["summary"]["done"], outcomes.len());
    assert_eq!(v["summary"]["failed"], 0);
    // a no-op apply is recorded too: nothing written
    let again = repo.run(&[
        "apply",
        "--env",
        "local",
        "--auto-approve",
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert!(again.status.success(), "{}", text(&again));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&audit).unwrap()).unwrap();
    assert_eq!(v["outcomes"].as_array().unwrap().len(), 0, "{v}");
    assert!(
        !std::fs::read_dir(repo.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".sentinelctl-")),
        "no staging file left behind"
    );
}

#[test]
fn an_audit_record_that_cannot_be_written_fails_the_run_and_says_the_apply_happened() {
    let repo = TempRepo::shipped();
    repo.write("not-a-dir", "a file");
    let audit = repo.path().join("not-a-dir/audit.json");
    let out = repo.run(&[
        "apply",
        "--env",
        "local",
        "--auto-approve",
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("the apply ran (")
            && shown.contains("its audit record could not be written"),
        "{shown}"
    );
    // the writes are in the workspace: the next apply has nothing to do
    let again = repo.run(&["plan", "--env", "local", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
}

#[test]
fn drift_suppressions_accept_known_drift_until_they_expire_and_say_so() {
    let repo = TempRepo::shipped();
    assert!(
        repo.run(&["apply", "--env", "local", "--auto-approve"])
            .status
            .success()
    );
    let mut name = String::new();
    repo.edit_state(|state| {
        let rules = state["workspaces"][0]["alertRules"].as_array_mut().unwrap();
        rules.sort_by_key(|r| r["name"].as_str().unwrap().to_string());
        name = rules[0]["name"].as_str().unwrap().to_string();
        rules[0]["properties"]["enabled"] = false.into();
    });
    let env = repo.path().join("environments/local.yaml");
    let original = std::fs::read_to_string(&env).unwrap();
    let with = |expires: &str| {
        format!(
            "{original}\ndrift:\n  suppress:\n    - resource: {name}\n      class: disabled-outside-code\n      reason: paused while the SOC tunes it (INC-42)\n      expires: {expires}\n"
        )
    };
    std::fs::write(&env, with("2099-12-31")).unwrap();
    let out = repo.run(&["drift", "--env", "local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["environments"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().eq_ignore_ascii_case(&name))
        .unwrap()
        .clone();
    assert_eq!(f["class"], "disabled-outside-code");
    assert_eq!(
        f["suppressed"]["reason"],
        "paused while the SOC tunes it (INC-42)"
    );
    let human = repo.run(&["drift", "--env", "local"]);
    assert!(
        text(&human).contains("suppressed until 2099-12-31: paused while the SOC tunes it"),
        "{}",
        text(&human)
    );
    // the drift fixed (the rule re-enabled) while the suppression stays: reported as unused
    let set_enabled = |enabled: bool| {
        repo.edit_state(|state| {
            for r in state["workspaces"][0]["alertRules"].as_array_mut().unwrap() {
                if r["name"].as_str().unwrap().eq_ignore_ascii_case(&name) {
                    r["properties"]["enabled"] = enabled.into();
                }
            }
        });
    };
    set_enabled(true);
    let out = repo.run(&["drift", "--env", "local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["environments"][0]["unused_suppressions"][0]["resource"].as_str(),
        Some(name.as_str()),
        "{v}"
    );
    let human = repo.run(&["drift", "--env", "local"]);
    assert!(
        text(&human).contains("matched no drift: remove it from the environment file"),
        "{}",
        text(&human)
    );
    set_enabled(false);
    // expired: the drift counts again, and both drift and validate say why
    std::fs::write(&env, with("2020-01-31")).unwrap();
    let out = repo.run(&["drift", "--env", "local"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains("expired on 2020-01-31"),
        "{}",
        text(&out)
    );
    let out = repo.run(&["validate"]);
    assert!(
        text(&out).contains("expired on 2020-01-31"),
        "{}",
        text(&out)
    );
    // a date that is not one is an error located in the file
    std::fs::write(&env, with("2026-02-30")).unwrap();
    let out = repo.run(&["validate", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("`2026-02-30` is not a date")
        })
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(d["file"], "environments/local.yaml");
    assert!(d["line"].as_u64().unwrap() > 1, "{d}");
}
