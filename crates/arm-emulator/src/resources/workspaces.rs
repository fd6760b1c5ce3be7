//! The Log Analytics workspace itself: GET answers it; PUT creates (seeds) it so a test or a user can
//! add workspaces through plain ARM calls.

use serde_json::Value;

use super::{Family, api_version, method_not_allowed};
use crate::errors::Reply;
use crate::request::Ctx;
use crate::store::WorkspaceId;

pub(crate) fn handle(ctx: &Ctx<'_>, ws: &WorkspaceId) -> Reply {
    if let Err(r) = api_version(ctx, Family::OperationalInsights) {
        return r;
    }
    match ctx.method {
        "GET" => ctx.app.store.read(|st| match st.workspace(ws) {
            Some(w) => Reply::json(200, w.resource()),
            None => ctx.workspace_not_found(ws),
        }),
        "PUT" => {
            let body: Value = serde_json::from_slice(ctx.body).unwrap_or(Value::Null);
            let location = body
                .get("location")
                .and_then(Value::as_str)
                .map(str::to_string);
            ctx.app.store.write(|st| {
                let created = st.add_workspace(ws, location.as_deref());
                let w = st
                    .workspace(ws)
                    .map_or(Value::Null, crate::store::Workspace::resource);
                (Reply::json(if created { 201 } else { 200 }, w), true)
            })
        }
        m => method_not_allowed(m),
    }
}
