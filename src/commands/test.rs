//! `sentinelctl test`: run the test cases beside detections and skills on the KQL engine and,
//! with `--env`, in the environment's workspace (or in every workspace of a fleet).

use super::connect_options;
use crate::args::{TestArgs, TestEngine, TestFormat};
use crate::exit::ExitStatus;
use crate::ops::selection::is_fleet;
use crate::ops::test::{TestReport, TestRequest, run_tests, run_tests_fleet};
use crate::render::{diagnostics_human, test_report as tests};
use crate::session::Session;

/// Runs `test`.
pub fn run(cx: &Session, args: &TestArgs) -> anyhow::Result<ExitStatus> {
    let engine = args.engine.unwrap_or(if args.env.is_some() {
        TestEngine::Both
    } else {
        TestEngine::Local
    });
    if let (Some(env), TestEngine::Both | TestEngine::Workspace) = (&args.env, engine)
        && is_fleet(cx, std::slice::from_ref(env))
    {
        anyhow::ensure!(
            engine == TestEngine::Both,
            "over several workspaces the cases run on both engines: leave out --engine workspace"
        );
        let report = run_tests_fleet(
            cx,
            &args.filters,
            std::slice::from_ref(env),
            &connect_options(cx, &args.arm, 1)?,
            args.workspaces_at_once,
        )?;
        show_problems(cx, &report.local)?;
        cx.printer.stdout(|out| match args.format {
            TestFormat::Human => tests::fleet_human(out, &report, cx.printer.color_stdout),
            TestFormat::Json => tests::fleet_json(out, &report),
            TestFormat::Junit => tests::fleet_junit(out, &report),
        })?;
        return Ok(if report.passed() {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        });
    }
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
    show_problems(cx, &report)?;
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

/// The test files' problems, on stderr.
fn show_problems(cx: &Session, report: &TestReport) -> anyhow::Result<()> {
    if let Some(repo) = &report.repo
        && !report.problems.is_empty()
    {
        let color = cx.printer.color_stderr;
        cx.printer
            .stderr(|out| diagnostics_human::render(out, &repo.sources, &report.problems, color))?;
    }
    Ok(())
}
