//! [`Environment`]: one target workspace, resolved from `environments/<name>.yaml` into typed values.
//!
//! The cloud decides the endpoints: `public`, `usgov` and `china` always use Microsoft's fixed
//! endpoints ([`Cloud::endpoints`]); only `custom` takes endpoints from the file, and connecting to a
//! custom URL still needs the invoker's permission (see `ops::connection`). Login settings are an
//! [`Auth`] with an [`AuthMethod`]; selectors and overrides are typed ([`Selector`], [`Override`]) and
//! applied by `crate::desired`. Nothing here reads files, variables or the network.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Duration, Problem, ResourceKind};
use crate::diag::codes;
use crate::schema::{YamlAuth, YamlEndpoints, YamlEnvironment, YamlOverride, YamlSelector};

/// Where ARM or Entra is for an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// A URL (without a trailing `/`).
    Url(String),
    /// The built-in emulator, started in-process.
    Embedded,
}

/// The Azure cloud an environment lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// Azure public cloud.
    Public,
    /// Azure US Government.
    UsGovernment,
    /// Azure operated by 21Vianet.
    China,
    /// Endpoints from the file (`endpoints.*`): the embedded emulator, Azure Stack, a test server.
    Custom,
}

impl Cloud {
    /// Every spelling the file accepts, with its cloud.
    pub const NAMES: &[(&str, Cloud)] = &[
        ("public", Cloud::Public),
        ("usgov", Cloud::UsGovernment),
        ("usgovernment", Cloud::UsGovernment),
        ("china", Cloud::China),
        ("custom", Cloud::Custom),
    ];

    /// Parses `cloud:`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, c)| *c)
    }

    /// Microsoft's fixed (ARM, authority host) of a named cloud; `None` for `custom`.
    pub fn endpoints(self) -> Option<(&'static str, &'static str)> {
        let c = match self {
            Self::Public => sentinel_arm::Cloud::AzurePublic,
            Self::UsGovernment => sentinel_arm::Cloud::AzureUsGovernment,
            Self::China => sentinel_arm::Cloud::AzureChina,
            Self::Custom => return None,
        };
        Some((c.arm_endpoint(), c.authority_host()))
    }

    /// Microsoft's fixed Log Analytics query endpoint of a named cloud; `None` for `custom`.
    pub fn log_analytics_endpoint(self) -> Option<&'static str> {
        Some(match self {
            Self::Public => sentinel_arm::Cloud::AzurePublic.log_analytics_endpoint(),
            Self::UsGovernment => sentinel_arm::Cloud::AzureUsGovernment.log_analytics_endpoint(),
            Self::China => sentinel_arm::Cloud::AzureChina.log_analytics_endpoint(),
            Self::Custom => return None,
        })
    }

    /// The name as written in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::UsGovernment => "usgov",
            Self::China => "china",
            Self::Custom => "custom",
        }
    }
}

/// How to log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// The first credential of the default chain that yields a token.
    Default,
    /// `az account get-access-token`.
    AzureCli,
    /// A service principal with a secret.
    ClientSecret,
    /// A service principal with a certificate.
    ClientCertificate,
    /// A federated token (GitHub Actions OIDC, AKS).
    WorkloadIdentity,
    /// The Azure Pipelines OIDC endpoint of a service connection.
    AzurePipelines,
    /// The host's managed identity.
    ManagedIdentity,
}

impl AuthMethod {
    /// Every method with its name and the `auth` keys it requires.
    pub const ALL: &[(AuthMethod, &str, &[&str])] = &[
        (AuthMethod::Default, "default", &[]),
        (AuthMethod::AzureCli, "azure-cli", &[]),
        (AuthMethod::ClientSecret, "client-secret", &["clientId"]),
        (
            AuthMethod::ClientCertificate,
            "client-certificate",
            &["clientId"],
        ),
        (AuthMethod::WorkloadIdentity, "workload-identity", &[]),
        (
            AuthMethod::AzurePipelines,
            "azure-pipelines",
            &["clientId", "serviceConnectionId"],
        ),
        (AuthMethod::ManagedIdentity, "managed-identity", &[]),
    ];

