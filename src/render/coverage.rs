//! Coverage outputs: a MITRE ATT&CK Navigator layer (the JSON the Navigator loads, layer format 4.5)
//! and a markdown table for a README or a pull request.

use std::io::{self, Write};

use serde_json::json;

use crate::coverage::Coverage;
use crate::escape::md;

/// Navigator tactic short names (`credential-access`) from Sentinel's (`CredentialAccess`).
/// What follows a name: ` (disabled)`, ` (hunting query)`, or nothing.
fn label(r: &crate::coverage::RuleRef) -> &'static str {
    match (r.enabled, r.is_hunting()) {
        (false, _) => " (disabled)",
        (true, true) => " (hunting query)",
        (true, false) => "",
    }
}

fn tactic_shortname(tactic: &str) -> String {
    let mut out = String::new();
    for (i, c) in tactic.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The Navigator layer.
pub fn layer(out: &mut dyn Write, cov: &Coverage) -> io::Result<()> {
    let mut techniques = Vec::new();
    for (id, t) in &cov.techniques {
        let covered = t.covered();
        let names: Vec<String> = t
            .rules
            .iter()
            .map(|r| format!("{}{}", r.name, label(r)))
            .collect();
        for tactic in &t.tactics {
            techniques.push(json!({
                "techniqueID": id,
                "tactic": tactic_shortname(tactic),
                "score": if covered { t.rules.iter().filter(|r| r.enabled).count() } else { 0 },
                "color": if covered { "" } else { "#d3d3d3" },
                "comment": names.join("; "),
                "enabled": true,
                "metadata": [{"name": "rules", "value": names.join("; ")}],
                "showSubtechniques": false,
            }));
        }
    }
    let doc = json!({
        "name": format!("sentinelctl coverage: {}", cov.scope),
        "versions": {"attack": "16", "navigator": "5.1.0", "layer": "4.5"},
        "domain": "enterprise-attack",
        "description": format!("Techniques covered by the analytics rules of {} (score: enabled rules; grey: only disabled rules)", cov.scope),
        "techniques": techniques,
        "gradient": {"colors": ["#ffe766", "#8ec843"], "minValue": 0, "maxValue": 3},
        "legendItems": [
            {"label": "covered by enabled rules", "color": "#8ec843"},
            {"label": "only disabled rules", "color": "#d3d3d3"}
        ],
        "hideDisabled": false,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// A markdown table, one row per technique.
pub fn markdown(out: &mut dyn Write, cov: &Coverage) -> io::Result<()> {
    let covered = cov.techniques.values().filter(|t| t.covered()).count();
    writeln!(
        out,
        "### ATT&CK coverage: {}\n\n{covered} techniques covered by enabled rules or hunting queries, {} only by disabled rules.\n\n| technique | tactics | rules |\n|---|---|---|",
        md(&cov.scope),
        cov.techniques.len() - covered
    )?;
    for (id, t) in &cov.techniques {
        let rules: Vec<String> = t
            .rules
            .iter()
            .map(|r| {
                if r.enabled {
                    format!("{}{}", md(&r.name), label(r))
                } else {
                    format!("~~{}~~{}", md(&r.name), label(r))
                }
            })
            .collect();
        writeln!(
            out,
            "| [{id}](https://attack.mitre.org/techniques/{}/) | {} | {} |",
            id.replace('.', "/"),
            md(&t.tactics.join(", ")),
            rules.join("<br>")
        )?;
    }
    Ok(())
}
