//! [`Session`]: arguments + environment variables → what every command needs (ripgrep's "high
//! args"): the repository root, the printer, verbosity, and the invoker's trust settings.
//!
//! This is the only module that reads process environment variables.
#![allow(clippy::disallowed_methods)] // the sanctioned place for std::env::var

use std::path::PathBuf;

use anyhow::Context as _;

use crate::args::Cli;
use crate::printer::Printer;

/// Resolved run settings.
#[derive(Debug, Clone)]
pub struct Session {
    /// Repository root.
    pub root: PathBuf,
    /// Output.
    pub printer: Printer,
    /// Verbosity (-v count).
    pub verbose: u8,
    /// Hosts the invoker allows custom endpoints on (`SENTINELCTL_ALLOW_ENDPOINTS`, comma-separated).
    pub allowed_endpoints: Vec<String>,
    /// Variables the invoker allows client secrets from (`SENTINELCTL_ALLOW_SECRET_ENV`).
    pub allowed_secret_envs: Vec<String>,
    /// `AZURE_CLIENT_CERTIFICATE_PATH`.
    pub client_certificate: Option<PathBuf>,
}

impl Session {
    /// Resolves the context from parsed arguments.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        let root = match &cli.root {
            Some(r) => r.clone(),
            None => std::env::current_dir().context("cannot determine the current directory")?,
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        init_tracing(
            cli.verbose,
            cli.quiet,
            std::env::var("SENTINELCTL_LOG").ok(),
        );
        Ok(Self {
            root,
            printer: Printer::new(cli.color, no_color, cli.quiet),
            verbose: cli.verbose,
            allowed_endpoints: Self::env_list("SENTINELCTL_ALLOW_ENDPOINTS"),
            allowed_secret_envs: Self::env_list("SENTINELCTL_ALLOW_SECRET_ENV"),
            client_certificate: Self::env_var("AZURE_CLIENT_CERTIFICATE_PATH").map(PathBuf::from),
        })
    }

    /// A session at `root` with no invoker allowances (library callers and tests).
    pub fn new(root: PathBuf, printer: Printer) -> Self {
        Self {
            root,
            printer,
            verbose: 0,
            allowed_endpoints: Vec::new(),
            allowed_secret_envs: Vec::new(),
            client_certificate: None,
        }
    }

    /// An environment variable (the one sanctioned accessor).
    pub fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    /// A comma-separated list variable, trimmed, without empty entries.
    pub fn env_list(name: &str) -> Vec<String> {
        Self::env_var(name)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Logs to stderr: `-v` info, `-vv` debug, `-vvv` trace, or `SENTINELCTL_LOG` filters such as
/// `sentinel_arm=debug`. Secrets never reach log events (the ARM client redacts them).
fn init_tracing(verbose: u8, quiet: bool, filter: Option<String>) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter.unwrap_or_else(|| level.to_string()))
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true)
        .try_init();
}
