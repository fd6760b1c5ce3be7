//! Apply: run a [`Plan`] against the workspace and report one outcome per change.
//!
//! Order: watchlists, functions, rules and hunting queries, automation rules, workbooks; deletes
//! in reverse. Within a stage, writes run concurrently up to `parallelism`. Each change follows
//! the ownership protocol (announce, write, confirm; see [`write`]), every request guarded by an
//! etag, so an interruption or failure at any write leaves a state the next plan reads correctly
//! and the next apply finishes. A failure never stops independent changes; a change whose
//! dependency failed or was skipped (a function it calls, a watchlist it reads, a rule an
//! automation rule names) is skipped. Watchlists write their definition, then their items one by
//! one (`apply/watchlist.rs`).

mod watchlist;

use std::collections::BTreeSet;
use std::sync::Arc;

use sentinel_arm::{ArmClient, ArmError, Precondition, WorkspaceRef};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::desired::DesiredState;
use crate::live::{Pending, SOURCE_ID, Stamp, custom_version, metadata_name, resource_id};
use crate::model::{Resource, ResourceKind};
use crate::plan::{Action, Change, Plan};

/// How one change ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "lowercase")]
pub enum Status {
    /// Written.
    Done,
    /// The write failed; the message says why.
    Failed(String),
    /// Not attempted; the message says why.
    Skipped(String),
}

/// One change's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Kind.
    pub kind: ResourceKind,
    /// Resource name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// What was attempted.
    pub action: Action,
    /// How it ended.
    #[serde(flatten)]
    pub status: Status,
    /// `x-ms-request-id` of every request that answered, in order (ownership record, resource,
    /// items), for audit trails and support cases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_ids: Vec<String>,
}

/// The result of an apply (the `apply --format json` document, with `format_version` 1).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    /// One entry per writing change, in apply order.
    pub outcomes: Vec<Outcome>,
}

impl ApplyReport {
    /// Count of failed changes.
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| matches!(o.status, Status::Failed(_)))
            .count()
    }
}

/// What an apply did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The plan that was applied.
    pub plan: Plan,
    /// One outcome per write.
    pub report: ApplyReport,
    /// Who, when and from what, for the audit record.
    pub audit: AuditFacts,
}

impl Applied {
    /// (done, failed, skipped).
    pub fn counts(&self) -> (usize, usize, usize) {
        let done = self
            .report
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Done)
            .count();
        let failed = self.report.failed();
        (done, failed, self.report.outcomes.len() - done - failed)
    }
}

