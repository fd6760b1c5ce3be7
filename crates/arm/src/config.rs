//! What an [`crate::ArmClient`] is built from: [`ArmClientConfig`], and the well-known Azure clouds
//! ([`Cloud`]) with their ARM endpoints and Entra authority hosts.
//!
//! Owns: defaults (retry policy, budget, concurrency, user agent) and the token scope rule
//! (`{endpoint origin}/.default`, overridable for clouds whose audience differs from the endpoint).
//!
//! Does not: read environment variables or flags (the CLI's `context.rs` does and fills this in), or
//! validate (that happens in `ArmClient::new`, so a bad config fails before any request).

use std::path::PathBuf;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use url::Url;

use crate::limits::SubscriptionLimits;
use crate::retry::RetryPolicy;

/// Azure clouds with fixed endpoints. A custom endpoint (the emulator, Azure Stack) is a plain URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Azure public cloud.
    AzurePublic,
    /// Azure US Government.
    AzureUsGovernment,
    /// Azure operated by 21Vianet (China).
    AzureChina,
}

impl Cloud {
    /// The ARM endpoint.
    pub fn arm_endpoint(self) -> &'static str {
        match self {
            Self::AzurePublic => "https://management.azure.com",
            Self::AzureUsGovernment => "https://management.usgovcloudapi.net",
            Self::AzureChina => "https://management.chinacloudapi.cn",
        }
    }

    /// The Entra ID authority host that issues tokens for that ARM endpoint.
    pub fn authority_host(self) -> &'static str {
        match self {
            Self::AzurePublic => "https://login.microsoftonline.com",
            Self::AzureUsGovernment => "https://login.microsoftonline.us",
            Self::AzureChina => "https://login.chinacloudapi.cn",
        }
    }
}

/// Everything [`crate::ArmClient::new`] needs.
pub struct ArmClientConfig {
    /// ARM endpoint, e.g. `https://management.azure.com` or the emulator's URL.
    pub endpoint: Url,
    /// Where tokens come from (see [`crate::build_credential`]).
    pub credential: Arc<dyn TokenCredential>,
    /// Token scope; `None` means `{endpoint origin}/.default`, which is right for every public cloud
    /// and for the emulator.
    pub scope: Option<String>,
    /// Extra PEM CA file to trust (the emulator's self-signed CA, a TLS-inspecting proxy's CA).
    pub ca_file: Option<PathBuf>,
    /// Allow plain `http://`, and then only to a loopback host.
    pub allow_insecure_http: bool,
    /// Attempts and backoff per request.
    pub retry: RetryPolicy,
    /// Retries shared by all requests of this client (see [`crate::retry::RetryBudget`]).
    pub retry_budget: u32,
    /// Requests in flight at once per subscription, when `limits` is `None`.
    pub concurrency: usize,
    /// Per-subscription concurrency, request budget and 429 pauses shared with other clients (create
    /// one [`SubscriptionLimits`] per run and pass it to every client). `None` gives this client its
    /// own limits: `concurrency` in flight per subscription, no request budget, and a 429 pausing
    /// only the subscription that got it.
    pub limits: Option<Arc<SubscriptionLimits>>,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Which auth method the credential is (e.g. `azure-cli`), for the login hint on auth errors.
    pub auth_label: String,
}

impl ArmClientConfig {
    /// A config with defaults: 5 retries per request, a budget of 50 shared retries, 4 requests in
    /// flight per subscription.
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
            limits: None,
            user_agent: concat!("sentinelctl/", env!("CARGO_PKG_VERSION")).to_owned(),
            auth_label: "default".to_owned(),
        }
    }
}

impl std::fmt::Debug for ArmClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClientConfig")
            .field("endpoint", &self.endpoint.as_str())
            .field("scope", &self.scope)
            .field("ca_file", &self.ca_file)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("concurrency", &self.concurrency)
            .field("limits", &self.limits.as_ref().map(|l| l.config()))
            .finish_non_exhaustive()
    }
}

/// `{origin}/.default` for an ARM endpoint, e.g. `https://management.azure.com/.default`.
pub(crate) fn default_scope(endpoint: &Url) -> String {
    format!("{}/.default", endpoint.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_the_endpoint_origin() {
        let public = Url::parse(Cloud::AzurePublic.arm_endpoint()).unwrap();
        assert_eq!(
            default_scope(&public),
            "https://management.azure.com/.default"
        );
        let emu = Url::parse("https://127.0.0.1:8443/some/path").unwrap();
        assert_eq!(default_scope(&emu), "https://127.0.0.1:8443/.default");
        assert_eq!(
            Cloud::AzureChina.authority_host(),
            "https://login.chinacloudapi.cn"
        );
        assert_eq!(
            Cloud::AzureUsGovernment.arm_endpoint(),
            "https://management.usgovcloudapi.net"
        );
    }
}
