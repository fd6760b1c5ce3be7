//! The application state every request shares: the store, the token issuer, throttling, fault
//! injection, the request log and the traffic writer. It knows nothing of HTTP or routing; the server
//! owns one `Arc<App>` and the router hands it to handlers through the request context.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::access::Access;
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
    pub(crate) access: Access,
    pub(crate) faults: FaultInjector,
    pub(crate) page_size: usize,
    pub(crate) traffic: Option<TrafficWriter>,
    pub(crate) check_rule_tables: bool,
    pub(crate) watchlist_delete_delay: Duration,
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
    pub(crate) access: Access,
    pub(crate) faults: FaultInjector,
    page_size: AtomicUsize,
    check_rule_tables: AtomicBool,
    watchlist_delete_delay_ms: AtomicU64,
    /// Asynchronous operations (watchlist deletes): id → Unix time in ms when it completes.
    async_ops: Mutex<std::collections::HashMap<String, u64>>,
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
            access: parts.access,
            faults: parts.faults,
            page_size: AtomicUsize::new(parts.page_size.max(1)),
            check_rule_tables: AtomicBool::new(parts.check_rule_tables),
            watchlist_delete_delay_ms: AtomicU64::new(
                u64::try_from(parts.watchlist_delete_delay.as_millis()).unwrap_or(u64::MAX),
            ),
            async_ops: Mutex::new(std::collections::HashMap::new()),
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

    /// How long a watchlist delete takes.
    pub(crate) fn watchlist_delete_delay(&self) -> Duration {
        Duration::from_millis(self.watchlist_delete_delay_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn set_watchlist_delete_delay(&self, d: Duration) {
        self.watchlist_delete_delay_ms.store(
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Records an asynchronous operation that completes at `done_at_ms` (Unix ms; 0 = already done).
    pub(crate) fn finish_async_op(&self, id: &str, done_at_ms: u64) {
        self.async_ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_ascii_lowercase(), done_at_ms);
    }

    /// When operation `id` completes, if it is known.
    pub(crate) fn async_op_done_at(&self, id: &str) -> Option<u64> {
        self.async_ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id.to_ascii_lowercase())
            .copied()
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
