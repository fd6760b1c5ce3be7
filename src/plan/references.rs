//! Automation rules name analytics rules by resource id, and the resource id of a rule is its live
//! name in the workspace: the repository `id` for rules sentinelctl created, a random name for a rule
//! enabled from a Content hub template and adopted. The desired state binds references to the
//! repository id ([`crate::desired`]); this module re-binds them to the live names once the
//! workspace has been read, so plan, apply and drift all compare and write what Sentinel stores.

use std::collections::BTreeMap;

use crate::desired::DesiredState;
use crate::live::LiveState;
use crate::model::{Resource, ResourceKind};
use crate::plan::Plan;

/// `desired` with automation rules re-bound to the live names of renamed rules (repository id →
/// live name), or `None` when nothing is renamed.
fn rebind(desired: &DesiredState, renamed: &BTreeMap<String, String>) -> Option<DesiredState> {
    let any_automation = desired
        .items
        .keys()
        .any(|k| k.0 == ResourceKind::AutomationRule);
    if renamed.is_empty() || !any_automation {
        return None;
    }
    let mut bound = desired.clone();
    let workspace_id = desired.env.workspace_id();
    for item in bound.items.values_mut() {
        if let Resource::AutomationRule(rule) = &mut item.resource {
            rule.bind_rules(&workspace_id, &|id| renamed.get(id).cloned());
        }
    }
    Some(bound)
}

/// Re-binds for planning: renamed rules are the detections paired with a live rule of another
/// name ([`crate::plan::pairs`]).
pub fn bind_to_live(desired: &DesiredState, live: &LiveState) -> Option<DesiredState> {
    let renamed: BTreeMap<String, String> = crate::plan::pairs(desired, live)
        .into_iter()
        .filter_map(|(dk, lk)| {
            let (dk, lk) = (dk?, lk?);
            (dk.0 == ResourceKind::Detection && dk != lk)
                .then(|| Some((dk.1.clone(), live.items.get(lk)?.name.clone())))
                .flatten()
        })
        .collect();
    rebind(desired, &renamed)
}

/// Re-binds for applying `plan`: its detection changes record the renames (`source_name`).
pub fn bind_to_plan(desired: &DesiredState, plan: &Plan) -> DesiredState {
    let renamed: BTreeMap<String, String> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Detection)
        .filter_map(|c| Some((c.source_name.clone()?, c.name.clone())))
        .collect();
    rebind(desired, &renamed).unwrap_or_else(|| desired.clone())
}
