//! Turning "how should we log in" ([`AuthSpec`]) into an `azure_core` `TokenCredential`, through the
//! maintained `azure_identity` crate.
//!
//! Owns: [`AuthMethod`] / [`AuthSpec`] / [`Secret`], [`build_credential`], the default chain
//! ([`DefaultChain`]), and turning credential errors into text safe to show.
//!
//! Does not: read environment variables (the CLI's `context.rs` reads `AZURE_*` and fills the spec),
//! cache tokens (each azure_identity credential caches its own; see also `credential_pool.rs`), or
//! talk to ARM.
//!
//! Trust (issue 11): [`build_credential`] never lets a secret, a federated token file or the
//! authority host come from anywhere the caller did not pass in the [`AuthSpec`]: workload identity
//! requires `federated_token_file`, `tenant_id` and `client_id` explicitly (azure_identity would
//! otherwise fall back to `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`), and an
//! unset `authority_host` means Microsoft's public cloud, not `AZURE_AUTHORITY_HOST`. Two protocols
//! read the host platform's own standard variables inside azure_identity and cannot be given them:
//! managed identity (`IDENTITY_ENDPOINT`/`IDENTITY_HEADER`, or IMDS) and Azure Pipelines (the
//! agent-set `SYSTEM_OIDCREQUESTURI`, where the explicitly passed system access token is sent).
//! Repository content can set neither.
//!
//! Invariants: every token request goes through [`IdentityTransport`], so the authority host is
//! trusted with the same roots and `ca_file` as ARM; secrets print as `***` in `Debug`; no error text
//! contains a secret or token (azure_identity's messages quote Entra's error description only).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::TokenCredential;
use azure_core::http::ClientOptions;
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, AzurePipelinesCredential,
    AzurePipelinesCredentialOptions, ClientAssertionCredentialOptions, ClientSecretCredential,
    ClientSecretCredentialOptions, ManagedIdentityCredential, ManagedIdentityCredentialOptions,
    UserAssignedId, WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use url::Url;

use crate::default_chain::{ChainMember, DefaultChain};
use crate::error::ArmError;
use crate::identity_transport::IdentityTransport;
use crate::tls::build_http_client;

/// A secret string (client secret, pipeline token). `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// How to get an ARM token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// Try, in order: client secret (if `secret` is set), workload identity (if `federated_token_file`
    /// is set), Azure CLI, managed identity.
    Default,
    /// `az account get-access-token` of the logged-in Azure CLI (`tenant_id` optional).
    AzureCli,
    /// Service principal with `tenant_id`, `client_id` and `secret`.
    ClientSecret,
    /// Service principal with a PEM file holding its certificate and unencrypted private key.
    ClientCertificate {
        /// PEM with `CERTIFICATE` and `PRIVATE KEY` blocks.
        certificate_path: PathBuf,
    },
    /// Federated token file (GitHub Actions OIDC, AKS): `tenant_id`, `client_id`, `federated_token_file`.
    WorkloadIdentity,
    /// Azure Pipelines service connection with workload identity federation.
    AzurePipelines {
        /// The service connection's id.
        service_connection_id: String,
        /// `$(System.AccessToken)` mapped into the step.
        system_access_token: Secret,
    },
    /// Managed identity of the Azure host; `client_id` selects a user-assigned identity.
    ManagedIdentity,
}

impl AuthMethod {
    /// Short kebab-case name, used in messages and [`crate::ArmClientConfig::auth_label`].
    pub fn label(&self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::AzureCli => "azure-cli",
            Self::ClientSecret => "client-secret",
            Self::ClientCertificate { .. } => "client-certificate",
            Self::WorkloadIdentity => "workload-identity",
            Self::AzurePipelines { .. } => "azure-pipelines",
            Self::ManagedIdentity => "managed-identity",
        }
    }
}

