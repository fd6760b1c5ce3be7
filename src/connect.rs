//! Connecting to a workspace: environment + `--arm-endpoint`/`--authority-host`/`--ca-file`
//! flags → an authenticated [`ArmClient`], starting the embedded emulator when the environment
//! says `embedded` and no flag overrides it.
//!
//! Secrets come from the environment variable the environment file names; they are never
//! printed. The embedded emulator keeps its state in `.sentinelctl/local-state.json` under the
//! repository root.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use sentinel_arm::{ArmClient, ArmClientConfig, AuthMethod, AuthSpec, Secret, WorkspaceRef};
use url::Url;

use crate::args::ArmArgs;
use crate::model::{Endpoint, Environment};
use crate::session::Session;

/// Secret the embedded emulator is logged into with when no secret variable is set. The
/// emulator accepts any secret by default; this is not a credential for anything else.
pub const EMBEDDED_DEV_SECRET: &str = "sentinelctl-embedded-emulator";

/// An open connection; keeps the embedded emulator alive while it exists.
pub struct Connection {
    /// The client.
    pub client: Arc<ArmClient>,
    /// The workspace.
    pub ws: WorkspaceRef,
    /// The in-process emulator, when one was started.
    pub emulator: Option<arm_emulator::Emulator>,
}

impl Connection {
    /// Stops the embedded emulator (flushing its state).
    pub async fn close(self) {
        let stats = self.client.stats();
        tracing::info!(
            requests = stats.requests,
            retries = stats.retries,
            throttled = stats.throttled,
            "ARM requests made"
        );
        if let Some(e) = self.emulator {
            e.shutdown().await;
        }
    }
}

fn parse_url(text: &str, what: &str) -> anyhow::Result<Url> {
    Url::parse(text).with_context(|| format!("`{text}` is not a valid {what} URL"))
}

async fn start_embedded(root: &Path, env: &Environment) -> anyhow::Result<arm_emulator::Emulator> {
    let dir = root.join(".sentinelctl");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let config = arm_emulator::Config {
        state_file: Some(dir.join("local-state.json")),
        // Each in-process emulator gets its own temporary CA directory: several may run at once
        // (drift over many environments) and must not overwrite each other's ca.pem.
        data_dir: std::path::PathBuf::new(),
        workspaces: vec![env.workspace_id()],
        ..arm_emulator::Config::default()
    };
    arm_emulator::start(config)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the embedded emulator: {e}"))
}

fn auth_spec(
    env: &Environment,
    method_flag: Option<&str>,
    authority: Option<Url>,
    ca: Option<PathBuf>,
    embedded: bool,
) -> anyhow::Result<AuthSpec> {
    let auth = env.auth.as_ref();
    let method_name = method_flag
        .or(auth.map(|a| a.method.as_str()))
        .unwrap_or("default");
    let secret = || {
        let var = auth
            .and_then(|a| a.client_secret_env.clone())
            .unwrap_or_else(|| "AZURE_CLIENT_SECRET".into());
        Session::env_var(&var)
            .or_else(|| embedded.then(|| EMBEDDED_DEV_SECRET.to_string()))
            .map(Secret::new)
    };
    let method = match method_name {
        "default" => AuthMethod::Default,
        "azure-cli" => AuthMethod::AzureCli,
        "client-secret" => AuthMethod::ClientSecret,
        "client-certificate" => AuthMethod::ClientCertificate {
            certificate_path: auth
                .and_then(|a| a.certificate_file.clone())
                .map(PathBuf::from)
                .context("auth method `client-certificate` needs `auth.certificateFile`")?,
        },
        "workload-identity" => AuthMethod::WorkloadIdentity,
        "azure-pipelines" => AuthMethod::AzurePipelines {
            service_connection_id: auth
                .and_then(|a| a.service_connection_id.clone())
                .context("auth method `azure-pipelines` needs `auth.serviceConnectionId`")?,
            system_access_token: Secret::new(Session::env_var("SYSTEM_ACCESSTOKEN").context(
                "set SYSTEM_ACCESSTOKEN from $(System.AccessToken) in the pipeline step",
            )?),
        },
        "managed-identity" => AuthMethod::ManagedIdentity,
        other => bail!(
            "unknown auth method `{other}` (expected default, azure-cli, client-secret, client-certificate, workload-identity, azure-pipelines or managed-identity)"
        ),
    };
    let mut spec = AuthSpec::new(method);
    spec.tenant_id = Some(env.tenant_id.clone());
    spec.client_id = auth
        .and_then(|a| a.client_id.clone())
        .or_else(|| Session::env_var("AZURE_CLIENT_ID"));
    spec.secret = secret();
    spec.federated_token_file = auth
        .and_then(|a| a.federated_token_file.clone())
        .or_else(|| Session::env_var("AZURE_FEDERATED_TOKEN_FILE"))
        .map(PathBuf::from);
    spec.authority_host = authority;
    spec.ca_file = ca;
    Ok(spec)
}

/// Opens a connection for `env`, honouring the override flags.
pub async fn connect(
    cx: &Session,
    env: &Environment,
    flags: &ArmArgs,
    concurrency: usize,
) -> anyhow::Result<Connection> {
    let mut emulator = None;
    let mut ca = flags.ca_file.clone();
    let arm = match (&flags.arm_endpoint, &env.resource_manager) {
        (Some(url), _) => parse_url(url, "ARM endpoint")?,
        (None, Endpoint::Url(url)) => parse_url(url, "ARM endpoint")?,
        (None, Endpoint::Embedded) => {
            let e = start_embedded(&cx.root, env).await?;
            ca = ca.or_else(|| e.ca_file().map(Path::to_path_buf));
            let url = parse_url(e.url(), "emulator")?;
            emulator = Some(e);
            url
        }
    };
    // An environment written for the emulator keeps its dev login when pointed at another emulator.
    let embedded = emulator.is_some() || env.resource_manager == Endpoint::Embedded;
    let authority = match (&flags.authority_host, &env.authority_host) {
        (Some(url), _) => Some(parse_url(url, "authority host")?),
        (None, Endpoint::Url(url)) => Some(parse_url(url, "authority host")?),
        (None, Endpoint::Embedded) if embedded || flags.arm_endpoint.is_some() => Some(arm.clone()),
        (None, Endpoint::Embedded) => None,
    };
    let spec = auth_spec(env, flags.auth.as_deref(), authority, ca.clone(), embedded)?;
    let credential =
        sentinel_arm::build_credential(&spec).context("cannot set up authentication")?;
    let mut config = ArmClientConfig::new(arm, credential);
    config.ca_file = ca;
    config.allow_insecure_http = flags.allow_http;
    config.concurrency = concurrency.max(1);
    config.auth_label = spec.method.label().to_string();
    let client = ArmClient::new(config).context("cannot create the ARM client")?;
    let ws = WorkspaceRef::new(
        env.subscription_id.clone(),
        env.resource_group.clone(),
        env.workspace.clone(),
    );
    Ok(Connection {
        client: Arc::new(client),
        ws,
        emulator,
    })
}
