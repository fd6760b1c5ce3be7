//! Sentinel's execution model: what happens when an analytics rule runs at time `T`, and on its
//! schedule over a time range.
//!
//! One run (Microsoft Learn, "Create scheduled analytics rules", "Customize alert details",
//! "Surface custom event details"): the query sees events with `TimeGenerated` in
//! `(T − queryPeriod, T]` and `now()` = `T`; the number of result rows is compared with
//! `triggerOperator`/`triggerThreshold` (so `eq 0` fires on *no* rows); the alerts follow
//! `eventGroupingSettings` — one alert summarising every result (`SingleAlert`, the default) or one
//! per result (`AlertPerResult`, capped at 150: the first 149 results get their own alert and the
//! 150th summarises the rest); each alert carries the entities of `entityMappings` (one per distinct
//! set of identifiers), `customDetails` (the distinct values of each column, in result order), and
//! the `alertDetailsOverride` name and description (`{{Column}}` replaced with the value of the
//! alert's first result; empty → the rule's own), severity and tactics columns.
//!
//! The schedule: a scheduled rule runs every `queryFrequency` from the start of the range; an NRT
//! rule every minute over the last minute. Suppression stops a rule from running for
//! `suppressionDuration` after it raised an alert.
//!
//! Where this knowingly differs from the service (also in `docs/testing.md`): Sentinel's query window
//! and NRT's "since the last run" are about ingestion time, which exported rows do not carry, so
//! `TimeGenerated` stands in for it; Sentinel's 5-minute ingestion delay is not modelled; entity and
//! custom-detail size caps are not applied.

use std::collections::BTreeMap;

use sentinel_kql_engine::{Database, DateTime, EvalError, Options, Table, TimeSpan, Value};
use serde::Serialize;
use serde_json::Value as Json;

use crate::model::{AnalyticsRule, Duration, RuleKind};

/// Most alerts one run of an `AlertPerResult` rule raises (the last one summarises the rest).
pub const MAX_ALERTS_PER_RUN: usize = 150;

/// Ticks in a second.
const TICKS: i64 = 10_000_000;

fn span(d: Duration) -> TimeSpan {
    TimeSpan(i64::try_from(d.0).unwrap_or(i64::MAX / TICKS) * TICKS)
}

fn minus(t: DateTime, d: TimeSpan) -> DateTime {
    DateTime::from_unix_ticks(t.unix_ticks().saturating_sub(d.0)).unwrap_or(DateTime::MIN)
}

fn plus(t: DateTime, d: TimeSpan) -> DateTime {
    DateTime::from_unix_ticks(t.unix_ticks().saturating_add(d.0)).unwrap_or(DateTime::MAX)
}

/// An entity of an alert: its type and identifiers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Entity {
    /// `Account`, `IP`, `Host`, …
    #[serde(rename = "type")]
    pub entity_type: String,
    /// Identifier → value (`FullName`, `Address`, …).
    #[serde(flatten)]
    pub identifiers: BTreeMap<String, String>,
}

/// An alert a run raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// When (the run time).
    pub time: String,
    /// Alert name (the rule's, or the override's).
    pub display_name: String,
    /// Description.
    pub description: String,
    /// Severity.
    pub severity: String,
    /// MITRE tactics.
    pub tactics: Vec<String>,
    /// Entities.
    pub entities: Vec<Entity>,
    /// Custom details: key → the distinct values of its column.
    pub custom_details: BTreeMap<String, Vec<String>>,
    /// Result rows this alert covers.
    pub events: usize,
}

/// One run of a rule.
#[derive(Debug, Clone)]
pub struct RuleRun {
    /// Run time `T`.
    pub at: DateTime,
    /// The query window `(start, end]`.
    pub window: (DateTime, DateTime),
    /// The query's result.
    pub rows: Table,
    /// Whether the trigger condition held.
    pub fired: bool,
    /// The alerts raised.
    pub alerts: Vec<Alert>,
}

