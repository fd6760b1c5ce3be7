//! Many subscriptions and tenants (issue 15): a shared [`SubscriptionLimits`] paces every client per
//! subscription, a 429 pauses only the subscription that got it, and one [`CredentialPool`] serves
//! several tenants with one token request per (tenant, scope).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use sentinel_arm::limits::Bucket;
use sentinel_arm::retry::RetryPolicy;
use sentinel_arm::{
    ArmClient, ArmClientConfig, AuthMethod, AuthSpec, CredentialPool, LimitsConfig, Precondition,
    Secret, SubscriptionLimits, WorkspaceRef,
};
use serde_json::json;
use support::{Reply, Server};
use url::Url;

const SUB_A: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const SUB_B: &str = "bbbbbbbb-0000-0000-0000-000000000002";

#[derive(Debug)]
struct StaticToken;

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            "t".to_owned(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

fn client(url: &str, limits: Option<Arc<SubscriptionLimits>>) -> ArmClient {
    let mut cfg = ArmClientConfig::new(Url::parse(url).unwrap(), Arc::new(StaticToken));
    cfg.allow_insecure_http = true;
    cfg.retry = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_retry_after: Duration::from_secs(2),
        max_throttle_retries: 3,
        max_throttle_wait: Duration::from_secs(5),
    };
    cfg.limits = limits;
    ArmClient::new(cfg).unwrap()
}

fn ws(sub: &str, name: &str) -> WorkspaceRef {
    WorkspaceRef::new(sub, "rg", name)
}

