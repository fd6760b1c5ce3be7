//! sentinel_arm: the only crate in sentinelctl that talks HTTP to Azure Resource Manager.
//!
//! Pipeline of one call, and where to start reading:
//! 1. [`auth::build_credential`] turns an [`AuthSpec`] into a token credential (azure_identity, with our
//!    TLS transport so `--ca-file` covers the token endpoint too).
//! 2. [`ArmClient::new`] checks the endpoint (HTTPS, or HTTP to loopback when allowed) and builds the
//!    reqwest/rustls(ring) client (`tls.rs`).
//! 3. Callers build paths with [`WorkspaceRef`] (`address.rs`); the client resolves them against the
//!    endpoint and appends the pinned api-version (`request_url.rs`, `api_version.rs`).
//! 4. [`ArmClient::list`] / [`get`](ArmClient::get) / [`put`](ArmClient::put) / [`delete`](ArmClient::delete)
//!    run the retry loop (`engine.rs`, `retry.rs`), paced per subscription (`limits.rs`), and map
//!    failures to [`ArmError`] (`error.rs`).
//! 5. `resources/` holds typed wire models that keep unknown properties.
//! 6. [`LogsQueryClient`] (`logs.rs`) runs KQL through the Log Analytics query API on the same
//!    request loop.
//!
//! File overview: `auth.rs` + `default_chain.rs` + `client_certificate.rs` + `identity_transport.rs`
//! (credentials), `credential_pool.rs` (one login, many tenants and audiences), `endpoint_trust.rs` (which custom
//! endpoints the invoker allows), `config.rs` (client config, clouds), `client.rs` (ARM requests), `engine.rs` (the
//! retry loop), `limits.rs` (per-subscription pacing), `retry.rs` (backoff, Retry-After, budget),
//! `token_cache.rs` (one cached token per client), `whoami.rs` (who a token is for), `error.rs`, `address.rs`, `api_version.rs`,
//! `request_url.rs`, `tls.rs`.
//!
//! Does not: know the sentinelctl model, plan or print. Invariant: tokens and secrets never reach
//! `Debug`, `Display` or tracing output.

#![deny(missing_docs)]

pub mod address;
pub mod api_version;
pub mod auth;
mod client;
mod client_certificate;
mod config;
pub mod credential_pool;
pub mod default_chain;
pub mod endpoint_trust;
mod engine;
pub mod error;
mod identity_transport;
pub mod limits;
pub mod logs;
pub mod request_url;
pub mod resources;
pub mod retry;
mod tls;
mod token_cache;
pub mod whoami;

pub use address::WorkspaceRef;
pub use auth::{AuthMethod, AuthSpec, Secret, build_credential};
pub use client::{ArmClient, ClientStats, DeleteOutcome, Precondition, PutOutcome, Resource};
pub use config::{ArmClientConfig, Cloud};
pub use credential_pool::{CredentialPool, CredentialPools};
pub use endpoint_trust::EndpointAllowList;
pub use error::ArmError;
pub use limits::{LimitsConfig, SubscriptionLimits};
pub use logs::{LogsQueryClient, LogsQueryConfig, QueryBody, QueryResults};
pub use whoami::Identity;
