//! [`EndpointAllowList`]: which non-cloud endpoints (ARM, authority host, Log Analytics) the person
//! or pipeline running sentinelctl allows credentials to be sent to (issue 11, the crate's share).
//!
//! Why: repository content chooses *which* workspace and login method, never *where* credentials go.
//! The fixed Microsoft clouds' endpoints come from [`Cloud`] alone; any other endpoint (an Azure
//! Stack hub, a proxy, a remote emulator) must be allowed by the invoker — a command-line flag or an
//! environment variable, never a file in the repository. That policy (where the list comes from)
//! is the CLI's; this type only parses a list and answers "is this URL on it?".
//!
//! Matching: an entry is an origin — `scheme://host[:port]`, or `host[:port]` meaning `https` — and a
//! URL matches when its scheme, host and port (explicit or the scheme's default) are exactly the
//! entry's; host names compare case-insensitively, nothing else is a pattern (no wildcards, no
//! suffixes, no paths). Loopback hosts (`localhost`, 127.0.0.0/8, `::1`) are always allowed: the
//! embedded emulator runs there, and a token sent to the invoker's own machine leaves nothing.
//!
//! Does not: decide plain-http (see [`crate::request_url::check_endpoint`]) or read the environment.

use std::collections::BTreeSet;
use std::fmt;

use url::Url;

use crate::config::Cloud;
use crate::error::ArmError;
use crate::request_url::{is_loopback, redact_url};

/// One allowed origin: scheme, lowercased host, port (explicit or the scheme's default).
type Origin = (String, String, u16);

/// Origins the invoker allows besides the Microsoft clouds' fixed endpoints and loopback.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EndpointAllowList {
    origins: BTreeSet<Origin>,
}

impl fmt::Debug for EndpointAllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.entries()).finish()
    }
}

impl fmt::Display for EndpointAllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.entries().join(","))
    }
}

impl EndpointAllowList {
    /// The empty list: only loopback (and, for callers that check it, the fixed clouds).
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a comma-separated list, e.g. `https://management.local.azurestack.external,
    /// arm.contoso.example:8443`. Blank entries are ignored; anything that is not an origin (a path,
    /// query, user info, wildcard, non-http(s) scheme) is an error naming the entry.
    pub fn parse(list: &str) -> Result<Self, ArmError> {
        let mut allowed = Self::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            allowed.origins.insert(parse_entry(entry)?);
        }
        Ok(allowed)
    }

    /// Adds every entry of `other`.
    pub fn extend(&mut self, other: &Self) {
        self.origins.extend(other.origins.iter().cloned());
    }

    /// True when nothing besides loopback is allowed.
    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// The allowed origins, normalised (`https://host:port`).
    pub fn entries(&self) -> Vec<String> {
        self.origins
            .iter()
            .map(|(scheme, host, port)| format!("{scheme}://{host}:{port}"))
            .collect()
    }

    /// True when `url` is on a loopback host or its scheme, host and port are an allowed origin.
    pub fn allows(&self, url: &Url) -> bool {
        is_loopback(url) || origin_of(url).is_some_and(|o| self.origins.contains(&o))
    }

    /// True when `url`'s scheme, host and port are an allowed origin, loopback or not: for endpoints
    /// named by untrusted content, where even a loopback port is only the invoker's to allow.
    pub fn lists(&self, url: &Url) -> bool {
        origin_of(url).is_some_and(|o| self.origins.contains(&o))
    }

    /// [`allows`](Self::allows), as an error for a human: `what` names the endpoint (e.g. "authority
    /// host") in the message.
    pub fn check(&self, url: &Url, what: &str) -> Result<(), ArmError> {
        if self.allows(url) {
            return Ok(());
        }
        let shown = redact_url(url);
        let origin =
            origin_of(url).map_or_else(|| shown.clone(), |(s, h, p)| format!("{s}://{h}:{p}"));
        Err(ArmError::Config {
            reason: format!(
                "the {what} `{shown}` is not a Microsoft cloud endpoint and is not allowed; credentials are only sent to a custom endpoint the person or pipeline running the command allows (add `{origin}` to the allow-list given on the command line or in the environment, never in a repository file)"
            ),
        })
    }
}

