//! Checks on an environment file: ids, auth, and that selectors and overrides name content that
//! exists and only touch fields that can be overridden.

use super::rule::is_guid;
use crate::diag::{Diagnostic, codes};
use crate::load::{Loaded, Repository};
use crate::model::Environment;
use crate::model::environment::{Cloud, Endpoint};
use crate::schema::{YamlEnvironment, YamlOverride};

/// Loads and checks one environment; findings go to the repository's diagnostics.
pub fn check_environment(repo: &mut Repository, name: &str) {
    let Some((loaded, env)) = repo.environment(name) else {
        return;
    };
    let mut out = Vec::new();
    check_ids(&loaded, &mut out);
    check_trust(&loaded, &env, &mut out);
    check_selectors(repo, &loaded, &mut out);
    check_overrides(repo, &loaded, &mut out);
    super::watchlist::check_overrides(repo, &loaded, &mut out);
    check_suppressions(&loaded, &env, &mut out);
    if let Some(share) = loaded
        .raw
        .prune
        .as_ref()
        .and_then(|p| p.max_delete_share)
        .filter(|s| !(0.0..=1.0).contains(s))
    {
        out.push(
            Diagnostic::error(
                codes::ENVIRONMENT,
                loaded.file,
                format!("maxDeleteShare {share} is outside 0…1"),
            )
            .at(loaded.span(&["prune", "maxDeleteShare"])),
        );
    }
    repo.push_environment_diagnostics(name, out);
}

/// An expired drift suppression no longer hides anything: say so before drift does.
fn check_suppressions(l: &Loaded<YamlEnvironment>, env: &Environment, out: &mut Vec<Diagnostic>) {
    let now = crate::run::current_time().to_string();
    let today = now.get(..10).unwrap_or(&now);
    for (i, s) in env.drift_suppressions.iter().enumerate() {
        if s.expires.as_str() < today {
            let i = i.to_string();
            out.push(
                Diagnostic::warning(
                    codes::ENVIRONMENT,
                    l.file,
                    format!(
                        "the drift suppression of `{}` expired on {}: its drift counts again",
                        s.resource, s.expires
                    ),
                )
                .at(l.span(&["drift", "suppress", &i, "expires"]))
                .help("fix the drift (apply, or import the portal change), or renew the suppression with a reason"),
            );
        }
    }
}

fn check_ids(l: &Loaded<YamlEnvironment>, out: &mut Vec<Diagnostic>) {
    for (key, value) in [
        ("tenantId", &l.raw.tenant_id),
        ("subscriptionId", &l.raw.subscription_id),
    ] {
        if !is_guid(value) {
            out.push(
                Diagnostic::error(
                    codes::ENVIRONMENT,
                    l.file,
                    format!("`{key}` must be a GUID, not `{value}`"),
                )
                .at(l.span(&[key])),
            );
        }
    }
}

/// Variable-name prefixes that hold CI credentials: never a place a client secret is read from.
pub const RESERVED_SECRET_PREFIXES: &[&str] = &["ACTIONS_", "GITHUB_", "RUNNER_", "SYSTEM_"];

/// What reviewers must see: where this environment sends credentials (a custom endpoint) and which
/// variable it wants a secret from.
fn check_trust(l: &Loaded<YamlEnvironment>, env: &Environment, out: &mut Vec<Diagnostic>) {
    for (key, ep) in [
        ("resourceManager", Some(&env.resource_manager)),
        ("authorityHost", Some(&env.authority_host)),
        ("logAnalytics", env.log_analytics.as_ref()),
    ] {
        let Some(ep) = ep else { continue };
        if let (Cloud::Custom, Endpoint::Url(url)) = (env.cloud, ep) {
            out.push(
                Diagnostic::warning(
                    codes::CUSTOM_ENDPOINT,
                    l.file,
                    format!("credentials for this environment would be sent to `{url}`"),
                )
                .at(l.span(&["endpoints", key]))
                .help("sentinelctl connects only if the invoker allows the host (--allow-endpoint HOST or SENTINELCTL_ALLOW_ENDPOINTS); review who owns it"),
            );
        }
    }
    if let Some(var) = &env.auth.client_secret_env {
        let upper = var.to_ascii_uppercase();
        if let Some(prefix) = RESERVED_SECRET_PREFIXES
            .iter()
            .find(|p| upper.starts_with(**p))
        {
            out.push(
                Diagnostic::error(
                    codes::CREDENTIAL_SOURCE,
                    l.file,
                    format!("`{var}` holds CI credentials (`{prefix}*`), not a client secret"),
                )
                .at(l.span(&["auth", "clientSecretEnv"]))
                .help(
                    "remove `clientSecretEnv` and set AZURE_CLIENT_SECRET where sentinelctl runs",
                ),
            );
        }
    }
}

