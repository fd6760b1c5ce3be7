//! The built-in templates that template-bound alert rules (Fusion, MLBehaviorAnalytics,
//! ThreatIntelligence) are created from: a rule of these kinds names its template in
//! `alertRuleTemplateName`, and its read-only `displayName`, `description`, `severity`, `tactics` and
//! `techniques` come from that template (AlertRules.json marks them readOnly for these kinds).
//!
//! Sources: Fusion's template is Microsoft's `GetFusionAlertRule.json` example (stable 2025-12-01);
//! the MLBehaviorAnalytics template ids are the ones Microsoft's `New-AzSentinelAlertRule` docs and the
//! azurerm provider docs use (Anomalous SSH / RDP Login Detection), the ThreatIntelligence one the
//! `New-AzSentinelAlertRule` docs use (Microsoft Threat Intelligence Analytics). Their display texts
//! below are the portal's names; no published example gives their other fields, so those are kept
//! short. Owns only this table.

use serde_json::{Value, json};

/// One template.
pub(crate) struct Template {
    pub(crate) kind: &'static str,
    pub(crate) id: &'static str,
    fields: fn() -> Value,
}

/// Fusion's template as Microsoft's example answers it.
const FUSION_EXAMPLE: &str = include_str!(
    "../../specs/specification/securityinsights/resource-manager/Microsoft.SecurityInsights/stable/2025-12-01/examples/alertRules/GetFusionAlertRule.json"
);

fn fusion() -> Value {
    let v: Value = serde_json::from_str(FUSION_EXAMPLE).unwrap_or(Value::Null);
    let p = v
        .pointer("/responses/200/body/properties")
        .cloned()
        .unwrap_or(Value::Null);
    let mut out = serde_json::Map::new();
    for k in [
        "displayName",
        "description",
        "severity",
        "tactics",
        "techniques",
    ] {
        if let Some(v) = p.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    Value::Object(out)
}

fn ssh() -> Value {
    json!({
        "displayName": "(Preview) Anomalous SSH Login Detection",
        "description": "This detection uses machine learning to find anomalous SSH logins to Linux machines from the Syslog data of the workspace.",
        "severity": "Medium",
        "tactics": ["InitialAccess"],
        "techniques": ["T1078"],
    })
}

fn rdp() -> Value {
    json!({
        "displayName": "(Preview) Anomalous RDP Login Detection",
        "description": "This detection uses machine learning to find anomalous RDP logins to Windows machines from the SecurityEvent data of the workspace.",
        "severity": "Medium",
        "tactics": ["InitialAccess"],
        "techniques": ["T1078"],
    })
}

fn ti() -> Value {
    json!({
        "displayName": "(Preview) Microsoft Threat Intelligence Analytics",
        "description": "This rule generates an alert when a Microsoft Threat Intelligence indicator matches your event logs.",
        "severity": "Medium",
        "tactics": ["Persistence", "LateralMovement"],
        "techniques": [],
    })
}

pub(crate) const TEMPLATES: &[Template] = &[
    Template {
        kind: "Fusion",
        id: "f71aba3d-28fb-450b-b192-4e76a83015c8",
        fields: fusion,
    },
    Template {
        kind: "MLBehaviorAnalytics",
        id: "fa118b98-de46-4e94-87f9-8e6d5060b60b",
        fields: ssh,
    },
    Template {
        kind: "MLBehaviorAnalytics",
        id: "737a2ce1-70a3-4968-9e90-3e6aca836abf",
        fields: rdp,
    },
    Template {
        kind: "ThreatIntelligence",
        id: "0dd422ee-e6af-4204-b219-f59ac172e4c6",
        fields: ti,
    },
];

/// Whether rules of `kind` are bound to a built-in template.
pub(crate) fn template_bound(kind: &str) -> bool {
    matches!(
        kind,
        "Fusion" | "MLBehaviorAnalytics" | "ThreatIntelligence"
    )
}

/// The template `id` of `kind`, if there is one.
pub(crate) fn find(kind: &str, id: &str) -> Option<&'static Template> {
    TEMPLATES
        .iter()
        .find(|t| t.kind == kind && t.id.eq_ignore_ascii_case(id))
}

impl Template {
    /// The read-only fields a rule created from this template carries.
    pub(crate) fn fields(&self) -> Value {
        (self.fields)()
    }
}

/// The templates of `kind`, for an error message.
pub(crate) fn ids_of(kind: &str) -> Vec<&'static str> {
    TEMPLATES
        .iter()
        .filter(|t| t.kind == kind)
        .map(|t| t.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_has_its_display_fields() {
        for t in TEMPLATES {
            let f = t.fields();
            for k in [
                "displayName",
                "description",
                "severity",
                "tactics",
                "techniques",
            ] {
                // Microsoft's example Fusion template answers no techniques.
                if !(t.kind == "Fusion" && k == "techniques") {
                    assert!(!f[k].is_null(), "{} {}: {k}", t.kind, t.id);
                }
            }
        }
        assert_eq!(fusion()["severity"], "High");
    }
}
