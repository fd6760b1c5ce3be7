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
    assert_eq!(seen[0].body, r#"{"kind":"shared"}"#);
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
