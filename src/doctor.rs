//! `doctor`'s checks as data, and the judgements that need no I/O: which RBAC actions a role list
//! grants (ARM's wildcard rules), which tables the content reads that a workspace lacks, and
//! whether a feed's last event means missing or delayed data.
//!
//! The checks run in a fixed order ([`CheckId`]); a check whose prerequisite failed is skipped,
//! never guessed. Every failure and warning carries the fix, as the 1Password plugin manual's
//! troubleshooting table does (missing or delayed audit data, connector problems, function
//! registration, workspace permissions).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::desired::DesiredState;

/// The checks, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    /// The login works; which identity it is.
    Login,
    /// The workspace exists.
    Workspace,
    /// Microsoft Sentinel is onboarded on it.
    Sentinel,
    /// The roles the commands need.
    Permissions,
    /// The tables the content reads exist.
    Tables,
    /// The saved functions the skills call are deployed and current.
    Functions,
    /// Connector data is arriving.
    Data,
    /// No analytics rule was disabled by Sentinel or is failing.
    RuleHealth,
}

impl CheckId {
    /// Every check, in order.
    pub const ALL: [Self; 8] = [
        Self::Login,
        Self::Workspace,
        Self::Sentinel,
        Self::Permissions,
        Self::Tables,
        Self::Functions,
        Self::Data,
        Self::RuleHealth,
    ];

    /// What the check looks at, for humans.
    pub fn title(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Workspace => "workspace",
            Self::Sentinel => "Microsoft Sentinel",
            Self::Permissions => "permissions",
            Self::Tables => "tables",
            Self::Functions => "saved functions",
            Self::Data => "data arriving",
            Self::RuleHealth => "analytics rule health",
        }
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Holds.
    Pass,
    /// Holds, with something to look at (delayed data, apply not permitted, no health table).
    Warn,
    /// Does not hold.
    Fail,
    /// Not run: an earlier check it needs failed.
    Skip,
}

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Which check.
    pub id: CheckId,
    /// How it ended.
    pub status: Status,
    /// What was found (one line).
    pub summary: String,
    /// Details, one per line (a table and who reads it, a feed and its volume…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// What to do about a failure or warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// A passing check.
    pub fn pass(id: CheckId, summary: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Pass,
            summary: summary.into(),
            details: Vec::new(),
            fix: None,
        }
    }

    /// A failed check with its fix.
    pub fn fail(id: CheckId, summary: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            id,
            status: Status::Fail,
            summary: summary.into(),
            details: Vec::new(),
            fix: Some(fix.into()),
        }
    }

    /// A warning with what to do.
    pub fn warn(id: CheckId, summary: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            status: Status::Warn,
            ..Self::fail(id, summary, fix)
        }
    }

    /// A check not run because `because` failed.
    pub fn skip(id: CheckId, because: CheckId) -> Self {
        Self {
            id,
            status: Status::Skip,
            summary: format!("not checked: the {} check failed", because.title()),
            details: Vec::new(),
            fix: None,
        }
    }

    /// With details.
    #[must_use]
    pub fn with_details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }
}

/// Every check of one environment.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// Format of the JSON form.
    pub format_version: u32,
    /// Environment name.
    pub environment: String,
    /// Workspace name.
    pub workspace: String,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl DoctorReport {
    /// True when no check failed (warnings and skips of checks that do not apply allowed).
    pub fn healthy(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|c| matches!(c.status, Status::Fail | Status::Skip))
    }
}

/// What the commands need, as RBAC actions on the workspace.
pub mod actions {
    /// `plan`, `drift`, `import`, `promote`: reading every kind sentinelctl manages.
    pub const READ: &[&str] = &[
        "Microsoft.OperationalInsights/workspaces/read",
        "Microsoft.OperationalInsights/workspaces/tables/read",
        "Microsoft.OperationalInsights/workspaces/savedSearches/read",
        "Microsoft.SecurityInsights/alertRules/read",
        "Microsoft.SecurityInsights/metadata/read",
        "Microsoft.SecurityInsights/watchlists/read",
        "Microsoft.SecurityInsights/automationRules/read",
        "Microsoft.Insights/workbooks/read",
    ];
    /// `apply`: writing and deleting them (Microsoft Sentinel Contributor grants all of them where it
    /// is assigned; workbooks live in the resource group, see `docs/ci-setup.md`).
    pub const WRITE: &[&str] = &[
        "Microsoft.OperationalInsights/workspaces/savedSearches/write",
        "Microsoft.OperationalInsights/workspaces/savedSearches/delete",
        "Microsoft.SecurityInsights/alertRules/write",
        "Microsoft.SecurityInsights/alertRules/delete",
        "Microsoft.SecurityInsights/metadata/write",
        "Microsoft.SecurityInsights/metadata/delete",
        "Microsoft.SecurityInsights/watchlists/write",
        "Microsoft.SecurityInsights/watchlists/delete",
        "Microsoft.SecurityInsights/automationRules/write",
        "Microsoft.SecurityInsights/automationRules/delete",
        "Microsoft.Insights/workbooks/write",
        "Microsoft.Insights/workbooks/delete",
    ];
    /// `query --env`, `test --env` and doctor's data checks: the Log Analytics query API.
    pub const QUERY: &[&str] = &["Microsoft.OperationalInsights/workspaces/query/read"];
}

