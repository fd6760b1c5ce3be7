//! ATT&CK coverage of the detections and hunting queries: which techniques some enabled analytics
//! rule or deployed hunting query maps to, and which have only disabled rules. Hunting queries are
//! listed as such (they are run by people, they raise no alert). Measured by `ops::coverage` (in the repository or in a workspace), written by
//! `render::coverage` (a Navigator layer, a markdown table).

use std::collections::BTreeMap;

/// One rule (or hunting query) mapped to a technique.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleRef {
    /// Content id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Enabled (where measured); a hunting query is enabled where it is deployed.
    pub enabled: bool,
    /// `detection` or `hunting-query`.
    pub kind: &'static str,
}

impl RuleRef {
    /// True for a hunting query.
    pub fn is_hunting(&self) -> bool {
        self.kind == "hunting-query"
    }
}

/// One technique's coverage.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TechniqueCoverage {
    /// The tactics the rules map it under (Sentinel spellings).
    pub tactics: Vec<String>,
    /// The rules.
    pub rules: Vec<RuleRef>,
}

impl TechniqueCoverage {
    /// True when some rule is enabled.
    pub fn covered(&self) -> bool {
        self.rules.iter().any(|r| r.enabled)
    }
}

/// The coverage, by technique id (`T1110`, `T1110.003`).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Coverage {
    /// Where it was measured: `repository` or the environment's name.
    pub scope: String,
    /// By technique.
    pub techniques: BTreeMap<String, TechniqueCoverage>,
}

/// Adds an analytics rule.
pub(crate) fn add(cov: &mut Coverage, rule: &crate::model::AnalyticsRule, enabled: bool) {
    let r = RuleRef {
        id: rule.name.clone(),
        name: rule.display_name.clone(),
        enabled,
        kind: "detection",
    };
    add_ref(
        cov,
        &r,
        &rule.tactics,
        rule.techniques.iter().chain(&rule.sub_techniques),
    );
}

/// Adds a (deployed) hunting query.
pub(crate) fn add_hunting(cov: &mut Coverage, q: &crate::model::HuntingQuery) {
    let r = RuleRef {
        id: q.name.clone(),
        name: q.display_name.clone(),
        enabled: true,
        kind: "hunting-query",
    };
    add_ref(cov, &r, &q.tactics, q.techniques.iter());
}

fn add_ref<'a>(
    cov: &mut Coverage,
    r: &RuleRef,
    tactics: &[String],
    techniques: impl Iterator<Item = &'a String>,
) {
    let mut techniques: Vec<&String> = techniques.collect();
    techniques.sort();
    techniques.dedup();
    for t in techniques {
        let entry = cov.techniques.entry(t.clone()).or_default();
        for tac in tactics {
            if !entry.tactics.contains(tac) {
                entry.tactics.push(tac.clone());
            }
        }
        entry.rules.push(r.clone());
    }
}
