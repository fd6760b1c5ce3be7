//! Test reports: human (one line per case; on failure what did not hold and the result rows),
//! `--format json` (the report with `format_version`), `--format junit` (a suite per test file, a
//! case per case; unsupported features are errors, never passes).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use crate::escape::{line, xml};
use crate::run::cases::{CaseStatus, TestReport};

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

/// Human text.
pub fn human(out: &mut dyn Write, report: &TestReport, color: bool) -> io::Result<()> {
    let paint = |c: AnsiColor| {
        if color {
            c.on_default().bold()
        } else {
            Style::new()
        }
    };
    for c in &report.cases {
        let (word, st) = match &c.status {
            CaseStatus::Pass => ("PASS", paint(AnsiColor::Green)),
            CaseStatus::Fail(_) => ("FAIL", paint(AnsiColor::Red)),
            CaseStatus::Unsupported(_) => ("UNSUPPORTED", paint(AnsiColor::Yellow)),
            CaseStatus::Error(_) => ("ERROR", paint(AnsiColor::Red)),
        };
        writeln!(
            out,
            "{st}{word:<11}{st:#} {} › {} ({} ms)",
            line(&c.target_name),
            line(&c.name),
            c.millis
        )?;
        match &c.status {
            CaseStatus::Pass => {}
            CaseStatus::Fail(reasons) => {
                writeln!(out, "      in {}", line(&c.file))?;
                for r in reasons {
                    writeln!(out, "      ✗ {}", line(r))?;
                }
                out.write_all(table(&c.result).as_bytes())?;
                for a in &c.alerts {
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
                writeln!(out, "      in {}: {}", line(&c.file), line(why))?;
            }
        }
    }
    let (p, f, u, e) = report.counts();
    let verdict = if report.passed() { "ok" } else { "FAILED" };
    writeln!(
        out,
        "\ntest result: {verdict}. {p} passed; {f} failed; {u} unsupported; {e} errors"
    )
}

/// `--format json`.
pub fn json(out: &mut dyn Write, report: &TestReport) -> io::Result<()> {
    let (p, f, u, e) = report.counts();
    let doc = serde_json::json!({
        "format_version": 1,
        "cases": report.cases,
        "summary": {"passed": p, "failed": f, "unsupported": u, "errors": e},
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// `--format junit`.
pub fn junit(out: &mut dyn Write, report: &TestReport) -> io::Result<()> {
    let mut files: Vec<&str> = report.cases.iter().map(|c| c.file.as_str()).collect();
    files.dedup();
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sentinelctl test\">\n",
    );
    for file in files {
        let cases: Vec<_> = report.cases.iter().filter(|c| c.file == file).collect();
        let failures = cases
            .iter()
            .filter(|c| matches!(c.status, CaseStatus::Fail(_)))
            .count();
        let errors = cases
            .iter()
            .filter(|c| matches!(c.status, CaseStatus::Unsupported(_) | CaseStatus::Error(_)))
            .count();
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
            xml(file),
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
            match &c.status {
                CaseStatus::Pass => s.push_str(" />\n"),
                CaseStatus::Fail(reasons) => {
                    let _ = write!(
                        s,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                        xml(reasons.first().map_or("", String::as_str)),
                        xml(&format!("{}\n{}", reasons.join("\n"), table(&c.result)))
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
    s.push_str("</testsuites>\n");
    out.write_all(s.as_bytes())
}
