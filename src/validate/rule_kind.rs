//! Checks that depend on a detection's `kind`: which keys the kind takes, and the fields of the
//! kinds without a query (Fusion, MicrosoftSecurityIncidentCreation, MLBehaviorAnalytics,
//! ThreatIntelligence).
//!
//! Input: a loaded rule file and its parsed kind. Output: diagnostics located on the key.
//! The lists of keys per kind are `crate::schema::{QUERY_ONLY_KEYS, INCIDENT_CREATION_KEYS}`, so
//! the editor schema and these checks agree.

use crate::diag::Diagnostic;
use crate::diag::codes;
use crate::load::Loaded;
use crate::model::RuleKind;
use crate::model::rule::{PRODUCTS, SEVERITIES};
use crate::schema::{INCIDENT_CREATION_KEYS, QUERY_ONLY_KEYS, YamlRule};

/// Fusion's one built-in template (Microsoft's `GetFusionAlertRule.json` example).
pub const FUSION_TEMPLATE: &str = "f71aba3d-28fb-450b-b192-4e76a83015c8";

fn key_error(
    out: &mut Vec<Diagnostic>,
    loaded: &Loaded<YamlRule>,
    key: &str,
    message: String,
    help: String,
) {
    let span = loaded
        .doc
        .key_span(&[key])
        .unwrap_or_else(|| loaded.span(&[key]));
    out.push(
        Diagnostic::error(codes::KIND_FIELD, loaded.file, message)
            .at(span)
            .help(help),
    );
}

/// Query rules (Scheduled, NRT): the keys of the other kinds are refused.
pub fn check_query_rule(out: &mut Vec<Diagnostic>, loaded: &Loaded<YamlRule>, kind: RuleKind) {
    let present = |k: &str| loaded.doc.get(k).is_some();
    if present("alertRuleTemplateName") {
        key_error(
            out,
            loaded,
            "alertRuleTemplateName",
            format!(
                "`alertRuleTemplateName` does not apply to a {} rule",
                kind.as_str()
            ),
            "it names the template of a Fusion, MLBehaviorAnalytics or ThreatIntelligence rule; a \
             Scheduled rule enabled from a template keeps its live link without it (the rule's `id` \
             is the template id)"
                .into(),
        );
    }
    for key in INCIDENT_CREATION_KEYS.iter().filter(|k| present(k)) {
        key_error(
            out,
            loaded,
            key,
            format!("`{key}` does not apply to a {} rule", kind.as_str()),
            "it is a filter of `kind: MicrosoftSecurityIncidentCreation` rules; remove it".into(),
        );
    }
}

/// Kinds without a query: their required keys, their values, and no key of another kind.
pub fn check(out: &mut Vec<Diagnostic>, loaded: &Loaded<YamlRule>, kind: RuleKind) {
    let present = |k: &str| loaded.doc.get(k).is_some();
    let kind_name = kind.as_str();
    let (refused, why): (Vec<&str>, String) = if kind.is_template_bound() {
        let mut keys: Vec<&str> = QUERY_ONLY_KEYS.to_vec();
        keys.extend_from_slice(INCIDENT_CREATION_KEYS);
        keys.extend(["description", "severity"]);
        (
            keys,
            format!(
                "a {kind_name} rule is switched on from its built-in template, which sets its name, \
                 description, severity, tactics and logic; the file manages only \
                 `alertRuleTemplateName` and `enabled`, so remove the key"
            ),
        )
    } else {
        let mut keys: Vec<&str> = QUERY_ONLY_KEYS.to_vec();
        keys.extend(["alertRuleTemplateName", "severity"]);
        (
            keys,
            "a MicrosoftSecurityIncidentCreation rule has no query: it turns the alerts of \
             `productFilter` (narrowed by `severitiesFilter`, `displayNamesFilter` and \
             `displayNamesExcludeFilter`) into incidents, so remove the key"
                .into(),
        )
    };
    for key in refused.into_iter().filter(|k| present(k)) {
        key_error(
            out,
            loaded,
            key,
            format!("`{key}` does not apply to a {kind_name} rule"),
            why.clone(),
        );
    }
    if kind.is_template_bound() {
        check_template(out, loaded, kind);
    } else {
        check_incident_creation(out, loaded);
    }
}

