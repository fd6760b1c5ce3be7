//! Planning: desired × live → a [`Plan`] of ordered changes with field-level diffs.
//!
//! Diffs compare model projections (`Resource::fields`), so only real differences show: the
//! model has already normalised durations, enum spellings, defaults, order and line endings.
//! The plan is also the saved-plan file format (`plan --out`), versioned and documented in
//! `docs/json-output.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use similar::TextDiff;

use crate::desired::{DesiredItem, DesiredState};
use crate::live::{LiveItem, LiveState, Ownership};
use crate::model::{Key, Resource, ResourceKind};

pub mod references;
pub mod watchlist;

pub use watchlist::{ItemChange, ItemChanges};

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Does not exist: create it.
    Create,
    /// Owned and different: update it.
    Update,
    /// Exists, not owned, same name: take it over (only with `--adopt`).
    Adopt,
    /// Owned, removed from code, prune on: delete it.
    Delete,
    /// Exists, not owned, same name, `--adopt` not given: left alone, blocks nothing else.
    Conflict,
    /// Owned, removed from code, prune off: left alone.
    Orphaned,
    /// Exists, not owned, not in code: never touched.
    Unmanaged,
    /// Would be created or updated, but Sentinel would refuse it (a rule reading a table the
    /// workspace does not have): not written; `reason` says why.
    Blocked,
    /// Owned and equal.
    NoOp,
}

impl Action {
    /// True for changes the repository asks for that apply will not make (a CI gate must see
    /// them): conflicts with unmanaged content and blocked writes.
    pub fn is_refused(self) -> bool {
        matches!(self, Self::Conflict | Self::Blocked)
    }

    /// True for actions that write.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Self::Create | Self::Update | Self::Adopt | Self::Delete
        )
    }
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Dotted ARM property path.
    pub path: String,
    /// Live value (`null` when absent).
    pub before: Value,
    /// Desired value (`null` when absent).
    pub after: Value,
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Resource kind.
    pub kind: ResourceKind,
    /// ARM resource name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// What happens.
    pub action: Action,
    /// Content id.
    pub content_id: Option<String>,
    /// Content version in code.
    pub version: Option<String>,
    /// Source file.
    pub path: Option<String>,
    /// Field-level differences (updates).
    pub fields: Vec<FieldChange>,
    /// Unified diff of the query (updates that change it).
    pub query_diff: Option<String>,
    /// Etag seen at plan time (guards the write).
    pub etag: Option<String>,
    /// Ownership record seen at plan time.
    pub owner: Option<Ownership>,
    /// Functions this resource calls (apply order).
    pub depends_on: Vec<String>,
    /// `lastModifiedUtc` of the live resource.
    pub last_modified: Option<String>,
    /// SHA-256 of everything the repository wants this resource to be (create, update, adopt): a
    /// saved plan pins it, so content changed after review is refused at apply time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_hash: Option<String>,
    /// The key of the repository item when it differs from the live name (a rule enabled in the
    /// portal from a Content hub template has a random name; the repository calls it by its id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// An ownership record of sentinelctl's that does not claim the resource (an interrupted
    /// create): reused by apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_record: Option<Ownership>,
    /// The live body (not saved with the plan: apply always writes a fresh plan, and starts each
    /// PUT from what the workspace holds).
    #[serde(skip)]
    pub live_body: Option<Value>,
    /// Why a blocked change is not written, with the fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Watchlists: the items apply creates, updates and deletes (the definition's own changes
    /// are in `fields`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemChanges>,
    /// Properties sentinelctl does not manage that changed outside code since the last apply
    /// (informational: a write keeps them as they are live).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged_changed: Vec<String>,
}

/// The unmanaged properties of an owned live resource that changed since the apply that
/// recorded them (empty when nothing was recorded).
pub fn unmanaged_changed(kind: ResourceKind, live: Option<&LiveItem>) -> Vec<String> {
    let Some(l) = live else { return Vec::new() };
    let Some(recorded) = l.owner.as_ref().and_then(|o| o.unmanaged.as_ref()) else {
        return Vec::new();
    };
    crate::live::unmanaged_digest(kind, &l.body)
        .map(|now| crate::live::unmanaged_changes(recorded, &now))
        .unwrap_or_default()
}

