//! [`LogsQueryClient`]: runs KQL in a workspace through the Log Analytics query API (data plane),
//! with the same retries, budgets and redaction as the ARM client (`engine.rs`).
//!
//! The contract (`shared/specs/.../data-plane/.../stable/v1/OperationalInsights.json`, NOTES §16):
//! `POST {endpoint}/v1/workspaces/{workspaceId}/query` with body `{query, timespan?, workspaces?}`,
//! where `workspaceId` is the workspace's `customerId` GUID (see
//! [`crate::ArmClient::workspace_customer_id`]), no `api-version`, and a token for the Log Analytics
//! audience ([`crate::Cloud::log_analytics_scope`]), not ARM's. The answer is `{tables: [{name,
//! columns: [{name, type}], rows}], statistics?, render?, error?}`; an `error` next to `tables`
//! (code `PartialError`) means the results are incomplete, and is surfaced as
//! [`QueryResults::partial_error`], never dropped. The optional `Prefer: wait=N` header sets the
//! server timeout (default 180 s, max 600 s; a query running longer fails with 504).
//!
//! Owns: the request, the typed results, and mapping the OneAPI error body onto [`ArmError`] (the
//! nested `innererror` message, e.g. a KQL syntax error, is kept).
//!
//! Does not: find the workspace GUID (ARM does), evaluate or rewrite KQL, or page (the API has no
//! paging).
//!
//! Invariants: the token only goes to the configured endpoint's origin; a query is side-effect free,
//! so every attempt may be retried.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use url::Url;

use crate::config::{Cloud, default_scope};
use crate::engine::{Call, ClientStats, Engine};
use crate::error::ArmError;
use crate::limits::{LimitsConfig, SubscriptionLimits};
use crate::request_url::check_endpoint;
use crate::retry::RetryPolicy;
use crate::tls::build_http_client;
use crate::token_cache::TokenCache;

/// Characters escaped in the workspace-id path segment (everything but `A-Za-z0-9-`).
const ID_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-');

/// The longest server timeout the API accepts (`Prefer: wait=600`).
pub const MAX_SERVER_TIMEOUT: Duration = Duration::from_secs(600);

/// Everything [`LogsQueryClient::new`] needs.
pub struct LogsQueryConfig {
    /// The query API host, e.g. [`Cloud::log_analytics_endpoint`] or the emulator's URL. A trailing
    /// `/v1` (as the Azure SDKs spell it) is accepted.
    pub endpoint: Url,
    /// Where tokens come from.
    pub credential: Arc<dyn TokenCredential>,
    /// Token scope; `None` means `{endpoint origin}/.default` (right for every public cloud host and
    /// the emulator).
    pub scope: Option<String>,
    /// Extra PEM CA file to trust.
    pub ca_file: Option<std::path::PathBuf>,
    /// Allow plain `http://`, and then only to a loopback host.
    pub allow_insecure_http: bool,
    /// Attempts and backoff per query.
    pub retry: RetryPolicy,
    /// Failure retries shared by all queries of this client.
    pub retry_budget: u32,
    /// Queries in flight at once.
    pub concurrency: usize,
    /// `Prefer: wait=N`: how long the server may run one query (capped at [`MAX_SERVER_TIMEOUT`]);
    /// `None` leaves the server's default (180 s).
    pub server_timeout: Option<Duration>,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Which auth method the credential is, for the login hint on auth errors.
    pub auth_label: String,
}

impl LogsQueryConfig {
    /// A config with the ARM client's defaults (5 retries, a budget of 50, 4 queries in flight).
    pub fn new(endpoint: Url, credential: Arc<dyn TokenCredential>) -> Self {
        Self {
            endpoint,
            credential,
            scope: None,
            ca_file: None,
            allow_insecure_http: false,
            retry: RetryPolicy::default(),
            retry_budget: 50,
            concurrency: 4,
            server_timeout: None,
            user_agent: concat!("sentinelctl/", env!("CARGO_PKG_VERSION")).to_owned(),
            auth_label: "default".to_owned(),
        }
    }

    /// A config for a cloud's fixed query endpoint and audience.
    pub fn for_cloud(cloud: Cloud, credential: Arc<dyn TokenCredential>) -> Self {
        let endpoint = Url::parse(cloud.log_analytics_endpoint())
            .unwrap_or_else(|_| unreachable!("a fixed, valid URL"));
        let mut config = Self::new(endpoint, credential);
        config.scope = Some(cloud.log_analytics_scope().to_owned());
        config
    }
}

impl std::fmt::Debug for LogsQueryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogsQueryConfig")
            .field("endpoint", &self.endpoint.as_str())
            .field("scope", &self.scope)
            .field("server_timeout", &self.server_timeout)
            .finish_non_exhaustive()
    }
}

