//! ATT&CK coverage of the detections: which techniques some enabled rule maps to, and which have
//! only disabled rules. Measured by `ops::coverage` (in the repository or in a workspace), written by
//! `render::coverage` (a Navigator layer, a markdown table).

use std::collections::BTreeMap;

/// One rule mapped to a technique.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleRef {
    /// Rule id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Enabled (where measured).
    pub enabled: bool,
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

pub(crate) fn add(cov: &mut Coverage, rule: &crate::model::AnalyticsRule, enabled: bool) {
    let mut techniques: Vec<&String> = rule.techniques.iter().chain(&rule.sub_techniques).collect();
    techniques.sort();
    techniques.dedup();
    for t in techniques {
        let entry = cov.techniques.entry(t.clone()).or_default();
        for tac in &rule.tactics {
            if !entry.tactics.contains(tac) {
                entry.tactics.push(tac.clone());
            }
        }
        entry.rules.push(RuleRef {
            id: rule.name.clone(),
            name: rule.display_name.clone(),
            enabled,
        });
    }
}
