//! Behaviour the contract requires: auth, validation, etags and preconditions, paging, throttling,
//! faults, persistence, version projection, and Microsoft's Rust identity SDK as a token client.
#![allow(clippy::items_after_statements, clippy::field_reassign_with_default)] // test-local credential types sit next to their test; azure_core options are built field by field as its docs show

use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use arm_emulator::{Config, Faults};
use serde_json::{Value, json};

#[tokio::test]
async fn arm_calls_need_a_token_the_emulator_issued() {
    let h = setup(Config::default()).await;
    let url = h.url(&rule_path("r", STABLE));
    let r = h.http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "AuthenticationFailed");
    let r = h
        .http
        .get(&url)
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
    // A token for another audience is refused too.
    let t = h.http.post(h.emu.token_url(TENANT))
        .body("grant_type=client_credentials&client_id=a&client_secret=b&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send().await.unwrap().json::<Value>().await.unwrap();
    let r = h
        .http
        .get(&url)
        .bearer_auth(t["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_speaks_entra() {
    let dir = std::env::temp_dir().join(format!("emu-creds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let creds = dir.join("creds.json");
    std::fs::write(&creds, r#"[{"tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","clientId":"11111111-1111-1111-1111-111111111111","clientSecret":"s3cret"}]"#).unwrap();
    let h = setup(Config {
        credentials: Some(creds),
        ..Config::default()
    })
    .await;
    let form = |secret: &str| {
        format!(
            "grant_type=client_credentials&client_id=11111111-1111-1111-1111-111111111111&client_secret={secret}&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"
        )
    };
    let r = h
        .http
        .post(h.emu.token_url(TENANT))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(v["error_codes"], json!([7_000_215]));
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .starts_with("AADSTS7000215")
    );
    let r = h
        .http
        .post(h.emu.token_url(TENANT))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3599);
    assert_eq!(v["ext_expires_in"], 3599);
    let oidc: Value = h
        .http
        .get(format!(
            "{}/{TENANT}/v2.0/.well-known/openid-configuration",
            h.emu.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oidc["token_endpoint"], h.emu.token_url(TENANT));
    h.emu.shutdown().await;
}

/// Microsoft's Rust SDK (`azure_identity` 1.0) against the emulator, unmodified, with the authority
/// host set to the emulator URL.
#[tokio::test]
async fn azure_identity_credentials_get_tokens() {
    use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
    use azure_core::credentials::{Secret, TokenCredential};
    use azure_core::http::{ClientOptions, Transport};
    use azure_identity::{
        ClientAssertion, ClientAssertionCredential, ClientAssertionCredentialOptions,
        ClientSecretCredential, ClientSecretCredentialOptions,
    };

    let h = setup(Config::default()).await;
    let mut custom = CustomConfiguration::default();
    custom.authority_host = h.emu.url().to_string();
    let options = || {
        let mut o = ClientOptions::default();
        o.transport = Some(Transport::new(Arc::new(client(h.emu.ca_pem()))));
        o.cloud = Some(Arc::new(CloudConfiguration::Custom(custom.clone())));
        o
    };
    let cred = ClientSecretCredential::new(
        TENANT,
        "11111111-1111-1111-1111-111111111111".to_string(),
        Secret::new("s3cret"),
        Some(ClientSecretCredentialOptions {
            client_options: options(),
        }),
    )
    .unwrap();
    let tok = cred
        .get_token(&["https://management.azure.com/.default"], None)
        .await
        .unwrap();
    let r = h
        .http
        .get(h.url(&rule_path("nope", STABLE)))
        .bearer_auth(tok.token.secret())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "the SDK's token is accepted by ARM");

    #[derive(Debug)]
    struct Jwt;
    #[async_trait::async_trait]
    impl ClientAssertion for Jwt {
        async fn secret(
            &self,
            _: Option<azure_core::http::ClientMethodOptions<'_>>,
        ) -> azure_core::Result<String> {
            Ok("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln".to_string())
        }
    }
    let cred = ClientAssertionCredential::new(
        TENANT.to_string(),
        "22222222-2222-2222-2222-222222222222".to_string(),
        Jwt,
        Some(ClientAssertionCredentialOptions {
            client_options: options(),
        }),
    )
    .unwrap();
    let tok = cred
        .get_token(&["https://management.azure.com/.default"], None)
        .await
        .unwrap();
    assert!(!tok.token.secret().is_empty());
    h.emu.shutdown().await;
}

#[tokio::test]
async fn create_update_etags_and_preconditions() {
    let h = setup(Config::default()).await;
    let p = rule_path("Rule-1", STABLE);
    let created = h.put(&p, &scheduled_rule("one")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let etag1 = created.body["etag"].as_str().unwrap().to_string();
    assert!(etag1.starts_with('"') && etag1.ends_with('"'));
    assert!(created.body["properties"]["lastModifiedUtc"].is_string());
    assert!(created.headers.contains_key("x-ms-request-id"));
    assert!(created.headers.contains_key("x-ms-correlation-request-id"));
    assert_eq!(
        created.headers["x-ms-ratelimit-remaining-subscription-writes"],
        "199"
    );
    // Server defaults on read
    let got = h.get(&rule_path("rule-1", STABLE)).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.body["name"], "Rule-1",
        "names match case-insensitively, the stored casing is kept"
    );
    let props = &got.body["properties"];
    assert_eq!(props["alertRuleTemplateName"], Value::Null);
    assert_eq!(
        props["eventGroupingSettings"]["aggregationKind"],
        "SingleAlert"
    );
    assert_eq!(props["incidentConfiguration"]["createIncident"], true);
    assert_eq!(props["techniques"], json!([]));
    assert!(
        props.get("subTechniques").is_none(),
        "stable has no subTechniques"
    );
    let preview = h.get(&rule_path("rule-1", PREVIEW)).await;
    assert_eq!(preview.body["properties"]["subTechniques"], json!([]));
    assert_eq!(
        got.body["id"],
        format!("{WS}/providers/Microsoft.SecurityInsights/alertRules/Rule-1")
    );

    // Update: 200 and a new etag.
    let mut upd = scheduled_rule("two");
    upd["etag"] = json!(etag1);
    let updated = h.put(&p, &upd).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let etag2 = updated.body["etag"].as_str().unwrap().to_string();
    assert_ne!(etag1, etag2);
    // Stale body etag: 409.
    let stale = h.put(&p, &upd).await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.body["error"]["code"], "Conflict");
    // If-Match mismatch: 412; match: 200.
    let r = h
        .send(
            "PUT",
            &p,
            Some(&scheduled_rule("three")),
            &[("If-Match", &etag1)],
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(r.body["error"]["code"], "PreconditionFailed");
    let r = h
        .send(
            "PUT",
            &p,
            Some(&scheduled_rule("three")),
            &[("If-Match", &etag2)],
        )
        .await;
    assert_eq!(r.status, 200);
    // If-None-Match: * on an existing resource: 412; on a new one: 201.
    let r = h
        .send(
            "PUT",
            &p,
            Some(&scheduled_rule("x")),
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(r.status, 412);
    let r = h
        .send(
            "PUT",
            &rule_path("fresh", STABLE),
            Some(&scheduled_rule("x")),
            &[("If-None-Match", "*")],
        )
        .await;
    assert_eq!(r.status, 201);
    // DELETE: 200 then 204.
    assert_eq!(h.send("DELETE", &p, None, &[]).await.status, 200);
    assert_eq!(h.send("DELETE", &p, None, &[]).await.status, 204);
    assert_eq!(h.get(&p).await.status, 404);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn validation_follows_each_versions_schema() {
    let h = setup(Config::default()).await;
    let nrt = json!({"kind": "NRT", "properties": {"displayName": "n", "enabled": true, "severity": "High", "query": "T", "suppressionEnabled": false, "suppressionDuration": "PT1H", "subTechniques": ["T1110.001"]}});
    let r = h.put(&rule_path("nrt", STABLE), &nrt).await;
    assert_eq!(r.status, 400, "NRT is not in stable 2025-12-01");
    let r = h.put(&rule_path("nrt", PREVIEW), &nrt).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["properties"]["subTechniques"], json!(["T1110.001"]));
    let r = h
        .put(&rule_path("nrt", "2025-07-01-preview"), &{
            let mut n = nrt.clone();
            n["etag"] = r.body["etag"].clone();
            n
        })
        .await;
    assert_eq!(r.status, 200, "ContentOps' preview version is accepted");
    let r = h.put(&rule_path("nrt", "2099-01-01"), &nrt).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["code"], "InvalidApiVersionParameter");

    let mut bad = scheduled_rule("bad");
    bad["properties"]["severity"] = json!("Critical");
    bad["properties"]["queryFrequency"] = json!("1h");
    bad["properties"]["triggerOperator"] = json!("GreaterThanOrEqual");
    bad["properties"]
        .as_object_mut()
        .unwrap()
        .remove("queryPeriod");
    bad["properties"]["lastModifiedUtc"] = json!("ignored: read-only");
    let r = h.put(&rule_path("bad", STABLE), &bad).await;
    assert_eq!(r.status, 400);
    let codes: Vec<&str> = r.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 4, "{}", r.body);
    assert!(
        codes.contains(&"MissingRequiredProperty")
            && codes.contains(&"InvalidEnumValue")
            && codes.contains(&"InvalidFormat")
    );
    // Service limits not in the swagger.
    let mut long = scheduled_rule("x");
    long["properties"]["query"] = json!("x".repeat(10_001));
    assert_eq!(h.put(&rule_path("long", STABLE), &long).await.status, 400);
    // Not JSON.
    let r = h
        .http
        .put(h.url(&rule_path("x", STABLE)))
        .bearer_auth(&h.token)
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn missing_workspace_and_resource_group_are_arm_404s() {
    let h = setup(Config::default()).await;
    let other = WS.replace("myWorkspace", "otherWs");
    let r = h
        .get(&format!(
            "{other}/providers/Microsoft.SecurityInsights/alertRules?api-version={STABLE}"
        ))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["error"]["code"], "ResourceNotFound");
    let r = h
        .get(&format!(
            "{}?api-version=2025-02-01",
            WS.replace("myRg", "nope")
        ))
        .await;
    assert_eq!(r.body["error"]["code"], "ResourceGroupNotFound");
    let r = h.get(&format!("{WS}?api-version=2025-02-01")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["type"], "Microsoft.OperationalInsights/workspaces");
    // PUT on the workspace URL seeds it.
    let r = h
        .put(
            &format!("{other}?api-version=2025-02-01"),
            &json!({"location": "westus"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = h
        .get(&format!(
            "{other}/providers/Microsoft.SecurityInsights/alertRules?api-version={STABLE}"
        ))
        .await;
    assert_eq!(r.status, 200);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn lists_page_with_next_links() {
    let h = setup(Config {
        page_size: 3,
        ..Config::default()
    })
    .await;
    for i in 0..8 {
        assert_eq!(
            h.put(&rule_path(&format!("r{i}"), STABLE), &scheduled_rule("p"))
                .await
                .status,
            201
        );
    }
    let mut url =
        format!("{WS}/providers/Microsoft.SecurityInsights/alertRules?api-version={STABLE}");
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let r = h.get(&url).await;
        assert_eq!(r.status, 200);
        pages += 1;
        names.extend(
            r.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["name"].as_str().unwrap().to_string()),
        );
        match r.body.get("nextLink").and_then(Value::as_str) {
            Some(next) => {
                assert!(
                    next.starts_with(h.emu.url())
                        && next.contains("api-version=")
                        && next.contains("$skipToken=")
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, (0..8).map(|i| format!("r{i}")).collect::<Vec<_>>());
    // savedSearches are not paged.
    for i in 0..5 {
        let body = json!({"properties": {"category": "c", "displayName": "d", "query": "q"}});
        assert_eq!(
            h.put(
                &format!("{WS}/savedSearches/s{i}?api-version=2025-02-01"),
                &body
            )
            .await
            .status,
            200
        );
    }
    let r = h
        .get(&format!("{WS}/savedSearches?api-version=2025-02-01"))
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 5);
    assert!(r.body.get("nextLink").is_none());
    h.emu.shutdown().await;
}

#[tokio::test]
async fn saved_searches_and_workbooks_keep_their_services_rules() {
    let h = setup(Config::default()).await;
    let p = format!("{WS}/savedSearches/MyParser?api-version=2025-07-01");
    let body = json!({"properties": {"category": "Parsers", "displayName": "My parser", "query": "T | take n", "functionAlias": "MyParser", "functionParameters": "n:int=10"}});
    let r = h.put(&p, &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["properties"]["version"], 2);
    let etag = r.body["etag"].as_str().unwrap().to_string();
    assert!(etag.starts_with("W/\"datetime'"));
    assert_eq!(
        h.put(&p, &body).await.status,
        409,
        "re-saving without the etag"
    );
    let mut with = body.clone();
    with["etag"] = json!(etag);
    assert_eq!(h.put(&p, &with).await.status, 200);
    assert_eq!(h.put(&p, &with).await.status, 409, "stale etag");
    with["etag"] = json!("*");
    assert_eq!(h.put(&p, &with).await.status, 200);

    let rg = "/subscriptions/d0cfe6b2-9ac0-4464-9919-dccaee2e48c0/resourceGroups/myRg/providers/Microsoft.Insights/workbooks";
    let wb = json!({"location": "westeurope", "kind": "shared", "properties": {"displayName": "W", "category": "sentinel", "serializedData": "{\"items\":[]}", "sourceId": WS}});
    assert_eq!(
        h.put(&format!("{rg}/not-a-guid?api-version=2023-06-01"), &wb)
            .await
            .status,
        400
    );
    let id = "0b4f4c59-3e9d-4d0e-bd8c-7d8d9f1f0a11";
    let r = h
        .put(&format!("{rg}/{id}?api-version=2023-06-01"), &wb)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["properties"]["userId"].is_string());
    assert_eq!(
        h.get(&format!("{rg}?api-version=2023-06-01")).await.status,
        400,
        "category is required"
    );
    let r = h
        .get(&format!("{rg}?api-version=2023-06-01&category=sentinel"))
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 1);
    assert!(
        r.body["value"][0]["properties"]
            .get("serializedData")
            .is_none(),
        "no content unless canFetchContent"
    );
    let r = h
        .get(&format!(
            "{rg}?api-version=2023-06-01&category=sentinel&canFetchContent=true&sourceId={}",
            WS.replace('/', "%2F")
        ))
        .await;
    assert!(r.body["value"][0]["properties"]["serializedData"].is_string());
    let r = h
        .get(&format!("{rg}?api-version=2023-06-01&category=workbook"))
        .await;
    assert_eq!(r.body["value"].as_array().unwrap().len(), 0);
    h.emu.shutdown().await;
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after() {
    let h = setup(Config::default()).await;
    let admin = format!("{}/_emulator/throttle", h.emu.url());
    let r = h
        .http
        .put(&admin)
        .header("x-emulator-admin-token", h.emu.admin_token())
        .json(&json!({"writes": {"capacity": 3, "refillPerSecond": 0.5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    for i in 0..3 {
        let r = h
            .put(&rule_path(&format!("t{i}"), STABLE), &scheduled_rule("t"))
            .await;
        assert_eq!(r.status, 201);
        assert_eq!(
            r.headers["x-ms-ratelimit-remaining-subscription-writes"],
            (2 - i).to_string().as_str()
        );
    }
    let r = h.put(&rule_path("t9", STABLE), &scheduled_rule("t")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["retry-after"], "2");
    assert_eq!(r.body["error"]["code"], "SubscriptionRequestsThrottled");
    // Reads have their own bucket.
    let r = h.get(&rule_path("t0", STABLE)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["x-ms-ratelimit-remaining-subscription-reads"],
        "249"
    );
    h.emu.set_throttle(false);
    assert_eq!(
        h.put(&rule_path("t9", STABLE), &scheduled_rule("t"))
            .await
            .status,
        201
    );
    h.emu.shutdown().await;
}

#[tokio::test]
async fn faults_are_deterministic_from_the_seed() {
    let h = setup(Config {
        throttle: false,
        ..Config::default()
    })
    .await;
    let faults = Faults {
        fault_rate: 0.4,
        seed: 1234,
        ..Faults::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        h.emu.set_faults(faults.clone());
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(h.get(&rule_path("none", STABLE)).await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    let errors = runs[0].iter().filter(|s| **s >= 500).count();
    assert!((6..=30).contains(&errors), "{errors} of 40");
    assert!(runs[0].iter().all(|s| matches!(s, 404 | 500 | 503)));
    // Switched on mid-run through the admin API: dropped connections and latency.
    h.http
        .put(format!("{}/_emulator/faults", h.emu.url()))
        .header("x-emulator-admin-token", h.emu.admin_token())
        .json(&json!({"faultRate": 0.0, "dropRate": 1.0}))
        .send()
        .await
        .unwrap();
    assert!(
        h.http
            .get(h.url(&rule_path("none", STABLE)))
            .bearer_auth(&h.token)
            .send()
            .await
            .is_err()
    );
    h.http
        .put(format!("{}/_emulator/faults", h.emu.url()))
        .header("x-emulator-admin-token", h.emu.admin_token())
        .json(
            &json!({"dropRate": 0.0, "latencyMs": 150, "slowBodyRate": 1.0, "slowBodyDelayMs": 5}),
        )
        .send()
        .await
        .unwrap();
    let t = std::time::Instant::now();
    assert_eq!(h.get(&rule_path("none", STABLE)).await.status, 404);
    assert!(t.elapsed() >= Duration::from_millis(150));
    h.emu.shutdown().await;
}

#[tokio::test]
async fn state_persists_and_is_human_editable() {
    let dir = std::env::temp_dir().join(format!("emu-state-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("state.json");
    let h = setup(Config {
        state_file: Some(file.clone()),
        ..Config::default()
    })
    .await;
    assert_eq!(
        h.put(&rule_path("keep", STABLE), &scheduled_rule("kept"))
            .await
            .status,
        201
    );
    let etag = h.get(&rule_path("keep", STABLE)).await.body["etag"].clone();
    h.emu.shutdown().await;

    // A user edits the file while the emulator is stopped (as "editing in the portal").
    let mut state: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(state["workspaces"][0]["alertRules"][0]["name"], "keep");
    state["workspaces"][0]["alertRules"][0]["properties"]["displayName"] = json!("edited by hand");
    std::fs::write(&file, serde_json::to_string_pretty(&state).unwrap()).unwrap();

    let h = setup(Config {
        state_file: Some(file.clone()),
        ..Config::default()
    })
    .await;
    let r = h.get(&rule_path("keep", STABLE)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["properties"]["displayName"], "edited by hand");
    assert_eq!(r.body["etag"], etag);
    assert_eq!(
        h.emu.snapshot()["workspaces"][0]["alertRules"][0]["name"],
        "keep"
    );
    h.emu.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn plain_http_when_asked_and_request_log() {
    let h = setup(Config {
        http: true,
        ..Config::default()
    })
    .await;
    assert!(h.emu.url().starts_with("http://"));
    assert!(h.emu.ca_file().is_none());
    let r = h
        .send(
            "GET",
            &rule_path("x", STABLE),
            None,
            &[("x-ms-client-request-id", "abc-123")],
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.headers["x-ms-client-request-id"], "abc-123");
    let log: Value = h
        .http
        .get(format!("{}/_emulator/requests", h.emu.url()))
        .header("x-emulator-admin-token", h.emu.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        log["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["clientRequestId"] == "abc-123" && e["status"] == 404)
    );
    assert!(h.emu.request_count() >= 2);
    h.emu.shutdown().await;
}
