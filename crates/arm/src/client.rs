//! [`ArmClient`]: authenticated LIST/GET/PUT/DELETE against Azure Resource Manager (or the emulator).
//!
//! Owns: resolving paths against the endpoint (with the pinned api-version), paging over `nextLink`,
//! conditional writes ([`Precondition`]) and what a success looks like ([`Resource`], [`PutOutcome`],
//! [`DeleteOutcome`]). The retry loop, budgets and counters are in `engine.rs`; per-subscription
//! pacing in `limits.rs`.
//!
//! Does not: know resource shapes (`resources/`), build paths (`address.rs`), choose credentials
//! (`auth.rs`) or decide what a conflict means for a plan (the caller re-reads and decides).
//!
//! Retried writes: PUT and DELETE are retried after 429, retryable 5xx and connection errors, because
//! ARM PUT/DELETE are idempotent. When an earlier attempt died on the wire or with a 5xx, it may
//! have been applied; if the retry then fails with 409/412 (a precondition that the first attempt
//! itself invalidated), the error carries `earlier_attempt_may_have_landed: true` (and the live etag
//! when the service returned one), and successful outcomes carry the same flag. The caller should
//! GET the resource and compare before reporting a conflict.
//!
//! Conditional writes (the etag contract): see [`Precondition`].
//!
//! Invariants: the bearer token is only sent to the configured endpoint's origin, in a header marked
//! sensitive, and never logged; every attempt counts in [`ClientStats::requests`].

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::address::{WorkspaceRef, subscription_of};
use crate::config::ArmClientConfig;
pub use crate::engine::ClientStats;
use crate::engine::{Call, Engine, Reply};
use crate::error::ArmError;
use crate::limits::{LimitsConfig, SubscriptionLimits};
use crate::request_url::{check_endpoint, redact_url, resolve};
use crate::resources::WireModel;
use crate::resources::workspace::ArmWorkspace;
use crate::tls::build_http_client;
use crate::token_cache::TokenCache;

/// Upper bound on pages followed by one LIST (a server looping on `nextLink` cannot hang us).
const MAX_PAGES: usize = 10_000;

/// How long [`ArmClient::put_and_wait`] / [`ArmClient::delete_and_wait`] follow an operation.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(600);

/// Poll interval when the service sends no `Retry-After` (and the cap on one it sends).
const POLL_DEFAULT: Duration = Duration::from_secs(2);
const POLL_MAX: Duration = Duration::from_secs(60);

/// A write's concurrency precondition.
///
/// The etag contract: Microsoft's contracts for Sentinel resources and saved searches declare the
/// etag **in the JSON body** and no `If-Match` header (`shared/specs/NOTES.md` §10.5); the service
/// answers a stale body etag with 409, while ARM's generic header check answers 412. So a
/// conditional write must carry the etag in both places, and the client makes sure it does:
///
/// * [`IfMatch`](Self::IfMatch) sends `If-Match` **and** puts the etag into the body's top-level
///   `etag` when the body has none. A body whose `etag` differs from the precondition (including the
///   saved-search wildcard `"*"`) is refused before anything is sent: the two would disagree about
///   whether the write is conditional.
/// * [`IfNoneMatchStar`](Self::IfNoneMatchStar) (create only) sends `If-None-Match: *`; a body that
///   carries an etag is refused (an etag means "update that version", not "create").
/// * [`None`](Self::None) is a deliberate unconditional write: the body is sent as given (a body
///   `etag` still makes Sentinel check it). Use it only for resources without etags (tables) or a
///   deliberate overwrite; there is no `Default`, so nothing becomes unconditional by omission.
///
/// DELETE has no body, so its precondition is the header alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Unconditional, on purpose (see the type's doc).
    None,
    /// Only if the resource still has this etag (header and body).
    IfMatch(String),
    /// `If-None-Match: *`: only if the resource does not exist yet.
    IfNoneMatchStar,
}

impl Precondition {
    fn headers(&self) -> Result<Vec<(HeaderName, HeaderValue)>, ArmError> {
        Ok(match self {
            Self::None => Vec::new(),
            Self::IfMatch(etag) => {
                let value = HeaderValue::from_str(etag).map_err(|_| ArmError::Config {
                    reason: format!("etag `{}` is not a valid header value", etag.escape_debug()),
                })?;
                vec![(reqwest::header::IF_MATCH, value)]
            }
            Self::IfNoneMatchStar => vec![(
                reqwest::header::IF_NONE_MATCH,
                HeaderValue::from_static("*"),
            )],
        })
    }

