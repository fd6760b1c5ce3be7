//! The Log Analytics query client (issue 13) against a scripted loopback server and Microsoft's
//! data-plane examples: request shape, token audience, retries, errors, partial results.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use sentinel_arm::logs::{QueryBody, QueryResults};
use sentinel_arm::retry::RetryPolicy;
use sentinel_arm::{ArmError, Cloud, LogsQueryClient, LogsQueryConfig};
use serde_json::{Value, json};
use support::{Reply, Server};
use url::Url;

const TOKEN: &str = "la-token-SECRET-77";
const WORKSPACE: &str = "5b02755b-5bf4-430c-9487-45502a2a7e62";

/// Hands out a token and records the scopes it was asked for.
#[derive(Debug, Default)]
struct Recording(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl TokenCredential for Recording {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.0
            .lock()
            .unwrap()
            .extend(scopes.iter().map(|s| (*s).to_owned()));
        Ok(AccessToken::new(
            TOKEN.to_owned(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn client(server: &Server, credential: Arc<Recording>) -> LogsQueryClient {
    let mut cfg = LogsQueryConfig::new(Url::parse(&server.url).unwrap(), credential);
    cfg.allow_insecure_http = true;
    cfg.server_timeout = Some(Duration::from_secs(900));
    cfg.retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_millis(20),
        max_throttle_retries: 3,
        max_throttle_wait: Duration::from_secs(5),
    };
    LogsQueryClient::new(cfg).unwrap()
}

fn results() -> Value {
    json!({"tables": [{"name": "PrimaryResult",
        "columns": [{"name": "Category", "type": "string"}, {"name": "count_", "type": "long"}],
        "rows": [["Administrative", 20839], ["Policy", 2]]}]})
}

#[tokio::test]
async fn a_query_posts_the_body_with_the_log_analytics_token_and_reads_tables() {
    let server = Server::http(|_, n| match n {
        0 => Reply::Respond(429, vec![("retry-after", "0".into())], "{}".into()),
        1 => Reply::json(
            503,
            &json!({"error": {"code": "ServiceUnavailable", "message": "busy"}}),
        ),
        _ => Reply::json(200, &results()),
    })
    .await;
    let credential = Arc::new(Recording::default());
    let logs = client(&server, credential.clone());
    let body =
        QueryBody::new("AzureActivity | summarize count() by Category").with_timespan("PT12H");
    let got = logs.query(WORKSPACE, &body).await.unwrap();
    let table = got.primary().unwrap();
    assert_eq!(table.name, "PrimaryResult");
    assert_eq!(table.columns[1].column_type, "long");
    assert_eq!(table.rows_as_objects()[0]["count_"], 20839);
    assert!(got.partial_error().is_none());

    let seen = server.requests();
    assert_eq!(seen.len(), 3, "a 429 and a 503 were retried");
    let last = &seen[2];
    assert_eq!(last.method, "POST");
    assert_eq!(
        last.target,
        format!("/v1/workspaces/{WORKSPACE}/query"),
        "no api-version"
    );
    assert_eq!(
        last.header("authorization"),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_eq!(
        last.header("prefer"),
        Some("wait=600"),
        "capped at the API's maximum"
    );
    assert_eq!(last.header("content-type"), Some("application/json"));
    let sent: Value = serde_json::from_str(&last.body).unwrap();
    assert_eq!(
        sent,
        json!({"query": "AzureActivity | summarize count() by Category", "timespan": "PT12H"})
    );
    let scopes = credential.0.lock().unwrap().clone();
    let expected = format!("{}/.default", server.url);
    assert_eq!(
        scopes,
        [expected],
        "one token, for the query host's audience"
    );
    let stats = logs.stats();
    assert_eq!((stats.throttle_retries, stats.failure_retries), (1, 1));
}

#[tokio::test]
async fn partial_results_are_returned_with_their_error() {
    let server = Server::http(|_, _| {
        let mut body = results();
        body["error"] = json!({"code": "PartialError", "message": "There were some errors when processing your query.",
            "details": [{"code": "EngineError", "message": "Query result set has exceeded the internal limit"}]});
        Reply::json(200, &body)
    })
    .await;
    let logs = client(&server, Arc::new(Recording::default()));
    let got = logs.query(WORKSPACE, &QueryBody::new("T")).await.unwrap();
    assert_eq!(got.primary().unwrap().rows.len(), 2);
    let partial = got.partial_error().expect("surfaced, not dropped");
    assert_eq!(partial.code, "PartialError");
    assert!(partial.to_string().contains("exceeded the internal limit"));
}

#[tokio::test]
async fn errors_keep_the_nested_cause_and_never_the_token() {
    let server = Server::http(|seen, _| {
        if seen.body.contains("syntax") {
            Reply::json(
                400,
                &json!({"error": {"message": "The request had some invalid properties", "code": "BadArgumentError",
                    "innererror": {"code": "SyntaxError", "message": "A recognition error occurred in the query."}}}),
            )
        } else {
            Reply::json(
                403,
                &json!({"error": {"message": "The provided credentials have insufficient access to perform the requested operation", "code": "InsufficientAccessError"}}),
            )
        }
    })
    .await;
    let logs = client(&server, Arc::new(Recording::default()));
    let err = logs
        .query(WORKSPACE, &QueryBody::new("syntax error |"))
        .await
        .unwrap_err();
    match &err {
        ArmError::BadRequest { code, message, .. } => {
            assert_eq!(code, "BadArgumentError");
            assert!(
                message.contains("A recognition error occurred"),
                "{message}"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    let denied = logs
        .query(WORKSPACE, &QueryBody::new("T"))
        .await
        .unwrap_err();
    assert!(matches!(denied, ArmError::Forbidden { .. }), "{denied:?}");
    assert!(denied.hint().unwrap().contains("Log Analytics Reader"));
    for e in [&err, &denied] {
        assert!(!e.to_string().contains(TOKEN) && !format!("{e:?}").contains(TOKEN));
    }
    assert_eq!(server.requests().len(), 2, "400 and 403 are not retried");
}

#[tokio::test]
async fn a_body_that_is_not_query_results_is_a_clear_error() {
    let server =
        Server::http(|_, _| Reply::Respond(200, vec![], "<html>proxy</html>".into())).await;
    let logs = client(&server, Arc::new(Recording::default()));
    let err = logs
        .query(WORKSPACE, &QueryBody::new("T"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not Log Analytics query results"),
        "{err}"
    );
}

#[test]
fn public_cloud_queries_go_to_the_fixed_host_with_its_audience() {
    let cfg = LogsQueryConfig::for_cloud(Cloud::AzurePublic, Arc::new(Recording::default()));
    assert_eq!(
        cfg.scope.as_deref(),
        Some("https://api.loganalytics.io/.default")
    );
    let logs = LogsQueryClient::new(cfg).unwrap();
    assert_eq!(
        logs.query_url(WORKSPACE).unwrap().as_str(),
        format!("https://api.loganalytics.io/v1/workspaces/{WORKSPACE}/query")
    );
    let http = LogsQueryConfig::new(
        Url::parse("http://10.0.0.1").unwrap(),
        Arc::new(Recording::default()),
    );
    assert!(
        LogsQueryClient::new(http).is_err(),
        "plain http off loopback is refused"
    );
}

/// Every request body and result in Microsoft's data-plane examples round-trips unchanged.
#[test]
fn microsofts_query_examples_round_trip() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/specs/specification/operationalinsights/data-plane/Microsoft.OperationalInsights/stable/v1/examples",
    );
    let mut results = 0;
    let mut bodies = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("metadata-") {
            continue; // workspace metadata, not query results (see tests/wire_models.rs)
        }
        let example: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let response = &example["responses"]["200"]["body"];
        let mut answers = Vec::new();
        match response.get("responses").and_then(Value::as_array) {
            Some(batch) => answers.extend(batch.iter().map(|r| r["body"].clone())),
            None => answers.push(response.clone()),
        }
        for answer in answers {
            let typed: QueryResults =
                serde_json::from_value(answer.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(serde_json::to_value(&typed).unwrap(), answer, "{name}");
            assert!(!typed.tables.is_empty(), "{name}");
            results += 1;
        }
        let requests = match example["parameters"]["body"].get("requests") {
            Some(batch) => batch
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["body"].clone())
                .collect(),
            None => example["parameters"]
                .get("body")
                .cloned()
                .into_iter()
                .collect::<Vec<_>>(),
        };
        for request in requests {
            let typed: QueryBody = serde_json::from_value(request.clone()).unwrap();
            assert_eq!(serde_json::to_value(&typed).unwrap(), request, "{name}");
            bodies += 1;
        }
    }
    assert!(
        results >= 8 && bodies >= 4,
        "{results} results, {bodies} bodies"
    );
}