/// Subscription A's first request is throttled for 600 ms; everything else answers at once.
async fn throttling_a_once() -> Server {
    let throttled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    Server::http(move |seen, _| {
        let first = !throttled.swap(true, std::sync::atomic::Ordering::SeqCst);
        if seen.target.contains(SUB_A) && first {
            Reply::Respond(429, vec![("retry-after-ms", "600".into())], "{}".into())
        } else {
            Reply::json(200, &json!({"name": "x", "etag": "\"e\""}))
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_subscription_does_not_delay_another_and_pauses_every_client_in_it() {
    let server = throttling_a_once().await;
    let limits = Arc::new(SubscriptionLimits::new(LimitsConfig::concurrency_only(4)));
    let a1 = Arc::new(client(&server.url, Some(limits.clone())));
    let a2 = Arc::new(client(&server.url, Some(limits.clone())));
    let b = Arc::new(client(&server.url, Some(limits.clone())));

    let start = Instant::now();
    let first_a = {
        let a1 = a1.clone();
        tokio::spawn(async move { a1.get(&ws(SUB_A, "w1").alert_rule("r")).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(limits.pauses(SUB_A), 1, "the 429 paused subscription A");

    // Another client in subscription A waits for the pause too ...
    let second_a = {
        let a2 = a2.clone();
        tokio::spawn(async move {
            a2.get(&ws(SUB_A, "w2").alert_rule("r")).await.unwrap();
            Instant::now()
        })
    };
    // ... while subscription B is not slowed at all.
    let b_started = Instant::now();
    for i in 0..5 {
        b.get(&ws(SUB_B, "w3").alert_rule(&format!("r{i}")))
            .await
            .unwrap();
    }
    let b_took = b_started.elapsed();
    assert!(b_took < Duration::from_millis(300), "B took {b_took:?}");

    first_a.await.unwrap();
    let a2_done = second_a.await.unwrap();
    assert!(
        a2_done.duration_since(start) >= Duration::from_millis(550),
        "the second client in A waited for A's pause ({:?})",
        a2_done.duration_since(start)
    );
    assert_eq!(limits.pauses(SUB_B), 0);
    assert_eq!(a1.stats().throttle_retries, 1);
    assert_eq!(
        a2.stats().throttled,
        0,
        "it waited instead of collecting its own 429"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_shared_limits_a_client_still_pauses_only_the_throttled_subscription() {
    let server = throttling_a_once().await;
    let arm = Arc::new(client(&server.url, None));
    let a = {
        let arm = arm.clone();
        tokio::spawn(async move { arm.get(&ws(SUB_A, "w").alert_rule("r")).await.unwrap() })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let started = Instant::now();
    arm.get(&ws(SUB_B, "w").alert_rule("r")).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(300));
    a.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_budget_is_shared_by_every_client_of_a_subscription() {
    let server = Server::http(|_, _| Reply::json(200, &json!({"etag": "\"e\""}))).await;
    let limits = Arc::new(SubscriptionLimits::new(LimitsConfig {
        concurrency: 8,
        reads: None,
        writes: Some(Bucket {
            capacity: 2.0,
            refill_per_sec: 20.0,
        }),
    }));
    let clients: Vec<Arc<ArmClient>> = (0..2)
        .map(|_| Arc::new(client(&server.url, Some(limits.clone()))))
        .collect();
    let started = Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let arm = clients[i % 2].clone();
            tokio::spawn(async move {
                arm.put(
                    &ws(SUB_A, &format!("w{}", i % 2)).metadata(&format!("m{i}")),
                    &json!({"properties": {}}),
                    Precondition::None,
                )
                .await
                .unwrap();
            })
        })
        .collect();
    // Subscription B has its own full bucket.
    let b_started = Instant::now();
    for i in 0..2 {
        clients[0]
            .put(
                &ws(SUB_B, "w").metadata(&format!("b{i}")),
                &json!({"properties": {}}),
                Precondition::None,
            )
            .await
            .unwrap();
    }
    assert!(b_started.elapsed() < Duration::from_millis(150));
    for t in tasks {
        t.await.unwrap();
    }
    // Two writes from the full bucket, four more at 50 ms each, whichever client sends them.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(190),
        "six writes took {took:?}"
    );
    let reads = Instant::now();
    for _ in 0..10 {
        clients[1]
            .get(&ws(SUB_A, "w").alert_rule("r"))
            .await
            .unwrap();
    }
    assert!(
        reads.elapsed() < Duration::from_millis(300),
        "reads have no budget here"
    );
}

/// One client-secret login, two tenants, through a loopback Entra token endpoint: each tenant gets
/// its own token, requested once however many clients ask at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pool_serves_several_tenants_with_one_token_request_each() {
    let server = Server::https(|seen, _| {
        if seen.method == "POST" && seen.target.ends_with("/oauth2/v2.0/token") {
            let tenant = seen.target.split('/').nth(1).unwrap_or_default().to_owned();
            return Reply::After(
                Duration::from_millis(30),
                Box::new(Reply::json(
                    200,
                    &json!({"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                        "access_token": format!("token-for-{tenant}")}),
                )),
            );
        }
        Reply::json(
            200,
            &json!({"value": [], "auth": seen.header("authorization")}),
        )
    })
    .await;
    let mut spec = AuthSpec::new(AuthMethod::ClientSecret);
    spec.tenant_id = Some("00000000-0000-0000-0000-0000000000aa".into());
    spec.client_id = Some("mssp-app".into());
    spec.secret = Some(Secret::new("mssp-secret"));
    spec.authority_host = Some(Url::parse(&server.url).unwrap());
    spec.ca_file.clone_from(&server.ca_file);
    let pool = Arc::new(CredentialPool::new(spec));
    let tenants = [
        "11111111-0000-0000-0000-000000000001",
        "22222222-0000-0000-0000-000000000002",
    ];
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (pool, url, ca) = (pool.clone(), server.url.clone(), server.ca_file.clone());
        let tenant = tenants[i % 2];
        tasks.push(tokio::spawn(async move {
            let credential = pool.credential(Some(tenant), None).unwrap();
            let mut cfg = ArmClientConfig::new(Url::parse(&url).unwrap(), credential);
            cfg.ca_file = ca;
            let arm = ArmClient::new(cfg).unwrap();
            arm.list(&ws(SUB_A, "w").alert_rules()).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let seen = server.requests();
    let token_requests: Vec<_> = seen
        .iter()
        .filter(|s| s.target.ends_with("/oauth2/v2.0/token"))
        .map(|s| s.target.clone())
        .collect();
    assert_eq!(token_requests.len(), 2, "{token_requests:?}");
    for tenant in tenants {
        assert!(token_requests.iter().any(|t| t.contains(tenant)));
        let used = seen
            .iter()
            .filter(|s| s.header("authorization") == Some(&*format!("Bearer token-for-{tenant}")))
            .count();
        assert_eq!(used, 4, "{tenant}");
    }
}
