//! [`ArmClient`]: authenticated LIST/GET/PUT/DELETE against Azure Resource Manager (or the emulator),
//! with retries, a shared retry budget, per-subscription concurrency and request tracing.
//!
//! Owns: the request loop (token → send → classify → maybe wait and retry), paging over `nextLink`,
//! conditional headers, request counters, and one tracing event per attempt (method, redacted URL,
//! status, `x-ms-request-id`, `x-ms-correlation-request-id`, attempt, elapsed).
//!
//! Does not: know resource shapes (`resources/`), build paths (`address.rs`), choose credentials
//! (`auth.rs`) or decide what a conflict means for a plan (the caller re-reads and decides).
//!
//! Retried writes: PUT and DELETE are retried after 429, retryable 5xx and connection errors, because
//! ARM PUT/DELETE are idempotent. When an earlier attempt died on the wire or with a 5xx, it may
//! have been applied; if the retry then fails with 409/412 (a precondition that the first attempt
//! itself invalidated), the error carries `earlier_attempt_may_have_landed: true` and successful
//! outcomes carry the same flag. The caller should GET the resource and compare before reporting a
//! conflict.
//!
//! Invariants: the bearer token is only sent to the configured endpoint's origin, in a header marked
//! sensitive, and never logged; every attempt counts in [`ClientStats::requests`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use crate::address::subscription_of;
use crate::config::ArmClientConfig;
use crate::error::{ArmError, FailureContext, RequestInfo};
use crate::request_url::{check_endpoint, redact_url, resolve};
use crate::retry::{RetryBudget, RetryPolicy, is_retryable_status, jitter, parse_retry_after};
use crate::tls::build_http_client;
use crate::token_cache::TokenCache;

/// How a TLS failure is described; such failures are not retried (the certificate will not change).
const TLS_FAILURE: &str = "TLS handshake failed (is the endpoint's CA trusted? see `--ca-file`)";

/// Upper bound on pages followed by one LIST (a server looping on `nextLink` cannot hang us).
const MAX_PAGES: usize = 10_000;

/// A write's concurrency precondition, sent as a header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// Unconditional.
    #[default]
    None,
    /// `If-Match: <etag>`: only if the resource still has this etag.
    IfMatch(String),
    /// `If-None-Match: *`: only if the resource does not exist yet.
    IfNoneMatchStar,
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
}

/// The result of a DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteOutcome {
    /// 200/202/204, or 404 when the resource was already gone.
    pub status: u16,
    /// False when ARM said there was nothing to delete (204 or 404).
    pub existed: bool,
}

/// Request counters since the client was built (for benchmark reports).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP attempts sent (including retries and pages).
    pub requests: u64,
    /// Attempts that were retries of an earlier one.
    pub retries: u64,
    /// Responses with status 429.
    pub throttled: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

/// A response that came back, successful or not.
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    request: RequestInfo,
}