/// The request body (`QueryBody`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryBody {
    /// The KQL.
    pub query: String,
    /// ISO 8601 period (`PT12H`, `P1D`) or interval, applied in addition to any filter in the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timespan: Option<String>,
    /// More workspaces to query besides the one in the URL (names, GUIDs or resource ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<Vec<String>>,
    /// Unknown members, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl QueryBody {
    /// A body for `query` over the whole retention (no timespan).
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            ..Self::default()
        }
    }

    /// The same body restricted to `timespan` (e.g. `P7D`).
    #[must_use]
    pub fn with_timespan(mut self, timespan: impl Into<String>) -> Self {
        self.timespan = Some(timespan.into());
        self
    }
}

/// The answer (`QueryResults`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryResults {
    /// Result tables; the first is `PrimaryResult`.
    #[serde(default)]
    pub tables: Vec<QueryTable>,
    /// With `Prefer: include-statistics=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<Value>,
    /// With `Prefer: include-render=true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render: Option<Value>,
    /// A partial failure: the tables are incomplete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<QueryError>,
    /// Unknown members, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl QueryResults {
    /// The first table (`PrimaryResult`).
    pub fn primary(&self) -> Option<&QueryTable> {
        self.tables.first()
    }

    /// The error that came with the tables (code `PartialError`): the results are incomplete.
    pub fn partial_error(&self) -> Option<&QueryError> {
        self.error.as_ref()
    }
}

/// One result table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryTable {
    /// e.g. `PrimaryResult`.
    pub name: String,
    /// Column names and types, in row order.
    pub columns: Vec<QueryColumn>,
    /// Cells as JSON values, in column order (`dynamic` cells usually arrive as JSON text).
    pub rows: Vec<Vec<Value>>,
    /// Unknown members, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl QueryTable {
    /// Index of the column named `name` (exact, as Kusto column names are case-sensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Each row as `{column: value}`.
    pub fn rows_as_objects(&self) -> Vec<Map<String, Value>> {
        self.rows
            .iter()
            .map(|row| {
                self.columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.name.clone(), v.clone()))
                    .collect()
            })
            .collect()
    }
}

/// One column: `type` is `bool`, `datetime`, `dynamic`, `int`, `long`, `real`, `string`, `guid`,
/// `decimal` or `timespan` (lower case, unlike the Tables API).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryColumn {
    /// The column name.
    pub name: String,
    /// The Kusto type.
    #[serde(rename = "type")]
    pub column_type: String,
    /// Unknown members, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `ErrorInfo`: `{code, message, details?, innererror?}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct QueryError {
    /// e.g. `PartialError`, `BadArgumentError`.
    #[serde(default)]
    pub code: String,
    /// Human text.
    #[serde(default)]
    pub message: String,
    /// `[{code, message, target?, value?, resources?}]`, kept as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<Value>>,
    /// The nested cause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innererror: Option<Box<QueryError>>,
    /// Unknown members, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        for d in self.details.iter().flatten() {
            if let Some(m) = d.get("message").and_then(Value::as_str) {
                write!(f, "; {m}")?;
            }
        }
        let mut inner = self.innererror.as_deref();
        while let Some(e) = inner {
            write!(f, "; {}: {}", e.code, e.message)?;
            inner = e.innererror.as_deref();
        }
        Ok(())
    }
}

/// The client. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct LogsQueryClient {
    endpoint: Url,
    prefer: Option<HeaderValue>,
    engine: Engine,
}

impl std::fmt::Debug for LogsQueryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogsQueryClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("scope", &self.engine.scope())
            .finish_non_exhaustive()
    }
}

impl LogsQueryClient {
    /// Validates the configuration and builds the HTTP client.
    pub fn new(config: LogsQueryConfig) -> Result<Self, ArmError> {
        check_endpoint(&config.endpoint, config.allow_insecure_http)?;
        let http = build_http_client(config.ca_file.as_deref(), &config.user_agent)?;
        let scope = config
            .scope
            .unwrap_or_else(|| default_scope(&config.endpoint));
        let prefer = config.server_timeout.map(|t| {
            let secs = t.min(MAX_SERVER_TIMEOUT).as_secs().max(1);
            HeaderValue::from_str(&format!("wait={secs}"))
                .unwrap_or_else(|_| unreachable!("digits are a valid header value"))
        });
        let limits = Arc::new(SubscriptionLimits::new(LimitsConfig::concurrency_only(
            config.concurrency,
        )));
        Ok(Self {
            endpoint: config.endpoint,
            prefer,
            engine: Engine::new(
                http,
                TokenCache::new(config.credential, scope),
                config.auth_label,
                config.retry,
                config.retry_budget,
                limits,
            ),
        })
    }

    /// The query API host.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Counters and budgets since the client was built.
    pub fn stats(&self) -> ClientStats {
        self.engine.stats()
    }

