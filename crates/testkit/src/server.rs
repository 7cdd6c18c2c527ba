//! The loopback server: one listener on 127.0.0.1 for every sample site, picked by the Host header. It plays
//! back each page's response spec with per-response latency, flaky and slow behaviour, redirects, streamed
//! oversized bodies and gzip for clients that accept it, and counts requests per (site, path).

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, HOST, LOCATION, VARY};
use http::{Method, Request, Response, StatusCode};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::SampleWeb;
use crate::site::{Page, PageBehavior, PageBody};

/// How the sample server behaves.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Each response waits a uniformly drawn time in this range first. Default 20–120 ms.
    pub latency: (Duration, Duration),
    /// How long "slow" pages stall before answering. Default 25 s, longer than any crawler attempt timeout.
    pub slow_delay: Duration,
    /// The loopback port to listen on; 0 (the default) picks a free one.
    pub port: u16,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            latency: (Duration::from_millis(20), Duration::from_millis(120)),
            slow_delay: Duration::from_secs(25),
            port: 0,
        }
    }
}

impl ServeOptions {
    /// No added latency; slow pages still stall `slow_delay`. For tests.
    pub fn instant() -> Self {
        Self { latency: (Duration::ZERO, Duration::ZERO), ..Self::default() }
    }
}

struct State {
    web: Arc<SampleWeb>,
    opts: ServeOptions,
    requests: AtomicU64,
    hits: Mutex<HashMap<(usize, String), u64>>,
}

/// A running sample server; it stops on [`shutdown`](Self::shutdown) or when dropped.
pub struct SampleServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SampleServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampleServer").field("addr", &self.addr).field("requests", &self.requests()).finish()
    }
}

impl SampleServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every site's domain and `www.` domain → the server's address. A crawler given these connects there
    /// whatever port the URL names.
    pub fn resolve_overrides(&self) -> HashMap<String, SocketAddr> {
        let mut map = HashMap::with_capacity(self.state.web.sites().len() * 2);
        for site in self.state.web.sites() {
            map.insert(site.domain.clone(), self.addr);
            map.insert(format!("www.{}", site.domain), self.addr);
        }
        map
    }

    /// Requests served so far, over all sites (unknown hosts included).
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// Requests served so far for one path of one site (`www.` and port ignored); tests use it to check
    /// that a crawler retried, or never fetched a disallowed page.
    pub fn requests_for(&self, host: &str, path: &str) -> u64 {
        let Some(idx) = self.state.web.site_index(host) else {
            return 0;
        };
        let hits = self.state.hits.lock().unwrap_or_else(|e| e.into_inner());
        hits.get(&(idx, normalise_path(path))).copied().unwrap_or(0)
    }

    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for SampleServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

pub(crate) async fn serve(web: Arc<SampleWeb>, opts: ServeOptions) -> std::io::Result<SampleServer> {
    let listener = TcpListener::bind(("127.0.0.1", opts.port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(State { web, opts, requests: AtomicU64::new(0), hits: Mutex::new(HashMap::new()) });
    let accept_state = Arc::clone(&state);
    let task = tokio::spawn(async move {
        // Dropping the set (when this task is aborted) aborts every open connection with it.
        let mut connections = JoinSet::new();
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "sample server accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let state = Arc::clone(&accept_state);
            connections.spawn(async move {
                let service = service_fn(move |req| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, Infallible>(handle(&state, req).await) }
                });
                if let Err(e) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                    tracing::debug!(error = %e, "sample server connection ended");
                }
            });
            while connections.try_join_next().is_some() {}
        }
    });
    Ok(SampleServer { addr, state, task: Some(task) })
}

fn normalise_path(path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    if path.len() > 1 && path.ends_with('/') { path.trim_end_matches('/').to_string() } else { path.to_string() }
}

/// A uniform draw in the latency range, from a counter-based mix (no thread-local RNG, reproducible per run).
fn latency(opts: &ServeOptions, n: u64) -> Duration {
    let (lo, hi) = opts.latency;
    if hi <= lo {
        return lo;
    }
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let fraction = (z >> 11) as f64 / (1u64 << 53) as f64;
    lo + (hi - lo).mul_f64(fraction)
}