/// Everything needed to build a credential. Fields a method does not use are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSpec {
    /// How to authenticate.
    pub method: AuthMethod,
    /// Entra tenant (directory) id.
    pub tenant_id: Option<String>,
    /// Application (client) id, or the user-assigned managed identity's client id.
    pub client_id: Option<String>,
    /// Client secret for [`AuthMethod::ClientSecret`] (and the default chain).
    pub secret: Option<Secret>,
    /// Federated token file for workload identity; required for it (the caller decides where it comes
    /// from, e.g. the standard `AZURE_FEDERATED_TOKEN_FILE`; this crate never looks it up).
    pub federated_token_file: Option<PathBuf>,
    /// Entra authority host; `None` is the public cloud (never `AZURE_AUTHORITY_HOST`). Set it for
    /// sovereign clouds ([`AuthSpec::for_cloud`]) or an allowed custom endpoint.
    pub authority_host: Option<Url>,
    /// Extra CA (PEM) to trust on the authority host, e.g. the emulator's.
    pub ca_file: Option<PathBuf>,
}

impl AuthSpec {
    /// A spec for `method` whose tokens come from `cloud`'s fixed authority host.
    pub fn for_cloud(method: AuthMethod, cloud: crate::Cloud) -> Self {
        let mut spec = Self::new(method);
        spec.authority_host = Url::parse(cloud.authority_host()).ok();
        spec
    }

    /// A spec for `method` with every optional field unset.
    pub fn new(method: AuthMethod) -> Self {
        Self {
            method,
            tenant_id: None,
            client_id: None,
            secret: None,
            federated_token_file: None,
            authority_host: None,
            ca_file: None,
        }
    }
}

/// Builds the credential for `spec`. Fails early (before any token request) on missing inputs.
pub fn build_credential(spec: &AuthSpec) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let label = spec.method.label();
    let fail = |reason: String| ArmError::Auth {
        method: label.to_owned(),
        reason,
    };
    let options = client_options(spec)?;
    let credential: Arc<dyn TokenCredential> = match &spec.method {
        AuthMethod::Default => Arc::new(DefaultChain::new(default_chain_members(spec, &options)?)),
        AuthMethod::AzureCli => azure_cli(spec)?,
        AuthMethod::ClientSecret => client_secret(spec, options)?,
        AuthMethod::ClientCertificate { certificate_path } => {
            crate::client_certificate::credential(spec, certificate_path, options)?
        }
        AuthMethod::WorkloadIdentity => workload_identity(spec, options)?,
        AuthMethod::AzurePipelines {
            service_connection_id,
            system_access_token,
        } => {
            let (tenant, client) = (
                required(spec.tenant_id.as_ref(), "tenant id", label)?,
                required(spec.client_id.as_ref(), "client id", label)?,
            );
            let opts = AzurePipelinesCredentialOptions {
                credential_options: assertion_options(options),
            };
            AzurePipelinesCredential::new(
                tenant,
                client,
                service_connection_id,
                system_access_token.expose().to_owned(),
                Some(opts),
            )
            .map_err(|e| fail(describe_credential_error(&e)))?
        }
        AuthMethod::ManagedIdentity => managed_identity(spec, options)?,
    };
    Ok(credential)
}

fn required(value: Option<&String>, what: &str, label: &str) -> Result<String, ArmError> {
    value
        .filter(|v| !v.is_empty())
        .cloned()
        .ok_or_else(|| ArmError::Auth {
            method: label.to_owned(),
            reason: format!("no {what} given"),
        })
}

/// azure_core options: our transport (with `ca_file`) and the authority host.
pub(crate) fn client_options(spec: &AuthSpec) -> Result<ClientOptions, ArmError> {
    let http = build_http_client(
        spec.ca_file.as_deref(),
        concat!("sentinelctl/", env!("CARGO_PKG_VERSION")),
    )?;
    let mut options = IdentityTransport::new(http).client_options();
    let cloud = match &spec.authority_host {
        Some(host) => {
            let mut custom = CustomConfiguration::default();
            host.as_str()
                .trim_end_matches('/')
                .clone_into(&mut custom.authority_host);
            CloudConfiguration::Custom(custom)
        }
        // Explicit, so azure_identity never takes the host from `AZURE_AUTHORITY_HOST`.
        None => CloudConfiguration::AzurePublic,
    };
    options.cloud = Some(Arc::new(cloud));
    Ok(options)
}