/// The facts an audit record of an apply carries besides the plan and outcomes.
#[derive(Debug, Clone, Default)]
pub struct AuditFacts {
    /// When the apply started and finished (UTC, ISO 8601).
    pub started: String,
    /// When it finished.
    pub finished: String,
    /// The repository commit applied (`git rev-parse HEAD`), when a Git checkout.
    pub commit: Option<String>,
    /// The repository name recorded in ownership records.
    pub repository: String,
    /// The identity ARM was called with, as the environment configures it (method, client id,
    /// tenant); never a secret.
    pub identity: Vec<(&'static str, String)>,
    /// Who ran it, from the CI system's variables (or the local user).
    pub invoker: Vec<(&'static str, String)>,
}

/// What apply needs besides the plan.
pub struct ApplyContext {
    /// ARM client.
    pub client: Arc<ArmClient>,
    /// Workspace.
    pub ws: WorkspaceRef,
    /// Desired state the plan was computed from (bodies come from here).
    pub desired: DesiredState,
    /// Repository name for ownership records.
    pub repository: String,
    /// Source commit.
    pub commit: Option<String>,
    /// Concurrent writes.
    pub parallelism: usize,
}

/// Called after each change finishes (for progress display).
pub type Progress = Arc<dyn Fn(&Outcome) + Send + Sync>;

/// The names dependants use for a change that did not deploy (see `DesiredItem::depends_on`).
fn dependency_names(c: &Change) -> Vec<String> {
    match c.kind {
        ResourceKind::Function => vec![
            c.display_name.to_ascii_lowercase(),
            c.name.to_ascii_lowercase(),
        ],
        ResourceKind::Watchlist => vec![crate::desired::watchlist_dependency(&c.name)],
        ResourceKind::Detection => std::iter::once(&c.name)
            .chain(c.source_name.as_ref())
            .map(|n| crate::desired::detection_dependency(n))
            .collect(),
        _ => Vec::new(),
    }
}

/// Applies the writing changes of `plan`.
pub async fn apply(cx: Arc<ApplyContext>, plan: &Plan, progress: Progress) -> ApplyReport {
    let mut report = ApplyReport::default();
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let stages: Vec<(bool, u8)> = (0..=4)
        .map(|s| (false, s))
        .chain((0..=4).rev().map(|s| (true, s)))
        .collect();
    for (deletes, stage) in stages {
        let batch: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| {
                c.kind.stage() == stage
                    && c.action.writes()
                    && (c.action == Action::Delete) == deletes
            })
            .collect();
        let sem = Arc::new(Semaphore::new(cx.parallelism.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, c) in batch.iter().enumerate() {
            let blocked: Vec<&String> = c
                .depends_on
                .iter()
                .filter(|f| failed.contains(&f.to_ascii_lowercase()))
                .collect();
            if !blocked.is_empty() && !deletes {
                let o = outcome(c, Status::Skipped(skip_reason(blocked[0])));
                progress(&o);
                failed.extend(dependency_names(c));
                report.outcomes.push(o);
                continue;
            }
            let (cx, c, sem) = (cx.clone(), (*c).clone(), sem.clone());
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let mut ids = Vec::new();
                let status = match write(&cx, &c, &mut ids).await {
                    Ok(()) => Status::Done,
                    Err(e) => Status::Failed(e),
                };
                let mut o = outcome(&c, status);
                o.request_ids = ids;
                (i, c, o)
            });
        }
        let mut done: Vec<(usize, Outcome)> = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, c, o)) = joined {
                progress(&o);
                if matches!(o.status, Status::Failed(_)) && !deletes {
                    failed.extend(dependency_names(&c));
                }
                done.push((i, o));
            }
        }
        done.sort_by_key(|(i, _)| *i);
        report.outcomes.extend(done.into_iter().map(|(_, o)| o));
    }
    report
}

/// Why a change is skipped: the dependency `dep` (a function alias, `watchlist:<alias>` or
/// `detection:<id>`) did not deploy.
fn skip_reason(dep: &str) -> String {
    if let Some(alias) = dep.strip_prefix("watchlist:") {
        format!("watchlist `{alias}` failed to deploy")
    } else if let Some(id) = dep.strip_prefix("detection:") {
        format!("analytics rule `{id}` failed to deploy")
    } else {
        format!("function `{dep}` failed to deploy")
    }
}

fn outcome(c: &Change, status: Status) -> Outcome {
    Outcome {
        kind: c.kind,
        name: c.name.clone(),
        display_name: c.display_name.clone(),
        action: c.action,
        status,
        request_ids: Vec::new(),
    }
}

pub(crate) fn describe(e: &ArmError) -> String {
    e.to_string()
}

/// The record's name and etag: the record that claims the resource, else a stale record of ours
/// (an interrupted create), else a new name.
fn record_of(c: &Change) -> (String, Option<String>) {
    c.owner.as_ref().or(c.stale_record.as_ref()).map_or_else(
        || (metadata_name(c.kind, &c.name), None),
        |o| (o.metadata_name.clone(), o.etag.clone()),
    )
}

/// Writes an ownership record (guarded by its etag, or `If-None-Match: *` for a new one) and
/// returns the new etag.
async fn put_record(
    cx: &ApplyContext,
    name: &str,
    etag: Option<String>,
    properties: Value,
    ids: &mut Vec<String>,
) -> Result<Option<String>, ArmError> {
    let cond = etag.map_or(Precondition::IfNoneMatchStar, Precondition::IfMatch);
    let out = cx
        .client
        .put(
            &cx.ws.metadata(name),
            &json!({ "properties": properties }),
            cond,
        )
        .await?;
    ids.extend(out.request_id);
    Ok(out.etag)
}

fn record_properties(
    cx: &ApplyContext,
    c: &Change,
    id: &str,
    content_id: &str,
    version: &str,
    custom_version: &str,
) -> Value {
    json!({
        "contentId": content_id, "parentId": id, "kind": c.kind.metadata_kind(), "version": version,
        "source": {"kind": "SourceRepository", "name": cx.repository, "sourceId": SOURCE_ID},
        "author": {"name": "sentinelctl"},
        "customVersion": custom_version,
    })
}