/// The query period and run frequency of a rule (NRT: one minute each).
pub fn period_and_frequency(rule: &AnalyticsRule) -> (TimeSpan, TimeSpan) {
    match rule.kind {
        RuleKind::Nrt => (span(Duration::minutes(1)), span(Duration::minutes(1))),
        // Scheduled; the kinds without a query are never run (callers skip them)
        _ => (
            span(rule.query_period.unwrap_or(Duration::hours(5))),
            span(rule.query_frequency.unwrap_or(Duration::hours(5))),
        ),
    }
}

/// Whether `count` result rows fire the rule.
pub fn fires(rule: &AnalyticsRule, count: usize) -> bool {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let threshold = rule.trigger_threshold.unwrap_or(0);
    match rule.trigger_operator.as_deref() {
        _ if rule.kind == RuleKind::Nrt => count > 0,
        Some("LessThan") => count < threshold,
        Some("Equal") => count == threshold,
        Some("NotEqual") => count != threshold,
        _ => count > threshold,
    }
}

fn text(v: Option<&Value>) -> String {
    v.map(Value::to_kusto_string).unwrap_or_default()
}

/// `{{Column}}` placeholders replaced with the row's values (an empty result means "use the
/// default").
fn format(template: &str, rows: &Table, row: usize) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = rest[start + 2..start + end].trim();
        let value = rows
            .column_index(name)
            .map(|c| text(rows.value(row, c)))
            .unwrap_or_default();
        out.push_str(&value);
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

fn entities(rule: &AnalyticsRule, rows: &Table, range: std::ops::Range<usize>) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    let mappings = rule
        .entity_mappings
        .as_ref()
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for row in range {
        for m in &mappings {
            let entity_type = m
                .get("entityType")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let mut identifiers = BTreeMap::new();
            for f in m
                .get("fieldMappings")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(id), Some(col)) = (
                    f.get("identifier").and_then(Json::as_str),
                    f.get("columnName").and_then(Json::as_str),
                ) else {
                    continue;
                };
                let value = rows
                    .column_index(col)
                    .map(|c| text(rows.value(row, c)))
                    .unwrap_or_default();
                if !value.is_empty() {
                    identifiers.insert(id.to_string(), value);
                }
            }
            let e = Entity {
                entity_type: entity_type.to_string(),
                identifiers,
            };
            if !e.identifiers.is_empty() && !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}

fn custom_details(
    rule: &AnalyticsRule,
    rows: &Table,
    range: std::ops::Range<usize>,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (key, col) in rule.custom_details.iter().flatten() {
        let mut values: Vec<String> = Vec::new();
        if let Some(c) = rows.column_index(col) {
            for row in range.clone() {
                let v = text(rows.value(row, c));
                if !v.is_empty() && !values.contains(&v) {
                    values.push(v);
                }
            }
        }
        out.insert(key.clone(), values);
    }
    out
}

