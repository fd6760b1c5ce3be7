//! `test`: run the test cases kept beside detections and skills (`<content>.tests.yaml`) on the
//! built-in KQL engine, with Sentinel's execution model for rules, and judge their expectations.
//!
//! A case gives input rows per table and what must hold (fires, alerts, rows, columns, rows that
//! must be present, entities, custom details, alert name, severity). A feature the engine does not
//! implement makes the case `unsupported` (reported, never a pass); a broken case (bad rows, a
//! missing file) is an `error`.

use std::path::Path;

use super::target::load;
use crate::diag::Diagnostic;
use crate::load::Repository;
use crate::load::file::load_yaml_file;
pub use crate::run::cases::{CaseResult, CaseStatus, DEFAULT_AT, TestReport};
use crate::run::cases::{Target, run_case};
use crate::schema::YamlTestFile;
use crate::session::Session;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    /// Only test files or content whose path, id, name or alias contains one of these.
    pub filters: Vec<String>,
}

pub use crate::load::repository::{test_files, tested_file as content_file};

/// Finds what a test file tests.
fn target_of<'r>(
    repo: &'r Repository,
    test_file: &Path,
    raw: &YamlTestFile,
) -> Result<Target<'r>, String> {
    if let Some(alias) = &raw.function {
        let f = repo
            .functions
            .iter()
            .find(|f| f.function.function_alias.eq_ignore_ascii_case(alias))
            .ok_or_else(|| format!("no function has the alias `{alias}`"))?;
        return Ok(Target::Function {
            alias: f.function.function_alias.clone(),
            name: f.function.display_name.clone(),
        });
    }
    let beside = content_file(test_file);
    let wanted_id = raw.detection.as_deref().map(str::to_ascii_lowercase);
    for r in &repo.rules {
        let Some(rule) = &r.rule else { continue };
        let path_matches = repo.root.join(repo.sources.path(r.loaded.file)) == beside;
        if wanted_id
            .as_deref()
            .map_or(path_matches, |id| rule.name == id)
        {
            if !rule.kind.has_query() {
                return Err(format!(
                    "detection `{}` is a {} rule: it has no query, so there is nothing to test",
                    rule.name,
                    rule.kind.as_str()
                ));
            }
            return Ok(Target::Rule(rule));
        }
    }
    if wanted_id.is_none() {
        for h in &repo.hunting {
            if repo.root.join(repo.sources.path(h.loaded.file)) == beside {
                return Ok(Target::Hunting {
                    id: h.query.name.clone(),
                    name: h.query.display_name.clone(),
                    query: h.query.query.clone(),
                });
            }
        }
        for f in &repo.functions {
            if repo.root.join(repo.sources.path(f.loaded.file)) == beside {
                return Ok(Target::Function {
                    alias: f.function.function_alias.clone(),
                    name: f.function.display_name.clone(),
                });
            }
        }
    }
    Err(match wanted_id {
        Some(id) => format!("no detection has the id `{id}`"),
        None => format!(
            "`{}` is not a detection, function or hunting query of this repository; name it with `detection:` or `function:`",
            beside.display()
        ),
    })
}

/// Runs every test file of the repository (those matching the filters).
pub fn run_tests(cx: &Session, req: &TestRequest) -> anyhow::Result<TestReport> {
    let mut repo = load(cx)?;
    let base = crate::run::database::with_functions(&repo)?;
    let mut report = TestReport::default();
    for path in test_files(&cx.root) {
        let shown = repo.shown(&path);
        let mut diags = Vec::new();
        let Some(loaded) =
            load_yaml_file::<YamlTestFile>(&mut repo.sources, &path, &shown, &mut diags)
        else {
            report.problems.extend(diags);
            continue;
        };
        let target = match target_of(&repo, &path, &loaded.raw) {
            Ok(t) => t,
            Err(message) => {
                report.problems.push(Diagnostic::error(
                    crate::diag::codes::TEST_FILE,
                    loaded.file,
                    message,
                ));
                continue;
            }
        };
        let (id, name) = match &target {
            Target::Rule(r) => (r.name.clone(), r.display_name.clone()),
            Target::Function { alias, name } => (alias.clone(), name.clone()),
            Target::Hunting { id, name, .. } => (id.clone(), name.clone()),
        };
        let shown_text = shown.to_string_lossy().replace('\\', "/");
        let wanted = req.filters.is_empty()
            || req.filters.iter().any(|f| {
                let f = f.to_ascii_lowercase();
                shown_text.to_ascii_lowercase().contains(&f)
                    || id.to_ascii_lowercase().contains(&f)
                    || name.to_ascii_lowercase().contains(&f)
            });
        if !wanted {
            continue;
        }
        for case in &loaded.raw.cases {
            let started = std::time::Instant::now();
            let (status, result, alerts) =
                run_case(&repo, &base, &path, &target, case, loaded.raw.at.as_deref());
            report.cases.push(CaseResult {
                file: shown_text.clone(),
                target: id.clone(),
                target_name: name.clone(),
                name: case.name.clone(),
                status,
                result,
                alerts,
                millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            });
        }
    }
    report.repo = Some(repo);
    Ok(report)
}
