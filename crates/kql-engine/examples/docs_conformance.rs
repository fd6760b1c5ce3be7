//! Prints the docs-examples conformance report (markdown) for `docs/kql-engine.md`.
//!
//! `cargo run --release -p sentinel_kql_engine --example docs_conformance [-- --verbose]`

#![allow(clippy::print_stdout)]

#[path = "../tests/support/conformance.rs"]
mod conformance;

fn main() {
    let report = conformance::Report::run_all();
    if std::env::args().any(|a| a == "--verbose") {
        for (ex, o) in &report.outcomes {
            if !matches!(
                o,
                conformance::Outcome::Excluded { .. } | conformance::Outcome::Agree
            ) {
                println!("{}\t{:?}", ex.key(), o);
            }
        }
        println!();
    }
    print!("{}", report.markdown());
}
