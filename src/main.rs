//! The `sentinelctl` binary: parse arguments, run, map the result to an exit code.
//!
//! Errors are printed once here; a broken pipe (e.g. `| head`) exits 0 quietly.

use std::process::ExitCode;

use clap::Parser;
use sentinelctl::args::Cli;
use sentinelctl::printer::Printer;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match sentinelctl::run(&cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            Printer::new(cli.color, false, false).error(&err);
            ExitCode::from(sentinelctl::error_exit_code(&cli))
        }
    }
}
