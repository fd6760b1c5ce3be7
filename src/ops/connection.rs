//! Connecting to a workspace: an [`Environment`] plus the invoker's [`ConnectOptions`] → an
//! authenticated [`ArmClient`] inside a [`Connection`] that cleans up after itself.
//!
//! The trust boundary (see `docs/security.md`): the environment file, which a pull request can
//! change, chooses *which* workspace and *which* login method. It never chooses where credentials
//! are sent or read from:
//! - named clouds use Microsoft's fixed endpoints (the file cannot override them, see the model);
//! - a `cloud: custom` URL is used only when the invoker allows its host ([`ConnectOptions::allowed_hosts`],
//!   from `--allow-endpoint` and `SENTINELCTL_ALLOW_ENDPOINTS`); `embedded` (in-process) always is;
//! - the federated token file and client certificate come from the standard variables
//!   (`AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_CERTIFICATE_PATH`) or flags, never from the file;
//! - a secret is read from `AZURE_CLIENT_SECRET`, or from the variable the file names only when the
//!   invoker allows that name (`SENTINELCTL_*` names are allowed for the in-process emulator), and
//!   never from a variable holding CI credentials (`ACTIONS_*`, `GITHUB_*`, `RUNNER_*`, `SYSTEM_*`).
//!
//! The Log Analytics query API (`query --env`) follows the same rules: a named cloud's fixed host,
//! `endpoints.logAnalytics` of a `custom` file only when the invoker allows it, and the emulator
//! (in-process or the invoker's `--arm-endpoint`) for an environment written for it. Its token is
//! for the Log Analytics audience, from the same credential as ARM's.
//!
//! The embedded emulator keeps its state in `.sentinelctl/local-state.json` under the repository root.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use sentinel_arm::{
    ArmClient, ArmClientConfig, AuthSpec, EndpointAllowList, LogsQueryClient, LogsQueryConfig,
    Secret, WorkspaceRef,
};
use url::Url;

use crate::live::LiveState;
use crate::model::Environment;
use crate::model::environment::{AuthMethod, Cloud, Endpoint};
use crate::session::Session;
use crate::validate::environment::RESERVED_SECRET_PREFIXES;

/// Secret the embedded emulator is logged into with when no secret variable is set. The
/// emulator accepts any secret by default; this is not a credential for anything else.
pub const EMBEDDED_DEV_SECRET: &str = "sentinelctl-embedded-emulator";

/// How the invoker wants to connect: flags and the invoker's own variables, never repository content.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// ARM endpoint overriding the environment (`--arm-endpoint`).
    pub arm_endpoint: Option<Url>,
    /// Authority host overriding the environment (`--authority-host`).
    pub authority_host: Option<Url>,
    /// Extra CA to trust.
    pub ca_file: Option<PathBuf>,
    /// Allow `http://` to loopback.
    pub allow_http: bool,
    /// Login method overriding the environment (`--auth`).
    pub auth: Option<AuthMethod>,
    /// Origins (`host[:port]` = https, or `scheme://host:port`) a `cloud: custom` environment may
    /// send credentials to. Matched exactly, loopback included: content cannot allow a port.
    pub allowed_hosts: EndpointAllowList,
    /// Variable names an environment may read its client secret from.
    pub allowed_secret_envs: Vec<String>,
    /// Client certificate PEM (`--client-certificate` or `AZURE_CLIENT_CERTIFICATE_PATH`).
    pub client_certificate: Option<PathBuf>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Per-subscription limits shared with the other connections of a fleet run (in-flight bound,
    /// ARM's request buckets, and a 429 pausing every workspace of that subscription); `None` gives
    /// the connection its own.
    pub shared_limits: Option<Arc<sentinel_arm::SubscriptionLimits>>,
    /// Credentials shared with the other connections of a fleet run: one sign-in per login,
    /// tenant and audience, however many workspaces; `None` signs in for this connection alone.
    pub credentials: Option<Arc<sentinel_arm::CredentialPools>>,
    /// Custom tables (`name`, `[(column, type)]`) an embedded emulator workspace starts with: the
    /// repository's `_CL` schemas, as if their data connectors were installed.
    pub embedded_tables: Vec<(String, Vec<(String, String)>)>,
}

