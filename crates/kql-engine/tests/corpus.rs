//! Every query of the corpus (`/work/shared/corpus` rules, hunting queries and parsers, our
//! `detections/` and `functions/`) runs over empty tables of its schema (`schemas/*.json`): it
//! evaluates, or fails with an `Unsupported` error naming the feature, or names a table or
//! function the catalog does not have — never a panic, never any other error.

#[path = "support/corpus.rs"]
mod corpus;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use sentinel_kql_engine::{DateTime, ErrorKind, Options, evaluate};

#[test]
fn corpus_queries_evaluate_or_name_what_is_unsupported() {
    let cases = corpus::cases();
    assert!(
        cases.len() > 100,
        "only {} corpus queries found under {} — is the shared corpus missing?",
        cases.len(),
        corpus::corpus_dir().display()
    );
    let db = corpus::database(&cases);
    let now = DateTime::parse("2026-11-30T12:00:00Z").expect("datetime");
    let mut opts = Options::at(now);
    opts.window = Some((
        DateTime::parse("2026-11-29T12:00:00Z").expect("datetime"),
        now,
    ));
    let expected = expected_errors();
    let mut used = vec![false; expected.len()];
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        let query = if c.params.trim().is_empty() {
            c.query.clone()
        } else {
            let p = c
                .params
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')');
            format!("declare query_parameters({p});\n{}", c.query)
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| evaluate(&query, &db, &opts)));
        let label = match outcome {
            Err(_) => {
                failures.push(format!("{} ({}): panicked", c.file, c.kind));
                "panic".to_string()
            }
            Ok(Ok(_)) => "evaluates".to_string(),
            Ok(Err(e)) => match &e.kind {
                ErrorKind::Unsupported { feature } => format!("unsupported: {feature}"),
                ErrorKind::Runtime if is_unknown_name(&e.message) => {
                    let name = e.message.split('`').nth(1).unwrap_or("?").to_string();
                    *unknown.entry(name).or_default() += 1;
                    "unknown table or function (not in schemas/)".to_string()
                }
                _ if let Some(i) = expected
                    .iter()
                    .position(|(f, m)| f == &c.file && e.message.starts_with(m.as_str())) =>
                {
                    used[i] = true;
                    "listed in corpus_expected_errors.tsv".to_string()
                }
                _ => {
                    failures.push(format!("{} ({}): {e}", c.file, c.kind));
                    format!("error ({:?})", e.kind)
                }
            },
        };
        *counts.entry(label).or_default() += 1;
    }
    let mut summary = format!("{} queries\n", cases.len());
    for (k, n) in &counts {
        summary.push_str(&format!("  {n:4}  {k}\n"));
    }
    let names: Vec<String> = unknown.iter().map(|(n, k)| format!("{n} ({k})")).collect();
    summary.push_str(&format!(
        "unknown tables and functions: {}\n",
        names.join(", ")
    ));
    // the figures are the point of this test: `cargo test -- --nocapture` shows them
    #[allow(clippy::print_stdout)]
    {
        println!("{summary}");
    }
    for (i, (f, m)) in expected.iter().enumerate() {
        if !used[i] {
            failures.push(format!(
                "{f}: listed as failing with `{m}`, but it no longer does"
            ));
        }
    }
    assert!(failures.is_empty(), "{summary}\n{}", failures.join("\n"));
}

fn expected_errors() -> Vec<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus_expected_errors.tsv"
    );
    let text = std::fs::read_to_string(path).expect("tests/corpus_expected_errors.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect()
}

fn is_unknown_name(message: &str) -> bool {
    message.starts_with("unknown table") || message.starts_with("unknown function")
}