    /// `POST {endpoint}/v1/workspaces/{workspace_id}/query`.
    pub fn query_url(&self, workspace_id: &str) -> Result<Url, ArmError> {
        let id = workspace_id.trim();
        if id.is_empty() || id.len() > 128 {
            return Err(ArmError::Config {
                reason: format!(
                    "`{}` is not a workspace id: the query API takes the workspace GUID (`customerId`)",
                    workspace_id.escape_debug()
                ),
            });
        }
        let base = self.endpoint.path().trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base);
        let mut url = self.endpoint.clone();
        url.set_query(None);
        url.set_fragment(None);
        url.set_path(&format!(
            "{base}/v1/workspaces/{}/query",
            utf8_percent_encode(id, ID_SEGMENT)
        ));
        Ok(url)
    }

    /// Runs `body` in the workspace whose GUID is `workspace_id`. A partial failure is not an error:
    /// check [`QueryResults::partial_error`].
    pub async fn query(
        &self,
        workspace_id: &str,
        body: &QueryBody,
    ) -> Result<QueryResults, ArmError> {
        let url = self.query_url(workspace_id)?;
        let bytes = serde_json::to_vec(body).map_err(|e| ArmError::Config {
            reason: format!("cannot serialize the query body: {e}"),
        })?;
        let mut headers: Vec<(HeaderName, HeaderValue)> = Vec::new();
        if let Some(prefer) = &self.prefer {
            headers.push((HeaderName::from_static("prefer"), prefer.clone()));
        }
        let call = Call {
            method: "POST",
            url: &url,
            body: Some(bytes),
            headers,
            subscription: String::new(),
            safe: true,
        };
        let (reply, _) = self.engine.send(&call).await?;
        serde_json::from_slice(&reply.body).map_err(|e| ArmError::Http {
            method: "POST",
            url: reply.request.url.clone(),
            status: reply.status,
            request_id: reply.request.request_id.clone(),
            body: format!(
                "unexpected response (not Log Analytics query results: {e}): {}",
                crate::error::truncate_body(&reply.body)
            ),
            budget_exhausted: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct NoToken;

    #[async_trait::async_trait]
    impl TokenCredential for NoToken {
        async fn get_token(
            &self,
            _: &[&str],
            _: Option<azure_core::credentials::TokenRequestOptions<'_>>,
        ) -> azure_core::Result<azure_core::credentials::AccessToken> {
            Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "unused",
            ))
        }
    }

    fn client(endpoint: &str) -> LogsQueryClient {
        LogsQueryClient::new(LogsQueryConfig::new(
            Url::parse(endpoint).unwrap(),
            Arc::new(NoToken),
        ))
        .unwrap()
    }

    #[test]
    fn builds_the_query_url_from_a_host_or_an_sdk_style_v1_endpoint() {
        let id = "5b02755b-5bf4-430c-9487-45502a2a7e62";
        for endpoint in [
            "https://api.loganalytics.io",
            "https://api.loganalytics.io/",
            "https://api.loganalytics.io/v1",
            "https://api.loganalytics.io/v1/",
        ] {
            assert_eq!(
                client(endpoint).query_url(id).unwrap().as_str(),
                format!("https://api.loganalytics.io/v1/workspaces/{id}/query"),
                "{endpoint}"
            );
        }
        let emu = client("https://127.0.0.1:8443/la");
        assert_eq!(
            emu.query_url("a/b").unwrap().as_str(),
            "https://127.0.0.1:8443/la/v1/workspaces/a%2Fb/query"
        );
        assert!(emu.query_url(" ").is_err());
    }

    #[test]
    fn cloud_configs_use_the_log_analytics_audience() {
        let gov = LogsQueryConfig::for_cloud(Cloud::AzureUsGovernment, Arc::new(NoToken));
        assert_eq!(gov.endpoint.as_str(), "https://api.loganalytics.us/");
        assert_eq!(
            gov.scope.as_deref(),
            Some("https://api.loganalytics.us/.default")
        );
        let c = LogsQueryClient::new(gov).unwrap();
        assert_eq!(c.engine.scope(), "https://api.loganalytics.us/.default");
    }

    #[test]
    fn partial_errors_and_rows_are_read() {
        let results: QueryResults = serde_json::from_value(serde_json::json!({
            "tables": [{"name": "PrimaryResult", "columns": [{"name": "n", "type": "long"}, {"name": "d", "type": "dynamic"}],
                "rows": [[1, "{\"a\":1}"], [null, null]]}],
            "error": {"code": "PartialError", "message": "There were some errors when processing your query.",
                "details": [{"code": "EngineError", "message": "Query exceeded the result size limit"}],
                "innererror": {"code": "E_QUERY_RESULT_SET_TOO_LARGE", "message": "too large"}}
        }))
        .unwrap();
        let table = results.primary().unwrap();
        assert_eq!(table.column_index("d"), Some(1));
        assert_eq!(table.rows_as_objects()[0]["n"], 1);
        assert!(table.rows_as_objects()[1]["d"].is_null());
        let partial = results.partial_error().unwrap();
        let text = partial.to_string();
        assert!(text.starts_with("PartialError:"), "{text}");
        assert!(
            text.contains("result size limit") && text.contains("too large"),
            "{text}"
        );
    }
}
