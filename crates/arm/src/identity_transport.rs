//! The HTTP transport `azure_identity` credentials use for token requests: our own rustls/ring
//! `reqwest::Client` (from `tls.rs`) plugged in as azure_core's `HttpClient`.
//!
//! Why: azure_core's built-in reqwest transport would bring its own TLS setup (aws-lc by default) and
//! would not trust `--ca-file`, so the emulator's HTTPS token endpoint (self-signed CA) would fail.
//! With this adapter the token endpoint is trusted exactly like the ARM endpoint, and the whole crate
//! has a single reqwest/rustls build.
//!
//! Does not: log bodies (token responses carry the access token) or retry (azure_core's pipeline
//! retry policy wraps this transport).
//!
//! Invariant: request bodies are forwarded as-is; only in-memory bodies are supported (every
//! credential in azure_identity sends a small form body).

use std::collections::HashMap;
use std::sync::Arc;

use azure_core::error::{Error, ErrorKind};
use azure_core::http::headers::{HeaderName, HeaderValue, Headers};
use azure_core::http::{
    AsyncRawResponse, Body, ClientOptions, ExponentialRetryOptions, HttpClient, Method, Request,
    RetryOptions, Transport,
};
use azure_core::time::Duration;

use crate::tls::is_tls_failure;

/// azure_core's `HttpClient` over our reqwest client.
#[derive(Debug, Clone)]
pub(crate) struct IdentityTransport {
    http: reqwest::Client,
}

impl IdentityTransport {
    /// Wraps a client built by [`crate::tls::build_http_client`].
    pub(crate) fn new(http: reqwest::Client) -> Self {
        Self { http }
    }

    /// azure_core client options using this transport, with a shorter retry policy than azure_core's
    /// default (8 retries over up to 60 s): a token endpoint that is down should fail within seconds.
    pub(crate) fn client_options(self) -> ClientOptions {
        let retry = RetryOptions::exponential(ExponentialRetryOptions {
            initial_delay: Duration::milliseconds(500),
            max_retries: 3,
            max_total_elapsed: Duration::seconds(15),
            max_delay: Duration::seconds(5),
        });
        ClientOptions {
            transport: Some(Transport::new(Arc::new(self))),
            retry,
            ..ClientOptions::default()
        }
    }
}

fn to_reqwest_method(method: Method) -> reqwest::Method {
    // `Method` is non-exhaustive; its Display is the HTTP token (`POST`), which reqwest parses.
    reqwest::Method::from_bytes(method.to_string().as_bytes()).unwrap_or(reqwest::Method::POST)
}

fn from_reqwest_headers(map: &reqwest::header::HeaderMap) -> Headers {
    let pairs: HashMap<HeaderName, HeaderValue> = map
        .iter()
        .filter_map(|(k, v)| {
            let value = v.to_str().ok()?;
            Some((
                HeaderName::from(k.as_str().to_owned()),
                HeaderValue::from(value.to_owned()),
            ))
        })
        .collect();
    Headers::from(pairs)
}

#[async_trait::async_trait]
impl HttpClient for IdentityTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let mut builder = self
            .http
            .request(to_reqwest_method(request.method()), request.url().clone());
        for (name, value) in request.headers().iter() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let builder = match request.body() {
            Body::Bytes(bytes) => builder.body(bytes.clone()),
            Body::SeekableStream(_) => {
                return Err(Error::with_message(
                    ErrorKind::Other,
                    "streaming request bodies are not supported for token requests",
                ));
            }
        };
        let response = builder.send().await.map_err(|e| {
            // An untrusted certificate is not retried: azure_core retries only Io/Connection.
            let kind = if is_tls_failure(&e) {
                ErrorKind::Other
            } else if e.is_connect() {
                ErrorKind::Connection
            } else {
                ErrorKind::Io
            };
            Error::with_error(kind, e.without_url(), "token request failed")
        })?;
        let status = response.status().as_u16();
        let headers = from_reqwest_headers(response.headers());
        let body = response.bytes().await.map_err(|e| {
            Error::with_error(
                ErrorKind::Io,
                e.without_url(),
                "reading the token response failed",
            )
        })?;
        Ok(AsyncRawResponse::from_bytes(status.into(), headers, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_method() {
        assert_eq!(to_reqwest_method(Method::Post), reqwest::Method::POST);
        assert_eq!(to_reqwest_method(Method::Get), reqwest::Method::GET);
        assert_eq!(to_reqwest_method(Method::Delete), reqwest::Method::DELETE);
    }

    #[test]
    fn keeps_text_headers_only() {
        let mut map = reqwest::header::HeaderMap::new();
        map.insert("x-ms-request-id", "abc".parse().unwrap());
        map.insert(
            "x-bin",
            reqwest::header::HeaderValue::from_bytes(b"\xff").unwrap(),
        );
        let headers = from_reqwest_headers(&map);
        assert_eq!(headers.iter().count(), 1);
    }
}
