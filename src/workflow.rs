//! Steps shared by the commands that talk to a workspace: load and validate the repository,
//! resolve the environment and desired state, connect, read the live state, plan.
//!
//! Each step is a named function so commands read as a list of steps.

use anyhow::Context as _;

use crate::args::ArmArgs;
use crate::connect::{Connection, connect};
use crate::desired::DesiredState;
use crate::diag::Severity;
use crate::load::Repository;
use crate::model::Environment;
use crate::plan::{Plan, PlanOptions, plan};
use crate::render::diagnostics_human;
use crate::session::Session;
use crate::validate::{ValidateOptions, validate};

/// The repository, the environment and what it should hold.
pub struct Prepared {
    /// Loaded repository.
    pub repo: Repository,
    /// Environment.
    pub env: Environment,
    /// Desired state.
    pub desired: DesiredState,
    /// Source commit (`git rev-parse HEAD`), when the root is a Git checkout.
    pub commit: Option<String>,
    /// Repository name for ownership records.
    pub repository: String,
}

/// Loads and validates the repository (refusing content with errors) and resolves `env_name`.
pub fn prepare(cx: &Session, env_name: &str, targets: &[String]) -> anyhow::Result<Prepared> {
    let mut repo = Repository::load(&cx.root)
        .with_context(|| format!("cannot read the repository at `{}`", cx.root.display()))?;
    let env_path = repo.environment_path(env_name);
    if !env_path.is_file() {
        let known = repo.environment_names().join(", ");
        anyhow::bail!(
            "no environment `{env_name}`: `{}` does not exist (known environments: {known})",
            env_path.display()
        );
    }
    validate(
        &mut repo,
        &ValidateOptions {
            environments: Some(vec![env_name.to_string()]),
            no_kql: false,
        },
    );
    if repo.has_errors() {
        report_errors(cx, &repo)?;
        anyhow::bail!(
            "the repository has validation errors; fix them before planning (`sentinelctl validate` lists them)"
        );
    }
    let (_, env) = repo.environment(env_name).with_context(|| {
        let path = repo.environment_path(env_name);
        if path.is_file() {
            format!("environment `{env_name}` is invalid")
        } else {
            let known = repo.environment_names().join(", ");
            format!(
                "no environment `{env_name}`: `{}` does not exist (known: {known})",
                path.display()
            )
        }
    })?;
    let mut desired = match pinned_content(cx, &mut repo, &env_path)? {
        Some(pinned) => pinned_desired(&pinned, &env),
        None => DesiredState::resolve(&repo, &env),
    };
    desired.retain_targets(targets);
    let commit = crate::git::head(&cx.root);
    let repository = env.repository.clone().unwrap_or_else(|| {
        cx.root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "sentinel-content".into())
    });
    Ok(Prepared {
        repo,
        env,
        desired,
        commit,
        repository,
    })
}

/// For an environment with a lock file: the repository of pinned content, validated.
fn pinned_content(
    cx: &Session,
    repo: &mut Repository,
    env_path: &std::path::Path,
) -> anyhow::Result<Option<(Repository, Vec<crate::schema::YamlLockItem>)>> {
    let lock_path = crate::load::pinned::lock_path(env_path);
    if !lock_path.is_file() {
        return Ok(None);
    }
    let Some(lock) = crate::load::pinned::read_lock(repo, &lock_path) else {
        report_errors(cx, repo)?;
        anyhow::bail!("the lock file `{}` is invalid", lock_path.display());
    };
    let mut pinned = Repository::load_pinned(&cx.root, &lock.raw.items, repo);
    validate(
        &mut pinned,
        &ValidateOptions {
            environments: Some(Vec::new()),
            no_kql: false,
        },
    );
    if pinned.has_errors() {
        report_errors(cx, &pinned)?;
        anyhow::bail!("the content pinned by `{}` has errors", lock_path.display());
    }
    Ok(Some((pinned, lock.raw.items)))
}

fn pinned_desired(
    (repo, items): &(Repository, Vec<crate::schema::YamlLockItem>),
    env: &crate::model::Environment,
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

/// Connects and computes the plan.
pub async fn plan_live(
    cx: &Session,
    p: &Prepared,
    arm: &ArmArgs,
    options: &PlanOptions,
    concurrency: usize,
) -> anyhow::Result<(Connection, Plan)> {
    let conn = connect(cx, &p.env, arm, concurrency).await?;
    let live = crate::live::read(&conn.client, &conn.ws)
        .await
        .with_context(|| format!("cannot read workspace `{}`", p.env.workspace))?;
    let plan = plan(&p.desired, &live, p.commit.clone(), options);
    Ok((conn, plan))
}

/// Prints a repository's error diagnostics on stderr (before a command refuses to go on).
pub fn report_errors(cx: &Session, repo: &Repository) -> anyhow::Result<()> {
    let errors: Vec<_> = repo
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    cx.printer.stderr(|out| {
        diagnostics_human::render(out, &repo.sources, &errors, cx.printer.color_stderr)
    })?;
    Ok(())
}

/// A multi-threaded tokio runtime for the commands that talk to ARM.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
