//! `sentinelctl plugin`: write the Security Copilot plugin manifest for one environment.
//!
//! Loads the repository and the environment, makes one call to [`crate::plugin::manifest`], and
//! writes the YAML to `--out` or stdout. Load problems in the content are shown as diagnostics on
//! stderr and stop the command (a skill silently missing from the manifest would be worse).

use anyhow::Context as _;

use crate::args::PluginArgs;
use crate::exit::ExitStatus;
use crate::load::Repository;
use crate::session::Session;

/// Runs `plugin`.
pub fn run(cx: &Session, args: &PluginArgs) -> anyhow::Result<ExitStatus> {
    let mut repo = Repository::load(&cx.root)
        .with_context(|| format!("cannot read the repository at `{}`", cx.root.display()))?;
    let env_path = repo.environment_path(&args.env);
    if !env_path.is_file() {
        anyhow::bail!(
            "no environment `{}`: `{}` does not exist (known environments: {})",
            args.env,
            repo.shown(&env_path).display(),
            repo.environment_names().join(", ")
        );
    }
    let env = repo.environment(&args.env).map(|(_, env)| env);
    if repo.has_errors() {
        crate::workflow::report_errors(cx, &repo)?;
        anyhow::bail!(
            "the repository has errors; fix them before generating the plugin (`sentinelctl validate` lists them)"
        );
    }
    let env = env.with_context(|| format!("environment `{}` is invalid", args.env))?;
    let text = crate::plugin::manifest(&repo, &env)?;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write the manifest to `{}`", path.display()))?;
            cx.printer.status(&format!(
                "wrote the Security Copilot plugin for `{}` to `{}`",
                env.name,
                path.display()
            ));
        }
        None => cx.printer.stdout(|out| out.write_all(text.as_bytes()))?,
    }
    Ok(ExitStatus::Success)
}
