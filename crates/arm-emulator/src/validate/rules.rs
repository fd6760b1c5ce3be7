//! Service-side limits the swagger does not state, taken from Microsoft's documentation of analytics
//! rules (query frequency and lookback 5 minutes to 14 days, up to 10 entity mappings with up to 3
//! identifiers each, up to 20 custom details, grouping lookback up to 7 days, suppression 5 minutes to
//! 24 hours) and the Sentinel content limits (display name 256, description 5000, query 10000
//! characters). Workbook names must be GUIDs.

use serde_json::Value;

use super::schema::{Issue, parse_duration};

fn issue(target: &str, message: String) -> Issue {
    Issue {
        code: "InvalidValue",
        target: target.to_string(),
        message,
    }
}

fn max_chars(p: &Value, key: &str, max: usize, out: &mut Vec<Issue>) {
    if let Some(s) = p.get(key).and_then(Value::as_str) {
        let n = s.chars().count();
        if n > max {
            out.push(issue(
                &format!("properties.{key}"),
                format!("'{key}' is {n} characters long; the maximum is {max}."),
            ));
        }
    }
}

fn duration_range(
    p: &Value,
    path: &str,
    key: &str,
    min_s: f64,
    max_s: f64,
    human: &str,
    out: &mut Vec<Issue>,
) {
    if let Some(secs) = p.get(key).and_then(Value::as_str).and_then(parse_duration)
        && (secs < min_s || secs > max_s)
    {
        out.push(issue(
            &format!("{path}.{key}"),
            format!("'{key}' must be between {human}."),
        ));
    }
}

/// Alert rules (after schema validation).
pub(crate) fn alert_rule(body: &Value) -> Vec<Issue> {
    let mut out = Vec::new();
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(p) = body.get("properties") else {
        return out;
    };
    if !matches!(kind, "Scheduled" | "NRT") {
        return out;
    }
    max_chars(p, "displayName", 256, &mut out);
    max_chars(p, "description", 5000, &mut out);
    max_chars(p, "query", 10_000, &mut out);
    if kind == "Scheduled" {
        duration_range(
            p,
            "properties",
            "queryFrequency",
            300.0,
            14.0 * 86400.0,
            "5 minutes and 14 days",
            &mut out,
        );
        duration_range(
            p,
            "properties",
            "queryPeriod",
            300.0,
            14.0 * 86400.0,
            "5 minutes and 14 days",
            &mut out,
        );
    }
    duration_range(
        p,
        "properties",
        "suppressionDuration",
        300.0,
        86400.0,
        "5 minutes and 24 hours",
        &mut out,
    );
    if let Some(g) = p.pointer("/incidentConfiguration/groupingConfiguration") {
        duration_range(
            g,
            "properties.incidentConfiguration.groupingConfiguration",
            "lookbackDuration",
            300.0,
            7.0 * 86400.0,
            "5 minutes and 7 days",
            &mut out,
        );
    }
    if let Some(em) = p.get("entityMappings").and_then(Value::as_array) {
        if em.len() > 10 {
            out.push(issue(
                "properties.entityMappings",
                format!(
                    "A rule can have at most 10 entity mappings; got {}.",
                    em.len()
                ),
            ));
        }
        for (i, m) in em.iter().enumerate() {
            if let Some(f) = m.get("fieldMappings").and_then(Value::as_array)
                && f.len() > 3
            {
                out.push(issue(
                    &format!("properties.entityMappings[{i}].fieldMappings"),
                    format!(
                        "An entity mapping can have at most 3 identifiers; got {}.",
                        f.len()
                    ),
                ));
            }
        }
    }
    if let Some(cd) = p.get("customDetails").and_then(Value::as_object)
        && cd.len() > 20
    {
        out.push(issue(
            "properties.customDetails",
            format!(
                "A rule can have at most 20 custom details; got {}.",
                cd.len()
            ),
        ));
    }
    out
}

/// Workbooks.
pub(crate) fn workbook(name: &str) -> Vec<Issue> {
    if crate::guid::is_guid(name) {
        Vec::new()
    } else {
        vec![issue(
            "name",
            format!("The workbook name '{name}' is invalid: the resource name must be a GUID."),
        )]
    }
}
