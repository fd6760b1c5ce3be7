//! `coverage`: which MITRE ATT&CK techniques the detections cover — in the repository, or deployed
//! and enabled in an environment's workspace — for an ATT&CK Navigator layer and a markdown table.
//!
//! A technique is *covered* when at least one enabled rule maps to it; one whose rules are all
//! disabled (in the file, by an environment override, or in the workspace) is listed as such, never
//! as covered. With an environment, a rule counts only when it is deployed there.

use super::connection::{ConnectOptions, connect};
use super::target::{Target, load};
pub use crate::coverage::{Coverage, RuleRef, TechniqueCoverage};
use crate::coverage::{add, add_hunting};
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
        for q in repo.hunting.iter().map(|h| &h.query) {
            add_hunting(&mut cov, q);
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
        let deployed = live.items.get(key).and_then(|l| l.resource.as_ref());
        match (&item.resource, deployed) {
            // the live rule's enabled state is the workspace's
            (Resource::Rule(rule), Some(Resource::Rule(l))) => add(&mut cov, rule, l.enabled),
            (Resource::HuntingQuery(q), Some(Resource::HuntingQuery(_))) => {
                add_hunting(&mut cov, q);
            }
            _ => {}
        }
    }
    Ok(cov)
}
