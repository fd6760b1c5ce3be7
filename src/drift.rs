//! Drift: a read-only plan classified for people and CI.
//!
//! Each managed resource is *in sync*, *modified outside code* (the live content no longer has
//! the hash recorded at apply time), *disabled outside code*, *auto-disabled* (Sentinel itself
//! disabled the rule after a permanent failure: it prefixes the display name with `AUTO DISABLED`,
//! sets `enabled: false` and adds the reason to the description), *deleted outside code* (its
//! ownership record remains, the resource is gone), *pending* (code changed and was not applied
//! yet — not drift), *unmanaged* (content no file describes), or has a *missing dependency* (a
//! query calls a function or reads a watchlist that is not in the workspace, or an automation
//! rule names an analytics rule that is not).

use serde::Serialize;

use crate::desired::DesiredState;
use crate::live::{LiveState, Pending};
use crate::model::environment::DriftSuppression;
use crate::model::{Resource, ResourceKind};
use crate::plan::FieldChange;

/// Classes of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftClass {
    /// Live matches code.
    InSync,
    /// Changed in the portal (or by another tool) since the last apply.
    ModifiedOutsideCode,
    /// Disabled in the portal while code has it enabled.
    DisabledOutsideCode,
    /// Disabled by Sentinel itself after a permanent failure (`AUTO DISABLED` name prefix).
    AutoDisabled,
    /// Deleted in the portal since the last apply.
    DeletedOutsideCode,
    /// In the workspace but in no file.
    Unmanaged,
    /// Calls a function that is not in the workspace.
    MissingDependency,
    /// Code changed and was not applied yet (not drift).
    Pending,
}

impl DriftClass {
    /// True for classes that fail a drift check.
    pub fn is_drift(self) -> bool {
        !matches!(self, Self::InSync | Self::Pending)
    }

    /// Human phrase.
    pub fn phrase(self) -> &'static str {
        match self {
            Self::InSync => "in sync",
            Self::ModifiedOutsideCode => "modified outside code",
            Self::DisabledOutsideCode => "disabled outside code",
            Self::AutoDisabled => "auto-disabled by Sentinel",
            Self::DeletedOutsideCode => "deleted outside code",
            Self::Unmanaged => "unmanaged",
            Self::MissingDependency => "missing dependency",
            Self::Pending => "pending change from code",
        }
    }
}

/// One resource's drift status.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Kind.
    pub kind: ResourceKind,
    /// ARM name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Class.
    pub class: DriftClass,
    /// What differs, when known.
    pub fields: Vec<FieldChange>,
    /// `lastModifiedUtc` reported by the service.
    pub last_modified: Option<String>,
    /// Extra detail (missing function name, …).
    pub detail: Option<String>,
    /// The environment's suppression that accepts this drift (it is then not counted as drift).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<DriftSuppression>,
    /// Properties sentinelctl does not manage that changed outside code since the last apply: a
    /// note, not drift (apply keeps them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged_changed: Vec<String>,
}

impl Finding {
    /// True when this finding fails a drift check: a drift class, not suppressed.
    pub fn counts_as_drift(&self) -> bool {
        self.class.is_drift() && self.suppressed.is_none()
    }
}

/// Drift of one environment.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// Environment name.
    pub environment: String,
    /// Workspace id.
    pub workspace_id: String,
    /// One entry per resource considered.
    pub findings: Vec<Finding>,
    /// Why the environment could not be checked (then `findings` is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Suppressions still in force that matched no drift (the drift is gone, or the entry names
    /// the wrong resource or class): reported so they are removed rather than forgotten.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unused_suppressions: Vec<DriftSuppression>,
}

impl DriftReport {
    /// The report of an environment that could not be checked.
    pub fn failed(environment: &str, workspace_id: String, error: &anyhow::Error) -> Self {
        Self {
            environment: environment.to_string(),
            workspace_id,
            findings: Vec::new(),
            error: Some(format!("{error:#}")),
            unused_suppressions: Vec::new(),
        }
    }

    /// Number of findings that are drift (suppressed ones are not).
    pub fn drift_count(&self) -> usize {
        self.findings.iter().filter(|f| f.counts_as_drift()).count()
    }

