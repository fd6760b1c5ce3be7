//! `sentinelctl drift`: read-only, classified check of one or many workspaces, in parallel.

use anyhow::Context as _;

use crate::args::{ArmArgs, DriftArgs, DriftFormat};
use crate::drift::{DriftReport, drift};
use crate::exit::ExitStatus;
use crate::load::Repository;
use crate::render::drift as render;
use crate::session::Session;
use crate::workflow::{prepare, runtime};

/// Expands names and globs against `environments/`.
fn expand(cx: &Session, patterns: &[String]) -> anyhow::Result<Vec<String>> {
    let names = Repository {
        root: cx.root.clone(),
        ..Repository::default()
    }
    .environment_names();
    let mut out = Vec::new();
    for p in patterns {
        if p.contains(['*', '?', '[']) {
            let glob = globset::Glob::new(p)
                .with_context(|| format!("`{p}` is not a valid glob"))?
                .compile_matcher();
            let hits: Vec<String> = names
                .iter()
                .filter(|n| glob.is_match(n.as_str()))
                .cloned()
                .collect();
            anyhow::ensure!(
                !hits.is_empty(),
                "no environment matches `{p}` (known: {})",
                names.join(", ")
            );
            out.extend(hits);
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn one(cx: Session, env: String, arm: ArmArgs) -> anyhow::Result<DriftReport> {
    let p = prepare(&cx, &env, &[])?;
    let conn = crate::connect::connect(&cx, &p.env, &arm, 4).await?;
    let live = crate::live::read(&conn.client, &conn.ws)
        .await
        .with_context(|| format!("cannot read workspace `{}`", p.env.workspace))?;
    conn.close().await;
    Ok(drift(&p.desired, &live))
}

/// The `drift --format json` document (format version 1).
fn json_document(reports: &[DriftReport]) -> serde_json::Value {
    serde_json::json!({"format_version": 1, "environments": reports})
}

/// Runs `drift`.
pub fn run(cx: &Session, args: &DriftArgs) -> anyhow::Result<ExitStatus> {
    let envs = expand(cx, &args.envs)?;
    let reports: Vec<DriftReport> = runtime()?.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, env) in envs.iter().enumerate() {
            let (cx, env, arm) = (cx.clone(), env.clone(), args.arm.clone());
            tasks.spawn(async move {
                (
                    i,
                    one(cx, env.clone(), arm)
                        .await
                        .with_context(|| format!("drift check of `{env}` failed")),
                )
            });
        }
        let mut results = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            results.push(joined.context("a drift task panicked")?);
        }
        results.sort_by_key(|(i, _)| *i);
        results
            .into_iter()
            .map(|(_, r)| r)
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    if let Some(dir) = &args.report_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let mut json = serde_json::to_vec_pretty(&json_document(&reports))?;
        json.push(b'\n');
        std::fs::write(dir.join("drift.json"), json)?;
        let (mut xml, mut md) = (Vec::new(), Vec::new());
        render::junit(&mut xml, &reports)?;
        render::markdown(&mut md, &reports)?;
        std::fs::write(dir.join("drift.xml"), xml)?;
        std::fs::write(dir.join("drift.md"), md)?;
    }
    cx.printer.stdout(|out| match args.format {
        DriftFormat::Human => render::human(out, &reports),
        DriftFormat::Markdown => render::markdown(out, &reports),
        DriftFormat::Junit => render::junit(out, &reports),
        DriftFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json_document(&reports))?;
            writeln!(out)
        }
    })?;
    Ok(if reports.iter().any(|r| r.drift_count() > 0) {
        ExitStatus::Drift
    } else {
        ExitStatus::Success
    })
}
