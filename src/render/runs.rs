//! Output of running content: `simulate` replays (human, JSON) and `query` result tables (aligned
//! text, JSON, CSV). Values from logs are escaped like every other untrusted text.

use std::io::{self, Write};

use sentinel_kql_engine::Table;
use serde_json::json;

use crate::escape::line;
use crate::run::sentinel::DetectionReplay;

/// `simulate` for people.
pub fn simulate_human(out: &mut dyn Write, replays: &[DetectionReplay]) -> io::Result<()> {
    let mut total = 0;
    for r in replays {
        if let Some(e) = &r.error {
            writeln!(out, "✗ {}: could not run: {}", line(&r.name), line(e))?;
            continue;
        }
        if r.alerts.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{} — {} alert(s) in {} run(s)",
            line(&r.name),
            r.alerts.len(),
            r.runs
        )?;
        for a in &r.alerts {
            let entities: Vec<String> = a
                .entities
                .iter()
                .map(|e| {
                    let ids: Vec<String> = e
                        .identifiers
                        .iter()
                        .map(|(k, v)| format!("{k}={}", line(v)))
                        .collect();
                    format!("{}({})", e.entity_type, ids.join(", "))
                })
                .collect();
            writeln!(
                out,
                "  {}  [{}]  {}",
                a.time,
                a.severity,
                line(&a.display_name)
            )?;
            if !entities.is_empty() {
                writeln!(out, "      entities: {}", entities.join("; "))?;
            }
        }
        total += r.alerts.len();
    }
    let quiet = replays
        .iter()
        .filter(|r| r.alerts.is_empty() && r.error.is_none())
        .count();
    writeln!(
        out,
        "\n{total} alert(s) from {} detection(s); {quiet} raised none.",
        replays.len() - quiet
    )
}

/// `simulate --format json`.
pub fn simulate_json(out: &mut dyn Write, replays: &[DetectionReplay]) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &json!({"format_version": 1, "detections": replays}),
    )?;
    writeln!(out)
}

fn cells(table: &Table) -> (Vec<String>, Vec<Vec<String>>) {
    let header = table.columns().iter().map(|c| c.name.clone()).collect();
    let rows = table
        .rows()
        .map(|r| {
            r.iter()
                .map(sentinel_kql_engine::Value::to_kusto_string)
                .collect()
        })
        .collect();
    (header, rows)
}

/// An aligned table.
pub fn table_text(out: &mut dyn Write, table: &Table) -> io::Result<()> {
    let (header, rows) = cells(table);
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(|c| line(&c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count().min(60));
        }
    }
    let fmt = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                let c: String = c.chars().take(60).collect();
                format!("{c:<w$}")
            })
            .collect::<Vec<_>>()
            .join(" | ")
            .trim_end()
            .to_string()
    };
    writeln!(
        out,
        "{}",
        fmt(&header
            .iter()
            .map(|h| line(h).into_owned())
            .collect::<Vec<_>>())
    )?;
    for r in &rows {
        writeln!(out, "{}", fmt(r))?;
    }
    writeln!(out, "({} rows)", rows.len())
}

/// `{"format_version": 1, "columns": [{"name","type"}], "rows": [[…]]}`.
pub fn table_json(out: &mut dyn Write, table: &Table) -> io::Result<()> {
    let columns: Vec<_> = table
        .columns()
        .iter()
        .map(|c| json!({"name": c.name, "type": format!("{:?}", c.ty).to_ascii_lowercase()}))
        .collect();
    let rows: Vec<Vec<serde_json::Value>> = table
        .rows()
        .map(|r| r.iter().map(sentinel_kql_engine::Value::to_json).collect())
        .collect();
    serde_json::to_writer_pretty(
        &mut *out,
        &json!({"format_version": 1, "columns": columns, "rows": rows}),
    )?;
    writeln!(out)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// CSV with a header row (RFC 4180 quoting).
pub fn table_csv(out: &mut dyn Write, table: &Table) -> io::Result<()> {
    let (header, rows) = cells(table);
    writeln!(
        out,
        "{}",
        header
            .iter()
            .map(|h| csv_field(h))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    for r in rows {
        writeln!(
            out,
            "{}",
            r.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",")
        )?;
    }
    Ok(())
}