    /// Parses a method name (`client-secret`).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(m, _, _)| *m)
    }

    /// The name as written in files and flags.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(m, _, _)| *m == self)
            .map_or("default", |(_, n, _)| n)
    }

    /// The `auth` keys this method needs.
    pub fn required_keys(self) -> &'static [&'static str] {
        Self::ALL
            .iter()
            .find(|(m, _, _)| *m == self)
            .map_or(&[], |(_, _, k)| k)
    }

    /// Every method name, for messages.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(_, n, _)| *n).collect()
    }
}

/// Login settings from the file. Where secrets and token files come from is decided by the
/// invoker, never by the file (see `docs/security.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// The method.
    pub method: AuthMethod,
    /// Application (client) id.
    pub client_id: Option<String>,
    /// Name of the environment variable holding the client secret (checked against the invoker's
    /// allow-list at connect time).
    pub client_secret_env: Option<String>,
    /// Azure Pipelines service connection id.
    pub service_connection_id: Option<String>,
}

impl Default for Auth {
    fn default() -> Self {
        Self {
            method: AuthMethod::Default,
            client_id: None,
            client_secret_env: None,
            service_connection_id: None,
        }
    }
}

/// One include/exclude selector; every field given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// Content kinds (`None` = any).
    pub kinds: Option<Vec<ResourceKind>>,
    /// Content ids or names.
    pub ids: Option<Vec<String>>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Glob paths relative to the repository root.
    pub paths: Option<Vec<String>>,
    /// Rule status.
    pub status: Option<Vec<String>>,
}

/// What an environment changes in one content item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Override {
    /// Enable or disable the rule.
    pub enabled: Option<bool>,
    /// Severity.
    pub severity: Option<String>,
    /// Trigger threshold.
    pub trigger_threshold: Option<i64>,
    /// Query frequency.
    pub query_frequency: Option<Duration>,
    /// Query period.
    pub query_period: Option<Duration>,
    /// Replaces top-level `let NAME = literal;` values in the query.
    pub parameters: Option<BTreeMap<String, Value>>,
    /// Workbook display name.
    pub display_name: Option<String>,
}

/// Overrides by content kind, keyed by content id or name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// By rule id or name.
    pub detections: BTreeMap<String, Override>,
    /// By function id, name or alias.
    pub functions: BTreeMap<String, Override>,
    /// By workbook key.
    pub workbooks: BTreeMap<String, Override>,
    /// By watchlist alias.
    pub watchlists: BTreeMap<String, WatchlistOverride>,
}

/// A watchlist's items in one environment (see `YamlWatchlistOverride`): `items` replaces the
/// repository's CSV, `extra_items` adds or replaces rows by search key, `remove_items` drops rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchlistOverride {
    /// Repository-relative path of a CSV file replacing the items.
    pub items: Option<String>,
    /// Rows to add or replace (column → value).
    pub extra_items: Vec<BTreeMap<String, String>>,
    /// Search-key values to leave out.
    pub remove_items: Vec<String>,
}

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
    /// The cloud.
    pub cloud: Cloud,
    /// ARM endpoint.
    pub resource_manager: Endpoint,
    /// Entra authority host.
    pub authority_host: Endpoint,
    /// Log Analytics query API (`sentinelctl query --env`): Microsoft's for a named cloud; for
    /// `custom`, `endpoints.logAnalytics`, or the emulator when ARM is; `None` when not given.
    pub log_analytics: Option<Endpoint>,
    /// How to log in.
    pub auth: Auth,
    /// Repository name for ownership metadata.
    pub repository: Option<String>,
    /// Include selectors (empty = all).
    pub include: Vec<Selector>,
    /// Exclude selectors.
    pub exclude: Vec<Selector>,
    /// Overrides.
    pub overrides: Overrides,
    /// Prune on.
    pub prune: bool,
    /// Largest share of owned content a plan may delete.
    pub max_delete_share: f64,
    /// Accepted drift (`drift.suppress`).
    pub drift_suppressions: Vec<DriftSuppression>,
}

