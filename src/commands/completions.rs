//! `sentinelctl completions SHELL`: shell completion scripts generated from the clap definition.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::context::Context;
use crate::exit::ExitStatus;

/// Runs `completions`.
pub fn run(cx: &Context, args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    cx.printer.stdout(|out| {
        clap_complete::generate(args.shell, &mut cmd, "sentinelctl", out);
        Ok(())
    })?;
    Ok(ExitStatus::Success)
}
