//! # arm_emulator
//!
//! An emulator of the slice of Azure Resource Manager that sentinelctl talks to, built from Microsoft's
//! published contracts (the OpenAPI files and examples under `specs/`, see `specs/MANIFEST.tsv`), not
//! from sentinelctl's own types: it depends on no sentinelctl crate, so it cannot share their bugs.
//! `sentinelctl emulator` runs it; tests embed it in-process.
//!
//! ## What it serves (one base URL)
//! * `Microsoft.SecurityInsights/alertRules` under a workspace — Scheduled and NRT with the service's
//!   defaults, Fusion/MLBehaviorAnalytics/ThreatIntelligence bound to their built-in templates,
//!   MicrosoftSecurityIncidentCreation; `metadata`; `watchlists` and `watchlistItems` (asynchronous
//!   watchlist delete with a pollable status URL, [`Config::watchlist_delete_delay`]);
//!   `automationRules`; Log Analytics `savedSearches` (hunting queries with `tags` included);
//!   resource-group `Microsoft.Insights/workbooks` (GUID names, LIST needs `category`); GET/PUT of the
//!   workspace itself; Log Analytics `tables` (built-in tables from `data/builtin_tables.json`, custom
//!   `_CL` tables, [`Config::seed_tables`]), with Sentinel's refusal of a Scheduled/NRT rule whose query
//!   reads a missing table when [`Config::check_rule_tables`] is on; Sentinel `onboardingStates`
//!   (a workspace whose `default` state was deleted answers every other Sentinel call with 400 "not
//!   onboarded"); the caller's `Microsoft.Authorization/permissions` on a workspace. Unknown
//!   subscription, resource group or workspace → ARM's 404s.
//! * api-versions real clients send: stable SecurityInsights versions are validated with the stable
//!   2025-12-01 schema (no NRT, `subTechniques`, `sentinelEntitiesMappings`), previews with
//!   2025-04-01-preview; savedSearches (and the workspace) with 2025-02-01 (list not paged);
//!   workbooks with 2023-06-01. Unknown versions → 400 `InvalidApiVersionParameter`.
//! * An Entra-shaped token endpoint: `POST {url}/{tenant}/oauth2/v2.0/token` (client secret or client
//!   assertion), `GET {url}/{tenant}/v2.0/.well-known/openid-configuration`,
//!   `GET {url}/common/discovery/instance`. Any login is accepted unless [`Config::credentials`] lists
//!   the allowed `{tenantId, clientId, clientSecret}`. ARM calls need a bearer token it issued.
//! * The Log Analytics query API (`logs.rs`): `GET`/`POST /v1/workspaces/{customerId}/query`, run by
//!   `sentinel_kql_engine` over the workspace's tables (rows from `POST /_emulator/rows` or
//!   [`Emulator::add_rows`]), saved functions and watchlists; tokens for `https://api.loganalytics.io`.
//! * Admin API under `/_emulator/` (state, workspaces, request log, faults, throttling, page size,
//!   log rows), behind a random admin token ([`Emulator::admin_token`], `admin_token` in the ready line).
//!
//! ## Many workspaces, tenants and subscriptions
//! Workspaces may live in any number of subscriptions; the token endpoint issues tokens per tenant.
//! [`Config::tenants`] binds a subscription to its tenant (a token of another tenant gets ARM's 401
//! `InvalidAuthenticationTokenTenant`) unless [`Config::delegations`] (Lighthouse-style) lets the
//! token's tenant manage it. [`Config::forbidden`] scopes answer 403 `AuthorizationFailed`;
//! read-only scopes ([`Emulator::set_read_only`], `readOnly` in `/_emulator/access`) refuse writes
//! the same way;
//! throttling is per subscription, and [`Config::subscription_throttles`] throttles one hard. All of
//! these can be changed at run time (`/_emulator/access`, `/_emulator/throttle`).
//!
//! ## Exposure and limits
//! Binds to loopback only unless [`Config::allow_remote`] is set (then warns). Request bodies must
//! arrive within [`Config::body_timeout`] (408) and fit [`Config::max_body_bytes`] (413); at most
//! [`Config::max_connections`] connections are served at once, the rest wait in the listen backlog. With
//! a state file, the emulator holds an exclusive lock on `<state_file>.lock` for its lifetime (a second
//! one waits up to [`Config::state_lock_timeout`], then fails with [`StartError::StateLocked`]).
//!
//! ## Behaviour kept from the service
//! Request validation from the swagger (required, enums, types, ISO 8601 durations, date-times,
//! limits; read-only properties ignored, undeclared properties dropped), 201 on create / 200 on update,
//! a new quoted etag on each write, `If-Match`/`If-None-Match` → 412, stale body `etag` → 409, DELETE
//! 200/204, ARM id casing, case-insensitive names, paging with `nextLink`/`$skipToken`, ARM token-bucket
//! throttling with `x-ms-ratelimit-remaining-subscription-*` and 429 + `Retry-After`, request ids,
//! deterministic fault injection, state in memory or in a human-editable JSON file (atomic rewrite),
//! and a traffic log for `oav validate-traffic`.
//!
//! ## Modules (arrows point one way: server → router → handlers → request/app → store)
//! | module | owns |
//! |---|---|
//! | `server` | sockets, TLS, hyper connections, request/response framing, faults on the wire, logs |
//! | `router` | path → route, the ARM pipeline (auth, throttling, existence), dispatch to a handler |
//! | `request` | the request context handlers read (`Ctx`) |
//! | `app` | the state shared by all requests (`App`) |
//! | `resources/*`, `admin`, `auth` | the handlers: one module per resource type, the admin API, the token endpoint |
//! | `store`, `arm_id` | the workspaces and their resources, the state file; workspace id parsing |
//! | `validate/*` | swagger-driven request validation and projection, service limits |
//! | `errors`, `paging`, `throttle`, `faults`, `traffic` | ARM error bodies, LIST paging, token buckets, fault decisions, oav traffic files |
//! | `time`, `guid`, `random`, `encoding`, `etag`, `tls`, `config` | time stamps, GUIDs, randomness, base64url/percent, etags, certificates, [`Config`] |
//!
//! ## Library API
//! ```no_run
//! # async fn demo() -> Result<(), arm_emulator::StartError> {
//! use arm_emulator::{Config, Faults, start};
//! let emu = start(Config {
//!     workspaces: vec!["/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws".into()],
//!     ..Config::default()
//! })
//! .await?;
//! let base = emu.url().to_string();      // https://127.0.0.1:PORT (ARM endpoint and authority host)
//! let token_url = emu.token_url("tenant"); // {base}/tenant/oauth2/v2.0/token
//! let ca = emu.ca_file().map(|p| p.to_path_buf()); // Some(ca.pem) unless `http: true`
//! emu.set_faults(Faults { fault_rate: 0.1, seed: 7, ..Faults::default() });
//! let state = emu.snapshot();            // the state-file JSON
//! emu.shutdown().await;
//! # let _ = (base, token_url, ca, state); Ok(()) }
//! ```
//! [`run_until_signal`] is the `sentinelctl emulator` entry point: it calls `on_ready` with a
//! [`ReadyInfo`] (url, token_url template with `{tenant}`, ca_file, admin_token) and stops on SIGINT/SIGTERM after
//! flushing the state file.

