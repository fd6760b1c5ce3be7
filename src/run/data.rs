//! Input rows for running content: inline rows from a test case, JSON Lines files and CSV exported
//! from the Log Analytics portal, turned into engine tables with the column types of `schemas/`.
//!
//! Times may be absolute (ISO 8601, Kusto's spellings, the portal's `4/18/2025, 12:55:02.901 PM`)
//! or relative to the run time `T`: `now`, `-10m`, `now-1h`, `ago(2d)`. Dynamic columns take JSON
//! (text or, inline, YAML mappings and lists). A portal export's headers carry a type suffix
//! (`TimeGenerated [UTC]`), and its first byte may be a byte-order mark: both are handled.
//!
//! Columns: a table's schema (`schemas/<Table>.json`) gives names and types; a row naming a column
//! the schema lacks is an error for hand-written rows (a typo would otherwise silently test
//! nothing) and a string column for exported files (exports carry extra columns).

use std::path::Path;

use anyhow::{Context as _, bail};
use sentinel_kql_engine::{Column, DateTime, Table, TimeSpan, Type, Value};
use serde_json::Value as Json;

use crate::load::repository::TableSchema;

/// An engine type from a `schemas/*.json` type name.
pub fn engine_type(ty: &str) -> Type {
    match ty.to_ascii_lowercase().as_str() {
        "datetime" | "date" => Type::DateTime,
        "bool" | "boolean" => Type::Bool,
        "int" | "int32" => Type::Int,
        "long" | "int64" => Type::Long,
        "real" | "double" => Type::Real,
        "decimal" => Type::Decimal,
        "timespan" | "time" => Type::TimeSpan,
        "guid" | "uniqueid" => Type::Guid,
        "dynamic" => Type::Dynamic,
        _ => Type::String,
    }
}

/// The portal's US-locale export spelling: `4/18/2025, 12:55:02.901 PM`.
fn portal_datetime(text: &str) -> Option<DateTime> {
    let (date, time) = text.split_once(", ")?;
    let mut d = date.split('/');
    let (m, day, y) = (d.next()?, d.next()?, d.next()?);
    let (clock, half) = time.trim().rsplit_once(' ')?;
    let mut c = clock.split(':');
    let (h, min, sec) = (c.next()?, c.next()?, c.next().unwrap_or("0"));
    let mut h: u32 = h.parse().ok()?;
    match half {
        "AM" if h == 12 => h = 0,
        "PM" if h != 12 => h += 12,
        "AM" | "PM" => {}
        _ => return None,
    }
    let iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{}Z",
        y.parse::<u32>().ok()?,
        m.parse::<u32>().ok()?,
        day.parse::<u32>().ok()?,
        h,
        min.parse::<u32>().ok()?,
        if sec.contains('.') {
            format!("{sec:0>6}")
        } else {
            format!("{sec:0>2}")
        }
    );
    DateTime::parse(&iso)
}

/// A time relative to `at` (`now`, `-10m`, `now-1h`, `now+5m`, `ago(2d)`), if `text` is one.
fn relative(text: &str, at: DateTime) -> Option<DateTime> {
    let t = text.trim();
    let shift = |sign: i64, span: &str| -> Option<DateTime> {
        let span = TimeSpan::parse(span.trim())?;
        DateTime::from_unix_ticks(at.unix_ticks() + sign * span.0)
    };
    if t == "now" {
        return Some(at);
    }
    if let Some(inner) = t.strip_prefix("ago(").and_then(|r| r.strip_suffix(')')) {
        return shift(-1, inner);
    }
    let rest = t.strip_prefix("now").unwrap_or(t);
    if let Some(span) = rest.strip_prefix('-') {
        return shift(-1, span);
    }
    if let Some(span) = rest.strip_prefix('+') {
        return (rest.len() != t.len()).then(|| shift(1, span)).flatten();
    }
    None
}

