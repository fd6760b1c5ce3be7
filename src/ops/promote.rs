//! `promote --from A --to B`: pin into B's lock file exactly what is verified and live in A, then
//! plan B. Nothing is written if any selected item is refused. B may be a fleet (`customers/*`,
//! `customers`): every workspace gets its own lock file with the same pins, all prepared before
//! any is written, and the plan is the fleet's summary.

use std::path::PathBuf;

use anyhow::Context as _;

use super::connection::{ConnectOptions, connect};
use super::fleet::{FleetMode, FleetOutcome, FleetRequest, run_fleet};
use super::plan::plan_target;
use super::selection::expand_environments;
use super::target::{Target, no_environment};
use crate::load::Repository;
use crate::load::pinned::read_lock;
use crate::plan::{Plan, PlanOptions};
use crate::promote::{PromoteOptions, merge, select, verify};
use crate::render::yaml::to_yaml;
use crate::schema::{YamlLock, YamlLockItem};
use crate::session::Session;

/// What to promote.
#[derive(Debug, Clone, Default)]
pub struct PromoteRequest {
    /// Environment where the content was verified.
    pub from: String,
    /// Environment to pin it into: a name, a glob or a fleet (each gets its lock file).
    pub to: String,
    /// Which items (ids, names, aliases; or all).
    pub options: PromoteOptions,
    /// Show what would be pinned without writing the lock file.
    pub dry_run: bool,
    /// How to connect (both environments).
    pub connect: ConnectOptions,
    /// Workspaces planned at once when `to` is a fleet.
    pub workspaces_at_once: usize,
}

/// What a promotion did.
#[derive(Debug, Clone)]
pub struct Promoted {
    /// Items pinned.
    pub pins: Vec<YamlLockItem>,
    /// Each target environment and its lock file (as shown to users).
    pub lock_files: Vec<(String, PathBuf)>,
    /// The targets' plan after writing (`None` on a dry run).
    pub plan: Option<PromotedPlan>,
}

/// The plan after a promotion: one environment's, or a fleet's summary.
#[derive(Debug, Clone)]
pub enum PromotedPlan {
    /// `--to` named one environment.
    One(Box<Plan>),
    /// `--to` named several (a glob or a fleet).
    Fleet(Vec<FleetOutcome>),
}

/// Promotes `req`.
pub fn promote(cx: &Session, req: &PromoteRequest) -> anyhow::Result<Promoted> {
    anyhow::ensure!(
        req.options.all || !req.options.ids.is_empty(),
        "name the content to promote, or pass --all"
    );
    let targets = expand_environments(cx, std::slice::from_ref(&req.to))?;
    anyhow::ensure!(
        !targets.contains(&req.from),
        "--from and --to name the same environment (`{}`)",
        req.from
    );
    let from = Target::open(cx, &req.from, &[])?;
    let rt = super::runtime()?;
    let live = rt.block_on(async {
        let mut opts = req.connect.clone();
        opts.embedded_tables = super::connection::custom_tables(&from.repo);
        let conn = connect(cx, &from.env, &opts).await?;
        let live = conn.read_live(&from.env.workspace).await;
        conn.close().await;
        live
    })?;
    let (pins, mut refusals) = select(&cx.root, &from.desired, &live, &req.options);
    refusals.extend(verify(&cx.root, &pins, &from.env, &live, &from.repo));
    if !refusals.is_empty() {
        let lines: Vec<String> = refusals
            .iter()
            .map(|r| format!("  {}: {}", r.name, r.reason))
            .collect();
        anyhow::bail!(
            "cannot promote from `{}`:\n{}\nnothing was written",
            req.from,
            lines.join("\n")
        );
    }
    anyhow::ensure!(!pins.is_empty(), "nothing matched in `{}`", req.from);
    let mut repo = Repository {
        root: cx.root.clone(),
        ..Repository::default()
    };
    // every lock is prepared before any is written: a target that does not exist or has an
    // invalid lock file stops the promotion with nothing written
    let mut locks = Vec::new();
    for to in &targets {
        anyhow::ensure!(
            repo.environment_exists(to),
            "{}\nnothing was written",
            no_environment(&repo, to)
        );
        let lock_file = repo.environment_lock_path(to);
        let existing = if lock_file.is_file() {
            read_lock(&mut repo, &lock_file)
                .map(|l| l.raw.items)
                .with_context(|| {
                    format!(
                        "the existing lock file `{}` is invalid; nothing was written",
                        repo.shown(&lock_file).display()
                    )
                })?
        } else {
            Vec::new()
        };
        let lock = YamlLock {
            promoted_from: Some(req.from.clone()),
            items: merge(existing, pins.clone()),
        };
        let text = format!(
            "# Content pinned into `{to}` by `sentinelctl promote --from {}`: plan and apply for `{to}`\n# read each item at its commit. Review this file in a pull request.\n{}",
            req.from,
            to_yaml(&serde_json::to_value(&lock)?)
        );
        locks.push((to.clone(), lock_file, text));
    }
    let lock_files = locks
        .iter()
        .map(|(to, path, _)| (to.clone(), repo.shown(path)))
        .collect();
    if req.dry_run {
        return Ok(Promoted {
            pins,
            lock_files,
            plan: None,
        });
    }
    write_locks(&locks)?;
    let plan = if let [to] = targets.as_slice() {
        let to = Target::open(cx, to, &[])?;
        let plan = rt.block_on(async {
            let mut opts = req.connect.clone();
            opts.concurrency = opts.concurrency.max(8);
            let (conn, plan) = plan_target(cx, &to, &opts, &PlanOptions::default()).await?;
            conn.close().await;
            anyhow::Ok(plan)
        })?;
        PromotedPlan::One(Box::new(plan))
    } else {
        drop(rt);
        PromotedPlan::Fleet(run_fleet(
            cx,
            &FleetRequest {
                envs: targets,
                mode: FleetMode::Plan,
                workspaces_at_once: req.workspaces_at_once.max(1),
                parallelism: 8,
                connect: req.connect.clone(),
                ..FleetRequest::default()
            },
        )?)
    };
    Ok(Promoted {
        pins,
        lock_files,
        plan: Some(plan),
    })
}

/// Writes every lock file through a temporary file beside it, renaming only once all are written.
fn write_locks(locks: &[(String, PathBuf, String)]) -> anyhow::Result<()> {
    let mut written = Vec::new();
    let staged: anyhow::Result<()> = locks.iter().try_for_each(|(_, path, text)| {
        if let Some(dir) = path.parent() {
            // a fleet's workspace keeps its lock in `environments/<fleet>/`
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        let tmp = path.with_extension("yaml.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        written.push(tmp);
        Ok(())
    });
    if let Err(e) = staged {
        for tmp in &written {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e.context("nothing was written"));
    }
    for ((_, path, _), tmp) in locks.iter().zip(&written) {
        std::fs::rename(tmp, path).with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}
