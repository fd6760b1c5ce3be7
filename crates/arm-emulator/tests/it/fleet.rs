//! Many workspaces (issue 15): subscriptions in several tenants with Lighthouse delegation, a
//! forbidden workspace (403 AuthorizationFailed), and one subscription throttled hard while the others
//! are not.

use arm_emulator::{BucketLimits, Config, Delegation, SubscriptionThrottle, TenantBinding};
use serde_json::{Value, json};

use crate::common::*;

const T1: &str = "11111111-aaaa-4aaa-8aaa-000000000001";
const T2: &str = "22222222-aaaa-4aaa-8aaa-000000000002";
const MSSP: &str = "33333333-aaaa-4aaa-8aaa-000000000003";
const S1: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const S2: &str = "aaaaaaaa-0000-4000-8000-000000000002";
const S3: &str = "aaaaaaaa-0000-4000-8000-000000000003";

fn ws(sub: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/rg-{name}/providers/Microsoft.OperationalInsights/workspaces/{name}"
    )
}

fn rules(ws: &str) -> String {
    format!("{ws}/providers/Microsoft.SecurityInsights/alertRules?api-version={STABLE}")
}

fn rule(ws: &str, name: &str) -> String {
    format!("{ws}/providers/Microsoft.SecurityInsights/alertRules/{name}?api-version={STABLE}")
}

async fn token_for(h: &Harness, tenant: &str) -> String {
    let resp = h
        .http
        .post(h.emu.token_url(tenant))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=11111111-1111-1111-1111-111111111111&client_secret=s&scope=https%3A%2F%2Fmanagement.azure.com%2F.default")
        .send()
        .await
        .unwrap();
    let v: Value = resp.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn get_as(h: &Harness, token: &str, path: &str) -> (u16, Value) {
    let r = h
        .http
        .get(h.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn fleet() -> Config {
    Config {
        workspaces: vec![ws(S1, "a"), ws(S2, "b"), ws(S3, "c"), ws(S1, "d")],
        tenants: vec![
            TenantBinding {
                subscription: S1.into(),
                tenant: T1.into(),
            },
            TenantBinding {
                subscription: S2.into(),
                tenant: T2.into(),
            },
        ],
        delegations: vec![Delegation {
            subscription: S2.into(),
            managing_tenant: MSSP.into(),
        }],
        ..Config::default()
    }
}

#[tokio::test]
async fn tokens_must_come_from_the_subscription_tenant_or_a_delegation() {
    let h = setup(fleet()).await;
    let t1 = token_for(&h, T1).await;
    let t2 = token_for(&h, T2).await;
    let mssp = token_for(&h, MSSP).await;
    assert_eq!(get_as(&h, &t1, &rules(&ws(S1, "a"))).await.0, 200);
    assert_eq!(get_as(&h, &t2, &rules(&ws(S2, "b"))).await.0, 200);
    let (status, body) = get_as(&h, &t1, &rules(&ws(S2, "b"))).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "InvalidAuthenticationTokenTenant");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.starts_with(&format!("The access token is from the wrong issuer 'https://sts.windows.net/{T1}/'. It must match the tenant 'https://sts.windows.net/{T2}/' associated with this subscription.")), "{msg}");
    // Lighthouse: the managing tenant reaches the delegated subscription only.
    assert_eq!(get_as(&h, &mssp, &rules(&ws(S2, "b"))).await.0, 200);
    assert_eq!(get_as(&h, &mssp, &rules(&ws(S1, "a"))).await.0, 401);
    // An unbound subscription accepts any tenant.
    assert_eq!(get_as(&h, &t2, &rules(&ws(S3, "c"))).await.0, 200);
    // The admin API adds a delegation at run time.
    let r = h
        .admin("PUT", "access", Some(&json!({"delegations": [{"subscription": S2, "managingTenant": MSSP}, {"subscription": S1, "managingTenant": MSSP}]})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(get_as(&h, &mssp, &rules(&ws(S1, "a"))).await.0, 200);
}

#[tokio::test]
async fn a_forbidden_workspace_answers_authorization_failed_for_everything() {
    let mut config = fleet();
    config.tenants.clear();
    config.forbidden = vec![ws(S1, "d")];
    let h = setup(config).await;
    for (method, path) in [
        ("GET", rules(&ws(S1, "d"))),
        ("PUT", rule(&ws(S1, "d"), "r")),
        (
            "GET",
            format!("{}/savedSearches?api-version=2025-02-01", ws(S1, "d")),
        ),
    ] {
        let r = h.send(method, &path, Some(&scheduled_rule("x")), &[]).await;
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.body["error"]["code"], "AuthorizationFailed");
        let msg = r.body["error"]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("The client '") && msg.contains("' with object id '"),
            "{msg}"
        );
        assert!(
            msg.contains(" does not have authorization to perform action 'Microsoft."),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("over scope '{}", ws(S1, "d"))),
            "{msg}"
        );
        assert!(msg.ends_with("or the scope is invalid. If access was recently granted, please refresh your credentials."), "{msg}");
    }
    let r = h.send("GET", &rule(&ws(S1, "d"), "r"), None, &[]).await;
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'Microsoft.SecurityInsights/alertRules/read'")
    );
    // The workspace beside it in the same subscription is unaffected.
    assert_eq!(
        h.put(&rule(&ws(S1, "a"), "r"), &scheduled_rule("x"))
            .await
            .status,
        201
    );
    // Forbidding a whole subscription, then lifting it.
    h.emu.set_forbidden(&[format!("/subscriptions/{S2}")]);
    assert_eq!(h.get(&rules(&ws(S2, "b"))).await.status, 403);
    assert_eq!(h.get(&rules(&ws(S1, "d"))).await.status, 200);
    let r = h
        .admin("PUT", "access", Some(&json!({"forbidden": []})))
        .await;
    assert_eq!(r.body["forbidden"], json!([]));
    assert_eq!(h.get(&rules(&ws(S2, "b"))).await.status, 200);
}

