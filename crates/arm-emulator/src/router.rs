//! Request routing and the ARM pipeline (authentication, the subscription's tenant, forbidden scopes,
//! throttling, existence checks), in the order ARM applies them. Owns the path → `Route` parse and
//! the dispatch to handlers; handlers own their resource semantics.
//!
//! A second path family (e.g. the Log Analytics query API, `/v1/workspaces/{customerId}/query`) is a
//! new `Route` variant parsed before the ARM paths and a handler module of its own; `is_arm` keeps
//! faults and throttling to ARM paths, and `arm_pre` is ARM's pipeline only.

use crate::app::App;
use crate::auth;
use crate::encoding;
use crate::errors::{Reply, arm_error};
use crate::request::Ctx;
use crate::resources::{
    self, alert_rules, automation_rules, metadata, onboarding_states, saved_searches, tables,
    watchlists, workbooks, workspaces,
};
use crate::store::WorkspaceId;
use crate::throttle::{OpClass, Take};
use hyper::HeaderMap;

/// What kind of ARM operation a request was, for the traffic files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// Not an ARM resource call (token endpoint, admin, discovery).
    Other,
    /// The workspace itself (no spec held here: not written as traffic).
    Workspace,
    /// Tables: Tables.json does not resolve offline (NOTES §17), so oav cannot check it: not written.
    Tables,
    /// Sentinel alertRules / metadata: `default` is CloudError, so any 2xx/4xx is declared.
    Sentinel,
    /// savedSearches: only 200 is declared.
    SavedSearches,
    /// workbooks: `default` is WorkbookError.
    Workbooks,
}

impl Operation {
    /// Whether the spec declares this status for the operation (faults and throttling never are).
    pub(crate) fn declares(self, status: u16) -> bool {
        match self {
            Operation::Other | Operation::Workspace | Operation::Tables => false,
            Operation::SavedSearches => status == 200,
            Operation::Sentinel | Operation::Workbooks => status != 429 && status < 500,
        }
    }
}

enum Route {
    Token {
        tenant: String,
        v1: bool,
    },
    OpenId {
        tenant: String,
    },
    InstanceDiscovery,
    Keys,
    Admin(Vec<String>),
    /// The Log Analytics query API, `/v1/workspaces/{customerId}/query`.
    LogQuery {
        customer_id: String,
    },
    Workspace(WorkspaceId),
    /// `{workspace}/providers/Microsoft.Authorization/permissions`.
    Permissions(WorkspaceId),
    WsChild {
        ws: WorkspaceId,
        coll: Child,
        name: Option<String>,
        /// A sub-path after the name: a table action (`migrate`, `cancelSearch`) or
        /// `watchlistItems[/{id}]` / `watchlistStatuses/{id}` under a watchlist.
        rest: Vec<String>,
    },
    Workbooks {
        sub: String,
        rg: Option<String>,
        name: Option<String>,
    },
    ArmUnknown {
        sub: String,
        what: String,
    },
    NotFound,
}

