//! Emulator configuration and run-time fault settings.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

/// How to start the emulator. `Config::default()` is loopback on a free port, HTTPS, page size 100,
/// no faults, ARM throttling on, in-memory state.
#[derive(Clone)]
#[allow(clippy::struct_excessive_bools)] // independent switches, each documented; a public API callers set by name
pub struct Config {
    /// Address to bind; port 0 picks a free port. Must be a loopback address unless
    /// [`Config::allow_remote`] is set.
    pub listen: SocketAddr,
    /// Allow a non-loopback [`Config::listen`] address (the emulator accepts any login by default and
    /// its admin API can rewrite all state, so exposing it is a deliberate choice; a warning is printed).
    pub allow_remote: bool,
    /// The admin API token (`Authorization: Bearer …` or `x-emulator-admin-token: …` on `/_emulator/*`).
    /// `None` (the default) generates a random one at start ([`crate::Emulator::admin_token`]).
    pub admin_token: Option<String>,
    /// How long a client may take to send a request body (slow bodies get 408); default 30 s.
    pub body_timeout: Duration,
    /// Largest request body accepted (larger ones get 413); default 32 MiB.
    pub max_body_bytes: usize,
    /// Connections served at once; further connections wait in the listen backlog until one closes.
    /// Default 512.
    pub max_connections: usize,
    /// How long to wait for another holder of the state file's lock (`<state_file>.lock`) before
    /// failing to start; default 60 s.
    pub state_lock_timeout: Duration,
    /// Persist state to this JSON file (loaded at start, written atomically after each write).
    pub state_file: Option<PathBuf>,
    /// Where `ca.pem` is written. Empty (the default) means a fresh temporary directory per instance,
    /// removed at shutdown.
    pub data_dir: PathBuf,
    /// LIST page size (items per page before a `nextLink`).
    pub page_size: usize,
    /// Fixed added latency per ARM request.
    pub latency: Duration,
    /// Uniformly distributed extra latency in `[0, latency_jitter)`.
    pub latency_jitter: Duration,
    /// Share of ARM requests answered 500/503 (0.0..=1.0).
    pub fault_rate: f64,
    /// Share of ARM requests whose connection is dropped without an answer (0.0..=1.0).
    pub drop_rate: f64,
    /// Seed for every random fault decision.
    pub seed: u64,
    /// ARM token-bucket throttling (reads 250 + 25/s, writes and deletes 200 + 10/s per subscription).
    pub throttle: bool,
    /// JSON file restricting logins to `[{"tenantId","clientId","clientSecret"}]`; `None` accepts any.
    pub credentials: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS.
    pub http: bool,
    /// Workspace ARM ids to seed (`/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{ws}`).
    pub workspaces: Vec<String>,
    /// Write each ARM request/response pair as an `oav validate-traffic` file under this directory.
    pub traffic_dir: Option<PathBuf>,
    /// Custom tables to create in workspaces at start, as if their data connectors were installed
    /// (each workspace also has the built-in tables). A table already in the state is replaced.
    pub seed_tables: Vec<SeedTable>,
    /// Refuse Scheduled and NRT rules whose query reads a table the workspace does not have, as
    /// Sentinel does (400 "Failed to run the analytics rule query. One of the tables does not exist.").
    /// Off by default so existing callers that never created tables keep working; switchable at run
    /// time (`PUT /_emulator/settings {"checkRuleTables": true}`).
    pub check_rule_tables: bool,
    /// How long an asynchronous watchlist DELETE takes before the watchlist is gone (its status URL
    /// answers `InProgress` until then); default 1 s, zero completes at once.
    pub watchlist_delete_delay: Duration,
    /// Subscriptions bound to a tenant: an ARM call with a token of another tenant is refused with
    /// 401 `InvalidAuthenticationTokenTenant` (unless [`Config::delegations`] allows it). Unbound
    /// subscriptions accept any tenant's token.
    pub tenants: Vec<TenantBinding>,
    /// Lighthouse-style delegations: principals of `managing_tenant` may call `subscription`.
    pub delegations: Vec<Delegation>,
    /// ARM scopes (workspace ids, resource groups, `/subscriptions/{id}`) that answer every request
    /// with 403 `AuthorizationFailed` (a workspace the caller has no role on).
    pub forbidden: Vec<String>,
    /// Per-subscription throttling buckets (applied even when [`Config::throttle`] is off).
    pub subscription_throttles: Vec<SubscriptionThrottle>,
}

/// A subscription's home tenant ([`Config::tenants`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantBinding {
    /// Subscription id.
    pub subscription: String,
    /// Tenant id whose tokens the subscription accepts.
    pub tenant: String,
}

/// A Lighthouse-style delegation ([`Config::delegations`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegation {
    /// The customer's subscription id.
    pub subscription: String,
    /// The managing (MSSP) tenant whose tokens are accepted too.
    pub managing_tenant: String,
}

/// A token bucket: capacity and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLimits {
    /// Tokens when full (requests that may burst).
    pub capacity: f64,
    /// Tokens added per second.
    pub refill_per_second: f64,
}

/// One subscription's own throttling buckets ([`Config::subscription_throttles`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionThrottle {
    /// Subscription id.
    pub subscription: String,
    /// Reads bucket.
    pub reads: BucketLimits,
    /// Writes and deletes bucket.
    pub writes: BucketLimits,
}

