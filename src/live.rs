//! Live state: what the workspace holds now, read with LIST calls (never one GET per resource).
//!
//! Reads alert rules, ownership metadata, saved searches (functions and hunting queries),
//! workbooks, watchlists (with one LIST of items per watchlist) and automation rules through
//! `sentinel_arm`, interprets them with the model's `from_arm`, and marks what sentinelctl owns: a
//! `Microsoft.SecurityInsights/metadata` record with source kind `SourceRepository` and source id
//! [`SOURCE_ID`] whose `parentId` is the resource.

use std::collections::BTreeMap;

use anyhow::Context as _;
use sentinel_arm::{ArmClient, WorkspaceRef};
use serde_json::Value;

use crate::model::{
    AnalyticsRule, AutomationRule, HuntingQuery, SavedFunction, Watchlist, Workbook,
};
use crate::model::{Key, Resource, ResourceKind};

/// `source.sourceId` of every ownership record sentinelctl writes.
pub const SOURCE_ID: &str = "sentinelctl";

/// An applied state recorded in an ownership record: the content hash and the source commit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamp {
    /// Content hash (see `Resource::content_hash`).
    pub hash: String,
    /// Source commit.
    pub commit: Option<String>,
}

/// A write announced in an ownership record before it is made (see [`Ownership`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pending {
    /// The resource is being written with this content.
    Write(Stamp),
    /// The resource is being deleted.
    Delete,
}

/// An ownership record found in the workspace.
///
/// The protocol (`docs/architecture.md`, "Ownership"): before a resource is written, its record
/// announces the write (`pending`); after the write succeeds, the record is confirmed (`hash` set
/// to what was written, `pending` cleared). A record whose only content is an announcement does not
/// claim the resource: it becomes ownership only if the live resource is exactly what was announced
/// (the write landed and only the confirmation was lost). Stored in `customVersion` as
/// `<hash>@<commit>` (confirmed), optionally followed by `;pending=<hash>@<commit>` or
/// `;pending=delete`, and preceded after a confirmation by `u=<name>:<hash>,…;` (see
/// [`unmanaged_digest`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ownership {
    /// Metadata resource name.
    pub metadata_name: String,
    /// Content id.
    pub content_id: String,
    /// Content version.
    pub version: String,
    /// Source commit of the confirmed state.
    pub commit: Option<String>,
    /// Content hash of the confirmed state (`None`: nothing confirmed yet).
    pub hash: Option<String>,
    /// An announced write or delete that was not confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Pending>,
    /// Repository name.
    pub repository: String,
    /// Etag of the metadata record.
    pub etag: Option<String>,
    /// The properties sentinelctl does not manage, as the resource held them when the confirmed
    /// state was written: name → short hash (see [`unmanaged_digest`]). `None` for records written
    /// before this was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<BTreeMap<String, String>>,
}

impl Ownership {
    /// True when the record claims the resource (something was confirmed).
    pub fn is_confirmed(&self) -> bool {
        self.hash.is_some()
    }

    /// The hash an interrupted write announced, if any.
    pub fn pending_hash(&self) -> Option<&str> {
        match &self.pending {
            Some(Pending::Write(s)) => Some(&s.hash),
            _ => None,
        }
    }

    /// The confirmed state as a stamp.
    pub fn stamp(&self) -> Option<Stamp> {
        self.hash.clone().map(|hash| Stamp {
            hash,
            commit: self.commit.clone(),
        })
    }
}

/// `customVersion` of a record: the confirmed stamp and an optional announcement.
pub fn custom_version(confirmed: Option<&Stamp>, pending: Option<&Pending>) -> String {
    let stamp = |s: &Stamp| format!("{}@{}", s.hash, s.commit.as_deref().unwrap_or(""));
    let mut parts: Vec<String> = confirmed.map(stamp).into_iter().collect();
    match pending {
        Some(Pending::Write(s)) => parts.push(format!("pending={}", stamp(s))),
        Some(Pending::Delete) => parts.push("pending=delete".into()),
        None => {}
    }
    parts.join(";")
}

