//! `doctor`: checks, in order, what a working deployment needs — the login, the workspace and
//! Sentinel on it, the roles, the tables the content reads, the saved functions, data arriving and
//! the analytics rules' health — and says what to fix for each failure ([`crate::doctor`] holds
//! the checks and their judgements; this module makes the requests).
//!
//! Reads only: one identity lookup, a handful of ARM GETs and LISTs (the same read `plan` makes)
//! and at most one query per connector table plus one of `SentinelHealth`.

use std::collections::BTreeSet;

use sentinel_arm::logs::QueryTable;
use sentinel_arm::{ArmError, QueryBody};
use serde_json::Value;

use super::connection::{ConnectOptions, Connection, connect};
use super::target::Target;
use crate::doctor::{
    Check, CheckId, DoctorReport, FeedData, ONEPASSWORD_FEEDS, Permission, Status, actions,
    judge_data, missing, table_fix, tables_read,
};
use crate::live::LiveState;
use crate::model::{Resource, ResourceKind};
use crate::plan::{Action, PlanOptions};
use crate::session::Session;

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct DoctorRequest {
    /// Environment name or path.
    pub env: String,
    /// How to connect.
    pub connect: ConnectOptions,
}

/// The column the 1Password connector names its feed in.
const FEED_COLUMN: &str = "log_source";

/// Runs every check of `req`'s environment. Errors only when the repository or environment file
/// cannot be used at all; everything about the workspace is a check's verdict.
pub fn doctor(cx: &Session, req: &DoctorRequest) -> anyhow::Result<DoctorReport> {
    let target = Target::open(cx, &req.env, &[])?;
    let mut connect_options = req.connect.clone();
    connect_options
        .embedded_tables
        .extend(super::connection::custom_tables(&target.repo));
    let checks = super::runtime()?.block_on(async {
        match connect(cx, &target.env, &connect_options).await {
            Ok(mut conn) => {
                let checks = run_checks(&mut conn, &target).await;
                conn.close().await;
                checks
            }
            Err(e) => {
                let mut checks = vec![Check::fail(
                    CheckId::Login,
                    format!("cannot connect: {}", one_line(&e)),
                    "fix the environment's endpoints or login settings as the message says",
                )];
                skip_rest(&mut checks, CheckId::Login);
                checks
            }
        }
    });
    Ok(DoctorReport {
        format_version: 1,
        environment: target.env.name.clone(),
        workspace: target.env.workspace.clone(),
        checks,
    })
}

/// `e` and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    text.lines().next().unwrap_or_default().to_string()
}

fn arm_message(e: &ArmError) -> (String, Option<String>) {
    (e.to_string(), e.hint())
}

/// Skips every check after `failed`.
fn skip_rest(checks: &mut Vec<Check>, failed: CheckId) {
    for id in CheckId::ALL {
        if !checks.iter().any(|c| c.id == id) {
            checks.push(Check::skip(id, failed));
        }
    }
}

