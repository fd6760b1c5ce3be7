//! Arguments + environment variables → what commands need (ripgrep's "high args").
//!
//! This is the only module that reads process environment variables.
#![allow(clippy::disallowed_methods)] // the sanctioned place for std::env::var

use std::path::PathBuf;

use anyhow::Context as _;

use crate::args::Cli;
use crate::printer::Printer;

/// Resolved run settings.
#[derive(Debug, Clone)]
pub struct Context {
    /// Repository root.
    pub root: PathBuf,
    /// Output.
    pub printer: Printer,
    /// Verbosity (-v count).
    pub verbose: u8,
}

impl Context {
    /// Resolves the context from parsed arguments.
    pub fn from_cli(cli: &Cli) -> anyhow::Result<Self> {
        let root = match &cli.root {
            Some(r) => r.clone(),
            None => std::env::current_dir().context("cannot determine the current directory")?,
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
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