#[derive(Clone, Copy)]
enum Child {
    AlertRules,
    Metadata,
    SavedSearches,
    Tables,
    Watchlists,
    AutomationRules,
    OnboardingStates,
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn parse(path: &str) -> Route {
    let segs: Vec<String> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .map(|s| encoding::percent_decode(s, false))
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["_emulator", rest @ ..] => Route::Admin(rest.iter().map(|x| (*x).to_string()).collect()),
        [v1, wss, id, q] if eq(v1, "v1") && eq(wss, "workspaces") && eq(q, "query") => {
            Route::LogQuery {
                customer_id: (*id).to_string(),
            }
        }
        [t, o, v, tok] if eq(o, "oauth2") && eq(v, "v2.0") && eq(tok, "token") => Route::Token {
            tenant: (*t).to_string(),
            v1: false,
        },
        [t, o, tok] if eq(o, "oauth2") && eq(tok, "token") => Route::Token {
            tenant: (*t).to_string(),
            v1: true,
        },
        [t, v, w, oc]
            if eq(v, "v2.0") && eq(w, ".well-known") && eq(oc, "openid-configuration") =>
        {
            Route::OpenId {
                tenant: (*t).to_string(),
            }
        }
        [t, w, oc] if eq(w, ".well-known") && eq(oc, "openid-configuration") => Route::OpenId {
            tenant: (*t).to_string(),
        },
        [c, d, i] if eq(c, "common") && eq(d, "discovery") && eq(i, "instance") => {
            Route::InstanceDiscovery
        }
        [_, d, v, k] if eq(d, "discovery") && eq(v, "v2.0") && eq(k, "keys") => Route::Keys,
        [subs, sub, rgs, rg, p, ns, wss, ws, rest @ ..]
            if eq(subs, "subscriptions")
                && eq(rgs, "resourceGroups")
                && eq(p, "providers")
                && eq(ns, "Microsoft.OperationalInsights")
                && eq(wss, "workspaces") =>
        {
            let id = WorkspaceId {
                subscription: (*sub).to_string(),
                resource_group: (*rg).to_string(),
                name: (*ws).to_string(),
            };
            match rest {
                [] => Route::Workspace(id),
                [p2, authz, perms]
                    if eq(p2, "providers")
                        && eq(authz, "Microsoft.Authorization")
                        && eq(perms, "permissions") =>
                {
                    Route::Permissions(id)
                }
                [p2, si, coll, name @ ..]
                    if eq(p2, "providers")
                        && eq(si, "Microsoft.SecurityInsights")
                        && (name.len() <= 1 || (eq(coll, "watchlists") && name.len() <= 3)) =>
                {
                    let child = if eq(coll, "alertRules") {
                        Child::AlertRules
                    } else if eq(coll, "metadata") {
                        Child::Metadata
                    } else if eq(coll, "watchlists") {
                        Child::Watchlists
                    } else if eq(coll, "automationRules") {
                        Child::AutomationRules
                    } else if eq(coll, "onboardingStates") {
                        Child::OnboardingStates
                    } else {
                        return Route::ArmUnknown {
                            sub: (*sub).to_string(),
                            what: format!("Microsoft.SecurityInsights/{coll}"),
                        };
                    };
                    Route::WsChild {
                        ws: id,
                        coll: child,
                        name: name.first().map(|n| (*n).to_string()),
                        rest: name.iter().skip(1).map(|s| (*s).to_string()).collect(),
                    }
                }
                [ss, name @ ..] if eq(ss, "savedSearches") && name.len() <= 1 => Route::WsChild {
                    ws: id,
                    coll: Child::SavedSearches,
                    name: name.first().map(|n| (*n).to_string()),
                    rest: Vec::new(),
                },
                [tb, name @ ..] if eq(tb, "tables") && name.len() <= 2 => Route::WsChild {
                    ws: id,
                    coll: Child::Tables,
                    name: name.first().map(|n| (*n).to_string()),
                    rest: name.iter().skip(1).map(|s| (*s).to_string()).collect(),
                },
                _ => Route::ArmUnknown {
                    sub: (*sub).to_string(),
                    what: path.to_string(),
                },
            }
        }
        [subs, sub, rgs, rg, p, ns, wb, name @ ..]
            if eq(subs, "subscriptions")
                && eq(rgs, "resourceGroups")
                && eq(p, "providers")
                && eq(ns, "Microsoft.Insights")
                && eq(wb, "workbooks")
                && name.len() <= 1 =>
        {
            Route::Workbooks {
                sub: (*sub).to_string(),
                rg: Some((*rg).to_string()),
                name: name.first().map(|n| (*n).to_string()),
            }
        }
        [subs, sub, p, ns, wb]
            if eq(subs, "subscriptions")
                && eq(p, "providers")
                && eq(ns, "Microsoft.Insights")
                && eq(wb, "workbooks") =>
        {
            Route::Workbooks {
                sub: (*sub).to_string(),
                rg: None,
                name: None,
            }
        }
        [subs, sub, ..] if eq(subs, "subscriptions") => Route::ArmUnknown {
            sub: (*sub).to_string(),
            what: path.to_string(),
        },
        _ => Route::NotFound,
    }
}

/// Whether a path is an ARM call (faults and throttling apply to those only).
pub(crate) fn is_arm(path: &str) -> bool {
    path.trim_start_matches('/')
        .get(..13)
        .is_some_and(|p| p.eq_ignore_ascii_case("subscriptions"))
}

/// Routes and answers one request.
pub(crate) fn dispatch(
    app: &App,
    method: &str,
    path: &str,
    query_str: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Reply, Operation) {
    let query = encoding::parse_query(query_str, false);
    let mut ctx = Ctx {
        app,
        method,
        path,
        query,
        headers,
        body,
        token: None,
        ratelimit: None,
    };
    let (mut reply, op) = route_and_handle(&mut ctx, parse(path));
    if let Some((class, remaining)) = ctx.ratelimit {
        let names: &[&str] = match class {
            OpClass::Read => &["x-ms-ratelimit-remaining-subscription-reads"],
            OpClass::Write => &["x-ms-ratelimit-remaining-subscription-writes"],
            OpClass::Delete => &[
                "x-ms-ratelimit-remaining-subscription-deletes",
                "x-ms-ratelimit-remaining-subscription-writes",
            ],
        };
        for n in names {
            reply = reply.with_header(n, remaining.to_string());
        }
    }
    (reply, op)
}

