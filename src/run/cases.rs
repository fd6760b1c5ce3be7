//! Test cases judged: one case's database (its rows), the run (a rule through Sentinel's
//! execution model, a skill as a function call), and its expectations against the result; plus the
//! report types the renderers read.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use sentinel_kql_engine::{Database, DateTime, ErrorKind, EvalError, Options, Table};
use serde::Serialize;
use serde_json::Value as Json;

use super::sentinel::{Alert, run_rule};
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
}

/// Every case's result, in file order.
#[derive(Debug, Default, Serialize)]
pub struct TestReport {
    /// Results.
    pub cases: Vec<CaseResult>,
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

    /// True when every case passed and no test file has a problem.
    pub fn passed(&self) -> bool {
        let (_, f, u, e) = self.counts();
        f + u + e == 0 && !self.problems.iter().any(|d| d.severity == Severity::Error)
    }
}

/// Runs a query case (a function call or a hunting query): its rows are the result.
fn run_query(
    query: &str,
    case: &YamlTestCase,
    db: &Database,
    at: DateTime,
) -> (CaseStatus, Vec<BTreeMap<String, String>>, Vec<Alert>) {
    match sentinel_kql_engine::evaluate(query, db, &Options::at(at)) {
        Ok(table) => {
            let rows = rows_as_text(&table);
            let failures = check(&case.expect, &table, &rows, None);
            let status = if failures.is_empty() {
                CaseStatus::Pass
            } else {
                CaseStatus::Fail(failures)
            };
            (status, rows, Vec::new())
        }
        Err(e) => (engine_status(&e), Vec::new(), Vec::new()),
    }
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

/// Runs one case: (status, result rows as text, alerts).
pub fn run_case(
    repo: &Repository,
    base: &Database,
    test_file: &Path,
    target: &Target<'_>,
    case: &YamlTestCase,
    file_at: Option<&str>,
) -> (CaseStatus, Vec<BTreeMap<String, String>>, Vec<Alert>) {
    let at = match parse_at(case.at.as_deref().or(file_at)) {
        Ok(at) => at,
        Err(e) => return (CaseStatus::Error(format!("{e:#}")), Vec::new(), Vec::new()),
    };
    let db = match case_database(repo, base, test_file, case, at) {
        Ok(db) => db,
        Err(e) => return (CaseStatus::Error(format!("{e:#}")), Vec::new(), Vec::new()),
    };
    match target {
        Target::Rule(rule) => match run_rule(rule, &db, at) {
            Ok(run) => {
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
                (status, rows, run.alerts)
            }
            Err(e) => (engine_status(&e), Vec::new(), Vec::new()),
        },
        Target::Function { alias, .. } => {
            let query = case.call.clone().unwrap_or_else(|| alias.clone());
            run_query(&query, case, &db, at)
        }
        Target::Hunting { query, .. } => run_query(query, case, &db, at),
    }
}