async fn run_checks(conn: &mut Connection, target: &Target) -> Vec<Check> {
    let mut checks = Vec::new();
    let env = &target.env;

    // 1. login
    match conn.client.identity().await {
        Ok(Some(id)) => checks.push(Check::pass(
            CheckId::Login,
            format!("signed in as {}", id.describe()),
        )),
        Ok(None) => checks.push(Check::pass(
            CheckId::Login,
            "signed in (the token is opaque: the identity cannot be shown)",
        )),
        Err(e) => {
            let (message, hint) = arm_message(&e);
            checks.push(Check::fail(
                CheckId::Login,
                format!("cannot sign in: {message}"),
                hint.unwrap_or_else(|| "check the environment's `auth` settings".into()),
            ));
            skip_rest(&mut checks, CheckId::Login);
            return checks;
        }
    }

    // 2. workspace
    let customer_id = match conn.client.workspace(&conn.ws).await {
        Ok(Some(ws)) => {
            let id = ws.properties.customer_id.clone();
            checks.push(Check::pass(
                CheckId::Workspace,
                format!(
                    "`{}` in {} (workspace id {})",
                    env.workspace,
                    ws.location.as_deref().unwrap_or("an unknown region"),
                    id.as_deref().unwrap_or("unknown")
                ),
            ));
            id
        }
        Ok(None) => {
            checks.push(Check::fail(
                CheckId::Workspace,
                format!(
                    "workspace `{}` does not exist in resource group `{}` of subscription `{}`",
                    env.workspace, env.resource_group, env.subscription_id
                ),
                format!(
                    "correct `subscriptionId`, `resourceGroup` and `workspace` in the environment file of `{}`, or create the workspace",
                    env.name
                ),
            ));
            skip_rest(&mut checks, CheckId::Workspace);
            return checks;
        }
        Err(e) => {
            let (message, hint) = arm_message(&e);
            checks.push(Check::fail(
                CheckId::Workspace,
                format!("cannot read workspace `{}`: {message}", env.workspace),
                hint.unwrap_or_else(|| {
                    "the login needs at least Reader (or Microsoft Sentinel Reader) on the workspace".into()
                }),
            ));
            skip_rest(&mut checks, CheckId::Workspace);
            return checks;
        }
    };

    // 3. Sentinel onboarded
    match conn.client.get(&conn.ws.onboarding_state()).await {
        Ok(Some(_)) => checks.push(Check::pass(
            CheckId::Sentinel,
            "Microsoft Sentinel is enabled on the workspace",
        )),
        Ok(None) => {
            checks.push(Check::fail(
                CheckId::Sentinel,
                format!("Microsoft Sentinel is not enabled on workspace `{}`", env.workspace),
                format!(
                    "add Microsoft Sentinel to the workspace (portal: Microsoft Sentinel → Create → `{}`), or `az sentinel onboarding-state create --name default --resource-group {} --workspace-name {}`",
                    env.workspace, env.resource_group, env.workspace
                ),
            ));
            skip_rest(&mut checks, CheckId::Sentinel);
            return checks;
        }
        Err(e) => {
            let (message, hint) = arm_message(&e);
            checks.push(Check::fail(
                CheckId::Sentinel,
                format!("cannot read Sentinel's onboarding state: {message}"),
                hint.unwrap_or_else(|| {
                    "the login needs Microsoft Sentinel Reader on the workspace".into()
                }),
            ));
            skip_rest(&mut checks, CheckId::Sentinel);
            return checks;
        }
    }

    // 4. permissions
    let can_query = match permissions(conn).await {
        Ok(perms) => {
            let (check, can_query) = judge_permissions(&perms, target);
            let stop = check.status == Status::Fail;
            checks.push(check);
            if stop {
                skip_rest(&mut checks, CheckId::Permissions);
                return checks;
            }
            can_query
        }
        Err(e) => {
            let (message, _) = arm_message(&e);
            checks.push(Check::warn(
                CheckId::Permissions,
                format!("cannot list the login's permissions: {message}"),
                "the roles could not be verified; the checks below show what reading works",
            ));
            true
        }
    };

    // 5–8 need the workspace's content
    let live = match conn.read_live(&env.workspace).await {
        Ok(l) => l,
        Err(e) => {
            checks.push(Check::fail(
                CheckId::Tables,
                format!("cannot read the workspace: {}", one_line(&e)),
                "see the permissions check; reading needs Microsoft Sentinel Reader and Log Analytics Reader",
            ));
            skip_rest(&mut checks, CheckId::Tables);
            return checks;
        }
    };
    checks.push(check_tables(target, &live));
    checks.push(check_functions(target, &live));

    let query = if can_query {
        match (conn.logs_client(), customer_id) {
            (Ok(client), Some(id)) => Some((client, id)),
            (Err(e), _) => {
                checks.push(Check::warn(
                    CheckId::Data,
                    format!("cannot query the workspace: {}", one_line(&e)),
                    "the data and rule-run checks need the Log Analytics query API",
                ));
                None
            }
            (_, None) => {
                checks.push(Check::warn(
                    CheckId::Data,
                    "the workspace has no workspace id (customerId) to query",
                    "the workspace may still be provisioning; run doctor again later",
                ));
                None
            }
        }
    } else {
        checks.push(Check::warn(
            CheckId::Data,
            "not checked: the login may not run queries (Microsoft.OperationalInsights/workspaces/query/read)",
            "assign Log Analytics Reader (or Microsoft Sentinel Reader) on the workspace to check data arrival",
        ));
        None
    };
    if let Some((client, id)) = &query {
        checks.extend(check_data(target, &live, client, id).await);
    }
    checks.push(check_rule_health(target, &live, query.as_ref()).await);
    checks
}