/// The client. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct ArmClient {
    http: reqwest::Client,
    endpoint: Url,
    tokens: TokenCache,
    auth_label: String,
    retry: RetryPolicy,
    budget: RetryBudget,
    concurrency: usize,
    limits: Mutex<BTreeMap<String, Arc<Semaphore>>>,
    /// When ARM last said "slow down": no request of this client starts before this instant, so
    /// parallel writers wait together instead of each collecting its own 429.
    paused_until: Mutex<Option<tokio::time::Instant>>,
    counters: Counters,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("scope", &self.tokens.scope())
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
        Ok(Self {
            http,
            tokens: TokenCache::new(config.credential, scope),
            endpoint: config.endpoint,
            auth_label: config.auth_label,
            retry: config.retry,
            budget: RetryBudget::new(config.retry_budget),
            concurrency: config.concurrency.max(1),
            limits: Mutex::new(BTreeMap::new()),
            paused_until: Mutex::new(None),
            counters: Counters::default(),
        })
    }

    /// The ARM endpoint every request goes to.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Counters since the client was built.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            throttled: self.counters.throttled.load(Ordering::Relaxed),
        }
    }

    /// Every item of a collection, following `nextLink` across pages (one LIST per page, never N GETs).
    /// Accepts `{value, nextLink}` pages and, leniently, a bare JSON array.
    pub async fn list(&self, url: &str) -> Result<Vec<Value>, ArmError> {
        let mut items = Vec::new();
        let mut next = Some(url.to_owned());
        let mut seen = std::collections::BTreeSet::new();
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

    /// Creates or replaces a resource. See the module doc for what a retried PUT means.
    pub async fn put(
        &self,
        url: &str,
        body: &Value,
        cond: Precondition,
    ) -> Result<PutOutcome, ArmError> {
        let (reply, landed) = self.send("PUT", url, Some(body), &cond).await?;
        let body = parse_json(&reply)?;
        Ok(PutOutcome {
            status: reply.status,
            etag: etag_of(&body, &reply.headers),
            body,
            earlier_attempt_may_have_landed: landed,
        })
    }

    /// Deletes a resource; a missing resource (204 or 404) is success with `existed: false`.
    pub async fn delete(&self, url: &str, cond: Precondition) -> Result<DeleteOutcome, ArmError> {
        match self.send("DELETE", url, None, &cond).await {
            Ok((reply, _)) => Ok(DeleteOutcome {
                status: reply.status,
                existed: reply.status != 204,
            }),
            Err(ArmError::NotFound { .. }) => Ok(DeleteOutcome {
                status: 404,
                existed: false,
            }),
            Err(e) => Err(e),
        }
    }

    fn limit_for(&self, url: &Url) -> Arc<Semaphore> {
        let key = subscription_of(url.path()).unwrap_or_default();
        let mut limits = self
            .limits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        limits
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.concurrency)))
            .clone()
    }

    /// The retry loop. Returns the successful reply and whether an earlier attempt may have landed.
    /// A 401 is retried once with a fresh token (outside the retry budget): tokens can be revoked or
    /// expire early.
    async fn send(
        &self,
        method: &'static str,
        input: &str,
        body: Option<&Value>,
        cond: &Precondition,
    ) -> Result<(Reply, bool), ArmError> {
        let url = resolve(&self.endpoint, input)?;
        let limit = self.limit_for(&url);
        let mut ctx = FailureContext::default();
        let mut attempt = 0u32;
        let mut reauthenticated = false;
        loop {
            self.wait_while_paused().await;
            let outcome = {
                let _permit = limit.acquire().await.map_err(|_| ArmError::Config {
                    reason: "client is shutting down".into(),
                })?;
                self.attempt(method, &url, body, cond, attempt).await?
            };
            let wait = match outcome {
                Ok(reply) if reply.status < 400 => {
                    self.budget.on_success();
                    return Ok((reply, ctx.earlier_attempt_may_have_landed));
                }
                Ok(reply) if reply.status == 401 && !reauthenticated => {
                    reauthenticated = true;
                    self.tokens.invalidate().await;
                    Duration::ZERO
                }
                Ok(reply) => self.after_failed_reply(method, attempt, reply, &mut ctx)?,
                Err(reason) => {
                    if !self.may_retry(attempt, &mut ctx) {
                        let budget_exhausted = ctx.budget_exhausted;
                        let url = redact_url(&url);
                        return Err(ArmError::Transport {
                            method,
                            url,
                            reason,
                            budget_exhausted,
                        });
                    }
                    ctx.earlier_attempt_may_have_landed |= method != "GET";
                    self.retry.delay(attempt, None, jitter())
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Decides about a non-success reply: the wait before the next attempt, or the final error.
    fn after_failed_reply(
        &self,
        method: &'static str,
        attempt: u32,
        reply: Reply,
        ctx: &mut FailureContext,
    ) -> Result<Duration, ArmError> {
        let retry_after = parse_retry_after(
            |n| reply.headers.get(n).and_then(|v| v.to_str().ok()),
            SystemTime::now(),
        );
        ctx.retry_after = retry_after;
        if reply.status == 429 && attempt < self.retry.max_throttle_retries {
            let wait = self.retry.delay(attempt.min(5), retry_after, jitter());
            self.pause_for(wait);
            return Ok(wait);
        }
        if !is_retryable_status(reply.status) || !self.may_retry(attempt, ctx) {
            return Err(ArmError::from_response(
                reply.request,
                reply.status,
                &reply.body,
                *ctx,
            ));
        }
        ctx.earlier_attempt_may_have_landed |= method != "GET" && reply.status >= 500;
        Ok(self.retry.delay(attempt, retry_after, jitter()))
    }

    /// Holds every request of this client until `wait` from now (extends, never shortens).
    fn pause_for(&self, wait: Duration) {
        let until = tokio::time::Instant::now() + wait;
        let mut paused = self
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    async fn wait_while_paused(&self) {
        let until = *self
            .paused_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(until) = until {
            tokio::time::sleep_until(until).await;
        }
    }

    /// Whether retry number `attempt` may happen: under the attempt cap and paid from the budget.
    fn may_retry(&self, attempt: u32, ctx: &mut FailureContext) -> bool {
        if attempt >= self.retry.max_retries {
            return false;
        }
        let paid = self.budget.try_spend();
        ctx.budget_exhausted = !paid;
        paid
    }

    /// One HTTP exchange. `Ok(Err(reason))` is a transport failure (retryable); the outer `Err` is
    /// fatal (no token, unserializable body, untrusted TLS certificate).
    async fn attempt(
        &self,
        method: &'static str,
        url: &Url,
        body: Option<&Value>,
        cond: &Precondition,
        attempt: u32,
    ) -> Result<Result<Reply, String>, ArmError> {
        let request = self.build_request(method, url, body, cond).await?;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let shown_url = redact_url(url);
        let result = match request.send().await {
            Ok(response) => read_reply(method, &shown_url, response).await,
            Err(e) => Err(describe_transport(&e)),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match &result {
            Ok(reply) => {
                if reply.status == 429 {
                    self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                }
                let (rid, cid) = (&reply.request.request_id, &reply.request.correlation_id);
                tracing::debug!(
                    target: "sentinel_arm::http",
                    method, url = %shown_url, status = reply.status,
                    request_id = rid.as_deref().unwrap_or("-"),
                    correlation_id = cid.as_deref().unwrap_or("-"),
                    attempt, elapsed_ms, "arm request"
                );
            }
            Err(reason) => {
                tracing::debug!(
                    target: "sentinel_arm::http",
                    method, url = %shown_url, attempt, elapsed_ms, error = %reason, "arm request failed"
                );
            }
        }
        match result {
            Err(reason) if reason.starts_with(TLS_FAILURE) => Err(ArmError::Transport {
                method,
                url: shown_url,
                reason,
                budget_exhausted: false,
            }),
            other => Ok(other),
        }
    }

    /// The request with token, conditional header and JSON body.
    async fn build_request(
        &self,
        method: &'static str,
        url: &Url,
        body: Option<&Value>,
        cond: &Precondition,
    ) -> Result<reqwest::RequestBuilder, ArmError> {
        let token = self.token().await?;
        let verb = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = self
            .http
            .request(verb, url.clone())
            .header(reqwest::header::AUTHORIZATION, token)
            .header(reqwest::header::ACCEPT, "application/json");
        request = match cond {
            Precondition::None => request,
            Precondition::IfMatch(etag) => request.header(reqwest::header::IF_MATCH, etag.as_str()),
            Precondition::IfNoneMatchStar => request.header(reqwest::header::IF_NONE_MATCH, "*"),
        };
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| ArmError::Config {
                reason: format!("cannot serialize request body: {e}"),
            })?;
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        Ok(request)
    }

    /// `Bearer <token>` as a sensitive header value (hidden from reqwest's and hyper's Debug).
    async fn token(&self) -> Result<HeaderValue, ArmError> {
        let token = self.tokens.token().await.map_err(|e| ArmError::Auth {
            method: self.auth_label.clone(),
            reason: crate::auth::describe_credential_error(&e),
        })?;
        let mut value = HeaderValue::from_str(&format!("Bearer {}", token.token.secret()))
            .map_err(|_| ArmError::Auth {
                method: self.auth_label.clone(),
                reason: "the token is not a valid header value".into(),
            })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

async fn read_reply(
    method: &'static str,
    shown_url: &str,
    response: reqwest::Response,
) -> Result<Reply, String> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let request = RequestInfo {
        method,
        url: shown_url.to_owned(),
        request_id: header("x-ms-request-id"),
        correlation_id: header("x-ms-correlation-request-id"),
    };
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reading the response body failed: {}", chain(&e)))?;
    Ok(Reply {
        status,
        headers,
        body: body.to_vec(),
        request,
    })
}

fn describe_transport(e: &reqwest::Error) -> String {
    let what = if crate::tls::is_tls_failure(e) {
        TLS_FAILURE
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_timeout() {
        "timed out"
    } else {
        "request failed"
    };
    format!("{what}: {}", chain(e))
}

/// The causes under a reqwest error, joined. reqwest's own top-level text repeats the URL (with its
/// query), so it is skipped; the useful part (refused, TLS, reset) is in the sources.
fn chain(e: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        parts.push(if e.is_body() {
            "the body was cut off".to_owned()
        } else {
            "no further detail".to_owned()
        });
    }
    parts.join(": ")
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