/// The Tables API's spelling of a `schemas/*.json` column type.
fn tables_api_type(ty: &str) -> String {
    match ty.to_ascii_lowercase().as_str() {
        "datetime" | "date" => "dateTime".into(),
        "bool" | "boolean" => "boolean".into(),
        "double" | "real" => "real".into(),
        "int" => "int".into(),
        "long" => "long".into(),
        "guid" | "uniqueid" => "guid".into(),
        "dynamic" => "dynamic".into(),
        _ => "string".into(),
    }
}

/// The custom tables of a repository's `schemas/`, for [`ConnectOptions::embedded_tables`].
pub fn custom_tables(repo: &crate::load::Repository) -> Vec<(String, Vec<(String, String)>)> {
    repo.tables
        .iter()
        .filter(|t| t.name.ends_with("_CL"))
        .map(|t| {
            let columns = t
                .columns
                .iter()
                .map(|(n, ty)| (n.clone(), tables_api_type(ty)))
                .collect();
            (t.name.clone(), columns)
        })
        .collect()
}

/// An open connection. Dropping it stops the embedded emulator it started (state is written after
/// every write, so nothing is lost); [`Connection::close`] also logs the request figures.
pub struct Connection {
    /// The client.
    pub client: Arc<ArmClient>,
    /// The workspace.
    pub ws: WorkspaceRef,
    emulator: Option<arm_emulator::Emulator>,
    /// The query client's configuration, or why this environment cannot be queried.
    logs: Option<Result<LogsQueryConfig, String>>,
}

impl Connection {
    /// Reads the workspace's live state.
    pub async fn read_live(&self, workspace: &str) -> anyhow::Result<LiveState> {
        // boxed: the read joins ten LIST calls, a large future to keep on every caller's stack
        Box::pin(crate::live::read(&self.client, &self.ws))
            .await
            .with_context(|| format!("cannot read workspace `{workspace}`"))
    }

    /// A client for the workspace's Log Analytics query API (once per connection).
    pub fn logs_client(&mut self) -> anyhow::Result<LogsQueryClient> {
        match self.logs.take() {
            Some(Ok(config)) => {
                LogsQueryClient::new(config).context("cannot create the Log Analytics query client")
            }
            Some(Err(why)) => Err(anyhow::anyhow!(why)),
            None => bail!("the Log Analytics query client was already created for this connection"),
        }
    }

