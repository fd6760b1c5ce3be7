//! `promote --from A --to B`: pin into B's lock file exactly what is verified and live in A, then
//! plan B. Nothing is written if any selected item is refused.

use std::path::PathBuf;

use anyhow::Context as _;

use super::connection::{ConnectOptions, connect};
use super::plan::plan_target;
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
    /// Environment to pin it into.
    pub to: String,
    /// Which items (ids, names, aliases; or all).
    pub options: PromoteOptions,
    /// Show what would be pinned without writing the lock file.
    pub dry_run: bool,
    /// How to connect (both environments).
    pub connect: ConnectOptions,
}

/// What a promotion did.
#[derive(Debug, Clone)]
pub struct Promoted {
    /// Items pinned.
    pub pins: Vec<YamlLockItem>,
    /// The lock file (as shown to users).
    pub lock_file: PathBuf,
    /// The target's plan after writing (`None` on a dry run).
    pub plan: Option<Plan>,
}

/// Promotes `req`.
pub fn promote(cx: &Session, req: &PromoteRequest) -> anyhow::Result<Promoted> {
    anyhow::ensure!(
        req.options.all || !req.options.ids.is_empty(),
        "name the content to promote, or pass --all"
    );
    anyhow::ensure!(
        req.from != req.to,
        "--from and --to name the same environment"
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
    anyhow::ensure!(
        repo.environment_exists(&req.to),
        "{}",
        no_environment(&repo, &req.to)
    );
    let lock_file = repo.environment_lock_path(&req.to);
    let existing = if lock_file.is_file() {
        read_lock(&mut repo, &lock_file)
            .map(|l| l.raw.items)
            .context("the existing lock file is invalid")?
    } else {
        Vec::new()
    };
    let lock = YamlLock {
        promoted_from: Some(req.from.clone()),
        items: merge(existing, pins.clone()),
    };
    let shown = repo.shown(&lock_file);
    if req.dry_run {
        return Ok(Promoted {
            pins,
            lock_file: shown,
            plan: None,
        });
    }
    let text = format!(
        "# Content pinned into `{}` by `sentinelctl promote --from {}`: plan and apply for `{}`\n# read each item at its commit. Review this file in a pull request.\n{}",
        req.to,
        req.from,
        req.to,
        to_yaml(&serde_json::to_value(&lock)?)
    );
    if let Some(dir) = lock_file.parent() {
        // a fleet's workspace keeps its lock in `environments/<fleet>/`
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    let tmp = lock_file.with_extension("yaml.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
    std::fs::rename(&tmp, &lock_file)
        .with_context(|| format!("cannot write `{}`", lock_file.display()))?;
    let to = Target::open(cx, &req.to, &[])?;
    let plan = rt.block_on(async {
        let mut opts = req.connect.clone();
        opts.concurrency = opts.concurrency.max(8);
        let (conn, plan) = plan_target(cx, &to, &opts, &PlanOptions::default()).await?;
        conn.close().await;
        anyhow::Ok(plan)
    })?;
    Ok(Promoted {
        pins,
        lock_file: shown,
        plan: Some(plan),
    })
}
