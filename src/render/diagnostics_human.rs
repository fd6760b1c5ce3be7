//! Human diagnostics: grouped by file, with the source line and a caret underline, coloured
//! when the printer says so (rustc/just style).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{display_path, position};
use crate::diag::{Diagnostic, Severity, SourceDb};
use crate::escape::{block, line as esc};

/// Writes diagnostics (already sorted) and a summary line.
pub fn render(
    out: &mut dyn Write,
    sources: &SourceDb,
    diags: &[Diagnostic],
    color: bool,
) -> io::Result<()> {
    let paint = |s: Style| if color { s } else { Style::new() };
    let err = paint(AnsiColor::Red.on_default().bold());
    let warn = paint(AnsiColor::Yellow.on_default().bold());
    let blue = paint(AnsiColor::Blue.on_default().bold());
    let bold = paint(Style::new().bold());
    for d in diags {
        let (label, style) = match d.severity {
            Severity::Error => ("error", err),
            Severity::Warning => ("warning", warn),
        };
        writeln!(
            out,
            "{style}{label}[{}]{style:#}{bold}: {}{bold:#}",
            d.code,
            block(&d.message)
        )?;
        let (start, end) = position(sources, d);
        writeln!(
            out,
            "  {blue}-->{blue:#} {}:{}:{}",
            esc(&display_path(sources, d)),
            start.line,
            start.col
        )?;
        if d.range.is_some() {
            let file = sources.get(d.file);
            let line = file.line_text(start.line);
            let width = start.line.to_string().len();
            let underline = if end.line == start.line {
                end.col.saturating_sub(start.col).max(1)
            } else {
                line.chars().count().saturating_sub(start.col - 1).max(1)
            };
            writeln!(out, "{:width$} {blue}|{blue:#}", "")?;
            writeln!(
                out,
                "{blue}{}{blue:#} {blue}|{blue:#} {}",
                start.line,
                esc(line)
            )?;
            writeln!(
                out,
                "{:width$} {blue}|{blue:#} {:pad$}{style}{}{style:#}",
                "",
                "",
                "^".repeat(underline),
                pad = start.col - 1
            )?;
        }
        let width = if d.range.is_some() {
            start.line.to_string().len()
        } else {
            1
        };
        for l in &d.labels {
            let lc = sources.get(l.file).line_col(l.range.start);
            writeln!(
                out,
                "   {blue}={blue:#} note: {} at {}:{}:{}",
                block(&l.message),
                esc(&sources.path(l.file).to_string_lossy()),
                lc.line,
                lc.col
            )?;
        }
        if let Some(help) = &d.help {
            writeln!(out, "{:width$} {blue}={blue:#} help: {}", "", block(help))?;
        }
        writeln!(out)?;
    }
    summary(out, diags, color)
}

/// `N errors, M warnings` (or `no problems found`).
pub fn summary(out: &mut dyn Write, diags: &[Diagnostic], color: bool) -> io::Result<()> {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    let files: std::collections::BTreeSet<_> = diags.iter().map(|d| d.file).collect();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let style = if !color {
        Style::new()
    } else if errors > 0 {
        AnsiColor::Red.on_default().bold()
    } else {
        AnsiColor::Green.on_default().bold()
    };
    if diags.is_empty() {
        writeln!(out, "{style}no problems found{style:#}")
    } else {
        writeln!(
            out,
            "{style}{}, {} in {}{style:#}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(files.len(), "file")
        )
    }
}

/// The status lines after `validate`'s findings: figures, the `--since` comparison, and (when
/// `verbose`) the KQL features checked leniently.
pub fn validate_status(
    stats: &crate::validate::ValidateStats,
    since: Option<&(String, crate::validate::version_bump::SinceReport)>,
    verbose: bool,
) -> Vec<String> {
    let mut lines = Vec::new();
    if verbose && !stats.unsupported_kql.is_empty() {
        let list: Vec<String> = stats
            .unsupported_kql
            .iter()
            .map(|(k, n)| format!("{k} ({n})"))
            .collect();
        lines.push(format!(
            "KQL features checked leniently: {}",
            list.join(", ")
        ));
    }
    let count =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    lines.push(format!(
        "checked {}, {}, {}, {}, {}, {}, {}, {}",
        count(stats.rules, "detection", "detections"),
        count(stats.functions, "function", "functions"),
        count(stats.workbooks, "workbook", "workbooks"),
        count(stats.watchlists, "watchlist", "watchlists"),
        count(stats.hunting_queries, "hunting query", "hunting queries"),
        count(
            stats.automation_rules,
            "automation rule",
            "automation rules"
        ),
        count(stats.environments, "environment", "environments"),
        count(stats.queries, "query", "queries"),
    ));
    if let Some((git_ref, report)) = since {
        lines.push(format!(
            "changed since `{git_ref}`: {} content items, {} of them without a version bump",
            report.changed.len(),
            report.not_bumped.len()
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::sample_diagnostics;

    #[test]
    fn golden_human_output() {
        let (db, diags) = sample_diagnostics();
        let mut out = Vec::new();
        render(&mut out, &db, &diags, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        crate::render::tests::assert_golden("diagnostics_human.txt", &text);
    }
}
