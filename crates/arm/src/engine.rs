//! The request loop shared by [`crate::ArmClient`] and [`crate::LogsQueryClient`]: token → send →
//! classify → maybe wait and retry, with one tracing event per attempt.
//!
//! Owns: the two retry budgets and how they differ, the 401 re-authentication, the "did an earlier
//! attempt land?" bookkeeping, request counters ([`ClientStats`]), and reading a reply.
//!
//! * **Throttling (429)** is the service asking us to slow down, not a failure. A throttled request
//!   waits `Retry-After` (capped by [`RetryPolicy::max_retry_after`]) and is retried up to
//!   [`RetryPolicy::max_throttle_retries`] times and [`RetryPolicy::max_throttle_wait`] of total
//!   waiting; it never spends the shared failure budget. A 429 pauses the subscription that got it
//!   (see `limits.rs`), so parallel requests wait together instead of each collecting its own 429.
//! * **Failures** (408, retryable 5xx, connection errors) are retried up to
//!   [`RetryPolicy::max_retries`] times, each retry paid from the client's [`RetryBudget`], with
//!   jittered exponential backoff. The two counters are separate: five throttles followed by a
//!   5xx still leave the 5xx all of its retries (`docs/architecture.md`).
//!
//! Does not: build URLs or know resource shapes (the clients do), or decide what a conflict means.
//!
//! Invariants: the bearer token is sent in a header marked sensitive and never logged; every attempt
//! counts in [`ClientStats::requests`]; URLs in events and errors are redacted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::error::{ArmError, FailureContext, RequestInfo};
use crate::limits::SubscriptionLimits;
use crate::request_url::redact_url;
use crate::retry::{RetryBudget, RetryPolicy, is_retryable_status, jitter, parse_retry_after};
use crate::token_cache::TokenCache;

/// How a TLS failure is described; such failures are not retried (the certificate will not change).
const TLS_FAILURE: &str = "TLS handshake failed (is the endpoint's CA trusted? see `--ca-file`)";

/// Request counters and budgets since the client was built (for logs and benchmark reports).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP attempts sent (including retries and pages).
    pub requests: u64,
    /// Attempts that were retries of an earlier one (throttle + failure + re-authentication).
    pub retries: u64,
    /// Responses with status 429.
    pub throttled: u64,
    /// Retries after a 429 (never paid from the failure budget).
    pub throttle_retries: u64,
    /// Milliseconds spent waiting before throttle retries, summed over all requests.
    pub throttle_wait_ms: u64,
    /// Retries after a failure (408, 5xx, connection error), each paid from the failure budget.
    pub failure_retries: u64,
    /// Whole failure retries left in the shared budget right now.
    pub failure_budget_available: u64,
    /// Size of the shared failure budget.
    pub failure_budget_capacity: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    throttle_retries: AtomicU64,
    throttle_wait_ms: AtomicU64,
    failure_retries: AtomicU64,
}

/// A response that came back, successful or not.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) request: RequestInfo,
}

/// One logical request (possibly several attempts).
pub(crate) struct Call<'a> {
    pub(crate) method: &'static str,
    pub(crate) url: &'a Url,
    /// JSON body, already serialized.
    pub(crate) body: Option<Vec<u8>>,
    /// Extra headers (conditional headers, `Prefer`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// The subscription the request counts against (lowercase), or "" when none.
    pub(crate) subscription: String,
    /// True when the method has no side effects (GET, or a query POST): an attempt that died on
    /// the wire cannot have changed anything.
    pub(crate) safe: bool,
}

/// The loop's state for one logical request.
#[derive(Default)]
struct Progress {
    failures: u32,
    throttles: u32,
    throttle_waited: Duration,
    reauthenticated: bool,
    ctx: FailureContext,
}

/// Sends requests with retries; shared by the ARM and Log Analytics clients.
pub(crate) struct Engine {
    http: reqwest::Client,
    tokens: TokenCache,
    auth_label: String,
    retry: RetryPolicy,
    budget: RetryBudget,
    limits: Arc<SubscriptionLimits>,
    counters: Counters,
}

impl Engine {
    pub(crate) fn new(
        http: reqwest::Client,
        tokens: TokenCache,
        auth_label: String,
        retry: RetryPolicy,
        budget: u32,
        limits: Arc<SubscriptionLimits>,
    ) -> Self {
        Self {
            http,
            tokens,
            auth_label,
            retry,
            budget: RetryBudget::new(budget),
            limits,
            counters: Counters::default(),
        }
    }

    pub(crate) fn scope(&self) -> &str {
        self.tokens.scope()
    }

    /// The identity of the current token (signing in when needed).
    pub(crate) async fn identity(&self) -> Result<Option<crate::whoami::Identity>, ArmError> {
        let token = self.tokens.token().await.map_err(|e| ArmError::Auth {
            method: self.auth_label.clone(),
            reason: crate::auth::describe_credential_error(&e),
        })?;
        Ok(crate::whoami::from_token(token.token.secret()))
    }

