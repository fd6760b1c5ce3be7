//! `ArmError`: every way a call to Azure Resource Manager can fail, in a shape callers branch on.
//!
//! Owns: the error enum, the mapping from an HTTP status plus ARM's error body
//! (`{"error":{"code","message","details"}}`, Workbooks' `innererror` and SavedSearches' bare bodies
//! included) to a variant, and the human text: `Display` is a lowercase phrase with no trailing
//! period, and [`ArmError::hint`] is the separate "help:" line the CLI prints under it.
//!
//! Does not: print anything, decide whether to retry (that is `retry.rs`), or hold secrets. Every URL
//! stored here has passed through [`crate::redact::redact_url`]; bodies are cut to
//! [`MAX_BODY_BYTES`] on a char boundary.
//!
//! Invariant: no variant carries a bearer token, client secret or assertion; `Debug` is derived and
//! therefore safe to log.

use std::fmt;
use std::time::Duration;

/// The largest error body kept in [`ArmError::Http`] (cargo's `HttpNotSuccessful` keeps 512 too).
pub const MAX_BODY_BYTES: usize = 512;

/// Which request failed: method, redacted URL and ARM's request ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// HTTP method, e.g. `PUT`.
    pub method: &'static str,
    /// The URL without query secrets (see `redact_url`).
    pub url: String,
    /// `x-ms-request-id`, when the server sent one.
    pub request_id: Option<String>,
    /// `x-ms-correlation-request-id`, when the server sent one.
    pub correlation_id: Option<String>,
}