fn assertion_options(client_options: ClientOptions) -> ClientAssertionCredentialOptions {
    ClientAssertionCredentialOptions { client_options }
}

fn map_err(label: &str) -> impl Fn(azure_core::Error) -> ArmError + '_ {
    move |e| ArmError::Auth {
        method: label.to_owned(),
        reason: describe_credential_error(&e),
    }
}

pub(crate) fn azure_cli(spec: &AuthSpec) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let options = AzureCliCredentialOptions {
        tenant_id: spec.tenant_id.clone(),
        ..Default::default()
    };
    Ok(AzureCliCredential::new(Some(options)).map_err(map_err("azure-cli"))?)
}

pub(crate) fn client_secret(
    spec: &AuthSpec,
    options: ClientOptions,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let label = "client-secret";
    let tenant = required(spec.tenant_id.as_ref(), "tenant id", label)?;
    let client = required(spec.client_id.as_ref(), "client id", label)?;
    let secret = spec.secret.as_ref().ok_or_else(|| ArmError::Auth {
        method: label.into(),
        reason: "no client secret given".into(),
    })?;
    let opts = ClientSecretCredentialOptions {
        client_options: options,
    };
    Ok(ClientSecretCredential::new(
        &tenant,
        client,
        secret.expose().to_owned().into(),
        Some(opts),
    )
    .map_err(map_err(label))?)
}

pub(crate) fn workload_identity(
    spec: &AuthSpec,
    options: ClientOptions,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let label = "workload-identity";
    // All three explicit: azure_identity would otherwise read them from `AZURE_*` variables.
    let tenant = required(spec.tenant_id.as_ref(), "tenant id", label)?;
    let client = required(spec.client_id.as_ref(), "client id", label)?;
    let file = spec
        .federated_token_file
        .clone()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| ArmError::Auth {
            method: label.into(),
            reason: "no federated token file given".into(),
        })?;
    let opts = WorkloadIdentityCredentialOptions {
        credential_options: assertion_options(options),
        client_id: Some(client),
        tenant_id: Some(tenant),
        token_file_path: Some(file),
    };
    Ok(WorkloadIdentityCredential::new(Some(opts)).map_err(map_err("workload-identity"))?)
}

pub(crate) fn managed_identity(
    spec: &AuthSpec,
    options: ClientOptions,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let opts = ManagedIdentityCredentialOptions {
        user_assigned_id: spec.client_id.clone().map(UserAssignedId::ClientId),
        client_options: options,
    };
    Ok(ManagedIdentityCredential::new(Some(opts)).map_err(map_err("managed-identity"))?)
}

/// The members of the default chain for this spec, labelled, in the order they are tried.
fn default_chain_members(
    spec: &AuthSpec,
    options: &ClientOptions,
) -> Result<Vec<ChainMember>, ArmError> {
    let mut members: Vec<ChainMember> = Vec::new();
    if spec.secret.is_some() && spec.tenant_id.is_some() && spec.client_id.is_some() {
        members.push(("client-secret", client_secret(spec, options.clone())?));
    }
    if spec.federated_token_file.is_some() && spec.tenant_id.is_some() && spec.client_id.is_some() {
        members.push((
            "workload-identity",
            workload_identity(spec, options.clone())?,
        ));
    }
    members.push(("azure-cli", azure_cli(spec)?));
    members.push(("managed-identity", managed_identity(spec, options.clone())?));
    Ok(members)
}

