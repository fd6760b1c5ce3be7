//! Test reports: human (one line per case; on failure what did not hold and the result rows),
//! `--format json` (the report with `format_version`), `--format junit` (a suite per test file, a
//! case per case; unsupported features are errors, never passes). With `test --env` each case also
//! shows the workspace's verdict beside the local engine's, and a disagreement is a failure named
//! as such.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::escape::{line, xml};
use crate::ops::test::FleetTestReport;
use crate::run::cases::{CaseResult, CaseStatus, EngineResult, TestReport};

/// Most result rows shown under a failure.
const SHOWN_ROWS: usize = 10;

fn table(rows: &[BTreeMap<String, String>]) -> String {
    let Some(first) = rows.first() else {
        return "      (no result rows)\n".into();
    };
    let cols: Vec<&String> = first.keys().collect();
    let mut s = format!("      result ({} rows):\n", rows.len());
    for r in rows.iter().take(SHOWN_ROWS) {
        let cells: Vec<String> = cols
            .iter()
            .filter_map(|c| r.get(*c).map(|v| (c, v)))
            .filter(|(_, v)| !v.is_empty())
            .map(|(c, v)| {
                let v: String = v.chars().take(80).collect();
                format!("{}={}", line(c), line(&v))
            })
            .collect();
        let _ = writeln!(s, "        {}", cells.join("  "));
    }
    if rows.len() > SHOWN_ROWS {
        let _ = writeln!(s, "        … {} more", rows.len() - SHOWN_ROWS);
    }
    s
}

fn word(s: &CaseStatus) -> &'static str {
    match s {
        CaseStatus::Pass => "PASS",
        CaseStatus::Fail(_) => "FAIL",
        CaseStatus::Unsupported(_) => "UNSUPPORTED",
        CaseStatus::Error(_) => "ERROR",
    }
}

fn colour(s: &CaseStatus) -> AnsiColor {
    match s {
        CaseStatus::Pass => AnsiColor::Green,
        CaseStatus::Unsupported(_) => AnsiColor::Yellow,
        CaseStatus::Fail(_) | CaseStatus::Error(_) => AnsiColor::Red,
    }
}

/// What did not hold, the rows and alerts, under a case line (`engine` names whose verdict it is
/// when two engines ran).
fn details(
    out: &mut dyn Write,
    c: &CaseResult,
    engine: Option<&str>,
    status: &CaseStatus,
    result: &[BTreeMap<String, String>],
    alerts: &[crate::run::sentinel::Alert],
) -> io::Result<()> {
    let tag = engine.map_or_else(String::new, |e| format!("{e}: "));
    match status {
        CaseStatus::Pass => {}
        CaseStatus::Fail(reasons) => {
            writeln!(out, "      {tag}in {}", line(&c.file))?;
            for r in reasons {
                writeln!(out, "      ✗ {tag}{}", line(r))?;
            }
            out.write_all(table(result).as_bytes())?;
            for a in alerts {
                writeln!(
                    out,
                    "      alert: {} [{}], {} entities",
                    line(&a.display_name),
                    a.severity,
                    a.entities.len()
                )?;
            }
        }
        CaseStatus::Unsupported(why) | CaseStatus::Error(why) => {
            writeln!(out, "      {tag}in {}: {}", line(&c.file), line(why))?;
        }
    }
    Ok(())
}