fn alert(rule: &AnalyticsRule, rows: &Table, range: std::ops::Range<usize>, at: DateTime) -> Alert {
    let over = rule.alert_details_override.as_ref();
    let field = |k: &str| over.and_then(|o| o.get(k)).and_then(Json::as_str);
    let first = range.start;
    let pick = |template: Option<&str>, default: &str| {
        template
            .map(|t| format(t, rows, first))
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let column = |k: &str| {
        field(k)
            .and_then(|c| rows.column_index(c))
            .map(|c| text(rows.value(first, c)))
            .filter(|v| !v.is_empty())
    };
    let severity = column("alertSeverityColumnName")
        .filter(|s| crate::model::rule::SEVERITIES.contains(&s.as_str()))
        .unwrap_or_else(|| rule.severity.clone());
    let tactics = column("alertTacticsColumnName").map_or_else(
        || rule.tactics.clone(),
        |t| t.split(',').map(|s| s.trim().to_string()).collect(),
    );
    Alert {
        time: at.to_string(),
        display_name: pick(field("alertDisplayNameFormat"), &rule.display_name),
        description: pick(field("alertDescriptionFormat"), &rule.description),
        severity,
        tactics,
        entities: entities(rule, rows, range.clone()),
        custom_details: custom_details(rule, rows, range.clone()),
        events: range.len(),
    }
}

/// The alerts of a run whose result is `rows` (and fired).
fn alerts(rule: &AnalyticsRule, rows: &Table, at: DateTime) -> Vec<Alert> {
    let per_result = rule
        .event_grouping_settings
        .as_ref()
        .and_then(|g| g.get("aggregationKind"))
        .and_then(Json::as_str)
        == Some("AlertPerResult");
    let n = rows.len();
    if !per_result || n == 0 {
        return vec![alert(rule, rows, 0..n, at)];
    }
    let mut out: Vec<Alert> = (0..n.min(MAX_ALERTS_PER_RUN - 1))
        .map(|i| alert(rule, rows, i..i + 1, at))
        .collect();
    if n >= MAX_ALERTS_PER_RUN {
        out.push(alert(rule, rows, MAX_ALERTS_PER_RUN - 1..n, at));
    }
    out
}

/// Sentinel's query window of a run of `rule` at `at`: `(at − queryPeriod, at]`.
pub fn window(rule: &AnalyticsRule, at: DateTime) -> (DateTime, DateTime) {
    let (period, _) = period_and_frequency(rule);
    (minus(at, period), at)
}

/// Runs `rule` once at `at`.
pub fn run_rule(rule: &AnalyticsRule, db: &Database, at: DateTime) -> Result<RuleRun, EvalError> {
    let window = window(rule, at);
    let options = Options {
        window: Some(window),
        ..Options::at(at)
    };
    let rows = sentinel_kql_engine::evaluate(&rule.query, db, &options)?;
    Ok(judge_rows(rule, rows, at))
}

/// What Sentinel makes of a run of `rule` at `at` whose query answered `rows` (from the local engine
/// or a workspace): the trigger, and the alerts.
pub fn judge_rows(rule: &AnalyticsRule, rows: Table, at: DateTime) -> RuleRun {
    let fired = fires(rule, rows.len());
    let alerts = if fired {
        alerts(rule, &rows, at)
    } else {
        Vec::new()
    };
    RuleRun {
        at,
        window: window(rule, at),
        rows,
        fired,
        alerts,
    }
}

/// The run times of `rule` in `[from, to]` on its own schedule (the first run at `from`).
pub fn schedule(rule: &AnalyticsRule, from: DateTime, to: DateTime) -> Vec<DateTime> {
    let (_, every) = period_and_frequency(rule);
    let mut out = Vec::new();
    let mut t = from;
    while t <= to && every.0 > 0 {
        out.push(t);
        t = plus(t, every);
    }
    out
}

/// Every run of `rule` from `from` to `to`, with suppression applied (a run inside a suppression
/// window does not happen).
pub fn simulate(
    rule: &AnalyticsRule,
    db: &Database,
    from: DateTime,
    to: DateTime,
) -> Result<Vec<RuleRun>, EvalError> {
    let mut runs = Vec::new();
    let mut suppressed_until: Option<DateTime> = None;
    for at in schedule(rule, from, to) {
        if suppressed_until.is_some_and(|u| at < u) {
            continue;
        }
        let run = run_rule(rule, db, at)?;
        if rule.suppression_enabled && !run.alerts.is_empty() {
            suppressed_until = Some(plus(at, span(rule.suppression_duration)));
        }
        runs.push(run);
    }
    Ok(runs)
}

/// One detection's replay.
#[derive(Debug, Clone, Serialize)]
pub struct DetectionReplay {
    /// Rule id.
    pub id: String,
    /// Rule name.
    pub name: String,
    /// Runs made.
    pub runs: usize,
    /// Alerts raised, in time order.
    pub alerts: Vec<Alert>,
    /// Why the detection could not run (an unsupported feature, a query error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