/// One change, by the ownership protocol (`docs/architecture.md`, "Ownership"):
/// 1. announce: the record says which content is about to be written (`pending`); a new record
///    made this way claims nothing until confirmed;
/// 2. write the resource (`If-Match` the planned etag, `If-None-Match: *` for a create), starting
///    from the live body so nothing the workspace holds is lost;
/// 3. confirm: the record says what was written.
///
/// Every step is conditional, so an interruption anywhere leaves a state the next plan reads
/// correctly (an announcement that did not land, or one that landed and awaits confirmation) and
/// the next apply finishes. Deletes announce `pending=delete`, delete the resource, then the record.
async fn write(cx: &ApplyContext, c: &Change, ids: &mut Vec<String>) -> Result<(), String> {
    // the name becomes a path segment: never let `..` or `a/b` aim the request elsewhere
    crate::model::names::check(c.kind, &c.name).map_err(|e| format!("not written: {e}"))?;
    let id = resource_id(&cx.ws, c.kind, &c.name);
    let (record, record_etag) = record_of(c);
    if c.action == Action::Delete {
        return delete(cx, c, &id, &record, record_etag, ids).await;
    }
    let key = (
        c.kind,
        c.source_name
            .clone()
            .unwrap_or_else(|| c.name.to_ascii_lowercase()),
    );
    let item = cx
        .desired
        .items
        .get(&key)
        .ok_or_else(|| "the repository no longer holds this content".to_string())?;
    let wanted = Stamp {
        hash: item.resource.content_hash(),
        commit: item.commit.clone().or_else(|| cx.commit.clone()),
    };
    let confirmed = c.owner.as_ref().and_then(crate::live::Ownership::stamp);
    // Adopting content that already says what the repository says, or a version-only change:
    // only the record changes (the plan shows no field of the resource).
    let resource_changes = c.action == Action::Create
        || c.fields.iter().any(|f| f.path != "metadata.version")
        || c.live_body.is_none();
    let landed_already = c.owner.as_ref().and_then(|o| o.pending_hash())
        == Some(wanted.hash.as_str())
        && confirmed.as_ref().is_some_and(|s| s.hash == wanted.hash);
    let resource_changes = resource_changes || c.items.as_ref().is_some_and(|i| !i.is_empty());
    let mut etag = record_etag;
    // what the resource holds outside the managed fields once written: recorded, so plan and
    // drift can name what changes there later (the live body when only the record changes)
    let mut held = c.live_body.clone();
    if resource_changes && !landed_already {
        if let Resource::Watchlist(w) = &item.resource {
            let record = watchlist::Record {
                name: &record,
                etag,
                id: &id,
                content_id: &item.content_id,
                version: &item.version,
                confirmed: confirmed.as_ref(),
                wanted: &wanted,
            };
            etag = watchlist::write(cx, c, w, record, ids).await?;
        } else {
            let announce =
                custom_version(confirmed.as_ref(), Some(&Pending::Write(wanted.clone())));
            let props = record_properties(cx, c, &id, &item.content_id, &item.version, &announce);
            etag = put_record(cx, &record, etag, props, ids)
                .await
                .map_err(|e| format!("cannot announce the write in its ownership record: {e}"))?;
            held = put_resource(cx, c, &id, &item.resource, ids).await?;
        }
    }
    let digest = held
        .as_ref()
        .and_then(|b| crate::live::unmanaged_digest(c.kind, b));
    let done = crate::live::with_unmanaged(custom_version(Some(&wanted), None), digest.as_ref());
    let props = record_properties(cx, c, &id, &item.content_id, &item.version, &done);
    put_record(cx, &record, etag, props, ids).await.map_err(|e| {
        format!(
            "written, but its ownership record was not confirmed (the next apply confirms it): {e}"
        )
    })?;
    Ok(())
}

