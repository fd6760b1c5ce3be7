//! `validate`: load the repository and run every offline check, optionally also the version-bump
//! check against a Git ref.

use anyhow::Context as _;

use super::target::load;
use crate::load::Repository;
use crate::session::Session;
use crate::validate::version_bump::SinceReport;
use crate::validate::{ValidateOptions, ValidateStats, validate};

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct ValidateRequest {
    /// Checks besides the content folders.
    pub options: ValidateOptions,
    /// Also require a version bump for content changed since this Git ref.
    pub since: Option<String>,
}

/// The findings.
#[derive(Debug)]
pub struct Validated {
    /// The repository, with its diagnostics (sorted).
    pub repo: Repository,
    /// Figures of the run.
    pub stats: ValidateStats,
    /// The `--since` comparison: (ref, what changed).
    pub since: Option<(String, SinceReport)>,
}

/// Validates the repository at the session's root.
pub fn validate_repository(cx: &Session, req: &ValidateRequest) -> anyhow::Result<Validated> {
    let mut repo = load(cx)?;
    let stats = validate(&mut repo, &req.options);
    let since = match &req.since {
        Some(git_ref) => {
            let report = crate::validate::version_bump::check(&mut repo, git_ref)
                .with_context(|| format!("cannot compare the content with `{git_ref}`"))?;
            repo.diagnostics
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            Some((git_ref.clone(), report))
        }
        None => None,
    };
    Ok(Validated { repo, stats, since })
}