mod access;
mod admin;
mod admin_token;
mod app;
mod arm_id;
mod auth;
mod config;
mod encoding;
mod errors;
mod etag;
mod faults;
mod guid;
mod logs;
mod paging;
mod random;
mod request;
mod resources;
mod router;
mod server;
mod state_lock;
mod store;
mod throttle;
mod time;
mod tls;
mod traffic;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    BucketLimits, Config, Delegation, Faults, SeedTable, SubscriptionThrottle, TenantBinding,
};

use crate::app::App;
use crate::store::{State, Store, WorkspaceId};

/// Why the emulator could not start.
#[derive(Debug)]
pub enum StartError {
    /// Invalid configuration (a bad workspace id, an unreadable state or credentials file…).
    Config(String),
    /// Could not bind the listen address.
    Bind(std::io::Error),
    /// Certificate or TLS setup failed.
    Tls(String),
    /// Other I/O (writing `ca.pem`, creating directories, installing signal handlers).
    Io(std::io::Error),
    /// Another emulator holds the state file's lock (`<state_file>.lock`) and did not release it in time.
    StateLocked {
        /// The lock file.
        lock_file: PathBuf,
        /// The holder's process id, as it wrote it into the lock file.
        holder_pid: Option<u32>,
        /// How long this start waited.
        waited: std::time::Duration,
    },
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Config(m) => write!(f, "emulator configuration: {m}"),
            StartError::Bind(e) => write!(f, "emulator cannot bind its address: {e}"),
            StartError::Tls(m) => write!(f, "emulator TLS setup: {m}"),
            StartError::Io(e) => write!(f, "emulator I/O: {e}"),
            StartError::StateLocked {
                lock_file,
                holder_pid,
                waited,
            } => {
                let holder = holder_pid
                    .map_or_else(|| "another process".to_string(), |p| format!("process {p}"));
                write!(
                    f,
                    "the emulator state is locked by {holder} ({}); waited {:.1} s. Wait for the other emulator or `sentinelctl` command using it to finish (the lock is released when it exits), or give this one another state file",
                    lock_file.display(),
                    waited.as_secs_f64()
                )
            }
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind(e) | StartError::Io(e) => Some(e),
            _ => None,
        }
    }
}

