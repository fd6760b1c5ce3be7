//! Writing one watchlist (the resource step of [`super::write`]): its definition, then its items.
//!
//! A watchlist is written in several requests, so its ownership record follows each step: the
//! write is announced, and when nothing is confirmed yet (a create or an adoption) the first
//! announcement is of the definition alone (no items), which the record confirms as soon as the
//! definition landed, before any item is written. So an apply killed anywhere leaves either a
//! watchlist the next plan reads as an announced write that landed (definition only), or an owned
//! watchlist with an announced, unconfirmed write (some items written): both are repaired by the
//! next apply, and never mistaken for someone else's watchlist.
//!
//! 1. The definition is PUT (`If-Match` the planned etag, `If-None-Match: *` to create) without
//!    `rawContent`, and the long-running operation is followed to its end (201/202 with
//!    `Azure-AsyncOperation`, NOTES §7.1), only when it changes.
//! 2. The items of the plan ([`crate::plan::ItemChanges`]) are written one by one through
//!    `watchlistItems` (synchronous): deletes first (`If-Match` the item's etag), then updates
//!    (`If-Match`, starting from the live item), then creates (`If-None-Match: *`, under the item's
//!    deterministic name), up to `parallelism` at a time. A conflict is re-read: an item that
//!    already holds the wanted row (an earlier attempt landed) counts as written.
//!
//! Any item failure fails the change (the ownership record is then not confirmed, and the next
//! plan shows what is left); the items that were written stay written.

use std::sync::Arc;

use sentinel_arm::{ArmClient, Precondition};
use serde_json::Value;
use tokio::sync::Semaphore;

use super::{ApplyContext, confirm_landed, describe, put_record, record_properties};
use crate::live::{Pending, Stamp, custom_version};
use crate::model::watchlist::Row;
use crate::model::{Resource, Watchlist};
use crate::plan::watchlist::same_row;
use crate::plan::{Action, Change, ItemChange};

/// One item request.
enum ItemOp {
    Delete {
        url: String,
        etag: Option<String>,
    },
    Put {
        url: String,
        body: Value,
        row: Row,
        cond: Precondition,
    },
}

/// The ownership record of the watchlist being written.
pub(super) struct Record<'a> {
    /// Metadata name.
    pub(super) name: &'a str,
    /// Its etag (`None`: a new record).
    pub(super) etag: Option<String>,
    /// The watchlist's resource id.
    pub(super) id: &'a str,
    /// Content id and version recorded.
    pub(super) content_id: &'a str,
    pub(super) version: &'a str,
    /// What the record confirms now.
    pub(super) confirmed: Option<&'a Stamp>,
    /// What is being written.
    pub(super) wanted: &'a Stamp,
}

impl Record<'_> {
    async fn put(
        &mut self,
        cx: &ApplyContext,
        c: &Change,
        text: &str,
        ids: &mut Vec<String>,
    ) -> Result<(), String> {
        let props = record_properties(cx, c, self.id, self.content_id, self.version, text);
        self.etag = put_record(cx, self.name, self.etag.take(), props, ids)
            .await
            .map_err(|e| format!("cannot announce the write in its ownership record: {e}"))?;
        Ok(())
    }
}

/// Writes the definition (when it changes) and every planned item change of `w`, keeping the
/// ownership record in step (see the module doc); returns the record's etag for the final
/// confirmation.
pub(super) async fn write(
    cx: &ApplyContext,
    c: &Change,
    w: &Watchlist,
    mut record: Record<'_>,
    ids: &mut Vec<String>,
) -> Result<Option<String>, String> {
    let definition_only = Stamp {
        hash: Resource::Watchlist(w.without_items()).content_hash(),
        commit: record.wanted.commit.clone(),
    };
    let two_steps = record.confirmed.is_none();
    let first = if two_steps {
        &definition_only
    } else {
        record.wanted
    };
    let announce = custom_version(record.confirmed, Some(&Pending::Write(first.clone())));
    record.put(cx, c, &announce, ids).await?;
    let definition_changes = c.action == Action::Create
        || c.live_body.is_none()
        || c.fields.iter().any(|f| f.path != "metadata.version");
    if definition_changes {
        put_definition(cx, c, record.id, w, ids).await?;
    }
    let Some(items) = c.items.as_ref().filter(|i| !i.is_empty()) else {
        return Ok(record.etag);
    };
    if two_steps {
        let step = custom_version(
            Some(&definition_only),
            Some(&Pending::Write(record.wanted.clone())),
        );
        record.put(cx, c, &step, ids).await?;
    }
    let mut ops: Vec<ItemOp> = Vec::new();
    let url = |i: &ItemChange| cx.ws.watchlist_item(&c.name, &i.name);
    for i in &items.removed {
        ops.push(ItemOp::Delete {
            url: url(i),
            etag: i.etag.clone(),
        });
    }
    let stages: [(&[ItemChange], bool); 2] = [(&items.changed, false), (&items.added, true)];
    let mut puts: Vec<ItemOp> = Vec::new();
    for (list, create) in stages {
        for i in list {
            let Some(row) = w.items.get(&i.key) else {
                return Err(format!(
                    "the repository no longer holds item `{}` of this watchlist",
                    i.key
                ));
            };
            let body = crate::live::item_put_body(i.live_body.as_ref(), &w.item_body(row))
                .map_err(|e| format!("cannot build the body of item `{}`: {e}", i.key))?;
            let cond = match (&i.etag, create) {
                (Some(e), false) => Precondition::IfMatch(e.clone()),
                _ => Precondition::IfNoneMatchStar,
            };
            puts.push(ItemOp::Put {
                url: url(i),
                body,
                row: row.clone(),
                cond,
            });
        }
    }
    let total = ops.len() + puts.len();
    let mut errors = run(cx, ops, ids).await;
    errors.extend(run(cx, puts, ids).await);
    match errors.first() {
        None => Ok(record.etag),
        Some(first) => Err(format!(
            "{} of {total} watchlist item writes failed (the next apply retries them); first: {first}",
            errors.len()
        )),
    }
}

