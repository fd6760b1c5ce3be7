//! [`Target`]: the repository, one environment and what that environment should hold, loaded and
//! validated once. Every operation that talks to a workspace starts here.
//!
//! The environment file is read once (the repository caches it) and the repository is validated for
//! that environment only; content with errors is refused before any request. For an environment with
//! a lock file the desired state comes from the pinned commits instead of the working tree.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};

use crate::desired::DesiredState;
use crate::diag::{Diagnostic, FileId, Severity};
use crate::load::Repository;
use crate::model::Environment;
use crate::schema::YamlLockItem;
use crate::session::Session;
use crate::validate::{ValidateOptions, validate};

/// Content with errors: the diagnostics to show, and what could not go on.
#[derive(Debug)]
pub struct InvalidContent {
    /// The repository whose sources the diagnostics point into.
    pub repo: Repository,
    /// What the operation refused to do.
    pub message: String,
}

impl std::fmt::Display for InvalidContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidContent {}

impl InvalidContent {
    /// The error diagnostics.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.repo
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect()
    }
}

/// A repository, resolved for one environment.
#[derive(Debug, Clone)]
pub struct Target {
    /// Loaded and validated repository (shared by the targets of one run).
    pub repo: Arc<Repository>,
    /// The environment.
    pub env: Environment,
    /// What the workspace should hold.
    pub desired: DesiredState,
    /// Source commit (`git rev-parse HEAD`), when the root is a Git checkout.
    pub commit: Option<String>,
    /// Repository name for ownership records.
    pub repository: String,
}

impl Target {
    /// Loads and validates the repository for `env_name` (refusing content with errors) and keeps
    /// only the items named in `targets` (all when empty).
    pub fn open(cx: &Session, env_name: &str, targets: &[String]) -> anyhow::Result<Self> {
        let mut all = Self::open_many(cx, &[env_name.to_string()])?;
        let (_, target) = all.pop().context("no environment resolved")?;
        let mut target = target?;
        target.desired.retain_targets(targets);
        Ok(target)
    }

    /// Loads and validates the repository once for several environments. Errors in content stop
    /// everything (`Err`); an environment whose own file is missing or invalid fails alone.
    pub fn open_many(
        cx: &Session,
        env_names: &[String],
    ) -> anyhow::Result<Vec<(String, anyhow::Result<Self>)>> {
        let mut repo = load(cx)?;
        let existing: Vec<String> = env_names
            .iter()
            .filter(|n| repo.environment_exists(n))
            .cloned()
            .collect();
        validate(
            &mut repo,
            &ValidateOptions {
                environments: Some(existing),
                no_kql: false,
            },
        );
        // files of the environments themselves (parsed or not): their errors fail that environment only
        let env_files: Vec<FileId> = repo.environment_files();
        let content_errors = repo
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && !env_files.contains(&d.file));
        if content_errors {
            return Err(InvalidContent {
                repo,
                message: "the repository has validation errors; fix them before planning (`sentinelctl validate` lists them)".into(),
            }
            .into());
        }
        let commit = crate::git::head(&cx.root);
        let mut resolved = Vec::new();
        for name in env_names {
            let r = resolve_one(&mut repo, name, cx);
            resolved.push((name.clone(), r));
        }
        let repo = Arc::new(repo);
        Ok(resolved
            .into_iter()
            .map(|(name, r)| {
                let t = r.map(|(env, desired, repository)| Self {
                    repo: repo.clone(),
                    env,
                    desired,
                    commit: commit.clone(),
                    repository,
                });
                (name, t)
            })
            .collect())
    }
}

/// One environment of a validated repository: (environment, desired state, repository name).
fn resolve_one(
    repo: &mut Repository,
    name: &str,
    cx: &Session,
) -> anyhow::Result<(Environment, DesiredState, String)> {
    if !repo.environment_exists(name) {
        bail!(no_environment(repo, name));
    }
    let Some((_, env)) = repo.environment(name) else {
        bail!(env_errors(repo, name));
    };
    if repo
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error && repo.diagnostic_concerns_environment(name, d))
    {
        bail!(env_errors(repo, name));
    }
    let lock = repo.environment_lock_path(name);
    let desired = match pinned_content(repo, &lock)? {
        Some(pinned) => pinned_desired(&pinned, &env),
        None => DesiredState::resolve(repo, &env),
    };
    let repository = env.repository.clone().unwrap_or_else(|| {
        cx.root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "sentinel-content".into())
    });
    Ok((env, desired, repository))
}