fn text(status: u16, body: &'static str) -> Response<SampleBody> {
    let mut resp = Response::new(SampleBody::full(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(CONTENT_TYPE, http::HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}

const NOT_FOUND_HTML: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>\
<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>";

async fn handle(state: &State, req: Request<Incoming>) -> Response<SampleBody> {
    let n = state.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let delay = latency(&state.opts, n);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let Some(host) = host else {
        return text(400, "missing Host header");
    };
    let Some(idx) = state.web.site_index(&host) else {
        return text(404, "no such site");
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return text(405, "method not allowed");
    }
    let path = normalise_path(req.uri().path());
    let count = {
        let mut hits = state.hits.lock().unwrap_or_else(|e| e.into_inner());
        let entry = hits.entry((idx, path.clone())).or_insert(0);
        *entry += 1;
        *entry
    };
    let site = &state.web.sites()[idx];
    let Some(page) = site.pages.get(&path) else {
        let mut resp = Response::new(SampleBody::full(Bytes::from_static(NOT_FOUND_HTML.as_bytes())));
        *resp.status_mut() = StatusCode::NOT_FOUND;
        resp.headers_mut().insert(CONTENT_TYPE, http::HeaderValue::from_static("text/html; charset=utf-8"));
        return resp;
    };
    match page.behavior {
        PageBehavior::Normal => {}
        PageBehavior::FlakyOddRequests if count % 2 == 1 => {
            return text(500, "500 Internal Server Error: upstream connect error, please retry");
        }
        PageBehavior::FlakyOddRequests => {}
        PageBehavior::Stall => tokio::time::sleep(state.opts.slow_delay).await,
        PageBehavior::ApexToWww => {
            let host_only = host.split(':').next().unwrap_or(&host).to_ascii_lowercase();
            if !host_only.starts_with("www.") {
                let port = host.rsplit_once(':').map(|(_, p)| format!(":{p}")).unwrap_or_default();
                let mut resp = text(301, "Moved Permanently");
                if let Ok(v) = http::HeaderValue::from_str(&format!("http://www.{}{port}/", site.domain)) {
                    resp.headers_mut().insert(LOCATION, v);
                }
                return resp;
            }
        }
    }
    let accepts_gzip = req
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    respond(page, site.gzip && accepts_gzip)
}

fn respond(page: &Page, gzip: bool) -> Response<SampleBody> {
    let body = match &page.body {
        PageBody::Bytes(b) if gzip => SampleBody::full(gzip_bytes(b)),
        PageBody::Bytes(b) => SampleBody::full(b.clone()),
        PageBody::Padded { head, padding, tail, chunked } => SampleBody::Padded {
            head: Some(head.clone()),
            padding: *padding,
            tail: Some(tail.clone()),
            total: head.len() as u64 + padding + tail.len() as u64,
            chunked: *chunked,
        },
    };
    let compressed = gzip && matches!(page.body, PageBody::Bytes(_));
    let mut builder = Response::builder().status(page.status);
    if let Some(ct) = &page.content_type {
        builder = builder.header(CONTENT_TYPE, ct);
    }
    for (name, value) in &page.headers {
        builder = builder.header(name, value);
    }
    if compressed {
        builder = builder.header(CONTENT_ENCODING, "gzip").header(VARY, "Accept-Encoding");
    }
    builder.body(body).unwrap_or_else(|_| text(500, "bad page spec"))
}

fn gzip_bytes(bytes: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    Bytes::from(encoder.finish().unwrap_or_default())
}

const FILLER_CHUNK: usize = 64 * 1024;

fn filler() -> &'static Bytes {
    static FILLER: OnceLock<Bytes> = OnceLock::new();
    FILLER.get_or_init(|| {
        let words = b"cached layout fragment lorem ipsum dolor sit amet consectetur adipiscing elit ";
        Bytes::from(words.iter().copied().cycle().take(FILLER_CHUNK).collect::<Vec<u8>>())
    })
}

/// Response bodies: whole buffers, or an oversized page produced chunk by chunk.
pub(crate) enum SampleBody {
    Full(Option<Bytes>),
    Padded { head: Option<Bytes>, padding: u64, tail: Option<Bytes>, total: u64, chunked: bool },
}

impl SampleBody {
    fn full(bytes: Bytes) -> Self {
        Self::Full(Some(bytes))
    }
}

impl Body for SampleBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        let next = match this {
            Self::Full(bytes) => bytes.take(),
            Self::Padded { head, padding, tail, .. } => {
                if let Some(h) = head.take() {
                    Some(h)
                } else if *padding > 0 {
                    let n = (*padding).min(FILLER_CHUNK as u64);
                    *padding -= n;
                    Some(filler().slice(..n as usize))
                } else {
                    tail.take()
                }
            }
        };
        Poll::Ready(next.map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Self::Full(bytes) => bytes.is_none(),
            Self::Padded { head, padding, tail, .. } => head.is_none() && *padding == 0 && tail.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Self::Full(None) => SizeHint::with_exact(0),
            Self::Padded { chunked: true, .. } => SizeHint::default(),
            Self::Padded { total, .. } => SizeHint::with_exact(*total),
        }
    }
}