/// One entry of `Microsoft.Authorization/permissions`: what a role assignment grants.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Permission {
    /// Granted actions (`*`, `*/read`, `Microsoft.SecurityInsights/*`…).
    pub actions: Vec<String>,
    /// Actions excluded from `actions`.
    pub not_actions: Vec<String>,
}

/// ARM's action pattern match: case-insensitive, `*` matching any run of characters.
fn pattern_matches(pattern: &str, action: &str) -> bool {
    let (p, a) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == a;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !a.starts_with(first) || a.len() < first.len() + last.len() || !a.ends_with(last) {
        return false;
    }
    let mut rest = &a[first.len()..a.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Whether any entry grants `action` (an entry grants what its `actions` match minus its
/// `notActions`; entries add up, as role assignments do).
pub fn grants(permissions: &[Permission], action: &str) -> bool {
    permissions.iter().any(|p| {
        p.actions.iter().any(|a| pattern_matches(a, action))
            && !p.not_actions.iter().any(|n| pattern_matches(n, action))
    })
}

/// The actions of `needed` that `permissions` does not grant.
pub fn missing<'a>(permissions: &[Permission], needed: &[&'a str]) -> Vec<&'a str> {
    needed
        .iter()
        .copied()
        .filter(|a| !grants(permissions, a))
        .collect()
}

/// Tables the content of `desired` reads, each with the display names of the content that reads it
/// (sorted, table names as the content spells them).
pub fn tables_read(desired: &DesiredState) -> BTreeMap<String, Vec<String>> {
    let mut by_key: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for item in desired.items.values() {
        for t in &item.reads_tables {
            let e = by_key
                .entry(t.to_ascii_lowercase())
                .or_insert_with(|| (t.clone(), Vec::new()));
            e.1.push(item.resource.display_name().to_string());
        }
    }
    by_key
        .into_values()
        .map(|(name, mut readers)| {
            readers.sort();
            readers.dedup();
            (name, readers)
        })
        .collect()
}

/// The fix for a missing table.
pub fn table_fix(table: &str) -> String {
    if table.eq_ignore_ascii_case("OnePasswordEventLogs_CL") {
        "install the 1Password data connector (Content hub → 1Password → Data connectors) and let it \
         ingest once; the table appears with the first events"
            .to_string()
    } else if table.to_ascii_lowercase().ends_with("_cl") {
        format!(
            "install the data connector that writes `{table}`, or create the custom table from \
             `schemas/{table}.json` (Log Analytics → Tables → Create)"
        )
    } else {
        format!(
            "connect the data source that fills `{table}` (Microsoft Sentinel → Data connectors)"
        )
    }
}

/// Feeds the 1Password connector writes to `OnePasswordEventLogs_CL` (its `log_source` values):
/// sign-in attempts, item usages and audit events.
pub const ONEPASSWORD_FEEDS: &[&str] = &["signinattempts", "itemusages", "auditevents"];

/// Older than this, the newest event of a feed means the data is delayed (the connector polls
/// every few minutes).
pub const DELAY_WARNING_SECONDS: i64 = 60 * 60;

/// The data of one feed (or of the whole table when it has no feeds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedData {
    /// `log_source`, or the table name.
    pub feed: String,
    /// Seconds since its newest event.
    pub age_seconds: Option<i64>,
    /// Events in the last 24 hours.
    pub last_day: u64,
    /// Events in the last 7 days.
    pub last_week: u64,
}