/// What `sentinelctl emulator` prints once ready. `Debug` hides the admin token; [`ReadyInfo::to_json`]
/// includes it, since the person who started the emulator needs it to call the admin API.
#[derive(Clone)]
pub struct ReadyInfo {
    /// Base URL: the ARM endpoint and the authority host.
    pub url: String,
    /// `{url}/{tenant}/oauth2/v2.0/token`, with the literal `{tenant}` placeholder.
    pub token_url: String,
    /// The CA certificate to trust (None over plain HTTP).
    pub ca_file: Option<PathBuf>,
    /// The admin API token (see [`Emulator::admin_token`]).
    pub admin_token: String,
}

impl fmt::Debug for ReadyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyInfo")
            .field("url", &self.url)
            .field("token_url", &self.token_url)
            .field("ca_file", &self.ca_file)
            .field("admin_token", &"<redacted>")
            .finish()
    }
}

impl ReadyInfo {
    /// `{"url":…,"token_url":…,"ca_file":…,"admin_token":…}`
    pub fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "token_url": self.token_url,
            "ca_file": self.ca_file.as_ref().map(|p| p.display().to_string()),
            "admin_token": self.admin_token,
        })
    }
}

/// A running emulator. Dropping it without [`Emulator::shutdown`] stops accepting at runtime end.
#[derive(Debug)]
pub struct Emulator {
    url: String,
    ca_file: Option<PathBuf>,
    ca_pem: Option<String>,
    app: Arc<App>,
    shutdown_tx: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    temp_dir: Option<PathBuf>,
    /// Held for the emulator's lifetime when a state file is configured.
    state_lock: Option<state_lock::StateLock>,
}

/// The message of an admin reply that refused rows.
fn refusal(r: &errors::Reply) -> String {
    r.json_body()
        .and_then(|b| b.pointer("/error/message"))
        .and_then(Value::as_str)
        .unwrap_or("rows refused")
        .to_string()
}

