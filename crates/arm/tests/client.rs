//! ArmClient against a scripted loopback server: paging, retries (429 + Retry-After, 5xx, dropped
//! connections), the shared retry budget, conditional writes, error mapping and endpoint checks.

mod support;

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use sentinel_arm::retry::RetryPolicy;
use sentinel_arm::{ArmClient, ArmClientConfig, ArmError, Precondition, WorkspaceRef};
use serde_json::json;
use support::{Reply, Server};
use url::Url;

const TOKEN: &str = "tok-SECRET-abc123";

#[derive(Debug)]
struct StaticToken;

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            TOKEN.to_owned(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn config(url: &str, budget: u32) -> ArmClientConfig {
    let mut cfg = ArmClientConfig::new(Url::parse(url).unwrap(), Arc::new(StaticToken));
    cfg.allow_insecure_http = true;
    cfg.retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_millis(20),
        max_throttle_retries: 3,
        max_throttle_wait: Duration::from_secs(5),
    };
    cfg.retry_budget = budget;
    cfg
}

fn client(url: &str, budget: u32) -> ArmClient {
    ArmClient::new(config(url, budget)).unwrap()
}

fn ws() -> WorkspaceRef {
    WorkspaceRef::new("00000000-0000-0000-0000-000000000001", "rg", "law")
}

#[tokio::test]
async fn list_follows_next_link_across_pages() {
    let server = Server::http(|seen, n| {
        let base = format!("http://{}", seen.header("host").unwrap());
        let path = seen.target.split('?').next().unwrap().to_owned();
        let next =
            |token: &str| format!("{base}{path}?api-version=2025-04-01-preview&$skipToken={token}");
        match n {
            0 => Reply::json(
                200,
                &json!({"value": [{"name": "a"}, {"name": "b"}], "nextLink": next("p2")}),
            ),
            1 => Reply::json(
                200,
                &json!({"value": [{"name": "c"}], "nextLink": next("p3")}),
            ),
            _ => Reply::json(200, &json!({"value": [{"name": "d"}], "nextLink": null})),
        }
    })
    .await;
    let arm = client(&server.url, 10);
    let items = arm.list(&ws().alert_rules()).await.unwrap();
    let names: Vec<_> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[0]
            .target
            .ends_with("/alertRules?api-version=2025-04-01-preview"),
        "{}",
        seen[0].target
    );
    assert!(seen[2].target.contains("$skipToken=p3"));
    assert!(seen.iter().all(
        |s| s.method == "GET" && s.header("authorization") == Some(&format!("Bearer {TOKEN}"))
    ));
    assert_eq!(arm.stats().requests, 3);
}