    /// Stops the embedded emulator (flushing its state) and logs the request figures.
    pub async fn close(mut self) {
        log_stats(&self.client);
        if let Some(e) = self.emulator.take() {
            e.shutdown().await;
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.emulator.is_some() {
            log_stats(&self.client);
        }
    }
}

fn log_stats(client: &ArmClient) {
    let stats = client.stats();
    tracing::info!(
        requests = stats.requests,
        retries = stats.retries,
        throttled = stats.throttled,
        "ARM requests made"
    );
}

fn parse_url(text: &str, what: &str) -> anyhow::Result<Url> {
    Url::parse(text).with_context(|| format!("`{text}` is not a valid {what} URL"))
}

/// An endpoint named by the environment file: Microsoft's for named clouds, else only when allowed.
fn file_endpoint(
    env: &Environment,
    url: &str,
    what: &str,
    opts: &ConnectOptions,
) -> anyhow::Result<Url> {
    let parsed = parse_url(url, what)?;
    if env.cloud == Cloud::Custom && !opts.allowed_hosts.lists(&parsed) {
        bail!(
            "environment `{}` sends credentials to `{url}` ({what}), which is not allowed here\n\
             help: if that host is yours, allow it where sentinelctl runs: `--allow-endpoint {}` or \
             SENTINELCTL_ALLOW_ENDPOINTS={} (repository content cannot allow it)",
            env.name,
            host_label(&parsed),
            host_label(&parsed)
        );
    }
    Ok(parsed)
}

fn host_label(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

/// The custom tables of the table schemas in `dir`, for each of `workspaces` (`sentinelctl
/// emulator --seed-tables`).
pub fn seed_tables_from(
    dir: &Path,
    workspaces: &[String],
) -> anyhow::Result<Vec<arm_emulator::SeedTable>> {
    let mut repo = crate::load::Repository {
        root: dir.to_path_buf(),
        ..crate::load::Repository::default()
    };
    repo.load_tables(dir)
        .with_context(|| format!("cannot read table schemas in `{}`", dir.display()))?;
    let tables = custom_tables(&repo);
    Ok(workspaces
        .iter()
        .flat_map(|ws| seeds(ws, &tables))
        .collect())
}

fn seeds(
    workspace_id: &str,
    tables: &[(String, Vec<(String, String)>)],
) -> Vec<arm_emulator::SeedTable> {
    tables
        .iter()
        .map(|(name, columns)| arm_emulator::SeedTable {
            workspace_id: workspace_id.to_string(),
            name: name.clone(),
            columns: columns.clone(),
        })
        .collect()
}

async fn start_embedded(
    root: &Path,
    env: &Environment,
    tables: &[(String, Vec<(String, String)>)],
) -> anyhow::Result<arm_emulator::Emulator> {
    let dir = root.join(".sentinelctl");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let config = arm_emulator::Config {
        state_file: Some(dir.join("local-state.json")),
        // Each in-process emulator gets its own temporary CA directory: several may run at once
        // (drift over many environments) and must not overwrite each other's ca.pem.
        data_dir: PathBuf::new(),
        workspaces: vec![env.workspace_id()],
        seed_tables: seeds(&env.workspace_id(), tables),
        // refuse a rule reading a missing table, as Sentinel does
        check_rule_tables: true,
        ..arm_emulator::Config::default()
    };
    let emulator = arm_emulator::start(config)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the embedded emulator: {e}"))?;
    ingest_samples(root, &emulator, &env.workspace_id(), tables)?;
    Ok(emulator)
}

/// Where the embedded emulator's sample connector data lives: `samples/<Table>.jsonl` (or `.csv`).
pub const SAMPLES_DIR: &str = "samples";

/// Loads each custom table's file in `samples/` as the table's recent ingestion, times relative to
/// now (`-10m`) resolved at start: the embedded workspace receives data as if its connector had just
/// ingested it, so the query API, `query --env local` and `doctor` see live data. The rows are kept
/// in memory only (never in the state file), beside any rows a user loaded.
/// Only regular files directly in `samples/`, named by a plain table identifier, are read (no
/// symlinks, no path in a name: nothing outside the repository).
fn ingest_samples(
    root: &Path,
    emulator: &arm_emulator::Emulator,
    workspace_id: &str,
    tables: &[(String, Vec<(String, String)>)],
) -> anyhow::Result<()> {
    let dir = root.join(SAMPLES_DIR);
    if !std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
        return Ok(());
    }
    let now = crate::run::current_time();
    for (table, _) in tables {
        let files = sample_files(&dir, table);
        if files.is_empty() {
            continue;
        }
        // the workspace's own columns: a table removed from it (its state says so) gets no data,
        // and columns it lacks are dropped, as ingestion into a narrower table does
        let Some(columns) = emulator.table_columns(workspace_id, table) else {
            continue;
        };
        let mut rows: Vec<serde_json::Value> = Vec::new();
        for path in &files {
            for (i, row) in crate::run::data::read_file(path)?.into_iter().enumerate() {
                rows.push(
                    sample_row(row, &columns, now)
                        .with_context(|| format!("`{}` row {}", path.display(), i + 1))?,
                );
            }
        }
        emulator
            .set_ingested_rows(workspace_id, table, &rows)
            .map_err(|why| anyhow::anyhow!("`{}`: {why}", dir.display()))?;
    }
    Ok(())
}

/// The sample files of `table` in `dir`: `<table>.jsonl` and `<table>.csv` that are regular files.
/// The name comes from `schemas/` (content): only a plain identifier names a file, so nothing
/// outside `samples/` is ever read.
fn sample_files(dir: &Path, table: &str) -> Vec<PathBuf> {
    if table.is_empty() || !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Vec::new();
    }
    ["jsonl", "csv"]
        .iter()
        .map(|ext| dir.join(format!("{table}.{ext}")))
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
        .collect()
}