/// A human duration: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
pub fn human_age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// The verdict on one table's feeds: fail when nothing arrived in 24 hours (missing audit data),
/// warn when a feed is late or an expected feed is absent.
pub fn judge_data(table: &str, feeds: &[FeedData], expected: &[&str]) -> Check {
    let details: Vec<String> = feeds
        .iter()
        .map(|f| {
            format!(
                "{}: last event {} ago, {} in 24 h, {} in 7 d",
                f.feed,
                f.age_seconds.map_or_else(|| "never".into(), human_age),
                f.last_day,
                f.last_week
            )
        })
        .collect();
    let day: u64 = feeds.iter().map(|f| f.last_day).sum();
    if day == 0 {
        return Check::fail(
            CheckId::Data,
            format!("no events in `{table}` in the last 24 hours (missing audit data)"),
            "check the connector: Microsoft Sentinel → Data connectors → its status and last log \
             received; for 1Password, that the events API bearer token is valid and not expired and \
             the connector's function app runs",
        )
        .with_details(details);
    }
    let late: Vec<&FeedData> = feeds
        .iter()
        .filter(|f| f.age_seconds.is_none_or(|a| a > DELAY_WARNING_SECONDS))
        .collect();
    let absent: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|e| !feeds.iter().any(|f| f.feed.eq_ignore_ascii_case(e)))
        .collect();
    if !late.is_empty() || !absent.is_empty() {
        let mut what = Vec::new();
        if !late.is_empty() {
            let names: Vec<&str> = late.iter().map(|f| f.feed.as_str()).collect();
            what.push(format!(
                "data delay: no event for over {} in {}",
                human_age(DELAY_WARNING_SECONDS),
                names.join(", ")
            ));
        }
        if !absent.is_empty() {
            what.push(format!("no events at all from {}", absent.join(", ")));
        }
        return Check::warn(
            CheckId::Data,
            format!("`{table}`: {}", what.join("; ")),
            "a feed that stopped while others run points at the connector's scope: check the \
             events API token's feeds (sign-in attempts, item usage, audit events) and the \
             connector's last run; ingestion delays of minutes are normal",
        )
        .with_details(details);
    }
    Check::pass(
        CheckId::Data,
        format!("`{table}`: {day} events in the last 24 hours"),
    )
    .with_details(details)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perm(actions: &[&str], not: &[&str]) -> Permission {
        Permission {
            actions: actions.iter().map(|s| (*s).to_string()).collect(),
            not_actions: not.iter().map(|s| (*s).to_string()).collect(),
        }
    }

    #[test]
    fn wildcards_and_not_actions_as_arm_applies_them() {
        let reader = [perm(&["*/read"], &[])];
        assert!(missing(&reader, actions::READ).is_empty());
        assert_eq!(missing(&reader, actions::WRITE).len(), actions::WRITE.len());
        let owner = [perm(&["*"], &[])];
        assert!(missing(&owner, actions::WRITE).is_empty());
        let contributor = [perm(&["*"], &["Microsoft.Authorization/*/Write"])];
        assert!(grants(
            &contributor,
            "Microsoft.SecurityInsights/alertRules/write"
        ));
        assert!(!grants(
            &contributor,
            "microsoft.authorization/roleAssignments/write"
        ));
        // a custom role with Sentinel's and workbook actions but not the saved searches'
        let sentinel = [perm(
            &[
                "Microsoft.SecurityInsights/*",
                "Microsoft.OperationalInsights/workspaces/*/read",
                "Microsoft.Insights/workbooks/*",
            ],
            &[],
        )];
        assert_eq!(
            missing(&sentinel, actions::WRITE),
            vec![
                "Microsoft.OperationalInsights/workspaces/savedSearches/write",
                "Microsoft.OperationalInsights/workspaces/savedSearches/delete"
            ]
        );
        assert!(missing(&[], actions::READ).len() == actions::READ.len());
        assert!(pattern_matches("a*b*c", "aXXbYYc"));
        assert!(!pattern_matches("a*b*c", "aXXcYYb"));
        assert!(!pattern_matches("ab*ba", "aba"));
    }

    fn feed(name: &str, age: i64, day: u64) -> FeedData {
        FeedData {
            feed: name.into(),
            age_seconds: Some(age),
            last_day: day,
            last_week: day * 3,
        }
    }

    #[test]
    fn missing_delayed_and_healthy_data() {
        let t = "OnePasswordEventLogs_CL";
        let none = judge_data(t, &[], ONEPASSWORD_FEEDS);
        assert_eq!(none.status, Status::Fail);
        assert!(none.summary.contains("missing audit data"));
        let ok = judge_data(
            t,
            &[
                feed("signinattempts", 120, 40),
                feed("itemusages", 300, 10),
                feed("auditevents", 900, 2),
            ],
            ONEPASSWORD_FEEDS,
        );
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        assert_eq!(
            ok.details[0],
            "signinattempts: last event 2 min ago, 40 in 24 h, 120 in 7 d"
        );
        let late = judge_data(
            t,
            &[feed("signinattempts", 120, 40), feed("itemusages", 7200, 3)],
            ONEPASSWORD_FEEDS,
        );
        assert_eq!(late.status, Status::Warn);
        assert!(late.summary.contains("data delay"), "{}", late.summary);
        assert!(late.summary.contains("itemusages"));
        assert!(late.summary.contains("no events at all from auditevents"));
        assert_eq!(human_age(93_784), "1 d 2 h");
    }
}
