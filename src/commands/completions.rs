//! `sentinelctl completions SHELL`: shell completion scripts generated from the clap definition.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::exit::ExitStatus;
use crate::session::Session;

/// Runs `completions`.
pub fn run(cx: &Session, args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    cx.printer.stdout(|out| {
        clap_complete::generate(args.shell, &mut cmd, "sentinelctl", out);
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}