impl fmt::Display for RequestInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{} {}`", self.method, self.url)?;
        if let Some(id) = &self.request_id {
            write!(f, " (x-ms-request-id `{id}`)")?;
        }
        Ok(())
    }
}

/// A failed ARM call. Variants a caller branches on (`NotFound`, `Conflict`, `PreconditionFailed`,
/// `Throttled`) are separate; everything else unusual lands in `Http`.
///
/// Fields shared by the variants: `request` says which call failed (method, redacted URL, request
/// ids); `code` and `message` come from ARM's error body (empty when it had none); `body` is the raw
/// body cut to [`MAX_BODY_BYTES`]; `budget_exhausted` is true when the client's shared retry budget
/// stopped further retries; `reason` is the human cause.
#[derive(Debug)]
#[allow(missing_docs)] // the shared fields are documented once, above
pub enum ArmError {
    /// 401: the token was rejected (expired, wrong tenant or audience).
    Unauthorized {
        request: Box<RequestInfo>,
        code: String,
        message: String,
    },
    /// 403: the principal lacks a role on the scope.
    Forbidden {
        request: Box<RequestInfo>,
        code: String,
        message: String,
    },
    /// 404 where the caller expected the resource (GET of a missing item is `Ok(None)` instead).
    NotFound {
        request: Box<RequestInfo>,
        code: String,
        message: String,
    },
    /// 409: usually a stale body `etag` on a Sentinel resource.
    ///
    /// `earlier_attempt_may_have_landed` is true when an earlier attempt of this same write died on the
    /// wire or with a 5xx and may have been applied: re-read the resource before deciding.
    ///
    /// `current_etag` is the live etag when the answer revealed it (an `ETag` header or a body
    /// `etag`), for the caller's "did it land?" re-read; usually `None`, so GET the resource.
    Conflict {
        request: Box<RequestInfo>,
        code: String,
        message: String,
        earlier_attempt_may_have_landed: bool,
        current_etag: Option<String>,
    },
    /// 412: `If-Match` / `If-None-Match: *` did not hold. Same fields as `Conflict`.
    PreconditionFailed {
        request: Box<RequestInfo>,
        code: String,
        message: String,
        earlier_attempt_may_have_landed: bool,
        current_etag: Option<String>,
    },
    /// 429 after the throttle retries ran out: `attempts` answers were 429 and the request waited
    /// `waited` in total (throttling never spends the failure budget, so `budget_exhausted` is
    /// false unless a caller sets it).
    Throttled {
        request: Box<RequestInfo>,
        retry_after: Option<Duration>,
        budget_exhausted: bool,
        attempts: u32,
        waited: Duration,
    },
    /// 400: the body or URL was rejected; `code` is ARM's error code.
    BadRequest {
        request: Box<RequestInfo>,
        code: String,
        message: String,
    },
    /// Any other non-success status (5xx after retries, 405, ...).
    Http {
        method: &'static str,
        url: String,
        status: u16,
        request_id: Option<String>,
        body: String,
        budget_exhausted: bool,
    },
    /// The request never produced a response (connect, TLS, reset, timeout), after retries.
    Transport {
        method: &'static str,
        url: String,
        reason: String,
        budget_exhausted: bool,
    },
    /// An Azure long-running operation (watchlist or table PUT/DELETE) ended `Failed` or
    /// `Canceled`, or did not end within the client's wait; `status` is the operation's last status.
    OperationFailed {
        request: Box<RequestInfo>,
        status: String,
        code: String,
        message: String,
    },
    /// A credential could not produce a token.
    Auth { method: String, reason: String },
    /// The caller or the configuration asked for something this client refuses to do.
    Config { reason: String },
}

/// ARM's error body, parsed leniently: any of the known shapes, or nothing.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    /// `error.code`, or empty.
    pub code: String,
    /// `error.message` followed by the messages of `error.details`, or empty.
    pub message: String,
}

impl ErrorBody {
    /// Parses `{"error":{"code","message","details":[...]}}`; also accepts a top-level
    /// `{"code","message"}` (some RPs) and returns an empty body for anything else.
    pub fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return Self::default();
        };
        let err = value.get("error").unwrap_or(&value);
        let text = |key: &str| {
            err.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let mut message = text("message");
        let details = err
            .get("details")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten();
        for detail in details {
            if let Some(m) = detail.get("message").and_then(|m| m.as_str()) {
                message.push_str("; ");
                message.push_str(m);
            }
        }
        // The Log Analytics query API nests the precise cause (e.g. a KQL syntax error).
        let mut inner = err.get("innererror");
        while let Some(e) = inner {
            if let Some(m) = e.get("message").and_then(|m| m.as_str()) {
                message.push_str("; ");
                message.push_str(m);
            }
            inner = e.get("innererror");
        }
        Self {
            code: text("code"),
            message,
        }
    }
}

/// Cuts `body` to at most [`MAX_BODY_BYTES`] bytes on a char boundary, marking the cut.
pub fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= MAX_BODY_BYTES {
        return text.into_owned();
    }
    let mut end = MAX_BODY_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// What the retry loop knows about how a failed request ended, beyond its status and body.
#[derive(Debug, Clone, Default)]
pub struct FailureContext {
    /// An earlier attempt of this write died on the wire (or with a 5xx) and may have been applied.
    pub earlier_attempt_may_have_landed: bool,
    /// The shared retry budget refused a further retry.
    pub budget_exhausted: bool,
    /// The server's `Retry-After`, if any.
    pub retry_after: Option<Duration>,
    /// The live etag the answer revealed (409/412 only).
    pub current_etag: Option<String>,
}

impl ArmError {
    /// Maps a non-success response to the variant a caller branches on.
    pub fn from_response(
        request: RequestInfo,
        status: u16,
        body: &[u8],
        ctx: FailureContext,
    ) -> Self {
        let request = Box::new(request);
        let parsed = ErrorBody::parse(body);
        let (code, message) = (parsed.code, parsed.message);
        let ambiguous = ctx.earlier_attempt_may_have_landed;
        match status {
            400 => Self::BadRequest {
                request,
                code,
                message,
            },
            401 => Self::Unauthorized {
                request,
                code,
                message,
            },
            403 => Self::Forbidden {
                request,
                code,
                message,
            },
            404 => Self::NotFound {
                request,
                code,
                message,
            },
            409 => Self::Conflict {
                request,
                code,
                message,
                earlier_attempt_may_have_landed: ambiguous,
                current_etag: ctx.current_etag,
            },
            412 => Self::PreconditionFailed {
                request,
                code,
                message,
                earlier_attempt_may_have_landed: ambiguous,
                current_etag: ctx.current_etag,
            },
            429 => Self::Throttled {
                request,
                retry_after: ctx.retry_after,
                budget_exhausted: ctx.budget_exhausted,
                attempts: 1,
                waited: Duration::ZERO,
            },
            _ => Self::Http {
                method: request.method,
                url: request.url,
                status,
                request_id: request.request_id,
                body: truncate_body(body),
                budget_exhausted: ctx.budget_exhausted,
            },
        }
    }

    /// The HTTP status behind this error, if a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::BadRequest { .. } => Some(400),
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::Conflict { .. } => Some(409),
            Self::PreconditionFailed { .. } => Some(412),
            Self::Throttled { .. } => Some(429),
            Self::Http { status, .. } => Some(*status),
            Self::Transport { .. }
            | Self::OperationFailed { .. }
            | Self::Auth { .. }
            | Self::Config { .. } => None,
        }
    }

    /// The live etag a 409/412 answer revealed, if any.
    pub fn current_etag(&self) -> Option<&str> {
        match self {
            Self::Conflict { current_etag, .. } | Self::PreconditionFailed { current_etag, .. } => {
                current_etag.as_deref()
            }
            _ => None,
        }
    }

    /// ARM's error code (`error.code`), when the answer had one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. }
            | Self::PreconditionFailed { code, .. }
            | Self::OperationFailed { code, .. }
            | Self::BadRequest { code, .. } => (!code.is_empty()).then_some(code.as_str()),
            _ => None,
        }
    }

    /// True for 409 and 412: the write met a precondition that did not hold. Re-read the resource
    /// before reporting a conflict (see [`ArmError::is_ambiguous_write`]).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::Conflict { .. } | Self::PreconditionFailed { .. }
        )
    }

    /// True when a write may have landed although this error was returned (see `Conflict`).
    pub fn is_ambiguous_write(&self) -> bool {
        matches!(
            self,
            Self::Conflict {
                earlier_attempt_may_have_landed: true,
                ..
            } | Self::PreconditionFailed {
                earlier_attempt_may_have_landed: true,
                ..
            }
        )
    }

    /// The "help:" line for a human: what to do about it. `None` when there is nothing useful to add.
    pub fn hint(&self) -> Option<String> {
        let text = match self {
            Self::Unauthorized { .. } => {
                "the token was rejected: check the tenant id and that the credential targets this cloud's ARM audience"
            }
            Self::Forbidden { request, .. } => return Some(forbidden_hint(request)),
            Self::Conflict { .. } | Self::PreconditionFailed { .. } => {
                "the resource changed since it was read: re-read it (run `plan` again) and re-apply"
            }
            Self::Throttled { .. } => {
                "ARM is throttling this subscription: lower `--parallelism` or retry later"
            }
            Self::Transport { .. } => {
                "check the endpoint URL, proxy settings and `--ca-file` for a custom endpoint"
            }
            Self::Auth { method, .. } => return Some(auth_hint(method)),
            Self::OperationFailed { .. } => {
                "Azure accepted the request but the operation did not succeed: read the resource again (run `plan`) before retrying"
            }
            Self::BadRequest { .. }
            | Self::NotFound { .. }
            | Self::Http { .. }
            | Self::Config { .. } => return None,
        };
        Some(text.to_owned())
    }
}

/// Which role a 403 on this URL most likely lacks.
fn forbidden_hint(request: &RequestInfo) -> String {
    let url = request.url.to_ascii_lowercase();
    if url.contains("/v1/workspaces/") && url.ends_with("/query") {
        return "the principal likely needs `Log Analytics Reader` (or `Microsoft Sentinel Reader`) on the workspace, and the token must be for the Log Analytics audience, not ARM's".to_owned();
    }
    let (reader, writer) = if url.contains("microsoft.insights/workbooks") {
        ("Workbook Reader", "Workbook Contributor")
    } else {
        // Microsoft Sentinel Reader/Contributor also cover the workspace's savedSearches.
        (
            "Microsoft Sentinel Reader",
            "Microsoft Sentinel Contributor",
        )
    };
    let role = if request.method == "GET" {
        reader
    } else {
        writer
    };
    if url.contains("microsoft.insights/workbooks") {
        format!(
            "the principal likely needs the `{role}` role on the resource group: workbooks live in the resource group, not under the workspace"
        )
    } else {
        format!("the principal likely needs the `{role}` role on the workspace")
    }
}

/// How to log in again for a given credential kind.
fn auth_hint(method: &str) -> String {
    match method {
        "azure-cli" => "run `az login` (and `az account set --subscription <id>`) and retry".to_owned(),
        "client-secret" | "client-certificate" => {
            "check the tenant id, client id and secret/certificate of the service principal".to_owned()
        }
        "workload-identity" => "check `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID`, `AZURE_TENANT_ID` and the federated credential's subject".to_owned(),
        "azure-pipelines" => "check the service connection id and that `SYSTEM_ACCESSTOKEN` is mapped into the step".to_owned(),
        "managed-identity" => "this only works on an Azure host with a managed identity assigned".to_owned(),
        _ => "log in with `az login`, or configure a service principal or workload identity".to_owned(),
    }
}

impl fmt::Display for ArmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unauthorized {
                request, message, ..
            } => write!(f, "ARM rejected the token for {request}: {message}"),
            Self::Forbidden {
                request,
                code,
                message,
            } => write!(f, "permission denied for {request}: {code} {message}"),
            Self::NotFound {
                request, message, ..
            } => write!(f, "not found: {request}: {message}"),
            Self::Conflict {
                request,
                code,
                message,
                ..
            } => write!(f, "conflict on {request}: {code} {message}"),
            Self::PreconditionFailed {
                request, message, ..
            } => write!(f, "precondition failed on {request}: {message}"),
            Self::Throttled {
                request,
                retry_after,
                budget_exhausted,
                attempts,
                waited,
            } => {
                write!(f, "throttled by ARM on {request}")?;
                if *attempts > 1 {
                    write!(f, " {attempts} times ({:.1}s waited)", waited.as_secs_f64())?;
                }
                if let Some(after) = retry_after {
                    write!(f, " (retry after {}s)", after.as_secs())?;
                }
                if *budget_exhausted {
                    write!(f, "; retry budget exhausted")?;
                }
                Ok(())
            }
            Self::BadRequest {
                request,
                code,
                message,
            } => write!(f, "ARM rejected {request}: {code} {message}"),
            Self::Http {
                method,
                url,
                status,
                request_id,
                body,
                budget_exhausted,
            } => {
                write!(f, "`{method} {url}` failed with status {status}")?;
                if let Some(id) = request_id {
                    write!(f, " (x-ms-request-id `{id}`)")?;
                }
                if *budget_exhausted {
                    write!(f, "; retry budget exhausted")?;
                }
                write!(f, ": {body}")
            }
            Self::Transport {
                method,
                url,
                reason,
                budget_exhausted,
            } => {
                write!(f, "could not reach `{method} {url}`: {reason}")?;
                if *budget_exhausted {
                    write!(f, "; retry budget exhausted")?;
                }
                Ok(())
            }
            Self::OperationFailed {
                request,
                status,
                code,
                message,
            } => {
                write!(f, "the operation started by {request} ended `{status}`")?;
                if !code.is_empty() || !message.is_empty() {
                    write!(f, ": {code} {message}")?;
                }
                Ok(())
            }
            Self::Auth { method, reason } => {
                write!(f, "could not get a token with `{method}`: {reason}")
            }
            Self::Config { reason } => write!(f, "invalid ARM client configuration: {reason}"),
        }
    }
}

impl std::error::Error for ArmError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(method: &'static str, url: &str) -> RequestInfo {
        RequestInfo {
            method,
            url: url.to_owned(),
            request_id: Some("r-1".into()),
            correlation_id: None,
        }
    }

    #[test]
    fn maps_statuses_to_variants_with_code_and_message() {
        let body = br#"{"error":{"code":"BadArgument","message":"bad query","details":[{"code":"x","message":"line 3"}]}}"#;
        let err = ArmError::from_response(info("PUT", "/a"), 400, body, FailureContext::default());
        match err {
            ArmError::BadRequest { code, message, .. } => {
                assert_eq!(code, "BadArgument");
                assert_eq!(message, "bad query; line 3");
            }
            other => panic!("unexpected {other:?}"),
        }
        let conflict = ArmError::from_response(
            info("PUT", "/a"),
            409,
            b"{}",
            FailureContext {
                earlier_attempt_may_have_landed: true,
                ..FailureContext::default()
            },
        );
        assert!(conflict.is_ambiguous_write());
        assert_eq!(conflict.status(), Some(409));
        let other =
            ArmError::from_response(info("GET", "/a"), 503, b"oops", FailureContext::default());
        assert!(matches!(other, ArmError::Http { status: 503, ref body, .. } if body == "oops"));
    }

    #[test]
    fn workbook_and_bare_error_bodies_parse() {
        let wb = ErrorBody::parse(
            br#"{"error":{"code":"Bad","message":"m","innererror":{"trace":["t"]}}}"#,
        );
        assert_eq!((wb.code.as_str(), wb.message.as_str()), ("Bad", "m"));
        let bare = ErrorBody::parse(br#"{"code":"C","message":"n"}"#);
        assert_eq!(bare.code, "C");
        assert_eq!(ErrorBody::parse(b"<html>"), ErrorBody::default());
    }

    #[test]
    fn body_is_truncated_on_a_char_boundary() {
        let long = "é".repeat(400); // 800 bytes
        let cut = truncate_body(long.as_bytes());
        assert!(cut.len() <= MAX_BODY_BYTES + 3);
        assert!(cut.ends_with("..."));
        assert_eq!(truncate_body(b"short"), "short");
    }

    #[test]
    fn forbidden_hint_names_the_role() {
        let url = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w/providers/Microsoft.SecurityInsights/alertRules/x";
        let err = ArmError::from_response(info("PUT", url), 403, b"{}", FailureContext::default());
        assert!(
            err.hint()
                .unwrap()
                .contains("Microsoft Sentinel Contributor")
        );
        let read = ArmError::from_response(info("GET", url), 403, b"{}", FailureContext::default());
        assert!(read.hint().unwrap().contains("Microsoft Sentinel Reader"));
    }

    #[test]
    fn messages_are_lowercase_phrases_without_period() {
        let err = ArmError::Transport {
            method: "GET",
            url: "https://x/".into(),
            reason: "connection refused".into(),
            budget_exhausted: true,
        };
        let text = err.to_string();
        assert!(text.starts_with("could not reach"));
        assert!(text.ends_with("retry budget exhausted"));
        let auth = ArmError::Auth {
            method: "azure-cli".into(),
            reason: "no account".into(),
        };
        assert!(auth.hint().unwrap().contains("az login"));
    }
}