/// A custom table to create at start ([`Config::seed_tables`]) in a workspace the emulator creates
/// then (a workspace loaded from the state file keeps the tables it has).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedTable {
    /// The workspace's ARM id (must be one of the configured or persisted workspaces).
    pub workspace_id: String,
    /// Table name, e.g. `OnePasswordEventLogs_CL`.
    pub name: String,
    /// Columns as `(name, type)`, types as the Tables API spells them (`string`, `int`, `long`,
    /// `real`, `boolean`, `dateTime`, `guid`, `dynamic`). A custom table needs `TimeGenerated`
    /// (`dateTime`).
    pub columns: Vec<(String, String)>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_remote: false,
            admin_token: None,
            body_timeout: Duration::from_secs(30),
            max_body_bytes: 32 * 1024 * 1024,
            max_connections: 512,
            state_lock_timeout: Duration::from_secs(60),
            state_file: None,
            data_dir: PathBuf::new(),
            page_size: 100,
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            fault_rate: 0.0,
            drop_rate: 0.0,
            seed: 0,
            throttle: true,
            credentials: None,
            http: false,
            workspaces: Vec::new(),
            traffic_dir: None,
            seed_tables: Vec::new(),
            check_rule_tables: false,
            watchlist_delete_delay: Duration::from_secs(1),
            tenants: Vec::new(),
            delegations: Vec::new(),
            forbidden: Vec::new(),
            subscription_throttles: Vec::new(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("allow_remote", &self.allow_remote)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("body_timeout", &self.body_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_connections", &self.max_connections)
            .field("state_lock_timeout", &self.state_lock_timeout)
            .field("state_file", &self.state_file)
            .field("data_dir", &self.data_dir)
            .field("page_size", &self.page_size)
            .field("latency", &self.latency)
            .field("latency_jitter", &self.latency_jitter)
            .field("fault_rate", &self.fault_rate)
            .field("drop_rate", &self.drop_rate)
            .field("seed", &self.seed)
            .field("throttle", &self.throttle)
            .field("credentials", &self.credentials)
            .field("http", &self.http)
            .field("workspaces", &self.workspaces)
            .field("traffic_dir", &self.traffic_dir)
            .field("seed_tables", &self.seed_tables)
            .field("check_rule_tables", &self.check_rule_tables)
            .field("watchlist_delete_delay", &self.watchlist_delete_delay)
            .field("tenants", &self.tenants)
            .field("delegations", &self.delegations)
            .field("forbidden", &self.forbidden)
            .field("subscription_throttles", &self.subscription_throttles)
            .finish_non_exhaustive()
    }
}

/// Fault injection settings, switchable at run time (`Emulator::set_faults`, `PUT /_emulator/faults`).
///
/// Decisions are drawn from a PRNG seeded with `seed` and the request's sequence number (counted from
/// the last `set_faults`), so the same sequence of requests meets the same faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    pub latency: Duration,
    pub latency_jitter: Duration,
    /// Share of requests answered 500 or 503 (half each).
    pub fault_rate: f64,
    /// Share of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Share of answers whose body is sent slowly, in small chunks.
    pub slow_body_rate: f64,
    /// Delay between chunks of a slow body.
    pub slow_body_delay: Duration,
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            latency_jitter: Duration::ZERO,
            fault_rate: 0.0,
            drop_rate: 0.0,
            slow_body_rate: 0.0,
            slow_body_delay: Duration::from_millis(50),
            seed: 0,
        }
    }
}

impl Faults {
    pub(crate) fn from_config(c: &Config) -> Self {
        Self {
            latency: c.latency,
            latency_jitter: c.latency_jitter,
            fault_rate: c.fault_rate,
            drop_rate: c.drop_rate,
            seed: c.seed,
            ..Self::default()
        }
    }

    /// JSON form used by the admin API (`latencyMs`, `latencyJitterMs`, `faultRate`, `dropRate`,
    /// `slowBodyRate`, `slowBodyDelayMs`, `seed`).
    pub fn to_json(&self) -> Value {
        json!({
            "latencyMs": u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
            "latencyJitterMs": u64::try_from(self.latency_jitter.as_millis()).unwrap_or(u64::MAX),
            "faultRate": self.fault_rate,
            "dropRate": self.drop_rate,
            "slowBodyRate": self.slow_body_rate,
            "slowBodyDelayMs": u64::try_from(self.slow_body_delay.as_millis()).unwrap_or(u64::MAX),
            "seed": self.seed,
        })
    }

    /// Applies the fields present in `v` (the admin API's JSON form) on top of `self`.
    pub fn merged_with_json(&self, v: &Value) -> Result<Self, String> {
        let mut f = self.clone();
        let obj = v.as_object().ok_or("faults must be a JSON object")?;
        for (k, val) in obj {
            let num = || val.as_f64().ok_or(format!("{k} must be a number"));
            let ms = || {
                val.as_u64()
                    .map(Duration::from_millis)
                    .ok_or(format!("{k} must be a non-negative integer (milliseconds)"))
            };
            let rate = || {
                let r = num()?;
                if (0.0..=1.0).contains(&r) {
                    Ok(r)
                } else {
                    Err(format!("{k} must be between 0 and 1"))
                }
            };
            match k.as_str() {
                "latencyMs" => f.latency = ms()?,
                "latencyJitterMs" => f.latency_jitter = ms()?,
                "faultRate" => f.fault_rate = rate()?,
                "dropRate" => f.drop_rate = rate()?,
                "slowBodyRate" => f.slow_body_rate = rate()?,
                "slowBodyDelayMs" => f.slow_body_delay = ms()?,
                "seed" => f.seed = val.as_u64().ok_or("seed must be a non-negative integer")?,
                other => return Err(format!("unknown fault setting '{other}'")),
            }
        }
        Ok(f)
    }
}
