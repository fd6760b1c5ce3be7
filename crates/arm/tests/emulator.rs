//! sentinel_arm against the project's ARM emulator (`arm_emulator`): a real token from its HTTPS
//! token endpoint (client secret, custom authority host, its self-signed CA), then CRUD on every
//! resource kind with the pinned api-versions, paging, etag conflicts, and injected faults.

use std::sync::Arc;
use std::time::Duration;

use arm_emulator::{Config, Emulator, Faults};
use sentinel_arm::resources::alert_rule::{AlertRuleKind, ArmAlertRule};
use sentinel_arm::resources::saved_search::ArmSavedSearch;
use sentinel_arm::resources::workbook::ArmWorkbook;
use sentinel_arm::retry::RetryPolicy;
use sentinel_arm::{
    ArmClient, ArmClientConfig, ArmError, AuthMethod, AuthSpec, Precondition, Secret, WorkspaceRef,
    build_credential,
};
use serde_json::{Value, json};
use url::Url;

const SUB: &str = "00000000-0000-0000-0000-00000000abcd";
const RULE_ID: &str = "73e01a99-5cd7-4139-a149-9f2736ff2ab5";
const WORKBOOK_ID: &str = "deadb33f-5e0d-4064-8ebb-1a4ed0313eb2";

fn ws() -> WorkspaceRef {
    WorkspaceRef::new(SUB, "rg-sec", "law-test")
}

async fn emulator() -> Emulator {
    arm_emulator::start(Config {
        workspaces: vec![ws().workspace_path()],
        ..Config::default()
    })
    .await
    .expect("emulator starts")
}

fn client(emu: &Emulator, budget: u32) -> ArmClient {
    client_with(
        emu,
        budget,
        RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_millis(50),
            max_throttle_retries: 6,
            max_throttle_wait: Duration::from_secs(5),
        },
    )
}

fn client_with(emu: &Emulator, budget: u32, retry: RetryPolicy) -> ArmClient {
    let mut spec = AuthSpec::new(AuthMethod::ClientSecret);
    spec.tenant_id = Some("00000000-0000-0000-0000-0000000000aa".into());
    spec.client_id = Some("sentinelctl-ci".into());
    spec.secret = Some(Secret::new("emulator-secret"));
    spec.authority_host = Some(Url::parse(emu.url()).unwrap());
    spec.ca_file = emu.ca_file().map(std::path::Path::to_path_buf);
    let credential = build_credential(&spec).unwrap();
    let mut cfg = ArmClientConfig::new(Url::parse(emu.url()).unwrap(), Arc::clone(&credential));
    cfg.ca_file.clone_from(&spec.ca_file);
    cfg.retry = retry;
    cfg.retry_budget = budget;
    ArmClient::new(cfg).unwrap()
}