impl Emulator {
    /// Base URL (`https://127.0.0.1:PORT`): ARM endpoint and authority host.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `{url}/{tenant}/oauth2/v2.0/token`
    pub fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.url)
    }

    /// The token the admin API (`/_emulator/*`) requires, as `Authorization: Bearer …` or
    /// `x-emulator-admin-token: …`.
    pub fn admin_token(&self) -> &str {
        self.app.admin_token.as_str()
    }

    /// The lock file held on the state file (`<state_file>.lock`), if a state file is configured.
    pub fn state_lock_file(&self) -> Option<&Path> {
        self.state_lock.as_ref().map(state_lock::StateLock::path)
    }

    /// Path of the CA certificate (PEM) clients must trust; None over plain HTTP.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The CA certificate PEM itself (for in-process clients).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Requests received so far (all endpoints).
    pub fn request_count(&self) -> u64 {
        self.app.requests.load(Ordering::Relaxed)
    }

    /// Replaces the fault settings; the fault sequence restarts from request 0 of `faults.seed`.
    pub fn set_faults(&self, faults: Faults) {
        self.app.faults.set(faults);
    }

    /// Switches ARM throttling on or off (buckets restart full).
    pub fn set_throttle(&self, enabled: bool) {
        self.app.throttle.set_enabled(enabled);
    }

    /// Gives one subscription its own throttling buckets (e.g. tiny ones, to throttle it hard while
    /// the others are not), or with `None` returns it to the common settings.
    pub fn set_subscription_throttle(
        &self,
        subscription: &str,
        limits: Option<&SubscriptionThrottle>,
    ) {
        self.app
            .throttle
            .set_subscription(subscription, limits.map(bucket_specs));
    }

    /// Replaces the scopes (workspace ids, resource groups, `/subscriptions/{id}`) that answer
    /// 403 `AuthorizationFailed`.
    pub fn set_forbidden(&self, scopes: &[String]) {
        self.app.access.set_forbidden(scopes);
    }

    /// Replaces the scopes where the caller may only read: writes and deletes under them answer 403
    /// `AuthorizationFailed`, and `Microsoft.Authorization/permissions` there answers `*/read`.
    pub fn set_read_only(&self, scopes: &[String]) {
        self.app.access.set_read_only(scopes);
    }

    /// Changes the LIST page size.
    pub fn set_page_size(&self, n: usize) {
        self.app.set_page_size(n);
    }

    /// Adds a workspace (ARM id); errors on an id that is not a Log Analytics workspace id.
    pub fn add_workspace(&self, id: &str) -> Result<(), StartError> {
        let ws = WorkspaceId::parse(id)
            .ok_or_else(|| StartError::Config(format!("'{id}' is not a workspace id")))?;
        self.app
            .store
            .write(|st| (st.add_workspace(&ws, None), true));
        Ok(())
    }

    /// The columns (name, Tables API type) of `table` in workspace `id`, when it has the table
    /// (built-in, seeded or created, and not removed).
    pub fn table_columns(&self, id: &str, table: &str) -> Option<Vec<(String, String)>> {
        let ws = WorkspaceId::parse(id)?;
        self.app.store.read(|st| {
            let w = st.workspace(&ws)?;
            resources::tables::workspace_tables(w)
                .into_iter()
                .find(|t| t.name.eq_ignore_ascii_case(table))
                .map(|t| t.columns)
        })
    }

    /// Sets the rows of a connector's recent ingestion into `table` of workspace `id` (checked
    /// like `POST /_emulator/rows`): the query API answers them beside the stored rows, they replace
    /// the previous ones, and they are never written to the state file. Returns their count.
    pub fn set_ingested_rows(
        &self,
        id: &str,
        table: &str,
        rows: &[Value],
    ) -> Result<usize, String> {
        let ws = WorkspaceId::parse(id).ok_or_else(|| format!("'{id}' is not a workspace id"))?;
        let body = json!({"workspace": id, "table": table, "rows": rows});
        // checked and stored by the admin path into a scratch entry, then moved aside
        self.app.store.write(|st| {
            let key = store::name_key(table);
            let stored = st.workspace_mut(&ws).and_then(|w| w.rows.remove(&key));
            let result = admin::add_rows(st, &body);
            let Some(w) = st.workspace_mut(&ws) else {
                return (Err(format!("no workspace '{id}'")), false);
            };
            let fresh = w.rows.remove(&key);
            if let Some(old) = stored {
                w.rows.insert(key.clone(), old);
            }
            match (result, fresh) {
                (Ok(_), Some(entry)) => {
                    w.ingested.insert(key, entry);
                    (Ok(rows.len()), false)
                }
                (Ok(_), None) => {
                    w.ingested.remove(&key);
                    (Ok(0), false)
                }
                (Err(r), _) => (Err(refusal(&r)), false),
            }
        })
    }

    /// Appends log rows (JSON objects of column → value) to `table` of workspace `id` for the query
    /// API, as `POST /_emulator/rows` does; returns the table's row count, or why the rows were refused.
    pub fn add_rows(&self, id: &str, table: &str, rows: &[Value]) -> Result<usize, String> {
        let body = json!({"workspace": id, "table": table, "rows": rows});
        self.app.store.write(|st| match admin::add_rows(st, &body) {
            Ok(r) => (
                Ok(r.json_body()
                    .and_then(|b| b["rows"].as_u64())
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or(0)),
                true,
            ),
            Err(r) => (Err(refusal(&r)), false),
        })
    }

    /// The whole state, in the state-file format.
    pub fn snapshot(&self) -> Value {
        self.app.store.snapshot()
    }

    /// The request log (same as `GET /_emulator/requests`).
    pub fn requests(&self) -> Vec<Value> {
        self.app.request_log(0)
    }

    /// Stops accepting, lets open connections finish, flushes the state file.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        self.finish();
    }

    /// Flushes the state, removes the temporary CA directory and releases the state lock (once).
    fn finish(&mut self) {
        self.app.store.flush();
        if let Some(dir) = self.temp_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        drop(self.state_lock.take());
    }
}

/// Dropping an emulator stops it: the server task is aborted (open connections are cut), the
/// state is flushed (it is also written after every write, so nothing is lost) and the lock
/// released. [`Emulator::shutdown`] lets open connections finish first.
impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.finish();
    }
}