/// Counts per action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Creates.
    pub create: usize,
    /// Updates.
    pub update: usize,
    /// Adoptions.
    pub adopt: usize,
    /// Deletes.
    pub delete: usize,
    /// Unchanged.
    pub unchanged: usize,
    /// Unmanaged resources seen.
    pub unmanaged: usize,
    /// Conflicts (unmanaged with our name, no --adopt).
    pub conflict: usize,
    /// Owned but removed from code with prune off.
    pub orphaned: usize,
    /// Blocked writes (Sentinel would refuse them).
    #[serde(default)]
    pub blocked: usize,
}

/// A plan: what apply will do, and the state it was computed against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Format version of this document.
    pub format_version: u32,
    /// Environment name.
    pub environment: String,
    /// Workspace resource id.
    pub workspace_id: String,
    /// Source commit of the repository, when known.
    pub commit: Option<String>,
    /// Every resource considered, in apply order.
    pub changes: Vec<Change>,
    /// Counts.
    pub summary: Summary,
    /// Deletes exceed the environment's share and `--force-prune` was not given.
    pub prune_blocked: Option<String>,
}

/// Options that change what the plan proposes.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Take over unmanaged resources with the same name.
    pub adopt: bool,
    /// Allow deletes beyond the share.
    pub force_prune: bool,
    /// Only these targets (deletes are skipped when set).
    pub targeted: bool,
}

