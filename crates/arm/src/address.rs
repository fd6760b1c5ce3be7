//! Where things live in ARM: [`WorkspaceRef`] and the paths of every collection and item sentinelctl
//! reads or writes (alert rules and their templates, metadata, saved searches, workbooks, tables,
//! watchlists and their items, automation rules, the workspace itself).
//!
//! Owns: path construction, with each caller-supplied name percent-encoded as one path segment.
//!
//! Does not: add the scheme/host or the `api-version` (the client does both, see `request_url.rs` and
//! `api_version.rs`), validate that names follow ARM's patterns (the model layer does), or do I/O.
//!
//! Invariants: every path starts with `/subscriptions/`; every path built here maps to a pinned
//! api-version through [`crate::api_version::for_path`] (an alert rule written with another version
//! carries it explicitly, see [`WorkspaceRef::alert_rule_at`]); workbook collections always carry
//! `category=sentinel`, the workspace's `sourceId` and `canFetchContent=true` so one LIST returns
//! the `serializedData` of every workbook (no N GETs).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters escaped inside one path segment: controls, space, and the URL delimiters.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Characters escaped inside one query value (form-style, stricter than a path segment).
const QUERY_VALUE: &AsciiSet = &SEGMENT.add(b'&').add(b'=').add(b'+').add(b';').add(b':');

fn seg(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// A Log Analytics workspace with Microsoft Sentinel enabled: the scope of every Sentinel resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkspaceRef {
    /// Subscription id (a GUID).
    pub subscription_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Workspace name.
    pub workspace: String,
}

impl WorkspaceRef {
    /// Builds a reference from its three parts.
    pub fn new(
        subscription_id: impl Into<String>,
        resource_group: impl Into<String>,
        workspace: impl Into<String>,
    ) -> Self {
        Self {
            subscription_id: subscription_id.into(),
            resource_group: resource_group.into(),
            workspace: workspace.into(),
        }
    }

