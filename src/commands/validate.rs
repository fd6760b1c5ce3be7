//! `sentinelctl validate`: load the repository, run every offline check, render the findings.

use crate::args::{DiagFormat, ValidateArgs};
use crate::exit::ExitStatus;
use crate::ops::validate::{ValidateRequest, validate_repository};
use crate::render::{diagnostics_human, diagnostics_json, diagnostics_sarif};
use crate::session::Session;
use crate::validate::ValidateOptions;

/// Runs `validate`.
pub fn run(cx: &Session, args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    let req = ValidateRequest {
        options: ValidateOptions {
            environments: (!args.envs.is_empty()).then(|| args.envs.clone()),
            no_kql: args.no_kql,
        },
        since: args.since.clone(),
    };
    let v = validate_repository(cx, &req)?;
    let (p, repo) = (&cx.printer, &v.repo);
    p.stdout(|out| match args.format {
        DiagFormat::Human => {
            diagnostics_human::render(out, &repo.sources, &repo.diagnostics, p.color_stdout)
        }
        DiagFormat::Json => diagnostics_json::render(out, &repo.sources, &repo.diagnostics),
        DiagFormat::Sarif => diagnostics_sarif::render(
            out,
            &repo.sources,
            &repo.diagnostics,
            &diagnostics_sarif::kql_docs,
        ),
    })?;
    let verbose = args.format == DiagFormat::Human && cx.verbose > 0;
    for line in diagnostics_human::validate_status(&v.stats, v.since.as_ref(), verbose) {
        p.status(&line);
    }
    Ok(if repo.has_errors() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