fn field_changes(
    desired: &BTreeMap<String, Value>,
    live: &BTreeMap<String, Value>,
) -> Vec<FieldChange> {
    let mut keys: Vec<&String> = desired.keys().chain(live.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (
                desired.get(k).cloned().unwrap_or(Value::Null),
                live.get(k).cloned().unwrap_or(Value::Null),
            );
            (a != b).then(|| FieldChange {
                path: k.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
}

/// A unified diff of two queries (3 lines of context).
pub fn query_diff(before: &str, after: &str) -> Option<String> {
    (before != after).then(|| {
        TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header("live", "repository")
            .to_string()
    })
}

fn change(
    key: &Key,
    action: Action,
    desired: Option<&DesiredItem>,
    live: Option<&LiveItem>,
) -> Change {
    let d_fields = desired.map(|d| d.resource.fields()).unwrap_or_default();
    let l_fields = live
        .and_then(|l| l.resource.as_ref())
        .map(crate::model::Resource::fields)
        .unwrap_or_default();
    let mut fields = if matches!(action, Action::Update | Action::Adopt | Action::Conflict) {
        field_changes(&d_fields, &l_fields)
    } else {
        Vec::new()
    };
    if let (Some(d), Some(o)) = (desired, live.and_then(|l| l.owner.as_ref()))
        && d.version != o.version
    {
        fields.push(FieldChange {
            path: "metadata.version".into(),
            before: Value::String(o.version.clone()),
            after: Value::String(d.version.clone()),
        });
    }
    let query_diff = match (
        desired.and_then(|d| d.resource.query()),
        live.and_then(|l| l.resource.as_ref())
            .and_then(|r| r.query()),
    ) {
        (Some(a), Some(b))
            if matches!(action, Action::Update | Action::Adopt | Action::Conflict) =>
        {
            query_diff(b, a)
        }
        _ => None,
    };
    let display_name = desired
        .map(|d| d.resource.display_name().to_string())
        .or_else(|| {
            live.and_then(|l| l.resource.as_ref())
                .map(|r| r.display_name().to_string())
        })
        .unwrap_or_else(|| key.1.clone());
    Change {
        kind: key.0,
        name: live.map_or_else(|| key.1.clone(), |l| l.name.clone()),
        display_name,
        action,
        content_id: desired.map(|d| d.content_id.clone()).or_else(|| {
            live.and_then(|l| l.owner.as_ref())
                .map(|o| o.content_id.clone())
        }),
        version: desired.map(|d| d.version.clone()),
        path: desired.map(|d| d.path.clone()),
        fields,
        query_diff,
        etag: live.and_then(|l| l.etag.clone()),
        owner: live.and_then(|l| l.owner.clone()),
        depends_on: desired.map(|d| d.depends_on.clone()).unwrap_or_default(),
        last_modified: live.and_then(|l| l.last_modified.clone()),
        desired_hash: desired.map(|d| d.resource.full_hash()),
        source_name: None,
        reason: None,
        stale_record: live.and_then(|l| l.stale_record.clone()),
        live_body: live.map(|l| l.body.clone()),
        items: None,
        unmanaged_changed: unmanaged_changed(key.0, live),
    }
}

/// Watchlists: item-level changes out of `fields` (only the definition's stay) into `items`.
fn split_watchlist_items(c: &mut Change, desired: Option<&DesiredItem>, live: &LiveState) {
    let Some(Resource::Watchlist(w)) = desired.map(|d| &d.resource) else {
        return;
    };
    c.fields
        .retain(|f| !f.path.starts_with("items.") && f.path != "itemsDuplicated");
    if c.action == Action::Create {
        // created under the alias as written (ARM names are case-insensitive; the portal shows it)
        c.name.clone_from(&w.alias);
    }
    if !matches!(
        c.action,
        Action::Create | Action::Update | Action::Adopt | Action::Conflict
    ) {
        return;
    }
    let live_items = live
        .watchlist_items
        .get(&c.name.to_ascii_lowercase())
        .map_or(&[][..], Vec::as_slice);
    let items = watchlist::item_changes(
        w,
        if c.action == Action::Create {
            &[]
        } else {
            live_items
        },
    );
    if !items.is_empty() {
        c.items = Some(items);
    }
}

fn classify(
    desired: Option<&DesiredItem>,
    live: Option<&LiveItem>,
    env_prune: bool,
    options: &PlanOptions,
) -> Option<Action> {
    Some(match (desired, live) {
        (Some(_), None) => Action::Create,
        (Some(_), Some(l)) if l.owner.is_none() => {
            if l.resource.is_none() {
                Action::Conflict
            } else if options.adopt {
                Action::Adopt
            } else {
                Action::Conflict
            }
        }
        (Some(d), Some(l)) => {
            let same = l.resource.as_ref() == Some(&d.resource)
                || l.resource
                    .as_ref()
                    .is_some_and(|r| r.fields() == d.resource.fields());
            let version_same = l.owner.as_ref().is_some_and(|o| o.version == d.version);
            // an interrupted apply left an announcement: the record still needs confirming
            let pending = l.owner.as_ref().is_some_and(|o| o.pending.is_some());
            if same && version_same && !pending {
                Action::NoOp
            } else {
                Action::Update
            }
        }
        (None, Some(l)) if l.owner.is_none() => Action::Unmanaged,
        (None, Some(_)) if options.targeted => return None,
        (None, Some(_)) if env_prune => Action::Delete,
        (None, Some(_)) => Action::Orphaned,
        (None, None) => return None,
    })
}

/// Desired and live items paired: by name; then, for what is left, an owned live resource whose
/// content id is the item's; then (detections) a live rule made from the item's template
/// (`alertRuleTemplateName` = the Azure-Sentinel `id`, or for a Fusion, MLBehaviorAnalytics or
/// ThreatIntelligence rule the file's own `alertRuleTemplateName`: such a rule exists once per
/// template, so the live one *is* the file's) or of the same kind with the same display name.
/// Each side appears at most once; unpaired ones stand alone.
pub fn pairs<'a>(
    desired: &'a DesiredState,
    live: &'a LiveState,
) -> Vec<(Option<&'a Key>, Option<&'a Key>)> {
    let mut out = Vec::new();
    let mut free: Vec<&Key> = live
        .items
        .keys()
        .filter(|k| !desired.items.contains_key(*k))
        .collect();
    for (dk, d) in &desired.items {
        if live.items.contains_key(dk) {
            out.push((Some(dk), Some(dk)));
            continue;
        }
        let content_id = d.content_id.to_ascii_lowercase();
        let matched = |f: &dyn Fn(&crate::live::LiveItem) -> bool| {
            free.iter()
                .position(|lk| lk.0 == dk.0 && live.items.get(*lk).is_some_and(f))
        };
        let found = matched(&|l| {
            l.owner
                .as_ref()
                .is_some_and(|o| o.content_id.eq_ignore_ascii_case(&content_id))
        })
        .or_else(|| {
            (dk.0 == ResourceKind::Detection)
                .then_some(())
                .and_then(|()| {
                    let (kind, template) = match &d.resource {
                        Resource::Rule(r) => (Some(r.kind), r.alert_rule_template_name.as_deref()),
                        _ => (None, None),
                    };
                    // a query rule may pair with a query rule of the other kind (the update
                    // changes the kind); the other kinds only with their own
                    let same_kind = |l: &LiveItem| match (&l.resource, kind) {
                        (Some(Resource::Rule(r)), Some(k)) => {
                            r.kind == k || (r.kind.has_query() && k.has_query())
                        }
                        _ => false,
                    };
                    matched(&|l| l.owner.is_none() && l.template.as_deref() == Some(dk.1.as_str()))
                        .or_else(|| {
                            template.and_then(|t| {
                                matched(&|l| {
                                    l.owner.is_none()
                                        && same_kind(l)
                                        && l.template.as_deref() == Some(t)
                                })
                            })
                        })
                        .or_else(|| {
                            matched(&|l| {
                                l.owner.is_none()
                                    && same_kind(l)
                                    && l.resource.as_ref().is_some_and(|r| {
                                        r.display_name() == d.resource.display_name()
                                    })
                            })
                        })
                })
        });
        match found {
            Some(i) => out.push((Some(dk), Some(free.remove(i)))),
            None => out.push((Some(dk), None)),
        }
    }
    out.extend(free.into_iter().map(|lk| (None, Some(lk))));
    out
}

/// Ownership records left by an interrupted delete (`pending=delete`, resource gone): deleting the
/// record finishes it.
fn orphan_cleanups<'a>(
    desired: &'a DesiredState,
    live: &'a LiveState,
) -> impl Iterator<Item = Change> + 'a {
    live.orphan_owners
        .iter()
        .filter(move |(k, o)| {
            o.pending == Some(crate::live::Pending::Delete) && !desired.items.contains_key(*k)
        })
        .map(|(k, o)| {
            let mut c = change(k, Action::Delete, None, None);
            c.owner = Some(o.clone());
            c.display_name.clone_from(&k.1);
            c
        })
}

