//! `test`: run the test cases kept beside detections and skills (`<content>.tests.yaml`) on the
//! built-in KQL engine, with Sentinel's execution model for rules, and judge their expectations.
//!
//! A case gives input rows per table and what must hold (fires, alerts, rows, columns, rows that
//! must be present, entities, custom details, alert name, severity). A feature the engine does not
//! implement makes the case `unsupported` (reported, never a pass); a broken case (bad rows, a
//! missing file) is an `error`.
//!
//! With an environment (`test --env E`) each case also runs in the environment's workspace: its
//! query rewritten to be self-contained ([`crate::run::rewrite`]: the case's rows as `datatable`s,
//! the saved functions inlined, `now()` fixed at the run time), sent over one connection through
//! the same query API path as `query --env` ([`super::query::query_workspace_many`]), and the
//! answer judged by the same expectations and, for rules, the same trigger and alerts. A case the
//! engines disagree on fails.

use std::path::Path;

use super::connection::ConnectOptions;
use super::target::load;
use crate::diag::Diagnostic;
use crate::load::Repository;
use crate::load::file::load_yaml_file;
pub use crate::run::cases::{CaseResult, CaseStatus, DEFAULT_AT, Engines, TestReport};
use crate::run::cases::{
    EngineResult, Outcome, Target, disagreement, judge_result, prepare_case, run_local,
};
use crate::schema::YamlTestFile;
use crate::session::Session;

/// What to run.
#[derive(Debug, Clone)]
pub struct TestRequest {
    /// Only test files or content whose path, id, name or alias contains one of these.
    pub filters: Vec<String>,
    /// Run the cases on the built-in engine.
    pub local: bool,
    /// Run the cases in this environment's workspace, connecting so.
    pub workspace: Option<(String, ConnectOptions)>,
}

impl Default for TestRequest {
    fn default() -> Self {
        TestRequest {
            filters: Vec::new(),
            local: true,
            workspace: None,
        }
    }
}

/// A case waiting for the workspace's answer.
struct Pending {
    /// Its index in the report.
    index: usize,
    /// The rule it runs (an index into the repository's rules), for a rule case.
    rule: Option<usize>,
    at: sentinel_kql_engine::DateTime,
    case: crate::schema::YamlTestCase,
    query: String,
}

fn millis(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn engine_result((status, result, alerts): Outcome, millis: u64) -> EngineResult {
    EngineResult {
        status,
        result,
        alerts,
        millis,
        query: None,
    }
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
    let Prepared {
        mut report,
        pending,
        repo,
    } = prepare(cx, &req.filters, req.local, req.workspace.is_some())?;
    if let Some((env, connect)) = &req.workspace {
        judge_in_workspace(cx, &repo, &mut report, &pending, env, connect, req.local)?;
    }
    report.engines = Engines {
        local: req.local,
        workspace: req.workspace.as_ref().map(|(env, _)| env.clone()),
    };
    report.repo = Some(repo);
    Ok(report)
}

/// The cases run on the local engine (when asked), each with the query to send to a workspace.
struct Prepared {
    report: TestReport,
    pending: Vec<Pending>,
    repo: Repository,
}

/// Loads the test files matching `filters`, runs their cases on the local engine when
/// `on_local`, and with `for_workspace` rewrites each for a workspace.
fn prepare(
    cx: &Session,
    filters: &[String],
    on_local: bool,
    for_workspace: bool,
) -> anyhow::Result<Prepared> {
    let mut repo = load(cx)?;
    let base = crate::run::database::with_functions(&repo)?;
    let functions = crate::run::workspace::functions(&repo);
    let mut report = TestReport::default();
    let mut pending: Vec<Pending> = Vec::new();
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
        let wanted = filters.is_empty()
            || filters.iter().any(|f| {
                let f = f.to_ascii_lowercase();
                shown_text.to_ascii_lowercase().contains(&f)
                    || id.to_ascii_lowercase().contains(&f)
                    || name.to_ascii_lowercase().contains(&f)
            });
        if !wanted {
            continue;
        }
        let rule_index = match &target {
            Target::Rule(r) => repo
                .rules
                .iter()
                .position(|x| x.rule.as_ref().is_some_and(|x| std::ptr::eq(x, *r))),
            _ => None,
        };
        for case in &loaded.raw.cases {
            let started = std::time::Instant::now();
            let prepared =
                prepare_case(&repo, &base, &path, &target, case, loaded.raw.at.as_deref());
            let local = on_local.then(|| match &prepared {
                Ok(p) => run_local(p, case),
                Err(status) => (status.clone(), Vec::new(), Vec::new()),
            });
            let local_millis = millis(started);
            let index = report.cases.len();
            let mut workspace = None;
            if for_workspace {
                match &prepared {
                    Ok(p) => {
                        match crate::run::workspace::workspace_query(&repo, &functions, p, case) {
                            Ok(rewritten) => pending.push(Pending {
                                index,
                                rule: rule_index,
                                at: p.at,
                                case: case.clone(),
                                query: rewritten.query,
                            }),
                            Err(why) => {
                                workspace = Some(engine_result(
                                    (CaseStatus::Error(why), Vec::new(), Vec::new()),
                                    0,
                                ));
                            }
                        }
                    }
                    Err(status) => {
                        workspace =
                            Some(engine_result((status.clone(), Vec::new(), Vec::new()), 0));
                    }
                }
            }
            // without the local engine the case's own status is the workspace's (filled in below)
            let (status, result, alerts) =
                local.unwrap_or((CaseStatus::Pass, Vec::new(), Vec::new()));
            report.cases.push(CaseResult {
                file: shown_text.clone(),
                target: id.clone(),
                target_name: name.clone(),
                name: case.name.clone(),
                status,
                result,
                alerts,
                millis: local_millis,
                workspace,
                disagreement: None,
            });
        }
    }
    Ok(Prepared {
        report,
        pending,
        repo,
    })
}