/// True when some content item answers to `id` (rule id or name, function id, name or alias,
/// workbook key, watchlist alias or display name, hunting query or automation rule id or name).
pub fn content_exists(repo: &Repository, id: &str) -> bool {
    let id_l = id.to_ascii_lowercase();
    repo.rules
        .iter()
        .any(|r| r.loaded.raw.id.to_ascii_lowercase() == id_l || r.loaded.raw.name == id)
        || repo.functions.iter().any(|f| {
            f.loaded
                .raw
                .id
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(id))
                || f.loaded.raw.function_alias == id
                || f.loaded.raw.function_name == id
        })
        || repo.workbooks.iter().any(|w| w.loaded.raw.key == id)
        || repo
            .watchlists
            .iter()
            .any(|w| w.loaded.raw.alias.eq_ignore_ascii_case(id) || w.loaded.raw.display_name == id)
        || repo
            .hunting
            .iter()
            .any(|h| h.loaded.raw.id.eq_ignore_ascii_case(id) || h.loaded.raw.name == id)
        || repo
            .automation
            .iter()
            .any(|a| a.loaded.raw.id.eq_ignore_ascii_case(id) || a.loaded.raw.display_name == id)
}

fn check_selectors(repo: &Repository, l: &Loaded<YamlEnvironment>, out: &mut Vec<Diagnostic>) {
    for (list_key, list) in [("include", &l.raw.include), ("exclude", &l.raw.exclude)] {
        for (i, sel) in list.iter().flatten().enumerate() {
            let idx = i.to_string();
            for (j, kind) in sel.kinds.iter().flatten().enumerate() {
                if crate::model::ResourceKind::parse(kind).is_none() {
                    out.push(
                        Diagnostic::error(
                            codes::SELECTOR,
                            l.file,
                            format!("`{kind}` is not a content kind"),
                        )
                        .at(l.span(&[list_key, &idx, "kinds", &j.to_string()]))
                        .help("use watchlist, function, detection, hunting-query, automation-rule or workbook"),
                    );
                }
            }
            for (j, id) in sel.ids.iter().flatten().enumerate() {
                if !content_exists(repo, id) {
                    out.push(
                        Diagnostic::error(
                            codes::SELECTOR,
                            l.file,
                            format!("no content has the id or name `{id}`"),
                        )
                        .at(l.span(&[
                            list_key,
                            &idx,
                            "ids",
                            &j.to_string(),
                        ])),
                    );
                }
            }
        }
    }
}

