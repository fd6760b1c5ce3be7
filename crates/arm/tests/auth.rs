//! Tokens from a loopback HTTPS token endpoint through azure_identity (client secret, custom
//! authority host, extra CA file), used against a loopback HTTPS "ARM"; and the guarantee that
//! neither the token nor the secret ever reaches trace output.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use sentinel_arm::{
    ArmClient, ArmClientConfig, ArmError, AuthMethod, AuthSpec, Secret, WorkspaceRef,
    build_credential,
};
use serde_json::json;
use support::{Reply, Server};
use url::Url;

const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";
const TOKEN: &str = "eyJ0eXAi.ACCESS-TOKEN-VALUE.sig";
const SECRET: &str = "client-secret-VALUE-42";

fn token_or_arm(seen: &support::Seen, _: usize) -> Reply {
    if seen.method == "POST" && seen.target == format!("/{TENANT}/oauth2/v2.0/token") {
        if !seen.body.contains("client_id=app-1")
            || !seen.body.contains("grant_type=client_credentials")
        {
            return Reply::json(
                400,
                &json!({"error": "invalid_request", "error_description": "bad form", "error_codes": [9002]}),
            );
        }
        if !seen.body.contains("client_secret=client-secret-VALUE-42") {
            return Reply::json(
                401,
                &json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7_000_215]}),
            );
        }
        return Reply::json(
            200,
            &json!({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": TOKEN}),
        );
    }
    if seen.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return Reply::json(
            401,
            &json!({"error": {"code": "InvalidAuthenticationToken", "message": "bad token"}}),
        );
    }
    Reply::json(200, &json!({"value": [{"name": "r1"}]}))
}

fn spec(server: &Server, secret: &str) -> AuthSpec {
    let mut spec = AuthSpec::new(AuthMethod::ClientSecret);
    spec.tenant_id = Some(TENANT.into());
    spec.client_id = Some("app-1".into());
    spec.secret = Some(Secret::new(secret));
    spec.authority_host = Some(Url::parse(&server.url).unwrap());
    spec.ca_file.clone_from(&server.ca_file);
    spec
}

fn arm_client(server: &Server, spec: &AuthSpec) -> ArmClient {
    let mut cfg = ArmClientConfig::new(
        Url::parse(&server.url).unwrap(),
        build_credential(spec).unwrap(),
    );
    cfg.ca_file.clone_from(&server.ca_file);
    spec.method.label().clone_into(&mut cfg.auth_label);
    ArmClient::new(cfg).unwrap()
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn client_secret_token_over_https_with_ca_file_and_nothing_secret_in_traces() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::https(token_or_arm).await;
    let spec = spec(&server, SECRET);
    let arm = arm_client(&server, &spec);
    let ws = WorkspaceRef::new("00000000-0000-0000-0000-000000000001", "rg", "law");
    let items = arm.list(&ws.alert_rules()).await.unwrap();
    assert_eq!(items, vec![json!({"name": "r1"})]);
    let seen = server.requests();
    assert_eq!(seen[0].method, "POST", "token first");
    assert!(
        seen[0]
            .body
            .contains(&format!("scope={}", "https%3A%2F%2F127.0.0.1%3A")),
        "{}",
        seen[0].body
    );

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("arm request"),
        "trace output was captured: {logs}"
    );
    assert!(logs.contains("status=200"), "{logs}");
    assert!(
        !logs.contains(TOKEN) && !logs.contains("ACCESS-TOKEN"),
        "token leaked into traces"
    );
    assert!(!logs.contains(SECRET), "secret leaked into traces");
    assert!(!format!("{arm:?}{spec:?}").contains(SECRET));
}

#[tokio::test]
async fn rejected_secret_is_an_auth_error_with_a_hint() {
    let server = Server::https(token_or_arm).await;
    let arm = arm_client(&server, &spec(&server, "wrong-secret"));
    let ws = WorkspaceRef::new("00000000-0000-0000-0000-000000000001", "rg", "law");
    let err = arm.get(&ws.alert_rule("x")).await.unwrap_err();
    match &err {
        ArmError::Auth { method, reason } => {
            assert_eq!(method, "client-secret");
            assert!(reason.contains("AADSTS7000215"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.hint().unwrap().contains("service principal"));
    assert!(!err.to_string().contains("wrong-secret"));
    assert!(
        server.requests().iter().all(|s| s.method == "POST"),
        "no ARM request without a token"
    );
}

#[tokio::test]
async fn token_endpoint_without_the_ca_file_is_not_trusted() {
    let server = Server::https(token_or_arm).await;
    let mut spec = spec(&server, SECRET);
    spec.ca_file = None;
    let credential = build_credential(&spec).unwrap();
    let err = credential
        .get_token(&["https://127.0.0.1/.default"], None)
        .await
        .unwrap_err();
    let text = sentinel_arm::auth::describe_credential_error(&err);
    assert!(text.contains("invalid peer certificate"), "{text}");
    assert!(
        text.contains("non-transport error"),
        "an untrusted certificate is not retried: {text}"
    );
    assert!(server.requests().is_empty());
}

/// A token endpoint that accepts a client assertion (certificate JWT or federated token).
fn assertion_endpoint(
    expected_assertion_prefix: &'static str,
) -> impl Fn(&support::Seen, usize) -> Reply {
    move |seen, n| {
        if seen.method != "POST" {
            return token_or_arm(seen, n);
        }
        let form: Vec<(String, String)> = url::form_urlencoded::parse(seen.body.as_bytes())
            .into_owned()
            .collect();
        let field = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let ok = seen.target == format!("/{TENANT}/oauth2/v2.0/token")
            && field("client_assertion_type")
                == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            && field("client_assertion").starts_with(expected_assertion_prefix)
            && field("client_id") == "app-1";
        if ok {
            Reply::json(
                200,
                &json!({"token_type": "Bearer", "expires_in": 3600, "access_token": TOKEN}),
            )
        } else {
            Reply::json(
                401,
                &json!({"error": "invalid_client", "error_description": format!("AADSTS700027: bad assertion {form:?}"), "error_codes": [700_027]}),
            )
        }
    }
}

#[tokio::test]
async fn client_certificate_signs_an_assertion_the_token_endpoint_accepts() {
    // `eyJ` is base64url of `{"`: the assertion is a JWT whose header the test unit in
    // client_certificate.rs verifies in detail.
    let server = Server::https(assertion_endpoint("eyJ")).await;
    let cert = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/test-service-principal.pem");
    let mut spec = spec(&server, SECRET);
    spec.method = AuthMethod::ClientCertificate {
        certificate_path: cert,
    };
    spec.secret = None;
    let token = build_credential(&spec)
        .unwrap()
        .get_token(&["https://management.azure.com/.default"], None)
        .await
        .unwrap();
    assert_eq!(token.token.secret(), TOKEN);
}

#[tokio::test]
async fn workload_identity_sends_the_federated_token_file() {
    let server = Server::https(assertion_endpoint("github-oidc-token-")).await;
    let dir = std::env::temp_dir().join(format!("sentinel_arm_wi_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("federated-token");
    std::fs::write(&token_file, "github-oidc-token-xyz").unwrap();
    let mut spec = spec(&server, SECRET);
    spec.method = AuthMethod::WorkloadIdentity;
    spec.secret = None;
    spec.federated_token_file = Some(token_file);
    let arm = arm_client(&server, &spec);
    let ws = WorkspaceRef::new("00000000-0000-0000-0000-000000000001", "rg", "law");
    assert_eq!(arm.list(&ws.alert_rules()).await.unwrap().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