/// One sample row as the emulator takes it: only the workspace table's `columns`, datetime columns
/// absolute (relative times resolved).
fn sample_row(
    row: Vec<(String, serde_json::Value)>,
    columns: &[(String, String)],
    now: sentinel_kql_engine::DateTime,
) -> anyhow::Result<serde_json::Value> {
    let mut out = serde_json::Map::new();
    for (name, value) in row {
        let Some((_, ty)) = columns.iter().find(|(c, _)| c == &name) else {
            continue;
        };
        let is_time = ty.eq_ignore_ascii_case("dateTime");
        let value = match (&value, is_time) {
            (serde_json::Value::String(s), true) => {
                match crate::run::data::cell(s, sentinel_kql_engine::Type::DateTime, now)
                    .map_err(anyhow::Error::msg)?
                {
                    sentinel_kql_engine::Value::DateTime(t) => {
                        serde_json::Value::String(t.to_string())
                    }
                    _ => serde_json::Value::Null,
                }
            }
            _ => value,
        };
        out.insert(name, value);
    }
    Ok(serde_json::Value::Object(out))
}

/// The client secret: `AZURE_CLIENT_SECRET`, or the variable the file names when the invoker allows it.
fn secret(
    env: &Environment,
    opts: &ConnectOptions,
    embedded: bool,
) -> anyhow::Result<Option<Secret>> {
    let named = env.auth.client_secret_env.as_deref();
    let var = named.unwrap_or("AZURE_CLIENT_SECRET");
    let upper = var.to_ascii_uppercase();
    if let Some(prefix) = RESERVED_SECRET_PREFIXES
        .iter()
        .find(|p| upper.starts_with(**p))
    {
        bail!(
            "environment `{}` asks for its client secret from `{var}`, a variable holding CI credentials (`{prefix}*`); refused\n\
             help: remove `auth.clientSecretEnv` and set AZURE_CLIENT_SECRET",
            env.name
        );
    }
    let allowed = var == "AZURE_CLIENT_SECRET"
        || opts.allowed_secret_envs.iter().any(|a| a == var)
        || (embedded && upper.starts_with("SENTINELCTL_"));
    if !allowed {
        bail!(
            "environment `{}` asks for its client secret from `{var}`, which is not allowed here\n\
             help: allow the variable where sentinelctl runs (`--allow-secret-env {var}` or \
             SENTINELCTL_ALLOW_SECRET_ENV={var}), or use AZURE_CLIENT_SECRET",
            env.name
        );
    }
    Ok(Session::env_var(var)
        .or_else(|| embedded.then(|| EMBEDDED_DEV_SECRET.to_string()))
        .map(Secret::new))
}

fn auth_spec(
    env: &Environment,
    opts: &ConnectOptions,
    authority: Option<Url>,
    ca: Option<PathBuf>,
    embedded: bool,
) -> anyhow::Result<AuthSpec> {
    let method = opts.auth.unwrap_or(env.auth.method);
    let arm_method = match method {
        AuthMethod::Default => sentinel_arm::AuthMethod::Default,
        AuthMethod::AzureCli => sentinel_arm::AuthMethod::AzureCli,
        AuthMethod::ClientSecret => sentinel_arm::AuthMethod::ClientSecret,
        AuthMethod::ClientCertificate => sentinel_arm::AuthMethod::ClientCertificate {
            certificate_path: opts.client_certificate.clone().context(
                "auth method `client-certificate` needs the certificate: set AZURE_CLIENT_CERTIFICATE_PATH or pass --client-certificate",
            )?,
        },
        AuthMethod::WorkloadIdentity => sentinel_arm::AuthMethod::WorkloadIdentity,
        AuthMethod::AzurePipelines => sentinel_arm::AuthMethod::AzurePipelines {
            service_connection_id: env
                .auth
                .service_connection_id
                .clone()
                .context("auth method `azure-pipelines` needs `auth.serviceConnectionId`")?,
            system_access_token: Secret::new(Session::env_var("SYSTEM_ACCESSTOKEN").context(
                "set SYSTEM_ACCESSTOKEN from $(System.AccessToken) in the pipeline step",
            )?),
        },
        AuthMethod::ManagedIdentity => sentinel_arm::AuthMethod::ManagedIdentity,
    };
    let mut spec = AuthSpec::new(arm_method);
    spec.tenant_id = Some(env.tenant_id.clone());
    spec.client_id = env
        .auth
        .client_id
        .clone()
        .or_else(|| Session::env_var("AZURE_CLIENT_ID"));
    if matches!(method, AuthMethod::Default | AuthMethod::ClientSecret) {
        spec.secret = secret(env, opts, embedded)?;
    }
    spec.federated_token_file = Session::env_var("AZURE_FEDERATED_TOKEN_FILE").map(PathBuf::from);
    spec.authority_host = authority;
    spec.ca_file = ca;
    Ok(spec)
}

