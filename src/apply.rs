//! Apply: run a [`Plan`] against the workspace and report one outcome per change.
//!
//! Order: functions, rules, workbooks; deletes in reverse. Within a stage, writes run
//! concurrently up to `parallelism`. Each write first records ownership (metadata), then writes
//! the resource guarded by the etag read at plan time (`If-Match`, or `If-None-Match: *` for a
//! create), so an interrupted apply leaves at worst an ownership record whose resource is
//! missing, which the next plan turns into a create. A failure never stops independent changes;
//! a rule whose function failed is skipped.

use std::collections::BTreeSet;
use std::sync::Arc;

use sentinel_arm::{ArmClient, ArmError, Precondition, WorkspaceRef};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::desired::DesiredState;
use crate::live::{SOURCE_ID, metadata_name, resource_id};
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

/// Applies the writing changes of `plan`.
pub async fn apply(cx: Arc<ApplyContext>, plan: &Plan, progress: Progress) -> ApplyReport {
    let mut report = ApplyReport::default();
    let mut failed_functions: BTreeSet<String> = BTreeSet::new();
    let stages: [(bool, ResourceKind); 6] = [
        (false, ResourceKind::Function),
        (false, ResourceKind::Detection),
        (false, ResourceKind::Workbook),
        (true, ResourceKind::Workbook),
        (true, ResourceKind::Detection),
        (true, ResourceKind::Function),
    ];
    for (deletes, kind) in stages {
        let batch: Vec<&Change> = plan
            .changes
            .iter()
            .filter(|c| {
                c.kind == kind && c.action.writes() && (c.action == Action::Delete) == deletes
            })
            .collect();
        let sem = Arc::new(Semaphore::new(cx.parallelism.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, c) in batch.iter().enumerate() {
            let blocked: Vec<&String> = c
                .depends_on
                .iter()
                .filter(|f| failed_functions.contains(&f.to_ascii_lowercase()))
                .collect();
            if !blocked.is_empty() {
                let o = outcome(
                    c,
                    Status::Skipped(format!("function `{}` failed to deploy", blocked[0])),
                );
                progress(&o);
                report.outcomes.push(o);
                continue;
            }
            let (cx, c, sem) = (cx.clone(), (*c).clone(), sem.clone());
            tasks.spawn(async move {
                let _permit = sem.acquire_owned().await;
                let status = match write(&cx, &c).await {
                    Ok(()) => Status::Done,
                    Err(e) => Status::Failed(e),
                };
                (i, outcome(&c, status))
            });
        }
        let mut done: Vec<(usize, Outcome)> = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, o)) = joined {
                progress(&o);
                if kind == ResourceKind::Function
                    && matches!(o.status, Status::Failed(_))
                    && !deletes
                {
                    failed_functions.insert(o.display_name.to_ascii_lowercase());
                    failed_functions.insert(o.name.to_ascii_lowercase());
                }
                done.push((i, o));
            }
        }
        done.sort_by_key(|(i, _)| *i);
        report.outcomes.extend(done.into_iter().map(|(_, o)| o));
    }
    report
}

fn outcome(c: &Change, status: Status) -> Outcome {
    Outcome {
        kind: c.kind,
        name: c.name.clone(),
        display_name: c.display_name.clone(),
        action: c.action,
        status,
    }
}

fn describe(e: &ArmError) -> String {
    e.to_string()
}

async fn write(cx: &ApplyContext, c: &Change) -> Result<(), String> {
    // the name becomes a path segment: never let `..` or `a/b` aim the request elsewhere
    crate::model::names::check(c.kind, &c.name).map_err(|e| format!("not written: {e}"))?;
    let id = resource_id(&cx.ws, c.kind, &c.name);
    if c.action == Action::Delete {
        let cond = c
            .etag
            .clone()
            .map_or(Precondition::None, Precondition::IfMatch);
        cx.client
            .delete(&id, cond)
            .await
            .map_err(|e| describe(&e))?;
        let meta = c.owner.as_ref().map_or_else(
            || metadata_name(c.kind, &c.name),
            |o| o.metadata_name.clone(),
        );
        cx.client
            .delete(&cx.ws.metadata(&meta), Precondition::None)
            .await
            .map_err(|e| format!("deleted, but its ownership record was not: {e}"))?;
        return Ok(());
    }
    let key = (c.kind, c.name.to_ascii_lowercase());
    let item = cx
        .desired
        .items
        .get(&key)
        .ok_or_else(|| "the repository no longer holds this content".to_string())?;
    let meta_name = c.owner.as_ref().map_or_else(
        || metadata_name(c.kind, &c.name),
        |o| o.metadata_name.clone(),
    );
    let meta = json!({"properties": {
        "contentId": item.content_id, "parentId": id, "kind": c.kind.metadata_kind(), "version": item.version,
        "source": {"kind": "SourceRepository", "name": cx.repository, "sourceId": SOURCE_ID},
        "author": {"name": "sentinelctl"},
        "customVersion": crate::live::custom_version(&item.resource.content_hash(), item.commit.as_deref().or(cx.commit.as_deref())),
    }});
    // A record already saying exactly this (left by an interrupted run) is not written again.
    let current = c.owner.as_ref().is_some_and(|o| {
        o.version == item.version
            && o.content_id == item.content_id
            && o.repository == cx.repository
            && Some(crate::live::custom_version(
                o.hash.as_deref().unwrap_or_default(),
                o.commit.as_deref(),
            )) == meta
                .pointer("/properties/customVersion")
                .and_then(|v| v.as_str())
                .map(str::to_string)
    });
    if !current {
        cx.client
            .put(&cx.ws.metadata(&meta_name), &meta, Precondition::None)
            .await
            .map_err(|e| format!("cannot record ownership: {e}"))?;
    }
    let (body, cond) = body_for(&item.resource, c);
    match cx.client.put(&id, &body, cond).await {
        Ok(_) => Ok(()),
        Err(e @ ArmError::PreconditionFailed { .. }) => confirm_landed(cx, &id, &item.resource)
            .await
            .then_some(())
            .ok_or_else(|| {
                format!("{e} (the resource changed since the plan was made; run plan again)")
            }),
        Err(e) => Err(describe(&e)),
    }
}

/// After a 412 on a retried write, checks whether our own earlier attempt landed.
async fn confirm_landed(cx: &ApplyContext, id: &str, want: &Resource) -> bool {
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
    };
    live.is_some_and(|l| l.fields() == want.fields())
}

/// Adds the live properties sentinelctl does not model, so an update loses nothing.
fn with_preserved(mut body: Value, c: &Change) -> Value {
    if let Some(props) = body.get_mut("properties").and_then(Value::as_object_mut) {
        for (k, v) in &c.preserved {
            props.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    body
}

fn body_for(resource: &Resource, c: &Change) -> (Value, Precondition) {
    let cond = match (c.action, &c.etag) {
        (Action::Create, _) => Precondition::IfNoneMatchStar,
        (_, Some(etag)) => Precondition::IfMatch(etag.clone()),
        (_, None) => Precondition::None,
    };
    let body = match resource {
        Resource::Rule(r) => json!({"kind": r.kind.as_str(), "properties": r.to_arm()}),
        Resource::Function(f) => {
            let mut b = json!({"properties": f.to_arm()});
            if let (Some(etag), Some(m)) = (&c.etag, b.as_object_mut()) {
                m.insert("etag".into(), Value::String(etag.clone()));
            }
            b
        }
        Resource::Workbook(w) => w.to_arm(),
    };
    (with_preserved(body, c), cond)
}
