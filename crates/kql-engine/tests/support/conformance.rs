//! The docs-examples oracle: runs Microsoft's documented KQL examples through the engine and compares
//! each result with the documented output, by type-aware normalisation.
//!
//! Shared by `tests/docs_examples.rs` (which enforces the targets) and `examples/docs_conformance.rs`
//! (which prints the report for `docs/kql-engine.md`). Input: `shared/kql/docs-examples/examples.jsonl`
//! beside the repository (a missing file is an error, never a pass) and the checked-in exclusions file
//! `tests/docs_examples_exclusions.tsv` (`source#block`, category, reason).
//!
//! Comparison: column names must match (documented names lose markdown backticks); cells compare by the
//! engine's column type: numbers numerically (thousands separators, `NaN`, `∞`; a documented value with
//! fewer decimals matches ours rounded to them), datetimes and timespans by value whatever the spelling,
//! booleans as `true`/`false`/`1`/`0`, `dynamic` as JSON structure (markdown `<br>` and spacing
//! ignored), an empty cell as null or `""`. Rows compare in order when the query sorts (`sort`,
//! `order`, `top`, `serialize`), otherwise as a multiset, since Kusto does not define the order.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use sentinel_kql_engine::{DateTime, ErrorKind, Options, TimeSpan, Type, Value, evaluate};
use serde_json::Value as Json;

/// One documented example.
#[derive(Debug, Clone)]
pub(crate) struct Example {
    pub(crate) source: String,
    pub(crate) block: u64,
    pub(crate) query: String,
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Example {
    pub(crate) fn key(&self) -> String {
        format!(
            "{}#{}",
            self.source.trim_start_matches("data-explorer/kusto/query/"),
            self.block
        )
    }
}

/// How an example fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Agree,
    Disagree(String),
    Unsupported(String),
    Excluded { category: String, reason: String },
}

pub(crate) fn examples_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/kql/docs-examples/examples.jsonl")
}

pub(crate) fn exclusions_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/docs_examples_exclusions.tsv")
}

