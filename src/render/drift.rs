//! Drift reports: human (stderr-friendly text), markdown, JUnit XML (one test case per managed
//! resource, so CI dashboards show drift as failures). JSON is the serialised report.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::drift::{DriftClass, DriftReport};
use crate::escape::{line, md, xml};

/// Human text for one or more environments.
pub fn human(out: &mut dyn Write, reports: &[DriftReport]) -> io::Result<()> {
    for r in reports {
        if let Some(e) = &r.error {
            writeln!(
                out,
                "Drift in `{}`: NOT CHECKED: {}\n",
                line(&r.environment),
                crate::escape::block(e)
            )?;
            continue;
        }
        writeln!(
            out,
            "Drift in `{}` ({}):",
            line(&r.environment),
            line(&r.workspace_id)
        )?;
        let shown: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.class != DriftClass::InSync || !f.unmanaged_changed.is_empty())
            .collect();
        for f in &shown {
            let when = f
                .last_modified
                .as_deref()
                .map(|t| format!(", last modified {t}"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:<24} {:<9} {} ({}){when}",
                f.class.phrase(),
                f.kind.as_str(),
                line(&f.display_name),
                line(&f.name)
            )?;
            if let Some(s) = &f.suppressed {
                writeln!(
                    out,
                    "      suppressed until {}: {}",
                    line(&s.expires),
                    line(&s.reason)
                )?;
            }
            for c in &f.fields {
                writeln!(
                    out,
                    "      {}: live {} ≠ code {}",
                    line(&c.path),
                    super::plan_human::short(&c.before),
                    super::plan_human::short(&c.after)
                )?;
            }
            if let Some(d) = &f.detail {
                writeln!(out, "      {}", line(d))?;
            }
            if !f.unmanaged_changed.is_empty() {
                writeln!(
                    out,
                    "      note: unmanaged fields changed outside code: {} (kept; not drift)",
                    line(&f.unmanaged_changed.join(", "))
                )?;
            }
        }
        let in_sync = r
            .findings
            .iter()
            .filter(|f| f.class == DriftClass::InSync)
            .count();
        for s in &r.unused_suppressions {
            writeln!(
                out,
                "  note: the drift suppression of `{}`{} (until {}) matched no drift: remove it from the environment file",
                line(&s.resource),
                s.class
                    .as_deref()
                    .map(|c| format!(" ({})", line(c)))
                    .unwrap_or_default(),
                line(&s.expires)
            )?;
        }
        let suppressed = match r.suppressed_count() {
            0 => String::new(),
            n => format!(", {n} suppressed"),
        };
        writeln!(
            out,
            "  {} drifted{suppressed}, {} in sync, {} pending.\n",
            r.drift_count(),
            in_sync,
            r.findings
                .iter()
                .filter(|f| f.class == DriftClass::Pending)
                .count()
        )?;
    }
    Ok(())
}

