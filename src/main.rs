//! The `sentinelctl` binary: parse arguments, run, map the result to an exit code.
//!
//! Errors are printed once (by [`sentinelctl::report_error`]); a broken pipe (e.g. `| head`) exits
//! 0 quietly.

use std::process::ExitCode;

use clap::Parser;
use sentinelctl::args::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match sentinelctl::run(&cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => ExitCode::from(sentinelctl::report_error(&cli, &err)),
    }
}
