//! The HTTP/1.1 server under the router: connections accepted up to a cap, closed when a request's head
//! comes too slowly or a kept-alive connection idles too long, and a stop that waits for requests in
//! flight only until a deadline.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower_service::Service;

use crate::config::ServeSettings;

/// How long connections may take and how many are served at once (`[serve]`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// For a request's line and headers: from the connection, or from a kept-alive request's first byte.
    pub header_read_timeout: Duration,
    /// For a kept-alive connection's next request.
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// How long a stop waits for requests in flight.
    pub shutdown_timeout: Duration,
}

impl ConnectionLimits {
    /// The limits of validated settings.
    pub fn of(settings: &ServeSettings) -> Self {
        Self {
            header_read_timeout: Duration::from_secs_f64(settings.header_read_timeout_secs),
            idle_timeout: Duration::from_secs_f64(settings.idle_timeout_secs),
            max_connections: settings.max_connections,
            shutdown_timeout: Duration::from_secs_f64(settings.shutdown_timeout_secs),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting, lets requests in flight
/// finish for up to `limits.shutdown_timeout` and drops the connections still open. A connection past
/// `limits.max_connections` waits in the listen backlog until another closes.
pub async fn serve_on(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the connection semaphore is never closed"),
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (router, stopping) = (router.clone(), stopping.clone());
        connections.spawn(async move {
            serve_connection(stream, router, limits, stopping).await;
            drop(slot);
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop.send(true);
    let drained =
        tokio::time::timeout(limits.shutdown_timeout, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(connections = connections.len(), "connections still open at the shutdown deadline were dropped");
        connections.shutdown().await;
    }
}

/// A failed accept: a client that gave up is nothing; anything else (out of file descriptors) is retried
/// after a second rather than spinning.
async fn accept_failed(e: io::Error) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; trying again in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One connection: hyper serves it while its timeouts are watched here, because hyper's header timeout
/// also bounds the wait for a kept-alive connection's next request and so cannot be longer than it.
async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: ConnectionLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let watch = Arc::new(Watch::new());
    let io = TokioIo::new(WatchedIo { stream, watch: watch.clone() });
    let requests = watch.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = requests.request_started();
        let mut router = router.clone();
        async move {
            let response = router.call(req).await?;
            Ok::<_, Infallible>(response.map(|body| TrackedBody { body, _guard: guard }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut draining = false;
    loop {
        let deadline = watch.deadline(&limits);
        let changed = watch.changed.notified();
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = stopping.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
            () = changed => {}
            () = until(deadline) => {
                if watch.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!("closed a connection that sent no request in time");
                    return;
                }
            }
        }
    }
}

async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Where a connection is between requests, for its timeouts.
struct Watch {
    state: Mutex<WatchState>,
    changed: Notify,
}

struct WatchState {
    /// Requests being answered; while there are any, the request timeout applies instead.
    requests: usize,
    waiting: Waiting,
    since: Instant,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Waiting {
    /// For a request's line and headers: since the connection opened, or since its first byte.
    Head,
    /// For a kept-alive connection's next request: since the last response.
    NextRequest,
}

impl Watch {
    fn new() -> Self {
        let state = WatchState { requests: 0, waiting: Waiting::Head, since: Instant::now() };
        Self { state: Mutex::new(state), changed: Notify::new() }
    }

    fn update(&self, change: impl FnOnce(&mut WatchState) -> bool) {
        let changed = change(&mut self.state.lock().unwrap_or_else(|e| e.into_inner()));
        if changed {
            self.changed.notify_one();
        }
    }

    fn bytes_arrived(&self) {
        self.update(|s| {
            let starts_a_request = s.requests == 0 && s.waiting == Waiting::NextRequest;
            if starts_a_request {
                (s.waiting, s.since) = (Waiting::Head, Instant::now());
            }
            starts_a_request
        });
    }

    fn request_started(self: &Arc<Self>) -> RequestGuard {
        self.update(|s| {
            s.requests += 1;
            true
        });
        RequestGuard(self.clone())
    }

    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match (s.requests, s.waiting) {
            (0, Waiting::Head) => Some(s.since + limits.header_read_timeout),
            (0, Waiting::NextRequest) => Some(s.since + limits.idle_timeout),
            _ => None,
        }
    }
}

/// A request being answered: until its response body has been sent (or dropped).
struct RequestGuard(Arc<Watch>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.update(|s| {
            s.requests = s.requests.saturating_sub(1);
            if s.requests == 0 {
                (s.waiting, s.since) = (Waiting::NextRequest, Instant::now());
            }
            true
        });
    }
}

/// A response body that ends its request when hyper has sent it and drops it.
struct TrackedBody {
    body: Body,
    _guard: RequestGuard,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, telling its watch when a kept-alive connection's next request starts.
struct WatchedIo {
    stream: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for WatchedIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.watch.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