/// Human text.
pub fn human(out: &mut dyn Write, report: &TestReport, color: bool) -> io::Result<()> {
    let paint = |c: AnsiColor| {
        if color {
            c.on_default().bold()
        } else {
            Style::new()
        }
    };
    let only_workspace = !report.engines.local && report.engines.workspace.is_some();
    for c in &report.cases {
        let overall = if c.disagreement.is_some() {
            &CaseStatus::Fail(Vec::new())
        } else {
            &c.status
        };
        let st = paint(colour(overall));
        let first = if only_workspace {
            format!("workspace {}", word(&c.status))
        } else if c.workspace.is_some() {
            format!("local {}", word(&c.status))
        } else {
            word(&c.status).to_string()
        };
        let second = c
            .workspace
            .as_ref()
            .filter(|_| !only_workspace)
            .map_or_else(String::new, |w| {
                format!(" · workspace {} ({} ms)", word(&w.status), w.millis)
            });
        let width = if c.workspace.is_some() || only_workspace {
            17
        } else {
            11
        };
        writeln!(
            out,
            "{st}{first:<width$}{st:#} {} › {} ({} ms){second}",
            line(&c.target_name),
            line(&c.name),
            c.millis
        )?;
        if let Some(d) = &c.disagreement {
            writeln!(out, "      ✗ {}", line(d))?;
        }
        let two = c.workspace.is_some() && !only_workspace;
        details(
            out,
            c,
            two.then_some("local"),
            &c.status,
            &c.result,
            &c.alerts,
        )?;
        if let Some(EngineResult {
            status,
            result,
            alerts,
            ..
        }) = c.workspace.as_ref().filter(|_| !only_workspace)
        {
            details(out, c, Some("workspace"), status, result, alerts)?;
            if *status != CaseStatus::Pass {
                writeln!(
                    out,
                    "      workspace: the query sent is in `--format json` (`workspace.query`)"
                )?;
            }
        }
    }
    let (p, f, u, e) = report.counts();
    let verdict = if report.passed() { "ok" } else { "FAILED" };
    let engine = if only_workspace { " (workspace)" } else { "" };
    write!(
        out,
        "\ntest result: {verdict}. {p} passed; {f} failed; {u} unsupported; {e} errors{engine}"
    )?;
    if report.cases.iter().any(|c| c.workspace.is_some()) {
        let (p, f, u, e) = report.workspace_counts();
        write!(
            out,
            "\n  in workspace ({}): {p} passed; {f} failed; {u} unsupported; {e} errors; {} disagreements",
            line(report.engines.workspace.as_deref().unwrap_or("")),
            report.disagreements()
        )?;
    }
    writeln!(out)
}

