//! The request context handlers receive: the shared [`App`], the method, path, decoded query, headers,
//! body and what the ARM pipeline established (the caller's token, the remaining rate-limit budget).
//! Built by the router; handlers only read it. Owns no routing and no state.

use hyper::HeaderMap;

use crate::app::App;
use crate::arm_id::WorkspaceId;
use crate::auth::TokenInfo;
use crate::errors::{Reply, arm_error};
use crate::paging::PageRequest;
use crate::throttle::OpClass;

/// One request as the handlers see it.
pub(crate) struct Ctx<'a> {
    pub(crate) app: &'a App,
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: &'a HeaderMap,
    pub(crate) body: &'a [u8],
    pub(crate) token: Option<TokenInfo>,
    /// Remaining rate-limit tokens after this request (for the `x-ms-ratelimit-remaining-*` header).
    pub(crate) ratelimit: Option<(OpClass, u64)>,
}

impl Ctx<'_> {
    /// A query parameter (name matched case-insensitively).
    pub(crate) fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn page_request(&self) -> PageRequest<'_> {
        PageRequest {
            base_url: &self.app.base_url,
            path: self.path,
            query: &self.query,
            page_size: self.app.page_size(),
        }
    }

    #[allow(clippy::unused_self)] // a method so every handler builds its errors the same way
    pub(crate) fn workspace_not_found(&self, ws: &WorkspaceId) -> Reply {
        crate::errors::not_found_resource(
            "Microsoft.OperationalInsights/workspaces",
            &ws.name,
            &ws.resource_group,
        )
    }

    #[allow(clippy::unused_self)] // a method so every handler builds its errors the same way
    pub(crate) fn resource_group_not_found(&self, _sub: &str, rg: &str) -> Reply {
        arm_error(
            404,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )
    }
}
