//! Pinned ARM api-versions, one per resource type sentinelctl manages, and the lookup from a request
//! path to the version it must carry.
//!
//! Owns: the version constants (each with the reason it was chosen) and [`for_path`], which reads the
//! resource type from the last `/providers/{namespace}/...` section of a path.
//!
//! Does not: build URLs (`address.rs`) or append the query parameter (`request_url.rs`). A `nextLink`
//! already carries its api-version and is never rewritten.
//!
//! Invariant: every path `address.rs` builds resolves to `Some(version)` here (tested there).

/// `Microsoft.SecurityInsights/alertRules`, preview: the only contract with `NRT`,
/// `MLBehaviorAnalytics` and `ThreatIntelligence` rules and the `subTechniques` /
/// `sentinelEntitiesMappings` fields detections in the community format use. 2025-04-01-preview is the
/// newest preview whose full contract (with NRT examples) we hold (NOTES §1).
pub const ALERT_RULES_PREVIEW: &str = "2025-04-01-preview";

/// `Microsoft.SecurityInsights/alertRules`, stable: `Scheduled`, `Fusion` and
/// `MicrosoftSecurityIncidentCreation` only, without the preview-only fields.
pub const ALERT_RULES_STABLE: &str = "2025-12-01";

/// The api-version for alert-rule reads (LIST/GET): the preview, a superset of the stable contract,
/// so one LIST returns every kind with every field. Writes pick per rule: [`for_alert_rule_body`].
pub const ALERT_RULES: &str = ALERT_RULES_PREVIEW;

/// `Microsoft.SecurityInsights/metadata`. Stable on purpose: metadata has no preview-only field we need,
/// stable 2025-12-01 is the contract we hold (and validate traffic against), and each request carries its
/// own api-version, so it need not match the alert rules' preview.
pub const METADATA: &str = "2025-12-01";

/// `Microsoft.OperationalInsights/workspaces/savedSearches` (saved functions and parsers). 2025-02-01 is
/// the newest stable whose split-file contract we hold; 2025-07-01 has the same savedSearch shape.
pub const SAVED_SEARCHES: &str = "2025-02-01";

/// `Microsoft.OperationalInsights/workspaces` itself (existence check, resource id). Same RP version as
/// saved searches so one OperationalInsights contract covers both.
pub const WORKSPACES: &str = "2025-02-01";

/// `Microsoft.SecurityInsights/alertRuleTemplates` (read-only; stable 2025-12-01).
pub const ALERT_RULE_TEMPLATES: &str = "2025-12-01";

/// `Microsoft.OperationalInsights/workspaces/tables` (table schemas, custom `_CL` tables). The
/// 2025-02-01 split-file contract and its examples are what we hold (NOTES §9, §17).
pub const TABLES: &str = "2025-02-01";

/// `Microsoft.SecurityInsights/watchlists` and their `watchlistItems` (stable 2025-12-01, NOTES §7.1,
/// §15).
pub const WATCHLISTS: &str = "2025-12-01";

/// `Microsoft.SecurityInsights/automationRules` (stable 2025-12-01, NOTES §14).
pub const AUTOMATION_RULES: &str = "2025-12-01";

/// `Microsoft.SecurityInsights/onboardingStates` (is Sentinel enabled on the workspace; `doctor`).
/// The stable version the onboarding-state REST reference documents alongside the others we pin.
pub const ONBOARDING_STATES: &str = "2024-03-01";

/// `Microsoft.Authorization/permissions` (what the caller may do at a scope; `doctor`): the
/// version Microsoft's SDKs default to for Permissions - List For Resource.
pub const PERMISSIONS: &str = "2022-04-01";

/// `Microsoft.Insights/workbooks`. 2023-06-01 is the newest stable workbooks contract and what
/// Microsoft's own SDKs send.
pub const WORKBOOKS: &str = "2023-06-01";

/// The api-version a request to `path` must carry, or `None` for a resource type this crate does not
/// manage. `path` is an ARM path (no scheme/host); the query string, if any, is ignored.
pub fn for_path(path: &str) -> Option<&'static str> {
    let path = path
        .split('?')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (_, tail) = path.rsplit_once("/providers/")?;
    let mut segments = tail.split('/').filter(|s| !s.is_empty());
    let namespace = segments.next()?;
    // Resource types are the 1st, 3rd, 5th... segments after the namespace; names sit between them.
    let types: Vec<&str> = segments.step_by(2).collect();
    match (namespace, types.as_slice()) {
        ("microsoft.securityinsights", ["alertrules", ..]) => Some(ALERT_RULES),
        ("microsoft.securityinsights", ["metadata", ..]) => Some(METADATA),
        ("microsoft.securityinsights", ["alertruletemplates", ..]) => Some(ALERT_RULE_TEMPLATES),
        ("microsoft.securityinsights", ["watchlists", ..]) => Some(WATCHLISTS),
        ("microsoft.securityinsights", ["automationrules", ..]) => Some(AUTOMATION_RULES),
        ("microsoft.securityinsights", ["onboardingstates", ..]) => Some(ONBOARDING_STATES),
        ("microsoft.authorization", ["permissions"]) => Some(PERMISSIONS),
        ("microsoft.operationalinsights", ["workspaces", "tables", ..]) => Some(TABLES),
        ("microsoft.operationalinsights", ["workspaces", "savedsearches", ..]) => {
            Some(SAVED_SEARCHES)
        }
        ("microsoft.operationalinsights", ["workspaces"]) => Some(WORKSPACES),
        ("microsoft.insights", ["workbooks", ..]) => Some(WORKBOOKS),
        _ => None,
    }
}