fn check_template(out: &mut Vec<Diagnostic>, loaded: &Loaded<YamlRule>, kind: RuleKind) {
    let example = if kind == RuleKind::Fusion {
        format!("`alertRuleTemplateName: {FUSION_TEMPLATE}` (Fusion's built-in template)")
    } else {
        "`alertRuleTemplateName: <GUID>` (the portal's Analytics → Rule templates shows it; \
         `sentinelctl import` writes it)"
            .to_string()
    };
    match loaded.raw.alert_rule_template_name.as_deref() {
        None => out.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                loaded.file,
                format!(
                    "missing required key `alertRuleTemplateName` for a {} rule",
                    kind.as_str()
                ),
            )
            .at(0..0)
            .help(format!("add {example}")),
        ),
        Some(t) if !crate::model::names::is_guid(t.trim()) => out.push(
            Diagnostic::error(
                codes::RULE_TEMPLATE,
                loaded.file,
                format!("`{t}` is not a template id"),
            )
            .at(loaded.span(&["alertRuleTemplateName"]))
            .help(format!(
                "built-in templates are named by GUIDs; write {example}"
            )),
        ),
        Some(_) => {}
    }
}

fn check_incident_creation(out: &mut Vec<Diagnostic>, loaded: &Loaded<YamlRule>) {
    let raw = &loaded.raw;
    let filter_error = |out: &mut Vec<Diagnostic>, path: &[&str], message: String, help: String| {
        out.push(
            Diagnostic::error(codes::INCIDENT_FILTER, loaded.file, message)
                .at(loaded.span(path))
                .help(help),
        );
    };
    match raw.product_filter.as_deref() {
        None => out.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                loaded.file,
                "missing required key `productFilter` for a MicrosoftSecurityIncidentCreation rule",
            )
            .at(0..0)
            .help(format!(
                "add `productFilter:` with one of {}",
                list(PRODUCTS)
            )),
        ),
        Some(p) if !PRODUCTS.contains(&p) => {
            let help = crate::diag::suggest(p, PRODUCTS).map_or_else(
                || format!("use one of {}", list(PRODUCTS)),
                |s| format!("did you mean `{s}`?"),
            );
            filter_error(
                out,
                &["productFilter"],
                format!("`{p}` is not a Microsoft security product Sentinel creates incidents for"),
                help,
            );
        }
        Some(_) => {}
    }
    for (i, s) in raw.severities_filter.iter().flatten().enumerate() {
        if !SEVERITIES.contains(&s.as_str()) {
            let help = crate::diag::suggest(s, SEVERITIES).map_or_else(
                || "use Informational, Low, Medium or High".to_string(),
                |x| format!("did you mean `{x}`?"),
            );
            filter_error(
                out,
                &["severitiesFilter", &i.to_string()],
                format!("`{s}` is not a severity"),
                help,
            );
        }
    }
    for key in ["displayNamesFilter", "displayNamesExcludeFilter"] {
        let names = if key == "displayNamesFilter" {
            &raw.display_names_filter
        } else {
            &raw.display_names_exclude_filter
        };
        for (i, n) in names.iter().flatten().enumerate() {
            if n.trim().is_empty() {
                filter_error(
                    out,
                    &[key, &i.to_string()],
                    format!("`{key}` holds an empty alert name"),
                    "write the alert's display name as the product raises it, or remove the entry"
                        .into(),
                );
            }
        }
    }
    let len = |s: &str| s.chars().count();
    if let Some(d) = raw.description.as_deref().filter(|d| len(d) > 5000) {
        out.push(
            Diagnostic::error(
                codes::FIELD_LIMIT,
                loaded.file,
                format!("`description` has {} characters, more than 5000", len(d)),
            )
            .at(loaded.span(&["description"])),
        );
    }
}

fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