/// `--format json`.
pub fn json(out: &mut dyn Write, report: &TestReport) -> io::Result<()> {
    let (p, f, u, e) = report.counts();
    let mut doc = serde_json::json!({
        "format_version": 1,
        "cases": report.cases,
        "summary": {"passed": p, "failed": f, "unsupported": u, "errors": e},
    });
    if let Some(env) = &report.engines.workspace {
        let (wp, wf, wu, we) = report.workspace_counts();
        doc["engines"] = serde_json::json!({"local": report.engines.local, "workspace": env});
        if report.engines.local {
            doc["summary"]["workspace"] = serde_json::json!(
                {"passed": wp, "failed": wf, "unsupported": wu, "errors": we}
            );
            doc["summary"]["disagreements"] = serde_json::json!(report.disagreements());
        }
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The XML declaration and the opening `<testsuites>`.
const JUNIT_HEAD: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sentinelctl test\">\n";

/// `--format junit`.
pub fn junit(out: &mut dyn Write, report: &TestReport) -> io::Result<()> {
    let mut s = String::from(JUNIT_HEAD);
    suites(&mut s, report, "");
    s.push_str("</testsuites>\n");
    out.write_all(s.as_bytes())
}

/// A `<testsuite>` per test file of `report`, named `prefix` + the file.
fn suites(s: &mut String, report: &TestReport, prefix: &str) {
    let mut files: Vec<&str> = report.cases.iter().map(|c| c.file.as_str()).collect();
    files.dedup();
    for file in files {
        let cases: Vec<_> = report.cases.iter().filter(|c| c.file == file).collect();
        let failures = cases
            .iter()
            .filter(|c| {
                matches!(c.status, CaseStatus::Fail(_))
                    || (matches!(c.status, CaseStatus::Pass) && !c.passed())
            })
            .count();
        let errors = cases
            .iter()
            .filter(|c| matches!(c.status, CaseStatus::Unsupported(_) | CaseStatus::Error(_)))
            .count();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
            xml(&format!("{prefix}{file}")),
            cases.len()
        );
        for c in cases {
            let _ = write!(
                s,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                xml(&c.target_name),
                xml(&c.name),
                std::time::Duration::from_millis(c.millis).as_secs_f64()
            );
            let workspace_failure = c
                .workspace
                .as_ref()
                .filter(|_| !c.passed() && report.engines.local)
                .map(|w| {
                    let why = match &w.status {
                        CaseStatus::Fail(r) => r.join("\n"),
                        CaseStatus::Unsupported(w) | CaseStatus::Error(w) => w.clone(),
                        CaseStatus::Pass => String::new(),
                    };
                    let head = c.disagreement.clone().unwrap_or_else(|| {
                        format!("workspace: {}", crate::run::cases::status_word(&w.status))
                    });
                    (head, why, table(&w.result))
                });
            match &c.status {
                CaseStatus::Pass if workspace_failure.is_none() => s.push_str(" />\n"),
                CaseStatus::Pass => {
                    let (head, why, rows) = workspace_failure.unwrap_or_default();
                    let _ = write!(
                        s,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        xml(&head),
                        xml(&format!("{head}\nworkspace:\n{why}\n{rows}"))
                    );
                }
                CaseStatus::Fail(reasons) => {
                    let extra = workspace_failure
                        .map(|(head, why, rows)| format!("\n{head}\nworkspace:\n{why}\n{rows}"))
                        .unwrap_or_default();
                    let _ = write!(
                        s,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        xml(reasons.first().map_or("", String::as_str)),
                        xml(&format!(
                            "{}\n{}{extra}",
                            reasons.join("\n"),
                            table(&c.result)
                        ))
                    );
                }
                CaseStatus::Unsupported(why) | CaseStatus::Error(why) => {
                    let kind = if matches!(c.status, CaseStatus::Unsupported(_)) {
                        "unsupported"
                    } else {
                        "error"
                    };
                    let _ = write!(
                        s,
                        ">\n      <error type=\"{kind}\" message=\"{}\" />\n    </testcase>\n",
                        xml(why)
                    );
                }
            }
        }
        s.push_str("  </testsuite>\n");
    }
}

/// Why a case did not pass in a workspace, in one line.
fn workspace_why(c: &CaseResult) -> String {
    if let Some(d) = &c.disagreement {
        return d.clone();
    }
    match c.workspace.as_ref().map(|w| &w.status) {
        Some(CaseStatus::Fail(reasons)) => {
            format!(
                "workspace FAIL: {}",
                reasons.first().map_or("", String::as_str)
            )
        }
        Some(CaseStatus::Unsupported(why) | CaseStatus::Error(why)) => {
            format!("workspace ERROR: {why}")
        }
        Some(CaseStatus::Pass) | None => format!("local {}", word(&c.status)),
    }
}

/// `test --env` over a fleet, for people: the local run as usual, then a line per workspace and
/// each case a workspace did not pass.
pub fn fleet_human(out: &mut dyn Write, report: &FleetTestReport, color: bool) -> io::Result<()> {
    human(out, &report.local, color)?;
    let width = report
        .environments
        .iter()
        .map(|e| e.environment.chars().count())
        .max()
        .unwrap_or(0);
    writeln!(out, "\nin each workspace:")?;
    let mut hints = Vec::new();
    for e in &report.environments {
        let name = line(&e.environment);
        match &e.report {
            Ok(r) => {
                let (p, f, u, x) = r.workspace_counts();
                let verdict = if r.passed() { "ok" } else { "FAILED" };
                writeln!(
                    out,
                    "  {name:width$}  {verdict}: {p} passed; {f} failed; {u} unsupported; {x} errors; {} disagreements",
                    r.disagreements()
                )?;
                for c in r.cases.iter().filter(|c| !c.passed()) {
                    writeln!(
                        out,
                        "    ✗ {} › {}: {}",
                        line(&c.target_name),
                        line(&c.name),
                        line(&workspace_why(c))
                    )?;
                }
            }
            Err((error, hint)) => {
                writeln!(out, "  {name:width$}  error: {}", line(error))?;
                if let Some(h) = hint {
                    hints.push((name.clone(), h));
                }
            }
        }
    }
    for (name, hint) in hints {
        writeln!(out, "help ({name}): {}", line(hint))?;
    }
    let good = report
        .environments
        .iter()
        .filter(|e| e.report.as_ref().is_ok_and(TestReport::passed))
        .count();
    writeln!(
        out,
        "{good} of {} workspaces passed every case and agree with the local engine",
        report.environments.len()
    )
}

/// `test --env` over a fleet as JSON: the local summary and, per environment, its summary, the
/// cases it did not pass, or its error.
pub fn fleet_json(out: &mut dyn Write, report: &FleetTestReport) -> io::Result<()> {
    let (p, f, u, e) = report.local.counts();
    let environments: Vec<serde_json::Value> = report
        .environments
        .iter()
        .map(|env| match &env.report {
            Ok(r) => {
                let (wp, wf, wu, we) = r.workspace_counts();
                let failed: Vec<&CaseResult> = r.cases.iter().filter(|c| !c.passed()).collect();
                serde_json::json!({
                    "environment": env.environment,
                    "result": if r.passed() { "passed" } else { "failed" },
                    "summary": {"passed": wp, "failed": wf, "unsupported": wu, "errors": we,
                                "disagreements": r.disagreements()},
                    "failed_cases": failed,
                })
            }
            Err((error, hint)) => serde_json::json!({
                "environment": env.environment,
                "result": "error",
                "error": error,
                "hint": hint,
            }),
        })
        .collect();
    let doc = serde_json::json!({
        "format_version": 1,
        "command": "test",
        "passed": report.passed(),
        "local": {"passed": p, "failed": f, "unsupported": u, "errors": e},
        "environments": environments,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `test --env` over a fleet as JUnit: the local suites, then a suite per (workspace, test file)
/// named `<environment>: <file>`; a workspace that could not run is one suite with an error.
pub fn fleet_junit(out: &mut dyn Write, report: &FleetTestReport) -> io::Result<()> {
    let mut s = String::from(JUNIT_HEAD);
    suites(&mut s, &report.local, "local: ");
    for env in &report.environments {
        match &env.report {
            Ok(r) => suites(&mut s, r, &format!("{}: ", env.environment)),
            Err((error, hint)) => {
                let why = match hint {
                    Some(h) => format!("{error}\nhelp: {h}"),
                    None => error.clone(),
                };
                let _ = write!(
                    s,
                    "  <testsuite name=\"{}\" tests=\"1\" failures=\"0\" errors=\"1\">\n    <testcase classname=\"{}\" name=\"workspace\">\n      <error type=\"error\" message=\"{}\" />\n    </testcase>\n  </testsuite>\n",
                    xml(&env.environment),
                    xml(&env.environment),
                    xml(&why)
                );
            }
        }
    }
    s.push_str("</testsuites>\n");
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::cases::{CaseResult, Engines};

    fn report() -> TestReport {
        let row = |n: &str| BTreeMap::from([("n".to_string(), n.to_string())]);
        let case = |name: &str, local: CaseStatus, ws: CaseStatus, rows: Vec<_>| CaseResult {
            file: "hunting/X.tests.yaml".into(),
            target: "x".into(),
            target_name: "X <&>".into(),
            name: name.into(),
            disagreement: crate::run::cases::disagreement(&local, &ws),
            status: local,
            result: vec![row("1")],
            alerts: Vec::new(),
            millis: 1,
            workspace: Some(EngineResult {
                status: ws,
                result: rows,
                alerts: Vec::new(),
                millis: 20,
                query: None,
            }),
        };
        TestReport {
            cases: vec![
                case("agree", CaseStatus::Pass, CaseStatus::Pass, vec![row("1")]),
                case(
                    "differ",
                    CaseStatus::Pass,
                    CaseStatus::Fail(vec!["no result row has {\"n\": \"1\"}".into()]),
                    vec![row("3")],
                ),
                case(
                    "unsupported locally",
                    CaseStatus::Unsupported("operator `scan`".into()),
                    CaseStatus::Pass,
                    vec![row("1")],
                ),
            ],
            engines: Engines {
                local: true,
                workspace: Some("dev".into()),
            },
            ..TestReport::default()
        }
    }

    #[test]
    fn both_engines_side_by_side_and_a_disagreement_named() {
        let r = report();
        assert!(!r.passed());
        assert_eq!(r.disagreements(), 1);
        let mut out = Vec::new();
        human(&mut out, &r, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("local PASS        X <&> › agree (1 ms) · workspace PASS (20 ms)"),
            "{text}"
        );
        assert!(
            text.contains("✗ the engines disagree: local pass, workspace fail"),
            "{text}"
        );
        assert!(text.contains("✗ workspace: no result row has"), "{text}");
        assert!(text.contains("n=3"), "{text}");
        assert!(
            text.contains(
                "in workspace (dev): 2 passed; 1 failed; 0 unsupported; 0 errors; 1 disagreements"
            ),
            "{text}"
        );

        let mut out = Vec::new();
        json(&mut out, &r).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc["cases"][1]["workspace"]["status"], "fail");
        assert_eq!(
            doc["cases"][1]["disagreement"],
            "the engines disagree: local pass, workspace fail"
        );
        assert!(doc["cases"][2].get("disagreement").is_none());
        assert_eq!(doc["summary"]["disagreements"], 1);
        assert_eq!(doc["engines"]["workspace"], "dev");

        let mut out = Vec::new();
        junit(&mut out, &r).unwrap();
        let xml = String::from_utf8(out).unwrap();
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"the engines disagree: local pass, workspace fail\">"),
            "{xml}"
        );
        assert!(xml.contains("X &lt;&amp;&gt;"), "{xml}");
    }
}
