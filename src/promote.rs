//! Promote: pin into environment B exactly the content that is verified and live in A.
//!
//! For each selected item, A's ownership record names the commit it was applied from and the
//! hash of what was applied. An item is promotable when it is live and owned in A, its live
//! content still has that hash (nobody changed it in the portal), and the file at that commit
//! produces exactly that content again. The result is a lock file (`environments/B.lock.yaml`)
//! for review in a pull request; plan and apply for B then read each item at its pinned commit.

use std::path::Path;

use serde::Serialize;

use crate::desired::DesiredState;
use crate::live::LiveState;
use crate::load::Repository;
use crate::load::pinned::blob_id;
use crate::model::Environment;
use crate::model::Key;
use crate::schema::YamlLockItem;

/// Which items to promote and how strict to be.
#[derive(Debug, Clone, Default)]
pub struct PromoteOptions {
    /// Content ids, names or aliases; empty with `all` = everything.
    pub ids: Vec<String>,
    /// Everything in A.
    pub all: bool,
    /// Promote items whose live state in A differs from what was applied.
    pub allow_drifted: bool,
}

/// An item that cannot be promoted, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// Display name.
    pub name: String,
    /// Why.
    pub reason: String,
}

/// Chooses the pins; refusals explain the items that cannot be promoted.
pub fn select(
    root: &Path,
    from: &DesiredState,
    live: &LiveState,
    options: &PromoteOptions,
) -> (Vec<YamlLockItem>, Vec<Refusal>) {
    let mut pins = Vec::new();
    let mut refusals = Vec::new();
    let wanted = |key: &Key, display: &str, content_id: &str| {
        options.all
            || options.ids.iter().any(|i| {
                i.eq_ignore_ascii_case(&key.1) || i.eq_ignore_ascii_case(content_id) || i == display
            })
    };
    for (key, item) in &from.items {
        let display = item.resource.display_name().to_string();
        if !wanted(key, &display, &item.content_id) {
            continue;
        }
        let refuse = |reason: String| Refusal {
            name: display.clone(),
            reason,
        };
        let Some(l) = live.items.get(key) else {
            refusals.push(refuse(format!(
                "it was never applied to `{}`",
                from.env.name
            )));
            continue;
        };
        let (Some(owner), Some(resource)) = (&l.owner, &l.resource) else {
            refusals.push(refuse(format!(
                "it is not managed by sentinelctl in `{}`",
                from.env.name
            )));
            continue;
        };
        if !options.allow_drifted && owner.hash.as_deref() != Some(resource.content_hash().as_str())
        {
            refusals.push(refuse(format!(
                "its live state in `{}` was changed outside code since it was applied",
                from.env.name
            )));
            continue;
        }
        let Some(commit) = owner.commit.clone() else {
            refusals.push(refuse("its ownership record names no source commit".into()));
            continue;
        };
        match blob_id(root, &commit, &item.path) {
            Ok(blob) => pins.push(YamlLockItem {
                kind: key.0.as_str().to_string(),
                content_id: item.content_id.clone(),
                name: display,
                version: owner.version.clone(),
                commit,
                path: item.path.clone(),
                blob,
            }),
            Err(e) => refusals.push(refuse(format!(
                "`{}` is not in commit {commit}: {e}",
                item.path
            ))),
        }
    }
    (pins, refusals)
}

/// Checks that the pinned files reproduce what is live in A (the recorded hashes); returns
/// refusals for those that do not (e.g. A was applied from uncommitted changes).
pub fn verify(
    root: &Path,
    pins: &[YamlLockItem],
    from_env: &Environment,
    live: &LiveState,
    tables: &Repository,
) -> Vec<Refusal> {
    let pinned = Repository::load_pinned(root, pins, tables);
    let desired = DesiredState::resolve(&pinned, from_env);
    let mut refusals = Vec::new();
    for pin in pins {
        let found = desired
            .items
            .iter()
            .find(|(_, d)| d.content_id == pin.content_id);
        let live_hash = found
            .and_then(|(k, _)| live.items.get(k))
            .and_then(|l| l.owner.as_ref())
            .and_then(|o| o.hash.clone());
        match found {
            Some((_, d)) if live_hash.as_deref() == Some(d.resource.content_hash().as_str()) => {}
            Some(_) => refusals.push(Refusal { name: pin.name.clone(), reason: format!("the file at commit {} does not produce what is live (applied from uncommitted changes?)", crate::load::pinned::short(&pin.commit)) }),
            None => refusals.push(Refusal { name: pin.name.clone(), reason: format!("the file at commit {} cannot be read", crate::load::pinned::short(&pin.commit)) }),
        }
    }
    refusals
}

/// Merges new pins into an existing lock (same kind and content id are replaced), sorted.
pub fn merge(existing: Vec<YamlLockItem>, new: Vec<YamlLockItem>) -> Vec<YamlLockItem> {
    let mut out: Vec<YamlLockItem> = existing
        .into_iter()
        .filter(|e| {
            !new.iter()
                .any(|n| n.kind == e.kind && n.content_id == e.content_id)
        })
        .collect();
    out.extend(new);
    out.sort_by(|a, b| (&a.kind, &a.path).cmp(&(&b.kind, &b.path)));
    out
}