    /// The body to send under this precondition (see the type's doc), or why it cannot be sent.
    pub fn apply_to_body(&self, body: &Value) -> Result<Value, ArmError> {
        let body_etag = body.get("etag").and_then(Value::as_str);
        match self {
            Self::None => Ok(body.clone()),
            Self::IfMatch(etag) => match body_etag {
                Some(current) if current == etag => Ok(body.clone()),
                Some(current) => Err(ArmError::Config {
                    reason: format!(
                        "the body carries etag `{current}` but the write is conditional on `{etag}`; send one etag (the one read from the live resource)"
                    ),
                }),
                None => {
                    let mut body = body.clone();
                    if let Some(map) = body.as_object_mut() {
                        map.insert("etag".into(), Value::String(etag.clone()));
                    }
                    Ok(body)
                }
            },
            Self::IfNoneMatchStar => match body_etag {
                Some(current) => Err(ArmError::Config {
                    reason: format!(
                        "a create (`If-None-Match: *`) must not carry an etag, but the body has `{current}`; drop the etag or update with `If-Match`"
                    ),
                }),
                None => Ok(body.clone()),
            },
        }
    }
}

/// A resource read with GET.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    /// The JSON body as ARM returned it.
    pub body: Value,
    /// The body's `etag`, else the `ETag` header.
    pub etag: Option<String>,
}

/// The result of a successful PUT.
#[derive(Debug, Clone, PartialEq)]
pub struct PutOutcome {
    /// 200 (updated) or 201 (created); a retried PUT may report 200 for its own create.
    pub status: u16,
    /// The response body (`Value::Null` when empty).
    pub body: Value,
    /// The new etag (body `etag`, else `ETag` header).
    pub etag: Option<String>,
    /// An earlier attempt died on the wire or with a 5xx and may itself have been applied.
    pub earlier_attempt_may_have_landed: bool,
    /// `x-ms-request-id` of the answer, for audit trails and support cases.
    pub request_id: Option<String>,
}

/// The result of a DELETE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteOutcome {
    /// 200/202/204, or 404 when the resource was already gone.
    pub status: u16,
    /// False when ARM said there was nothing to delete (204 or 404).
    pub existed: bool,
    /// `x-ms-request-id` of the answer, when there was one.
    pub request_id: Option<String>,
}

/// The client. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct ArmClient {
    endpoint: Url,
    engine: Engine,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("scope", &self.engine.scope())
            .finish_non_exhaustive()
    }
}

impl ArmClient {
    /// Validates the configuration and builds the HTTP client.
    pub fn new(config: ArmClientConfig) -> Result<Self, ArmError> {
        check_endpoint(&config.endpoint, config.allow_insecure_http)?;
        let http = build_http_client(config.ca_file.as_deref(), &config.user_agent)?;
        let scope = config
            .scope
            .unwrap_or_else(|| crate::config::default_scope(&config.endpoint));
        let limits = config.limits.unwrap_or_else(|| {
            Arc::new(SubscriptionLimits::new(LimitsConfig::concurrency_only(
                config.concurrency,
            )))
        });
        Ok(Self {
            engine: Engine::new(
                http,
                TokenCache::new(config.credential, scope),
                config.auth_label,
                config.retry,
                config.retry_budget,
                limits,
            ),
            endpoint: config.endpoint,
        })
    }

    /// The ARM endpoint every request goes to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Signs in (when no token is cached) and tells who the token is for; `None` when the token is
    /// not a JWT. The token itself is never returned.
    pub async fn identity(&self) -> Result<Option<crate::whoami::Identity>, ArmError> {
        self.engine.identity().await
    }

    /// Counters and budgets since the client was built.
    pub fn stats(&self) -> ClientStats {
        self.engine.stats()
    }