/// Sends the `pending` queries to `env`'s workspace and judges its answers into `report` (beside
/// the local verdicts when `local`, instead of them otherwise).
fn judge_in_workspace(
    cx: &Session,
    repo: &Repository,
    report: &mut TestReport,
    pending: &[Pending],
    env: &str,
    connect: &ConnectOptions,
    local: bool,
) -> anyhow::Result<()> {
    {
        let bodies: Vec<_> = pending
            .iter()
            .map(|p| sentinel_arm::QueryBody::new(p.query.clone()))
            .collect();
        let started = std::time::Instant::now();
        let answers = super::query::query_workspace_many(cx, env, connect, &bodies)?;
        let each = millis(started) / u64::try_from(pending.len().max(1)).unwrap_or(1);
        for (p, answer) in pending.iter().zip(answers) {
            let outcome = match answer {
                Ok(rows) => {
                    let rule = p
                        .rule
                        .and_then(|i| repo.rules.get(i))
                        .and_then(|r| r.rule.as_ref());
                    judge_result(rule, p.at, &p.case, rows)
                }
                Err(e) => (CaseStatus::Error(format!("{e:#}")), Vec::new(), Vec::new()),
            };
            if let Some(c) = report.cases.get_mut(p.index) {
                let mut w = engine_result(outcome, each);
                // what was sent, to rerun by hand (`query --env`, the portal) when it did not pass
                if w.status != CaseStatus::Pass {
                    w.query = Some(p.query.clone());
                }
                c.workspace = Some(w);
            }
        }
        for c in &mut report.cases {
            let Some(w) = &c.workspace else { continue };
            if local {
                c.disagreement = disagreement(&c.status, &w.status);
            } else {
                c.status = w.status.clone();
                c.result = w.result.clone();
                c.alerts = w.alerts.clone();
                c.millis = w.millis;
            }
        }
    }
    Ok(())
}

/// `test --env` over a fleet: the local verdicts once, and each workspace's beside them.
#[derive(Debug)]
pub struct FleetTestReport {
    /// The cases on the local engine (with the repository, for located problems).
    pub local: TestReport,
    /// Each environment's report (cases judged by its workspace beside the local engine), or why
    /// it could not run, in name order.
    pub environments: Vec<FleetTestOutcome>,
}

/// One environment of a [`FleetTestReport`].
#[derive(Debug)]
pub struct FleetTestOutcome {
    /// Environment name.
    pub environment: String,
    /// Its cases, or the error (message, hint) that kept them from running.
    pub report: Result<TestReport, (String, Option<String>)>,
}