fn host_for_url(addr: std::net::SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V4(ip) => ip.to_string(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
    }
}

/// Starts the emulator; it is bound and accepting when this returns.
pub async fn start(config: Config) -> Result<Emulator, StartError> {
    let credentials = match &config.credentials {
        Some(p) => Some(auth::load_credentials(p).map_err(StartError::Config)?),
        None => None,
    };
    check_listen(&config)?;
    let state_lock = lock_state(&config).await?;
    let state = initial_state(&config)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(StartError::Bind)?;
    let local = listener.local_addr().map_err(StartError::Bind)?;
    let scheme = if config.http { "http" } else { "https" };
    let url = format!("{scheme}://{}:{}", host_for_url(local), local.port());
    let tls = if config.http {
        None
    } else {
        Some(tls_setup(&config, local.port())?)
    };
    let traffic = match &config.traffic_dir {
        Some(d) => Some(traffic::TrafficWriter::new(d.clone()).map_err(StartError::Io)?),
        None => None,
    };
    let store = Store::new(state, config.state_file.clone());
    store.flush();
    let app = Arc::new(App::new(app_parts(
        &config,
        url.clone(),
        store,
        credentials,
        traffic,
    )));
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
    let task = tokio::spawn(server::serve(
        listener,
        app.clone(),
        acceptor,
        config.max_connections.max(1),
        shutdown_rx,
    ));
    let (ca_pem, ca_file, temp_dir) = match tls {
        Some(t) => (Some(t.ca_pem), Some(t.ca_file), t.temp_dir),
        None => (None, None, None),
    };
    Ok(Emulator {
        url,
        ca_file,
        ca_pem,
        app,
        shutdown_tx,
        task: Some(task),
        temp_dir,
        state_lock,
    })
}

/// Takes the state file's lock (before the load: what is read is what this instance alone writes).
async fn lock_state(config: &Config) -> Result<Option<state_lock::StateLock>, StartError> {
    let Some(f) = &config.state_file else {
        return Ok(None);
    };
    state_lock::StateLock::acquire(f, config.state_lock_timeout)
        .await
        .map(Some)
        .map_err(|e| match e {
            state_lock::LockError::Held {
                lock_file,
                holder_pid,
                waited,
            } => StartError::StateLocked {
                lock_file,
                holder_pid,
                waited,
            },
            state_lock::LockError::Io(p, e) => StartError::Config(format!(
                "cannot lock the state file through {}: {e}",
                p.display()
            )),
        })
}

/// The state file (if any), plus the configured workspaces and seed tables.
fn initial_state(config: &Config) -> Result<State, StartError> {
    let mut state = match &config.state_file {
        Some(f) => Store::load(f).map_err(StartError::Config)?,
        None => State::default(),
    };
    let mut created = Vec::new();
    for id in &config.workspaces {
        let ws = WorkspaceId::parse(id).ok_or_else(|| StartError::Config(format!("'{id}' is not a Log Analytics workspace id (/subscriptions/{{s}}/resourceGroups/{{rg}}/providers/Microsoft.OperationalInsights/workspaces/{{ws}})")))?;
        if state.add_workspace(&ws, None) {
            created.push(ws.key());
        }
    }
    // seed tables go into workspaces created now: a persisted workspace keeps what it holds (a table
    // deleted "in the portal" stays deleted across restarts)
    for t in &config.seed_tables {
        let ws = WorkspaceId::parse(&t.workspace_id).ok_or_else(|| {
            StartError::Config(format!(
                "seed table '{}': '{}' is not a Log Analytics workspace id",
                t.name, t.workspace_id
            ))
        })?;
        if !created.contains(&ws.key()) && state.workspace_mut(&ws).is_some() {
            continue;
        }
        let w = state.workspace_mut(&ws).ok_or_else(|| {
            StartError::Config(format!(
                "seed table '{}': workspace '{}' is not one of the emulator's workspaces (add it to Config::workspaces)",
                t.name, t.workspace_id
            ))
        })?;
        resources::tables::seed(w, &t.name, &t.columns)
            .map_err(|e| StartError::Config(format!("seed table '{}': {e}", t.name)))?;
    }
    Ok(state)
}

/// What HTTPS needs: the acceptor and the CA written where clients find it.
struct TlsSetup {
    acceptor: tokio_rustls::TlsAcceptor,
    ca_pem: String,
    ca_file: PathBuf,
    /// A temporary directory of this instance, removed at shutdown.
    temp_dir: Option<PathBuf>,
}

