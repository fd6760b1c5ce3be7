//! `sentinelctl coverage`: the ATT&CK techniques the detections cover.

use anyhow::Context as _;

use super::connect_options;
use crate::args::{CoverageArgs, CoverageFormat};
use crate::exit::ExitStatus;
use crate::ops::coverage::{CoverageRequest, coverage};
use crate::render::coverage as render;
use crate::session::Session;

/// Runs `coverage`.
pub fn run(cx: &Session, args: &CoverageArgs) -> anyhow::Result<ExitStatus> {
    let req = CoverageRequest {
        env: args.env.clone(),
        connect: connect_options(cx, &args.arm, 4)?,
    };
    let cov = coverage(cx, &req)?;
    if let Some(path) = &args.layer {
        let mut bytes = Vec::new();
        render::layer(&mut bytes, &cov)?;
        std::fs::write(path, bytes)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    cx.printer.stdout(|out| match args.format {
        CoverageFormat::Markdown => render::markdown(out, &cov),
        CoverageFormat::Layer => render::layer(out, &cov),
    })?;
    Ok(ExitStatus::Success)
}