/// One cell: `text` read as a value of `ty`, with relative times against `at`.
pub fn cell(text: &str, ty: Type, at: DateTime) -> Result<Value, String> {
    if text.is_empty() {
        return Ok(if ty == Type::String {
            Value::from("")
        } else {
            Value::Null
        });
    }
    if ty == Type::DateTime
        && let Some(t) = relative(text, at).or_else(|| portal_datetime(text))
    {
        return Ok(Value::DateTime(t));
    }
    Value::parse_as(text, ty)
}

/// A JSON value (inline YAML or a JSON Lines field) as a value of `ty`.
fn json_cell(v: &Json, ty: Type, at: DateTime) -> Result<Value, String> {
    match (v, ty) {
        (Json::Null, _) => Ok(Value::Null),
        (Json::String(s), _) => cell(s, ty, at),
        (Json::Array(_) | Json::Object(_), Type::Dynamic) => Ok(Value::from_json(v)),
        (Json::Array(_) | Json::Object(_), Type::String) => Ok(Value::from(v.to_string().as_str())),
        (Json::Array(_) | Json::Object(_), _) => Err(format!("a {ty:?} column cannot hold `{v}`")),
        (Json::Bool(_) | Json::Number(_), Type::Dynamic) => Ok(Value::from_json(v)),
        (Json::Bool(b), _) => cell(if *b { "true" } else { "false" }, ty, at),
        (Json::Number(n), _) => cell(&n.to_string(), ty, at),
    }
}

/// Builds rows into a table with `schema`'s columns, plus (when `open`) any other column the rows
/// name, as strings.
pub struct TableBuilder<'s> {
    name: String,
    columns: Vec<Column>,
    schema: Option<&'s TableSchema>,
    open: bool,
    rows: Vec<Vec<(String, Json)>>,
    at: DateTime,
}

impl<'s> TableBuilder<'s> {
    /// A builder for table `name` (its schema, when the repository has one).
    pub fn new(name: &str, schema: Option<&'s TableSchema>, open: bool, at: DateTime) -> Self {
        let columns = schema
            .map(|s| {
                s.columns
                    .iter()
                    .map(|(n, t)| Column::new(n.clone(), engine_type(t)))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            name: name.to_string(),
            columns,
            schema,
            open: open || schema.is_none(),
            rows: Vec::new(),
            at,
        }
    }

    /// Adds one row of (column, value) pairs.
    pub fn push(&mut self, row: Vec<(String, Json)>) -> anyhow::Result<()> {
        for (col, _) in &row {
            if self.columns.iter().any(|c| &c.name == col) {
                continue;
            }
            if !self.open {
                let known: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
                let hint = crate::diag::suggest(col, &known)
                    .map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"));
                bail!(
                    "table `{}` has no column `{col}`{hint}: its columns come from `schemas/{}.json`",
                    self.name,
                    self.name
                );
            }
            let ty = self
                .schema
                .and_then(|s| s.columns.iter().find(|(n, _)| n == col))
                .map_or(Type::String, |(_, t)| engine_type(t));
            self.columns.push(Column::new(col.clone(), ty));
        }
        self.rows.push(row);
        Ok(())
    }

    /// The table.
    pub fn finish(self) -> anyhow::Result<Table> {
        let mut table = Table::new(self.columns.clone());
        for (i, row) in self.rows.iter().enumerate() {
            let mut values = vec![Value::Null; self.columns.len()];
            for (col, v) in row {
                let at = self
                    .columns
                    .iter()
                    .position(|c| &c.name == col)
                    .expect("columns were added in push");
                values[at] = json_cell(v, self.columns[at].ty, self.at).map_err(|e| {
                    anyhow::anyhow!("table `{}`, row {}, column `{col}`: {e}", self.name, i + 1)
                })?;
            }
            table.push_row(values);
        }
        Ok(table)
    }
}

/// Reads `path` (`.jsonl`/`.json` lines, or `.csv` as the portal exports it) into rows.
pub fn read_file(path: &Path) -> anyhow::Result<Vec<Vec<(String, Json)>>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            read_csv(&text).with_context(|| format!("`{}` is not a CSV export", path.display()))
        }
        "jsonl" | "json" | "ndjson" => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let v: Json = serde_json::from_str(l).with_context(|| {
                    format!("`{}` line {}: not a JSON object", path.display(), i + 1)
                })?;
                let Json::Object(m) = v else {
                    bail!("`{}` line {}: not a JSON object", path.display(), i + 1);
                };
                Ok(m.into_iter().collect())
            })
            .collect(),
        _ => bail!(
            "`{}`: rows are read from `.jsonl` (one JSON object per line) or `.csv` (a Log Analytics export)",
            path.display()
        ),
    }
}

