//! `parse` and `parse-where`.
//!
//! The pattern becomes one anchored regular expression: a string literal matches itself (in
//! `kind=regex` it is a regex fragment), `*` matches any text lazily, a column captures any text
//! lazily (an `int`/`long`/`real` column outside regex mode captures a number). A row matches when the expression matches and every typed column converts; otherwise all
//! the new columns are null (`""` for strings) — except in `kind=relaxed`, where only the column that
//! fails to convert is null. `parse-where` drops the rows that do not match. Checked against the
//! parse-where-operator page (a row whose `long` column reads `invalid_number` yields nothing).

use std::sync::Arc;

use super::Exec;
use crate::error::{EvalError, Result};
use crate::eval::{Row, eval};
use crate::functions::convert::cast;
use crate::ir::{Expr, ParseKind, ParseStep};
use crate::scalar_ops::text_of;
use crate::table::{Column, ColumnData, Table};
use crate::value::{Type, Value};

/// Converts captured text to a column type (`None` when it does not convert).
fn convert(text: &str, ty: Type) -> Option<Value> {
    let v = match ty {
        Type::String => return Some(Value::string(text)),
        Type::Dynamic => {
            return Some(Value::parse_json_text(text).unwrap_or_else(|| Value::string(text)));
        }
        _ => cast(&Value::string(text.trim()), ty),
    };
    (!v.is_null()).then_some(v)
}

impl Exec<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn parse(
        &self,
        t: &Table,
        source: &Expr,
        steps: &[ParseStep],
        kind: ParseKind,
        flags: &str,
        where_only: bool,
    ) -> Result<Table> {
        let mut pattern = String::from("^");
        let mut columns: Vec<(String, Type)> = Vec::new();
        for s in steps {
            match s {
                ParseStep::Literal(l) => {
                    if kind == ParseKind::Regex {
                        pattern.push_str(l);
                    } else {
                        pattern.push_str(&regex::escape(l));
                    }
                }
                ParseStep::Star => pattern.push_str("(?:.*?)"),
                ParseStep::Column(name, ty) => {
                    // numeric columns capture numbers only, so `n: long * "x="` finds the digits
                    // (the parse-where-operator page's `totalSlices: long *`)
                    pattern.push_str(match (kind, ty) {
                        (ParseKind::Regex, _) => "(.*?)",
                        (_, Type::Int | Type::Long) => r"([-+]?\d+)",
                        (_, Type::Real | Type::Decimal) => {
                            r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
                        }
                        _ => "(.*?)",
                    });
                    columns.push((name.clone(), *ty));
                }
            }
        }
        pattern.push('$');
        let flags = format!("s{flags}");
        let re = self.cx.regex_flags(&pattern, &flags)?;
        let src = self.bind(source, t.columns())?;
        let mut out: Vec<Vec<Value>> = vec![Vec::with_capacity(t.len()); columns.len()];
        let mut keep = Vec::new();
        self.budget().spend(t.len() as u64)?;
        for row in 0..t.len() {
            let v = eval(&src, &Row::new(t, row), &self.cx)?;
            let text = text_of(&v);
            let mut parsed: Option<Vec<Value>> = None;
            if let Some(caps) = re.captures(&text) {
                let mut vals = Vec::with_capacity(columns.len());
                let mut ok = true;
                for (i, (_, ty)) in columns.iter().enumerate() {
                    let cap = caps.get(i + 1).map_or("", |m| m.as_str());
                    match convert(cap, *ty) {
                        Some(x) => vals.push(x),
                        None if kind == ParseKind::Relaxed => vals.push(Value::Null),
                        None => {
                            ok = false;
                            break;
                        }
                    }
                }
                if ok {
                    parsed = Some(vals);
                }
            }
            match parsed {
                Some(vals) => {
                    keep.push(row);
                    for (c, x) in out.iter_mut().zip(vals) {
                        c.push(x);
                    }
                }
                None if !where_only => {
                    for (c, (_, ty)) in out.iter_mut().zip(&columns) {
                        c.push(if *ty == Type::String {
                            Value::string("")
                        } else {
                            Value::Null
                        });
                    }
                }
                None => {}
            }
        }
        let base = if where_only && keep.len() != t.len() {
            t.gather(&keep)
        } else {
            t.clone()
        };
        let (mut cols, mut data, len) = base.into_parts();
        for ((name, ty), values) in columns.into_iter().zip(out) {
            let d = Arc::new(ColumnData::Plain(values));
            if let Some(i) = cols.iter().position(|c| c.name == name) {
                cols[i].ty = ty;
                data[i] = d;
            } else {
                cols.push(Column::new(name, ty));
                data.push(d);
            }
        }
        if data.iter().any(|d| d.len() != len) {
            return Err(EvalError::runtime(
                "internal: `parse` produced columns of different lengths",
            ));
        }
        Ok(Table::from_columns(cols, data, len))
    }
}