async fn permissions(conn: &Connection) -> Result<Vec<Permission>, ArmError> {
    let values = conn.client.list(&conn.ws.permissions()).await?;
    Ok(values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

/// The permissions verdict, and whether the login may query.
fn judge_permissions(perms: &[Permission], target: &Target) -> (Check, bool) {
    let env = &target.env;
    let read = missing(perms, actions::READ);
    let write = missing(perms, actions::WRITE);
    let query = missing(perms, actions::QUERY);
    let mut details: Vec<String> = Vec::new();
    details.extend(read.iter().map(|a| format!("plan/drift need {a}")));
    details.extend(write.iter().map(|a| format!("apply needs {a}")));
    details.extend(query.iter().map(|a| format!("query/test --env need {a}")));
    let roles = format!(
        "Microsoft Sentinel Contributor on resource group `{}` (subscription `{}`) to the identity (it covers rules, metadata, saved functions and the group's workbooks; or Microsoft Sentinel Contributor on the workspace plus Workbook Contributor on the group — docs/ci-setup.md)",
        env.resource_group, env.subscription_id
    );
    let check = if !read.is_empty() {
        Check::fail(
            CheckId::Permissions,
            "the login cannot read Sentinel content: plan, drift and apply will be refused",
            format!(
                "assign Microsoft Sentinel Reader on resource group `{}` to read, or, to apply too, {roles}",
                env.resource_group
            ),
        )
    } else if !write.is_empty() {
        Check::warn(
            CheckId::Permissions,
            "plan and drift will work; apply will be refused (read-only login)",
            format!("if this identity deploys: assign {roles}"),
        )
    } else {
        Check::pass(
            CheckId::Permissions,
            "the login may read (plan, drift) and write (apply) everything sentinelctl manages",
        )
    };
    (check.with_details(details), query.is_empty())
}

fn check_tables(target: &Target, live: &LiveState) -> Check {
    let read = tables_read(&target.desired);
    let Some(tables) = &live.tables else {
        return Check::warn(
            CheckId::Tables,
            "the workspace's tables could not be listed",
            "the login needs Microsoft.OperationalInsights/workspaces/tables/read (Log Analytics Reader)",
        );
    };
    let absent: Vec<(&String, &Vec<String>)> = read
        .iter()
        .filter(|(t, _)| !tables.contains(&t.to_ascii_lowercase()))
        .collect();
    if absent.is_empty() {
        let names: Vec<&str> = read.keys().map(String::as_str).collect();
        return Check::pass(
            CheckId::Tables,
            if names.is_empty() {
                "the content reads no table".to_string()
            } else {
                format!("every table the content reads exists: {}", names.join(", "))
            },
        );
    }
    let details = absent
        .iter()
        .map(|(t, readers)| format!("{t}: read by {}", readers.join(", ")))
        .collect();
    let fixes: Vec<String> = absent.iter().map(|(t, _)| table_fix(t)).collect();
    let names: Vec<String> = absent.iter().map(|(t, _)| format!("`{t}`")).collect();
    Check::fail(
        CheckId::Tables,
        format!(
            "missing in the workspace: {} — Sentinel refuses the rules that read {}",
            names.join(", "),
            if absent.len() == 1 { "it" } else { "them" }
        ),
        fixes.join("; "),
    )
    .with_details(details)
}

fn check_functions(target: &Target, live: &LiveState) -> Check {
    let plan = crate::plan::plan(
        &target.desired,
        live,
        target.commit.clone(),
        &PlanOptions::default(),
    );
    let functions: Vec<&crate::plan::Change> = plan
        .changes
        .iter()
        .filter(|c| c.kind == ResourceKind::Function && c.action != Action::Unmanaged)
        .collect();
    if functions.is_empty() {
        return Check::pass(
            CheckId::Functions,
            "the environment deploys no saved function",
        );
    }
    let mut details = Vec::new();
    for c in &functions {
        let what = match c.action {
            Action::NoOp => continue,
            Action::Create => "not deployed",
            Action::Update => "deployed but differs from the repository",
            Action::Conflict | Action::Adopt => {
                "a saved search of that name exists that sentinelctl does not manage"
            }
            Action::Delete | Action::Orphaned => "deployed but no longer in the repository",
            Action::Blocked => "cannot be deployed (see `plan`)",
            Action::Unmanaged => continue,
        };
        details.push(format!("{}: {what}", c.display_name));
    }
    let current = functions.len() - details.len();
    let nothing_deployed =
        live.items.values().all(|i| i.owner.is_none()) && live.orphan_owners.is_empty();
    if nothing_deployed && current == 0 {
        return Check::warn(
            CheckId::Functions,
            format!(
                "nothing from this repository is deployed yet: the {} saved functions the skills call are not in the workspace",
                functions.len()
            ),
            format!("deploy them: `sentinelctl apply --env {}`", target.env.name),
        );
    }
    if details.is_empty() {
        return Check::pass(
            CheckId::Functions,
            format!("{current} saved functions deployed and current"),
        );
    }
    Check::fail(
        CheckId::Functions,
        format!(
            "{} of {} saved functions are not current (skills calling them fail or answer from old code)",
            details.len(),
            functions.len()
        ),
        format!(
            "run `sentinelctl plan --env {0}` to see the difference, then `sentinelctl apply --env {0}` (a conflict needs `--adopt`)",
            target.env.name
        ),
    )
    .with_details(details)
}

/// A table name safe to put in a query as `['name']`.
fn quoted_table(name: &str) -> Option<String> {
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| format!("['{name}']"))
}

fn cell_text(row: &[Value], table: &QueryTable, column: &str) -> Option<String> {
    let i = table
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(column))?;
    match row.get(i)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn cell_number(row: &[Value], table: &QueryTable, column: &str) -> Option<i64> {
    // the queries ask for `count()` and `tolong(…)`: integers
    cell_text(row, table, column)?.parse::<i64>().ok()
}

async fn run_query(
    client: &sentinel_arm::LogsQueryClient,
    id: &str,
    query: String,
) -> Result<QueryTable, String> {
    let results = client
        .query(id, &QueryBody::new(query))
        .await
        .map_err(|e| e.to_string())?;
    if let Some(e) = results.partial_error() {
        return Err(format!("partial result: {e}"));
    }
    results
        .primary()
        .cloned()
        .ok_or_else(|| "no result table".to_string())
}

/// One data check per connector (`_CL`) table the content reads and the workspace has.
async fn check_data(
    target: &Target,
    live: &LiveState,
    client: &sentinel_arm::LogsQueryClient,
    id: &str,
) -> Vec<Check> {
    let present: BTreeSet<String> = live.tables.clone().unwrap_or_default();
    let mut checks = Vec::new();
    for table in tables_read(&target.desired).into_keys() {
        if !table.to_ascii_lowercase().ends_with("_cl")
            || !present.contains(&table.to_ascii_lowercase())
        {
            continue;
        }
        let Some(quoted) = quoted_table(&table) else {
            continue;
        };
        let has_feeds = target.repo.tables.iter().any(|t| {
            t.name.eq_ignore_ascii_case(&table) && t.columns.iter().any(|(c, _)| c == FEED_COLUMN)
        });
        let by = if has_feeds {
            format!(" by Feed = tostring({FEED_COLUMN})")
        } else {
            String::new()
        };
        let query = format!(
            "{quoted} | where TimeGenerated > ago(7d) | summarize Last = max(TimeGenerated), Day = countif(TimeGenerated > ago(1d)), Week = count(){by} | extend AgeSeconds = tolong((now() - Last) / 1s)"
        );
        match run_query(client, id, query).await {
            Ok(t) => {
                let feeds: Vec<FeedData> = t
                    .rows
                    .iter()
                    .map(|r| FeedData {
                        feed: cell_text(r, &t, "Feed").unwrap_or_else(|| table.clone()),
                        age_seconds: cell_number(r, &t, "AgeSeconds"),
                        last_day: cell_number(r, &t, "Day").unwrap_or(0).max(0).unsigned_abs(),
                        last_week: cell_number(r, &t, "Week").unwrap_or(0).max(0).unsigned_abs(),
                    })
                    .filter(|f| f.last_week > 0)
                    .collect();
                let expected: &[&str] = if table.eq_ignore_ascii_case("OnePasswordEventLogs_CL") {
                    ONEPASSWORD_FEEDS
                } else {
                    &[]
                };
                checks.push(judge_data(&table, &feeds, expected));
            }
            Err(e) => checks.push(Check::warn(
                CheckId::Data,
                format!("cannot query `{table}`: {e}"),
                "check the query permissions (Log Analytics Reader) and try `sentinelctl query --env` with a simple query",
            )),
        }
    }
    if checks.is_empty() {
        checks.push(Check::pass(
            CheckId::Data,
            "the content reads no connector (_CL) table present in the workspace",
        ));
    }
    checks
}

/// Rules Sentinel disabled by itself, and (with `SentinelHealth`) rules whose last run failed.
async fn check_rule_health(
    target: &Target,
    live: &LiveState,
    query: Option<&(sentinel_arm::LogsQueryClient, String)>,
) -> Check {
    let mut failing = Vec::new();
    for (key, item) in &live.items {
        let Some(Resource::Rule(rule)) = &item.resource else {
            continue;
        };
        let live_rule = Resource::Rule(rule.clone());
        // what the repository's description lacks is Sentinel's reason; for a rule the repository
        // does not hold, all of its description is
        let reason = if let Some(d) = target.desired.items.get(key) {
            crate::drift::auto_disabled(&d.resource, &live_rule)
        } else {
            let mut bare = rule.clone();
            bare.description.clear();
            crate::drift::auto_disabled(&Resource::Rule(bare), &live_rule)
        };
        if let Some(reason) = reason {
            let owner = if item.owner.is_some() {
                ""
            } else {
                " (not managed by sentinelctl)"
            };
            failing.push(format!(
                "{}{owner}: auto-disabled — {reason}",
                rule.display_name
            ));
        }
    }
    let mut health_note = None;
    match query {
        Some((client, id))
            if live
                .tables
                .as_ref()
                .is_some_and(|t| t.contains("sentinelhealth")) =>
        {
            let q = "SentinelHealth | where TimeGenerated > ago(1d) | where SentinelResourceType == 'Analytics Rule' | summarize arg_max(TimeGenerated, Status, Description) by SentinelResourceName | where Status != 'Success'".to_string();
            match run_query(client, id, q).await {
                Ok(t) => {
                    for r in &t.rows {
                        failing.push(format!(
                            "{}: last run {} — {}",
                            cell_text(r, &t, "SentinelResourceName").unwrap_or_default(),
                            cell_text(r, &t, "Status").unwrap_or_default(),
                            cell_text(r, &t, "Description").unwrap_or_default()
                        ));
                    }
                }
                Err(e) => health_note = Some(format!("SentinelHealth could not be queried: {e}")),
            }
        }
        Some(_) => {
            health_note = Some(
                "health monitoring is off (no SentinelHealth table): only the rules' state was checked"
                    .to_string(),
            );
        }
        None => health_note = Some("run results not checked (no query access)".to_string()),
    }
    if !failing.is_empty() {
        return Check::fail(
            CheckId::RuleHealth,
            format!("{} analytics rules are disabled by Sentinel or failing", failing.len()),
            format!(
                "fix what the reason names (a missing table or function, a permission, a query that times out), then `sentinelctl apply --env {}` re-enables the rules it manages",
                target.env.name
            ),
        )
        .with_details(failing);
    }
    let rules = live
        .items
        .values()
        .filter(|i| matches!(i.resource, Some(Resource::Rule(_))))
        .count();
    match health_note {
        Some(note) if note.starts_with("health monitoring is off") => Check::warn(
            CheckId::RuleHealth,
            format!("{rules} analytics rules, none auto-disabled; {note}"),
            "turn on health monitoring for analytics rules (Microsoft Sentinel → Settings → Health monitoring) to see failed runs",
        ),
        Some(note) => Check::warn(
            CheckId::RuleHealth,
            format!("{rules} analytics rules, none auto-disabled; {note}"),
            "check the query permissions (Log Analytics Reader)",
        ),
        None => Check::pass(
            CheckId::RuleHealth,
            format!("{rules} analytics rules, none auto-disabled, no failed run in 24 hours"),
        ),
    }
}