/// Opens a connection for `env`, honouring the invoker's options.
pub async fn connect(
    cx: &Session,
    env: &Environment,
    opts: &ConnectOptions,
) -> anyhow::Result<Connection> {
    let mut emulator = None;
    let mut ca = opts.ca_file.clone();
    let arm = match (&opts.arm_endpoint, &env.resource_manager) {
        (Some(url), _) => url.clone(),
        (None, Endpoint::Url(url)) => file_endpoint(env, url, "ARM endpoint", opts)?,
        (None, Endpoint::Embedded) => {
            let e = start_embedded(&cx.root, env, &opts.embedded_tables).await?;
            ca = ca.or_else(|| e.ca_file().map(Path::to_path_buf));
            let url = parse_url(e.url(), "emulator")?;
            emulator = Some(e);
            url
        }
    };
    // An environment written for the emulator keeps its dev login when pointed at another emulator.
    let embedded = emulator.is_some() || env.is_embedded();
    let authority = match (&opts.authority_host, &env.authority_host) {
        (Some(url), _) => Some(url.clone()),
        (None, Endpoint::Url(url)) => Some(file_endpoint(env, url, "authority host", opts)?),
        (None, Endpoint::Embedded) if embedded || opts.arm_endpoint.is_some() => Some(arm.clone()),
        (None, Endpoint::Embedded) => None,
    };
    let spec = auth_spec(env, opts, authority, ca.clone(), embedded)?;
    let credential = match &opts.credentials {
        Some(pools) => pools.credential(&spec),
        None => sentinel_arm::build_credential(&spec),
    }
    .context("cannot set up authentication")?;
    let logs = logs_endpoint(env, opts, &arm).map(|(endpoint, scope)| {
        let mut c = LogsQueryConfig::new(endpoint, credential.clone());
        c.scope = Some(scope);
        c.ca_file.clone_from(&ca);
        c.allow_insecure_http = opts.allow_http;
        c.concurrency = opts.concurrency.max(1);
        c.auth_label = spec.method.label().to_string();
        c
    });
    let mut config = ArmClientConfig::new(arm, credential);
    config.ca_file = ca;
    config.allow_insecure_http = opts.allow_http;
    config.concurrency = opts.concurrency.max(1);
    config.limits.clone_from(&opts.shared_limits);
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
        logs: Some(logs),
    })
}

/// The audience of Log Analytics tokens outside the named clouds (the emulator accepts it).
const LOG_ANALYTICS_SCOPE: &str = "https://api.loganalytics.io/.default";

