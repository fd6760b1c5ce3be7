//! Runs one KQL query (from a file or stdin) over an empty database and prints the result table.
//!
//! `cargo run -p sentinel_kql_engine --example kql -- query.kql`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::Read;

use sentinel_kql_engine::{Database, DateTime, Options, evaluate};

fn main() {
    let mut q = String::new();
    match std::env::args().nth(1) {
        Some(path) => q = std::fs::read_to_string(path).unwrap_or_default(),
        None => {
            let _ = std::io::stdin().read_to_string(&mut q);
        }
    }
    let now = DateTime::parse("2024-01-01T00:00:00Z").unwrap_or(DateTime::UNIX_EPOCH);
    match evaluate(&q, &Database::new(), &Options::at(now)) {
        Ok(t) => print!("{}", t.to_text()),
        Err(e) => eprintln!("error: {e} ({:?})", e.range),
    }
}
