//! Load on loopback: 1,000 concurrent LIST+PUT requests without an error or a lost write, and no lost
//! update under concurrent conditional writes (read-modify-write with If-Match, retried on 412).

#![allow(
    clippy::print_stderr,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::time::Instant;

use crate::common::*;
use arm_emulator::Config;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_concurrent_list_and_put() {
    let h = std::sync::Arc::new(
        setup(Config {
            throttle: false,
            page_size: 100,
            ..Config::default()
        })
        .await,
    );
    let n = 1_000usize;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let status = if i % 2 == 0 {
                h.put(
                    &rule_path(&format!("load-{i:04}"), STABLE),
                    &scheduled_rule(&format!("load {i}")),
                )
                .await
                .status
            } else {
                h.get(&format!(
                    "{WS}/providers/Microsoft.SecurityInsights/alertRules?api-version={STABLE}"
                ))
                .await
                .status
            };
            (i, status, t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    for t in tasks {
        let (i, status, took) = t.await.expect("task");
        if i % 2 == 0 {
            assert_eq!(status, 201, "PUT {i}");
        } else {
            assert_eq!(status, 200, "LIST {i}");
        }
        latencies.push(took);
    }
    let wall = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    // Every write is there.
    let mut url =
        format!("{WS}/providers/Microsoft.SecurityInsights/alertRules?api-version={STABLE}");
    let mut names = std::collections::BTreeSet::new();
    loop {
        let r = h.get(&url).await;
        assert_eq!(r.status, 200);
        for v in r.body["value"].as_array().unwrap() {
            names.insert(v["name"].as_str().unwrap().to_string());
        }
        match r.body.get("nextLink").and_then(Value::as_str) {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(names.len(), n / 2);
    eprintln!(
        "1000 concurrent requests (500 PUT + 500 LIST, HTTPS loopback, {} build): wall {:?}, p50 {:?}, p99 {:?}, max {:?}, {:.0} req/s",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        wall,
        pct(0.5),
        pct(0.99),
        latencies[latencies.len() - 1],
        n as f64 / wall.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_writes_lose_no_update() {
    let h = std::sync::Arc::new(
        setup(Config {
            throttle: false,
            ..Config::default()
        })
        .await,
    );
    let p = rule_path("counter", STABLE);
    let mut rule = scheduled_rule("counter");
    rule["properties"]["triggerThreshold"] = json!(0);
    assert_eq!(h.put(&p, &rule).await.status, 201);
    let n = 40;
    let mut tasks = Vec::new();
    for _ in 0..n {
        let h = h.clone();
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let mut retries = 0u32;
            loop {
                let cur = h.get(&p).await;
                assert_eq!(cur.status, 200);
                let etag = cur.body["etag"].as_str().unwrap().to_string();
                let mut next = cur.body.clone();
                let count = next["properties"]["triggerThreshold"].as_i64().unwrap();
                next["properties"]["triggerThreshold"] = json!(count + 1);
                let r = h.send("PUT", &p, Some(&next), &[("If-Match", &etag)]).await;
                match r.status {
                    200 => return retries,
                    412 | 409 => retries += 1,
                    other => panic!("unexpected {other}: {}", r.body),
                }
            }
        }));
    }
    let mut total_retries = 0;
    for t in tasks {
        total_retries += t.await.unwrap();
    }
    let fin = h.get(&p).await;
    assert_eq!(
        fin.body["properties"]["triggerThreshold"],
        json!(n),
        "no lost update"
    );
    eprintln!(
        "{n} concurrent read-modify-write tasks: final counter {n}, {total_retries} retries on 412/409"
    );
}