/// Markdown for one or more environments.
pub fn markdown(out: &mut dyn Write, reports: &[DriftReport]) -> io::Result<()> {
    writeln!(
        out,
        "### sentinelctl drift\n\n| environment | drifted | suppressed | in sync | pending |\n|---|---|---|---|---|"
    )?;
    for r in reports {
        if r.error.is_some() {
            writeln!(
                out,
                "| <code>{}</code> | not checked (error) | | | |",
                md(&r.environment)
            )?;
            continue;
        }
        let count = |c: DriftClass| r.findings.iter().filter(|f| f.class == c).count();
        writeln!(
            out,
            "| <code>{}</code> | {} | {} | {} | {} |",
            md(&r.environment),
            r.drift_count(),
            r.suppressed_count(),
            count(DriftClass::InSync),
            count(DriftClass::Pending)
        )?;
    }
    for r in reports {
        if let Some(e) = &r.error {
            // the error may quote the workspace (ARM messages): escaped like every other cell
            writeln!(
                out,
                "\n#### <code>{}</code>\n\nnot checked: {}",
                md(&r.environment),
                md(e)
            )?;
        }
    }
    for r in reports
        .iter()
        .filter(|r| r.drift_count() + r.suppressed_count() > 0)
    {
        writeln!(
            out,
            "\n#### <code>{}</code>\n\n| class | kind | name | fields |\n|---|---|---|---|",
            md(&r.environment)
        )?;
        for f in r.findings.iter().filter(|f| f.class.is_drift()) {
            let fields: Vec<String> = f
                .fields
                .iter()
                .map(|c| format!("<code>{}</code>", md(&c.path)))
                .collect();
            let class = match &f.suppressed {
                Some(s) => format!(
                    "{} (suppressed until {}: {})",
                    f.class.phrase(),
                    md(&s.expires),
                    md(&s.reason)
                ),
                None => f.class.phrase().to_string(),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                class,
                f.kind.as_str(),
                md(&f.display_name),
                fields.join(", ")
            )?;
        }
    }
    for r in reports.iter().filter(|r| !r.unused_suppressions.is_empty()) {
        for s in &r.unused_suppressions {
            writeln!(
                out,
                "\n> <code>{}</code>: the drift suppression of <code>{}</code> (until {}) matched no drift; remove it from the environment file",
                md(&r.environment),
                md(&s.resource),
                md(&s.expires)
            )?;
        }
    }
    for r in reports {
        for f in r
            .findings
            .iter()
            .filter(|f| !f.unmanaged_changed.is_empty())
        {
            let names = super::code_list(&f.unmanaged_changed);
            writeln!(
                out,
                "\n> **Note** (<code>{}</code>): {} <code>{}</code>: unmanaged fields changed outside code: {} (kept; not drift).",
                md(&r.environment),
                f.kind.as_str(),
                md(&f.display_name),
                names
            )?;
        }
    }
    Ok(())
}

/// JUnit XML: a test suite per environment, a test case per resource.
pub fn junit(out: &mut dyn Write, reports: &[DriftReport]) -> io::Result<()> {
    let mut s = super::junit_header("drift");
    for r in reports {
        if let Some(e) = &r.error {
            super::junit_error_suite(&mut s, "drift", &r.environment, "not checked", e);
            continue;
        }
        let cases: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.class != DriftClass::Pending)
            .collect();
        let _ = writeln!(
            s,
            "  <testsuite name=\"drift.{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&r.environment),
            cases.len(),
            r.drift_count(),
            r.suppressed_count()
        );
        for f in cases {
            let _ = write!(
                s,
                "    <testcase classname=\"{}.{}\" name=\"{} ({})\"",
                xml(&r.environment),
                f.kind.as_str(),
                xml(&f.display_name),
                xml(&f.name)
            );
            if let Some(sup) = f.suppressed.as_ref().filter(|_| f.class.is_drift()) {
                let _ = write!(
                    s,
                    ">\n      <skipped message=\"{} (suppressed until {}: {})\" />\n    </testcase>\n",
                    f.class.phrase(),
                    xml(&sup.expires),
                    xml(&sup.reason)
                );
            } else if f.class.is_drift() {
                let mut body = String::new();
                for c in &f.fields {
                    let _ = writeln!(body, "{}: live {} != code {}", c.path, c.before, c.after);
                }
                if let Some(d) = &f.detail {
                    body.push_str(d);
                }
                let _ = write!(
                    s,
                    ">\n      <failure message=\"{}\" type=\"{:?}\">{}</failure>\n    </testcase>\n",
                    f.class.phrase(),
                    f.class,
                    xml(&body)
                );
            } else {
                s.push_str(" />\n");
            }
        }
        s.push_str("  </testsuite>\n");
    }
    s.push_str("</testsuites>\n");
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{assert_golden, sample_drift};

    #[test]
    fn golden_outputs() {
        let reports = sample_drift();
        for (name, f) in [
            (
                "drift_human.txt",
                human as fn(&mut dyn Write, &[DriftReport]) -> io::Result<()>,
            ),
            ("drift_markdown.md", markdown),
            ("drift_junit.xml", junit),
        ] {
            let mut out = Vec::new();
            f(&mut out, &reports).unwrap();
            assert_golden(name, &String::from_utf8(out).unwrap());
        }
    }
}
