//! `sentinelctl drift`: read-only, classified check of one or many workspaces, in parallel.

use anyhow::Context as _;

use super::connect_options;
use crate::args::{DriftArgs, DriftFormat};
use crate::exit::ExitStatus;
use crate::ops::drift::{DriftRequest, drift_many};
use crate::render::{drift as render, reports};
use crate::session::Session;

/// Runs `drift`.
pub fn run(cx: &Session, args: &DriftArgs) -> anyhow::Result<ExitStatus> {
    let req = DriftRequest {
        envs: args.envs.clone(),
        connect: connect_options(cx, &args.arm, 4)?,
    };
    let reports = drift_many(cx, &req)?;
    if let Some(dir) = &args.report_dir {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let (mut json, mut xml, mut md) = (Vec::new(), Vec::new(), Vec::new());
        reports::drift_json(&mut json, &reports)?;
        render::junit(&mut xml, &reports)?;
        render::markdown(&mut md, &reports)?;
        for (name, bytes) in [("drift.json", json), ("drift.xml", xml), ("drift.md", md)] {
            std::fs::write(dir.join(name), bytes)
                .with_context(|| format!("cannot write `{name}`"))?;
        }
    }
    cx.printer.stdout(|out| match args.format {
        DriftFormat::Human => render::human(out, &reports),
        DriftFormat::Markdown => render::markdown(out, &reports),
        DriftFormat::Junit => render::junit(out, &reports),
        DriftFormat::Json => reports::drift_json(out, &reports),
    })?;
    Ok(if reports.iter().any(|r| r.error.is_some()) {
        ExitStatus::Failure
    } else if reports.iter().any(|r| r.drift_count() > 0) {
        ExitStatus::Drift
    } else {
        ExitStatus::Success
    })
}