    /// Every item of a collection, following `nextLink` across pages (one LIST per page, never N GETs).
    /// Accepts `{value, nextLink}` pages and, leniently, a bare JSON array.
    pub async fn list(&self, url: &str) -> Result<Vec<Value>, ArmError> {
        let mut items = Vec::new();
        let mut next = Some(url.to_owned());
        let mut seen = BTreeSet::new();
        while let Some(page_url) = next.take() {
            if !seen.insert(page_url.clone()) || seen.len() > MAX_PAGES {
                return Err(ArmError::Config {
                    reason: format!("ARM paging did not terminate at `{}`", shown(&page_url)),
                });
            }
            let (reply, _) = self
                .send("GET", &page_url, None, &Precondition::None)
                .await?;
            let page = parse_json(&reply)?;
            next = page
                .get("nextLink")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            match page {
                Value::Array(values) => items.extend(values),
                Value::Object(mut map) => match map.remove("value") {
                    Some(Value::Array(values)) => items.extend(values),
                    Some(Value::Null) | None => {}
                    Some(_) => return Err(unexpected(&reply, "`value` is not an array")),
                },
                _ => return Err(unexpected(&reply, "a list page is not a JSON object")),
            }
        }
        Ok(items)
    }

    /// One resource, or `None` when ARM answers 404.
    pub async fn get(&self, url: &str) -> Result<Option<Resource>, ArmError> {
        match self.send("GET", url, None, &Precondition::None).await {
            Ok((reply, _)) => {
                let body = parse_json(&reply)?;
                Ok(Some(Resource {
                    etag: etag_of(&body, &reply.headers),
                    body,
                }))
            }
            Err(ArmError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or replaces a resource under `cond` (see [`Precondition`] for what goes into the body
    /// and headers). See the module doc for what a retried PUT means.
    pub async fn put(
        &self,
        url: &str,
        body: &Value,
        cond: Precondition,
    ) -> Result<PutOutcome, ArmError> {
        let body = cond.apply_to_body(body)?;
        let (reply, landed) = self.send("PUT", url, Some(&body), &cond).await?;
        let body = parse_json(&reply)?;
        Ok(PutOutcome {
            status: reply.status,
            etag: etag_of(&body, &reply.headers),
            body,
            earlier_attempt_may_have_landed: landed,
            request_id: reply.request.request_id.clone(),
        })
    }

    /// Deletes a resource; a missing resource (204 or 404) is success with `existed: false`.
    /// `cond` is sent as a header (`If-Match: <etag>` for a guarded delete). A 202 (accepted, still
    /// running) returns at once; use [`delete_and_wait`](Self::delete_and_wait) for watchlists and
    /// tables, whose deletes are long-running.
    pub async fn delete(&self, url: &str, cond: Precondition) -> Result<DeleteOutcome, ArmError> {
        self.delete_inner(url, cond, false).await
    }

    /// Like [`delete`](Self::delete), then follows the long-running operation (the
    /// `Azure-AsyncOperation` header, else `Location`) until it ends (`shared/specs/NOTES.md`
    /// §10.7). A `Failed` or `Canceled` operation is [`ArmError::OperationFailed`].
    pub async fn delete_and_wait(
        &self,
        url: &str,
        cond: Precondition,
    ) -> Result<DeleteOutcome, ArmError> {
        self.delete_inner(url, cond, true).await
    }

    /// Like [`put`](Self::put), then follows the long-running operation a watchlist or table PUT
    /// starts (201/202 with `Azure-AsyncOperation`) until it ends, and returns the resource as it
    /// then is (one GET) when the operation was long-running.
    pub async fn put_and_wait(
        &self,
        url: &str,
        body: &Value,
        cond: Precondition,
    ) -> Result<PutOutcome, ArmError> {
        let sent = cond.apply_to_body(body)?;
        let (reply, landed) = self.send("PUT", url, Some(&sent), &cond).await?;
        let first = parse_json(&reply)?;
        let mut outcome = PutOutcome {
            status: reply.status,
            etag: etag_of(&first, &reply.headers),
            body: first,
            earlier_attempt_may_have_landed: landed,
            request_id: reply.request.request_id.clone(),
        };
        if self.follow_operation(&reply).await?
            && let Some(now) = self.get(url).await?
        {
            outcome.etag = now.etag;
            outcome.body = now.body;
        }
        Ok(outcome)
    }

    async fn delete_inner(
        &self,
        url: &str,
        cond: Precondition,
        wait: bool,
    ) -> Result<DeleteOutcome, ArmError> {
        if cond == Precondition::IfNoneMatchStar {
            return Err(ArmError::Config {
                reason: "`If-None-Match: *` makes no sense on a DELETE; use `If-Match` with the live etag".into(),
            });
        }
        match self.send("DELETE", url, None, &cond).await {
            Ok((reply, _)) => {
                if wait {
                    self.follow_operation(&reply).await?;
                }
                Ok(DeleteOutcome {
                    status: reply.status,
                    existed: reply.status != 204,
                    request_id: reply.request.request_id.clone(),
                })
            }
            Err(ArmError::NotFound { request, .. }) => Ok(DeleteOutcome {
                status: 404,
                existed: false,
                request_id: request.request_id,
            }),
            Err(e) => Err(e),
        }
    }

    /// Polls the operation `reply` started, if any, until it ends; true when there was one.
    async fn follow_operation(&self, reply: &Reply) -> Result<bool, ArmError> {
        let header = |name: &str| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let (url, via_status) = match (header("azure-asyncoperation"), header("location")) {
            (Some(op), _) => (op, true),
            (None, Some(location)) if reply.status == 202 => (location, false),
            _ => return Ok(false),
        };
        let started = Instant::now();
        let mut wait = poll_wait(&reply.headers);
        loop {
            tokio::time::sleep(wait).await;
            let (status, body, headers) =
                match self.send("GET", &url, None, &Precondition::None).await {
                    Ok((r, _)) => (r.status, parse_json(&r)?, r.headers),
                    // A `Location` that no longer resolves after a DELETE: the resource is gone.
                    Err(ArmError::NotFound { .. }) if !via_status => return Ok(true),
                    Err(e) => return Err(e),
                };
            let state = if via_status {
                body.get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("InProgress")
                    .to_owned()
            } else if status == 202 {
                "InProgress".to_owned()
            } else {
                "Succeeded".to_owned()
            };
            match state.to_ascii_lowercase().as_str() {
                "succeeded" => return Ok(true),
                "failed" | "canceled" | "cancelled" => {
                    let error = body.get("error");
                    let text = |k: &str| {
                        error
                            .and_then(|e| e.get(k))
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned()
                    };
                    return Err(ArmError::OperationFailed {
                        request: Box::new(reply.request.clone()),
                        status: state,
                        code: text("code"),
                        message: text("message"),
                    });
                }
                _ => {}
            }
            if started.elapsed() > OPERATION_TIMEOUT {
                return Err(ArmError::OperationFailed {
                    request: Box::new(reply.request.clone()),
                    status: state,
                    code: "Timeout".into(),
                    message: format!("still not finished after {} s", OPERATION_TIMEOUT.as_secs()),
                });
            }
            wait = poll_wait(&headers);
        }
    }

    /// The workspace itself (`GET` of its ARM id), or `None` when it does not exist.
    pub async fn workspace(&self, ws: &WorkspaceRef) -> Result<Option<ArmWorkspace>, ArmError> {
        let Some(found) = self.get(&ws.workspace_path()).await? else {
            return Ok(None);
        };
        ArmWorkspace::from_json(&found.body).map(Some)
    }

    /// The workspace's `customerId`: the GUID the Log Analytics query API addresses it by
    /// (`shared/specs/NOTES.md` §16). A missing workspace is [`ArmError::NotFound`].
    pub async fn workspace_customer_id(&self, ws: &WorkspaceRef) -> Result<String, ArmError> {
        let path = ws.workspace_path();
        let shown =
            resolve(&self.endpoint, &path).map_or_else(|_| path.clone(), |u| redact_url(&u));
        let request = || {
            Box::new(crate::error::RequestInfo {
                method: "GET",
                url: shown.clone(),
                request_id: None,
                correlation_id: None,
            })
        };
        let Some(workspace) = self.workspace(ws).await? else {
            return Err(ArmError::NotFound {
                request: request(),
                code: "ResourceNotFound".into(),
                message: format!(
                    "workspace `{}` does not exist in resource group `{}` of subscription `{}`",
                    ws.workspace, ws.resource_group, ws.subscription_id
                ),
            });
        };
        workspace
            .customer_id()
            .map(str::to_owned)
            .ok_or_else(|| ArmError::Http {
                method: "GET",
                url: shown.clone(),
                status: 200,
                request_id: None,
                body: "unexpected response (the workspace has no `properties.customerId`)".into(),
                budget_exhausted: false,
            })
    }

    async fn send(
        &self,
        method: &'static str,
        input: &str,
        body: Option<&Value>,
        cond: &Precondition,
    ) -> Result<(Reply, bool), ArmError> {
        let url = resolve(&self.endpoint, input)?;
        let body = body
            .map(|b| {
                serde_json::to_vec(b).map_err(|e| ArmError::Config {
                    reason: format!("cannot serialize request body: {e}"),
                })
            })
            .transpose()?;
        let call = Call {
            method,
            url: &url,
            body,
            headers: cond.headers()?,
            subscription: subscription_of(url.path()).unwrap_or_default(),
            safe: method == "GET",
        };
        self.engine.send(&call).await
    }
}

/// The wait before the next poll: the service's `Retry-After` (capped), else [`POLL_DEFAULT`].
fn poll_wait(headers: &HeaderMap) -> Duration {
    crate::retry::parse_retry_after(
        |n| headers.get(n).and_then(|v| v.to_str().ok()),
        SystemTime::now(),
    )
    .map_or(POLL_DEFAULT, |d| d.min(POLL_MAX))
}

fn parse_json(reply: &Reply) -> Result<Value, ArmError> {
    if reply.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&reply.body)
        .map_err(|e| unexpected(reply, &format!("invalid JSON: {e}")))
}

fn unexpected(reply: &Reply, why: &str) -> ArmError {
    ArmError::Http {
        method: reply.request.method,
        url: reply.request.url.clone(),
        status: reply.status,
        request_id: reply.request.request_id.clone(),
        body: format!(
            "unexpected response ({why}): {}",
            crate::error::truncate_body(&reply.body)
        ),
        budget_exhausted: false,
    }
}

/// The live etag a 409/412 answer revealed: an `ETag` header, else an `etag` member of the body.
pub(crate) fn etag_of_error(body: &[u8], headers: &HeaderMap) -> Option<String> {
    let header = headers
        .get(reqwest::header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    header.or_else(|| {
        serde_json::from_slice::<Value>(body)
            .ok()?
            .get("etag")?
            .as_str()
            .map(str::to_owned)
    })
}

fn etag_of(body: &Value, headers: &HeaderMap) -> Option<String> {
    body.get("etag")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            headers
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
}

fn shown(url: &str) -> String {
    Url::parse(url).map_or_else(
        |_| url.split('?').next().unwrap_or_default().to_owned(),
        |u| redact_url(&u),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn if_match_puts_the_etag_into_the_body_too() {
        let cond = Precondition::IfMatch("\"e1\"".into());
        let body = cond
            .apply_to_body(&json!({"kind": "Scheduled", "properties": {}}))
            .unwrap();
        assert_eq!(body["etag"], "\"e1\"");
        let same = cond
            .apply_to_body(&json!({"etag": "\"e1\"", "properties": {}}))
            .unwrap();
        assert_eq!(same["etag"], "\"e1\"");
        let headers = cond.headers().unwrap();
        assert_eq!(headers[0].0, reqwest::header::IF_MATCH);
        assert_eq!(headers[0].1, "\"e1\"");
    }

    #[test]
    fn contradicting_etags_are_refused_before_sending() {
        let cond = Precondition::IfMatch("\"e1\"".into());
        for body in [json!({"etag": "\"e0\""}), json!({"etag": "*"})] {
            let err = cond.apply_to_body(&body).unwrap_err().to_string();
            assert!(err.contains("conditional on `\"e1\"`"), "{err}");
        }
        let err = Precondition::IfNoneMatchStar
            .apply_to_body(&json!({"etag": "*", "properties": {}}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("must not carry an etag"), "{err}");
        assert!(
            Precondition::IfMatch("bad\nvalue".into())
                .headers()
                .is_err()
        );
    }

    #[test]
    fn unconditional_writes_send_the_body_as_given() {
        let body = json!({"etag": "*", "properties": {"query": "T"}});
        assert_eq!(Precondition::None.apply_to_body(&body).unwrap(), body);
        assert!(Precondition::None.headers().unwrap().is_empty());
        let create = Precondition::IfNoneMatchStar
            .apply_to_body(&json!({"properties": {}}))
            .unwrap();
        assert!(create.get("etag").is_none());
    }

    #[test]
    fn error_etags_come_from_the_header_or_the_body() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            etag_of_error(br#"{"etag":"\"b\""}"#, &headers),
            Some("\"b\"".into())
        );
        headers.insert(reqwest::header::ETAG, HeaderValue::from_static("\"h\""));
        assert_eq!(etag_of_error(b"not json", &headers), Some("\"h\"".into()));
        assert_eq!(etag_of_error(b"{}", &HeaderMap::new()), None);
    }
}
