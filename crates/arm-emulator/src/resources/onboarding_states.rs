//! `Microsoft.SecurityInsights/onboardingStates`: whether Microsoft Sentinel is enabled on the
//! workspace. The only state is `default` (the REST reference: "Supports - default"); GET answers
//! it while the workspace is onboarded (every new workspace is) and 404 once it was deleted; PUT
//! onboards, DELETE offboards — after which every other Sentinel call on the workspace answers 400
//! "Workspace '…' is not onboarded to Microsoft Sentinel" (see the router).

use serde_json::{Value, json};

use super::{Family, api_version, method_not_allowed};
use crate::errors::{Reply, arm_error};
use crate::request::Ctx;
use crate::store::WorkspaceId;

const TYPE: &str = "Microsoft.SecurityInsights/onboardingStates";

fn render(ws: &WorkspaceId) -> Value {
    json!({
        "id": format!("{}/providers/{TYPE}/default", ws.canonical()),
        "name": "default",
        "type": TYPE,
        "properties": {"customerManagedKey": false},
    })
}

fn not_found(ws: &WorkspaceId) -> Reply {
    arm_error(
        404,
        "NotFound",
        format!(
            "Microsoft Sentinel is not onboarded to workspace '{}': no onboarding state 'default'.",
            ws.name
        ),
    )
}

pub(crate) fn handle(ctx: &Ctx<'_>, ws: &WorkspaceId, name: Option<&str>) -> Reply {
    if let Err(r) = api_version(ctx, Family::SecurityInsights) {
        return r;
    }
    let onboarded = || {
        ctx.app
            .store
            .read(|st| st.workspace(ws).is_some_and(|w| w.sentinel))
    };
    let is_default = name.is_some_and(|n| n.eq_ignore_ascii_case("default"));
    match (ctx.method, name) {
        ("GET", None) => {
            let value: Vec<Value> = if onboarded() {
                vec![render(ws)]
            } else {
                Vec::new()
            };
            Reply::json(200, json!({ "value": value }))
        }
        ("GET", Some(_)) if is_default && onboarded() => Reply::json(200, render(ws)),
        ("GET", Some(_)) => not_found(ws),
        ("PUT", Some(_)) if is_default => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let created = !w.sentinel;
            w.sentinel = true;
            (
                Reply::json(if created { 201 } else { 200 }, render(ws)),
                created,
            )
        }),
        ("PUT", Some(n)) => arm_error(
            400,
            "BadRequest",
            format!("The onboarding state name must be 'default', not '{n}'."),
        ),
        ("DELETE", Some(_)) if is_default => ctx.app.store.write(|st| {
            let Some(w) = st.workspace_mut(ws) else {
                return (ctx.workspace_not_found(ws), false);
            };
            let existed = w.sentinel;
            w.sentinel = false;
            (Reply::empty(if existed { 200 } else { 204 }), existed)
        }),
        ("DELETE", Some(_)) => Reply::empty(204),
        (m, _) => method_not_allowed(m),
    }
}
