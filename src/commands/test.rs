//! `sentinelctl test`: run the test cases beside detections and skills on the KQL engine and,
//! with `--env`, in the environment's workspace.

use super::connect_options;
use crate::args::{TestArgs, TestEngine, TestFormat};
use crate::exit::ExitStatus;
use crate::ops::test::{TestRequest, run_tests};
use crate::render::{diagnostics_human, test_report as tests};
use crate::session::Session;

/// Runs `test`.
pub fn run(cx: &Session, args: &TestArgs) -> anyhow::Result<ExitStatus> {
    let engine = args.engine.unwrap_or(if args.env.is_some() {
        TestEngine::Both
    } else {
        TestEngine::Local
    });
    let workspace = match (&args.env, engine) {
        (Some(env), TestEngine::Workspace | TestEngine::Both) => {
            Some((env.clone(), connect_options(cx, &args.arm, 1)?))
        }
        _ => None,
    };
    let req = TestRequest {
        filters: args.filters.clone(),
        local: engine != TestEngine::Workspace,
        workspace,
    };
    let report = run_tests(cx, &req)?;
    if let Some(repo) = &report.repo
        && !report.problems.is_empty()
    {
        let color = cx.printer.color_stderr;
        cx.printer
            .stderr(|out| diagnostics_human::render(out, &repo.sources, &report.problems, color))?;
    }
    cx.printer.stdout(|out| match args.format {
        TestFormat::Human => tests::human(out, &report, cx.printer.color_stdout),
        TestFormat::Json => tests::json(out, &report),
        TestFormat::Junit => tests::junit(out, &report),
    })?;
    Ok(if report.passed() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