fn scheduled_rule(name: &str) -> Value {
    json!({
        "kind": "Scheduled",
        "properties": {
            "displayName": name, "enabled": true, "severity": "High", "query": "Heartbeat | take 1",
            "queryFrequency": "PT1H", "queryPeriod": "PT1H", "triggerOperator": "GreaterThan",
            "triggerThreshold": 0, "suppressionDuration": "PT1H", "suppressionEnabled": false,
            "tactics": ["Persistence"], "subTechniques": ["T1037.001"],
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_rule_lifecycle_with_etags() {
    let emu = emulator().await;
    let arm = client(&emu, 20);
    let url = ws().alert_rule(RULE_ID);
    assert_eq!(arm.get(&url).await.unwrap(), None);

    let created = arm
        .put(
            &url,
            &scheduled_rule("Rule one"),
            Precondition::IfNoneMatchStar,
        )
        .await
        .unwrap();
    assert_eq!(created.status, 201);
    let etag = created.etag.clone().expect("etag in the body");
    let rule: ArmAlertRule = serde_json::from_value(created.body).unwrap();
    assert_eq!(rule.kind, AlertRuleKind::Scheduled);
    assert_eq!(
        rule.properties.sub_techniques.as_deref(),
        Some(&["T1037.001".to_owned()][..])
    );

    let got = arm.get(&url).await.unwrap().expect("exists");
    assert_eq!(got.etag.as_deref(), Some(etag.as_str()));
    let mut update: ArmAlertRule = serde_json::from_value(got.body).unwrap();
    update.properties.display_name = Some("Rule one v2".into());
    let updated = arm
        .put(
            &url,
            &update.to_put_body(),
            Precondition::IfMatch(etag.clone()),
        )
        .await
        .unwrap();
    assert_eq!(updated.status, 200);
    assert_ne!(updated.etag.as_deref(), Some(etag.as_str()));

    let stale = arm
        .put(&url, &update.to_put_body(), Precondition::None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            stale,
            ArmError::Conflict {
                earlier_attempt_may_have_landed: false,
                ..
            }
        ),
        "{stale:?}"
    );
    let wrong = arm
        .put(
            &url,
            &scheduled_rule("x"),
            Precondition::IfMatch("\"nope\"".into()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, ArmError::PreconditionFailed { .. }),
        "{wrong:?}"
    );

    assert!(arm.delete(&url, Precondition::None).await.unwrap().existed);
    assert!(!arm.delete(&url, Precondition::None).await.unwrap().existed);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_through_metadata_with_one_request_per_page() {
    let emu = emulator().await;
    emu.set_page_size(2);
    let arm = client(&emu, 20);
    for i in 0..5 {
        let body = json!({"properties": {
            "contentId": format!("c{i}"), "kind": "AnalyticsRule", "version": "1.0.0",
            "parentId": ws().alert_rule(&format!("r{i}")),
            "source": {"kind": "SourceRepository", "name": "detections"},
        }});
        arm.put(&ws().metadata(&format!("m{i}")), &body, Precondition::None)
            .await
            .unwrap();
    }
    let before = arm.stats().requests;
    let items = arm.list(&ws().metadata_collection()).await.unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(arm.stats().requests - before, 3, "5 items at 2 per page");
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_searches_and_workbooks_round_trip() {
    let emu = emulator().await;
    let arm = client(&emu, 20);
    let function = json!({"etag": "*", "properties": {
        "category": "Parsers", "displayName": "OnePassword events", "query": "OnePasswordEventLogs_CL",
        "functionAlias": "OnePasswordEvents", "version": 2,
    }});
    arm.put(
        &ws().saved_search("onepassword-events"),
        &function,
        Precondition::None,
    )
    .await
    .unwrap();
    let listed: Vec<ArmSavedSearch> = arm
        .list(&ws().saved_searches())
        .await
        .unwrap()
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
    assert!(
        listed
            .iter()
            .any(|s| s.properties.function_alias.as_deref() == Some("OnePasswordEvents"))
    );

    let workbook = json!({"location": "westeurope", "kind": "shared", "properties": {
        "displayName": "SOC overview", "category": "sentinel", "sourceId": ws().workspace_path(),
        "serializedData": "{\"version\":\"Notebook/1.0\",\"items\":[]}",
    }});
    let put = arm
        .put(&ws().workbook(WORKBOOK_ID), &workbook, Precondition::None)
        .await
        .unwrap();
    assert!(put.status == 200 || put.status == 201);
    let workbooks = arm.list(&ws().workbooks()).await.unwrap();
    assert_eq!(workbooks.len(), 1, "{workbooks:?}");
    let wb: ArmWorkbook = serde_json::from_value(workbooks[0].clone()).unwrap();
    assert_eq!(wb.properties.display_name.as_deref(), Some("SOC overview"));
    assert!(
        wb.properties.serialized_data.is_some(),
        "canFetchContent=true returns the content"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_server_errors_and_dropped_connections_are_retried() {
    let emu = emulator().await;
    let arm = client(&emu, 200);
    emu.set_faults(Faults {
        fault_rate: 0.25,
        drop_rate: 0.15,
        seed: 11,
        ..Faults::default()
    });
    for i in 0..12 {
        let url = ws().alert_rule(&format!("00000000-0000-0000-0000-0000000000{i:02}"));
        let outcome = arm
            .put(&url, &scheduled_rule(&format!("r{i}")), Precondition::None)
            .await;
        assert!(outcome.is_ok(), "rule {i}: {outcome:?}");
    }
    emu.set_faults(Faults::default());
    assert_eq!(arm.list(&ws().alert_rules()).await.unwrap().len(), 12);
    let stats = arm.stats();
    assert!(
        stats.retries > 0,
        "faults were injected and retried: {stats:?}"
    );
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_storm_ends_with_an_exhausted_budget() {
    let emu = emulator().await;
    let arm = client(&emu, 3);
    arm.list(&ws().alert_rules()).await.unwrap(); // fetch the token before the storm
    emu.set_faults(Faults {
        fault_rate: 1.0,
        seed: 1,
        ..Faults::default()
    });
    let err = arm.get(&ws().alert_rule(RULE_ID)).await.unwrap_err();
    assert!(
        matches!(
            err,
            ArmError::Http {
                budget_exhausted: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("retry budget exhausted"), "{err}");
    emu.shutdown().await;
}

/// More writes than the emulator's write bucket holds (200).
const N: usize = 215;

/// Issue 12: ARM throttling (the emulator's token buckets: 200 writes, refilling 10/s) together
/// with injected 5xx and dropped connections. Every write converges and lands exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_with_faults_converges_and_writes_each_resource_once() {
    let emu = emulator().await;
    let arm = client_with(
        &emu,
        500,
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_millis(60),
            max_throttle_retries: 200,
            max_throttle_wait: Duration::from_secs(30),
        },
    );
    arm.list(&ws().metadata_collection()).await.unwrap(); // token before the storm
    emu.set_faults(Faults {
        fault_rate: 0.1,
        drop_rate: 0.05,
        seed: 7,
        ..Faults::default()
    });
    let arm = Arc::new(arm);
    let tasks: Vec<_> = (0..4)
        .map(|worker| {
            let arm = arm.clone();
            tokio::spawn(async move {
                for i in (worker..N).step_by(4) {
                    let body = json!({"properties": {
                        "contentId": format!("c{i}"), "kind": "AnalyticsRule", "version": "1.0.0",
                        "parentId": ws().alert_rule(&format!("r{i}")),
                        "source": {"kind": "SourceRepository", "name": "detections"},
                    }});
                    let url = ws().metadata(&format!("m{i}"));
                    match arm.put(&url, &body, Precondition::IfNoneMatchStar).await {
                        Ok(_) => {}
                        Err(e) if e.is_ambiguous_write() => {
                            let live = arm.get(&url).await.unwrap().expect("landed");
                            assert_eq!(live.body["properties"]["contentId"], format!("c{i}"));
                        }
                        Err(e) => panic!("m{i}: {e:?}"),
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    emu.set_faults(Faults::default());
    let items = arm.list(&ws().metadata_collection()).await.unwrap();
    assert_eq!(items.len(), N);
    let stats = arm.stats();
    assert!(stats.throttled > 0, "the write bucket ran dry: {stats:?}");
    assert!(stats.failure_retries > 0, "faults were retried: {stats:?}");
    let mut landed = std::collections::BTreeMap::<String, u32>::new();
    for entry in emu.requests() {
        let status = entry["status"].as_u64().unwrap_or(0);
        if entry["method"] == "PUT" && (200..300).contains(&status) {
            *landed
                .entry(entry["path"].as_str().unwrap().to_ascii_lowercase())
                .or_default() += 1;
        }
    }
    assert_eq!(landed.len(), N, "every metadata item was written");
    assert!(
        landed.values().all(|&n| n == 1),
        "no item was written twice: {landed:?}"
    );
    emu.shutdown().await;
}
