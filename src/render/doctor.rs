//! `doctor` reports: one line per check with its verdict, details indented under it and the fix
//! after `fix:`; or the report as JSON. Everything from the workspace or the content is escaped.

use std::io::{self, Write};

use crate::doctor::{DoctorReport, Status};
use crate::escape::line;

fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "ok  ",
        Status::Warn => "warn",
        Status::Fail => "FAIL",
        Status::Skip => "skip",
    }
}

/// The human report.
pub fn human(out: &mut dyn Write, r: &DoctorReport) -> io::Result<()> {
    writeln!(
        out,
        "doctor: environment `{}`, workspace `{}`",
        line(&r.environment),
        line(&r.workspace)
    )?;
    for c in &r.checks {
        writeln!(
            out,
            "  {} {:<22} {}",
            mark(c.status),
            c.id.title(),
            line(&c.summary)
        )?;
        for d in &c.details {
            writeln!(out, "         - {}", line(d))?;
        }
        if let Some(fix) = &c.fix {
            writeln!(out, "         fix: {}", line(fix))?;
        }
    }
    let count = |s: Status| r.checks.iter().filter(|c| c.status == s).count();
    writeln!(
        out,
        "{} passed, {} warnings, {} failed, {} skipped",
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail),
        count(Status::Skip)
    )
}

/// The report as JSON (`format_version` 1).
pub fn json(out: &mut dyn Write, r: &DoctorReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, r)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::{Check, CheckId};

    #[test]
    fn lines_details_and_fixes_escaped() {
        let r = DoctorReport {
            format_version: 1,
            environment: "dev".into(),
            workspace: "law\u{1b}[31m".into(),
            checks: vec![
                Check::pass(CheckId::Login, "signed in as application c1"),
                Check::fail(CheckId::Tables, "missing: `T_CL`", "install it")
                    .with_details(vec!["T_CL: read by rule\nx".into()]),
                Check::skip(CheckId::Functions, CheckId::Tables),
            ],
        };
        let mut out = Vec::new();
        human(&mut out, &r).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "doctor: environment `dev`, workspace `law\\u{1b}[31m`\n  ok   login                  signed in as application c1\n  FAIL tables                 missing: `T_CL`\n         - T_CL: read by rule\\u{a}x\n         fix: install it\n  skip saved functions        not checked: the tables check failed\n1 passed, 0 warnings, 1 failed, 1 skipped\n"
        );
        let mut out = Vec::new();
        json(&mut out, &r).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["checks"][1]["id"], "tables");
        assert_eq!(v["checks"][1]["status"], "fail");
        assert_eq!(v["checks"][0].get("fix"), None);
    }
}
