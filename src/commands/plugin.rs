//! `sentinelctl plugin`: write the Security Copilot plugin manifest for one environment.
//!
//! Load problems in the content stop the command (a skill silently missing from the manifest would
//! be worse); they are shown as diagnostics on stderr.

use anyhow::Context as _;

use crate::args::PluginArgs;
use crate::exit::ExitStatus;
use crate::ops::{InvalidContent, target};
use crate::session::Session;

/// Runs `plugin`.
pub fn run(cx: &Session, args: &PluginArgs) -> anyhow::Result<ExitStatus> {
    let mut repo = target::load(cx)?;
    let env = match &args.env {
        Some(name) if !repo.environment_exists(name) => {
            anyhow::bail!(target::no_environment(&repo, name))
        }
        Some(name) => repo.environment(name).map(|(_, env)| Some(env)),
        None => Some(None),
    };
    let Some(env) = env.filter(|_| !repo.has_errors()) else {
        let message = "the repository has errors; fix them before generating the plugin (`sentinelctl validate` lists them)".into();
        return Err(InvalidContent { repo, message }.into());
    };
    let text = match &env {
        Some(env) => crate::plugin::manifest(&repo, env)?,
        None => crate::plugin::manifest_with_settings(&repo)?,
    };
    let target = env
        .as_ref()
        .map_or("any workspace (settings)", |e| e.name.as_str());
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write the manifest to `{}`", path.display()))?;
            let done = format!(
                "wrote the Security Copilot plugin for `{target}` to `{}`",
                path.display()
            );
            cx.printer.status(&done);
        }
        None => cx.printer.stdout(|out| out.write_all(text.as_bytes()))?,
    }
    Ok(ExitStatus::Success)
}
