//! The HTTP(S) server: hyper 1 (HTTP/1.1) over tokio, TLS by tokio-rustls. TCP_NODELAY is set on every
//! connection and hyper flattens head and body into one buffer (`writev(false)`), so an answer leaves
//! in one send.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Body as HttpBody, Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::app::App;
use crate::errors::{Body, Reply, arm_error};
use crate::router::{self, Operation};
use crate::traffic::Pair;
use crate::{guid, time};

/// A body sent in pieces with a pause between them (the slow-body fault).
struct SlowBody {
    chunks: VecDeque<Bytes>,
    delay: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HttpBody for SlowBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if let Some(s) = this.sleep.as_mut() {
            if s.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.sleep = None;
        }
        match this.chunks.pop_front() {
            Some(c) => {
                if !this.chunks.is_empty() {
                    this.sleep = Some(Box::pin(tokio::time::sleep(this.delay)));
                }
                Poll::Ready(Some(Ok(Frame::data(c))))
            }
            None => Poll::Ready(None),
        }
    }
}

type ReplyBody = Either<Full<Bytes>, SlowBody>;

fn fault_reply(code: u16, correlation: &str) -> Reply {
    if code == 503 {
        arm_error(
            503,
            "ServiceUnavailable",
            "The service is temporarily unavailable. Please retry the request later.",
        )
    } else {
        arm_error(
            500,
            "InternalServerError",
            format!(
                "Encountered internal server error. Diagnostic information: timestamp '{}', tracking id '{}', request correlation id '{correlation}'.",
                time::utc_now_secs(),
                guid::new_guid()
            ),
        )
    }
}

/// Why a request body was not read.
enum BodyError {
    TooLarge,
    Timeout,
    Broken,
}

/// Reads the body within the size cap and the time limit (a declared oversize length is refused
/// without reading).
async fn read_body(
    app: &App,
    headers: &hyper::HeaderMap,
    body: Incoming,
) -> Result<Bytes, BodyError> {
    let max = app.limits.max_body_bytes;
    let declared = headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX)) {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(app.limits.body_timeout, Limited::new(body, max).collect()).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Broken),
    }
}