    /// Number of drift findings an unexpired suppression accepts.
    pub fn suppressed_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.class.is_drift() && f.suppressed.is_some())
            .count()
    }

    /// Applies the environment's suppressions as of `today` (`YYYY-MM-DD`, UTC): a drift finding a
    /// suppression names (by ARM name or display name, and class when it gives one) is marked
    /// suppressed while `today` is not after `expires`; an expired one leaves the drift counted and
    /// says so in the detail.
    pub fn suppress(&mut self, suppressions: &[DriftSuppression], today: &str) {
        let mut used = vec![false; suppressions.len()];
        for f in self.findings.iter_mut().filter(|f| f.class.is_drift()) {
            let class = serde_json::to_value(f.class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let matching = suppressions.iter().enumerate().filter(|(_, s)| {
                (s.resource.eq_ignore_ascii_case(&f.name)
                    || s.resource.eq_ignore_ascii_case(&f.display_name))
                    && s.class.as_deref().is_none_or(|c| c == class)
            });
            let matching: Vec<&DriftSuppression> = matching
                .map(|(i, s)| {
                    used[i] = true;
                    s
                })
                .collect();
            let (live, expired): (Vec<_>, Vec<_>) = matching
                .into_iter()
                .partition(|s| s.expires.as_str() >= today);
            if let Some(s) = live.first() {
                f.suppressed = Some((*s).clone());
            } else if let Some(s) = expired.iter().max_by(|a, b| a.expires.cmp(&b.expires)) {
                let note = format!(
                    "its drift suppression expired on {} (reason given: {}); renew it or fix the drift",
                    s.expires, s.reason
                );
                f.detail = Some(match f.detail.take() {
                    Some(d) => format!("{d}; {note}"),
                    None => note,
                });
            }
        }
        self.unused_suppressions = suppressions
            .iter()
            .zip(used)
            .filter(|(s, used)| !used && s.expires.as_str() >= today)
            .map(|(s, _)| s.clone())
            .collect();
    }
}

fn fields_between(desired: &Resource, live: &Resource) -> Vec<FieldChange> {
    let (d, l) = (desired.fields(), live.fields());
    let mut keys: Vec<&String> = d.keys().chain(l.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (after, before) = (
                d.get(k).cloned().unwrap_or_default(),
                l.get(k).cloned().unwrap_or_default(),
            );
            (after != before).then(|| FieldChange {
                path: k.clone(),
                before,
                after,
            })
        })
        .collect()
}

fn classify_owned(
    d: &Resource,
    live: &Resource,
    recorded: Option<&str>,
) -> (DriftClass, Vec<FieldChange>) {
    if live.fields() == d.fields() {
        return (DriftClass::InSync, Vec::new());
    }
    let fields = fields_between(d, live);
    let live_changed = recorded.is_none_or(|h| h != live.content_hash());
    if !live_changed {
        return (DriftClass::Pending, fields);
    }
    let only_disabled =
        fields.len() == 1 && fields[0].path == "enabled" && fields[0].before == false;
    (
        if only_disabled {
            DriftClass::DisabledOutsideCode
        } else {
            DriftClass::ModifiedOutsideCode
        },
        fields,
    )
}

/// The display-name prefix Sentinel adds when it disables a rule after a permanent failure
/// (Microsoft's "Troubleshooting analytics rules in Microsoft Sentinel").
const AUTO_DISABLED: &str = "AUTO DISABLED";

/// When Sentinel disabled `live` by itself: the reason, as far as the workspace tells it (Sentinel
/// adds it to the description; what code's description does not have is the reason).
pub(crate) fn auto_disabled(desired: &Resource, live: &Resource) -> Option<String> {
    let (Resource::Rule(d), Resource::Rule(l)) = (desired, live) else {
        return None;
    };
    let prefixed = l
        .display_name
        .trim_start()
        .get(..AUTO_DISABLED.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(AUTO_DISABLED));
    if l.enabled || !prefixed {
        return None;
    }
    let added = l
        .description
        .replacen(d.description.trim(), "", 1)
        .trim()
        .to_string();
    let reason = if added.is_empty() {
        "Sentinel gave no reason in the description".to_string()
    } else {
        added
    };
    Some(format!(
        "Sentinel disabled this rule after a permanent failure: {reason}; fix the cause (a table, \
         function or permission the query needs), then `apply` restores the name and enables it"
    ))
}

