//! Runs one KQL query (from a file or stdin) and prints the result table.
//!
//! `cargo run -p sentinel_kql_engine --example kql -- [--corpus] query.kql`
//!
//! With `--corpus` the database has the tables of `schemas/*.json` (empty) and the saved functions
//! of the corpus and `functions/`, as the corpus test uses; without it, it is empty.

#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/corpus.rs"]
mod corpus;

use std::io::Read;

use sentinel_kql_engine::{Database, DateTime, Options, evaluate};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let with_corpus = args.iter().any(|a| a == "--corpus");
    args.retain(|a| a != "--corpus");
    let mut q = String::new();
    match args.first() {
        Some(path) => q = std::fs::read_to_string(path).unwrap_or_default(),
        None => {
            let _ = std::io::stdin().read_to_string(&mut q);
        }
    }
    let db = if with_corpus {
        corpus::database(&corpus::cases())
    } else {
        Database::new()
    };
    let now = DateTime::parse("2024-01-01T00:00:00Z").unwrap_or(DateTime::UNIX_EPOCH);
    match evaluate(&q, &db, &Options::at(now)) {
        Ok(t) => print!("{}", t.to_text()),
        Err(e) => eprintln!("error: {e} ({:?}) in function {:?}", e.range, e.function),
    }
}
