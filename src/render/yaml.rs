//! The YAML writer for every file sentinelctl generates: imported content, promotion lock files
//! and the Security Copilot plugin manifest.
//!
//! Writes block style from a `serde_json::Value` in key order (two-space indentation, sequences
//! indented under their key, as Microsoft's samples and Azure-Sentinel files are laid out), with
//! literal block scalars for multi-line text such as KQL, so files read like hand-written ones.
//!
//! Scalar style, most readable first, falling back when a style could change the value:
//! 1. plain, when the text cannot be read as anything but the same string (no indicator first,
//!    no `: ` or ` #`, not a boolean, null, number or date in YAML 1.1 or 1.2);
//! 2. literal block (`|-`, `|`, `|+`), for multi-line text that round-trips exactly;
//! 3. single-quoted (`''` escapes a quote), for one-line printable text;
//! 4. double-quoted with JSON escapes, for everything else (JSON strings are valid YAML).
//!
//! Invariant: the project's YAML loader reads the output back to the same value (tested).

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// Writes `value` (normally a mapping) as a YAML document ending in a line break.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Value::Array(a) if !a.is_empty() => write_seq(&mut out, a, 0),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_key(out: &mut String, key: &str) {
    write_scalar(out, &Value::String(key.to_string()), 0);
    out.push(':');
}

fn write_map(out: &mut String, entries: &serde_json::Map<String, Value>, indent: usize) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        write_key(out, key);
        write_value(out, value, indent);
    }
}

fn write_seq(out: &mut String, items: &[Value], indent: usize) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            Value::Object(m) if !m.is_empty() => write_map(out, m, indent + 2),
            Value::Array(inner) if !inner.is_empty() => write_seq(out, inner, indent + 2),
            scalar => {
                write_scalar(out, scalar, indent + 2);
                out.push('\n');
            }
        }
    }
}

/// Writes what follows `key:` (the rest of the line and any nested lines).
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            write_map(out, m, indent + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            write_seq(out, items, indent + 2);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, indent + 2);
            out.push('\n');
        }
    }
}

/// Writes a scalar (or an empty collection) without the final line break. `indent` is the
/// indentation of block scalar content.
fn write_scalar(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) if is_plain(s) => out.push_str(s),
        Value::String(s) if fits_literal_block(s) => write_literal_block(out, s, indent),
        Value::String(s) if fits_single_quoted(s) => {
            out.push('\'');
            out.push_str(&s.replace('\'', "''"));
            out.push('\'');
        }
        Value::String(s) => {
            // serde_json escapes `"`, `\` and control characters; the result is valid YAML.
            let _ = write!(out, "{value}");
            let _ = s;
        }
    }
}

fn write_literal_block(out: &mut String, s: &str, indent: usize) {
    let body = s.trim_end_matches('\n');
    let chomp = match s.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    out.push('|');
    out.push_str(chomp);
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
    // `|+` keeps every trailing break: write all but the one `to_string`'s caller adds.
    for _ in 1..(s.len() - body.len()) {
        out.push('\n');
    }
}

/// Characters YAML treats as line breaks or that a block scalar cannot hold verbatim.
fn has_special_break(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
            || (c.is_control() && c != '\n' && c != '\t')
    })
}

/// True when a literal block reproduces `s` exactly.
fn fits_literal_block(s: &str) -> bool {
    let body = s.trim_end_matches('\n');
    if !s.contains('\n') || body.is_empty() || has_special_break(s) {
        return false;
    }
    let mut lines = body.split('\n');
    let first = lines.next().unwrap_or_default();
    // Indentation is detected from the first non-empty line; leading blank lines are fine only
    // when truly empty, and no content line may start with the space or tab that detection eats.
    let first_content = body.split('\n').find(|l| !l.is_empty()).unwrap_or_default();
    !first.starts_with([' ', '\t'])
        && !first_content.starts_with([' ', '\t'])
        && body
            .split('\n')
            .all(|l| l.is_empty() || !l.trim_matches([' ', '\t']).is_empty())
}

fn fits_single_quoted(s: &str) -> bool {
    !s.contains('\n')
        && !has_special_break(s)
        && !s.contains('\t')
        && s.trim_matches(' ').len() == s.len()
}

/// True when `s` can be written without quotes and reads back as the same string.
pub fn is_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.trim() != s || s.contains('\n') || s.contains('\t') || has_special_break(s) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    !looks_typed(s)
}