/// Prefix of the `customVersion` part that records the unmanaged properties.
const UNMANAGED_PART: &str = "u=";

/// `customVersion` with the unmanaged digest in front (`u=name:hash,…;<stamp>…`): first, so a
/// reader that does not know the part still finds the stamp after it.
pub fn with_unmanaged(custom_version: String, digest: Option<&BTreeMap<String, String>>) -> String {
    match digest {
        Some(d) => {
            let list: Vec<String> = d.iter().map(|(k, h)| format!("{k}:{h}")).collect();
            format!("{UNMANAGED_PART}{};{custom_version}", list.join(","))
        }
        None => custom_version,
    }
}

/// The unmanaged digest recorded in `customVersion`, if any.
pub fn parse_unmanaged(text: &str) -> Option<BTreeMap<String, String>> {
    let part = text
        .split(';')
        .find_map(|p| p.strip_prefix(UNMANAGED_PART))?;
    Some(
        part.split(',')
            .filter_map(|e| e.split_once(':'))
            .map(|(k, h)| (k.to_string(), h.to_string()))
            .collect(),
    )
}

/// Most properties the unmanaged digest names one by one; the rest share the entry `*`.
const MAX_UNMANAGED: usize = 16;

/// The properties of a live body that sentinelctl does not manage (not managed, not read-only,
/// not the envelope; `null` ≡ absent), each with a short hash of its value: recorded at apply
/// time, so plan and drift can say *which* of them changed outside code since (they are kept,
/// never overwritten). Names that are not plain (letters, digits, `_`, `-`, at most 64) or beyond
/// the first 16 are folded into one entry `*`. `None` for a body the wire model cannot read.
pub fn unmanaged_digest(kind: ResourceKind, body: &Value) -> Option<BTreeMap<String, String>> {
    use sentinel_arm::resources::alert_rule::ArmAlertRule;
    use sentinel_arm::resources::automation_rule::ArmAutomationRule;
    use sentinel_arm::resources::saved_search::ArmSavedSearch;
    use sentinel_arm::resources::watchlist::ArmWatchlist;
    use sentinel_arm::resources::workbook::ArmWorkbook;
    fn rest<T: sentinel_arm::resources::WireModel>(body: &Value) -> Option<Vec<(String, Value)>> {
        let model = T::from_json(body).ok()?;
        let managed = model.managed_paths();
        let put = model.to_put_body();
        let is_managed = |path: &str| {
            managed
                .iter()
                .any(|m| *m == path || m.starts_with(&format!("{path}/")))
        };
        let mut out = Vec::new();
        for (k, v) in put.as_object()? {
            if k == "properties" {
                for (pk, pv) in v.as_object().into_iter().flatten() {
                    if !is_managed(&format!("properties/{pk}")) {
                        out.push((pk.clone(), pv.clone()));
                    }
                }
            } else if !matches!(k.as_str(), "etag" | "location") && !is_managed(k) {
                out.push((format!("@{k}"), v.clone()));
            }
        }
        Some(out)
    }
    let fields = match kind {
        ResourceKind::Detection => rest::<ArmAlertRule>(body),
        ResourceKind::Function | ResourceKind::HuntingQuery => rest::<ArmSavedSearch>(body),
        ResourceKind::Workbook => rest::<ArmWorkbook>(body),
        ResourceKind::Watchlist => rest::<ArmWatchlist>(body),
        ResourceKind::AutomationRule => rest::<ArmAutomationRule>(body),
    }?;
    let hash = |v: &Value| {
        crate::model::resource::sha256_hex(&serde_json::to_string(v).unwrap_or_default())[..8]
            .to_string()
    };
    let mut named = BTreeMap::new();
    let mut folded: Vec<(String, Value)> = Vec::new();
    for (k, v) in fields.into_iter().filter(|(_, v)| !v.is_null()) {
        let plain = k.strip_prefix('@').unwrap_or(&k);
        if crate::model::names::is_plain(plain) && named.len() < MAX_UNMANAGED {
            named.insert(k, hash(&v));
        } else {
            folded.push((k, v));
        }
    }
    if !folded.is_empty() {
        named.insert("*".to_string(), hash(&serde_json::json!(folded)));
    }
    Some(named)
}

