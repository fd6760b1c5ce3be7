//! `simulate`: replay log files through the detections on Sentinel's schedule and list the alerts
//! each would have raised (`--from T1 --to T2`), or run them once at `--at T`.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use sentinel_kql_engine::{Database, DateTime};

use super::target::load;
use crate::load::Repository;
pub use crate::run::sentinel::DetectionReplay;
use crate::run::sentinel::{RuleRun, run_rule, simulate};
use crate::session::Session;

/// Input: `TABLE=FILE` pairs.
pub type DataFiles = Vec<(String, PathBuf)>;

/// When to run.
#[derive(Debug, Clone)]
pub enum When {
    /// Every scheduled run in `[from, to]`.
    Range(DateTime, DateTime),
    /// One run at this time.
    At(DateTime),
}

/// What to replay.
#[derive(Debug, Clone)]
pub struct SimulateRequest {
    /// Log files per table.
    pub data: DataFiles,
    /// When.
    pub when: When,
    /// Only detections whose id or name contains one of these (all when empty).
    pub filters: Vec<String>,
}

/// Parses a time given on the command line.
pub fn parse_time(text: &str, flag: &str) -> anyhow::Result<DateTime> {
    DateTime::parse(text).with_context(|| {
        format!("{flag} `{text}` is not a date and time (e.g. 2026-01-15T12:00:00Z)")
    })
}

/// A database with the repository's functions and the given files' rows.
pub fn database_with(
    repo: &Repository,
    data: &DataFiles,
    at: DateTime,
) -> anyhow::Result<Database> {
    let mut db = crate::run::database::with_functions(repo)?;
    for (table, file) in data {
        crate::load::file::read_regular_bytes(file)
            .map_err(|e| anyhow::anyhow!("--data {table}={}: {e}", file.display()))?;
        let t = crate::run::database::table(repo, table, &[], Some(file), at)?;
        db.add_table(table, t);
    }
    Ok(db)
}

/// Replays `req`.
pub fn replay(cx: &Session, req: &SimulateRequest) -> anyhow::Result<Vec<DetectionReplay>> {
    if req.data.is_empty() {
        bail!("give the logs to replay: --data OnePasswordEventLogs_CL=export.csv (repeatable)");
    }
    let repo = load(cx)?;
    let at = match req.when {
        When::Range(_, to) | When::At(to) => to,
    };
    let db = database_with(&repo, &req.data, at)?;
    let mut out = Vec::new();
    for r in &repo.rules {
        let Some(rule) = &r.rule else { continue };
        if !rule.kind.has_query() {
            // Fusion, incident creation, ML and TI rules run inside Sentinel on Microsoft's
            // logic: there is nothing to replay
            continue;
        }
        let wanted = req.filters.is_empty()
            || req.filters.iter().any(|f| {
                let f = f.to_ascii_lowercase();
                rule.name.contains(&f) || rule.display_name.to_ascii_lowercase().contains(&f)
            });
        if !wanted {
            continue;
        }
        let runs: Result<Vec<RuleRun>, _> = match req.when {
            When::Range(from, to) => simulate(rule, &db, from, to),
            When::At(at) => run_rule(rule, &db, at).map(|r| vec![r]),
        };
        let (runs, alerts, error) = match runs {
            Ok(runs) => {
                let alerts = runs.iter().flat_map(|r| r.alerts.clone()).collect();
                (runs.len(), alerts, None)
            }
            Err(e) => (0, Vec::new(), Some(e.message)),
        };
        out.push(DetectionReplay {
            id: rule.name.clone(),
            name: rule.display_name.clone(),
            runs,
            alerts,
            error,
        });
    }
    Ok(out)
}
