//! Test cases judged: one case's database (its rows), the run (a rule through Sentinel's
//! execution model, a skill as a function call), and its expectations against the result; plus the
//! report types the renderers read.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use sentinel_kql_engine::{Database, DateTime, ErrorKind, EvalError, Options, Table};
use serde::Serialize;
use serde_json::Value as Json;

use super::sentinel::{Alert, RuleRun, judge_rows, run_rule};
use crate::diag::{Diagnostic, Severity};
use crate::load::Repository;
use crate::model::AnalyticsRule;
use crate::schema::{YamlExpect, YamlTestCase};

/// The run time of cases that give none.
pub const DEFAULT_AT: &str = "2026-01-15T12:00:00Z";

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "detail")]
pub enum CaseStatus {
    /// Every expectation held.
    Pass,
    /// Expectations that did not hold.
    Fail(Vec<String>),
    /// The engine does not implement something the content uses.
    Unsupported(String),
    /// The case could not run (bad rows, a query error).
    Error(String),
}

/// One case's result.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// The test file.
    pub file: String,
    /// What it tests: a rule id or a function alias.
    pub target: String,
    /// The content's display name.
    pub target_name: String,
    /// The case's name.
    pub name: String,
    /// How it ended.
    #[serde(flatten)]
    pub status: CaseStatus,
    /// The result rows (as text), for a failure's diff.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<BTreeMap<String, String>>,
    /// The alerts raised (rule cases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<Alert>,
    /// Milliseconds the case took.
    pub millis: u64,
    /// The workspace's verdict (`test --env`): the same expectations judged on the result of the
    /// rewritten query in the environment's workspace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<EngineResult>,
    /// When both engines ran and one passed while the other did not: what each said. A
    /// disagreement is a failure of the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disagreement: Option<String>,
}

impl CaseResult {
    /// True when every engine that ran passed the case.
    pub fn passed(&self) -> bool {
        self.status == CaseStatus::Pass
            && self
                .workspace
                .as_ref()
                .is_none_or(|w| w.status == CaseStatus::Pass)
    }
}

/// One engine's verdict on a case.
#[derive(Debug, Clone, Serialize)]
pub struct EngineResult {
    /// How it ended.
    #[serde(flatten)]
    pub status: CaseStatus,
    /// The result rows (as text).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub result: Vec<BTreeMap<String, String>>,
    /// The alerts raised (rule cases).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<Alert>,
    /// Milliseconds the engine took (for a workspace: the round trip).
    pub millis: u64,
    /// The rewritten query the workspace ran, when its verdict is not a pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

/// `local`, `workspace`: how a status is named in messages.
pub fn status_word(s: &CaseStatus) -> &'static str {
    match s {
        CaseStatus::Pass => "pass",
        CaseStatus::Fail(_) => "fail",
        CaseStatus::Unsupported(_) => "unsupported",
        CaseStatus::Error(_) => "error",
    }
}

/// The disagreement of the engines on a case, if any: one passed and the other did not (a local
/// `unsupported` is not a disagreement: the local engine could not judge).
pub fn disagreement(local: &CaseStatus, workspace: &CaseStatus) -> Option<String> {
    if matches!(local, CaseStatus::Unsupported(_)) {
        return None;
    }
    ((*local == CaseStatus::Pass) != (*workspace == CaseStatus::Pass)).then(|| {
        format!(
            "the engines disagree: local {}, workspace {}",
            status_word(local),
            status_word(workspace)
        )
    })
}

/// Which engines a report's cases ran on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Engines {
    /// The built-in engine.
    pub local: bool,
    /// The environment whose workspace ran the rewritten queries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<String>,
}

/// Every case's result, in file order.
#[derive(Debug, Default, Serialize)]
pub struct TestReport {
    /// Results.
    pub cases: Vec<CaseResult>,
    /// The engines the cases ran on.
    #[serde(skip)]
    pub engines: Engines,
    /// Problems in test files (located diagnostics; the repository's sources resolve them).
    #[serde(skip)]
    pub problems: Vec<Diagnostic>,
    /// The repository (sources for the problems).
    #[serde(skip)]
    pub repo: Option<Repository>,
}