/// An azure_core error as one readable line plus its causes (no secrets: see the module doc).
pub fn describe_credential_error(e: &azure_core::Error) -> String {
    let mut text = e
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let line = s.to_string();
        let line = line.lines().next().unwrap_or_default().trim();
        if !line.is_empty() && !text.contains(line) {
            text.push_str(": ");
            text.push_str(line);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug_or_display() {
        let mut spec = AuthSpec::new(AuthMethod::AzurePipelines {
            service_connection_id: "sc".into(),
            system_access_token: Secret::new("pipeline-token-value"),
        });
        spec.secret = Some(Secret::new("hunter2-client-secret"));
        let debug = format!("{spec:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("pipeline-token-value"),
            "{debug}"
        );
        assert!(debug.contains("***"));
        assert_eq!(Secret::new("x").to_string(), "***");
        assert_eq!(Secret::new("x").expose(), "x");
    }

    #[test]
    fn missing_inputs_fail_before_any_request() {
        let spec = AuthSpec::new(AuthMethod::ClientSecret);
        let err = build_credential(&spec).expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "could not get a token with `client-secret`: no tenant id given"
        );
        assert!(err.hint().unwrap().contains("service principal"));
        let mut spec = AuthSpec::new(AuthMethod::WorkloadIdentity);
        spec.tenant_id = Some("00000000-0000-0000-0000-000000000001".into());
        spec.client_id = Some("c".into());
        spec.federated_token_file = Some("/nonexistent/token".into());
        let err = build_credential(&spec)
            .expect_err("a missing federated token file fails at build time")
            .to_string();
        assert!(
            err.starts_with("could not get a token with `workload-identity`"),
            "{err}"
        );
    }

    #[test]
    fn builds_each_method_offline() {
        let mut spec = AuthSpec::new(AuthMethod::ClientSecret);
        spec.tenant_id = Some("00000000-0000-0000-0000-000000000001".into());
        spec.client_id = Some("app".into());
        spec.secret = Some(Secret::new("s"));
        spec.authority_host = Some(Url::parse("https://login.microsoftonline.us").unwrap());
        assert!(build_credential(&spec).is_ok());
        for method in [
            AuthMethod::AzureCli,
            AuthMethod::ManagedIdentity,
            AuthMethod::Default,
        ] {
            spec.method = method;
            assert!(build_credential(&spec).is_ok(), "{:?}", spec.method);
        }
        assert_eq!(AuthMethod::WorkloadIdentity.label(), "workload-identity");
    }

    /// Issue 11: nothing is taken from the environment that the caller did not pass.
    #[test]
    fn workload_identity_needs_every_input_explicitly() {
        let mut spec = AuthSpec::new(AuthMethod::WorkloadIdentity);
        spec.tenant_id = Some("00000000-0000-0000-0000-000000000001".into());
        spec.client_id = Some("c".into());
        let err = build_credential(&spec).unwrap_err().to_string();
        assert!(err.ends_with("no federated token file given"), "{err}");
        spec.federated_token_file = Some(PathBuf::new());
        assert!(build_credential(&spec).is_err(), "an empty path is no path");
        spec.federated_token_file = Some("/nonexistent/token".into());
        spec.client_id = None;
        let err = build_credential(&spec).unwrap_err().to_string();
        assert!(err.ends_with("no client id given"), "{err}");
        // The default chain only tries workload identity when the file was given.
        let mut chain = AuthSpec::new(AuthMethod::Default);
        chain.tenant_id = Some("00000000-0000-0000-0000-000000000001".into());
        chain.client_id = Some("c".into());
        let members = default_chain_members(&chain, &client_options(&chain).unwrap()).unwrap();
        let labels: Vec<_> = members.iter().map(|(l, _)| *l).collect();
        assert_eq!(labels, ["azure-cli", "managed-identity"]);
    }

    #[test]
    fn the_authority_host_is_always_explicit() {
        let public = client_options(&AuthSpec::new(AuthMethod::AzureCli)).unwrap();
        assert!(matches!(
            public.cloud.as_deref(),
            Some(CloudConfiguration::AzurePublic)
        ));
        let gov = AuthSpec::for_cloud(AuthMethod::ClientSecret, crate::Cloud::AzureUsGovernment);
        assert_eq!(
            gov.authority_host.as_ref().map(Url::as_str),
            Some("https://login.microsoftonline.us/")
        );
        match client_options(&gov).unwrap().cloud.as_deref() {
            Some(CloudConfiguration::Custom(c)) => {
                assert_eq!(c.authority_host, "https://login.microsoftonline.us");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