/// "environment X is invalid: its errors (file:line:col)".
fn env_errors(repo: &Repository, name: &str) -> String {
    let mut first = repo
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && repo.diagnostic_concerns_environment(name, d))
        .peekable();
    // nothing of its own (an unreadable file, say): every error says why
    let all = first.peek().is_none();
    let first = repo
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity == Severity::Error && (all || repo.diagnostic_concerns_environment(name, d))
        })
        .map(|d| {
            let at = repo
                .sources
                .get(d.file)
                .line_col(d.range.as_ref().map_or(0, |r| r.start));
            format!(
                "{}:{}:{}: {}",
                repo.sources.path(d.file).display(),
                at.line,
                at.col,
                d.message
            )
        })
        .collect::<Vec<_>>();
    format!("environment `{name}` is invalid: {}", first.join("; "))
}

/// Loads the repository at the session's root.
pub fn load(cx: &Session) -> anyhow::Result<Repository> {
    Repository::load(&cx.root)
        .with_context(|| format!("cannot read the repository at `{}`", cx.root.display()))
}

/// Resolves just an environment (no content validation): for operations that read a workspace
/// without deploying to it (`import`, `plugin`).
pub fn environment_only(cx: &Session, env_name: &str) -> anyhow::Result<Environment> {
    let mut repo = Repository {
        root: cx.root.clone(),
        ..Repository::default()
    };
    if !repo.environment_exists(env_name) {
        bail!(no_environment(&repo, env_name));
    }
    if let Some((_, env)) = repo.environment(env_name) {
        Ok(env)
    } else {
        let message = env_errors(&repo, env_name);
        Err(InvalidContent { repo, message }.into())
    }
}

/// "no environment X" with the known ones.
pub fn no_environment(repo: &Repository, env_name: &str) -> String {
    let known = repo.environment_names().join(", ");
    let shown = repo.shown(&repo.environment_path(env_name));
    match repo.environment_source(env_name) {
        crate::load::repository::EnvSource::Member { member, .. } => format!(
            "no environment `{env_name}`: `{}` has no workspace `{member}` (known environments: {known})",
            shown.display()
        ),
        crate::load::repository::EnvSource::File(_) => format!(
            "no environment `{env_name}`: `{}` does not exist (known environments: {known})",
            shown.display()
        ),
    }
}

/// For an environment with a lock file: the repository of pinned content, validated.
fn pinned_content(
    repo: &mut Repository,
    lock_path: &Path,
) -> anyhow::Result<Option<(Repository, Vec<YamlLockItem>)>> {
    if !lock_path.is_file() {
        return Ok(None);
    }
    let mut scratch = Repository {
        root: repo.root.clone(),
        ..Repository::default()
    };
    let Some(lock) = crate::load::pinned::read_lock(&mut scratch, lock_path) else {
        return Err(InvalidContent {
            repo: scratch,
            message: format!("the lock file `{}` is invalid", lock_path.display()),
        }
        .into());
    };
    let mut pinned = Repository::load_pinned(&repo.root, &lock.raw.items, repo);
    validate(
        &mut pinned,
        &ValidateOptions {
            environments: Some(Vec::new()),
            no_kql: false,
        },
    );
    if pinned.has_errors() {
        return Err(InvalidContent {
            repo: pinned,
            message: format!("the content pinned by `{}` has errors", lock_path.display()),
        }
        .into());
    }
    Ok(Some((pinned, lock.raw.items)))
}

fn pinned_desired(
    (repo, items): &(Repository, Vec<YamlLockItem>),
    env: &Environment,
) -> DesiredState {
    let mut desired = DesiredState::resolve(repo, env);
    for item in desired.items.values_mut() {
        let path = item.path.split('@').next().unwrap_or_default().to_string();
        item.commit = items
            .iter()
            .find(|l| l.path == path)
            .map(|l| l.commit.clone());
        item.path = path;
    }
    desired
}