fn check_overrides(repo: &Repository, l: &Loaded<YamlEnvironment>, out: &mut Vec<Diagnostic>) {
    let Some(o) = &l.raw.overrides else { return };
    let groups: [(
        &str,
        &Option<std::collections::BTreeMap<String, YamlOverride>>,
    ); 3] = [
        ("detections", &o.detections),
        ("functions", &o.functions),
        ("workbooks", &o.workbooks),
    ];
    for (group, map) in groups {
        for (key, ov) in map.iter().flatten() {
            let path = ["overrides", group, key.as_str()];
            let exists = match group {
                "detections" => repo.rules.iter().any(|r| {
                    r.loaded.raw.id.eq_ignore_ascii_case(key) || r.loaded.raw.name == *key
                }),
                "functions" => repo.functions.iter().any(|f| {
                    f.loaded.raw.function_alias == *key
                        || f.loaded.raw.function_name == *key
                        || f.loaded
                            .raw
                            .id
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(key))
                }),
                _ => repo.workbooks.iter().any(|w| w.loaded.raw.key == *key),
            };
            if !exists {
                let names: Vec<&str> = match group {
                    "detections" => repo
                        .rules
                        .iter()
                        .map(|r| r.loaded.raw.name.as_str())
                        .collect(),
                    "functions" => repo
                        .functions
                        .iter()
                        .map(|f| f.loaded.raw.function_alias.as_str())
                        .collect(),
                    _ => repo
                        .workbooks
                        .iter()
                        .map(|w| w.loaded.raw.key.as_str())
                        .collect(),
                };
                let help = crate::diag::suggest(key, &names).map_or_else(
                    || "key overrides by content id or name (a typo would silently override nothing)".to_string(),
                    |s| format!("did you mean `{s}`?"),
                );
                out.push(
                    Diagnostic::error(
                        codes::SELECTOR,
                        l.file,
                        format!(
                            "override for `{key}`, but no {} has that id or name",
                            &group[..group.len() - 1]
                        ),
                    )
                    .at(l.doc.key_span(&path).unwrap_or(0..0))
                    .help(help),
                );
                continue;
            }
            // a rule without a query (Fusion, incident creation, ...) has only `enabled` to override
            let without_query = group == "detections"
                && repo.rules.iter().any(|r| {
                    (r.loaded.raw.id.eq_ignore_ascii_case(key) || r.loaded.raw.name == *key)
                        && r.rule.as_ref().is_some_and(|r| !r.kind.has_query())
                });
            let allowed: &[&str] = match group {
                "detections" if without_query => &["enabled"],
                "detections" => &[
                    "enabled",
                    "severity",
                    "triggerThreshold",
                    "queryFrequency",
                    "queryPeriod",
                    "parameters",
                ],
                "functions" => &["parameters"],
                _ => &["displayName"],
            };
            let set = [
                ("enabled", ov.enabled.is_some()),
                ("severity", ov.severity.is_some()),
                ("triggerThreshold", ov.trigger_threshold.is_some()),
                ("queryFrequency", ov.query_frequency.is_some()),
                ("queryPeriod", ov.query_period.is_some()),
                ("parameters", ov.parameters.is_some()),
                ("displayName", ov.display_name.is_some()),
            ];
            for (field, present) in set {
                if present && !allowed.contains(&field) {
                    out.push(
                        Diagnostic::error(
                            codes::OVERRIDE,
                            l.file,
                            format!("`{field}` cannot be overridden for {group}"),
                        )
                        .at(l
                            .doc
                            .key_span(&["overrides", group, key, field])
                            .unwrap_or(0..0))
                        .help(if without_query {
                            "a rule without a query accepts only `enabled`".to_string()
                        } else {
                            format!("{group} accept: {}", allowed.join(", "))
                        }),
                    );
                }
            }
            if let Some(s) = ov
                .severity
                .as_deref()
                .filter(|s| !crate::model::rule::SEVERITIES.contains(s))
            {
                out.push(
                    Diagnostic::error(codes::OVERRIDE, l.file, format!("`{s}` is not a severity"))
                        .at(l.span(&["overrides", group, key, "severity"])),
                );
            }
            for f in ["queryFrequency", "queryPeriod"] {
                let v = if f == "queryFrequency" {
                    &ov.query_frequency
                } else {
                    &ov.query_period
                };
                if let Some(v) = v
                    .as_deref()
                    .filter(|v| crate::model::Duration::parse(v).is_none())
                {
                    out.push(
                        Diagnostic::error(
                            codes::OVERRIDE,
                            l.file,
                            format!("`{v}` is not a duration"),
                        )
                        .at(l.span(&["overrides", group, key, f])),
                    );
                }
            }
        }
    }
}
