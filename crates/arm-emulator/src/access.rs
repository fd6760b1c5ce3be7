//! Who may call which subscription: tenants, Lighthouse delegations and forbidden scopes — the ARM
//! checks a fleet (an MSSP's many customer workspaces) meets beyond "is the token valid".
//!
//! * A subscription may be bound to a tenant ([`crate::TenantBinding`]). A token issued for another
//!   tenant is refused the way ARM refuses it: 401 `InvalidAuthenticationTokenTenant`, "The access
//!   token is from the wrong issuer `'https://sts.windows.net/{token tenant}/'`. It must match the
//!   tenant `'https://sts.windows.net/{subscription tenant}/'` associated with this subscription. …" (the
//!   message users quote, e.g. Azure/azure-sdk-for-python#38382) — unless a Lighthouse-style
//!   delegation ([`crate::Delegation`]) lets principals of the token's tenant manage that subscription.
//!   Unbound subscriptions accept tokens of any tenant (the behaviour before bindings existed).
//! * A forbidden scope (a workspace id, a resource group or `/subscriptions/{id}`) answers every
//!   request under it with 403 `AuthorizationFailed` in ARM's shape: "The client '{oid}' with object
//!   id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the
//!   scope is invalid. If access was recently granted, please refresh your credentials." (as quoted in
//!   e.g. Azure/ARO-RP#66).
//! * A read-only scope lets reads through and refuses writes and deletes the same way (a principal
//!   holding only Reader or Microsoft Sentinel Reader there).
//! * `…/providers/Microsoft.Authorization/permissions` answers what the caller may do at a scope
//!   (Permissions - List For Resource, api-version 2022-04-01): `*` normally, `*/read` under a
//!   read-only scope.
//!
//! Owns only these rules; the router applies them after authentication and before throttling.

use std::sync::RwLock;

use serde_json::{Value, json};

use crate::errors::{Reply, arm_error};

/// The settings, switchable at run time.
#[derive(Debug, Default, Clone)]
struct Rules {
    /// (subscription, tenant), lower-cased.
    tenants: Vec<(String, String)>,
    /// (subscription, managing tenant), lower-cased.
    delegations: Vec<(String, String)>,
    /// Scopes, lower-cased, without a trailing slash.
    forbidden: Vec<String>,
    /// Scopes where the caller holds only a reader role: reads pass, writes and deletes answer 403.
    read_only: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Access {
    rules: RwLock<Rules>,
}

fn norm(s: &str) -> String {
    s.trim().trim_end_matches('/').to_ascii_lowercase()
}

impl Access {
    pub(crate) fn new(
        tenants: &[(String, String)],
        delegations: &[(String, String)],
        forbidden: &[String],
    ) -> Self {
        let a = Self::default();
        a.set(Some(tenants), Some(delegations), Some(forbidden));
        a
    }

    fn set(
        &self,
        tenants: Option<&[(String, String)]>,
        delegations: Option<&[(String, String)]>,
        forbidden: Option<&[String]>,
    ) {
        let mut r = self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = tenants {
            r.tenants = t.iter().map(|(s, t)| (norm(s), norm(t))).collect();
        }
        if let Some(d) = delegations {
            r.delegations = d.iter().map(|(s, t)| (norm(s), norm(t))).collect();
        }
        if let Some(f) = forbidden {
            r.forbidden = f
                .iter()
                .map(|s| norm(s))
                .filter(|s| !s.is_empty())
                .collect();
        }
    }

