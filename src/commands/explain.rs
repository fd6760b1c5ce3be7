//! `sentinelctl explain CODE`: the documentation of a diagnostic code.

use crate::args::ExplainArgs;
use crate::diag::codes;
use crate::exit::ExitStatus;
use crate::session::Session;

/// Runs `explain`.
pub fn run(cx: &Session, args: &ExplainArgs) -> anyhow::Result<ExitStatus> {
    let found = codes::lookup(&args.code).or_else(|| {
        sentinel_kql::CODES
            .iter()
            .copied()
            .find(|(c, n, _)| c.eq_ignore_ascii_case(&args.code) || *n == args.code)
    });
    let Some((code, name, doc)) = found else {
        anyhow::bail!(
            "unknown diagnostic code `{}` (codes look like SC3008; `sentinelctl explain --help` lists where to find them)",
            args.code
        );
    };
    cx.printer
        .stdout(|out| writeln!(out, "{code} {name}\n\n{doc}"))?;
    Ok(ExitStatus::Success)
}
