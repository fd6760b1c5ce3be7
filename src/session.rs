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
        })
    }

    /// An environment variable (the one sanctioned accessor).
    pub fn env_var(name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
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