async fn put_definition(
    cx: &ApplyContext,
    c: &Change,
    id: &str,
    w: &Watchlist,
    ids: &mut Vec<String>,
) -> Result<(), String> {
    let body = crate::live::put_body(c.kind, c.live_body.as_ref(), &w.to_arm())
        .map_err(|e| format!("cannot build the request body: {e}"))?;
    let cond = match (c.action, &c.etag) {
        (Action::Create, _) | (_, None) => Precondition::IfNoneMatchStar,
        (_, Some(etag)) => Precondition::IfMatch(etag.clone()),
    };
    match cx.client.put_and_wait(id, &body, cond).await {
        Ok(out) => {
            ids.extend(out.request_id);
            Ok(())
        }
        Err(e) if e.is_conflict() => {
            let want = Resource::Watchlist(w.clone());
            confirm_landed(cx, id, &want)
                .await
                .then_some(())
                .ok_or_else(|| {
                    format!("{e} (the watchlist changed since the plan was made; run plan again)")
                })
        }
        Err(e) => Err(describe(&e)),
    }
}

/// Runs `ops` with at most `parallelism` in flight, noting each answer's request id in `ids` (in
/// the order of `ops`); returns the failures.
async fn run(cx: &ApplyContext, ops: Vec<ItemOp>, ids: &mut Vec<String>) -> Vec<String> {
    let sem = Arc::new(Semaphore::new(cx.parallelism.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, op) in ops.into_iter().enumerate() {
        let (client, sem) = (cx.client.clone(), sem.clone());
        tasks.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, one(&client, op).await)
        });
    }
    let mut errors: Vec<(usize, String)> = Vec::new();
    let mut answered: Vec<(usize, String)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((i, Ok(id))) => answered.extend(id.map(|id| (i, id))),
            Ok((i, Err(e))) => errors.push((i, e)),
            Err(e) => errors.push((usize::MAX, format!("an item write stopped: {e}"))),
        }
    }
    answered.sort();
    ids.extend(answered.into_iter().map(|(_, id)| id));
    errors.sort();
    errors.into_iter().map(|(_, e)| e).collect()
}

/// One item write; the answer's request id (none when an earlier attempt had landed).
async fn one(client: &ArmClient, op: ItemOp) -> Result<Option<String>, String> {
    match op {
        ItemOp::Delete { url, etag } => {
            let cond = etag.map_or(Precondition::None, Precondition::IfMatch);
            client
                .delete(&url, cond)
                .await
                .map(|o| o.request_id)
                .map_err(|e| {
                    if e.is_conflict() {
                        format!("{e} (the item changed since the plan was made; run plan again)")
                    } else {
                        describe(&e)
                    }
                })
        }
        ItemOp::Put {
            url,
            body,
            row,
            cond,
        } => match client.put(&url, &body, cond).await {
            Ok(o) => Ok(o.request_id),
            Err(e) if e.is_conflict() => {
                // did an earlier attempt of ours land? then the item already holds the row
                let landed = client.get(&url).await.ok().flatten().is_some_and(|now| {
                    Watchlist::row_of_item(&now.body).is_some_and(|r| same_row(&r, &row))
                });
                landed.then_some(None).ok_or_else(|| {
                    format!("{e} (the item changed since the plan was made; run plan again)")
                })
            }
            Err(e) => Err(describe(&e)),
        },
    }
}
