//! Zero false diffs: every analytics rule in `../shared/corpus` that loads is applied to the
//! emulator, and a fresh plan must then show no change at all. Also checks that apply converges
//! with injected faults (5xx, 429, dropped connections) without duplicates or losses.
#![allow(clippy::print_stderr)] // the fault test reports failed rounds on stderr

use std::path::Path;
use std::sync::Arc;

use sentinelctl::apply::{ApplyContext, apply};
use sentinelctl::args::ColorChoice;
use sentinelctl::desired::DesiredState;
use sentinelctl::load::Repository;
use sentinelctl::ops::plan::plan_target;
use sentinelctl::ops::{ConnectOptions, Target};
use sentinelctl::plan::PlanOptions;
use sentinelctl::printer::Printer;
use sentinelctl::session::Session;

use crate::support::{EmulatorGuard, TempRepo, root, shared};

fn copy_corpus_rules(from: &Path, to: &Path, n: &mut usize) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_corpus_rules(&p, to, n);
        } else if p.to_string_lossy().contains("Analytic")
            && p.extension().is_some_and(|x| x == "yaml")
        {
            *n += 1;
            std::fs::copy(&p, to.join(format!("{n:03}.yaml"))).unwrap();
        }
    }
}

fn repo_with_corpus() -> TempRepo {
    let corpus = shared("corpus");
    let dir = TempRepo::empty();
    std::fs::create_dir_all(dir.join("detections")).unwrap();
    let mut n = 0;
    copy_corpus_rules(&corpus, &dir.join("detections"), &mut n);
    let env = std::fs::read_to_string(root().join("environments/local.yaml")).unwrap();
    dir.write("environments/local.yaml", env);
    dir
}

fn prepared(root: &Path) -> (Session, Target) {
    let cx = Session::new(
        root.to_path_buf(),
        Printer::new(ColorChoice::Never, true, true),
    );
    let mut repo = Repository::load(root).unwrap();
    let (_, env) = repo.environment("local").unwrap();
    let desired = DesiredState::resolve(&repo, &env);
    let p = Target {
        repo: std::sync::Arc::new(repo),
        env,
        desired,
        commit: Some("0123abc".into()),
        repository: "roundtrip".into(),
    };
    (cx, p)
}

/// Every table the rules read, as the workspace's tables (as if each connector were installed):
/// this test is about the mapping, not about missing tables.
fn tables_read(p: &Target) -> Vec<(String, Vec<(String, String)>)> {
    let mut names: Vec<&String> = p
        .desired
        .items
        .values()
        .flat_map(|i| &i.reads_tables)
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| (n.clone(), vec![("TimeGenerated".into(), "dateTime".into())]))
        .collect()
}

fn connect_options(p: &Target) -> ConnectOptions {
    ConnectOptions {
        concurrency: 8,
        embedded_tables: tables_read(p),
        ..ConnectOptions::default()
    }
}

async fn converge(cx: &Session, p: &Target) -> usize {
    let (conn, plan) = plan_target(cx, p, &connect_options(p), &PlanOptions::default())
        .await
        .unwrap();
    let writes = plan.changes.iter().filter(|c| c.action.writes()).count();
    let apply_cx = Arc::new(ApplyContext {
        client: conn.client.clone(),
        ws: conn.ws.clone(),
        desired: p.desired.clone(),
        repository: p.repository.clone(),
        commit: p.commit.clone(),
        parallelism: 8,
    });
    let report = apply(apply_cx, &plan, Arc::new(|_| {})).await;
    assert_eq!(
        report.failed(),
        0,
        "{:?}",
        report
            .outcomes
            .iter()
            .filter(|o| !matches!(o.status, sentinelctl::apply::Status::Done))
            .collect::<Vec<_>>()
    );
    conn.close().await;
    writes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_rule_round_trips_with_zero_diffs() {
    let dir = repo_with_corpus();
    let (cx, p) = prepared(dir.path());
    assert!(
        p.desired.items.len() > 100,
        "only {} rules interpreted",
        p.desired.items.len()
    );
    let created = converge(&cx, &p).await;
    assert_eq!(created, p.desired.items.len());
    let (conn, plan) = plan_target(&cx, &p, &connect_options(&p), &PlanOptions::default())
        .await
        .unwrap();
    conn.close().await;
    let diffs: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action.writes())
        .map(|c| (c.display_name.clone(), c.fields.clone()))
        .collect();
    assert!(diffs.is_empty(), "false diffs after apply: {diffs:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_under_injected_faults_without_duplicates_or_losses() {
    let dir = TempRepo::shipped();
    let (cx, p) = prepared(dir.path());
    let emulator = EmulatorGuard::start(arm_emulator::Config {
        workspaces: vec![p.env.workspace_id()],
        throttle: false,
        seed_tables: tables_read(&p)
            .into_iter()
            .map(|(name, columns)| arm_emulator::SeedTable {
                workspace_id: p.env.workspace_id(),
                name,
                columns,
            })
            .collect(),
        ..arm_emulator::Config::default()
    })
    .await;
    emulator.set_faults(arm_emulator::Faults {
        fault_rate: 0.2,
        drop_rate: 0.05,
        seed: 7,
        ..arm_emulator::Faults::default()
    });
    let arm = ConnectOptions {
        arm_endpoint: Some(emulator.url().parse().unwrap()),
        authority_host: Some(emulator.url().parse().unwrap()),
        ca_file: emulator.ca_file().map(Path::to_path_buf),
        concurrency: 8,
        ..ConnectOptions::default()
    };
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(
            rounds <= 6,
            "apply did not converge in 5 rounds under faults"
        );
        let (conn, plan) = match plan_target(&cx, &p, &arm, &PlanOptions::default()).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("round {rounds}: plan failed: {e:#}");
                continue;
            }
        };
        if !plan.has_changes() {
            conn.close().await;
            break;
        }
        let apply_cx = Arc::new(ApplyContext {
            client: conn.client.clone(),
            ws: conn.ws.clone(),
            desired: p.desired.clone(),
            repository: p.repository.clone(),
            commit: p.commit.clone(),
            parallelism: 8,
        });
        apply(apply_cx, &plan, Arc::new(|_| {})).await;
        conn.close().await;
    }
    emulator.set_faults(arm_emulator::Faults::default());
    // (ARM names are case-insensitive: watchlists keep their alias's case)
    let state = emulator.snapshot().to_string().to_ascii_lowercase();
    // Every desired resource exists exactly once, with one ownership record each.
    for (kind, name) in p.desired.items.keys() {
        let hits = state.matches(&format!("/{name}\"")).count()
            + state.matches(&format!("/{name}\\\"")).count();
        assert!(hits >= 1, "{kind:?} {name} missing after convergence");
    }
    let metadata_records = state.matches("\"sourceid\":\"sentinelctl\"").count();
    assert_eq!(
        metadata_records,
        p.desired.items.len(),
        "ownership records: {metadata_records}"
    );
    emulator.shutdown().await;
}