impl TestReport {
    /// (passed, failed, unsupported, errors).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let n = |f: fn(&CaseStatus) -> bool| self.cases.iter().filter(|c| f(&c.status)).count();
        (
            n(|s| *s == CaseStatus::Pass),
            n(|s| matches!(s, CaseStatus::Fail(_))),
            n(|s| matches!(s, CaseStatus::Unsupported(_))),
            n(|s| matches!(s, CaseStatus::Error(_))),
        )
    }

    /// The workspace's (passed, failed, unsupported, errors), over the cases it ran.
    pub fn workspace_counts(&self) -> (usize, usize, usize, usize) {
        let n = |f: fn(&CaseStatus) -> bool| {
            self.cases
                .iter()
                .filter_map(|c| c.workspace.as_ref())
                .filter(|w| f(&w.status))
                .count()
        };
        (
            n(|s| *s == CaseStatus::Pass),
            n(|s| matches!(s, CaseStatus::Fail(_))),
            n(|s| matches!(s, CaseStatus::Unsupported(_))),
            n(|s| matches!(s, CaseStatus::Error(_))),
        )
    }

    /// Cases on which the engines disagree.
    pub fn disagreements(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.disagreement.is_some())
            .count()
    }

    /// True when every case passed on every engine and no test file has a problem.
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseResult::passed)
            && !self.problems.iter().any(|d| d.severity == Severity::Error)
    }
}

/// One engine's verdict: (status, result rows as text, alerts).
pub type Outcome = (CaseStatus, Vec<BTreeMap<String, String>>, Vec<Alert>);

/// Judges a query case (a function call or a hunting query) on its result table.
fn judge_query(case: &YamlTestCase, table: &Table) -> Outcome {
    let rows = rows_as_text(table);
    let failures = check(&case.expect, table, &rows, None);
    let status = if failures.is_empty() {
        CaseStatus::Pass
    } else {
        CaseStatus::Fail(failures)
    };
    (status, rows, Vec::new())
}

/// Judges a rule case on Sentinel's run of the rule.
fn judge_rule(case: &YamlTestCase, run: &RuleRun) -> Outcome {
    let rows = rows_as_text(&run.rows);
    let failures = check(
        &case.expect,
        &run.rows,
        &rows,
        Some((run.fired, &run.alerts)),
    );
    let status = if failures.is_empty() {
        CaseStatus::Pass
    } else {
        CaseStatus::Fail(failures)
    };
    (status, rows, run.alerts.clone())
}

/// What a test file tests.
pub enum Target<'r> {
    /// A rule.
    Rule(&'r AnalyticsRule),
    /// A function, by alias and display name.
    Function {
        /// Alias.
        alias: String,
        /// Display name.
        name: String,
    },
    /// A hunting query: its rows are the result, as the portal shows them.
    Hunting {
        /// Resource name (the GUID id).
        id: String,
        /// Display name.
        name: String,
        /// The query.
        query: String,
    },
}

fn parse_at(text: Option<&str>) -> anyhow::Result<DateTime> {
    let t = text.unwrap_or(DEFAULT_AT);
    DateTime::parse(t).with_context(|| format!("`at: {t}` is not a date and time (ISO 8601)"))
}

/// The tables (and watchlists) of a case, loaded into a copy of the database.
fn case_database(
    repo: &Repository,
    base: &Database,
    test_file: &Path,
    case: &YamlTestCase,
    at: DateTime,
) -> anyhow::Result<Database> {
    let mut db = base.clone();
    let dir = test_file.parent().unwrap_or(Path::new("."));
    for (name, data) in &case.data {
        let file = match &data.file {
            Some(f) => {
                let rel = crate::git::RepoPath::parse(f)
                    .map_err(|e| anyhow::anyhow!("data file of `{name}`: {e}"))?;
                let path = dir.join(rel.as_str());
                crate::load::file::read_regular_bytes(&path)
                    .map_err(|e| anyhow::anyhow!("data file `{f}` of `{name}`: {e}"))?;
                Some(path)
            }
            None => None,
        };
        if let Some(w) = repo
            .watchlists
            .iter()
            .filter_map(|w| w.watchlist.as_ref())
            .find(|w| w.alias.eq_ignore_ascii_case(name))
        {
            let (columns, rows) =
                crate::run::database::watchlist_rows(w, &data.rows, file.as_deref())?;
            db.add_watchlist(&w.alias, &w.items_search_key, &columns, rows);
            continue;
        }
        let table = crate::run::database::table(repo, name, &data.rows, file.as_deref(), at)?;
        db.add_table(name, table);
    }
    Ok(db)
}

