//! Differential test and benchmark of `sentinel_kql` against Microsoft's Kusto.Language (the oracle).
//!
//! Driven by `scripts/conformance-kql` and `scripts/bench-kql`, which first run
//! `tools/kql-oracle/corpus.js` to produce `catalog.json` and `cases.jsonl`. This program:
//!
//! 1. builds a [`Catalog`] from `catalog.json` (the oracle builds its schema from the same file);
//! 2. derives seeded mistakes from every query (rename a column / table / function, break a pipe, drop a
//!    parenthesis) using our lexer;
//! 3. runs all cases through the oracle (`node tools/kql-oracle/oracle.js`, JSON lines) and through
//!    [`analyze`];
//! 4. compares: valid/invalid agreement on every corpus query (each disagreement listed with both
//!    answers); on seeded mistakes of oracle-valid queries we must flag at least what the oracle flags;
//!    output-column sets must agree for our own functions;
//! 5. prints a summary and throughput of both engines; exits 1 on any disagreement (not in `--bench`).
//!
//! Usage: `kql_conformance <catalog.json> <cases.jsonl> <oracle.js> [--bench] [--verbose] [--explore]`
//! (`--explore` adds 12 random token edits per query to the seeded mistakes: slower, for hunting gaps).
//! (`--verbose` also lists the first error of each query both engines reject, and seeded mistakes only we flag).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::exit,
    clippy::format_push_string,
    clippy::cast_precision_loss,
    clippy::disallowed_methods, // a developer tool: its switches are environment variables
)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use sentinel_kql::lexer::lex;
use sentinel_kql::token::TokenKind;
use sentinel_kql::{
    Analysis, Catalog, Column, FunctionDecl, Param, ScalarType, Severity, Table, analyze,
};
use serde_json::{Value, json};