#[tokio::test]
async fn one_subscription_throttled_hard_leaves_the_others_alone() {
    let mut config = fleet();
    config.tenants.clear();
    config.throttle = false;
    config.subscription_throttles = vec![SubscriptionThrottle {
        subscription: S2.into(),
        reads: BucketLimits {
            capacity: 100.0,
            refill_per_second: 100.0,
        },
        writes: BucketLimits {
            capacity: 1.0,
            refill_per_second: 0.0,
        },
    }];
    let h = setup(config).await;
    assert_eq!(
        h.put(&rule(&ws(S2, "b"), "r1"), &scheduled_rule("x"))
            .await
            .status,
        201
    );
    let r = h.put(&rule(&ws(S2, "b"), "r2"), &scheduled_rule("x")).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["error"]["code"], "SubscriptionRequestsThrottled");
    assert!(r.body["error"]["message"].as_str().unwrap().contains(S2));
    assert_eq!(r.headers["retry-after"], "60");
    assert_eq!(
        h.get(&rules(&ws(S2, "b"))).await.status,
        200,
        "reads have their own bucket"
    );
    for i in 0..20 {
        assert_eq!(
            h.put(&rule(&ws(S1, "a"), &format!("r{i}")), &scheduled_rule("x"))
                .await
                .status,
            201
        );
        assert_eq!(
            h.put(&rule(&ws(S3, "c"), &format!("r{i}")), &scheduled_rule("x"))
                .await
                .status,
            201
        );
    }
    // At run time: S1 throttled through the admin API, S2 returned to the common (off) settings.
    let r = h
        .admin("PUT", "throttle", Some(&json!({"subscriptions": {S1: {"writes": {"capacity": 0, "refillPerSecond": 0}}, S2: null}})))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        h.put(&rule(&ws(S1, "a"), "x"), &scheduled_rule("x"))
            .await
            .status,
        429
    );
    assert_eq!(
        h.put(&rule(&ws(S2, "b"), "r2"), &scheduled_rule("x"))
            .await
            .status,
        201
    );
    h.emu.set_subscription_throttle(S1, None);
    assert_eq!(
        h.put(&rule(&ws(S1, "a"), "x"), &scheduled_rule("x"))
            .await
            .status,
        201
    );
}