/// Apply order: writes by kind (`ResourceKind::stage`: watchlists, functions, rules and hunting
/// queries, automation rules, workbooks), then deletes in reverse.
fn order_key(c: &Change) -> (bool, u8, ResourceKind, String) {
    let k = c.kind.stage();
    let delete = c.action == Action::Delete;
    (
        delete,
        if delete { 4 - k } else { k },
        c.kind,
        c.name.to_ascii_lowercase(),
    )
}

/// Computes the plan.
pub fn plan(
    desired: &DesiredState,
    live: &LiveState,
    commit: Option<String>,
    options: &PlanOptions,
) -> Plan {
    let bound = references::bind_to_live(desired, live);
    let desired = bound.as_ref().unwrap_or(desired);
    let mut changes: Vec<Change> = pairs(desired, live)
        .into_iter()
        .filter_map(|(dk, lk)| {
            let k = lk.or(dk)?;
            let (d, l) = (
                dk.and_then(|k| desired.items.get(k)),
                lk.and_then(|k| live.items.get(k)),
            );
            let action = classify(d, l, desired.env.prune, options)?;
            let mut c = change(k, action, d, l);
            split_watchlist_items(&mut c, d, live);
            if let (Some(dk), Some(lk)) = (dk, lk)
                && dk != lk
            {
                c.source_name = Some(dk.1.clone());
            }
            if let (Some(d), Some(tables)) = (d, &live.tables)
                && matches!(c.action, Action::Create | Action::Update | Action::Adopt)
                && d.resource.kind() == ResourceKind::Detection
            {
                let missing: Vec<&String> = d
                    .reads_tables
                    .iter()
                    .filter(|t| !tables.contains(&t.to_ascii_lowercase()))
                    .collect();
                if !missing.is_empty() {
                    let names: Vec<String> = missing.iter().map(|t| format!("`{t}`")).collect();
                    c.action = Action::Blocked;
                    c.reason = Some(format!(
                        "reads {}, which the workspace does not have: Sentinel refuses such a rule (\"Failed to run the analytics rule query. One of the tables does not exist\"); install the data connector that writes {} (or create the table), then apply again",
                        names.join(", "),
                        if missing.len() == 1 { "it" } else { "them" }
                    ));
                }
            }
            if c.owner.is_none() && l.is_none() {
                // An ownership record whose resource is missing (an interrupted apply, or a
                // resource deleted outside code).
                c.owner = dk.and_then(|k| live.orphan_owners.get(k)).cloned();
            }
            Some(c)
        })
        .chain(orphan_cleanups(desired, live))
        .collect();
    changes.sort_by_key(order_key);
    let summary = summarize(&changes);
    let owned = live.items.values().filter(|l| l.owner.is_some()).count();
    #[allow(clippy::cast_precision_loss)] // counts of resources are far below 2^52
    let prune_blocked = (summary.delete > 0 && !options.force_prune && owned > 0 && (summary.delete as f64) > desired.env.max_delete_share * owned as f64).then(|| {
        format!(
            "the plan deletes {} of {} owned resources, more than the environment's maxDeleteShare of {:.0}%",
            summary.delete,
            owned,
            desired.env.max_delete_share * 100.0
        )
    });
    Plan {
        format_version: 1,
        environment: desired.env.name.clone(),
        workspace_id: desired.env.workspace_id(),
        commit,
        changes,
        summary,
        prune_blocked,
    }
}