/// Anything a YAML 1.1 or 1.2 resolver reads as null, a boolean, a number (1.1 also has `0b1`,
/// octal `010`, `1_000` and sexagesimal `12:30`) or a timestamp needs quotes.
fn looks_typed(s: &str) -> bool {
    const WORDS: &[&str] = &[
        "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".nan", ".inf",
    ];
    static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9_]+([eE][-+]?[0-9]+)?|\.inf)$|^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}",
        )
        .expect("regex")
    });
    let lower = s.to_ascii_lowercase();
    WORDS.contains(&lower.as_str()) || NUMBER.is_match(&lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::yaml::{self, Node, Style, Value as Y};
    use serde_json::json;

    /// Emits `{Key: s}` and reads it back with the project's YAML parser.
    fn round_trip(s: &str) -> (String, String) {
        let text = to_yaml(&json!({ "Key": s }));
        let (doc, problems) = yaml::parse(&text);
        assert!(problems.is_empty(), "{text:?}: {problems:?}");
        let doc: Node = doc.expect("a document");
        let Some(Y::Scalar(value, _)) = doc.get("Key").map(|n| n.value.clone()) else {
            panic!("no scalar in {text:?}");
        };
        (text, value)
    }

    #[test]
    fn strings_round_trip_exactly() {
        let cases = [
            "plain words",
            "1Password",
            "",
            " leading space",
            "trailing space ",
            "a: b",
            "x #y",
            "ends:",
            "- dash",
            "'quoted'",
            "\"double\"",
            "{{TenantId}}",
            "line\nbreak",
            "two\nlines\n",
            "keep\n\n\n",
            "\nleading blank",
            "  indented first\nsecond",
            "first\n  indented second",
            "a\n   \nwhitespace-only line",
            "tab\there",
            "cr\r\nlf",
            "bell\u{7}",
            "let x = ```a'b\"c|d;e```;\nF(x)",
            "unicode é ✓",
            "@'verbatim'",
            "|-",
            "*alias",
            "% directive",
        ];
        for s in cases {
            let (text, back) = round_trip(s);
            assert_eq!(back, s, "emitted as {text:?}");
        }
    }

    #[test]
    fn typed_looking_strings_are_quoted() {
        for s in [
            "true",
            "False",
            "yes",
            "No",
            "on",
            "null",
            "~",
            "3.0",
            "20",
            "0x1F",
            "1e3",
            "1E+3",
            "010",
            "0o17",
            "0b101",
            "12:30",
            "190:20:30.15",
            "1_000",
            ".5",
            "+.inf",
            "-.INF",
            ".NaN",
            "2026-11-20",
            "2026-11-20T08:00:00Z",
            "-5h",
            "+1",
        ] {
            assert!(!is_plain(s), "{s} must be quoted");
            assert_eq!(round_trip(s).1, s);
        }
        for s in [
            "None",
            "KQL",
            "Sentinel",
            "rg-sentinel-dev",
            "1Password",
            "7 days",
            "1d",
            "0h",
            "30d",
            "11111111-1111-1111-1111-111111111111",
            "e3",
            "x12:30",
        ] {
            assert!(is_plain(s), "{s} should stay plain");
            assert_eq!(round_trip(s).1, s);
        }
    }

    fn back(node: &Node) -> Value {
        match &node.value {
            Y::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap().to_string(), back(v)))
                    .collect(),
            ),
            Y::Seq(items) => Value::Array(items.iter().map(back).collect()),
            Y::Scalar(_, Style::Plain) if node.is_null() => Value::Null,
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
    fn documents_round_trip_through_the_loader() {
        let v = json!({
            "id": "0b9f1b3e-3a0c-4a62-9d0f-0a3c4f9d2b11",
            "name": "1Password - Vault export: by {{User}}",
            "triggerThreshold": 0,
            "enabled": false,
            "tricky": ["true", "5", "- dash", "a: b", "#x", "it's", "", "null", "  lead", "tab\there"],
            "query": "let x = 1;\nT\n| where a == 'b'\n\n| project a",
            "entityMappings": [{"entityType": "Account", "fieldMappings": [{"identifier": "FullName", "columnName": "User"}]}],
            "empty": [], "emptyMap": {}, "nothing": null,
            "nested": {"a": {"b": [1, 2]}, "Key With Space": "x"},
        });
        let text = to_yaml(&v);
        let (root, problems) = yaml::parse(&text);
        assert!(problems.is_empty(), "{problems:?}\n{text}");
        assert_eq!(back(&root.unwrap()), v, "\n{text}");
        assert!(text.contains("query: |-\n  let x = 1;\n"), "{text}");
    }

    #[test]
    fn layout_matches_microsofts_samples() {
        let doc = json!({
            "Descriptor": {"Name": "X", "SupportedAuthTypes": ["None"]},
            "SkillGroups": [{"Format": "KQL", "Skills": [{"Name": "A", "Required": false, "Template": "T\n| take 1"}]}],
        });
        let expected = "\
Descriptor:
  Name: X
  SupportedAuthTypes:
    - None
SkillGroups:
  - Format: KQL
    Skills:
      - Name: A
        Required: false
        Template: |-
          T
          | take 1
";
        assert_eq!(to_yaml(&doc), expected);
    }
}
