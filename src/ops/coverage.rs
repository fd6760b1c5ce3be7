//! `coverage`: which MITRE ATT&CK techniques the detections cover — in the repository, or deployed
//! and enabled in an environment's workspace — for an ATT&CK Navigator layer and a markdown table.
//!
//! A technique is *covered* when at least one enabled rule maps to it; one whose rules are all
//! disabled (in the file, by an environment override, or in the workspace) is listed as such, never
//! as covered. With an environment, a rule counts only when it is deployed there.

use std::collections::BTreeMap;

use super::connection::{ConnectOptions, connect};
use super::target::{Target, load};
use crate::model::Resource;
use crate::session::Session;

/// What to measure.
#[derive(Debug, Clone, Default)]
pub struct CoverageRequest {
    /// Measure what is deployed in this environment (else: the repository's content).
    pub env: Option<String>,
    /// How to connect.
    pub connect: ConnectOptions,
}

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

fn add(cov: &mut Coverage, rule: &crate::model::AnalyticsRule, enabled: bool) {
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

/// Measures `req`.
pub fn coverage(cx: &Session, req: &CoverageRequest) -> anyhow::Result<Coverage> {
    let Some(env) = &req.env else {
        let repo = load(cx)?;
        let mut cov = Coverage {
            scope: "repository".into(),
            ..Coverage::default()
        };
        for r in repo.rules.iter().filter_map(|r| r.rule.as_ref()) {
            add(&mut cov, r, r.enabled);
        }
        return Ok(cov);
    };
    let target = Target::open(cx, env, &[])?;
    let live = super::runtime()?.block_on(async {
        let conn = connect(cx, &target.env, &req.connect).await?;
        let live = conn.read_live(&target.env.workspace).await;
        conn.close().await;
        live
    })?;
    let mut cov = Coverage {
        scope: target.env.name.clone(),
        ..Coverage::default()
    };
    for (key, item) in &target.desired.items {
        let Resource::Rule(rule) = &item.resource else {
            continue;
        };
        // deployed: the live rule (its enabled state is the workspace's)
        if let Some(Resource::Rule(l)) = live.items.get(key).and_then(|l| l.resource.as_ref()) {
            add(&mut cov, rule, l.enabled);
        }
    }
    Ok(cov)
}
