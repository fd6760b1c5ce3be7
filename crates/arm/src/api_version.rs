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

/// `Microsoft.SecurityInsights/alertRules`. Preview on purpose: the newest stable (2025-12-01) has only
/// the `Scheduled`, `Fusion` and `MicrosoftSecurityIncidentCreation` kinds, and rejects `NRT`,
/// `subTechniques` and `sentinelEntitiesMappings`, which detections written in the community format use.
/// 2025-04-01-preview is the newest preview whose full contract (with NRT examples) we hold.
pub const ALERT_RULES: &str = "2025-04-01-preview";

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
        ("microsoft.operationalinsights", ["workspaces", "savedsearches", ..]) => {
            Some(SAVED_SEARCHES)
        }
        ("microsoft.operationalinsights", ["workspaces"]) => Some(WORKSPACES),
        ("microsoft.insights", ["workbooks", ..]) => Some(WORKBOOKS),
        _ => None,
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
    fn unknown_types_have_no_version() {
        assert_eq!(for_path(&format!("{WS}/tables/T_CL")), None);
        assert_eq!(for_path("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(
            for_path(&format!(
                "{WS}/providers/Microsoft.SecurityInsights/watchlists/w"
            )),
            None
        );
    }
}
