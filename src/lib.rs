//! sentinelctl: detection-as-code for Microsoft Sentinel.
//!
//! # Pipeline
//! 1. [`load`]: the repository's files → spanned YAML → raw [`schema`] types → [`model`] types,
//!    collecting [`diag::Diagnostic`]s.
//! 2. [`validate`]: offline checks over the loaded repository (including KQL via `sentinel_kql`).
//! 3. `desired` (plan/apply): model × environment → the resources a workspace should hold.
//! 4. `sentinel_arm` reads the live workspace; `plan` diffs; `apply` writes.
//! 5. [`render`]: diagnostics and plans → human, JSON, markdown, SARIF, JUnit.
//!
//! Start reading at [`run`], which sends each command to `commands/<command>.rs`.

pub mod apply;
pub mod args;
pub mod commands;
pub mod connect;
pub mod desired;
pub mod diag;
pub mod drift;
pub mod exit;
pub mod git;
pub mod import;
pub mod live;
pub mod load;
pub mod model;
pub mod plan;
pub mod plugin;
pub mod printer;
pub mod promote;
pub mod render;
pub mod schema;
pub mod session;
pub mod validate;
pub mod workflow;

use args::{Cli, Command};
use exit::ExitStatus;
use session::Session;

/// Runs one command. Errors are returned, not printed: `main` prints them once.
pub fn run(cli: &Cli) -> anyhow::Result<ExitStatus> {
    let cx = Session::from_cli(cli)?;
    match &cli.command {
        Command::Validate(a) => commands::validate::run(&cx, a),
        Command::Schema(a) => commands::schema::run(&cx, a),
        Command::Explain(a) => commands::explain::run(&cx, a),
        Command::Completions(a) => commands::completions::run(&cx, a),
        Command::Plan(a) => commands::plan::run(&cx, a),
        Command::Apply(a) => commands::apply::run(&cx, a),
        Command::Emulator(a) => commands::emulator::run(&cx, a),
        Command::Drift(a) => commands::drift::run(&cx, a),
        Command::Import(a) => commands::import::run(&cx, a),
        Command::Promote(a) => commands::promote::run(&cx, a),
        Command::Plugin(a) => commands::plugin::run(&cx, a),
    }
}

/// Exit code for an error (not a finding): 1 for the commands that follow terraform's
/// convention (`plan`, `apply`: 2 means "changes" there), 2 elsewhere. See `docs/exit-codes.md`.
pub fn error_exit_code(cli: &Cli) -> u8 {
    match cli.command {
        Command::Plan(_)
        | Command::Apply(_)
        | Command::Drift(_)
        | Command::Import(_)
        | Command::Promote(_) => 1,
        _ => 2,
    }
}
