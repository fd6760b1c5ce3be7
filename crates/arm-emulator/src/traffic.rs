//! Request/response pairs written in the format Microsoft's `oav validate-traffic` reads:
//! `{"liveRequest":{url,method,headers,body},"liveResponse":{statusCode,headers,body}}`, one file each.
//!
//! Files go to `{traffic_dir}/declared/` when the spec declares the answer's status for the operation
//! (validate that folder with oav), to `{traffic_dir}/rejected/` when the emulator answered 400 (the
//! request broke the contract, so oav flags the request by design), and to `{traffic_dir}/undeclared/`
//! otherwise (throttling 429s, injected 5xx, savedSearches errors: none of them are in the specs). The URL is rewritten to
//! `https://management.azure.com` and the bearer token is replaced by `SANITIZED`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

#[derive(Debug)]
pub(crate) struct TrafficWriter {
    dir: PathBuf,
    seq: AtomicU64,
}

pub(crate) struct Pair<'a> {
    pub(crate) method: &'a str,
    pub(crate) path_and_query: &'a str,
    pub(crate) request_body: Option<Value>,
    pub(crate) status: u16,
    pub(crate) response_headers: Vec<(String, String)>,
    pub(crate) response_body: Option<Value>,
    pub(crate) declared: bool,
}

impl TrafficWriter {
    pub(crate) fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir.join("declared"))?;
        std::fs::create_dir_all(dir.join("undeclared"))?;
        std::fs::create_dir_all(dir.join("rejected"))?;
        Ok(Self {
            dir,
            seq: AtomicU64::new(0),
        })
    }

    pub(crate) fn record(&self, p: &Pair<'_>) {
        let n = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let mut headers = serde_json::Map::new();
        for (k, v) in &p.response_headers {
            headers.insert(k.clone(), Value::String(v.clone()));
        }
        if p.response_body.is_some() {
            headers.insert(
                "Content-Type".into(),
                json!("application/json; charset=utf-8"),
            );
        }
        let mut req_headers = serde_json::Map::new();
        req_headers.insert("Authorization".into(), json!("Bearer SANITIZED"));
        if p.request_body.is_some() {
            req_headers.insert("Content-Type".into(), json!("application/json"));
        }
        let pair = json!({
            "liveRequest": {
                "url": format!("https://management.azure.com{}", p.path_and_query),
                "method": p.method,
                "headers": req_headers,
                "body": p.request_body,
            },
            "liveResponse": {
                "statusCode": p.status.to_string(),
                "headers": headers,
                "body": p.response_body,
            },
        });
        let sub = match (p.declared, p.status) {
            (_, 400) => "rejected",
            (true, _) => "declared",
            (false, _) => "undeclared",
        };
        let file = self
            .dir
            .join(sub)
            .join(format!("{n:06}-{}-{}.json", p.method, p.status));
        if let Ok(text) = serde_json::to_string_pretty(&pair) {
            let _ = std::fs::write(file, text);
        }
    }
}