async fn put_resource(
    cx: &ApplyContext,
    c: &Change,
    id: &str,
    want: &Resource,
    ids: &mut Vec<String>,
) -> Result<Option<Value>, String> {
    let body = crate::live::put_body(c.kind, c.live_body.as_ref(), &want.arm_body())
        .map_err(|e| format!("cannot build the request body: {e}"))?;
    let cond = match (c.action, &c.etag) {
        (Action::Create, _) => Precondition::IfNoneMatchStar,
        (_, Some(etag)) => Precondition::IfMatch(etag.clone()),
        (_, None) => Precondition::IfNoneMatchStar,
    };
    let url = match c.kind {
        ResourceKind::Detection => cx.ws.alert_rule_at(
            &c.name,
            sentinel_arm::api_version::for_alert_rule_body(&body),
        ),
        _ => id.to_string(),
    };
    match cx.client.put(&url, &body, cond).await {
        Ok(out) => {
            ids.extend(out.request_id);
            // the service's answer holds its normalisations; a body-less answer, what was sent
            Ok(Some(if out.body.is_object() { out.body } else { body }))
        }
        // 412 (stale If-Match) and 409 (stale body etag, savedSearches): did our own earlier attempt
        // land? Then it is done; else someone changed the resource since the plan.
        Err(e) if e.is_conflict() => confirm_landed(cx, id, want)
            .await
            .then_some(Some(body))
            .ok_or_else(|| {
                format!("{e} (the resource changed since the plan was made; run plan again)")
            }),
        Err(e) => Err(describe(&e)),
    }
}

async fn delete(
    cx: &ApplyContext,
    c: &Change,
    id: &str,
    record: &str,
    record_etag: Option<String>,
    ids: &mut Vec<String>,
) -> Result<(), String> {
    let mut etag = record_etag;
    if c.owner
        .as_ref()
        .is_some_and(|o| o.pending != Some(Pending::Delete))
        && c.live_body.is_some()
    {
        let o = c.owner.as_ref().expect("checked");
        let announce = custom_version(o.stamp().as_ref(), Some(&Pending::Delete));
        let props = record_properties(cx, c, id, &o.content_id, &o.version, &announce);
        etag = put_record(cx, record, etag, props, ids)
            .await
            .map_err(|e| format!("cannot announce the delete in its ownership record: {e}"))?;
    }
    if c.live_body.is_some() {
        let cond = c
            .etag
            .clone()
            .map_or(Precondition::None, Precondition::IfMatch);
        if c.kind == ResourceKind::Watchlist {
            // asynchronous in Azure: wait until the watchlist (and its items) are gone
            let out = cx
                .client
                .delete_and_wait(id, cond)
                .await
                .map_err(|e| describe(&e))?;
            ids.extend(out.request_id);
        } else {
            let out = cx.client.delete(id, cond).await.map_err(|e| describe(&e))?;
            ids.extend(out.request_id);
        }
    }
    let cond = etag.map_or(Precondition::None, Precondition::IfMatch);
    let out = cx
        .client
        .delete(&cx.ws.metadata(record), cond)
        .await
        .map_err(|e| {
            format!("deleted, but its ownership record was not (the next apply removes it): {e}")
        })?;
    ids.extend(out.request_id);
    Ok(())
}

/// After a conflict on a write, checks whether our own earlier attempt landed.
pub(crate) async fn confirm_landed(cx: &ApplyContext, id: &str, want: &Resource) -> bool {
    let Ok(Some(now)) = cx.client.get(id).await else {
        return false;
    };
    let live = match want {
        Resource::Rule(_) => crate::model::AnalyticsRule::from_arm(&now.body).map(Resource::Rule),
        Resource::Function(_) => {
            crate::model::SavedFunction::from_arm(&now.body).map(Resource::Function)
        }
        Resource::Workbook(_) => {
            crate::model::Workbook::from_arm(&now.body).map(Resource::Workbook)
        }
        Resource::HuntingQuery(_) => {
            crate::model::HuntingQuery::from_arm(&now.body).map(Resource::HuntingQuery)
        }
        Resource::AutomationRule(_) => {
            crate::model::AutomationRule::from_arm(&now.body).map(Resource::AutomationRule)
        }
        // the definition only (items are confirmed one by one), and not one being deleted: a PUT
        // to a watchlist being deleted is refused (409) whatever it says
        Resource::Watchlist(w) => {
            let deleting = now
                .body
                .pointer("/properties/provisioningState")
                .and_then(serde_json::Value::as_str)
                == Some("Deleting");
            return !deleting
                && crate::model::Watchlist::from_arm(&now.body, &[])
                    .is_some_and(|l| l.definition_fields() == w.definition_fields());
        }
    };
    live.is_some_and(|l| l.fields() == want.fields())
}
