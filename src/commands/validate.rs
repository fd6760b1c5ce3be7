//! `sentinelctl validate`: load the repository, run every offline check, render the findings.

use anyhow::Context as _;

use crate::args::{DiagFormat, ValidateArgs};
use crate::exit::ExitStatus;
use crate::load::Repository;
use crate::render::{diagnostics_human, diagnostics_json, diagnostics_sarif};
use crate::session::Session;
use crate::validate::{ValidateOptions, validate};

/// Runs `validate`.
pub fn run(cx: &Session, args: &ValidateArgs) -> anyhow::Result<ExitStatus> {
    let mut repo = Repository::load(&cx.root)
        .with_context(|| format!("cannot read the repository at `{}`", cx.root.display()))?;
    let options = ValidateOptions {
        environments: (!args.envs.is_empty()).then(|| args.envs.clone()),
        no_kql: args.no_kql,
    };
    let stats = validate(&mut repo, &options);
    let since = match &args.since {
        Some(git_ref) => {
            let report = crate::validate::version_bump::check(&mut repo, git_ref)
                .with_context(|| format!("cannot compare the content with `{git_ref}`"))?;
            repo.diagnostics
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            Some((git_ref, report))
        }
        None => None,
    };
    let p = &cx.printer;
    p.stdout(|out| match args.format {
        DiagFormat::Human => {
            diagnostics_human::render(out, &repo.sources, &repo.diagnostics, p.color_stdout)
        }
        DiagFormat::Json => diagnostics_json::render(out, &repo.sources, &repo.diagnostics),
        DiagFormat::Sarif => {
            diagnostics_sarif::render(out, &repo.sources, &repo.diagnostics, &kql_docs)
        }
    })?;
    if args.format == DiagFormat::Human && !stats.unsupported_kql.is_empty() && cx.verbose > 0 {
        let list: Vec<String> = stats
            .unsupported_kql
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        p.status(&format!(
            "KQL features checked leniently: {}",
            list.join(", ")
        ));
    }
    p.status(&format!(
        "checked {} detections, {} functions, {} workbooks, {} environments, {} queries",
        stats.rules, stats.functions, stats.workbooks, stats.environments, stats.queries
    ));
    if let Some((git_ref, report)) = since {
        p.status(&format!(
            "changed since `{git_ref}`: {} content items, {} of them without a version bump",
            report.changed.len(),
            report.not_bumped.len()
        ));
    }
    Ok(if repo.has_errors() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Docs for KQL codes, which live in the KQL crate.
pub fn kql_docs(code: &str) -> Option<String> {
    sentinel_kql::CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, doc)| (*doc).to_string())
}