/// The api-version for an alert-rule kind when nothing else is known: stable for the kinds the stable
/// contract has, preview for the rest (NRT, MLBehaviorAnalytics, ThreatIntelligence, unknown kinds).
pub fn for_alert_rule_kind(kind: &str) -> &'static str {
    match kind {
        "Scheduled" | "Fusion" | "MicrosoftSecurityIncidentCreation" => ALERT_RULES_STABLE,
        _ => ALERT_RULES_PREVIEW,
    }
}

/// The api-version a PUT of this alert-rule body must carry: the kind's version
/// ([`for_alert_rule_kind`]), raised to the preview when the body sets a property only the preview
/// contract has for that kind ([`crate::resources::alert_rule::PREVIEW_ONLY`]).
pub fn for_alert_rule_body(body: &serde_json::Value) -> &'static str {
    let kind = body
        .get("kind")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    let version = for_alert_rule_kind(kind);
    if version == ALERT_RULES_PREVIEW {
        return version;
    }
    let preview_only = crate::resources::alert_rule::PREVIEW_ONLY
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[][..], |(_, props)| *props);
    let uses_preview = preview_only.iter().any(|p| {
        body.get("properties")
            .and_then(|props| props.get(*p))
            .is_some_and(|v| !v.is_null())
    });
    if uses_preview {
        ALERT_RULES_PREVIEW
    } else {
        version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str =
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w";

    #[test]
    fn picks_the_version_from_the_last_provider_section() {
        let si = format!("{WS}/providers/Microsoft.SecurityInsights");
        assert_eq!(for_path(&format!("{si}/alertRules")), Some(ALERT_RULES));
        assert_eq!(for_path(&format!("{si}/alertRules/abc")), Some(ALERT_RULES));
        assert_eq!(
            for_path(&format!("{si}/metadata/x?$filter=a")),
            Some(METADATA)
        );
        assert_eq!(
            for_path(&format!("{WS}/savedSearches/f")),
            Some(SAVED_SEARCHES)
        );
        assert_eq!(
            for_path(&format!("{WS}/savedsearches")),
            Some(SAVED_SEARCHES)
        );
        assert_eq!(for_path(WS), Some(WORKSPACES));
        assert_eq!(
            for_path(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/workbooks?category=sentinel"
            ),
            Some(WORKBOOKS)
        );
    }

    #[test]
    fn tables_watchlists_and_automation_rules_have_their_versions() {
        let si = format!("{WS}/providers/Microsoft.SecurityInsights");
        assert_eq!(for_path(&format!("{WS}/tables/T_CL")), Some(TABLES));
        assert_eq!(for_path(&format!("{WS}/tables")), Some("2025-02-01"));
        assert_eq!(
            for_path(&format!("{si}/watchlists/vip/watchlistItems/1")),
            Some("2025-12-01")
        );
        assert_eq!(
            for_path(&format!("{si}/automationRules/a")),
            Some("2025-12-01")
        );
    }

    #[test]
    fn unknown_types_have_no_version() {
        assert_eq!(for_path("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(
            for_path(&format!(
                "{WS}/providers/Microsoft.SecurityInsights/incidents/i"
            )),
            None
        );
        assert_eq!(for_path(&format!("{WS}/dataSources/d")), None);
    }

    #[test]
    fn alert_rule_writes_pick_the_version_per_kind_and_fields() {
        use serde_json::json;
        assert_eq!(for_alert_rule_kind("Scheduled"), "2025-12-01");
        assert_eq!(for_alert_rule_kind("NRT"), "2025-04-01-preview");
        assert_eq!(
            for_alert_rule_kind("MLBehaviorAnalytics"),
            ALERT_RULES_PREVIEW
        );
        assert_eq!(for_alert_rule_kind("SomethingNew"), ALERT_RULES_PREVIEW);
        let plain =
            json!({"kind": "Scheduled", "properties": {"query": "T", "subTechniques": null}});
        assert_eq!(for_alert_rule_body(&plain), ALERT_RULES_STABLE);
        let sub = json!({"kind": "Scheduled", "properties": {"subTechniques": ["T1078.004"]}});
        assert_eq!(for_alert_rule_body(&sub), ALERT_RULES_PREVIEW);
        let nrt = json!({"kind": "NRT", "properties": {}});
        assert_eq!(for_alert_rule_body(&nrt), ALERT_RULES_PREVIEW);
        let fusion = json!({"kind": "Fusion", "properties": {"enabled": true}});
        assert_eq!(for_alert_rule_body(&fusion), ALERT_RULES_STABLE);
        assert_eq!(for_alert_rule_body(&json!({})), ALERT_RULES_PREVIEW);
    }
}
