//! Who a client is signed in as: the claims of its current ARM access token, read (not verified —
//! ARM verifies them) for display by `doctor`. Only identifying claims are kept; the token itself
//! never leaves the token cache.

use azure_core::base64::decode_url_safe;
use serde_json::Value;

/// The identity behind a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// Object id (`oid`) of the user, service principal or managed identity.
    pub object_id: Option<String>,
    /// Tenant (`tid`) the token was issued in.
    pub tenant_id: Option<String>,
    /// Application (client) id (`appid` or `azp`).
    pub app_id: Option<String>,
    /// Sign-in name of a user (`upn`, `unique_name` or `preferred_username`).
    pub user: Option<String>,
    /// `user`, `app` or `managed identity`, from `idtyp` and the claims present.
    pub kind: String,
}

impl Identity {
    /// One line for humans: `user alice@contoso.com (object id …) in tenant …`, or
    /// `application (client id …) (object id …) in tenant …`.
    pub fn describe(&self) -> String {
        let who = match (&self.user, &self.app_id) {
            (Some(u), _) => u.clone(),
            (None, Some(a)) => format!("(client id {a})"),
            (None, None) => "(unnamed)".to_string(),
        };
        let mut s = format!("{} {who}", self.kind);
        if let Some(o) = &self.object_id {
            s.push_str(&format!(" (object id {o})"));
        }
        if let Some(t) = &self.tenant_id {
            s.push_str(&format!(" in tenant {t}"));
        }
        s
    }
}

/// The identity in a JWT access token; `None` when it is not a JWT (some clouds and test servers
/// issue opaque tokens).
pub(crate) fn from_token(token: &str) -> Option<Identity> {
    let payload = token.split('.').nth(1)?;
    let bytes = decode_url_safe(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let text = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let user = text("upn")
        .or_else(|| text("unique_name"))
        .or_else(|| text("preferred_username"));
    let app_id = text("appid").or_else(|| text("azp"));
    let kind = match text("idtyp").as_deref() {
        Some("user") => "user",
        Some("app") if text("xms_mirid").is_some() => "managed identity",
        Some("app") => "application",
        _ if user.is_some() => "user",
        _ => "application",
    };
    Some(Identity {
        object_id: text("oid"),
        tenant_id: text("tid"),
        app_id,
        user,
        kind: kind.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::base64::encode_url_safe;

    fn jwt(claims: &Value) -> String {
        format!(
            "{}.{}.sig",
            encode_url_safe(br#"{"alg":"none"}"#),
            encode_url_safe(claims.to_string())
        )
    }

    #[test]
    fn apps_users_and_managed_identities() {
        let app = from_token(&jwt(&serde_json::json!({
            "appid": "c1", "oid": "o1", "tid": "t1", "idtyp": "app"
        })))
        .unwrap();
        assert_eq!(app.kind, "application");
        assert_eq!(
            app.describe(),
            "application (client id c1) (object id o1) in tenant t1"
        );
        let user = from_token(&jwt(&serde_json::json!({
            "upn": "alice@contoso.com", "oid": "o2", "tid": "t1", "appid": "04b07795"
        })))
        .unwrap();
        assert_eq!(user.kind, "user");
        assert_eq!(user.user.as_deref(), Some("alice@contoso.com"));
        let mi = from_token(&jwt(&serde_json::json!({
            "appid": "c2", "idtyp": "app", "xms_mirid": "/subscriptions/s/…/userAssignedIdentities/x"
        })))
        .unwrap();
        assert_eq!(mi.kind, "managed identity");
    }

    #[test]
    fn opaque_tokens_have_no_identity() {
        assert_eq!(from_token("opaque-token"), None);
        assert_eq!(from_token("a.!!!.c"), None);
        assert_eq!(from_token("a.bm90IGpzb24.c"), None);
    }
}