    pub(crate) fn stats(&self) -> ClientStats {
        let c = &self.counters;
        ClientStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
            throttle_retries: c.throttle_retries.load(Ordering::Relaxed),
            throttle_wait_ms: c.throttle_wait_ms.load(Ordering::Relaxed),
            failure_retries: c.failure_retries.load(Ordering::Relaxed),
            failure_budget_available: self.budget.available(),
            failure_budget_capacity: self.budget.capacity(),
        }
    }

    /// The retry loop. Returns the successful reply and whether an earlier attempt may have landed.
    /// A 401 is retried once with a fresh token (outside both budgets): tokens can be revoked or
    /// expire early.
    pub(crate) async fn send(&self, call: &Call<'_>) -> Result<(Reply, bool), ArmError> {
        let mut p = Progress::default();
        let mut attempt = 0u32;
        loop {
            let outcome = {
                let _permit = self.limits.acquire(&call.subscription, call.safe).await?;
                self.attempt(call, attempt).await?
            };
            let wait = match outcome {
                Ok(reply) if reply.status < 400 => {
                    self.budget.on_success();
                    return Ok((reply, p.ctx.earlier_attempt_may_have_landed));
                }
                Ok(reply) if reply.status == 401 && !p.reauthenticated => {
                    p.reauthenticated = true;
                    self.tokens.invalidate().await;
                    Duration::ZERO
                }
                Ok(reply) if reply.status == 429 => self.after_throttle(call, reply, &mut p)?,
                Ok(reply) => self.after_failed_reply(call, reply, &mut p)?,
                Err(reason) => {
                    if !self.may_retry_failure(&mut p) {
                        return Err(ArmError::Transport {
                            method: call.method,
                            url: redact_url(call.url),
                            reason,
                            budget_exhausted: p.ctx.budget_exhausted,
                        });
                    }
                    p.ctx.earlier_attempt_may_have_landed |= !call.safe;
                    self.retry.delay(p.failures - 1, None, jitter())
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
            self.counters.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A 429: wait as told (capped) unless the throttle cap or the total throttle wait is spent.
    fn after_throttle(
        &self,
        call: &Call<'_>,
        reply: Reply,
        p: &mut Progress,
    ) -> Result<Duration, ArmError> {
        let retry_after = retry_after_of(&reply.headers);
        let wait = self.retry.delay(p.throttles.min(5), retry_after, jitter());
        let within_cap = p.throttles < self.retry.max_throttle_retries;
        let within_wait = p.throttle_waited + wait <= self.retry.max_throttle_wait;
        if !(within_cap && within_wait) {
            return Err(ArmError::Throttled {
                request: Box::new(reply.request),
                retry_after,
                budget_exhausted: false,
                attempts: p.throttles + 1,
                waited: p.throttle_waited,
            });
        }
        p.throttles += 1;
        p.throttle_waited += wait;
        self.counters
            .throttle_retries
            .fetch_add(1, Ordering::Relaxed);
        self.counters.throttle_wait_ms.fetch_add(
            u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.limits.pause(&call.subscription, wait);
        Ok(wait)
    }

    /// Any other non-success reply: the wait before the next attempt, or the final error.
    fn after_failed_reply(
        &self,
        call: &Call<'_>,
        reply: Reply,
        p: &mut Progress,
    ) -> Result<Duration, ArmError> {
        let retry_after = retry_after_of(&reply.headers);
        p.ctx.retry_after = retry_after;
        if !is_retryable_status(reply.status) || !self.may_retry_failure(p) {
            p.ctx.current_etag = crate::client::etag_of_error(&reply.body, &reply.headers);
            return Err(ArmError::from_response(
                reply.request,
                reply.status,
                &reply.body,
                p.ctx.clone(),
            ));
        }
        p.ctx.earlier_attempt_may_have_landed |= !call.safe && reply.status >= 500;
        Ok(self.retry.delay(p.failures - 1, retry_after, jitter()))
    }

    /// Whether one more failure retry may happen: under the cap and paid from the budget.
    fn may_retry_failure(&self, p: &mut Progress) -> bool {
        if p.failures >= self.retry.max_retries {
            return false;
        }
        let paid = self.budget.try_spend();
        p.ctx.budget_exhausted = !paid;
        if paid {
            p.failures += 1;
            self.counters
                .failure_retries
                .fetch_add(1, Ordering::Relaxed);
        }
        paid
    }

    /// One HTTP exchange. `Ok(Err(reason))` is a transport failure (retryable); the outer `Err` is
    /// fatal (no token, untrusted TLS certificate).
    async fn attempt(
        &self,
        call: &Call<'_>,
        attempt: u32,
    ) -> Result<Result<Reply, String>, ArmError> {
        let request = self.build_request(call).await?;
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let shown_url = redact_url(call.url);
        let method = call.method;
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

    /// The request with token, extra headers and JSON body.
    async fn build_request(&self, call: &Call<'_>) -> Result<reqwest::RequestBuilder, ArmError> {
        let token = self.token().await?;
        let verb =
            reqwest::Method::from_bytes(call.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut request = self
            .http
            .request(verb, call.url.clone())
            .header(reqwest::header::AUTHORIZATION, token)
            .header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
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

fn retry_after_of(headers: &HeaderMap) -> Option<Duration> {
    parse_retry_after(
        |n| headers.get(n).and_then(|v| v.to_str().ok()),
        SystemTime::now(),
    )
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