    /// `/subscriptions/{s}/resourceGroups/{rg}`.
    pub fn resource_group_path(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}",
            seg(&self.subscription_id),
            seg(&self.resource_group)
        )
    }

    /// The workspace's ARM id: `.../providers/Microsoft.OperationalInsights/workspaces/{ws}`.
    pub fn workspace_path(&self) -> String {
        format!(
            "{}/providers/Microsoft.OperationalInsights/workspaces/{}",
            self.resource_group_path(),
            seg(&self.workspace)
        )
    }

    fn security_insights(&self) -> String {
        format!(
            "{}/providers/Microsoft.SecurityInsights",
            self.workspace_path()
        )
    }

    /// Collection of analytics rules.
    pub fn alert_rules(&self) -> String {
        format!("{}/alertRules", self.security_insights())
    }

    /// One analytics rule; `rule_id` is usually the rule's GUID.
    pub fn alert_rule(&self, rule_id: &str) -> String {
        format!("{}/{}", self.alert_rules(), seg(rule_id))
    }

    /// One analytics rule at an explicit api-version, for writes:
    /// `ws.alert_rule_at(id, rule.api_version())` (see [`crate::api_version::for_alert_rule_body`]).
    pub fn alert_rule_at(&self, rule_id: &str, api_version: &str) -> String {
        format!(
            "{}?api-version={}",
            self.alert_rule(rule_id),
            utf8_percent_encode(api_version, QUERY_VALUE)
        )
    }

    /// Collection of analytics rule templates (Content hub and built-in).
    pub fn alert_rule_templates(&self) -> String {
        format!("{}/alertRuleTemplates", self.security_insights())
    }

    /// One analytics rule template.
    pub fn alert_rule_template(&self, template_id: &str) -> String {
        format!("{}/{}", self.alert_rule_templates(), seg(template_id))
    }

    /// Collection of watchlists (paged).
    pub fn watchlists(&self) -> String {
        format!("{}/watchlists", self.security_insights())
    }

    /// One watchlist, by alias. PUT and DELETE are long-running operations.
    pub fn watchlist(&self, alias: &str) -> String {
        format!("{}/{}", self.watchlists(), seg(alias))
    }

    /// The items of a watchlist (paged).
    pub fn watchlist_items(&self, alias: &str) -> String {
        format!("{}/watchlistItems", self.watchlist(alias))
    }

    /// One watchlist item (the id is a GUID).
    pub fn watchlist_item(&self, alias: &str, item_id: &str) -> String {
        format!("{}/{}", self.watchlist_items(alias), seg(item_id))
    }

    /// Collection of automation rules.
    pub fn automation_rules(&self) -> String {
        format!("{}/automationRules", self.security_insights())
    }

    /// One automation rule (the id is a GUID).
    pub fn automation_rule(&self, rule_id: &str) -> String {
        format!("{}/{}", self.automation_rules(), seg(rule_id))
    }

    /// Sentinel's onboarding state of the workspace (`default`; 404 when Sentinel is not enabled).
    pub fn onboarding_state(&self) -> String {
        format!("{}/onboardingStates/default", self.security_insights())
    }

    /// What the caller may do on the workspace (Permissions - List For Resource).
    pub fn permissions(&self) -> String {
        format!(
            "{}/providers/Microsoft.Authorization/permissions",
            self.workspace_path()
        )
    }

    /// The workspace's tables and their schemas, in one (unpaged) LIST.
    pub fn tables(&self) -> String {
        format!("{}/tables", self.workspace_path())
    }

    /// One table, e.g. `OnePasswordEventLogs_CL`. PUT and DELETE are long-running operations.
    pub fn table(&self, name: &str) -> String {
        format!("{}/{}", self.tables(), seg(name))
    }

    /// Collection of Sentinel content metadata.
    pub fn metadata_collection(&self) -> String {
        format!("{}/metadata", self.security_insights())
    }

    /// One metadata item.
    pub fn metadata(&self, name: &str) -> String {
        format!("{}/{}", self.metadata_collection(), seg(name))
    }

    /// Collection of saved searches (functions and parsers). Not pageable in ARM: one page only.
    pub fn saved_searches(&self) -> String {
        format!("{}/savedSearches", self.workspace_path())
    }

    /// One saved search.
    pub fn saved_search(&self, name: &str) -> String {
        format!("{}/{}", self.saved_searches(), seg(name))
    }

    /// Sentinel workbooks linked to this workspace, with content, in one (paged) LIST.
    pub fn workbooks(&self) -> String {
        self.workbooks_in("sentinel")
    }

    /// The workbooks of this workspace in one category (the LIST requires a category: `sentinel`,
    /// or one of the contract's `workbook`, `TSG`, `performance`, `retention`).
    pub fn workbooks_in(&self, category: &str) -> String {
        let source = utf8_percent_encode(&self.workspace_path(), QUERY_VALUE).to_string();
        let category = utf8_percent_encode(category, QUERY_VALUE);
        format!(
            "{}?category={category}&sourceId={source}&canFetchContent=true",
            self.workbooks_base()
        )
    }

    /// One workbook (resource-group scoped; the name is a GUID).
    pub fn workbook(&self, name: &str) -> String {
        format!("{}/{}", self.workbooks_base(), seg(name))
    }

    fn workbooks_base(&self) -> String {
        format!(
            "{}/providers/Microsoft.Insights/workbooks",
            self.resource_group_path()
        )
    }
}