fn route_and_handle(ctx: &mut Ctx<'_>, route: Route) -> (Reply, Operation) {
    let app = ctx.app;
    let method = ctx.method;
    let path = ctx.path;
    let body = ctx.body;
    match route {
        Route::Token { tenant, v1 } => {
            if method != "POST" {
                return (resources::method_not_allowed(method), Operation::Other);
            }
            (
                app.auth.token(&tenant, body, v1, &app.base_url),
                Operation::Other,
            )
        }
        Route::OpenId { tenant } => (
            auth::openid_configuration(&app.base_url, &tenant),
            Operation::Other,
        ),
        Route::InstanceDiscovery => (
            auth::instance_discovery(&app.base_url, &ctx.query),
            Operation::Other,
        ),
        Route::Keys => (
            Reply::json(200, serde_json::json!({"keys": []})),
            Operation::Other,
        ),
        Route::Admin(rest) => {
            if !app.admin_token.accepts(ctx.headers) {
                return (admin_unauthorized(), Operation::Other);
            }
            (crate::admin::handle(ctx, &rest), Operation::Other)
        }
        Route::LogQuery { customer_id } => {
            (crate::logs::handle(ctx, &customer_id), Operation::Other)
        }
        Route::NotFound => (
            arm_error(404, "NotFound", format!("No route for '{method} {path}'.")),
            Operation::Other,
        ),
        Route::ArmUnknown { sub, what } => {
            let op = Operation::Other;
            if let Err(r) = arm_pre(ctx, &sub) {
                return (r, op);
            }
            (
                arm_error(
                    404,
                    "InvalidResourceType",
                    format!(
                        "The resource type could not be found for '{what}'. The emulator serves alertRules, metadata, watchlists, automationRules, onboardingStates, savedSearches, tables, workbooks, workspaces and their permissions."
                    ),
                ),
                op,
            )
        }
        Route::Workspace(ws) => {
            let op = Operation::Workspace;
            if let Err(r) = arm_pre(ctx, &ws.subscription) {
                return (r, op);
            }
            if method != "PUT"
                && let Err(r) = exists(ctx, &ws)
            {
                return (r, op);
            }
            (workspaces::handle(ctx, &ws), op)
        }
        Route::Permissions(ws) => {
            let op = Operation::Other;
            if let Err(r) = arm_pre(ctx, &ws.subscription) {
                return (r, op);
            }
            if let Err(r) = exists(ctx, &ws) {
                return (r, op);
            }
            let reply = match method {
                "GET" => Reply::json(200, ctx.app.access.permissions(ctx.path)),
                m => crate::resources::method_not_allowed(m),
            };
            (reply, op)
        }
        Route::WsChild {
            ws,
            coll,
            name,
            rest,
        } => {
            let op = match coll {
                Child::SavedSearches => Operation::SavedSearches,
                Child::Tables => Operation::Tables,
                // not in the contracts we hold (../shared/specs): not written as traffic
                Child::OnboardingStates => Operation::Other,
                // The delete status URL is not an operation of the spec: not written as traffic.
                Child::Watchlists if rest.first().is_some_and(|s| eq(s, "watchlistStatuses")) => {
                    Operation::Other
                }
                _ => Operation::Sentinel,
            };
            if let Err(r) = arm_pre(ctx, &ws.subscription) {
                return (r, op);
            }
            if let Err(r) = exists(ctx, &ws) {
                return (r, op);
            }
            if matches!(
                coll,
                Child::AlertRules | Child::Metadata | Child::Watchlists | Child::AutomationRules
            ) && let Err(r) = onboarded(ctx, &ws)
            {
                return (r, op);
            }
            let name = name.as_deref();
            let reply = match coll {
                Child::AlertRules => alert_rules::handle(ctx, &ws, name),
                Child::Metadata => metadata::handle(ctx, &ws, name),
                Child::SavedSearches => saved_searches::handle(ctx, &ws, name),
                Child::Tables => tables::handle(ctx, &ws, name, rest.first().map(String::as_str)),
                Child::Watchlists => watchlists::handle(ctx, &ws, name, &rest),
                Child::AutomationRules => automation_rules::handle(ctx, &ws, name),
                Child::OnboardingStates => onboarding_states::handle(ctx, &ws, name),
            };
            (reply, op)
        }
        Route::Workbooks { sub, rg, name } => {
            let op = Operation::Workbooks;
            if let Err(r) = arm_pre(ctx, &sub) {
                return (r, op);
            }
            let known = app.store.read(|st| {
                if !st.subscription_known(&sub) {
                    Err(subscription_not_found(&sub))
                } else if let Some(rg) = &rg {
                    if st.resource_group_known(&sub, rg) {
                        Ok(())
                    } else {
                        Err(ctx.resource_group_not_found(&sub, rg))
                    }
                } else {
                    Ok(())
                }
            });
            if let Err(r) = known {
                return (r, op);
            }
            (
                workbooks::handle(ctx, &sub, rg.as_deref(), name.as_deref()),
                op,
            )
        }
    }
}