/// Known, accepted drift of one resource, until a date.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DriftSuppression {
    /// ARM name or display name (compared without case).
    pub resource: String,
    /// Only this drift class (kebab-case, as in reports); `None`: any.
    pub class: Option<String>,
    /// Why.
    pub reason: String,
    /// Last day it holds, `YYYY-MM-DD`.
    pub expires: String,
}

/// The drift classes a suppression may name (kebab-case, as reports write them).
pub const SUPPRESSIBLE_CLASSES: &[&str] = &[
    "modified-outside-code",
    "disabled-outside-code",
    "auto-disabled",
    "deleted-outside-code",
    "unmanaged",
    "missing-dependency",
];

/// True for a real calendar date written `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    s.bytes()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=days).contains(&d)
}

fn suppressions(raw: &YamlEnvironment, problems: &mut Vec<Problem>) -> Vec<DriftSuppression> {
    let list = raw.drift.as_ref().and_then(|d| d.suppress.as_ref());
    let mut out = Vec::new();
    for (i, s) in list.into_iter().flatten().enumerate() {
        let i = i.to_string();
        let at = |key: &'static str| -> Vec<&str> { vec!["drift", "suppress", &i, key] };
        let before = problems.len();
        if s.resource.trim().is_empty() {
            problems.push(Problem::new(
                codes::ENVIRONMENT,
                &at("resource"),
                "a suppression names no resource",
            ));
        }
        if s.reason.trim().is_empty() {
            problems.push(
                Problem::new(
                    codes::ENVIRONMENT,
                    &at("reason"),
                    "a suppression needs a reason",
                )
                .help("say why the drift is accepted: every report shows it"),
            );
        }
        if !is_date(&s.expires) {
            problems.push(
                Problem::new(
                    codes::ENVIRONMENT,
                    &at("expires"),
                    format!("`{}` is not a date", s.expires),
                )
                .help("write the last day the suppression holds as YYYY-MM-DD"),
            );
        }
        if let Some(c) = s
            .class
            .as_deref()
            .filter(|c| !SUPPRESSIBLE_CLASSES.contains(c))
        {
            problems.push(
                Problem::new(
                    codes::ENVIRONMENT,
                    &at("class"),
                    format!("`{c}` is not a drift class"),
                )
                .help(format!("use one of {}", SUPPRESSIBLE_CLASSES.join(", "))),
            );
        }
        if problems.len() == before {
            out.push(DriftSuppression {
                resource: s.resource.trim().to_string(),
                class: s.class.clone(),
                reason: s.reason.trim().to_string(),
                expires: s.expires.clone(),
            });
        }
    }
    out
}

fn endpoint(given: Option<&String>, key: &str, problems: &mut Vec<Problem>) -> Option<Endpoint> {
    match given.map(String::as_str) {
        Some("embedded") => Some(Endpoint::Embedded),
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            Some(Endpoint::Url(url.trim_end_matches('/').to_string()))
        }
        Some(other) => {
            problems.push(Problem::new(
                codes::ENVIRONMENT,
                &["endpoints", key],
                format!("`{other}` is not a URL or `embedded`"),
            ));
            None
        }
        None => {
            problems.push(
                Problem::new(
                    codes::ENVIRONMENT,
                    &["endpoints"],
                    format!("cloud `custom` needs `endpoints.{key}`"),
                )
                .help("give a URL, or `embedded` for the built-in emulator"),
            );
            None
        }
    }
}

/// A named cloud's endpoints are Microsoft's: a file cannot redirect its login.
fn fixed_endpoints(
    cloud: Cloud,
    (arm, authority): (&str, &str),
    eps: Option<&YamlEndpoints>,
    problems: &mut Vec<Problem>,
) -> (Endpoint, Endpoint) {
    for (key, set) in eps.iter().flat_map(|e| {
        [
            ("resourceManager", e.resource_manager.is_some()),
            ("authorityHost", e.authority_host.is_some()),
            ("logAnalytics", e.log_analytics.is_some()),
            ("audience", e.audience.is_some()),
        ]
    }) {
        if set {
            problems.push(
                Problem::new(
                    codes::ENVIRONMENT,
                    &["endpoints", key],
                    format!(
                        "`endpoints.{key}` cannot be set for cloud `{}`: its endpoints are Microsoft's",
                        cloud.as_str()
                    ),
                )
                .help("remove it, or use `cloud: custom` (custom endpoints are used only when the person running sentinelctl allows the host)"),
            );
        }
    }
    (Endpoint::Url(arm.into()), Endpoint::Url(authority.into()))
}