impl FleetTestReport {
    /// True when the local engine and every workspace passed every case.
    pub fn passed(&self) -> bool {
        self.local.passed()
            && self
                .environments
                .iter()
                .all(|e| e.report.as_ref().is_ok_and(TestReport::passed))
    }
}

/// Runs the test cases once on the local engine and in every workspace of `envs` (names, globs,
/// fleets), `at_once` workspaces at a time, all signing in once per login and tenant.
pub fn run_tests_fleet(
    cx: &Session,
    filters: &[String],
    envs: &[String],
    connect: &ConnectOptions,
    at_once: usize,
) -> anyhow::Result<FleetTestReport> {
    let envs = super::selection::expand_environments(cx, envs)?;
    let Prepared {
        mut report,
        pending,
        repo,
    } = prepare(cx, filters, true, true)?;
    let mut connect = connect.clone();
    connect.credentials = Some(std::sync::Arc::new(sentinel_arm::CredentialPools::new()));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..at_once.clamp(1, envs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(env) = envs.get(i) else { break };
                    let mut one = TestReport {
                        cases: report.cases.clone(),
                        ..TestReport::default()
                    };
                    let outcome =
                        judge_in_workspace(cx, &repo, &mut one, &pending, env, &connect, true)
                            .map(|()| {
                                one.engines = Engines {
                                    local: true,
                                    workspace: Some(env.clone()),
                                };
                                one
                            })
                            .map_err(|e| super::fleet::error_parts(&e));
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(FleetTestOutcome {
                            environment: env.clone(),
                            report: outcome,
                        });
                }
            });
        }
    });
    let mut environments = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    environments.sort_by(|a, b| a.environment.cmp(&b.environment));
    report.engines = Engines {
        local: true,
        workspace: None,
    };
    report.repo = Some(repo);
    Ok(FleetTestReport {
        local: report,
        environments,
    })
}

#[cfg(test)]
mod tests {
    use sentinel_kql_engine::{Database, DateTime, Options, evaluate};

    use super::*;

    /// Every case of the shipped repository, rewritten for a workspace and evaluated on an empty
    /// database at another clock, gives exactly the table the local engine gives the original on
    /// the case's database (with Sentinel's window for rules).
    #[test]
    fn every_shipped_case_rewritten_gives_the_local_engines_result() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut repo = Repository::load(root).unwrap();
        let base = crate::run::database::with_functions(&repo).unwrap();
        let functions = crate::run::workspace::functions(&repo);
        let elsewhere = Options::at(DateTime::parse("2031-03-03T03:03:03Z").unwrap());
        let mut checked = 0;
        for path in test_files(root) {
            let shown = repo.shown(&path);
            let mut diags = Vec::new();
            let loaded =
                load_yaml_file::<YamlTestFile>(&mut repo.sources, &path, &shown, &mut diags)
                    .unwrap_or_else(|| panic!("{}: {diags:?}", path.display()));
            let target = target_of(&repo, &path, &loaded.raw).unwrap();
            for case in &loaded.raw.cases {
                let p = prepare_case(&repo, &base, &path, &target, case, loaded.raw.at.as_deref())
                    .unwrap_or_else(|s| panic!("{}: {s:?}", case.name));
                let options = Options {
                    window: p.window(),
                    ..Options::at(p.at)
                };
                let want = evaluate(&p.query, &p.db, &options)
                    .unwrap_or_else(|e| panic!("{}: {}", case.name, e.message));
                let rewritten =
                    crate::run::workspace::workspace_query(&repo, &functions, &p, case).unwrap();
                let got =
                    evaluate(&rewritten.query, &Database::new(), &elsewhere).unwrap_or_else(|e| {
                        panic!("{}: {}\n{}", case.name, e.message, rewritten.query)
                    });
                assert_eq!(
                    got.to_text(),
                    want.to_text(),
                    "{} › {}\n{}",
                    shown.display(),
                    case.name,
                    rewritten.query
                );
                checked += 1;
            }
        }
        assert!(checked >= 90, "only {checked} cases");
    }
}
