//! `sentinelctl plugin`: being written (issue 7).

use crate::args::PluginArgs;
use crate::context::Context;
use crate::exit::ExitStatus;

/// Runs `plugin`.
pub fn run(_cx: &Context, _args: &PluginArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`plugin` is being implemented")
}
