//! The Security Copilot plugin manifest (`sentinelctl plugin`, issue 7): one KQL skill per saved
//! function that has a `skill:` block, each calling that function in one environment's workspace.
//!
//! Input: a loaded [`Repository`] (functions with their `skill:` blocks, table schemas for the
//! self-check) and a resolved [`Environment`]. Output: the manifest as YAML text, or a
//! [`PluginError`] listing every problem found (not just the first). Nothing is printed or written
//! here; `commands/plugin.rs` does that.
//!
//! - [`manifest`] (in `manifest.rs`) builds the `Descriptor` and the `SkillGroups` and enforces
//!   the documented limits;
//! - `template.rs` writes each skill's KQL `Template` so that inputs cannot change its structure;
//! - `yaml_out.rs` writes the YAML.
//!
//! Invariants: output is deterministic (function files in path order, no timestamps); every
//! template names exactly its skill's inputs as placeholders and, with sample values filled in,
//! passes `sentinel_kql::analyze` against the repository's catalog. Environment values are written
//! into every skill's `Settings` as literals: the manifest format has no default value for
//! `Descriptor.Settings`, so a prompted setting could not carry the environment's values (see
//! `docs/copilot-plugin.md`).

mod manifest;
pub mod template;
pub mod yaml_out;

use std::fmt;
use std::path::PathBuf;

pub use manifest::{Binding, LIMITS, Limits, manifest, manifest_with_settings, sample_value};

/// One thing wrong with the manifest that would be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The function file it comes from (shown relative to the repository), if any.
    pub file: Option<PathBuf>,
    /// Lowercase phrase, identifiers in backticks.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl Problem {
    fn new(file: Option<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file,
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Why no manifest was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginError {
    /// No function has a `skill:` block.
    NoSkills,
    /// Skills exist but the manifest would break the format or its limits.
    Invalid(Vec<Problem>),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n    help: {help}")?;
        }
        Ok(())
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSkills => write!(
                f,
                "no function in `functions/` has a `skill:` block, so the plugin would have no skills\n    \
                 help: add a `skill:` block to a function (see docs/content-format.md)"
            ),
            Self::Invalid(problems) => {
                let n = problems.len();
                write!(
                    f,
                    "cannot generate the plugin manifest ({n} problem{})",
                    if n == 1 { "" } else { "s" }
                )?;
                for p in problems {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PluginError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_list_every_problem() {
        let e = PluginError::Invalid(vec![
            Problem::new(Some("functions/A.yaml".into()), "skill `A` is bad").help("fix it"),
            Problem::new(None, "plugin DisplayName is too long"),
        ]);
        assert_eq!(
            e.to_string(),
            "cannot generate the plugin manifest (2 problems)\n  functions/A.yaml: skill `A` is bad\n    \
             help: fix it\n  plugin DisplayName is too long"
        );
    }
}