/// Counts actions.
pub fn summarize(changes: &[Change]) -> Summary {
    let mut s = Summary::default();
    for c in changes {
        match c.action {
            Action::Create => s.create += 1,
            Action::Update => s.update += 1,
            Action::Adopt => s.adopt += 1,
            Action::Delete => s.delete += 1,
            Action::NoOp => s.unchanged += 1,
            Action::Unmanaged => s.unmanaged += 1,
            Action::Conflict => s.conflict += 1,
            Action::Orphaned => s.orphaned += 1,
            Action::Blocked => s.blocked += 1,
        }
    }
    s
}

impl Plan {
    /// What differs between this (saved) plan and a fresh one, as human lines: a resource
    /// whose action, etag or field changes are not the same. Empty when the saved plan still holds.
    pub fn differences_from(&self, fresh: &Plan) -> Vec<String> {
        let key = |p: &Plan| {
            p.changes
                .iter()
                .filter(|c| c.action.writes())
                .map(|c| {
                    (
                        c.kind,
                        c.name.to_ascii_lowercase(),
                        c.action,
                        c.etag.clone(),
                        serde_json::to_string(&(&c.fields, &c.items)).unwrap_or_default(),
                        c.desired_hash.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let (saved, now) = (key(self), key(fresh));
        let name = |n: &str| crate::escape::line(n).into_owned();
        let mut out: Vec<String> = saved
            .iter()
            .filter(|x| !now.contains(x))
            .map(|(k, n, act, ..)| {
                format!("{} `{}` ({act:?} in the saved plan)", k.as_str(), name(n))
            })
            .collect();
        out.extend(
            now.iter()
                .filter(|x| !saved.contains(x))
                .map(|(k, n, act, ..)| {
                    format!(
                        "{} `{}` (now {act:?}, or its content changed)",
                        k.as_str(),
                        name(n)
                    )
                }),
        );
        if self.commit != fresh.commit {
            out.push(format!(
                "the repository is at commit {} now, the plan was made at {}",
                fresh.commit.as_deref().unwrap_or("(none)"),
                self.commit.as_deref().unwrap_or("(none)")
            ));
        }
        out.sort();
        out.dedup();
        out
    }

    /// True when the repository asks for changes apply will not make (conflicts, blocked rules).
    pub fn has_refusals(&self) -> bool {
        self.changes.iter().any(|c| c.action.is_refused())
    }

    /// True when apply would write something.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action.writes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::sample_plan;

    #[test]
    fn a_saved_plan_holds_until_an_etag_or_a_field_changes() {
        let saved = sample_plan();
        assert!(saved.differences_from(&saved.clone()).is_empty());
        let mut fresh = saved.clone();
        fresh.changes[1].fields[0].after = serde_json::json!("Low");
        assert_eq!(
            saved.differences_from(&fresh).len(),
            2,
            "the old and the new state of `5f78b752`"
        );
        let mut fresh = saved.clone();
        fresh.changes[1].etag = Some("\"2\"".into());
        assert!(
            saved
                .differences_from(&fresh)
                .iter()
                .any(|l| l.contains("5f78b752"))
        );
    }

    #[test]
    fn apply_order_is_functions_rules_workbooks_then_deletes_reversed() {
        let plan = sample_plan();
        let mut changes = plan.changes.clone();
        changes.reverse();
        changes.sort_by_key(order_key);
        let kinds: Vec<(ResourceKind, bool)> = changes
            .iter()
            .map(|c| (c.kind, c.action == Action::Delete))
            .collect();
        assert_eq!(kinds.first(), Some(&(ResourceKind::Function, false)));
        assert_eq!(kinds.last(), Some(&(ResourceKind::Workbook, true)));
    }
}