/// Where `env`'s query API is and the token scope for it; `arm` is the ARM endpoint in use.
fn logs_endpoint(
    env: &Environment,
    opts: &ConnectOptions,
    arm: &Url,
) -> Result<(Url, String), String> {
    let named = match env.cloud {
        Cloud::Public => Some(sentinel_arm::Cloud::AzurePublic),
        Cloud::UsGovernment => Some(sentinel_arm::Cloud::AzureUsGovernment),
        Cloud::China => Some(sentinel_arm::Cloud::AzureChina),
        Cloud::Custom => None,
    };
    match (named, &env.log_analytics) {
        (Some(cloud), _) => Url::parse(cloud.log_analytics_endpoint())
            .map(|u| (u, cloud.log_analytics_scope().to_string()))
            .map_err(|e| e.to_string()),
        // the emulator serves ARM and the query API on one URL
        (None, Some(Endpoint::Embedded)) => Ok((arm.clone(), LOG_ANALYTICS_SCOPE.to_string())),
        (None, Some(Endpoint::Url(url))) => file_endpoint(env, url, "Log Analytics endpoint", opts)
            .map(|u| (u, LOG_ANALYTICS_SCOPE.to_string()))
            .map_err(|e| format!("{e:#}")),
        (None, None) => Err(format!(
            "environment `{}` (cloud `custom`) does not say where its Log Analytics query API is\n\
             help: add `endpoints.logAnalytics: https://HOST` (or `embedded` for the emulator) to the environment file",
            env.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_files_are_named_by_plain_table_identifiers_only() {
        let dir = tempfile::tempdir().unwrap();
        let samples = dir.path().join("samples");
        std::fs::create_dir(&samples).unwrap();
        std::fs::write(dir.path().join("outside_CL.jsonl"), "{}\n").unwrap();
        std::fs::write(samples.join("T_CL.jsonl"), "{}\n").unwrap();
        std::fs::create_dir(samples.join("D_CL.csv")).unwrap();
        assert_eq!(
            sample_files(&samples, "T_CL"),
            vec![samples.join("T_CL.jsonl")]
        );
        assert!(sample_files(&samples, "../outside_CL").is_empty());
        assert!(
            sample_files(&samples, "D_CL").is_empty(),
            "a folder is not a sample file"
        );
        assert!(sample_files(&samples, "").is_empty());
    }
    use crate::schema::YamlEnvironment;

    fn env(cloud: &str, endpoints: serde_json::Value) -> Environment {
        let mut raw = serde_json::json!({
            "tenantId": "00000000-0000-0000-0000-000000000001",
            "subscriptionId": "00000000-0000-0000-0000-00000000000a",
            "resourceGroup": "rg",
            "workspace": "ws",
            "cloud": cloud,
            "auth": {"method": "client-secret", "clientId": "00000000-0000-0000-0000-0000000000c1"},
        });
        if !endpoints.is_null() {
            raw["endpoints"] = endpoints;
        }
        let raw: YamlEnvironment = serde_json::from_value(raw).unwrap();
        Environment::from_yaml("e", &raw).unwrap_or_else(|p| panic!("{p:?}"))
    }

    #[test]
    fn the_query_endpoint_follows_the_trust_boundary() {
        let arm = Url::parse("https://127.0.0.1:4443").unwrap();
        let none = ConnectOptions::default();
        // named clouds: Microsoft's host and audience, whatever the invoker's ARM endpoint
        let (url, scope) =
            logs_endpoint(&env("usgov", serde_json::Value::Null), &none, &arm).unwrap();
        assert_eq!(url.as_str(), "https://api.loganalytics.us/");
        assert_eq!(scope, "https://api.loganalytics.us/.default");
        // the emulator serves the query API on its own URL
        let local = env("custom", serde_json::json!({"resourceManager": "embedded"}));
        assert_eq!(logs_endpoint(&local, &none, &arm).unwrap().0, arm);
        // a file's custom host only when the invoker allows it
        let custom = env(
            "custom",
            serde_json::json!({"resourceManager": "https://arm.example", "authorityHost": "https://login.example", "logAnalytics": "https://logs.example"}),
        );
        let refused = logs_endpoint(&custom, &none, &arm).unwrap_err();
        assert!(
            refused.contains("logs.example") && refused.contains("not allowed"),
            "{refused}"
        );
        let allowed = ConnectOptions {
            allowed_hosts: EndpointAllowList::parse("logs.example").unwrap(),
            ..ConnectOptions::default()
        };
        let (url, scope) = logs_endpoint(&custom, &allowed, &arm).unwrap();
        assert_eq!(url.as_str(), "https://logs.example/");
        assert_eq!(scope, LOG_ANALYTICS_SCOPE);
        // a custom cloud without one says what to add
        let silent = env(
            "custom",
            serde_json::json!({"resourceManager": "https://arm.example", "authorityHost": "https://login.example"}),
        );
        let missing = logs_endpoint(&silent, &allowed, &arm).unwrap_err();
        assert!(missing.contains("endpoints.logAnalytics"), "{missing}");
    }

    #[test]
    fn a_named_cloud_cannot_redirect_queries() {
        let raw: YamlEnvironment = serde_json::from_value(serde_json::json!({
            "tenantId": "00000000-0000-0000-0000-000000000001",
            "subscriptionId": "00000000-0000-0000-0000-00000000000a",
            "resourceGroup": "rg", "workspace": "ws", "cloud": "public",
            "endpoints": {"logAnalytics": "https://evil.example"},
        }))
        .unwrap();
        let problems = Environment::from_yaml("e", &raw).unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| format!("{p:?}").contains("logAnalytics")),
            "{problems:?}"
        );
    }
}