fn as_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// Whether a result cell matches an expected value (as text; dynamic values as JSON).
fn cell_matches(actual: &str, expected: &Json) -> bool {
    if actual == as_text(expected) {
        return true;
    }
    match (serde_json::from_str::<Json>(actual), expected) {
        (Ok(a), Json::Array(_) | Json::Object(_)) => &a == expected,
        (Ok(Json::Number(a)), Json::Number(b)) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

fn rows_as_text(t: &Table) -> Vec<BTreeMap<String, String>> {
    let names: Vec<String> = t.columns().iter().map(|c| c.name.clone()).collect();
    t.rows()
        .map(|r| {
            names
                .iter()
                .cloned()
                .zip(r.iter().map(sentinel_kql_engine::Value::to_kusto_string))
                .collect()
        })
        .collect()
}

fn check(
    expect: &YamlExpect,
    result: &Table,
    rows: &[BTreeMap<String, String>],
    alerts: Option<(bool, &[Alert])>,
) -> Vec<String> {
    let mut failures = Vec::new();
    if let (Some(want), Some((fired, _))) = (expect.fires, alerts)
        && want != fired
    {
        failures.push(if want {
            format!(
                "expected the rule to fire; it did not ({} result rows)",
                result.len()
            )
        } else {
            format!(
                "expected the rule not to fire; it did ({} result rows)",
                result.len()
            )
        });
    }
    if let (Some(n), Some((_, a))) = (expect.alerts, alerts)
        && n != a.len()
    {
        failures.push(format!("expected {n} alert(s), got {}", a.len()));
    }
    if let Some(n) = expect.rows
        && n != result.len()
    {
        failures.push(format!("expected {n} result row(s), got {}", result.len()));
    }
    if let Some(cols) = &expect.columns {
        let got: Vec<&str> = result.columns().iter().map(|c| c.name.as_str()).collect();
        if got != cols.iter().map(String::as_str).collect::<Vec<_>>() {
            failures.push(format!("expected columns {cols:?}, got {got:?}"));
        }
    }
    for want in expect.contains_rows.iter().flatten() {
        let found = rows.iter().any(|r| {
            want.iter()
                .all(|(k, v)| r.get(k).is_some_and(|a| cell_matches(a, v)))
        });
        if !found {
            let shown: BTreeMap<&String, String> =
                want.iter().map(|(k, v)| (k, as_text(v))).collect();
            failures.push(format!("no result row has {shown:?}"));
        }
    }
    let Some((_, alerts)) = alerts else {
        return failures;
    };
    for want in expect.entities.iter().flatten() {
        let ty = want.get("type").cloned().unwrap_or_default();
        let found = alerts.iter().flat_map(|a| &a.entities).any(|e| {
            e.entity_type.eq_ignore_ascii_case(&ty)
                && want
                    .iter()
                    .filter(|(k, _)| k.as_str() != "type")
                    .all(|(k, v)| e.identifiers.get(k) == Some(v))
        });
        if !found {
            failures.push(format!("no alert has the entity {want:?}"));
        }
    }
    for (key, want) in expect.custom_details.iter().flatten() {
        let wanted: Vec<String> = match want {
            Json::Array(items) => items.iter().map(as_text).collect(),
            other => vec![as_text(other)],
        };
        let found = alerts.iter().any(|a| {
            a.custom_details
                .get(key)
                .is_some_and(|vals| wanted.iter().all(|w| vals.contains(w)))
        });
        if !found {
            failures.push(format!("no alert has the custom detail {key} = {wanted:?}"));
        }
    }
    if let Some(name) = &expect.alert_name
        && !alerts.iter().any(|a| &a.display_name == name)
    {
        let got: Vec<&str> = alerts.iter().map(|a| a.display_name.as_str()).collect();
        failures.push(format!("no alert is named {name:?} (got {got:?})"));
    }
    if let Some(sev) = &expect.severity
        && let Some(a) = alerts.iter().find(|a| &a.severity != sev)
    {
        failures.push(format!(
            "expected severity {sev}, an alert has {}",
            a.severity
        ));
    }
    failures
}

fn engine_status(e: &EvalError) -> CaseStatus {
    let text = match &e.hint {
        Some(h) => format!("{} (hint: {h})", e.message),
        None => e.message.clone(),
    };
    match e.kind {
        ErrorKind::Unsupported { .. } => CaseStatus::Unsupported(text),
        _ => CaseStatus::Error(text),
    }
}

/// A case made ready to run: its run time, its database (the repository's functions and
/// watchlists plus the case's rows) and the query it runs.
pub struct PreparedCase<'t, 'r> {
    /// The run time `T`.
    pub at: DateTime,
    /// The case's database.
    pub db: Database,
    /// What the case tests.
    pub target: &'t Target<'r>,
    /// The query that runs: the rule's, the hunting query, or the function call.
    pub query: String,
}

impl PreparedCase<'_, '_> {
    /// Sentinel's query window, for a rule case.
    pub fn window(&self) -> Option<(DateTime, DateTime)> {
        match self.target {
            Target::Rule(rule) => Some(super::sentinel::window(rule, self.at)),
            _ => None,
        }
    }
}

/// Reads a case's run time and rows; a broken case is an `error` status.
pub fn prepare_case<'t, 'r>(
    repo: &Repository,
    base: &Database,
    test_file: &Path,
    target: &'t Target<'r>,
    case: &YamlTestCase,
    file_at: Option<&str>,
) -> Result<PreparedCase<'t, 'r>, CaseStatus> {
    let at = parse_at(case.at.as_deref().or(file_at))
        .map_err(|e| CaseStatus::Error(format!("{e:#}")))?;
    let db = case_database(repo, base, test_file, case, at)
        .map_err(|e| CaseStatus::Error(format!("{e:#}")))?;
    let query = match target {
        Target::Rule(rule) => rule.query.clone(),
        Target::Function { alias, .. } => case.call.clone().unwrap_or_else(|| alias.clone()),
        Target::Hunting { query, .. } => query.clone(),
    };
    Ok(PreparedCase {
        at,
        db,
        target,
        query,
    })
}

/// Runs a prepared case on the built-in engine.
pub fn run_local(p: &PreparedCase<'_, '_>, case: &YamlTestCase) -> Outcome {
    match p.target {
        Target::Rule(rule) => match run_rule(rule, &p.db, p.at) {
            Ok(run) => judge_rule(case, &run),
            Err(e) => (engine_status(&e), Vec::new(), Vec::new()),
        },
        Target::Function { .. } | Target::Hunting { .. } => {
            match sentinel_kql_engine::evaluate(&p.query, &p.db, &Options::at(p.at)) {
                Ok(table) => judge_query(case, &table),
                Err(e) => (engine_status(&e), Vec::new(), Vec::new()),
            }
        }
    }
}

/// Judges a prepared case on a result another engine computed (a workspace's answer to the
/// rewritten query): the same expectations, and for rules the same trigger and alerts.
/// `rule` is the case's rule (`None` for a function or hunting-query case), `at` its run time.
pub fn judge_result(
    rule: Option<&AnalyticsRule>,
    at: DateTime,
    case: &YamlTestCase,
    rows: Table,
) -> Outcome {
    match rule {
        Some(rule) => judge_rule(case, &judge_rows(rule, rows, at)),
        None => judge_query(case, &rows),
    }
}

/// Runs one case on the built-in engine: (status, result rows as text, alerts).
pub fn run_case(
    repo: &Repository,
    base: &Database,
    test_file: &Path,
    target: &Target<'_>,
    case: &YamlTestCase,
    file_at: Option<&str>,
) -> Outcome {
    match prepare_case(repo, base, test_file, target, case, file_at) {
        Ok(p) => run_local(&p, case),
        Err(status) => (status, Vec::new(), Vec::new()),
    }
}
