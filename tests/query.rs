//! `sentinelctl query --env`: the real binary runs KQL in a workspace of an emulator through the Log
//! Analytics query API and renders the answer like an offline query.

use arm_emulator::{Config, SeedTable};
use serde_json::json;

use crate::support::{EmulatorGuard, TempRepo, text};

const WS: &str = "/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/rg-sentinel-local/providers/Microsoft.OperationalInsights/workspaces/law-sentinel-local";
const TABLE: &str = "QueryTest_CL";

/// An emulator whose `local` workspace has `QueryTest_CL` with three rows.
async fn emulator_with_rows() -> EmulatorGuard {
    let columns = [
        ("TimeGenerated", "dateTime"),
        ("User", "string"),
        ("Attempts", "long"),
        ("Details", "dynamic"),
    ];
    let emulator = EmulatorGuard::start(Config {
        workspaces: vec![WS.to_string()],
        seed_tables: vec![SeedTable {
            workspace_id: WS.to_string(),
            name: TABLE.to_string(),
            columns: columns
                .iter()
                .map(|(n, t)| ((*n).to_string(), (*t).to_string()))
                .collect(),
        }],
        ..Config::default()
    })
    .await;
    let rows = [
        json!({"TimeGenerated": "2024-01-01T10:00:00Z", "User": "alice", "Attempts": 3, "Details": {"country": "NL"}}),
        json!({"TimeGenerated": "2024-01-01T11:00:00Z", "User": "bob", "Attempts": 1}),
        json!({"TimeGenerated": "2024-01-02T09:30:00Z", "User": "alice", "Attempts": 7}),
    ];
    assert_eq!(emulator.add_rows(WS, TABLE, &rows), Ok(3));
    emulator
}

fn run(repo: &TempRepo, emulator: &EmulatorGuard, args: &[&str]) -> std::process::Output {
    repo.run_on(emulator, args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_env_answers_the_workspace_rows_in_every_format() {
    let repo = TempRepo::shipped();
    let emulator = emulator_with_rows().await;
    let q = format!(
        "{TABLE} | where User == 'alice' | project TimeGenerated, User, Attempts, Details | order by TimeGenerated asc"
    );
    let out = run(
        &repo,
        &emulator,
        &["query", "--env", "local", &q, "--format", "json"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out)));
    let shown = v.to_string();
    for needle in [
        "alice",
        "2024-01-01T10:00:00",
        "2024-01-02T09:30:00",
        "country",
    ] {
        assert!(shown.contains(needle), "{needle} missing: {shown}");
    }
    assert!(!shown.contains("bob"), "{shown}");

    let out = run(
        &repo,
        &emulator,
        &[
            "query",
            "--env",
            "local",
            &format!("{TABLE} | summarize n = sum(Attempts) by User | order by User asc"),
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        ["User,n", "alice,10", "bob,1"],
        "{csv}"
    );

    // the human table, restricted by --timespan
    let out = run(
        &repo,
        &emulator,
        &[
            "query",
            "--env",
            "local",
            &format!("{TABLE} | project User"),
            "--timespan",
            "2024-01-01T10:30:00Z/2024-01-01T12:00:00Z",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("bob") && !human.contains("alice"), "{human}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kql_error_in_the_workspace_exits_1_with_the_apis_message() {
    let repo = TempRepo::shipped();
    let emulator = emulator_with_rows().await;
    let out = run(
        &repo,
        &emulator,
        &["query", "--env", "local", &format!("{TABLE} | where")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    // the API's code and, innermost, the engine's own message
    assert!(err.contains("BadArgumentError"), "{err}");
    assert!(err.contains("expected an expression"), "{err}");
    assert!(err.contains("help:"), "{err}");
    let out = run(
        &repo,
        &emulator,
        &["query", "--env", "local", "NoSuchTable_CL | take 1"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NoSuchTable_CL"), "{err}");
    emulator.shutdown().await;
}

#[test]
fn query_env_local_reads_the_embedded_emulators_rows() {
    let repo = TempRepo::shipped();
    // rows a user loaded earlier (`POST /_emulator/rows`) are kept in the embedded state file
    repo.write(
        ".sentinelctl/local-state.json",
        json!({"workspaces": [{"id": WS, "tables": [{"name": "OnePasswordEventLogs_CL", "properties": {"schema": {
            "name": "OnePasswordEventLogs_CL", "columns": [
                {"name": "TimeGenerated", "type": "dateTime"},
                {"name": "category", "type": "string"},
                {"name": "country", "type": "string"},
            ]}}}],
            "rows": {"OnePasswordEventLogs_CL": [
            {"TimeGenerated": "2024-01-01T10:00:00Z", "category": "credentials_ok", "country": "NL"},
            {"TimeGenerated": "2024-01-01T10:05:00Z", "category": "credentials_failed", "country": "US"},
        ]}}]})
        .to_string(),
    );
    let out = repo.run(&[
        "query",
        "--env",
        "local",
        "OnePasswordEventLogs_CL | where category == 'credentials_failed' | project country",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    // the user's rows are answered (beside the sample ingestion, which has no such category)
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "country\nUS\n",
        "{}",
        text(&out)
    );
    // and kept: the sample rows are never written to the state file
    let state = repo.state();
    assert_eq!(
        state["workspaces"][0]["rows"]["OnePasswordEventLogs_CL"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{state}"
    );
}

#[test]
fn a_fresh_local_workspace_has_the_repositorys_custom_tables() {
    let repo = TempRepo::shipped();
    let out = repo.run(&[
        "query",
        "--env",
        "local",
        "OnePasswordEventLogs_CL | count",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    // the rows of `samples/`, ingested when the embedded emulator starts
    let samples =
        std::fs::read_to_string(repo.join("samples/OnePasswordEventLogs_CL.jsonl")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Count\n{}\n", samples.lines().count())
    );
    // without samples the table is there, empty
    let bare = TempRepo::shipped();
    std::fs::remove_dir_all(bare.join("samples")).unwrap();
    let out = bare.run(&[
        "query",
        "--env",
        "local",
        "OnePasswordEventLogs_CL | count",
        "--format",
        "csv",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Count\n0\n",
        "{}",
        text(&out)
    );
}
