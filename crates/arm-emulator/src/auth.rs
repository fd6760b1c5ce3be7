//! An Entra-ID-shaped token endpoint on the emulator's own base URL, and bearer checks for ARM calls.
//!
//! * `POST /{tenant}/oauth2/v2.0/token` — client credentials with `client_secret` or
//!   `client_assertion` (form body); answers `{"token_type":"Bearer","expires_in":3599,
//!   "ext_expires_in":3599,"access_token":…}`. Also the v1 `/{tenant}/oauth2/token` (`resource=`).
//! * `GET /{tenant}/v2.0/.well-known/openid-configuration` (MSAL's tenant discovery, used by Python
//!   `azure-identity`), `GET /common/discovery/instance` (MSAL's instance discovery, when not disabled)
//!   and `GET /{tenant}/discovery/v2.0/keys`.
//!
//! The Rust `azure_identity` 1.0 `ClientSecretCredential`/`ClientAssertionCredential` only POST to
//! `{authority_host}/{tenant}/oauth2/v2.0/token` and read `access_token`/`expires_in`, or
//! `error_codes`/`error_description` on failure.
//!
//! Tokens are unsigned JWT-shaped strings the emulator remembers with their expiry.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::errors::{Reply, arm_error};
use crate::{encoding, guid, random, time};

pub(crate) const TOKEN_LIFETIME_SECS: u64 = 3599;

/// One allowed login from the credentials file.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    tenant_id: String,
    client_id: String,
    client_secret: Option<String>,
}

/// Who a token was issued to.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    pub(crate) object_id: String,
    pub(crate) audience: String,
    expires: Instant,
}

#[derive(Debug)]
pub(crate) struct Auth {
    credentials: Option<Vec<Credential>>,
    tokens: Mutex<HashMap<String, TokenInfo>>,
}

/// Reads `[{"tenantId","clientId","clientSecret"}]` (or `{"credentials":[…]}`).
pub(crate) fn load_credentials(path: &Path) -> Result<Vec<Credential>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read credentials file {}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| format!("credentials file {} is not JSON: {e}", path.display()))?;
    let list = match &v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o
            .get("credentials")
            .and_then(Value::as_array)
            .cloned()
            .ok_or("credentials file: expected an array or {\"credentials\": [...]}")?,
        _ => return Err("credentials file: expected an array".into()),
    };
    list.iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
            Ok(Credential {
                tenant_id: s("tenantId").ok_or("credentials entry without tenantId")?,
                client_id: s("clientId").ok_or("credentials entry without clientId")?,
                client_secret: s("clientSecret"),
            })
        })
        .collect()
}

fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Reply {
    let trace = guid::new_guid();
    let correlation = guid::new_guid();
    let ts = time::utc_now_entra();
    Reply::json(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts.replace('T', " ").replace('Z', ""),
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

fn valid_tenant(t: &str) -> bool {
    guid::is_guid(t)
        || (t.contains('.')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
}

/// Audience from a v2 scope (`https://management.azure.com/.default` → `https://management.azure.com/`).
fn audience_from_scope(scope: &str) -> Option<String> {
    scope
        .split(' ')
        .filter(|s| !matches!(*s, "openid" | "profile" | "offline_access" | ""))
        .find_map(|s| s.strip_suffix(".default").map(str::to_string))
}

impl Auth {
    pub(crate) fn new(credentials: Option<Vec<Credential>>) -> Self {
        Self {
            credentials,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    /// Handles the token POST. `v1` is the `/oauth2/token` variant (`resource=` instead of `scope=`).
    pub(crate) fn token(&self, tenant: &str, body: &[u8], v1: bool, base_url: &str) -> Reply {
        let form: HashMap<String, String> =
            encoding::parse_query(&String::from_utf8_lossy(body), true)
                .into_iter()
                .collect();
        let get = |k: &str| form.get(k).map(String::as_str).filter(|s| !s.is_empty());
        let Some(grant) = get("grant_type") else {
            return entra_error(
                400,
                "invalid_request",
                900_144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        };
        if grant != "client_credentials" {
            return entra_error(
                400,
                "unsupported_grant_type",
                70_003,
                &format!("The app requested an unsupported grant type '{grant}'."),
            );
        }
        let Some(client_id) = get("client_id") else {
            return entra_error(
                400,
                "invalid_request",
                900_144,
                "The request body must contain the following parameter: 'client_id'.",
            );
        };
        let audience = if v1 {
            get("resource").map(|r| {
                if r.ends_with('/') {
                    r.to_string()
                } else {
                    format!("{r}/")
                }
            })
        } else {
            get("scope").and_then(audience_from_scope)
        };
        let Some(audience) = audience else {
            return entra_error(
                400,
                "invalid_scope",
                if v1 { 900_144 } else { 1_002_012 },
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            );
        };
        if !valid_tenant(tenant) {
            return entra_error(
                400,
                "invalid_request",
                90_002,
                &format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
                ),
            );
        }
        let secret = get("client_secret");
        let assertion = get("client_assertion");
        if secret.is_none() && assertion.is_none() {
            return entra_error(
                401,
                "invalid_client",
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
        if assertion.is_some()
            && get("client_assertion_type")
                != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return entra_error(
                400,
                "invalid_request",
                900_144,
                "The request body must contain the following parameter: 'client_assertion_type'.",
            );
        }
        if let Some(list) = &self.credentials {
            let app: Vec<&Credential> = list
                .iter()
                .filter(|c| {
                    c.tenant_id.eq_ignore_ascii_case(tenant)
                        && c.client_id.eq_ignore_ascii_case(client_id)
                })
                .collect();
            if app.is_empty() {
                return entra_error(
                    401,
                    "invalid_client",
                    700_016,
                    &format!(
                        "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                    ),
                );
            }
            if let Some(s) = secret
                && !app.iter().any(|c| c.client_secret.as_deref() == Some(s))
            {
                return entra_error(
                    401,
                    "invalid_client",
                    7_000_215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.",
                );
            }
            // An assertion is accepted for a listed application (signatures are not checked).
        }
        let token = self.issue(tenant, client_id, &audience, base_url);
        Reply::json(
            200,
            json!({
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECS,
                "ext_expires_in": TOKEN_LIFETIME_SECS,
                "access_token": token,
            }),
        )
    }

    fn issue(&self, tenant: &str, client_id: &str, audience: &str, base_url: &str) -> String {
        let object_id = guid::stable_guid(&format!(
            "{}/{}",
            tenant.to_ascii_lowercase(),
            client_id.to_ascii_lowercase()
        ));
        let now = u64::try_from(time::now_nanos() / 1_000_000_000).unwrap_or(0);
        let header = json!({"typ": "JWT", "alg": "none", "kid": "arm-emulator"});
        let payload = json!({
            "aud": audience,
            "iss": format!("{base_url}/{tenant}/v2.0"),
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME_SECS,
            "appid": client_id,
            "azp": client_id,
            "idtyp": "app",
            "oid": object_id,
            "sub": object_id,
            "tid": tenant,
            "ver": "2.0",
            "jti": guid::new_guid(),
        });
        let token = format!(
            "{}.{}.{}",
            encoding::b64url(header.to_string().as_bytes()),
            encoding::b64url(payload.to_string().as_bytes()),
            encoding::b64url(&random::random_bytes::<32>())
        );
        let mut g = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now_i = Instant::now();
        if g.len() > 10_000 {
            g.retain(|_, t| t.expires > now_i);
        }
        g.insert(
            token.clone(),
            TokenInfo {
                tenant: tenant.to_string(),
                client_id: client_id.to_string(),
                object_id,
                audience: audience.to_string(),
                expires: now_i + Duration::from_secs(TOKEN_LIFETIME_SECS),
            },
        );
        token
    }

    /// Checks `Authorization: Bearer …` on an ARM request (a known, unexpired token for ARM).
    pub(crate) fn check(
        &self,
        authorization: Option<&str>,
        base_url: &str,
    ) -> Result<TokenInfo, Reply> {
        let info = self.lookup(authorization, base_url)?;
        let aud = info.audience.trim_end_matches('/');
        let allowed = [
            "https://management.azure.com",
            "https://management.core.windows.net",
            base_url.trim_end_matches('/'),
        ];
        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(aud)) {
            return Err(arm_error(
                401,
                "InvalidAuthenticationTokenAudience",
                format!(
                    "The access token has been obtained for wrong audience or resource '{}'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.",
                    info.audience
                ),
            ));
        }
        Ok(info)
    }

    /// The token of `Authorization: Bearer …` when the emulator issued it and it has not expired, for
    /// any audience (the caller checks that); otherwise ARM's 401 answer.
    pub(crate) fn lookup(
        &self,
        authorization: Option<&str>,
        base_url: &str,
    ) -> Result<TokenInfo, Reply> {
        let www = |err: &str, desc: &str| {
            format!(
                "Bearer authorization_uri=\"{base_url}/common/oauth2/authorize\", error=\"{err}\", error_description=\"{desc}\""
            )
        };
        let Some(h) = authorization else {
            return Err(arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
            .with_header(
                "WWW-Authenticate",
                www(
                    "invalid_token",
                    "The authentication failed because of missing 'Authorization' header.",
                ),
            ));
        };
        let token = h
            .strip_prefix("Bearer ")
            .or_else(|| h.strip_prefix("bearer "))
            .map(str::trim);
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Err(arm_error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is provided in an invalid format.",
            )
            .with_header("WWW-Authenticate", www("invalid_token", "The authentication failed because of invalid 'Authorization' header format.")));
        };
        let info = self
            .tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(token)
            .cloned();
        let Some(info) = info else {
            return Err(arm_error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid.",
            )
            .with_header(
                "WWW-Authenticate",
                www("invalid_token", "The access token is invalid."),
            ));
        };
        if info.expires <= Instant::now() {
            return Err(arm_error(
                401,
                "ExpiredAuthenticationToken",
                "The access token expiry UTC time is earlier than current UTC time.",
            )
            .with_header(
                "WWW-Authenticate",
                www("invalid_token", "The access token has expired."),
            ));
        }
        Ok(info)
    }

    /// Forgets every issued token (admin API), so the next ARM call gets 401.
    pub(crate) fn revoke_all(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

/// MSAL's tenant discovery document.
pub(crate) fn openid_configuration(base: &str, tenant: &str) -> Reply {
    let t = format!("{base}/{tenant}");
    Reply::json(
        200,
        json!({
            "token_endpoint": format!("{t}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{t}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{t}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{t}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{t}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{t}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

/// MSAL's instance discovery (`/common/discovery/instance?authorization_endpoint=…`).
pub(crate) fn instance_discovery(base: &str, query: &[(String, String)]) -> Reply {
    let host = base
        .split_once("://")
        .map_or(base, |(_, h)| h)
        .trim_end_matches('/')
        .to_string();
    let tenant = query
        .iter()
        .find(|(k, _)| k == "authorization_endpoint")
        .and_then(|(_, v)| {
            v.split_once("://")
                .and_then(|(_, rest)| rest.split('/').nth(1).map(str::to_string))
        })
        .unwrap_or_else(|| "common".to_string());
    Reply::json(
        200,
        json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
        }),
    )
}
