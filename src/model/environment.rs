//! [`Environment`]: one target workspace, resolved from `environments/<name>.yaml`.
//!
//! Resolves the cloud to concrete endpoints; keeps selectors, overrides and prune settings as
//! given (they are applied by `crate::desired`).

use crate::schema::{YamlEnvironment, YamlOverrides, YamlSelector};

/// Where ARM and Entra are for an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A URL.
    Url(String),
    /// The built-in emulator, started in-process.
    Embedded,
}

/// Known clouds: (name, ARM endpoint, authority host).
pub const CLOUDS: &[(&str, &str, &str)] = &[
    (
        "public",
        "https://management.azure.com",
        "https://login.microsoftonline.com",
    ),
    (
        "usgov",
        "https://management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
    ),
    (
        "china",
        "https://management.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
    ),
];

/// A resolved environment.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Name (file stem).
    pub name: String,
    /// Tenant id.
    pub tenant_id: String,
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group.
    pub resource_group: String,
    /// Workspace name.
    pub workspace: String,
    /// Region.
    pub location: String,
    /// ARM endpoint.
    pub resource_manager: Endpoint,
    /// Entra authority host.
    pub authority_host: Endpoint,
    /// Raw auth settings.
    pub auth: Option<crate::schema::YamlAuth>,
    /// Repository name for ownership metadata.
    pub repository: Option<String>,
    /// Include selectors (empty = all).
    pub include: Vec<YamlSelector>,
    /// Exclude selectors.
    pub exclude: Vec<YamlSelector>,
    /// Overrides.
    pub overrides: YamlOverrides,
    /// Prune on.
    pub prune: bool,
    /// Largest share of owned content a plan may delete.
    pub max_delete_share: f64,
}

impl Environment {
    /// Resolves a raw environment; `Err` names what is wrong (a YAML key path and a message).
    pub fn from_yaml(
        name: &str,
        raw: &YamlEnvironment,
    ) -> Result<Self, (Vec<&'static str>, String)> {
        let cloud = raw.cloud.as_deref().unwrap_or("public");
        let (arm, auth) = match CLOUDS.iter().find(|c| c.0 == cloud) {
            Some((_, arm, auth)) => (Endpoint::Url((*arm).into()), Endpoint::Url((*auth).into())),
            None if cloud == "custom" => (Endpoint::Embedded, Endpoint::Embedded),
            None => {
                return Err((
                    vec!["cloud"],
                    format!("unknown cloud `{cloud}` (expected public, usgov, china or custom)"),
                ));
            }
        };
        let endpoint = |given: Option<&String>,
                        default: Endpoint,
                        key: &'static str|
         -> Result<Endpoint, (Vec<&'static str>, String)> {
            match given.map(String::as_str) {
                Some("embedded") => Ok(Endpoint::Embedded),
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                    Ok(Endpoint::Url(url.trim_end_matches('/').to_string()))
                }
                Some(other) => Err((
                    vec!["endpoints", key],
                    format!("`{other}` is not a URL or `embedded`"),
                )),
                None if cloud == "custom" => Err((
                    vec!["endpoints"],
                    format!("cloud `custom` needs `endpoints.{key}`"),
                )),
                None => Ok(default),
            }
        };
        let eps = raw.endpoints.as_ref();
        Ok(Self {
            name: name.to_string(),
            tenant_id: raw.tenant_id.clone(),
            subscription_id: raw.subscription_id.clone(),
            resource_group: raw.resource_group.clone(),
            workspace: raw.workspace.clone(),
            location: raw.location.clone().unwrap_or_else(|| "westeurope".into()),
            resource_manager: endpoint(
                eps.and_then(|e| e.resource_manager.as_ref()),
                arm,
                "resourceManager",
            )?,
            authority_host: endpoint(
                eps.and_then(|e| e.authority_host.as_ref()),
                auth,
                "authorityHost",
            )?,
            auth: raw.auth.clone(),
            repository: raw.repository.clone(),
            include: raw.include.clone().unwrap_or_default(),
            exclude: raw.exclude.clone().unwrap_or_default(),
            overrides: raw.overrides.clone().unwrap_or_default(),
            prune: raw.prune.as_ref().and_then(|p| p.enabled).unwrap_or(false),
            max_delete_share: raw
                .prune
                .as_ref()
                .and_then(|p| p.max_delete_share)
                .unwrap_or(0.2),
        })
    }

    /// The workspace's ARM resource id.
    pub fn workspace_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.OperationalInsights/workspaces/{}",
            self.subscription_id, self.resource_group, self.workspace
        )
    }
}