fn tls_setup(config: &Config, port: u16) -> Result<TlsSetup, StartError> {
    let material = tls::generate().map_err(StartError::Tls)?;
    let (dir, temp_dir) = if config.data_dir.as_os_str().is_empty() {
        let d = std::env::temp_dir().join(format!(
            "arm-emulator-{}-{port}-{}",
            std::process::id(),
            guid::hex(&random::random_bytes::<4>())
        ));
        (d.clone(), Some(d))
    } else {
        (config.data_dir.clone(), None)
    };
    std::fs::create_dir_all(&dir).map_err(StartError::Io)?;
    let ca_file = dir.join("ca.pem");
    let tmp = dir.join(format!("ca.pem.tmp-{port}"));
    std::fs::write(&tmp, &material.ca_pem).map_err(StartError::Io)?;
    std::fs::rename(&tmp, &ca_file).map_err(StartError::Io)?;
    Ok(TlsSetup {
        acceptor: tokio_rustls::TlsAcceptor::from(material.server_config),
        ca_pem: material.ca_pem,
        ca_file,
        temp_dir,
    })
}

fn app_parts(
    config: &Config,
    base_url: String,
    store: Store,
    credentials: Option<Vec<auth::Credential>>,
    traffic: Option<traffic::TrafficWriter>,
) -> app::AppParts {
    let throttle = throttle::Throttle::new(config.throttle);
    for s in &config.subscription_throttles {
        throttle.set_subscription(&s.subscription, Some(bucket_specs(s)));
    }
    let tenants: Vec<(String, String)> = config
        .tenants
        .iter()
        .map(|t| (t.subscription.clone(), t.tenant.clone()))
        .collect();
    let delegations: Vec<(String, String)> = config
        .delegations
        .iter()
        .map(|d| (d.subscription.clone(), d.managing_tenant.clone()))
        .collect();
    let access = access::Access::new(&tenants, &delegations, &config.forbidden);
    app::AppParts {
        base_url,
        admin_token: admin_token::AdminToken::new(config.admin_token.as_deref()),
        limits: app::Limits {
            body_timeout: config.body_timeout,
            max_body_bytes: config.max_body_bytes,
        },
        store,
        auth: auth::Auth::new(credentials),
        throttle,
        access,
        faults: faults::FaultInjector::new(Faults::from_config(config)),
        page_size: config.page_size,
        traffic,
        check_rule_tables: config.check_rule_tables,
        watchlist_delete_delay: config.watchlist_delete_delay,
    }
}

fn bucket_specs(s: &SubscriptionThrottle) -> (throttle::BucketSpec, throttle::BucketSpec) {
    let spec = |b: BucketLimits| throttle::BucketSpec {
        capacity: b.capacity.max(0.0),
        refill_per_sec: b.refill_per_second.max(0.0),
    };
    (spec(s.reads), spec(s.writes))
}

/// Refuses a non-loopback listen address unless [`Config::allow_remote`] says so (then warns).
fn check_listen(config: &Config) -> Result<(), StartError> {
    if config.listen.ip().is_loopback() {
        return Ok(());
    }
    if !config.allow_remote {
        return Err(StartError::Config(format!(
            "refusing to listen on {}: it is not a loopback address, and the emulator accepts any login and lets its admin API rewrite all state. Listen on 127.0.0.1 or [::1], or set allow_remote to expose it on purpose",
            config.listen
        )));
    }
    #[allow(clippy::print_stderr)]
    // the one warning the library prints: the caller chose a risky setup
    {
        eprintln!(
            "warning: the ARM emulator listens on {}, which is not a loopback address: anyone who can reach it can log in and, with the admin token, rewrite its state",
            config.listen
        );
    }
    Ok(())
}

/// Runs until SIGINT or SIGTERM (state flushed), calling `on_ready` once accepting.
pub async fn run_until_signal(
    config: Config,
    on_ready: impl FnOnce(&ReadyInfo),
) -> Result<(), StartError> {
    let emu = start(config).await?;
    let info = ReadyInfo {
        url: emu.url().to_string(),
        token_url: format!("{}/{{tenant}}/oauth2/v2.0/token", emu.url()),
        ca_file: emu.ca_file().map(Path::to_path_buf),
        admin_token: emu.admin_token().to_string(),
    };
    on_ready(&info);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(StartError::Io)?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    emu.shutdown().await;
    Ok(())
}
