//! A small YAML writer for the files sentinelctl generates (`import`, `promote` lock files).
//!
//! Writes block style from a `serde_json::Value` in key order, with literal block scalars (`|-`)
//! for multi-line text such as KQL, so files read like hand-written ones. Scalars are quoted only
//! when a plain scalar would be read back differently (bools, numbers, nulls, special
//! characters). Invariant: parsing the output with the project's YAML loader gives back the
//! same value (tested below and by the import round trip).

use std::fmt::Write as _;

use serde_json::Value;

/// Renders a document (a mapping at the top).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0, true);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn looks_typed(s: &str) -> bool {
    matches!(
        s,
        "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "null"
            | "Null"
            | "NULL"
            | "~"
            | ""
    ) || s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || matches!(
            s.to_ascii_lowercase().as_str(),
            ".inf" | "-.inf" | "+.inf" | ".nan"
        )
}

fn needs_quotes(s: &str) -> bool {
    looks_typed(s)
        || s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c) || c.is_whitespace())
        || s.ends_with(char::is_whitespace)
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(char::is_control)
}

fn scalar(s: &str) -> String {
    if !needs_quotes(s) {
        s.to_string()
    } else if s.chars().any(char::is_control) {
        serde_json::to_string(s).unwrap_or_default()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

fn block(out: &mut String, s: &str, indent: usize) {
    let chomp = if s.ends_with('\n') { "" } else { "-" };
    let body = s.strip_suffix('\n').unwrap_or(s);
    let lead = if body.starts_with(' ') { "2" } else { "" };
    let _ = writeln!(out, "|{lead}{chomp}");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{:indent$}{line}", "", indent = indent + 2);
        }
    }
}

fn is_block_text(s: &str) -> bool {
    s.contains('\n')
        && !s.contains('\r')
        && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
        && !s.lines().any(|l| l.ends_with(' '))
}

fn write_value(out: &mut String, v: &Value, indent: usize, top: bool) {
    match v {
        Value::Object(m) if m.is_empty() => out.push_str("{}\n"),
        Value::Array(a) if a.is_empty() => out.push_str("[]\n"),
        Value::Object(m) => {
            if !top {
                out.push('\n');
            }
            for (k, val) in m {
                let _ = write!(out, "{:indent$}{}:", "", scalar(k));
                write_child(out, val, indent);
            }
        }
        Value::Array(a) => {
            out.push('\n');
            for item in a {
                let _ = write!(out, "{:indent$}-", "");
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let mut first = true;
                        for (k, val) in m {
                            if first {
                                let _ = write!(out, " {}:", scalar(k));
                                first = false;
                            } else {
                                let _ = write!(out, "{:w$}{}:", "", scalar(k), w = indent + 2);
                            }
                            write_child(out, val, indent + 2);
                        }
                    }
                    other => write_child(out, other, indent),
                }
            }
        }
        Value::String(s) if is_block_text(s) => block(out, s, indent.saturating_sub(2)),
        Value::String(s) => {
            let _ = writeln!(out, "{}", scalar(s));
        }
        other => {
            let _ = writeln!(out, "{other}");
        }
    }
}

fn write_child(out: &mut String, val: &Value, indent: usize) {
    match val {
        Value::Object(m) if !m.is_empty() => write_value(out, val, indent + 2, false),
        Value::Array(a) if !a.is_empty() => write_value(out, val, indent + 2, false),
        Value::String(s) if is_block_text(s) => {
            out.push(' ');
            block(out, s, indent);
        }
        _ => {
            out.push(' ');
            write_value(out, val, indent, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::{Node, Style, Value as Y, parse};
    use serde_json::json;

    fn back(node: &Node) -> Value {
        match &node.value {
            Y::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap().to_string(), back(v)))
                    .collect(),
            ),
            Y::Seq(items) => Value::Array(items.iter().map(back).collect()),
            Y::Scalar(s, Style::Plain) if node.is_null() => Value::Null,
            Y::Scalar(s, Style::Plain) => match (s.as_str(), s.parse::<i64>()) {
                ("true", _) => Value::Bool(true),
                ("false", _) => Value::Bool(false),
                (_, Ok(i)) => json!(i),
                _ => Value::String(s.clone()),
            },
            Y::Scalar(s, _) => Value::String(s.clone()),
        }
    }

    #[test]
    fn round_trips_through_the_loader() {
        let v = json!({
            "id": "0b9f1b3e-3a0c-4a62-9d0f-0a3c4f9d2b11",
            "name": "1Password - Vault export: by {{User}}",
            "version": "1.0.0",
            "triggerThreshold": 0,
            "enabled": false,
            "tricky": ["true", "5", "- dash", "a: b", "#x", "it's", "", "null", "  lead", "tab\there"],
            "query": "let x = 1;\nT\n| where a == 'b'\n\n| project a",
            "indented": "  starts with spaces\nsecond",
            "entityMappings": [{"entityType": "Account", "fieldMappings": [{"identifier": "FullName", "columnName": "User"}]}],
            "empty": [], "emptyMap": {},
            "nested": {"a": {"b": [1, 2]}},
        });
        let text = to_yaml(&v);
        let (root, problems) = parse(&text);
        assert!(problems.is_empty(), "{problems:?}\n{text}");
        assert_eq!(back(&root.unwrap()), v, "\n{text}");
        assert!(text.contains("query: |-\n  let x = 1;\n"), "{text}");
    }
}