async fn handle(
    app: Arc<App>,
    req: Request<Incoming>,
) -> Result<Response<ReplyBody>, std::io::Error> {
    let started = Instant::now();
    let seq = app.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let body = read_body(&app, &parts.headers, body).await;
    let arm = router::is_arm(&path);
    let decision = arm.then(|| app.faults.decide());
    if let Some(d) = &decision {
        if !d.delay.is_zero() {
            tokio::time::sleep(d.delay).await;
        }
        if d.drop {
            app.push_log(json!({"seq": seq, "time": time::utc_now_7(), "method": method, "path": path, "query": query, "status": null, "fault": "drop", "durationMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)}));
            return Err(std::io::Error::other(
                "connection dropped by fault injection",
            ));
        }
    }
    let client_request_id = parts
        .headers
        .get("x-ms-client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_id = guid::new_guid();
    let correlation = parts
        .headers
        .get("x-ms-correlation-request-id")
        .and_then(|v| v.to_str().ok())
        .map_or_else(|| request_id.clone(), str::to_string);
    let (mut reply, op) = match (&body, decision.as_ref().and_then(|d| d.error)) {
        (Err(BodyError::TooLarge), _) => (
            arm_error(
                413,
                "RequestEntityTooLarge",
                format!(
                    "The request body is too large: the emulator accepts at most {} bytes.",
                    app.limits.max_body_bytes
                ),
            )
            .with_header("Connection", "close"),
            Operation::Other,
        ),
        (Err(BodyError::Timeout), _) => (
            arm_error(
                408,
                "RequestTimeout",
                format!(
                    "The request body was not received within {} ms.",
                    app.limits.body_timeout.as_millis()
                ),
            )
            .with_header("Connection", "close"),
            Operation::Other,
        ),
        (Err(BodyError::Broken), _) => (
            arm_error(
                400,
                "InvalidRequestContent",
                "The request body could not be read.",
            ),
            Operation::Other,
        ),
        (Ok(_), Some(code)) => (fault_reply(code, &correlation), Operation::Other),
        (Ok(b), None) => router::dispatch(&app, &method, &path, &query, &parts.headers, b),
    };
    let bytes = body.ok();
    reply
        .headers
        .push(("x-ms-request-id".into(), request_id.clone()));
    reply
        .headers
        .push(("x-ms-correlation-request-id".into(), correlation.clone()));
    if let Some(c) = &client_request_id {
        reply
            .headers
            .push(("x-ms-client-request-id".into(), c.clone()));
    }
    if arm {
        let stamp = time::format_ticks(time::now_nanos() / 100, 0).replace(['-', ':'], "");
        reply.headers.push((
            "x-ms-routing-request-id".into(),
            format!("EMULATOR:{stamp}:{request_id}"),
        ));
        reply
            .headers
            .push(("Cache-Control".into(), "no-cache".into()));
        reply.headers.push(("Pragma".into(), "no-cache".into()));
        reply.headers.push(("Expires".into(), "-1".into()));
    }
    if let Some(tw) = &app.traffic
        && op != Operation::Other
        && op != Operation::Workspace
        && op != Operation::Tables
    {
        let request_body = bytes
            .as_ref()
            .filter(|b| !b.is_empty())
            .and_then(|b| serde_json::from_slice::<Value>(b).ok());
        let pq = if query.is_empty() {
            path.clone()
        } else {
            format!("{path}?{query}")
        };
        let keep: Vec<(String, String)> = reply
            .headers
            .iter()
            .filter(|(k, _)| k.starts_with("x-ms-") || k.eq_ignore_ascii_case("Retry-After"))
            .cloned()
            .collect();
        tw.record(&Pair {
            method: &method,
            path_and_query: &pq,
            request_body,
            status: reply.status,
            response_headers: keep,
            response_body: reply.json_body().cloned(),
            declared: op.declares(reply.status),
        });
    }
    let (content_type, payload): (Option<&str>, Bytes) = match &reply.body {
        Body::Empty => (None, Bytes::new()),
        Body::Json(v) => (
            Some("application/json; charset=utf-8"),
            Bytes::from(serde_json::to_vec(v).unwrap_or_default()),
        ),
    };
    app.push_log(json!({
        "seq": seq,
        "time": time::utc_now_7(),
        "method": method,
        "path": path,
        "query": query,
        "status": reply.status,
        "requestId": request_id,
        "clientRequestId": client_request_id,
        "fault": decision.as_ref().and_then(|d| d.error).map(|c| format!("http{c}")),
        "durationMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }));
    let mut builder = Response::builder().status(reply.status);
    if let Some(ct) = content_type {
        builder = builder.header("Content-Type", ct);
    }
    for (k, v) in &reply.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = match decision.and_then(|d| d.slow_body) {
        Some(delay) if payload.len() > 1 => {
            let n = 8.min(payload.len());
            let size = payload.len().div_ceil(n);
            let chunks = (0..payload.len())
                .step_by(size)
                .map(|i| payload.slice(i..(i + size).min(payload.len())))
                .collect();
            builder = builder.header("Content-Length", payload.len().to_string());
            Either::Right(SlowBody {
                chunks,
                delay,
                sleep: None,
            })
        }
        _ => Either::Left(Full::new(payload)),
    };
    builder.body(body).map_err(std::io::Error::other)
}

async fn serve_connection<IO>(io: IO, app: Arc<App>, mut shutdown: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let header_timeout = app.limits.body_timeout;
    let svc = service_fn(move |req| handle(app.clone(), req));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .header_read_timeout(header_timeout)
        .writev(false)
        .keep_alive(true)
        .timer(TokioTimer::new());
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
        }
    }
}

/// Accepts until `shutdown` flips, then lets open connections finish (up to a few seconds). At most
/// `max_connections` are served at once: the next one is accepted only when one closes (until then it
/// waits in the kernel's listen backlog), so a flood of connections never becomes unbounded tasks.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    tls: Option<TlsAcceptor>,
    max_connections: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections));
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            res = accept(&listener, &slots) => {
                let Some((stream, permit)) = res else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let rx = shutdown.clone();
                match &tls {
                    Some(acceptor) => {
                        let acceptor = acceptor.clone();
                        conns.spawn(async move {
                            if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await {
                                serve_connection(s, app, rx).await;
                            }
                            drop(permit);
                        });
                    }
                    None => {
                        conns.spawn(async move {
                            serve_connection(stream, app, rx).await;
                            drop(permit);
                        });
                    }
                }
            }
            _ = shutdown.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    conns.abort_all();
}

/// Waits for a free connection slot, then for a connection.
async fn accept(
    listener: &TcpListener,
    slots: &Arc<tokio::sync::Semaphore>,
) -> Option<(tokio::net::TcpStream, tokio::sync::OwnedSemaphorePermit)> {
    let permit = slots.clone().acquire_owned().await.ok()?;
    let (stream, _) = listener.accept().await.ok()?;
    Some((stream, permit))
}