    fn rules(&self) -> Rules {
        self.rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the forbidden scopes.
    pub(crate) fn set_forbidden(&self, scopes: &[String]) {
        self.set(None, None, Some(scopes));
    }

    /// Replaces the read-only scopes.
    pub(crate) fn set_read_only(&self, scopes: &[String]) {
        let mut r = self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        r.read_only = scopes
            .iter()
            .map(|s| norm(s))
            .filter(|s| !s.is_empty())
            .collect();
    }

    /// Whether `path` lies under a read-only scope.
    fn is_read_only(&self, path: &str) -> bool {
        let p = norm(path);
        self.rules()
            .read_only
            .iter()
            .any(|s| p == *s || p.starts_with(&format!("{s}/")))
    }

    /// The body of `GET {scope}/providers/Microsoft.Authorization/permissions` for `scope`.
    pub(crate) fn permissions(&self, scope: &str) -> Value {
        let actions = if self.is_read_only(scope) {
            json!(["*/read"])
        } else {
            json!(["*"])
        };
        json!({"value": [{
            "actions": actions,
            "notActions": [],
            "dataActions": [],
            "notDataActions": [],
        }]})
    }

    /// The token's tenant must be the subscription's, or delegated to it.
    pub(crate) fn check_tenant(&self, subscription: &str, token_tenant: &str) -> Result<(), Reply> {
        let r = self.rules();
        let sub = norm(subscription);
        let tt = norm(token_tenant);
        let Some((_, home)) = r.tenants.iter().find(|(s, _)| *s == sub) else {
            return Ok(());
        };
        if *home == tt || r.delegations.iter().any(|(s, m)| *s == sub && *m == tt) {
            return Ok(());
        }
        Err(arm_error(
            401,
            "InvalidAuthenticationTokenTenant",
            format!("The access token is from the wrong issuer 'https://sts.windows.net/{token_tenant}/'. It must match the tenant 'https://sts.windows.net/{home}/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/{home}' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later."),
        )
        .with_header(
            "WWW-Authenticate",
            format!("Bearer authorization_uri=\"https://login.windows.net/{home}\", error=\"invalid_token\", error_description=\"The access token is from the wrong issuer.\""),
        ))
    }

    /// 403 when `path` lies under a forbidden scope.
    pub(crate) fn check_scope(
        &self,
        method: &str,
        path: &str,
        object_id: &str,
    ) -> Result<(), Reply> {
        let r = self.rules();
        let p = norm(path);
        let under = |scopes: &[String]| {
            scopes
                .iter()
                .any(|s| p == *s || p.starts_with(&format!("{s}/")))
        };
        let refused =
            under(&r.forbidden) || (!matches!(method, "GET" | "HEAD") && under(&r.read_only));
        if !refused {
            return Ok(());
        }
        let scope = path.trim_end_matches('/');
        Err(arm_error(
            403,
            "AuthorizationFailed",
            format!(
                "The client '{object_id}' with object id '{object_id}' does not have authorization to perform action '{}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                action(method, path)
            ),
        ))
    }

    pub(crate) fn to_json(&self) -> Value {
        let r = self.rules();
        json!({
            "tenants": r.tenants.iter().map(|(s, t)| json!({"subscription": s, "tenant": t})).collect::<Vec<_>>(),
            "delegations": r.delegations.iter().map(|(s, t)| json!({"subscription": s, "managingTenant": t})).collect::<Vec<_>>(),
            "forbidden": r.forbidden,
            "readOnly": r.read_only,
        })
    }

    /// `{"tenants":[{"subscription","tenant"}],"delegations":[{"subscription","managingTenant"}],
    /// "forbidden":["scope"],"readOnly":["scope"]}`; each key present replaces that list.
    pub(crate) fn update_from_json(&self, v: &Value) -> Result<(), String> {
        let obj = v
            .as_object()
            .ok_or("access settings must be a JSON object")?;
        let pairs =
            |key: &str, a: &str, b: &str| -> Result<Option<Vec<(String, String)>>, String> {
                let Some(list) = obj.get(key) else {
                    return Ok(None);
                };
                let list = list.as_array().ok_or(format!("'{key}' must be an array"))?;
                list.iter()
                    .map(|x| {
                        match (
                            x.get(a).and_then(Value::as_str),
                            x.get(b).and_then(Value::as_str),
                        ) {
                            (Some(s), Some(t)) => Ok((s.to_string(), t.to_string())),
                            _ => Err(format!("each of '{key}' needs '{a}' and '{b}'")),
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            };
        let tenants = pairs("tenants", "subscription", "tenant")?;
        let delegations = pairs("delegations", "subscription", "managingTenant")?;
        let scopes = |key: &str| -> Result<Option<Vec<String>>, String> {
            let Some(f) = obj.get(key) else {
                return Ok(None);
            };
            f.as_array()
                .ok_or(format!("'{key}' must be an array of scopes"))?
                .iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_string)
                        .ok_or(format!("'{key}' must hold strings"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
        };
        let forbidden = scopes("forbidden")?;
        let read_only = scopes("readOnly")?;
        self.set(
            tenants.as_deref(),
            delegations.as_deref(),
            forbidden.as_deref(),
        );
        if let Some(r) = read_only {
            self.set_read_only(&r);
        }
        Ok(())
    }
}

/// The RBAC action of a request: `{provider}/{type…}/{read|write|delete}` from the last provider
/// segment of the path, e.g. `Microsoft.SecurityInsights/alertRules/read`.
fn action(method: &str, path: &str) -> String {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let verb = match method {
        "GET" | "HEAD" => "read",
        "DELETE" => "delete",
        "POST" => "action",
        _ => "write",
    };
    let Some(p) = segs
        .iter()
        .rposition(|s| s.eq_ignore_ascii_case("providers"))
    else {
        return format!("Microsoft.Resources/subscriptions/{verb}");
    };
    let after = &segs[p + 1..];
    let Some(ns) = after.first() else {
        return format!("Microsoft.Resources/subscriptions/{verb}");
    };
    // Types are every other segment after the namespace (type, name, type, name…).
    let types: Vec<&str> = after.iter().skip(1).step_by(2).copied().collect();
    format!("{ns}/{}/{verb}", types.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str =
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws";

    #[test]
    fn actions_come_from_the_path() {
        assert_eq!(
            action(
                "GET",
                &format!("{SUB}/providers/Microsoft.SecurityInsights/alertRules/r1")
            ),
            "Microsoft.SecurityInsights/alertRules/read"
        );
        assert_eq!(
            action("PUT", &format!("{SUB}/savedSearches/f")),
            "Microsoft.OperationalInsights/workspaces/savedSearches/write"
        );
        assert_eq!(
            action("DELETE", SUB),
            "Microsoft.OperationalInsights/workspaces/delete"
        );
        assert_eq!(
            action("GET", "/subscriptions/s1"),
            "Microsoft.Resources/subscriptions/read"
        );
    }

    #[test]
    fn tenants_delegations_and_scopes() {
        let a = Access::new(
            &[("S1".into(), "T1".into())],
            &[("s1".into(), "mssp".into())],
            &[format!("{SUB}/")],
        );
        assert!(a.check_tenant("s1", "t1").is_ok());
        assert!(a.check_tenant("s1", "mssp").is_ok());
        let e = a.check_tenant("s1", "other").unwrap_err();
        assert_eq!(e.status, 401);
        assert!(a.check_tenant("unbound", "anyone").is_ok());
        assert!(
            a.check_scope("GET", &format!("{SUB}/savedSearches"), "o")
                .is_err()
        );
        assert!(a.check_scope("GET", SUB, "o").is_err());
        assert!(
            a.check_scope("GET", &format!("{SUB}2"), "o").is_ok(),
            "a prefix is not a parent"
        );
        a.set_forbidden(&[]);
        assert!(a.check_scope("GET", SUB, "o").is_ok());
    }

    #[test]
    fn read_only_scopes_refuse_writes_and_say_so_in_permissions() {
        let a = Access::new(&[], &[], &[]);
        a.update_from_json(&json!({"readOnly": [SUB.to_uppercase()]}))
            .unwrap();
        let rule = format!("{SUB}/providers/Microsoft.SecurityInsights/alertRules/r1");
        assert!(a.check_scope("GET", &rule, "o").is_ok());
        let e = a.check_scope("PUT", &rule, "o").unwrap_err();
        assert_eq!(e.status, 403);
        assert!(a.check_scope("DELETE", &rule, "o").is_err());
        assert!(
            a.check_scope("PUT", &format!("{SUB}2/savedSearches/f"), "o")
                .is_ok()
        );
        assert_eq!(a.permissions(SUB)["value"][0]["actions"], json!(["*/read"]));
        assert_eq!(
            a.permissions(&format!("{SUB}2"))["value"][0]["actions"],
            json!(["*"])
        );
        assert_eq!(a.to_json()["readOnly"], json!([SUB.to_lowercase()]));
    }
}
