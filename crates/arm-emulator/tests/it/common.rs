//! Shared test helpers: an emulator with the example workspaces and a reqwest client trusting its CA.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use arm_emulator::{Config, Emulator, start};
use reqwest::Method;
use serde_json::Value;

pub const SUB: &str = "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0";
pub const WS: &str = "/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.OperationalInsights/workspaces/myWorkspace";
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
pub const STABLE: &str = "2025-12-01";
pub const PREVIEW: &str = "2025-04-01-preview";

pub struct Harness {
    pub emu: Emulator,
    pub http: reqwest::Client,
    pub token: String,
}

pub fn rustls_config(ca_pem: Option<&str>) -> rustls::ClientConfig {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.add(c.expect("CA pem")).expect("add CA");
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("tls versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

pub fn client(ca_pem: Option<&str>) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(rustls_config(ca_pem))
        .pool_max_idle_per_host(64)
        .build()
        .expect("client")
}

pub async fn token(http: &reqwest::Client, emu: &Emulator) -> String {
    token_for(http, emu, "https%3A%2F%2Fmanagement.azure.com%2F.default").await
}

/// A client-credentials token from the emulator for `scope` (form-encoded).
pub async fn token_for(http: &reqwest::Client, emu: &Emulator, scope: &str) -> String {
    let resp = http
        .post(emu.token_url(TENANT))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=client_credentials&client_id=11111111-1111-1111-1111-111111111111&client_secret=s3cret&scope={scope}"))
        .send()
        .await
        .expect("token request");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("token json");
    v["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

pub async fn setup(mut config: Config) -> Harness {
    if config.workspaces.is_empty() {
        config.workspaces.push(WS.to_string());
    }
    let emu = start(config).await.expect("start");
    let http = client(emu.ca_pem());
    let token = token(&http, &emu).await;
    Harness { emu, http, token }
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Harness {
    pub fn url(&self, path_and_query: &str) -> String {
        if path_and_query.starts_with("http") {
            path_and_query.to_string()
        } else {
            format!("{}{}", self.emu.url(), path_and_query)
        }
    }

    pub async fn send(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                self.url(path_and_query),
            )
            .bearer_auth(&self.token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// An admin API call (`/_emulator/{path}`) with the admin token.
    pub async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let token = self.emu.admin_token().to_string();
        self.send(
            method,
            &format!("/_emulator/{path}"),
            body,
            &[("x-emulator-admin-token", token.as_str())],
        )
        .await
    }

    pub async fn get(&self, p: &str) -> Answer {
        self.send("GET", p, None, &[]).await
    }

    pub async fn put(&self, p: &str, body: &Value) -> Answer {
        self.send("PUT", p, Some(body), &[]).await
    }
}

pub fn rule_path(name: &str, api: &str) -> String {
    format!("{WS}/providers/Microsoft.SecurityInsights/alertRules/{name}?api-version={api}")
}

pub fn scheduled_rule(display: &str) -> Value {
    serde_json::json!({
        "kind": "Scheduled",
        "properties": {
            "displayName": display,
            "enabled": true,
            "severity": "Medium",
            "query": "SecurityEvent | take 1",
            "queryFrequency": "PT1H",
            "queryPeriod": "PT1H",
            "triggerOperator": "GreaterThan",
            "triggerThreshold": 0,
            "suppressionEnabled": false,
            "suppressionDuration": "PT5H"
        }
    })
}
