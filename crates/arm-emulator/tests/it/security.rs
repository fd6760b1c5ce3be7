//! Issue 11's emulator share: loopback unless allowed, body time and size limits, a connection cap,
//! the admin token, and the state-file lock between two emulators.

use std::time::{Duration, Instant};

use arm_emulator::{Config, StartError, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// Plain-HTTP emulator (raw sockets are easier to misbehave with without TLS).
fn http_config() -> Config {
    Config {
        http: true,
        workspaces: vec![WS.to_string()],
        ..Config::default()
    }
}

fn addr(url: &str) -> String {
    url.trim_start_matches("http://").to_string()
}

/// Reads until the peer closes or `limit` passes; returns what arrived.
async fn read_some(s: &mut TcpStream, limit: Duration) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) | Err(_) => break,
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.windows(4).any(|w| w == b"\r\n\r\n")
                    && String::from_utf8_lossy(&buf).contains('}')
                {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn a_non_loopback_address_is_refused_unless_allowed() {
    let err = start(Config {
        listen: "0.0.0.0:0".parse().unwrap(),
        ..Config::default()
    })
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StartError::Config(_)), "{msg}");
    assert!(
        msg.contains("0.0.0.0") && msg.contains("loopback") && msg.contains("allow_remote"),
        "{msg}"
    );
    let emu = start(Config {
        listen: "0.0.0.0:0".parse().unwrap(),
        allow_remote: true,
        http: true,
        ..Config::default()
    })
    .await
    .expect("allowed explicitly");
    assert!(emu.url().starts_with("http://127.0.0.1:"));
    emu.shutdown().await;
    // [::1] is loopback too.
    if let Ok(emu) = start(Config {
        listen: "[::1]:0".parse().unwrap(),
        http: true,
        ..Config::default()
    })
    .await
    {
        emu.shutdown().await;
    }
}

#[tokio::test]
async fn a_slow_body_gets_408_once_the_body_timeout_passes() {
    let emu = start(Config {
        body_timeout: Duration::from_millis(300),
        ..http_config()
    })
    .await
    .unwrap();
    let mut s = TcpStream::connect(addr(emu.url())).await.unwrap();
    let started = Instant::now();
    s.write_all(
        format!("PUT {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"kind\":", rule_path("slow", STABLE))
            .as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_some(&mut s, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("RequestTimeout"), "{answer}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(280) && took < Duration::from_secs(3),
        "{took:?}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_huge_body_gets_413_without_being_read() {
    let emu = start(Config {
        max_body_bytes: 1024,
        ..http_config()
    })
    .await
    .unwrap();
    // Declared too large: refused from the header, before any body byte.
    let mut s = TcpStream::connect(addr(emu.url())).await.unwrap();
    s.write_all(
        format!(
            "PUT {} HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n",
            rule_path("big", STABLE)
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_some(&mut s, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("at most 1024 bytes"), "{answer}");
    // Chunked (no length): refused once the cap is passed.
    let mut s = TcpStream::connect(addr(emu.url())).await.unwrap();
    let chunk = "x".repeat(2000);
    s.write_all(
        format!(
            "PUT {} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
            rule_path("big", STABLE),
            chunk.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let answer = read_some(&mut s, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    emu.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let emu = start(Config {
        max_connections: 2,
        ..http_config()
    })
    .await
    .unwrap();
    let a = addr(emu.url());
    let idle1 = TcpStream::connect(&a).await.unwrap();
    let _idle2 = TcpStream::connect(&a).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(&a).await.unwrap(); // sits in the backlog
    third
        .write_all(
            format!(
                "GET /_emulator/health HTTP/1.1\r\nHost: x\r\nx-emulator-admin-token: {}\r\n\r\n",
                emu.admin_token()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let early = read_some(&mut third, Duration::from_millis(400)).await;
    assert!(early.is_empty(), "served beyond the cap: {early}");
    drop(idle1);
    let answer = read_some(&mut third, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_admin_api_needs_the_admin_token() {
    let h = setup(Config::default()).await;
    let url = format!("{}/_emulator/state", h.emu.url());
    let none = h.http.get(&url).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    let body: Value = none.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AdminTokenRequired");
    // An ARM token is not an admin token.
    let arm = h.http.get(&url).bearer_auth(&h.token).send().await.unwrap();
    assert_eq!(arm.status(), 401);
    let wrong = h
        .http
        .put(format!("{}/_emulator/faults", h.emu.url()))
        .header("x-emulator-admin-token", "nope")
        .json(&json!({"dropRate": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        h.get(&rule_path("r", STABLE)).await.status,
        404,
        "faults were not switched on"
    );
    let ok = h
        .http
        .get(&url)
        .bearer_auth(h.emu.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(h.admin("GET", "health", None).await.status, 200);
    assert_eq!(h.emu.admin_token().len(), 32);
    assert!(!format!("{:?}", h.emu).contains(h.emu.admin_token()));
}

#[tokio::test]
async fn a_fixed_admin_token_is_used_and_never_debug_printed() {
    let config = Config {
        admin_token: Some("fixed-admin-token".into()),
        ..Config::default()
    };
    assert!(!format!("{config:?}").contains("fixed-admin-token"));
    let h = setup(config).await;
    assert_eq!(h.emu.admin_token(), "fixed-admin-token");
    let r = h
        .http
        .get(format!("{}/_emulator/workspaces", h.emu.url()))
        .header("x-emulator-admin-token", "fixed-admin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn two_emulators_on_one_state_file_take_turns_and_lose_no_write() {
    let dir = std::env::temp_dir().join(format!("emu-lock-{}-{}", std::process::id(), line!()));
    let _ = std::fs::remove_dir_all(&dir);
    let state = dir.join("state.json");
    let config = || Config {
        state_file: Some(state.clone()),
        http: true,
        workspaces: vec![WS.to_string()],
        ..Config::default()
    };
    let first = setup(config()).await;
    assert_eq!(
        first.emu.state_lock_file(),
        Some(dir.join("state.json.lock").as_path())
    );
    assert_eq!(
        first
            .put(&rule_path("one", STABLE), &scheduled_rule("one"))
            .await
            .status,
        201
    );
    // A second one gives up after its timeout, naming the lock file and this process as holder.
    let err = start(Config {
        state_lock_timeout: Duration::from_millis(200),
        ..config()
    })
    .await
    .unwrap_err();
    match &err {
        StartError::StateLocked {
            lock_file,
            holder_pid,
            ..
        } => {
            assert_eq!(lock_file, &dir.join("state.json.lock"));
            assert_eq!(*holder_pid, Some(std::process::id()));
        }
        other => panic!("expected StateLocked, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("state.json.lock") && msg.contains(&std::process::id().to_string()),
        "{msg}"
    );
    // A second one that waits starts once the first stops, and sees the first one's write.
    let waiting = tokio::spawn(start(config()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !waiting.is_finished(),
        "the second emulator did not wait for the lock"
    );
    first.emu.shutdown().await;
    let second = waiting
        .await
        .unwrap()
        .expect("starts after the first released the lock");
    let snapshot = second.snapshot();
    let rules = &snapshot["workspaces"][0]["alertRules"];
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{snapshot}");
    second.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