struct Case {
    id: String,
    kind: String,
    function: Option<String>,
    query: String,
    /// For seeded mistakes: the id of the query it was derived from and the mutation.
    base: Option<(String, String)>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: kql_conformance <catalog.json> <cases.jsonl> <oracle.js> [--bench]");
        std::process::exit(2);
    }
    let bench = args.iter().any(|a| a == "--bench");
    let verbose = args.iter().any(|a| a == "--verbose");
    let catalog_json: Value = serde_json::from_str(&read(&args[0])).expect("catalog.json is JSON");
    let catalog = build_catalog(&catalog_json);
    if let Some(name) = std::env::var_os("KQL_SHOW_FUNCTION") {
        let name = name.to_string_lossy().to_string();
        let decl = catalog.function(&name).cloned();
        if let Some(d) = decl {
            let a = analyze(&d.body, &catalog);
            println!("{:#?}", a.diagnostics);
        }
        println!(
            "{:?}",
            catalog.function_output_columns(&name).map(|c| c
                .into_iter()
                .map(|c| format!("{}:{}", c.name, c.ty))
                .collect::<Vec<_>>())
        );
        return;
    }
    let mut cases: Vec<Case> = read(&args[1])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("case is JSON");
            Case {
                id: v["id"].as_str().unwrap_or_default().to_string(),
                kind: v["kind"].as_str().unwrap_or_default().to_string(),
                function: v["function"].as_str().map(str::to_string),
                query: v["query"].as_str().unwrap_or_default().to_string(),
                base: None,
            }
        })
        .collect();
    let corpus_count = cases.len();
    let explore = args.iter().any(|a| a == "--explore");
    if !bench {
        let mut seeded = Vec::new();
        for c in &cases {
            let extra = if explore {
                let n = std::env::var("KQL_EXPLORE_N")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(12);
                random_mutations(&c.query, n)
            } else {
                Vec::new()
            };
            for (mutation, q) in mutations(&c.query, &catalog).into_iter().chain(extra) {
                seeded.push(Case {
                    id: format!("{} [{}]", c.id, mutation),
                    kind: "seeded".into(),
                    function: None,
                    query: q,
                    base: Some((c.id.clone(), mutation)),
                });
            }
        }
        cases.extend(seeded);
    }

    // --- ours ---
    let ours: Vec<Analysis> = cases.iter().map(|c| analyze(&c.query, &catalog)).collect();
    // throughput over the corpus queries, repeated until at least 0.3 s have passed
    let corpus: Vec<&str> = cases[..corpus_count]
        .iter()
        .map(|c| c.query.as_str())
        .collect();
    let start = Instant::now();
    let mut rounds = 0u32;
    while start.elapsed().as_secs_f64() < 0.3 || rounds < 3 {
        for q in &corpus {
            std::hint::black_box(analyze(q, &catalog));
        }
        rounds += 1;
    }
    let ours_secs = start.elapsed().as_secs_f64() / f64::from(rounds);

    // --- oracle ---
    // in --bench, the oracle sees the corpus twice and is timed on the second (warm) pass
    let (mut oracle, oracle_summary) = if bench {
        let mut twice: Vec<Case> = Vec::with_capacity(2 * cases.len());
        for pass in 0..2 {
            for c in &cases {
                twice.push(Case {
                    id: format!("{} (pass {pass})", c.id),
                    kind: c.kind.clone(),
                    function: None,
                    query: c.query.clone(),
                    base: None,
                });
            }
        }
        run_oracle(&args[2], &args[0], &twice)
    } else {
        run_oracle(&args[2], &args[0], &cases)
    };
    let warm_ms: f64 = if bench {
        oracle[cases.len()..]
            .iter()
            .filter_map(|r| r["ms"].as_f64())
            .sum()
    } else {
        0.0
    };
    oracle.truncate(cases.len());

    // --- compare ---
    let mut failures = 0usize;
    let mut out = String::new();
    let verdict = |a: &Analysis| a.diagnostics.iter().any(|d| d.severity == Severity::Error);
    let oracle_errors = |v: &Value| -> Vec<String> {
        v["diagnostics"]
            .as_array()
            .map(|ds| {
                ds.iter()
                    .filter(|d| d["severity"] == "Error")
                    .map(|d| {
                        format!(
                            "{} {} @{}",
                            d["code"].as_str().unwrap_or(""),
                            d["message"].as_str().unwrap_or(""),
                            d["start"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let our_errors = |a: &Analysis| -> Vec<String> {
        a.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{} {} @{}", d.code, d.message, d.range.start))
            .collect()
    };

    let mut counts: BTreeMap<&str, [usize; 4]> = BTreeMap::new(); // kind -> [total, agree, both valid, both invalid]
    let mut oracle_valid: BTreeMap<&str, bool> = BTreeMap::new();
    let mut unmatched = 0usize;
    for (i, c) in cases[..corpus_count].iter().enumerate() {
        let o = &oracle[i];
        let o_invalid = !oracle_errors(o).is_empty();
        let u_invalid = verdict(&ours[i]);
        oracle_valid.insert(&c.id, !o_invalid);
        let e = counts.entry(&c.kind).or_default();
        e[0] += 1;
        // every semantic error we report must sit where the oracle reports one too (same start offset):
        // a verdict that agrees for different reasons hides a false positive
        let o_starts: Vec<u64> = o["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == "Error")
            .filter_map(|d| d["start"].as_u64())
            .collect();
        for d in ours[i]
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error && d.code != "SC2001")
        {
            if !o_starts.contains(&(d.range.start as u64)) {
                unmatched += 1;
                failures += 1;
                out += &format!(
                    "UNMATCHED {}: ours {} {} @{} has no oracle error there; oracle: {:?}\n",
                    c.id,
                    d.code,
                    d.message,
                    d.range.start,
                    oracle_errors(o)
                );
            }
        }
        if o_invalid == u_invalid {
            e[1] += 1;
            e[if o_invalid { 3 } else { 2 }] += 1;
            if o_invalid && verbose {
                out += &format!(
                    "invalid in both {}:\n    ours:   {:?}\n    oracle: {:?}\n",
                    c.id,
                    our_errors(&ours[i]).first(),
                    oracle_errors(o).first()
                );
            }
        } else {
            failures += 1;
            out += &format!(
                "DISAGREE {}: ours {} / oracle {}\n    ours:   {:?}\n    oracle: {:?}\n",
                c.id,
                if u_invalid { "invalid" } else { "valid" },
                if o_invalid { "invalid" } else { "valid" },
                our_errors(&ours[i]),
                oracle_errors(o)
            );
        }
    }

    // seeded mistakes
    let mut seeded = [0usize; 4]; // total considered, oracle flags, we flag too, we flag but oracle not
    for (i, c) in cases.iter().enumerate().skip(corpus_count) {
        let Some((base, mutation)) = &c.base else {
            continue;
        };
        if !oracle_valid.get(base.as_str()).copied().unwrap_or(false) {
            continue;
        }
        seeded[0] += 1;
        let o_starts: Vec<u64> = oracle[i]["diagnostics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|d| d["severity"] == "Error")
            .filter_map(|d| d["start"].as_u64())
            .collect();
        for d in ours[i]
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error && d.code != "SC2001")
        {
            if !o_starts.contains(&(d.range.start as u64)) && verbose {
                // informational: after a seeded syntax error the two parsers recover differently
                out += &format!(
                    "elsewhere seeded {}: ours {} {} @{} has no oracle error there; oracle: {:?}\n",
                    c.id,
                    d.code,
                    d.message,
                    d.range.start,
                    oracle_errors(&oracle[i])
                );
            }
        }
        let o_invalid = !oracle_errors(&oracle[i]).is_empty();
        let u_invalid = verdict(&ours[i]);
        if o_invalid {
            seeded[1] += 1;
            if u_invalid {
                seeded[2] += 1;
            } else {
                failures += 1;
                out += &format!(
                    "MISSED seeded {}: oracle {:?}\n",
                    c.id,
                    oracle_errors(&oracle[i])
                );
                if verbose {
                    let at =
                        usize::try_from(oracle[i]["diagnostics"][0]["start"].as_u64().unwrap_or(0))
                            .unwrap_or(0);
                    let (mut a, mut b) = (at.saturating_sub(60), (at + 60).min(c.query.len()));
                    while !c.query.is_char_boundary(a) {
                        a -= 1;
                    }
                    while !c.query.is_char_boundary(b) {
                        b += 1;
                    }
                    out += &format!("    near: {:?}\n", &c.query[a..b]);
                }
                let _ = mutation;
            }
        } else if u_invalid {
            seeded[3] += 1;
            if verbose {
                out += &format!(
                    "we flag, oracle accepts: seeded {}: {:?}\n",
                    c.id,
                    our_errors(&ours[i])
                );
                if let Some(d) = ours[i].diagnostics.first() {
                    let (mut a, mut b) = (
                        d.range.start.saturating_sub(80),
                        (d.range.end + 60).min(c.query.len()),
                    );
                    while !c.query.is_char_boundary(a) {
                        a -= 1;
                    }
                    while !c.query.is_char_boundary(b) {
                        b += 1;
                    }
                    out += &format!("    near: {:?}\n", &c.query[a..b]);
                }
            }
        }
    }

    // output columns of our own functions
    let mut columns = [0usize; 3]; // compared, agree, not statically known by us
    for (i, c) in cases[..corpus_count].iter().enumerate() {
        if c.kind != "function" {
            continue;
        }
        let Some(name) = &c.function else { continue };
        let o_cols: Option<Vec<String>> = oracle[i]["columns"].as_array().map(|a| {
            a.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        });
        let u_cols: Option<Vec<String>> = catalog
            .function_output_columns(name)
            .or_else(|| ours[i].output_columns.clone())
            .map(|cols| cols.into_iter().map(|c| c.name).collect());
        columns[0] += 1;
        match (o_cols, u_cols) {
            (Some(mut o), Some(mut u)) => {
                o.sort();
                u.sort();
                if o == u {
                    columns[1] += 1;
                } else {
                    failures += 1;
                    let only_o: Vec<&String> = o.iter().filter(|x| !u.contains(x)).collect();
                    let only_u: Vec<&String> = u.iter().filter(|x| !o.contains(x)).collect();
                    out +=
                        &format!("COLUMNS {name}: only oracle {only_o:?}, only ours {only_u:?}\n");
                }
            }
            (Some(_), None) => columns[2] += 1,
            (None, _) => columns[1] += 1,
        }
    }

    // output columns of every query both accept (informational: names only, order ignored)
    let mut all_columns = [0usize; 2];
    for (i, c) in cases[..corpus_count].iter().enumerate() {
        if verdict(&ours[i]) || !oracle_errors(&oracle[i]).is_empty() {
            continue;
        }
        let (Some(o), Some(u)) = (
            oracle[i]["columns"].as_array(),
            ours[i].output_columns.as_ref(),
        ) else {
            continue;
        };
        let mut o: Vec<&str> = o.iter().filter_map(|c| c["name"].as_str()).collect();
        let mut u: Vec<&str> = u.iter().map(|c| c.name.as_str()).collect();
        o.sort_unstable();
        u.sort_unstable();
        all_columns[0] += 1;
        if o == u {
            all_columns[1] += 1;
        } else if verbose {
            let only_o: Vec<&&str> = o.iter().filter(|x| !u.contains(x)).collect();
            let only_u: Vec<&&str> = u.iter().filter(|x| !o.contains(x)).collect();
            out += &format!(
                "columns differ {}: only oracle {only_o:?}, only ours {only_u:?}\n",
                c.id
            );
        }
    }

    // --- report ---
    if !bench {
        print!("{out}");
        println!("\n== sentinel_kql vs Kusto.Language ==");
        for (kind, [total, agree, valid, invalid]) in &counts {
            println!("{kind:<10} {agree}/{total} agree ({valid} valid, {invalid} invalid in both)");
        }
        println!(
            "located    {unmatched} semantic errors of ours without an oracle error at the same offset"
        );
        println!(
            "seeded     {} mistakes in oracle-valid queries; oracle flags {}, we flag {} of those; we also flag {} the oracle accepts",
            seeded[0], seeded[1], seeded[2], seeded[3]
        );
        println!(
            "columns    {}/{} of our functions have the oracle's output columns ({} not statically known by us)",
            columns[1], columns[0], columns[2]
        );
        println!(
            "all        {}/{} queries valid in both with a statically known result have the oracle's output columns",
            all_columns[1], all_columns[0]
        );
        let unsupported: BTreeMap<&str, usize> = ours[..corpus_count]
            .iter()
            .flat_map(|a| a.unsupported.iter())
            .fold(BTreeMap::new(), |mut m, u| {
                *m.entry(u.as_str()).or_default() += 1;
                m
            });
        println!("unsupported features: {unsupported:?}");
    }
    let oracle_ms = oracle_summary["total_ms"].as_f64().unwrap_or(0.0);
    let oracle_steady_ms = oracle_summary["steady_ms"].as_f64().unwrap_or(oracle_ms);
    let oracle_n = oracle_summary["queries"].as_f64().unwrap_or(1.0);
    let ours_qps = corpus_count as f64 / ours_secs;
    let (oracle_qps, how) = if bench {
        (
            corpus_count as f64 / (warm_ms / 1000.0),
            "second, warm pass over the same queries",
        )
    } else {
        (
            (oracle_n - 1.0).max(1.0) / (oracle_steady_ms / 1000.0),
            "all cases but the first",
        )
    };
    println!(
        "throughput: sentinel_kql {:.0} queries/s (all {} queries in {:.1} ms, single thread, warm)",
        ours_qps,
        corpus_count,
        ours_secs * 1000.0,
    );
    println!(
        "throughput: Kusto.Language {:.0} queries/s ({how}; {:.0} analyses in {:.0} ms in all; first query {:.0} ms; engine load {:.0} ms)",
        oracle_qps,
        oracle_n,
        oracle_ms,
        oracle_ms - oracle_steady_ms,
        oracle_summary["load_ms"].as_f64().unwrap_or(0.0),
    );
    println!(
        "throughput: ratio {:.0}x (target >= 100x)",
        ours_qps / oracle_qps
    );
    if !bench {
        let ok = failures == 0;
        println!("{} passed, {} failed", u8::from(ok), u8::from(!ok));
        if !ok {
            println!("conformance-kql: {failures} disagreement(s)");
            std::process::exit(1);
        }
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    })
}

fn build_catalog(v: &Value) -> Catalog {
    let mut catalog = Catalog::new();
    for t in v["tables"].as_array().into_iter().flatten() {
        let columns = t["columns"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                Column::new(
                    c["name"].as_str().unwrap_or_default(),
                    ScalarType::from_name(c["type"].as_str().unwrap_or_default())
                        .unwrap_or(ScalarType::Unknown),
                )
            })
            .collect();
        catalog.add_table(Table {
            name: t["name"].as_str().unwrap_or_default().to_string(),
            columns,
        });
    }
    for f in v["functions"].as_array().into_iter().flatten() {
        let params = f["params"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| Param {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                ty: p["type"].as_str().unwrap_or_default().to_string(),
                default: p["default"].as_str().map(str::to_string),
            })
            .collect();
        catalog.add_function(FunctionDecl {
            name: f["name"].as_str().unwrap_or_default().to_string(),
            params,
            body: f["body"].as_str().unwrap_or_default().to_string(),
        });
    }
    catalog
}

/// `--explore`: token-level random edits (delete, duplicate, swap, replace a name), deterministic per query.
fn random_mutations(q: &str, n: usize) -> Vec<(String, String)> {
    let toks = lex(q).tokens;
    if toks.len() < 3 {
        return Vec::new();
    }
    let mut seed: u64 = q.len() as u64 ^ 0x9E37_79B9_7F4A_7C15;
    let mut next = move |m: usize| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(seed >> 33).unwrap_or(0) % m.max(1)
    };
    let idents: Vec<usize> = (0..toks.len())
        .filter(|&i| toks[i].kind == TokenKind::Ident)
        .collect();
    let mut out = Vec::new();
    for k in 0..n {
        let i = next(toks.len() - 1);
        let r = toks[i].range.clone();
        let (name, text) = match k % 4 {
            0 => ("delete token", format!("{}{}", &q[..r.start], &q[r.end..])),
            1 => (
                "duplicate token",
                format!("{} {}", &q[..r.end], &q[r.start..]),
            ),
            2 => {
                let r2 = toks[i + 1].range.clone();
                if r2.start < r.end || toks[i + 1].kind == TokenKind::Eof {
                    continue;
                }
                let (a, b) = (&q[r.clone()], &q[r2.clone()]);
                (
                    "swap tokens",
                    format!(
                        "{}{}{}{}{}",
                        &q[..r.start],
                        b,
                        &q[r.end..r2.start],
                        a,
                        &q[r2.end..]
                    ),
                )
            }
            _ => {
                if idents.len() < 2 {
                    continue;
                }
                let a = idents[next(idents.len())];
                let b = idents[next(idents.len())];
                let ra = toks[a].range.clone();
                (
                    "replace name",
                    format!(
                        "{}{}{}",
                        &q[..ra.start],
                        &q[toks[b].range.clone()],
                        &q[ra.end..]
                    ),
                )
            }
        };
        out.push((format!("{name} #{k}"), text));
    }
    out
}

/// Built-ins whose first call the "rename function" mutation misspells.
const FUNCS: &[&str] = &[
    "tostring",
    "ago",
    "strcat",
    "tolower",
    "isnotempty",
    "isempty",
    "bin",
    "count",
    "dcount",
    "make_set",
    "iff",
    "todynamic",
    "parse_json",
    "now",
];

/// Seeded mistakes derived from `q` with our lexer: `(mutation name, mutated query)`.
fn mutations(q: &str, catalog: &Catalog) -> Vec<(String, String)> {
    let toks = lex(q).tokens;
    let text = |i: usize| &q[toks[i].range.clone()];
    let is_punct = |i: usize, p: &str| {
        toks.get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && &q[t.range.clone()] == p)
    };
    let replace = |i: usize, with: &str| {
        format!(
            "{}{}{}",
            &q[..toks[i].range.start],
            with,
            &q[toks[i].range.end..]
        )
    };
    let mut out = Vec::new();
    let column_names: std::collections::BTreeSet<&str> = catalog
        .tables()
        .flat_map(|t| t.columns.iter().map(|c| c.name.as_str()))
        .collect();
    // rename a column: the first identifier that is a catalog column, not a call, not after `=`-less let
    if let Some(i) = (0..toks.len()).find(|&i| {
        toks[i].kind == TokenKind::Ident
            && column_names.contains(text(i))
            && !is_punct(i + 1, "(")
            && !is_punct(i + 1, "=")
            && catalog.table(text(i)).is_none()
            && (i == 0 || !is_punct(i - 1, "."))
    }) {
        out.push(("rename column".into(), replace(i, &format!("{}x", text(i)))));
    }
    // rename a table (or saved function used as one)
    if let Some(i) = (0..toks.len())
        .find(|&i| toks[i].kind == TokenKind::Ident && catalog.table(text(i)).is_some())
    {
        out.push(("rename table".into(), replace(i, &format!("{}x", text(i)))));
    }
    // rename a function: the first call of a common built-in
    if let Some(i) = (0..toks.len()).find(|&i| {
        toks[i].kind == TokenKind::Ident && is_punct(i + 1, "(") && FUNCS.contains(&text(i))
    }) {
        out.push((
            "rename function".into(),
            replace(i, &format!("{}x", text(i))),
        ));
    }
    // break a pipe: drop the operator keyword after the last `|`
    if let Some(i) = (0..toks.len()).rev().find(|&i| is_punct(i, "|"))
        && toks.get(i + 1).is_some_and(|t| t.kind == TokenKind::Ident)
    {
        out.push(("break pipe".into(), replace(i + 1, "")));
    }
    // drop a parenthesis: the last `)`
    if let Some(i) = (0..toks.len()).rev().find(|&i| is_punct(i, ")")) {
        out.push(("drop paren".into(), replace(i, "")));
    }
    out
}

fn run_oracle(oracle_js: &str, catalog_path: &str, cases: &[Case]) -> (Vec<Value>, Value) {
    let mut child = Command::new("node")
        .arg(oracle_js)
        .arg(catalog_path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            eprintln!("cannot start the oracle (node {oracle_js}): {e}");
            std::process::exit(2)
        });
    let mut stdin = child.stdin.take().expect("stdin");
    let input: String = cases
        .iter()
        .map(|c| json!({"id": c.id, "query": c.query}).to_string() + "\n")
        .collect();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = child.stdout.take().expect("stdout");
    let mut results = Vec::with_capacity(cases.len());
    let mut summary = Value::Null;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("oracle output");
        let v: Value = serde_json::from_str(&line).expect("oracle output is JSON");
        if v.get("summary").is_some() {
            summary = v["summary"].clone();
        } else {
            results.push(v);
        }
    }
    let _ = writer.join();
    let status = child.wait().expect("oracle exit");
    if !status.success() || results.len() != cases.len() {
        eprintln!(
            "the oracle failed ({status}); got {} of {} results",
            results.len(),
            cases.len()
        );
        std::process::exit(2);
    }
    (results, summary)
}