/// The first dependency of `deps` the workspace does not have, for the report.
fn missing_dependency(deps: &[String], live: &LiveState, functions: &[String]) -> Option<String> {
    deps.iter().find_map(|d| {
        let d = d.to_ascii_lowercase();
        let (kind, name) = match d.split_once(':') {
            Some(("watchlist", a)) => (ResourceKind::Watchlist, a.to_string()),
            Some(("detection", n)) => (ResourceKind::Detection, n.to_string()),
            _ => {
                return (!functions.contains(&d))
                    .then(|| format!("calls `{d}`, which is not in the workspace"));
            }
        };
        let present = live.items.contains_key(&(kind, name.clone()))
            || live.items.iter().any(|((k, _), l)| {
                *k == kind
                    && l.owner
                        .as_ref()
                        .is_some_and(|o| o.content_id.eq_ignore_ascii_case(&name))
            });
        (!present).then(|| match kind {
            ResourceKind::Watchlist => {
                format!("reads watchlist `{name}`, which is not in the workspace")
            }
            _ => format!("names analytics rule `{name}`, which is not in the workspace"),
        })
    })
}

/// Classifies every resource of the environment.
pub fn drift(desired: &DesiredState, live: &LiveState) -> DriftReport {
    // references bound to live ids, then desired and live paired as plan pairs them (by name,
    // content id, template id, display name)
    let bound = crate::plan::references::bind_to_live(desired, live);
    let desired = bound.as_ref().unwrap_or(desired);
    let pairs = crate::plan::pairs(desired, live);
    let live_functions: Vec<String> = live
        .items
        .iter()
        .filter(|((k, _), _)| *k == ResourceKind::Function)
        .filter_map(|(_, l)| match &l.resource {
            Some(Resource::Function(f)) => Some(f.function_alias.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let mut findings = Vec::new();
    for (dk, lk) in pairs {
        let Some(key) = lk.or(dk) else { continue };
        let (d, l, orphan) = (
            dk.and_then(|k| desired.items.get(k)),
            lk.and_then(|k| live.items.get(k)),
            dk.and_then(|k| live.orphan_owners.get(k)),
        );
        let display = d
            .map(|d| d.resource.display_name().to_string())
            .or_else(|| {
                l.and_then(|l| l.resource.as_ref())
                    .map(|r| r.display_name().to_string())
            })
            .unwrap_or_else(|| key.1.clone());
        let (class, fields, detail) = match (d, l) {
            (None, Some(l)) if l.owner.is_some() => (
                DriftClass::Pending,
                Vec::new(),
                Some("removed from code".into()),
            ),
            (Some(d), Some(l)) if l.owner.is_some() => match &l.resource {
                // a watchlist is written in many requests: one with an announced, unconfirmed
                // write is an interrupted apply, not a portal edit
                Some(r @ Resource::Watchlist(_))
                    if l.owner.as_ref().and_then(|o| o.pending_hash()).is_some()
                        && r.fields() != d.resource.fields() =>
                {
                    (
                        DriftClass::Pending,
                        fields_between(&d.resource, r),
                        Some(
                            "an apply was interrupted while writing it; the next apply finishes it"
                                .into(),
                        ),
                    )
                }
                Some(r) if auto_disabled(&d.resource, r).is_some() => (
                    DriftClass::AutoDisabled,
                    fields_between(&d.resource, r),
                    auto_disabled(&d.resource, r),
                ),
                Some(r) => {
                    let (c, f) = classify_owned(
                        &d.resource,
                        r,
                        l.owner.as_ref().and_then(|o| o.hash.as_deref()),
                    );
                    (c, f, None)
                }
                None => (
                    DriftClass::ModifiedOutsideCode,
                    Vec::new(),
                    Some(format!(
                        "the live resource is of kind `{}`",
                        l.arm_kind.clone().unwrap_or_default()
                    )),
                ),
            },
            (_, Some(_)) => (DriftClass::Unmanaged, Vec::new(), None),
            // an ownership record without its resource: deleted in the portal, unless the record
            // says sentinelctl itself was creating or deleting it when it was interrupted
            (Some(_), None) if orphan.is_some_and(|o| !o.is_confirmed()) => (
                DriftClass::Pending,
                Vec::new(),
                Some("an interrupted apply announced it but did not write it; the next apply creates it".into()),
            ),
            (Some(_), None) if orphan.is_some_and(|o| o.pending == Some(Pending::Delete)) => (
                DriftClass::Pending,
                Vec::new(),
                Some("an interrupted apply was deleting it".into()),
            ),
            (Some(_), None) if orphan.is_some() => {
                (DriftClass::DeletedOutsideCode, Vec::new(), None)
            }
            (Some(_), None) => (
                DriftClass::Pending,
                Vec::new(),
                Some("never applied".into()),
            ),

            (None, None) => continue,
        };
        let (class, detail) =
            match d.and_then(|d| missing_dependency(&d.depends_on, live, &live_functions)) {
                Some(missing) if class == DriftClass::InSync && l.is_some() => {
                    (DriftClass::MissingDependency, Some(missing))
                }
                _ => (class, detail),
            };
        findings.push(Finding {
            kind: key.0,
            name: l.map_or_else(|| key.1.clone(), |l| l.name.clone()),
            display_name: display,
            class,
            fields,
            last_modified: l.and_then(|l| l.last_modified.clone()),
            detail,
            suppressed: None,
            unmanaged_changed: crate::plan::unmanaged_changed(key.0, l),
        });
    }
    DriftReport {
        environment: desired.env.name.clone(),
        workspace_id: desired.env.workspace_id(),
        findings,
        error: None,
        unused_suppressions: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(name: &str, class: DriftClass) -> Finding {
        Finding {
            kind: ResourceKind::Detection,
            name: name.into(),
            display_name: format!("Rule {name}"),
            class,
            fields: Vec::new(),
            last_modified: None,
            detail: None,
            suppressed: None,
            unmanaged_changed: Vec::new(),
        }
    }

    fn report(findings: Vec<Finding>) -> DriftReport {
        DriftReport {
            environment: "prod".into(),
            workspace_id: String::new(),
            findings,
            error: None,
            unused_suppressions: Vec::new(),
        }
    }

    fn suppression(resource: &str, class: Option<&str>, expires: &str) -> DriftSuppression {
        DriftSuppression {
            resource: resource.into(),
            class: class.map(str::to_string),
            reason: "accepted".into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn a_suppression_holds_through_its_last_day_then_the_drift_counts_again() {
        let list = [suppression("RULE A", None, "2026-12-31")];
        let mut r = report(vec![finding("a", DriftClass::ModifiedOutsideCode)]);
        r.suppress(&list, "2026-12-31");
        assert_eq!((r.drift_count(), r.suppressed_count()), (0, 1));
        let mut r = report(vec![finding("a", DriftClass::ModifiedOutsideCode)]);
        assert!(r.unused_suppressions.is_empty());
        r.suppress(&list, "2027-01-01");
        assert_eq!((r.drift_count(), r.suppressed_count()), (1, 0));
        // an expired entry is reported on the finding, not as unused
        assert!(r.unused_suppressions.is_empty());
        let detail = r.findings[0].detail.as_deref().unwrap();
        assert!(detail.contains("expired on 2026-12-31"), "{detail}");
    }

    #[test]
    fn a_suppression_names_its_resource_and_class_and_never_hides_other_drift() {
        let list = [suppression(
            "a",
            Some("disabled-outside-code"),
            "2099-01-01",
        )];
        let mut r = report(vec![
            finding("a", DriftClass::ModifiedOutsideCode),
            finding("b", DriftClass::DisabledOutsideCode),
            finding("a", DriftClass::InSync),
        ]);
        r.suppress(&list, "2026-12-02");
        assert_eq!(r.drift_count(), 2);
        assert!(r.findings.iter().all(|f| f.suppressed.is_none()));
        // it matched nothing: reported, so it is removed rather than forgotten
        assert_eq!(r.unused_suppressions, list);
        let mut r = report(vec![finding("a", DriftClass::DisabledOutsideCode)]);
        r.suppress(&list, "2026-12-02");
        assert_eq!((r.drift_count(), r.suppressed_count()), (0, 1));
    }
}