#[tokio::test]
async fn throttling_with_retry_after_is_retried_and_counted() {
    let server = Server::http(|_, n| match n {
        0 => Reply::Respond(
            429,
            vec![("retry-after", "1".into())],
            r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#.into(),
        ),
        _ => Reply::json(200, &json!({"name": "r", "etag": "\"e1\""})),
    })
    .await;
    let arm = client(&server.url, 10);
    let got = arm.get(&ws().alert_rule("r")).await.unwrap().unwrap();
    assert_eq!(got.etag.as_deref(), Some("\"e1\""));
    let stats = arm.stats();
    assert_eq!((stats.requests, stats.retries, stats.throttled), (2, 1, 1));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_with_request_id() {
    let server = Server::http(|_, n| match n {
        0 => Reply::json(
            503,
            &json!({"error": {"code": "ServiceUnavailable", "message": "busy"}}),
        ),
        1 => Reply::json(200, &json!({"value": []})),
        _ => Reply::json(
            500,
            &json!({"error": {"code": "InternalServerError", "message": "boom"}}),
        ),
    })
    .await;
    let arm = client(&server.url, 10);
    assert!(arm.list(&ws().saved_searches()).await.unwrap().is_empty());
    let err = arm.get(&ws().saved_search("f")).await.unwrap_err();
    match &err {
        ArmError::Http {
            status: 500,
            request_id,
            body,
            budget_exhausted: false,
            ..
        } => {
            assert_eq!(request_id.as_deref(), Some("req-500"));
            assert!(body.contains("boom"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        arm.stats().requests,
        2 + 4,
        "one retry, then 1 + max_retries attempts"
    );
}

#[tokio::test]
async fn dropped_connection_is_retried_and_a_later_412_is_flagged_ambiguous() {
    let server = Server::http(|seen, n| match (seen.method.as_str(), n) {
        ("PUT", 0) => Reply::Drop,
        ("PUT", _) => Reply::json(
            412,
            &json!({"error": {"code": "PreconditionFailed", "message": "etag mismatch"}}),
        ),
        _ => Reply::Drop,
    })
    .await;
    let arm = client(&server.url, 10);
    let err = arm
        .put(
            &ws().workbook("w"),
            &json!({"kind": "shared"}),
            Precondition::IfMatch("\"e1\"".into()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ArmError::PreconditionFailed {
                earlier_attempt_may_have_landed: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_ambiguous_write());
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.header("if-match") == Some("\"e1\"")));
    assert!(seen[0].target.ends_with("api-version=2023-06-01"));
    assert_eq!(
        seen[0].body, r#"{"kind":"shared","etag":"\"e1\""}"#,
        "If-Match also puts the etag into the body, where Sentinel checks it"
    );
}

#[tokio::test]
async fn dropped_connections_end_in_a_transport_error() {
    let server = Server::http(|_, _| Reply::Drop).await;
    let arm = client(&server.url, 10);
    let err = arm.get(&ws().metadata("m")).await.unwrap_err();
    assert!(
        matches!(
            err,
            ArmError::Transport {
                budget_exhausted: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(arm.stats().requests, 4);
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn exhausted_retry_budget_stops_a_storm() {
    let server = Server::http(|_, _| Reply::Respond(503, Vec::new(), "{}".into())).await;
    let arm = client(&server.url, 2);
    let first = arm.get(&ws().alert_rule("a")).await.unwrap_err();
    assert!(
        first.to_string().contains("retry budget exhausted"),
        "{first}"
    );
    let second = arm.get(&ws().alert_rule("b")).await.unwrap_err();
    assert!(
        second.to_string().contains("retry budget exhausted"),
        "{second}"
    );
    assert_eq!(
        arm.stats().requests,
        3 + 1,
        "two paid retries, then no retry at all"
    );
}

#[tokio::test]
async fn throttling_waits_as_told_without_spending_the_budget() {
    let server =
        Server::http(|_, _| Reply::Respond(429, vec![("retry-after", "0".into())], "{}".into()))
            .await;
    // A budget of zero: any paid retry would fail at once.
    let arm = client(&server.url, 0);
    let err = arm.get(&ws().alert_rule("a")).await.unwrap_err();
    assert!(
        matches!(
            err,
            ArmError::Throttled {
                budget_exhausted: false,
                ..
            }
        ),
        "{err:?}"
    );
    let stats = arm.stats();
    assert_eq!(
        stats.requests,
        1 + 3,
        "max_throttle_retries (3) unpaid retries"
    );
    assert_eq!(stats.throttled, 4);
}

#[tokio::test]
async fn missing_resources_and_deletes() {
    let server = Server::http(|seen, _| match seen.method.as_str() {
        "GET" => Reply::json(
            404,
            &json!({"error": {"code": "NotFound", "message": "nope"}}),
        ),
        "DELETE" if seen.target.contains("/gone") => Reply::Respond(204, vec![], String::new()),
        "DELETE" => Reply::Respond(200, vec![], String::new()),
        _ => Reply::json(
            403,
            &json!({"error": {"code": "AuthorizationFailed", "message": "no"}}),
        ),
    })
    .await;
    let arm = client(&server.url, 10);
    assert_eq!(arm.get(&ws().alert_rule("x")).await.unwrap(), None);
    let gone = arm
        .delete(&ws().alert_rule("gone"), Precondition::None)
        .await
        .unwrap();
    assert!(!gone.existed);
    let deleted = arm
        .delete(&ws().alert_rule("there"), Precondition::None)
        .await
        .unwrap();
    assert!(deleted.existed && deleted.status == 200);
    let err = arm
        .put(
            &ws().alert_rule("x"),
            &json!({}),
            Precondition::IfNoneMatchStar,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ArmError::Forbidden { .. }), "{err:?}");
    assert!(
        err.hint()
            .unwrap()
            .contains("Microsoft Sentinel Contributor")
    );
    assert_eq!(
        server.requests().last().unwrap().header("if-none-match"),
        Some("*")
    );
}

#[tokio::test]
async fn put_returns_status_body_and_etag() {
    let server = Server::http(|seen, _| {
        let mut body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
        body["etag"] = json!("\"new\"");
        Reply::json(201, &body)
    })
    .await;
    let arm = client(&server.url, 10);
    let out = arm
        .put(
            &ws().saved_search("f"),
            &json!({"properties": {"query": "T"}}),
            Precondition::None,
        )
        .await
        .unwrap();
    assert_eq!((out.status, out.etag.as_deref()), (201, Some("\"new\"")));
    assert_eq!(out.body["properties"]["query"], "T");
    assert!(!out.earlier_attempt_may_have_landed);
}

#[tokio::test]
async fn next_link_to_another_origin_is_refused() {
    let server = Server::http(|_, _| {
        Reply::json(
            200,
            &json!({"value": [1], "nextLink": "https://elsewhere.example/x?api-version=1"}),
        )
    })
    .await;
    let arm = client(&server.url, 10);
    let err = arm.list(&ws().metadata_collection()).await.unwrap_err();
    assert!(
        err.to_string().contains("refusing to send the ARM token"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_is_bounded_per_subscription() {
    let server = Server::http(|_, _| {
        Reply::After(
            Duration::from_millis(30),
            Box::new(Reply::json(200, &json!({"name": "x"}))),
        )
    })
    .await;
    let mut cfg = config(&server.url, 10);
    cfg.concurrency = 2;
    let arm = Arc::new(ArmClient::new(cfg).unwrap());
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let arm = arm.clone();
            tokio::spawn(async move {
                arm.get(&ws().alert_rule(&format!("r{i}")))
                    .await
                    .unwrap()
                    .is_some()
            })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap());
    }
    let max = server
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (1..=2).contains(&max),
        "at most 2 in flight for one subscription, saw {max}"
    );
    assert_eq!(arm.stats().requests, 8);
}

#[derive(Debug, Default)]
struct CountingToken(std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl TokenCredential for CountingToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(AccessToken::new(
            format!("tok-{n}"),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn tokens_are_cached_and_renewed_once_after_a_401() {
    let server = Server::http(|seen, _| match seen.header("authorization") {
        Some("Bearer tok-0") => Reply::json(
            401,
            &json!({"error": {"code": "ExpiredAuthenticationToken", "message": "expired"}}),
        ),
        _ => Reply::json(200, &json!({"value": []})),
    })
    .await;
    let credential = Arc::new(CountingToken::default());
    let mut cfg = config(&server.url, 10);
    cfg.credential = credential.clone();
    let arm = ArmClient::new(cfg).unwrap();
    for _ in 0..3 {
        arm.list(&ws().alert_rules()).await.unwrap();
    }
    assert_eq!(
        credential.0.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one token, renewed once after the 401"
    );
    assert_eq!(arm.stats().requests, 4);
}

#[tokio::test]
async fn a_second_401_is_an_unauthorized_error() {
    let server = Server::http(|_, _| {
        Reply::json(
            401,
            &json!({"error": {"code": "InvalidAuthenticationToken", "message": "wrong audience"}}),
        )
    })
    .await;
    let arm = client(&server.url, 10);
    let err = arm.get(&ws().alert_rule("x")).await.unwrap_err();
    assert!(matches!(err, ArmError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("wrong audience"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn plain_http_is_refused_unless_allowed_and_loopback() {
    let mut cfg = config("http://arm.example.com", 1);
    let err = ArmClient::new(cfg).unwrap_err();
    assert!(matches!(err, ArmError::Config { .. }));
    assert!(err.to_string().contains("loopback"), "{err}");
    cfg = config("http://127.0.0.1:1", 1);
    cfg.allow_insecure_http = false;
    assert!(ArmClient::new(cfg).is_err());
    assert!(ArmClient::new(config("http://127.0.0.1:1", 1)).is_ok());
}

fn patient_policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_millis(20),
        max_throttle_retries: 8,
        max_throttle_wait: Duration::from_secs(5),
    }
}

/// Issue 12: one attempt counter served 429s and failures, so after five throttles the first 5xx
/// was final. The two budgets are separate now.
#[tokio::test]
async fn five_throttles_then_a_fault_still_get_the_fault_retries() {
    let server = Server::http(|_, n| match n {
        0..=4 => Reply::Respond(429, vec![("retry-after", "0".into())], "{}".into()),
        5 => Reply::json(
            503,
            &json!({"error": {"code": "ServiceUnavailable", "message": "busy"}}),
        ),
        _ => Reply::json(200, &json!({"name": "r", "etag": "\"e1\""})),
    })
    .await;
    let mut cfg = config(&server.url, 4);
    cfg.retry = patient_policy();
    let arm = ArmClient::new(cfg).unwrap();
    let got = arm.get(&ws().alert_rule("r")).await.unwrap();
    assert!(got.is_some());
    let stats = arm.stats();
    assert_eq!(stats.requests, 7);
    assert_eq!(stats.throttled, 5);
    assert_eq!(stats.throttle_retries, 5);
    assert_eq!(stats.failure_retries, 1);
    assert_eq!(stats.retries, 6);
    assert_eq!(
        (
            stats.failure_budget_capacity,
            stats.failure_budget_available
        ),
        (4, 3),
        "only the 5xx retry was paid from the failure budget"
    );
}

#[tokio::test]
async fn throttle_retries_stop_at_their_total_wait() {
    let server = Server::http(|_, _| {
        Reply::Respond(429, vec![("retry-after-ms", "30".into())], "{}".into())
    })
    .await;
    let mut cfg = config(&server.url, 10);
    cfg.retry = RetryPolicy {
        max_retry_after: Duration::from_secs(1),
        max_throttle_retries: 100,
        max_throttle_wait: Duration::from_millis(100),
        ..patient_policy()
    };
    let arm = ArmClient::new(cfg).unwrap();
    let err = arm.get(&ws().alert_rule("a")).await.unwrap_err();
    match &err {
        ArmError::Throttled {
            attempts,
            waited,
            retry_after,
            budget_exhausted: false,
            ..
        } => {
            assert_eq!(
                *attempts, 4,
                "three 30 ms waits fit in 100 ms, a fourth does not"
            );
            assert_eq!(*waited, Duration::from_millis(90));
            assert_eq!(*retry_after, Some(Duration::from_millis(30)));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("4 times"), "{err}");
    let stats = arm.stats();
    assert_eq!((stats.requests, stats.throttle_retries), (4, 3));
    assert_eq!(stats.throttle_wait_ms, 90);
    assert_eq!(stats.failure_retries, 0);
}

#[tokio::test]
async fn a_conflict_carries_code_and_live_etag_and_is_ambiguous_after_a_drop() {
    let server = Server::http(|seen, n| match (seen.method.as_str(), n) {
        ("PUT", 0) => Reply::Drop,
        (_, _) => Reply::Respond(
            409,
            vec![("etag", "\"live-2\"".into())],
            json!({"error": {"code": "Conflict", "message": "Newer version of the saved search exists"}})
                .to_string(),
        ),
    })
    .await;
    let arm = client(&server.url, 10);
    let err = arm
        .put(
            &ws().saved_search("f"),
            &json!({"properties": {"query": "T"}}),
            Precondition::IfMatch("\"live-1\"".into()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ArmError::Conflict {
                earlier_attempt_may_have_landed: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_conflict() && err.is_ambiguous_write());
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("Conflict"));
    assert_eq!(err.current_etag(), Some("\"live-2\""));
    // Without a dropped first attempt the same 409 is a plain conflict.
    let err = arm
        .put(
            &ws().saved_search("f"),
            &json!({"properties": {"query": "T"}}),
            Precondition::IfMatch("\"live-1\"".into()),
        )
        .await
        .unwrap_err();
    assert!(err.is_conflict() && !err.is_ambiguous_write(), "{err:?}");
}

/// A tiny ARM for the convergence test: etags, `If-Match`/`If-None-Match`, body etags, and a fault
/// script that mixes 429s, 5xx (not applied), requests dropped before they are applied, and
/// requests applied whose answer is then lost.
#[derive(Default)]
struct MiniArm {
    items: std::collections::BTreeMap<String, (String, serde_json::Value, u32)>,
    next_etag: u32,
}

impl MiniArm {
    fn handle(&mut self, seen: &support::Seen, n: usize) -> Reply {
        let path = seen.target.split('?').next().unwrap().to_owned();
        let throttle = || Reply::Respond(429, vec![("retry-after-ms", "2".into())], "{}".into());
        match n % 10 {
            1 | 6 => return throttle(),
            3 => {
                return Reply::json(
                    503,
                    &json!({"error": {"code": "ServiceUnavailable", "message": "busy"}}),
                );
            }
            8 if n % 20 == 8 => return Reply::Drop,
            _ => {}
        }
        let lose_answer = n % 7 == 4;
        let reply = match seen.method.as_str() {
            "GET" => match self.items.get(&path) {
                Some((etag, props, _)) => {
                    Reply::json(200, &json!({"etag": etag, "properties": props}))
                }
                None => Reply::json(
                    404,
                    &json!({"error": {"code": "NotFound", "message": "no"}}),
                ),
            },
            "PUT" => {
                let body: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
                let live = self.items.get(&path).map(|(e, _, _)| e.clone());
                let precondition_failed =
                    match (seen.header("if-match"), seen.header("if-none-match"), &live) {
                        (Some(want), _, Some(have)) => want != have,
                        (Some(_), _, None) => true,
                        (_, Some("*"), Some(_)) => true,
                        _ => false,
                    };
                let stale_body = match (body.get("etag").and_then(|e| e.as_str()), &live) {
                    (Some(e), Some(have)) => e != have,
                    _ => false,
                };
                if precondition_failed {
                    Reply::json(
                        412,
                        &json!({"error": {"code": "PreconditionFailed", "message": "etag"}}),
                    )
                } else if stale_body {
                    Reply::json(
                        409,
                        &json!({"error": {"code": "Conflict", "message": "stale etag"}}),
                    )
                } else {
                    self.next_etag += 1;
                    let etag = format!("\"v{}\"", self.next_etag);
                    let writes = self.items.get(&path).map_or(0, |(_, _, w)| *w) + 1;
                    let status = if live.is_some() { 200 } else { 201 };
                    self.items
                        .insert(path, (etag.clone(), body["properties"].clone(), writes));
                    Reply::json(
                        status,
                        &json!({"etag": etag, "properties": body["properties"]}),
                    )
                }
            }
            _ => Reply::json(405, &json!({})),
        };
        if lose_answer { Reply::Drop } else { reply }
    }
}

/// Writes `props` under `cond`; an ambiguous conflict is resolved by re-reading, as apply does.
/// True when the write had to be confirmed that way.
async fn converge(
    arm: &ArmClient,
    url: &str,
    props: serde_json::Value,
    cond: Precondition,
) -> bool {
    match arm.put(url, &json!({"properties": props}), cond).await {
        Ok(_) => false,
        Err(e) if e.is_conflict() && e.is_ambiguous_write() => {
            let live = arm
                .get(url)
                .await
                .unwrap()
                .expect("the landed write exists");
            assert_eq!(live.body["properties"], props, "{url}: {e}");
            true
        }
        Err(e) => panic!("{url}: {e:?}"),
    }
}

/// Issue 12: throttling and faults together, on one client with four writers in parallel; every
/// resource converges and each write landed exactly once (etag guards stop duplicates).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_faults_together_converge_without_duplicate_writes() {
    let store = Arc::new(std::sync::Mutex::new(MiniArm::default()));
    let handler_store = store.clone();
    let server = Server::http(move |seen, n| handler_store.lock().unwrap().handle(seen, n)).await;
    let mut cfg = config(&server.url, 100);
    cfg.retry = RetryPolicy {
        max_retries: 6,
        max_throttle_retries: 20,
        ..patient_policy()
    };
    let arm = Arc::new(ArmClient::new(cfg).unwrap());
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let arm = arm.clone();
            tokio::spawn(async move {
                let url = ws().alert_rule(&format!("rule-{i}"));
                let created = converge(
                    &arm,
                    &url,
                    json!({"displayName": format!("r{i}")}),
                    Precondition::IfNoneMatchStar,
                )
                .await;
                let etag = loop {
                    if let Some(live) = arm.get(&url).await.unwrap() {
                        break live.etag.unwrap();
                    }
                };
                let updated = converge(
                    &arm,
                    &url,
                    json!({"displayName": format!("r{i} v2")}),
                    Precondition::IfMatch(etag),
                )
                .await;
                usize::from(created) + usize::from(updated)
            })
        })
        .collect();
    let mut confirmed = 0;
    for t in tasks {
        confirmed += t.await.unwrap();
    }
    assert!(confirmed > 0, "some writes landed with their answer lost");
    let store = store.lock().unwrap();
    assert_eq!(store.items.len(), 12);
    for (path, (_, props, writes)) in &store.items {
        let i = path.rsplit("rule-").next().unwrap();
        assert_eq!(props["displayName"], format!("r{i} v2"), "{path}");
        assert_eq!(
            *writes, 2,
            "{path}: one create and one update, no duplicate"
        );
    }
    let stats = arm.stats();
    assert!(
        stats.throttle_retries > 0 && stats.failure_retries > 0,
        "{stats:?}"
    );
}

#[tokio::test]
async fn guarded_deletes_send_if_match_and_create_preconditions_are_refused() {
    let server = Server::http(|_, _| Reply::Respond(200, vec![], String::new())).await;
    let arm = client(&server.url, 10);
    let out = arm
        .delete(
            &ws().watchlist("vip"),
            Precondition::IfMatch("\"w1\"".into()),
        )
        .await
        .unwrap();
    assert!(out.existed);
    let err = arm
        .delete(&ws().alert_rule("r"), Precondition::IfNoneMatchStar)
        .await
        .unwrap_err();
    assert!(matches!(err, ArmError::Config { .. }), "{err:?}");
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "the refused delete sent nothing");
    assert_eq!(seen[0].header("if-match"), Some("\"w1\""));
}

#[tokio::test]
async fn the_workspace_customer_id_is_read_from_arm() {
    let server = Server::http(|seen, _| {
        if seen.target.contains("/workspaces/law?") {
            Reply::json(
                200,
                &json!({"name": "law", "location": "westeurope",
                    "properties": {"customerId": "5b02755b-5bf4-430c-9487-45502a2a7e62", "provisioningState": "Succeeded"}}),
            )
        } else {
            Reply::json(
                404,
                &json!({"error": {"code": "ResourceNotFound", "message": "no"}}),
            )
        }
    })
    .await;
    let arm = client(&server.url, 10);
    assert_eq!(
        arm.workspace_customer_id(&ws()).await.unwrap(),
        "5b02755b-5bf4-430c-9487-45502a2a7e62"
    );
    assert!(
        server.requests()[0]
            .target
            .ends_with("/workspaces/law?api-version=2025-02-01")
    );
    let missing = WorkspaceRef::new("00000000-0000-0000-0000-000000000001", "rg", "gone");
    let err = arm.workspace_customer_id(&missing).await.unwrap_err();
    assert!(matches!(err, ArmError::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string().contains("workspace `gone` does not exist"),
        "{err}"
    );
}

#[tokio::test]
async fn an_alert_rule_write_carries_the_version_chosen_for_it() {
    let server = Server::http(|_, _| Reply::json(200, &json!({"etag": "\"e\""}))).await;
    let arm = client(&server.url, 10);
    let rule = json!({"kind": "NRT", "properties": {"displayName": "x"}});
    let version = sentinel_arm::api_version::for_alert_rule_body(&rule);
    arm.put(
        &ws().alert_rule_at("r", version),
        &rule,
        Precondition::IfNoneMatchStar,
    )
    .await
    .unwrap();
    let stable = json!({"kind": "Scheduled", "properties": {"displayName": "x"}});
    arm.put(
        &ws().alert_rule_at("s", sentinel_arm::api_version::for_alert_rule_body(&stable)),
        &stable,
        Precondition::IfNoneMatchStar,
    )
    .await
    .unwrap();
    let seen = server.requests();
    assert!(
        seen[0]
            .target
            .ends_with("/alertRules/r?api-version=2025-04-01-preview"),
        "{}",
        seen[0].target
    );
    assert!(
        seen[1]
            .target
            .ends_with("/alertRules/s?api-version=2025-12-01"),
        "{}",
        seen[1].target
    );
}

/// Watchlist and table writes are long-running (NOTES §7.1, §10.7): `*_and_wait` follows
/// `Azure-AsyncOperation` (or `Location`) until the operation ends.
#[tokio::test]
async fn long_running_deletes_and_puts_are_followed_to_the_end() {
    let server = Server::http(|seen, _| {
        let base = format!("http://{}", seen.header("host").unwrap());
        let path = seen.target.split('?').next().unwrap();
        let status_url = |id: &str| format!("{base}/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.SecurityInsights/operationStatuses/{id}?api-version=2025-12-01");
        match (seen.method.as_str(), path) {
            ("DELETE", p) if p.ends_with("/watchlists/vip") => Reply::Respond(
                202,
                vec![("azure-asyncoperation", status_url("del")), ("retry-after", "0".into())],
                String::new(),
            ),
            ("DELETE", p) if p.ends_with("/tables/T_CL") => Reply::Respond(
                202,
                vec![("location", format!("{base}{p}/pending?api-version=2025-02-01")), ("retry-after", "0".into())],
                String::new(),
            ),
            ("GET", p) if p.ends_with("/tables/T_CL/pending") => Reply::json(404, &json!({"error": {"code": "NotFound", "message": "gone"}})),
            ("PUT", _) => Reply::Respond(
                201,
                vec![("azure-asyncoperation", status_url("put")), ("retry-after", "0".into())],
                json!({"name": "vip", "properties": {"provisioningState": "InProgress"}}).to_string(),
            ),
            ("GET", p) if p.ends_with("/operationStatuses/del") => Reply::json(200, &json!({"status": "Succeeded"})),
            ("GET", p) if p.ends_with("/operationStatuses/put") => Reply::json(
                200,
                &json!({"status": "Failed", "error": {"code": "InvalidCsv", "message": "line 3 has 2 columns"}}),
            ),
            _ => Reply::json(500, &json!({})),
        }
    })
    .await;
    let arm = client(&server.url, 10);
    let deleted = arm
        .delete_and_wait(
            &ws().watchlist("vip"),
            Precondition::IfMatch("\"w1\"".into()),
        )
        .await
        .unwrap();
    assert_eq!((deleted.status, deleted.existed), (202, true));
    let table = arm
        .delete_and_wait(&ws().table("T_CL"), Precondition::None)
        .await
        .unwrap();
    assert!(table.existed);
    let err = arm
        .put_and_wait(
            &ws().watchlist("vip2"),
            &json!({"properties": {"displayName": "VIP", "provider": "sentinelctl", "itemsSearchKey": "upn"}}),
            Precondition::IfNoneMatchStar,
        )
        .await
        .unwrap_err();
    match &err {
        ArmError::OperationFailed {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!((status.as_str(), code.as_str()), ("Failed", "InvalidCsv"));
            assert!(message.contains("line 3"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("ended `Failed`"), "{err}");
    let seen = server.requests();
    let polls = seen
        .iter()
        .filter(|s| s.target.contains("operationStatuses"))
        .count();
    assert_eq!(polls, 2);
    // A plain delete returns at once, without polling.
    let before = server.requests().len();
    arm.delete(&ws().watchlist("vip"), Precondition::None)
        .await
        .unwrap();
    assert_eq!(server.requests().len(), before + 1);
}
