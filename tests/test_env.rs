//! `sentinelctl test --env`: the real binary runs the repository's cases in the embedded
//! emulator's workspace as rewritten, self-contained queries, beside the local engine, and a
//! disagreement between the engines fails the run.

use serde_json::{Value, json};

use crate::support::{TempRepo, text};

const WS: &str = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-sentinel-local/providers/Microsoft.OperationalInsights/workspaces/law-sentinel-local";

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

#[test]
fn every_shipped_case_passes_on_both_engines_in_the_local_workspace() {
    let repo = TempRepo::shipped();
    let out = repo.run(&["test", "--env", "local", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json_of(&out);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 90, "{} cases", cases.len());
    for c in cases {
        assert_eq!(c["status"], "pass", "{c}");
        assert_eq!(c["workspace"]["status"], "pass", "{c}");
        assert!(c.get("disagreement").is_none(), "{c}");
    }
    assert_eq!(doc["engines"], json!({"local": true, "workspace": "local"}));
    assert_eq!(doc["summary"]["disagreements"], 0);
    assert_eq!(
        doc["summary"]["workspace"]["passed"].as_u64(),
        Some(cases.len() as u64)
    );

    // human: both verdicts on each line; JUnit: every case passes
    let out = repo.run(&["test", "--env", "local", "PasswordSpray"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("local PASS"), "{human}");
    assert!(human.contains("· workspace PASS"), "{human}");
    assert!(human.contains("0 disagreements"), "{human}");
    let out = repo.run(&[
        "test",
        "--env",
        "local",
        "--format",
        "junit",
        "PasswordSpray",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("failures=\"0\""));
}

#[test]
fn the_engine_flag_picks_the_engines_and_needs_an_environment_for_the_workspace() {
    let repo = TempRepo::shipped();
    for engine in ["workspace", "both"] {
        let out = repo.run(&["test", "--engine", engine]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--env"));
    }
    let out = repo.run(&[
        "test",
        "--env",
        "local",
        "--engine",
        "workspace",
        "--format",
        "json",
        "VaultExported",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json_of(&out);
    assert_eq!(
        doc["engines"],
        json!({"local": false, "workspace": "local"})
    );
    assert_eq!(doc["cases"][0]["status"], "pass");
    assert_eq!(doc["cases"][0]["workspace"]["status"], "pass");
    assert!(doc["cases"][0]["workspace"].get("query").is_none());
    let out = repo.run(&[
        "test", "--env", "local", "--engine", "local", "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(json_of(&out).get("engines").is_none());
}

/// A hunting query whose fuzzy union reads a table the repository does not know: locally it is
/// skipped, the workspace has rows for it. The case expecting one row passes locally and fails in
/// the workspace (a disagreement); the case expecting five fails on both (no disagreement).
#[test]
fn a_workspace_that_answers_otherwise_is_a_named_failure() {
    let repo = TempRepo::shipped();
    repo.write(
        "hunting/Fuzzy.yaml",
        "id: 0b9e6c41-8a07-4f35-b1d2-6c4e8f0a3b99\n\
         name: Fuzzy union over a table the repository does not know\n\
         description: Counts 1Password events plus any rows of WorkspaceOnly_CL.\n\
         requiredDataConnectors: []\n\
         tactics:\n  - Persistence\n\
         relevantTechniques:\n  - T1098\n\
         query: |-\n  union isfuzzy=true OnePasswordEventLogs_CL, WorkspaceOnly_CL\n  | summarize n = count()\n",
    );
    let case = |name: &str, n: u32| {
        format!(
            "  - name: {name}\n    data:\n      OnePasswordEventLogs_CL:\n        rows:\n          - {{\"TimeGenerated\": \"-1h\", \"log_source\": \"signinattempts\"}}\n    expect:\n      containsRows:\n        - {{\"n\": {n}}}\n"
        )
    };
    repo.write(
        "hunting/Fuzzy.tests.yaml",
        format!(
            "cases:\n{}{}",
            case("counted once", 1),
            case("wrong on purpose", 5)
        ),
    );
    repo.write(
        ".sentinelctl/local-state.json",
        json!({"workspaces": [{"id": WS, "tables": [{"name": "WorkspaceOnly_CL", "properties": {"schema": {
            "name": "WorkspaceOnly_CL", "columns": [
                {"name": "TimeGenerated", "type": "dateTime"}, {"name": "x", "type": "string"}]}}}],
            "rows": {"WorkspaceOnly_CL": [
                {"TimeGenerated": "2026-01-15T11:00:00Z", "x": "a"},
                {"TimeGenerated": "2026-01-15T11:30:00Z", "x": "b"}]}}]})
        .to_string(),
    );
    let out = repo.run(&["test", "--env", "local", "Fuzzy", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json_of(&out);
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "{doc}");
    assert_eq!(cases[0]["status"], "pass");
    assert_eq!(cases[0]["workspace"]["status"], "fail");
    assert_eq!(cases[0]["workspace"]["result"], json!([{"n": "3"}]));
    // the query sent, to rerun by hand: the case's row as a datatable, the unknown table kept
    let sent = cases[0]["workspace"]["query"].as_str().unwrap();
    assert!(
        sent.contains("let sentinelctl_table_OnePasswordEventLogs_CL = datatable("),
        "{sent}"
    );
    assert!(
        sent.contains(
            "union isfuzzy=true sentinelctl_table_OnePasswordEventLogs_CL, WorkspaceOnly_CL"
        ),
        "{sent}"
    );
    assert_eq!(
        cases[0]["disagreement"],
        "the engines disagree: local pass, workspace fail"
    );
    assert_eq!(cases[1]["status"], "fail");
    assert_eq!(cases[1]["workspace"]["status"], "fail");
    assert!(cases[1].get("disagreement").is_none());
    assert_eq!(doc["summary"]["disagreements"], 1);

    let out = repo.run(&["test", "--env", "local", "Fuzzy"]);
    assert_eq!(out.status.code(), Some(1));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("✗ the engines disagree: local pass, workspace fail"),
        "{human}"
    );
    assert!(human.contains("test result: FAILED"), "{human}");
    let out = repo.run(&["test", "--env", "local", "Fuzzy", "--format", "junit"]);
    let junit = String::from_utf8_lossy(&out.stdout);
    assert!(junit.contains("failures=\"2\""), "{junit}");
    assert!(junit.contains("the engines disagree"), "{junit}");
    // the local engine alone sees nothing wrong with the first case
    let out = repo.run(&["test", "Fuzzy", "--format", "json"]);
    assert_eq!(json_of(&out)["summary"]["passed"], 1);
}