/// `cloud: custom`: the endpoints the file gives (the emulator is its own authority).
fn custom_endpoints(
    eps: Option<&YamlEndpoints>,
    problems: &mut Vec<Problem>,
) -> (Endpoint, Endpoint) {
    let arm = endpoint(
        eps.and_then(|e| e.resource_manager.as_ref()),
        "resourceManager",
        problems,
    );
    let authority = match eps.and_then(|e| e.authority_host.as_ref()) {
        Some(given) => endpoint(Some(given), "authorityHost", problems),
        None if arm == Some(Endpoint::Embedded) => Some(Endpoint::Embedded),
        None => endpoint(None, "authorityHost", problems),
    };
    (
        arm.unwrap_or(Endpoint::Embedded),
        authority.unwrap_or(Endpoint::Embedded),
    )
}

fn auth(raw: Option<&YamlAuth>, problems: &mut Vec<Problem>) -> Auth {
    let Some(raw) = raw else {
        return Auth::default();
    };
    let method = AuthMethod::parse(&raw.method).unwrap_or_else(|| {
        let names = AuthMethod::names();
        let help = crate::diag::suggest(&raw.method, &names).map_or_else(
            || format!("use one of {}", names.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        problems.push(
            Problem::new(
                codes::ENVIRONMENT,
                &["auth", "method"],
                format!("unknown auth method `{}`", raw.method),
            )
            .help(help),
        );
        AuthMethod::Default
    });
    for key in method.required_keys() {
        let present = match *key {
            "clientId" => raw.client_id.is_some(),
            "serviceConnectionId" => raw.service_connection_id.is_some(),
            _ => true,
        };
        if !present {
            problems.push(Problem::new(
                codes::ENVIRONMENT,
                &["auth"],
                format!("auth method `{}` needs `{key}`", method.as_str()),
            ));
        }
    }
    // Files that hold credentials are named by the invoker's standard variables, never by content
    // a pull request can change (`.git/config`, `/proc/self/environ` would otherwise be readable).
    if raw.federated_token_file.is_some() {
        problems.push(
            Problem::new(
                codes::CREDENTIAL_SOURCE,
                &["auth", "federatedTokenFile"],
                "the federated token file cannot be named in an environment file",
            )
            .help("remove the key: the token file comes from AZURE_FEDERATED_TOKEN_FILE, which GitHub Actions' and AKS' workload identity set"),
        );
    }
    if raw.certificate_file.is_some() {
        problems.push(
            Problem::new(
                codes::CREDENTIAL_SOURCE,
                &["auth", "certificateFile"],
                "the client certificate cannot be named in an environment file",
            )
            .help("remove the key and set AZURE_CLIENT_CERTIFICATE_PATH (or pass --client-certificate) where the command runs"),
        );
    }
    Auth {
        method,
        client_id: raw.client_id.clone(),
        client_secret_env: raw.client_secret_env.clone(),
        service_connection_id: raw.service_connection_id.clone(),
    }
}

fn selector(raw: &YamlSelector) -> Selector {
    Selector {
        kinds: raw.kinds.as_ref().map(|ks| {
            ks.iter()
                .filter_map(|k| ResourceKind::parse(k))
                .collect::<Vec<_>>()
        }),
        ids: raw.ids.clone(),
        tags: raw.tags.clone(),
        paths: raw.paths.clone(),
        status: raw.status.clone(),
    }
}

fn override_map(raw: Option<&BTreeMap<String, YamlOverride>>) -> BTreeMap<String, Override> {
    raw.into_iter()
        .flatten()
        .map(|(k, o)| {
            (
                k.clone(),
                Override {
                    enabled: o.enabled,
                    severity: o.severity.clone(),
                    trigger_threshold: o.trigger_threshold,
                    query_frequency: o.query_frequency.as_deref().and_then(Duration::parse),
                    query_period: o.query_period.as_deref().and_then(Duration::parse),
                    parameters: o.parameters.clone(),
                    display_name: o.display_name.clone(),
                },
            )
        })
        .collect()
}

impl Environment {
    /// Resolves a raw environment; `Err` lists every problem (each with its check code and YAML path).
    pub fn from_yaml(name: &str, raw: &YamlEnvironment) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let cloud_name = raw.cloud.as_deref().unwrap_or("public");
        let cloud = Cloud::parse(cloud_name).unwrap_or_else(|| {
            problems.push(
                Problem::new(
                    codes::ENVIRONMENT,
                    &["cloud"],
                    format!("unknown cloud `{cloud_name}`"),
                )
                .help("use public, usgov, china or custom"),
            );
            Cloud::Public
        });
        let (resource_manager, authority_host) = if let Some(fixed) = cloud.endpoints() {
            fixed_endpoints(cloud, fixed, raw.endpoints.as_ref(), &mut problems)
        } else {
            custom_endpoints(raw.endpoints.as_ref(), &mut problems)
        };
        let log_analytics = match (
            cloud.log_analytics_endpoint(),
            raw.endpoints
                .as_ref()
                .and_then(|e| e.log_analytics.as_ref()),
        ) {
            (Some(fixed), _) => Some(Endpoint::Url(fixed.into())),
            (None, Some(given)) => endpoint(Some(given), "logAnalytics", &mut problems),
            (None, None) => (resource_manager == Endpoint::Embedded).then_some(Endpoint::Embedded),
        };
        let auth = auth(raw.auth.as_ref(), &mut problems);
        let drift_suppressions = suppressions(raw, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let overrides = raw.overrides.clone().unwrap_or_default();
        Ok(Self {
            name: name.to_string(),
            tenant_id: raw.tenant_id.clone(),
            subscription_id: raw.subscription_id.clone(),
            resource_group: raw.resource_group.clone(),
            workspace: raw.workspace.clone(),
            location: raw.location.clone().unwrap_or_else(|| "westeurope".into()),
            cloud,
            resource_manager,
            authority_host,
            log_analytics,
            auth,
            repository: raw.repository.clone(),
            include: raw.include.iter().flatten().map(selector).collect(),
            exclude: raw.exclude.iter().flatten().map(selector).collect(),
            overrides: Overrides {
                detections: override_map(overrides.detections.as_ref()),
                functions: override_map(overrides.functions.as_ref()),
                workbooks: override_map(overrides.workbooks.as_ref()),
                watchlists: overrides
                    .watchlists
                    .iter()
                    .flatten()
                    .map(|(alias, o)| {
                        (
                            alias.clone(),
                            WatchlistOverride {
                                items: o.items.clone(),
                                extra_items: o.extra_items.clone().unwrap_or_default(),
                                remove_items: o.remove_items.clone().unwrap_or_default(),
                            },
                        )
                    })
                    .collect(),
            },
            prune: raw.prune.as_ref().and_then(|p| p.enabled).unwrap_or(false),
            max_delete_share: raw
                .prune
                .as_ref()
                .and_then(|p| p.max_delete_share)
                .unwrap_or(0.2),
            drift_suppressions,
        })
    }

    /// The workspace's ARM resource id.
    pub fn workspace_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.OperationalInsights/workspaces/{}",
            self.subscription_id, self.resource_group, self.workspace
        )
    }

    /// True when both endpoints are the in-process emulator.
    pub fn is_embedded(&self) -> bool {
        self.resource_manager == Endpoint::Embedded
    }
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn suppression_dates_are_real_calendar_days() {
        for ok in ["2026-12-31", "2028-02-29", "2000-02-29"] {
            assert!(is_date(ok), "{ok}");
        }
        for bad in [
            "2026-13-01",
            "2026-02-29",
            "1900-02-29",
            "2026-1-01",
            "2026-12-32",
            "+026-12-01",
            "2026/12/01",
            "",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }
}