/// The cloud whose fixed endpoint (ARM, authority host or Log Analytics) `url` is on, if any: same
/// scheme, host and port as one of [`Cloud::endpoints`].
pub fn cloud_of_endpoint(url: &Url) -> Option<Cloud> {
    let origin = origin_of(url)?;
    Cloud::ALL.into_iter().find(|cloud| {
        cloud
            .endpoints()
            .iter()
            .filter_map(|e| Url::parse(e).ok())
            .any(|e| origin_of(&e).as_ref() == Some(&origin))
    })
}

fn origin_of(url: &Url) -> Option<Origin> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some((url.scheme().to_owned(), host, url.port_or_known_default()?))
}

fn parse_entry(entry: &str) -> Result<Origin, ArmError> {
    let bad = |why: &str| ArmError::Config {
        reason: format!(
            "`{}` in the endpoint allow-list is not an origin ({why}); write `https://host[:port]`",
            entry.escape_debug()
        ),
    };
    if entry.contains('*') {
        return Err(bad("wildcards are not allowed"));
    }
    let text = if entry.contains("://") {
        entry.to_owned()
    } else {
        format!("https://{entry}")
    };
    let url = Url::parse(&text).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(bad("only https and http"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("no user info"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("no path, query or fragment"));
    }
    origin_of(&url).ok_or_else(|| bad("no host"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn matches_scheme_host_and_port_exactly() {
        let list = EndpointAllowList::parse(
            " https://ARM.contoso.example:8443 , login.contoso.example,, http://stack.local:80",
        )
        .unwrap();
        assert_eq!(
            list.entries(),
            [
                "http://stack.local:80",
                "https://arm.contoso.example:8443",
                "https://login.contoso.example:443",
            ]
        );
        assert!(list.allows(&url("https://arm.contoso.example:8443/subscriptions/x")));
        assert!(list.allows(&url(
            "https://login.contoso.example/tenant/oauth2/v2.0/token"
        )));
        assert!(list.allows(&url("http://stack.local/")));
        for refused in [
            "https://arm.contoso.example/",           // default port 443, not 8443
            "http://arm.contoso.example:8443/",       // scheme differs
            "https://evil.arm.contoso.example:8443/", // no suffix matching
            "https://login.contoso.example.attacker.example/",
            "https://stack.local/", // https, list says http
        ] {
            assert!(!list.allows(&url(refused)), "{refused}");
        }
    }

    #[test]
    fn loopback_is_always_allowed() {
        let empty = EndpointAllowList::new();
        assert!(empty.is_empty());
        for local in [
            "https://127.0.0.1:8443/",
            "http://localhost:1/",
            "https://[::1]:9/",
        ] {
            assert!(empty.allows(&url(local)), "{local}");
        }
        assert!(!empty.allows(&url("https://10.0.0.5/")));
    }

    #[test]
    fn malformed_entries_are_named() {
        for bad in [
            "*.contoso.example",
            "https://arm.contoso.example/path",
            "https://user:pw@arm.contoso.example",
            "ftp://arm.contoso.example",
            "https://arm.contoso.example?x=1",
            "https://",
        ] {
            let err = EndpointAllowList::parse(bad).unwrap_err().to_string();
            assert!(err.contains("allow-list"), "{bad}: {err}");
        }
    }

    #[test]
    fn refusals_say_how_to_allow_without_echoing_secrets() {
        let err = EndpointAllowList::new()
            .check(
                &url("https://attacker.example/t/oauth2/v2.0/token?code=SECRET"),
                "authority host",
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("authority host"), "{err}");
        assert!(err.contains("https://attacker.example:443"), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn fixed_cloud_endpoints_are_recognised() {
        assert_eq!(
            cloud_of_endpoint(&url("https://management.usgovcloudapi.net/subscriptions")),
            Some(Cloud::AzureUsGovernment)
        );
        assert_eq!(
            cloud_of_endpoint(&url("https://LOGIN.microsoftonline.com/")),
            Some(Cloud::AzurePublic)
        );
        assert_eq!(
            cloud_of_endpoint(&url("https://api.loganalytics.azure.cn/v1")),
            Some(Cloud::AzureChina)
        );
        assert_eq!(
            cloud_of_endpoint(&url("http://management.azure.com/")),
            None
        );
        assert_eq!(
            cloud_of_endpoint(&url("https://management.azure.com.evil.example/")),
            None
        );
        let list = EndpointAllowList::parse("a.example,b.example:1").unwrap();
        assert_eq!(
            list.to_string(),
            "https://a.example:443,https://b.example:1"
        );
    }
}
