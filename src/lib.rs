//! sentinelctl: detection-as-code for Microsoft Sentinel.
//!
//! # Layers (arrows point one way)
//! ```text
//! main.rs ─ args (clap, no I/O) ─ session (args + variables: root, printer, trust settings)
//!    └─ commands/<cmd>.rs   map arguments onto a request, one call, one renderer
//!         └─ ops/<op>.rs    one operation each: request in, data out (target, connection shared)
//!              ├─ model: load → schema → model, validate, desired (repository × environment)
//!              ├─ ARM:   live (read), plan (diff), apply (etag-guarded writes), drift, import, promote
//!              ├─ run:   the KQL engine with Sentinel's execution model (test, simulate, query),
//!              │         coverage (ATT&CK), doctor (a deployment's checks)
//!              └─ sentinel_kql / sentinel_arm / arm_emulator crates
//!    └─ render/*  diagnostics, plans and reports → human, JSON, markdown, SARIF, JUnit
//!       printer   the only writer to stdout/stderr
//! ```
//!
//! # Data path of `plan --env dev`
//! 1. [`commands::plan`] turns `PlanArgs` into an [`ops::plan::PlanRequest`] (the ARM flags become
//!    [`ops::ConnectOptions`]; clap types stop here).
//! 2. [`ops::Target::open`] loads the repository ([`load`]: files → spanned YAML → raw [`schema`]
//!    types → [`model`] types), validates it once for that environment ([`validate`]), resolves the
//!    environment once, and computes the [`desired`] state.
//! 3. [`ops::connection::connect`] applies the trust boundary and builds the `sentinel_arm` client
//!    (or starts the embedded emulator); [`live`] reads the workspace with LIST calls.
//! 4. [`plan`] diffs desired against live; [`render`] prints it.
//!
//! Start reading at [`run`], which sends each command to `commands/<command>.rs`.

pub mod apply;
pub mod args;
pub mod commands;
pub mod coverage;
pub mod desired;
pub mod diag;
pub mod doctor;
pub mod drift;
pub mod escape;
pub mod exit;
pub mod git;
pub mod import;
pub mod live;
pub mod load;
pub mod model;
pub mod ops;
pub mod plan;
pub mod plugin;
pub mod printer;
pub mod promote;
pub mod render;
pub mod run;
pub mod schema;
pub mod session;
pub mod validate;

use args::{Cli, Command};
use exit::ExitStatus;
use session::Session;

/// Runs one command. Errors are returned, not printed: `main` prints them once.
pub fn run(cli: &Cli) -> anyhow::Result<ExitStatus> {
    let cx = Session::from_cli(cli)?;
    match &cli.command {
        Command::Validate(a) => commands::validate::run(&cx, a),
        Command::Schema(a) => commands::schema::run(&cx, a),
        Command::Schemas(a) => commands::schemas::run(&cx, a),
        Command::Test(a) => commands::test::run(&cx, a),
        Command::Coverage(a) => commands::coverage::run(&cx, a),
        Command::Doctor(a) => commands::doctor::run(&cx, a),
        Command::Simulate(a) => commands::simulate::run(&cx, a),
        Command::Query(a) => commands::query::run(&cx, a),
        Command::Explain(a) => commands::explain::run(&cx, a),
        Command::Completions(a) => commands::completions::run(&cx, a),
        Command::Plan(a) => commands::plan::run(&cx, a),
        Command::Apply(a) => commands::apply::run(&cx, a),
        Command::Emulator(a) => commands::emulator::run(&cx, a),
        Command::Drift(a) => commands::drift::run(&cx, a),
        Command::Import(a) => commands::import::run(&cx, a),
        Command::Promote(a) => commands::promote::run(&cx, a),
        Command::Plugin(a) => commands::plugin::run(&cx, a),
    }
}

/// Prints an error once (with the diagnostics of refused content first) and returns its exit
/// code; a broken pipe is not an error (0).
pub fn report_error(cli: &Cli, err: &anyhow::Error) -> u8 {
    if err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    }) {
        return 0;
    }
    let no_color = Session::env_var("NO_COLOR").is_some();
    let printer = printer::Printer::new(cli.color, no_color, false);
    if let Some(invalid) = err.downcast_ref::<ops::InvalidContent>() {
        let _ = printer.stderr(|out| {
            render::diagnostics_human::render(
                out,
                &invalid.repo.sources,
                &invalid.errors(),
                printer.color_stderr,
            )
        });
    }
    printer.error(err);
    error_exit_code(cli)
}

/// Exit code for an error (not a finding): 1 for the commands that follow terraform's
/// convention (`plan`, `apply`: 2 means "changes" there) and for `query` (1: the query failed), 2
/// elsewhere. See `docs/exit-codes.md`.
pub fn error_exit_code(cli: &Cli) -> u8 {
    match cli.command {
        Command::Plan(_)
        | Command::Apply(_)
        | Command::Drift(_)
        | Command::Import(_)
        | Command::Promote(_)
        | Command::Schemas(_)
        | Command::Query(_) => 1,
        _ => 2,
    }
}