fn admin_unauthorized() -> Reply {
    arm_error(
        401,
        "AdminTokenRequired",
        "The emulator's admin API needs its admin token: send 'Authorization: Bearer <token>' or 'x-emulator-admin-token: <token>'. The token is the admin_token of the ready line `sentinelctl emulator` prints (Emulator::admin_token() in process), or the one set with Config::admin_token.",
    )
    .with_header("WWW-Authenticate", "Bearer realm=\"arm-emulator-admin\"")
}

fn subscription_not_found(sub: &str) -> Reply {
    arm_error(
        404,
        "SubscriptionNotFound",
        format!("The subscription '{sub}' could not be found."),
    )
}

/// Subscription, resource group and workspace must exist.
fn exists(ctx: &Ctx<'_>, ws: &WorkspaceId) -> Result<(), Reply> {
    ctx.app.store.read(|st| {
        if !st.subscription_known(&ws.subscription) {
            Err(subscription_not_found(&ws.subscription))
        } else if !st.resource_group_known(&ws.subscription, &ws.resource_group) {
            Err(ctx.resource_group_not_found(&ws.subscription, &ws.resource_group))
        } else if st.workspace(ws).is_none() {
            Err(ctx.workspace_not_found(ws))
        } else {
            Ok(())
        }
    })
}

/// Authentication, the subscription's tenant, forbidden scopes (see `access`), then throttling. On success the rate-limit header is remembered for the answer.
/// Sentinel's answer for a workspace it is not enabled on (as quoted in e.g.
/// hashicorp/terraform-provider-azurerm#20661).
fn onboarded(ctx: &Ctx<'_>, ws: &WorkspaceId) -> Result<(), Reply> {
    if ctx
        .app
        .store
        .read(|st| st.workspace(ws).is_none_or(|w| w.sentinel))
    {
        return Ok(());
    }
    Err(arm_error(
        400,
        "BadRequest",
        format!(
            "Workspace '{}' is not onboarded to Microsoft Sentinel. Please onboard through the portal (https://learn.microsoft.com/en-us/azure/sentinel/quickstart-onboard) or use the OnboardingStates ARM api to onboard to Sentinel (https://learn.microsoft.com/en-us/rest/api/securityinsights/sentinel-onboarding-states/create).",
            ws.name
        ),
    ))
}

fn arm_pre(ctx: &mut Ctx<'_>, subscription: &str) -> Result<(), Reply> {
    let authz = ctx.header("authorization").map(str::to_string);
    let token = ctx.app.auth.check(authz.as_deref(), &ctx.app.base_url)?;
    ctx.app.access.check_tenant(subscription, &token.tenant)?;
    ctx.app
        .access
        .check_scope(ctx.method, ctx.path, &token.object_id)?;
    ctx.token = Some(token);
    let class = match ctx.method {
        "GET" | "HEAD" => OpClass::Read,
        "DELETE" => OpClass::Delete,
        _ => OpClass::Write,
    };
    match ctx.app.throttle.take(subscription, class) {
        Take::Allowed(Some(remaining)) => {
            ctx.ratelimit = Some((class, remaining));
            Ok(())
        }
        Take::Allowed(None) => Ok(()),
        Take::Throttled(secs) => {
            let what = match class {
                OpClass::Read => "read",
                OpClass::Write => "write",
                OpClass::Delete => "delete",
            };
            let oid = ctx
                .token
                .as_ref()
                .map_or_else(String::new, |t| t.object_id.clone());
            Err(arm_error(
                429,
                "SubscriptionRequestsThrottled",
                format!("Number of '{what}' requests for subscription '{subscription}' actor '{oid}' exceeded. Please try again after '{secs}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information."),
            )
            .with_header("Retry-After", secs.to_string()))
        }
    }
}