/// Loads the examples; panics with a clear message when the file is missing (the oracle must run).
pub(crate) fn load_examples() -> Vec<Example> {
    let path = examples_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the docs-examples oracle is missing: cannot read {}: {e}\nhelp: the file lives in shared/kql/docs-examples beside the repository", path.display())
    });
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let j: Json =
                serde_json::from_str(l).expect("examples.jsonl: every line is a JSON object");
            Example {
                source: j["source"].as_str().unwrap_or_default().to_string(),
                block: j["block"].as_u64().unwrap_or(0),
                query: j["query"].as_str().unwrap_or_default().to_string(),
                columns: j["columns"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|c| c.as_str().unwrap_or_default().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                rows: j["rows"]
                    .as_array()
                    .map(|rs| {
                        rs.iter()
                            .map(|r| {
                                r.as_array()
                                    .map(|c| {
                                        c.iter()
                                            .map(|x| x.as_str().unwrap_or_default().to_string())
                                            .collect()
                                    })
                                    .unwrap_or_default()
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// `key → (category, reason)`.
pub(crate) fn load_exclusions() -> BTreeMap<String, (String, String)> {
    let path = exclusions_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            Some((
                parts.next()?.trim().to_string(),
                (
                    parts.next()?.trim().to_string(),
                    parts.next()?.trim().to_string(),
                ),
            ))
        })
        .collect()
}

/// Runs one example.
pub(crate) fn run(ex: &Example, exclusions: &BTreeMap<String, (String, String)>) -> Outcome {
    if let Some((category, reason)) = exclusions.get(&ex.key()) {
        return Outcome::Excluded {
            category: category.clone(),
            reason: reason.clone(),
        };
    }
    let db = sentinel_kql_engine::Database::new();
    let now = DateTime::parse("2024-01-01T00:00:00Z").expect("a fixed instant");
    let mut opts = Options::at(now);
    opts.limits.timeout = Some(std::time::Duration::from_secs(20));
    let result = std::panic::catch_unwind(|| evaluate(&ex.query, &db, &opts));
    let table = match result {
        Err(_) => return Outcome::Disagree("the engine panicked".into()),
        Ok(Err(e)) => {
            return match &e.kind {
                ErrorKind::Unsupported { feature } => Outcome::Unsupported(feature.clone()),
                _ => Outcome::Disagree(format!("error: {}", e.message)),
            };
        }
        Ok(Ok(t)) => t,
    };
    compare(ex, &table)
}

fn clean_header(h: &str) -> String {
    h.trim().trim_matches('`').trim().to_string()
}

fn compare(ex: &Example, t: &sentinel_kql_engine::Table) -> Outcome {
    let ours: Vec<String> = t.columns().iter().map(|c| c.name.clone()).collect();
    let theirs: Vec<String> = ex.columns.iter().map(|c| clean_header(c)).collect();
    if ours != theirs {
        return Outcome::Disagree(format!("columns {ours:?}, documented {theirs:?}"));
    }
    let rows: Vec<Vec<Value>> = t.rows().collect();
    if rows.len() != ex.rows.len() {
        return Outcome::Disagree(format!("{} rows, documented {}", rows.len(), ex.rows.len()));
    }
    let types: Vec<Type> = t.columns().iter().map(|c| c.ty).collect();
    let row_ok = |ours: &[Value], doc: &[String]| {
        ours.len() == doc.len()
            && ours
                .iter()
                .zip(doc)
                .zip(&types)
                .all(|((v, d), ty)| cell_matches(v, d, *ty))
    };
    let in_order = rows.iter().zip(&ex.rows).all(|(o, d)| row_ok(o, d));
    if in_order {
        return Outcome::Agree;
    }
    let ordered = [
        "sort by",
        "order by",
        "top ",
        "serialize",
        "| sort",
        "| order",
    ]
    .iter()
    .any(|k| ex.query.contains(k));
    if !ordered {
        // multiset match: every documented row paired with a distinct row of ours
        let mut used = vec![false; rows.len()];
        let all = ex.rows.iter().all(|d| {
            for (i, o) in rows.iter().enumerate() {
                if !used[i] && row_ok(o, d) {
                    used[i] = true;
                    return true;
                }
            }
            false
        });
        if all {
            return Outcome::Agree;
        }
    }
    let first_bad = rows
        .iter()
        .zip(&ex.rows)
        .position(|(o, d)| !row_ok(o, d))
        .unwrap_or(0);
    let ours_row: Vec<String> = rows[first_bad].iter().map(Value::to_kusto_string).collect();
    Outcome::Disagree(format!(
        "row {first_bad}: {ours_row:?}, documented {:?}",
        ex.rows[first_bad]
    ))
}

fn strip_quotes(s: &str) -> &str {
    let s = s.trim();
    for q in ['`', '"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

fn is_nullish(d: &str) -> bool {
    matches!(d, "" | "null" | "(null)")
}

fn parse_number(d: &str) -> Option<f64> {
    let t = d.trim().replace(',', "");
    match t.as_str() {
        "NaN" => Some(f64::NAN),
        "∞" | "Infinity" | "+∞" => Some(f64::INFINITY),
        "-∞" | "-Infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse().ok(),
    }
}

fn numbers_match(ours: f64, doc_text: &str) -> bool {
    let Some(d) = parse_number(doc_text) else {
        return false;
    };
    if ours.is_nan() || d.is_nan() {
        return ours.is_nan() && d.is_nan();
    }
    if ours.is_infinite() || d.is_infinite() {
        return ours.is_infinite()
            && d.is_infinite()
            && ours.is_sign_positive() == d.is_sign_positive();
    }
    if (ours - d).abs() <= 1e-9 * d.abs().max(1.0) {
        return true;
    }
    // the page shows fewer digits: compare rounded to the documented precision
    let decimals = doc_text.trim().split_once('.').map_or(0, |(_, f)| {
        f.trim_end_matches(|c: char| !c.is_ascii_digit()).len()
    });
    let m = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
    ((ours * m).round() - (d * m).round()).abs() < 0.5
        || ((ours * m).trunc() - (d * m).round()).abs() < 0.5
        || (ours - d).abs() <= 1e-6 * d.abs().max(1.0)
}

/// `14:00:00:00`-style day:hh:mm:ss timespans some pages show.
fn parse_span(d: &str) -> Option<TimeSpan> {
    TimeSpan::parse(d).or_else(|| {
        let parts: Vec<&str> = d.split(':').collect();
        if parts.len() == 4 {
            TimeSpan::parse(&format!(
                "{}.{}:{}:{}",
                parts[0], parts[1], parts[2], parts[3]
            ))
        } else {
            None
        }
    })
}

fn json_matches(ours: &Json, doc: &Json) -> bool {
    match (ours, doc) {
        (Json::Number(a), Json::Number(b)) => match a.as_f64() {
            Some(x) => numbers_match(x, &b.to_string()),
            None => false,
        },
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_matches(x, y))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| json_matches(v, w)))
        }
        (Json::String(a), Json::String(b)) => {
            a == b
                || match (DateTime::parse(a), DateTime::parse(b)) {
                    (Some(x), Some(y)) => x == y,
                    _ => false,
                }
        }
        (Json::String(a), other) | (other, Json::String(a)) => a == &other.to_string(),
        _ => ours == doc,
    }
}

fn dynamic_json(v: &Value) -> Json {
    serde_json::from_str(&v.to_kusto_string()).unwrap_or(Json::Null)
}

/// Does our value match the documented cell text?
pub(crate) fn cell_matches(v: &Value, doc: &str, ty: Type) -> bool {
    let raw = doc
        .replace("<br>", "")
        .replace("<br />", "")
        .replace('\u{a0}', " ");
    let d = strip_quotes(&raw);
    if v.is_null() || matches!(v, Value::String(s) if s.is_empty()) {
        return is_nullish(d) || (ty == Type::Dynamic && d == "null");
    }
    match v {
        Value::Bool(b) => {
            let lower = d.to_ascii_lowercase();
            (*b && (lower == "true" || d == "1")) || (!*b && (lower == "false" || d == "0"))
        }
        Value::Int(_) | Value::Long(_) | Value::Real(_) | Value::Decimal(_)
            if ty != Type::Dynamic =>
        {
            numbers_match(v.as_f64().unwrap_or(f64::NAN), d)
        }
        Value::DateTime(x) => DateTime::parse(d).is_some_and(|y| y == *x),
        Value::TimeSpan(x) => parse_span(d).is_some_and(|y| y == *x),
        Value::Guid(g) => d.eq_ignore_ascii_case(&g.hyphenated().to_string()),
        Value::String(s) if ty != Type::Dynamic => {
            let s = s.replace('\u{a0}', " ");
            if s == d || s == raw.trim() || s.replace('\n', " ") == d {
                return true;
            }
            // JSON text (a `tostring()` of a dynamic) compares as JSON, whatever the spacing
            match (
                serde_json::from_str::<Json>(&s),
                serde_json::from_str::<Json>(d),
            ) {
                (Ok(a), Ok(b)) if matches!(a, Json::Object(_) | Json::Array(_)) => {
                    json_matches(&a, &b)
                }
                _ => false,
            }
        }
        _ => {
            // dynamic (or a scalar in a dynamic column)
            let ours = dynamic_json(v);
            let text = d.replace('\n', "");
            if let Ok(doc) = serde_json::from_str::<Json>(&text) {
                json_matches(&ours, &doc)
            } else {
                let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                match v {
                    Value::String(s) => s.as_ref() == d,
                    Value::Int(_) | Value::Long(_) | Value::Real(_) => {
                        numbers_match(v.as_f64().unwrap_or(f64::NAN), d)
                    }
                    // pages sometimes print string elements unquoted: `[yes, no]`
                    _ => {
                        squash(&v.to_kusto_string()) == squash(&text)
                            || squash(&v.to_kusto_string()).replace('"', "")
                                == squash(&text).replace('"', "")
                    }
                }
            }
        }
    }
}

/// Results of a whole run.
#[derive(Debug, Default)]
pub(crate) struct Report {
    pub(crate) outcomes: Vec<(Example, Outcome)>,
}

impl Report {
    pub(crate) fn run_all() -> Report {
        let exclusions = load_exclusions();
        let examples = load_examples();
        let outcomes = examples
            .into_iter()
            .map(|ex| {
                let o = run(&ex, &exclusions);
                (ex, o)
            })
            .collect();
        Report { outcomes }
    }

    pub(crate) fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.outcomes.iter().filter(|(_, o)| f(o)).count()
    }

    pub(crate) fn agree(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Agree))
    }

    pub(crate) fn disagree(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Disagree(_)))
    }

    pub(crate) fn supported(&self) -> usize {
        self.agree() + self.disagree()
    }

    /// Markdown report.
    pub(crate) fn markdown(&self) -> String {
        let total = self.outcomes.len();
        let unsupported = self.count(|o| matches!(o, Outcome::Unsupported(_)));
        let excluded = self.count(|o| matches!(o, Outcome::Excluded { .. }));
        let (a, s) = (self.agree(), self.supported());
        #[allow(clippy::cast_precision_loss)]
        let ratio = if s == 0 {
            0.0
        } else {
            100.0 * a as f64 / s as f64
        };
        let mut out = String::new();
        out.push_str(&format!(
            "| examples | supported | agree | disagree | unsupported | excluded | agreement |\n|---|---|---|---|---|---|---|\n| {total} | {s} | {a} | {} | {unsupported} | {excluded} | {ratio:.1} % |\n\n",
            self.disagree()
        ));
        let mut features: BTreeMap<String, usize> = BTreeMap::new();
        for (_, o) in &self.outcomes {
            if let Outcome::Unsupported(f) = o {
                *features.entry(f.clone()).or_default() += 1;
            }
        }
        out.push_str("### Unsupported, by feature\n\n| feature | examples |\n|---|---|\n");
        for (f, n) in &features {
            out.push_str(&format!("| {} | {n} |\n", f.replace('|', "\\|")));
        }
        out.push_str("\n### Disagreements\n\n| example | what differs |\n|---|---|\n");
        for (ex, o) in &self.outcomes {
            if let Outcome::Disagree(why) = o {
                let why: String = why.chars().take(220).collect();
                out.push_str(&format!(
                    "| `{}` | {} |\n",
                    ex.key(),
                    why.replace('|', "\\|").replace('\n', " ")
                ));
            }
        }
        let mut by_cat: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (ex, o) in &self.outcomes {
            if let Outcome::Excluded { category, reason } = o {
                by_cat
                    .entry(category.clone())
                    .or_default()
                    .push((ex.key(), reason.clone()));
            }
        }
        out.push_str("\n### Exclusions\n\n| example | category | reason |\n|---|---|---|\n");
        for (cat, items) in &by_cat {
            for (k, r) in items {
                out.push_str(&format!("| `{k}` | {cat} | {} |\n", r.replace('|', "\\|")));
            }
        }
        out
    }
}