/// The subscription id a path belongs to (`/subscriptions/{id}/...`), lowercased so the client's
/// per-subscription concurrency limit is case-insensitive like ARM.
pub fn subscription_of(path: &str) -> Option<String> {
    let mut parts = path.split('/').filter(|s| !s.is_empty());
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("subscriptions") {
            return parts.next().map(str::to_ascii_lowercase);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_version;

    fn ws() -> WorkspaceRef {
        WorkspaceRef::new("00000000-0000-0000-0000-000000000001", "rg-sec", "law-prod")
    }

    #[test]
    fn builds_the_documented_paths() {
        let w = ws();
        let base = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-sec";
        let law = format!("{base}/providers/Microsoft.OperationalInsights/workspaces/law-prod");
        assert_eq!(w.workspace_path(), law);
        assert_eq!(
            w.alert_rule("r1"),
            format!("{law}/providers/Microsoft.SecurityInsights/alertRules/r1")
        );
        assert_eq!(
            w.metadata("m"),
            format!("{law}/providers/Microsoft.SecurityInsights/metadata/m")
        );
        assert_eq!(w.saved_search("f"), format!("{law}/savedSearches/f"));
        assert_eq!(
            w.workbook("g"),
            format!("{base}/providers/Microsoft.Insights/workbooks/g")
        );
        let list = w.workbooks();
        assert!(list.starts_with(&format!("{base}/providers/Microsoft.Insights/workbooks?category=sentinel&sourceId=%2Fsubscriptions%2F")));
        assert!(list.ends_with("workspaces%2Flaw-prod&canFetchContent=true"));
    }

    #[test]
    fn builds_the_new_resource_paths() {
        let w = ws();
        let si = format!(
            "{}/providers/Microsoft.SecurityInsights",
            w.workspace_path()
        );
        assert_eq!(
            w.watchlist_item("vip users", "id-1"),
            format!("{si}/watchlists/vip%20users/watchlistItems/id-1")
        );
        assert_eq!(w.automation_rule("a"), format!("{si}/automationRules/a"));
        assert_eq!(
            w.alert_rule_template("t"),
            format!("{si}/alertRuleTemplates/t")
        );
        assert_eq!(
            w.table("OnePasswordEventLogs_CL"),
            format!("{}/tables/OnePasswordEventLogs_CL", w.workspace_path())
        );
        assert_eq!(
            w.alert_rule_at("r", api_version::ALERT_RULES_STABLE),
            format!("{si}/alertRules/r?api-version=2025-12-01")
        );
    }

    #[test]
    fn names_are_encoded_as_one_segment() {
        let w = ws();
        assert!(
            w.saved_search("a/b c?d")
                .ends_with("/savedSearches/a%2Fb%20c%3Fd")
        );
    }

    #[test]
    fn every_built_path_has_a_pinned_api_version() {
        let w = ws();
        let cases = [
            (w.alert_rules(), api_version::ALERT_RULES),
            (w.alert_rule("x"), api_version::ALERT_RULES),
            (w.metadata_collection(), api_version::METADATA),
            (w.metadata("x"), api_version::METADATA),
            (w.saved_searches(), api_version::SAVED_SEARCHES),
            (w.saved_search("x"), api_version::SAVED_SEARCHES),
            (w.workbooks(), api_version::WORKBOOKS),
            (w.workbook("x"), api_version::WORKBOOKS),
            (w.workspace_path(), api_version::WORKSPACES),
            (w.tables(), api_version::TABLES),
            (w.table("T_CL"), api_version::TABLES),
            (w.watchlists(), api_version::WATCHLISTS),
            (w.watchlist("vip"), api_version::WATCHLISTS),
            (w.watchlist_items("vip"), api_version::WATCHLISTS),
            (w.watchlist_item("vip", "i"), api_version::WATCHLISTS),
            (w.automation_rules(), api_version::AUTOMATION_RULES),
            (w.automation_rule("a"), api_version::AUTOMATION_RULES),
            (w.onboarding_state(), api_version::ONBOARDING_STATES),
            (w.permissions(), api_version::PERMISSIONS),
            (w.alert_rule_templates(), api_version::ALERT_RULE_TEMPLATES),
            (
                w.alert_rule_template("t"),
                api_version::ALERT_RULE_TEMPLATES,
            ),
        ];
        for (path, version) in cases {
            assert_eq!(api_version::for_path(&path), Some(version), "{path}");
        }
    }

    #[test]
    fn finds_the_subscription() {
        assert_eq!(
            subscription_of(&ws().alert_rules()).as_deref(),
            Some("00000000-0000-0000-0000-000000000001")
        );
        assert_eq!(
            subscription_of("/Subscriptions/ABC/x").as_deref(),
            Some("abc")
        );
        assert_eq!(subscription_of("/providers/x"), None);
    }
}
