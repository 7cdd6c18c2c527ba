//! A scriptable HTTP/1.1 server on loopback for the fetch and site tests: each request is answered by a
//! closure, every request head is recorded with the (possibly paused) tokio time it arrived at.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use leadsmith_crawl::FetchConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// One received request.
#[derive(Debug, Clone)]
pub struct Hit {
    /// `GET`, `HEAD`, …
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub at: Instant,
}

/// How the server answers.
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// `count` chunks of `chunk`, with `Transfer-Encoding: chunked`.
    Chunked {
        status: u16,
        headers: Vec<(String, String)>,
        chunk: Vec<u8>,
        count: usize,
    },
    /// Read the request and never answer (the connection stays open).
    Hang,
    /// Close the connection without a response.
    Close,
}

impl Reply {
    pub fn html(body: impl Into<String>) -> Self {
        Self::status(200, body).header("Content-Type", "text/html; charset=utf-8")
    }

    pub fn status(status: u16, body: impl Into<String>) -> Self {
        Self::Full { status, headers: vec![], body: body.into().into_bytes() }
    }

    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self::Full { status, headers: vec![("Content-Type".into(), content_type.into())], body }
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status, "").header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let Self::Full { headers, .. } | Self::Chunked { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }
}

type Handler = dyn Fn(&Hit) -> Reply + Send + Sync;

pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<Mutex<Vec<Hit>>>,
    connections: Arc<AtomicUsize>,
    /// A TLS server's certificate, trusted by [`config`](Self::config).
    root: Option<Vec<u8>>,
}

impl Server {
    pub async fn start(handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static) -> Self {
        Self::listen(handler, None).await
    }

    /// The same server behind TLS, with a self-signed certificate for `hosts` valid until `not_after`
    /// (a UTC date); [`config`](Self::config) trusts it.
    pub async fn start_tls(
        hosts: &[&str],
        not_after: (i32, u8, u8),
        handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params =
            rcgen::CertificateParams::new(hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>()).unwrap();
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
        let cert = params.self_signed(&key).unwrap();
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        Self::listen(handler, Some((acceptor, cert.der().to_vec()))).await
    }

    /// Accepts on a free loopback port, over TLS when given an acceptor (and the certificate to trust).
    async fn listen(
        handler: impl Fn(&Hit) -> Reply + Send + Sync + 'static,
        tls: Option<(tokio_rustls::TlsAcceptor, Vec<u8>)>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let (acceptor, root) = tls.unzip();
        let (h, c) = (Arc::clone(&hits), Arc::clone(&connections));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                c.fetch_add(1, Ordering::SeqCst);
                let (acceptor, handler, hits) = (acceptor.clone(), Arc::clone(&handler), Arc::clone(&h));
                tokio::spawn(async move {
                    match acceptor {
                        None => serve(stream, handler, hits).await,
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve(stream, handler, hits).await;
                            }
                        }
                    }
                });
            }
        });
        Self { addr, hits, connections, root }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn paths(&self) -> Vec<String> {
        self.hits().into_iter().map(|h| h.path).collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.hits().iter().filter(|h| h.path == path).count()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// A config that lets the pool reach this server (127.0.0.1 allowed) under each of `hosts`.
    pub fn config(&self, hosts: &[&str]) -> FetchConfig {
        FetchConfig {
            allow_addresses: vec!["127.0.0.1/32".parse().unwrap()],
            resolve_overrides: hosts.iter().map(|h| (h.to_string(), self.addr)).collect(),
            extra_root_certificates: self.root.iter().cloned().collect(),
            ..FetchConfig::default()
        }
    }
}

async fn serve(mut stream: impl AsyncRead + AsyncWrite + Unpin, handler: Arc<Handler>, hits: Arc<Mutex<Vec<Hit>>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let method = request_line.split(' ').next().unwrap_or("GET").to_string();
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let head_only = method == "HEAD";
    let hit = Hit { method, path, headers, at: Instant::now() };
    hits.lock().unwrap().push(hit.clone());
    match handler(&hit) {
        Reply::Hang => std::future::pending::<()>().await,
        Reply::Close => {}
        Reply::Full { status, headers, body } => {
            let mut out = head_bytes(status, &headers);
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
                out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            if !head_only {
                out.extend_from_slice(&body);
            }
            let _ = stream.write_all(&out).await;
        }
        Reply::Chunked { status, headers, chunk, count } => {
            let mut out = head_bytes(status, &headers);
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            if stream.write_all(&out).await.is_err() {
                return;
            }
            for _ in 0..count {
                let mut piece = format!("{:x}\r\n", chunk.len()).into_bytes();
                piece.extend_from_slice(&chunk);
                piece.extend_from_slice(b"\r\n");
                if stream.write_all(&piece).await.is_err() {
                    return;
                }
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
        }
    }
    let _ = stream.shutdown().await;
}

fn head_bytes(status: u16, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out
}

pub fn url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap()
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}