/// Splits CSV text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes).
fn csv_records(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        bail!("a quoted field is not closed");
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

fn read_csv(text: &str) -> anyhow::Result<Vec<Vec<(String, Json)>>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = csv_records(text)?.into_iter();
    let Some(header) = records.next() else {
        return Ok(Vec::new());
    };
    // the portal writes `TimeGenerated [UTC]`
    let header: Vec<String> = header
        .iter()
        .map(|h| h.split(" [").next().unwrap_or(h).trim().to_string())
        .collect();
    Ok(records
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .map(|r| {
            header
                .iter()
                .zip(r)
                .filter(|(_, v)| !v.is_empty())
                .map(|(h, v)| (h.clone(), Json::String(v)))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime {
        DateTime::parse("2026-01-15T12:00:00Z").unwrap()
    }

    #[test]
    fn times_are_absolute_relative_or_the_portals() {
        let t = |s: &str| cell(s, Type::DateTime, at()).unwrap().to_kusto_string(); // tostring(): seven fractional digits
        assert_eq!(t("now"), "2026-01-15T12:00:00.0000000Z");
        assert_eq!(t("-10m"), "2026-01-15T11:50:00.0000000Z");
        assert_eq!(t("now-1h"), "2026-01-15T11:00:00.0000000Z");
        assert_eq!(t("ago(1d)"), "2026-01-14T12:00:00.0000000Z");
        assert_eq!(t("now+5m"), "2026-01-15T12:05:00.0000000Z");
        assert_eq!(
            t("4/18/2025, 12:55:02.901 PM"),
            "2025-04-18T12:55:02.9010000Z"
        );
        assert_eq!(t("4/18/2025, 12:05:02 AM"), "2025-04-18T00:05:02.0000000Z");
        assert_eq!(t("2025-04-18T10:00:00Z"), "2025-04-18T10:00:00.0000000Z");
        assert!(cell("yesterday", Type::DateTime, at()).is_err());
    }

    #[test]
    fn portal_csv_exports_read_with_quotes_bom_and_type_suffixes() {
        let text = "\u{feff}\"TimeGenerated [UTC]\",log_source,\"target_user\"\n\
            \"4/18/2025, 12:55:02.901 PM\",signinattempts,\"{\"\"email\"\":\"\"a@b\"\"}\"\n";
        let rows = read_csv(text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0].0, "TimeGenerated");
        assert_eq!(rows[0][2].1, Json::String("{\"email\":\"a@b\"}".into()));
    }

    #[test]
    fn hand_written_rows_name_real_columns() {
        let schema = TableSchema {
            name: "T_CL".into(),
            columns: vec![
                ("TimeGenerated".into(), "DateTime".into()),
                ("user".into(), "String".into()),
            ],
        };
        let mut b = TableBuilder::new("T_CL", Some(&schema), false, at());
        let e = b
            .push(vec![("usr".into(), Json::String("x".into()))])
            .unwrap_err();
        assert!(e.to_string().contains("did you mean `user`"), "{e}");
        let mut open = TableBuilder::new("T_CL", Some(&schema), true, at());
        open.push(vec![("extra".into(), Json::String("x".into()))])
            .unwrap();
        assert_eq!(open.finish().unwrap().columns().len(), 3);
    }
}