/// The names of the unmanaged properties that differ between a recorded digest and now (added,
/// removed or changed), sorted.
pub fn unmanaged_changes(
    recorded: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut names: Vec<String> = recorded
        .keys()
        .chain(now.keys())
        .filter(|k| recorded.get(*k) != now.get(*k))
        .map(|k| {
            if k == "*" {
                "(other properties)".to_string()
            } else {
                k.trim_start_matches('@').to_string()
            }
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Parses `customVersion` into (confirmed, pending).
pub fn parse_custom_version(text: &str) -> (Option<Stamp>, Option<Pending>) {
    let stamp = |t: &str| {
        t.split_once('@').map(|(h, c)| Stamp {
            hash: h.to_string(),
            commit: Some(c.to_string()).filter(|c| !c.is_empty()),
        })
    };
    let mut confirmed = None;
    let mut pending = None;
    for part in text
        .split(';')
        .filter(|p| !p.is_empty() && !p.starts_with(UNMANAGED_PART))
    {
        match part.strip_prefix("pending=") {
            Some("delete") => pending = Some(Pending::Delete),
            Some(rest) => pending = stamp(rest).map(Pending::Write),
            None => confirmed = stamp(part),
        }
    }
    (confirmed, pending)
}

/// Name of the ownership record sentinelctl creates for a resource: `sentinelctl-<kind>-<name>`, a
/// scheme Content hub and Sentinel's repositories never use, so adopting a Content hub item never
/// touches its Solution record. (Records written under other names are found by `source.sourceId`.)
pub fn metadata_name(kind: ResourceKind, name: &str) -> String {
    let name = name.to_ascii_lowercase();
    if name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("sentinelctl-{}-{name}", kind.as_str())
    } else {
        let hex = crate::model::resource::sha256_hex(&name);
        format!("sentinelctl-{}-{}", kind.as_str(), &hex[..32])
    }
}

fn etag(v: &Value) -> Option<String> {
    v.get("etag").and_then(Value::as_str).map(str::to_string)
}

fn ownership(meta: &Value) -> Option<(String, Ownership)> {
    let p = meta.get("properties")?;
    let source = p.get("source")?;
    if source.get("kind")?.as_str()? != "SourceRepository"
        || source.get("sourceId").and_then(Value::as_str) != Some(SOURCE_ID)
    {
        return None;
    }
    let parent = p.get("parentId")?.as_str()?.to_ascii_lowercase();
    let (confirmed, pending) = parse_custom_version(
        p.get("customVersion")
            .and_then(Value::as_str)
            .unwrap_or_default(),
    );
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
    Some((
        parent,
        Ownership {
            metadata_name: meta.get("name")?.as_str()?.to_string(),
            content_id: text(p.get("contentId")),
            version: text(p.get("version")),
            commit: confirmed.as_ref().and_then(|s| s.commit.clone()),
            hash: confirmed.map(|s| s.hash),
            pending,
            repository: text(source.get("name")),
            etag: etag(meta),
            unmanaged: parse_unmanaged(
                p.get("customVersion")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            ),
        },
    ))
}

/// One live resource.
#[derive(Debug, Clone)]
pub struct LiveItem {
    /// Interpreted resource; `None` for kinds sentinelctl does not manage (e.g. Fusion rules).
    pub resource: Option<Resource>,
    /// The body as ARM returned it: writes start from it, so nothing the workspace holds is lost.
    pub body: Value,
    /// ARM name as returned.
    pub name: String,
    /// Current etag.
    pub etag: Option<String>,
    /// Ownership, when sentinelctl manages it (a confirmed record, or an announced write that
    /// landed).
    pub owner: Option<Ownership>,
    /// A record of sentinelctl's that does not claim this resource (an announced write that did not
    /// land): reused, with its etag, when the resource is written.
    pub stale_record: Option<Ownership>,
    /// `lastModifiedUtc` when the service reports it.
    pub last_modified: Option<String>,
    /// The ARM kind (rules), for reports.
    pub arm_kind: Option<String>,
    /// `source.kind` of any other metadata record pointing at it (`Solution` = Content hub).
    pub source_kind: Option<String>,
    /// `version` of that metadata record.
    pub metadata_version: Option<String>,
    /// `alertRuleTemplateName` (lower case) of a rule made from a Content hub template.
    pub template: Option<String>,
}

/// Everything read from the workspace.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    /// Resources by (kind, lower-case name).
    pub items: BTreeMap<Key, LiveItem>,
    /// Ownership records that point at no live resource (an interrupted create or delete, or a
    /// resource deleted outside code).
    pub orphan_owners: BTreeMap<Key, Ownership>,
    /// The workspace's tables (lower case), when they could be listed (`None`: not known, e.g.
    /// the identity may not read them).
    pub tables: Option<std::collections::BTreeSet<String>>,
    /// The items of each watchlist as ARM returned them, by lower-case alias (apply writes and
    /// deletes them one by one, each guarded by its etag).
    pub watchlist_items: BTreeMap<String, Vec<Value>>,
}

/// (owner, stale record) for a resource and the record pointing at it: a confirmed record owns it;
/// an announcement owns it only when the resource is exactly what was announced.
fn claim(
    record: Option<Ownership>,
    resource: Option<&Resource>,
) -> (Option<Ownership>, Option<Ownership>) {
    let Some(mut o) = record else {
        return (None, None);
    };
    let landed = resource.is_some_and(|r| o.pending_hash() == Some(r.content_hash().as_str()));
    if landed && let Some(Pending::Write(s)) = &o.pending {
        // the announced write landed; the confirmation is still to be written (plan does)
        o.hash = Some(s.hash.clone());
        o.commit.clone_from(&s.commit);
    }
    if o.is_confirmed() {
        (Some(o), None)
    } else {
        (None, Some(o))
    }
}

/// The body to PUT for `desired` over the live body `live` (when the resource exists): the live
/// resource with sentinelctl's managed properties swapped in and read-only ones removed, through the
/// typed wire models, so nothing the workspace holds is lost (`alertRuleTemplateName`, saved-search
/// `tags`, anything unknown).
pub fn put_body(
    kind: ResourceKind,
    live: Option<&Value>,
    desired: &Value,
) -> Result<Value, String> {
    use sentinel_arm::resources::alert_rule::ArmAlertRule;
    use sentinel_arm::resources::automation_rule::ArmAutomationRule;
    use sentinel_arm::resources::saved_search::ArmSavedSearch;
    use sentinel_arm::resources::watchlist::ArmWatchlist;
    use sentinel_arm::resources::workbook::ArmWorkbook;
    match kind {
        ResourceKind::Detection => merge::<ArmAlertRule>(live, desired),
        ResourceKind::Function => merge::<ArmSavedSearch>(live, desired),
        ResourceKind::HuntingQuery => {
            let mut body = merge::<ArmSavedSearch>(live, desired)?;
            if let Some(live) = live {
                crate::model::hunting::merge_tags(live, &mut body);
            }
            Ok(body)
        }
        ResourceKind::Workbook => merge::<ArmWorkbook>(live, desired),
        ResourceKind::Watchlist => merge::<ArmWatchlist>(live, desired),
        ResourceKind::AutomationRule => merge::<ArmAutomationRule>(live, desired),
    }
}

/// The body to PUT for one watchlist item: the live item (when it exists) with its row replaced.
pub fn item_put_body(live: Option<&Value>, desired: &Value) -> Result<Value, String> {
    merge::<sentinel_arm::resources::watchlist::ArmWatchlistItem>(live, desired)
}

fn merge<T: sentinel_arm::resources::WireModel>(
    live: Option<&Value>,
    desired: &Value,
) -> Result<Value, String> {
    let wanted = T::from_json(desired).map_err(|e| e.to_string())?;
    let Some(live) = live else {
        return Ok(wanted.to_put_body());
    };
    let current = T::from_json(live).map_err(|e| e.to_string())?;
    Ok(current
        .with_managed_from(&wanted)
        .map_err(|e| e.to_string())?
        .to_put_body())
}

/// ARM id of a managed resource (lower case, for matching `parentId`).
pub fn resource_id(ws: &WorkspaceRef, kind: ResourceKind, name: &str) -> String {
    match kind {
        ResourceKind::Detection => ws.alert_rule(name),
        ResourceKind::Function | ResourceKind::HuntingQuery => ws.saved_search(name),
        ResourceKind::Workbook => ws.workbook(name),
        ResourceKind::Watchlist => ws.watchlist(name),
        ResourceKind::AutomationRule => ws.automation_rule(name),
    }
}

/// The kind of the resource an ownership record's `parentId` names (lower case); `kind` is the
/// record's metadata kind, which tells a hunting query from a function (both saved searches).
fn kind_of_parent(parent: &str, kind: Option<&str>) -> ResourceKind {
    if parent.contains("/alertrules/") {
        ResourceKind::Detection
    } else if parent.contains("/savedsearches/") {
        match kind.and_then(ResourceKind::from_metadata_kind) {
            Some(ResourceKind::HuntingQuery) => ResourceKind::HuntingQuery,
            _ => ResourceKind::Function,
        }
    } else if parent.contains("/watchlists/") {
        ResourceKind::Watchlist
    } else if parent.contains("/automationrules/") {
        ResourceKind::AutomationRule
    } else {
        ResourceKind::Workbook
    }
}

/// The items of every watchlist, one (paged) LIST each, at most eight at a time.
async fn read_watchlist_items(
    client: &ArmClient,
    ws: &WorkspaceRef,
    watchlists: &[Value],
) -> anyhow::Result<BTreeMap<String, Vec<Value>>> {
    let aliases: Vec<String> = watchlists
        .iter()
        .filter_map(|w| w.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    let mut out = BTreeMap::new();
    for chunk in aliases.chunks(8) {
        let lists = chunk.iter().map(|alias| async move {
            client
                .list(&ws.watchlist_items(alias))
                .await
                .with_context(|| format!("cannot list the items of watchlist `{alias}`"))
                .map(|items| (alias.to_ascii_lowercase(), items))
        });
        for result in join_all(lists).await {
            let (alias, items) = result?;
            out.insert(alias, items);
        }
    }
    Ok(out)
}

/// Runs futures concurrently and collects their outputs in order (no extra crate for one join).
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Reads the live state with four LIST calls (plus their pages).
pub async fn read(client: &ArmClient, ws: &WorkspaceRef) -> anyhow::Result<LiveState> {
    let (rules, metadata, searches, workbooks, tables, watchlists, automation) = tokio::try_join!(
        async {
            client
                .list(&ws.alert_rules())
                .await
                .context("cannot list the workspace's analytics rules")
        },
        async {
            client
                .list(&ws.metadata_collection())
                .await
                .context("cannot list the workspace's content metadata")
        },
        async {
            client
                .list(&ws.saved_searches())
                .await
                .context("cannot list the workspace's saved searches")
        },
        async {
            // the LIST takes one category: read them all (at once), so a workbook of any
            // category is seen
            let list = |c: &str| {
                let url = ws.workbooks_in(c);
                async move { client.list(&url).await }
            };
            let [a, b, c, d, e] = crate::model::workbook::CATEGORIES;
            let lists = tokio::try_join!(list(a), list(b), list(c), list(d), list(e))
                .context("cannot list the resource group's workbooks")?;
            let mut all: Vec<Value> = Vec::new();
            for w in [lists.0, lists.1, lists.2, lists.3, lists.4]
                .into_iter()
                .flatten()
            {
                if !all.iter().any(|x| x.get("name") == w.get("name")) {
                    all.push(w);
                }
            }
            anyhow::Ok(all)
        },
        async {
            // knowing the tables is an extra check, not a requirement: a reader without
            // `tables/read` still plans
            anyhow::Ok(client.list(&ws.tables()).await.ok())
        },
        async {
            let all = client
                .list(&ws.watchlists())
                .await
                .context("cannot list the workspace's watchlists")?;
            // a watchlist being deleted (asynchronously) is already gone for every purpose
            let live: Vec<Value> = all
                .into_iter()
                .filter(|w| {
                    w.pointer("/properties/provisioningState")
                        .and_then(Value::as_str)
                        != Some("Deleting")
                })
                .collect();
            let items = read_watchlist_items(client, ws, &live).await?;
            anyhow::Ok((live, items))
        },
        async {
            client
                .list(&ws.automation_rules())
                .await
                .context("cannot list the workspace's automation rules")
        },
    )?;
    let (watchlists, watchlist_items) = watchlists;
    let record_kinds: BTreeMap<String, String> = metadata
        .iter()
        .filter_map(|m| {
            let p = m.get("properties")?;
            Some((
                p.get("parentId")?.as_str()?.to_ascii_lowercase(),
                p.get("kind")?.as_str()?.to_string(),
            ))
        })
        .collect();
    let mut owners: BTreeMap<String, Ownership> = metadata.iter().filter_map(ownership).collect();
    let sources: BTreeMap<String, (Option<String>, Option<String>)> = metadata
        .iter()
        .filter(|m| ownership(m).is_none())
        .filter_map(|m| {
            let p = m.get("properties")?;
            let parent = p.get("parentId")?.as_str()?.to_ascii_lowercase();
            let kind = p
                .pointer("/source/kind")
                .and_then(Value::as_str)
                .map(str::to_string);
            let version = p.get("version").and_then(Value::as_str).map(str::to_string);
            Some((parent, (kind, version)))
        })
        .collect();
    let mut state = LiveState {
        tables: tables.map(|t| {
            t.iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str))
                .map(str::to_ascii_lowercase)
                .collect()
        }),
        ..LiveState::default()
    };
    state.watchlist_items.clone_from(&watchlist_items);
    let mut add = |kind: ResourceKind, v: &Value, resource: Option<Resource>| {
        let name = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let id = resource_id(ws, kind, &name).to_ascii_lowercase();
        // an announcement claims the resource only when the resource is what it announced
        let (owner, stale_record) = claim(owners.remove(&id), resource.as_ref());
        let (source_kind, metadata_version) = sources.get(&id).cloned().unwrap_or_default();
        let last_modified = v
            .pointer("/properties/lastModifiedUtc")
            .and_then(Value::as_str)
            .map(str::to_string);
        let arm_kind = v.get("kind").and_then(Value::as_str).map(str::to_string);
        state.items.insert(
            (kind, name.to_ascii_lowercase()),
            LiveItem {
                resource,
                body: v.clone(),
                name,
                etag: etag(v),
                owner,
                stale_record,
                last_modified,
                arm_kind,
                source_kind,
                metadata_version,
                template: v
                    .pointer("/properties/alertRuleTemplateName")
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase),
            },
        );
    };
    for v in &rules {
        add(
            ResourceKind::Detection,
            v,
            AnalyticsRule::from_arm(v).map(Resource::Rule),
        );
    }
    for v in &searches {
        // a saved search with an alias is a function; one in `Hunting Queries` a hunting query
        if let Some(f) = SavedFunction::from_arm(v) {
            add(ResourceKind::Function, v, Some(Resource::Function(f)));
        } else if let Some(h) = HuntingQuery::from_arm(v) {
            add(
                ResourceKind::HuntingQuery,
                v,
                Some(Resource::HuntingQuery(h)),
            );
        }
    }
    for v in &watchlists {
        let alias = v
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let items = watchlist_items.get(&alias).map_or(&[][..], Vec::as_slice);
        add(
            ResourceKind::Watchlist,
            v,
            Watchlist::from_arm(v, items).map(Resource::Watchlist),
        );
    }
    for v in &automation {
        add(
            ResourceKind::AutomationRule,
            v,
            AutomationRule::from_arm(v).map(Resource::AutomationRule),
        );
    }
    for v in &workbooks {
        add(
            ResourceKind::Workbook,
            v,
            Workbook::from_arm(v).map(Resource::Workbook),
        );
    }
    for (parent, owner) in owners {
        let kind = kind_of_parent(&parent, record_kinds.get(&parent).map(String::as_str));
        let name = parent.rsplit('/').next().unwrap_or_default().to_string();
        state.orphan_owners.insert((kind, name), owner);
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_unmanaged_digest_rides_in_front_of_the_stamp() {
        let stamp = Stamp {
            hash: "abc".into(),
            commit: Some("c1".into()),
        };
        let mut digest = BTreeMap::new();
        digest.insert("templateVersion".to_string(), "0badf00d".to_string());
        let text = with_unmanaged(custom_version(Some(&stamp), None), Some(&digest));
        assert_eq!(text, "u=templateVersion:0badf00d;abc@c1");
        let (confirmed, pending) = parse_custom_version(&text);
        assert_eq!(confirmed, Some(stamp));
        assert_eq!(pending, None);
        assert_eq!(parse_unmanaged(&text), Some(digest));
        assert_eq!(parse_unmanaged("abc@c1"), None, "an older record");
        assert_eq!(parse_unmanaged("u=;abc@"), Some(BTreeMap::new()));
    }

    #[test]
    fn the_digest_leaves_out_managed_read_only_and_null_members() {
        let rule = json!({
            "id": "/x/alertRules/r", "name": "r", "etag": "\"1\"", "kind": "Scheduled",
            "properties": {
                "displayName": "managed", "query": "T", "enabled": true,
                "lastModifiedUtc": "2026-01-01T00:00:00Z", "templateVersion": "1.0.2",
                "alertRuleTemplateName": null,
            }
        });
        let d = unmanaged_digest(ResourceKind::Detection, &rule).unwrap();
        assert_eq!(d.keys().collect::<Vec<_>>(), ["templateVersion"]);
        let mut edited = rule.clone();
        edited["properties"]["templateVersion"] = "1.0.3".into();
        edited["properties"]["alertRuleTemplateName"] = "t".into();
        edited["properties"]["displayName"] = "changed, but managed".into();
        let now = unmanaged_digest(ResourceKind::Detection, &edited).unwrap();
        assert_eq!(
            unmanaged_changes(&d, &now),
            ["alertRuleTemplateName", "templateVersion"]
        );
        // a template-bound rule's display fields belong to its template: not in the digest
        let fusion = json!({"name": "f", "kind": "Fusion", "properties": {
            "alertRuleTemplateName": "t", "enabled": true, "displayName": "x", "severity": "High"}});
        assert_eq!(
            unmanaged_digest(ResourceKind::Detection, &fusion),
            Some(BTreeMap::new())
        );
    }

    #[test]
    fn hostile_or_many_names_fold_into_one_entry() {
        let mut props = serde_json::Map::new();
        props.insert("displayName".into(), json!("x"));
        props.insert("a;b=c".into(), json!(1));
        for i in 0..20 {
            props.insert(format!("p{i:02}"), json!(i));
        }
        let rule = json!({"name": "r", "kind": "Scheduled", "properties": props});
        let d = unmanaged_digest(ResourceKind::Detection, &rule).unwrap();
        assert_eq!(d.len(), MAX_UNMANAGED + 1);
        assert!(d.contains_key("*"));
        let text = with_unmanaged("h@".into(), Some(&d));
        assert_eq!(
            parse_unmanaged(&text),
            Some(d),
            "names never break the format"
        );
    }
}
