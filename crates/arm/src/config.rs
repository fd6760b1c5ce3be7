//! What an [`crate::ArmClient`] is built from: [`ArmClientConfig`], and the well-known Azure clouds
//! ([`Cloud`]), the single source of Microsoft's fixed endpoints: ARM, the Entra authority host, the
//! Log Analytics query API, and the token audiences (scopes) for each.
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
    /// Every cloud with fixed endpoints.
    pub const ALL: [Self; 3] = [Self::AzurePublic, Self::AzureUsGovernment, Self::AzureChina];

    /// The cloud for a name as environment files spell it: `public` (`AzurePublic`, `AzureCloud`),
    /// `usgovernment` (`AzureUSGovernment`), `china` (`AzureChina`, `AzureChinaCloud`);
    /// case-insensitive. `None` for anything else (a custom cloud is not a [`Cloud`]).
    pub fn from_name(name: &str) -> Option<Self> {
        match name
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "")
            .as_str()
        {
            "public" | "azurepublic" | "azurecloud" | "azurepubliccloud" => Some(Self::AzurePublic),
            "usgovernment" | "usgov" | "azureusgovernment" | "azureusgovernmentcloud" => {
                Some(Self::AzureUsGovernment)
            }
            "china" | "azurechina" | "azurechinacloud" => Some(Self::AzureChina),
            _ => None,
        }
    }

    /// The short name [`from_name`](Self::from_name) accepts.
    pub fn name(self) -> &'static str {
        match self {
            Self::AzurePublic => "public",
            Self::AzureUsGovernment => "usgovernment",
            Self::AzureChina => "china",
        }
    }

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

    /// The token scope for ARM (`{endpoint}/.default`; Azure CLI's `resourceManager` audience).
    pub fn arm_scope(self) -> &'static str {
        match self {
            Self::AzurePublic => "https://management.azure.com/.default",
            Self::AzureUsGovernment => "https://management.usgovcloudapi.net/.default",
            Self::AzureChina => "https://management.chinacloudapi.cn/.default",
        }
    }

    /// The Log Analytics query API host (`{endpoint}/v1/workspaces/{id}/query`). Public cloud keeps the
    /// contract's `api.loganalytics.io` (`shared/specs` data-plane `x-ms-parameterized-host`; Microsoft
    /// documents `api.loganalytics.azure.com` as its successor and `.io` as supported); US Government
    /// is `api.loganalytics.us` and China `api.loganalytics.azure.cn` (Microsoft docs "Access the
    /// Azure Monitor Log Analytics API", docs.azure.cn; Azure CLI's `log_analytics_resource_id`).
    pub fn log_analytics_endpoint(self) -> &'static str {
        match self {
            Self::AzurePublic => "https://api.loganalytics.io",
            Self::AzureUsGovernment => "https://api.loganalytics.us",
            Self::AzureChina => "https://api.loganalytics.azure.cn",
        }
    }

    /// The token scope for the Log Analytics query API (not the ARM token, NOTES §16).
    pub fn log_analytics_scope(self) -> &'static str {
        match self {
            Self::AzurePublic => "https://api.loganalytics.io/.default",
            Self::AzureUsGovernment => "https://api.loganalytics.us/.default",
            Self::AzureChina => "https://api.loganalytics.azure.cn/.default",
        }
    }

    /// Every endpoint of this cloud a credential may be sent to (ARM, authority, Log Analytics).
    pub fn endpoints(self) -> [&'static str; 3] {
        [
            self.arm_endpoint(),
            self.authority_host(),
            self.log_analytics_endpoint(),
        ]
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

    #[test]
    fn every_cloud_has_consistent_endpoints_and_scopes() {
        for cloud in Cloud::ALL {
            assert_eq!(Cloud::from_name(cloud.name()), Some(cloud));
            let arm = Url::parse(cloud.arm_endpoint()).unwrap();
            assert_eq!(default_scope(&arm), cloud.arm_scope(), "{cloud:?}");
            let logs = Url::parse(cloud.log_analytics_endpoint()).unwrap();
            assert_eq!(
                default_scope(&logs),
                cloud.log_analytics_scope(),
                "{cloud:?}"
            );
            for endpoint in cloud.endpoints() {
                assert!(endpoint.starts_with("https://"), "{endpoint}");
            }
        }
        assert_eq!(
            Cloud::from_name("AzureUSGovernment"),
            Some(Cloud::AzureUsGovernment)
        );
        assert_eq!(Cloud::from_name("AzureChinaCloud"), Some(Cloud::AzureChina));
        assert_eq!(Cloud::from_name("custom"), None);
        assert_eq!(
            Cloud::AzureChina.log_analytics_scope(),
            "https://api.loganalytics.azure.cn/.default"
        );
    }
}
