//! A scripted loopback HTTP(S) server for sentinel_arm's integration tests.
//!
//! Owns: accepting on 127.0.0.1:0, parsing one HTTP/1.1 request per connection (request line,
//! headers, `Content-Length` body), recording it, and answering with what the test's handler
//! returns: a response, or dropping the connection without one (a "lost" request). With TLS it
//! serves a leaf certificate signed by a fresh CA and writes that CA to a PEM file.
//!
//! Does not: emulate ARM (the `arm_emulator` crate does); every reply is decided by the test.
//! Invariant: only loopback; the accept loop ends when the server is dropped.

#![allow(dead_code, unreachable_pub)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to do with a request.
pub enum Reply {
    /// Answer with status, extra headers and body.
    Respond(u16, Vec<(&'static str, String)>, String),
    /// Close the connection without answering.
    Drop,
    /// Wait, then give the inner reply (to hold requests in flight).
    After(std::time::Duration, Box<Reply>),
}

impl Reply {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::Respond(
            status,
            vec![("x-ms-request-id", format!("req-{status}"))],
            body.to_string(),
        )
    }
}

type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

pub struct Server {
    pub url: String,
    pub ca_file: Option<PathBuf>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    /// Most requests that were being answered at the same time.
    pub max_in_flight: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
    dir: Option<PathBuf>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Server {
    /// Plain HTTP on loopback.
    pub async fn http(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::start(None, Arc::new(handler)).await
    }

    /// HTTPS on loopback with a fresh CA (written to `ca_file`).
    pub async fn https(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Self {
        Self::start(Some(tls_acceptor()), Arc::new(handler)).await
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    async fn start(
        tls: Option<(tokio_rustls::TlsAcceptor, String)>,
        handler: Arc<Handler>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (scheme, acceptor, dir, ca_file) = match tls {
            Some((acceptor, ca_pem)) => {
                let dir = std::env::temp_dir()
                    .join(format!("sentinel_arm_test_{}_{port}", std::process::id()));
                std::fs::create_dir_all(&dir).unwrap();
                let ca = dir.join("ca.pem");
                std::fs::write(&ca, ca_pem).unwrap();
                ("https", Some(acceptor), Some(dir), Some(ca))
            }
            None => ("http", None, None, None),
        };
        let state = Arc::new(Shared {
            log: seen.clone(),
            handler,
            in_flight: AtomicUsize::new(0),
            max_in_flight: Arc::new(AtomicUsize::new(0)),
        });
        let max_in_flight = state.max_in_flight.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (state, acceptor) = (state.clone(), acceptor.clone());
                tokio::spawn(async move {
                    match acceptor {
                        Some(a) => {
                            if let Ok(tls) = a.accept(stream).await {
                                serve(tls, &state).await;
                            }
                        }
                        None => serve(stream, &state).await,
                    }
                });
            }
        });
        Self {
            url: format!("{scheme}://127.0.0.1:{port}"),
            ca_file,
            seen,
            max_in_flight,
            task,
            dir,
        }
    }
}

struct Shared {
    log: Arc<Mutex<Vec<Seen>>>,
    handler: Arc<Handler>,
    in_flight: AtomicUsize,
    max_in_flight: Arc<AtomicUsize>,
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(stream: S, state: &Shared) {
    let mut reader = BufReader::new(stream);
    let Some(seen) = read_request(&mut reader).await else {
        return;
    };
    let index = {
        let mut log = state.log.lock().unwrap();
        log.push(seen.clone());
        log.len() - 1
    };
    let now = state.in_flight.fetch_add(1, SeqCst) + 1;
    state.max_in_flight.fetch_max(now, SeqCst);
    let mut reply = (state.handler)(&seen, index);
    while let Reply::After(wait, inner) = reply {
        tokio::time::sleep(wait).await;
        reply = *inner;
    }
    state.in_flight.fetch_sub(1, SeqCst);
    let Reply::Respond(status, headers, body) = reply else {
        return;
    };
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\ncontent-type: application/json\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    head.push_str("\r\n");
    let stream = reader.get_mut();
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn read_request<S: AsyncRead + Unpin>(reader: &mut BufReader<S>) -> Option<Seen> {
    let mut line = String::new();
    reader.read_line(&mut line).await.ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).await.ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).await.ok()?;
    Some(Seen {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A CA and a leaf for 127.0.0.1/localhost signed by it; returns the acceptor and the CA's PEM.
fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    (
        tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_cert.pem(),
    )
}
