//! Turns what a caller passes (`/subscriptions/...` paths or absolute `nextLink`s) into the URL a
//! request goes to, and every URL into the form that may be logged or shown.
//!
//! Owns: endpoint checks (HTTPS, or plain HTTP only to loopback when explicitly allowed), resolving
//! a path against the endpoint, refusing absolute URLs on another origin (so the bearer token never
//! leaves the configured endpoint, even if a `nextLink` points elsewhere), appending the pinned
//! `api-version`, and [`redact_url`].
//!
//! Does not: send anything or know about tokens.
//!
//! Invariant: a URL returned by [`resolve`] has the endpoint's origin and an `api-version` parameter.

use std::net::IpAddr;

use url::Url;

use crate::api_version;
use crate::error::ArmError;

/// Query parameters whose values are shown in logs and errors; every other value becomes `REDACTED`.
const LOGGABLE_QUERY: &[&str] = &[
    "api-version",
    "category",
    "sourceid",
    "canfetchcontent",
    "$filter",
    "$orderby",
    "$top",
    "$skip",
];

/// Checks the ARM endpoint (or token authority): HTTPS always; plain HTTP only when `allow_insecure_http`
/// is set *and* the host is loopback, because a bearer token over plain HTTP elsewhere is readable by anyone
/// on the path.
pub fn check_endpoint(url: &Url, allow_insecure_http: bool) -> Result<(), ArmError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_insecure_http && is_loopback(url) => Ok(()),
        "http" if allow_insecure_http => Err(ArmError::Config {
            reason: format!(
                "plain http is only allowed to a loopback host, not `{}`",
                url.host_str().unwrap_or_default()
            ),
        }),
        "http" => Err(ArmError::Config {
            reason: format!(
                "`{}` uses plain http; use https, or allow insecure http for a loopback emulator",
                redact_url(url)
            ),
        }),
        other => Err(ArmError::Config {
            reason: format!("unsupported URL scheme `{other}`"),
        }),
    }
}

/// True for `localhost`, 127.0.0.0/8 and `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Resolves `input` against `endpoint` and appends the pinned api-version when it is missing.
pub fn resolve(endpoint: &Url, input: &str) -> Result<Url, ArmError> {
    let mut url = if input.starts_with('/') {
        endpoint
            .join(input)
            .map_err(|e| bad_url(input, &e.to_string()))?
    } else {
        let url = Url::parse(input).map_err(|e| bad_url(input, &e.to_string()))?;
        if url.origin() != endpoint.origin() {
            return Err(ArmError::Config {
                reason: format!(
                    "refusing to send the ARM token to `{}`, which is not the configured endpoint `{}`",
                    redact_url(&url),
                    redact_url(endpoint)
                ),
            });
        }
        url
    };
    if !url
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("api-version"))
    {
        let version = api_version::for_path(url.path())
            .ok_or_else(|| bad_url(input, "no api-version is pinned for this resource type"))?;
        url.query_pairs_mut().append_pair("api-version", version);
    }
    Ok(url)
}

fn bad_url(input: &str, why: &str) -> ArmError {
    let shown = Url::parse(input).map_or_else(
        |_| input.split('?').next().unwrap_or_default().to_owned(),
        |u| redact_url(&u),
    );
    ArmError::Config {
        reason: format!("invalid ARM URL `{shown}`: {why}"),
    }
}

/// The URL as it may appear in logs and errors: no user info, and every query value outside a short
/// allow-list (api-version, filters, workbook category/sourceId) replaced by `REDACTED`.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let keep = LOGGABLE_QUERY.iter().any(|p| k.eq_ignore_ascii_case(p));
                (
                    k.into_owned(),
                    if keep {
                        v.into_owned()
                    } else {
                        "REDACTED".to_owned()
                    },
                )
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Url {
        Url::parse("https://management.azure.com").unwrap()
    }

    #[test]
    fn plain_http_only_to_loopback_and_only_when_allowed() {
        let local = Url::parse("http://127.0.0.1:8443").unwrap();
        let lan = Url::parse("http://10.0.0.5").unwrap();
        let named = Url::parse("http://localhost:1").unwrap();
        assert!(check_endpoint(&local, true).is_ok());
        assert!(check_endpoint(&named, true).is_ok());
        assert!(check_endpoint(&Url::parse("http://[::1]:9").unwrap(), true).is_ok());
        assert!(check_endpoint(&local, false).is_err());
        let err = check_endpoint(&lan, true).unwrap_err().to_string();
        assert!(err.contains("loopback"), "{err}");
        assert!(check_endpoint(&endpoint(), false).is_ok());
        assert!(check_endpoint(&Url::parse("ftp://x").unwrap(), true).is_err());
    }

    #[test]
    fn appends_the_pinned_api_version_once() {
        let path = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w/savedSearches";
        let url = resolve(&endpoint(), path).unwrap();
        assert_eq!(
            url.as_str(),
            format!("https://management.azure.com{path}?api-version=2025-02-01")
        );
        let next =
            format!("https://management.azure.com{path}?api-version=2020-01-01&$skipToken=abc");
        let kept = resolve(&endpoint(), &next).unwrap();
        assert_eq!(kept.as_str(), next);
    }

    #[test]
    fn refuses_other_origins_and_unknown_types() {
        let err = resolve(
            &endpoint(),
            "https://evil.example/subscriptions/s?api-version=1",
        )
        .unwrap_err();
        assert!(err.to_string().contains("refusing to send the ARM token"));
        assert!(resolve(&endpoint(), "/subscriptions/s/resourceGroups/rg").is_err());
    }

    #[test]
    fn redacts_query_secrets_and_user_info() {
        let url =
            Url::parse("https://u:p@h/x?api-version=1&sig=secret&$skipToken=t&category=sentinel")
                .unwrap();
        let shown = redact_url(&url);
        assert_eq!(
            shown,
            "https://h/x?api-version=1&sig=REDACTED&%24skipToken=REDACTED&category=sentinel"
        );
        assert!(!shown.contains("secret"));
    }
}
