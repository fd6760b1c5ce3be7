//! The application state every request shares: the store, the token issuer, throttling, fault
//! injection, the request log and the traffic writer. It knows nothing of HTTP or routing; the server
//! owns one `Arc<App>` and the router hands it to handlers through the request context.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::admin_token::AdminToken;
use crate::auth::Auth;
use crate::faults::FaultInjector;
use crate::store::Store;
use crate::throttle::Throttle;
use crate::traffic::TrafficWriter;

const LOG_CAPACITY: usize = 10_000;

/// What [`App::new`] is built from.
pub(crate) struct AppParts {
    pub(crate) base_url: String,
    pub(crate) admin_token: AdminToken,
    pub(crate) limits: Limits,
    pub(crate) store: Store,
    pub(crate) auth: Auth,
    pub(crate) throttle: Throttle,
    pub(crate) faults: FaultInjector,
    pub(crate) page_size: usize,
    pub(crate) traffic: Option<TrafficWriter>,
    pub(crate) check_rule_tables: bool,
}

/// Request limits the server enforces (from [`crate::Config`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Time allowed to receive a whole request body.
    pub(crate) body_timeout: Duration,
    /// Largest request body.
    pub(crate) max_body_bytes: usize,
}

/// Everything a request handler can reach.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) base_url: String,
    pub(crate) admin_token: AdminToken,
    pub(crate) limits: Limits,
    pub(crate) store: Store,
    pub(crate) auth: Auth,
    pub(crate) throttle: Throttle,
    pub(crate) faults: FaultInjector,
    page_size: AtomicUsize,
    check_rule_tables: AtomicBool,
    pub(crate) requests: AtomicU64,
    log: Mutex<VecDeque<Value>>,
    pub(crate) traffic: Option<TrafficWriter>,
}

impl App {
    pub(crate) fn new(parts: AppParts) -> Self {
        Self {
            base_url: parts.base_url,
            admin_token: parts.admin_token,
            limits: parts.limits,
            store: parts.store,
            auth: parts.auth,
            throttle: parts.throttle,
            faults: parts.faults,
            page_size: AtomicUsize::new(parts.page_size.max(1)),
            check_rule_tables: AtomicBool::new(parts.check_rule_tables),
            requests: AtomicU64::new(0),
            log: Mutex::new(VecDeque::new()),
            traffic: parts.traffic,
        }
    }

    pub(crate) fn page_size(&self) -> usize {
        self.page_size.load(Ordering::Relaxed)
    }

    /// Whether analytics rules reading a missing table are refused (see `resources::rule_tables`).
    pub(crate) fn check_rule_tables(&self) -> bool {
        self.check_rule_tables.load(Ordering::Relaxed)
    }

    pub(crate) fn set_check_rule_tables(&self, on: bool) {
        self.check_rule_tables.store(on, Ordering::Relaxed);
    }

    pub(crate) fn set_page_size(&self, n: usize) {
        self.page_size.store(n.max(1), Ordering::Relaxed);
    }

    pub(crate) fn request_log(&self, since: u64) -> Vec<Value> {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|e| e.get("seq").and_then(Value::as_u64).unwrap_or(0) > since)
            .cloned()
            .collect()
    }

    pub(crate) fn clear_request_log(&self) {
        self.log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    pub(crate) fn push_log(&self, entry: Value) {
        let mut g = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if g.len() >= LOG_CAPACITY {
            g.pop_front();
        }
        g.push_back(entry);
    }
}
