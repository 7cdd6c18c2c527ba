//! `GuardedConnector`: resolves a host (overrides, IP literals, special-use names, DNS), runs the SSRF
//! guard on every address, then opens the TCP connection. hyper-rustls wraps it for https, and since every
//! request (redirect hops and robots.txt included) connects through it, nothing bypasses the guard.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper_util::rt::TokioIo;
use ipnet::IpNet;
use tokio::net::TcpStream;

use super::guard::{self, Refusal};

/// Why a connection could not be opened. The fetcher finds this in the client error's source chain and
/// turns it into a [`CrawlStatus`](leadsmith_core::CrawlStatus).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectFailure {
    #[error("the URL has no host")]
    NoHost,
    #[error("DNS lookup for {host} failed: {detail}")]
    Dns { host: String, detail: String },
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("connecting to {addr} timed out after {}s", after.as_secs_f32())]
    Timeout { addr: SocketAddr, after: Duration },
    #[error("connecting to {addr} failed: {source}")]
    Io { addr: SocketAddr, source: io::Error },
}

struct Settings {
    allow: Vec<IpNet>,
    overrides: HashMap<String, SocketAddr>,
    connect_timeout: Duration,
}

/// The innermost connector of the pool's client; cheap to clone.
#[derive(Clone)]
pub(crate) struct GuardedConnector {
    settings: Arc<Settings>,
}

impl GuardedConnector {
    /// `overrides` keys must be lower-case host names; their addresses replace DNS *and* the URL's port.
    pub(crate) fn new(allow: Vec<IpNet>, overrides: HashMap<String, SocketAddr>, connect_timeout: Duration) -> Self {
        let overrides = overrides.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        Self { settings: Arc::new(Settings { allow, overrides, connect_timeout }) }
    }
}

impl tower_service::Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectFailure;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let settings = Arc::clone(&self.settings);
        Box::pin(async move { connect(&settings, &dst).await })
    }
}

async fn connect(settings: &Settings, dst: &Uri) -> Result<TokioIo<TcpStream>, ConnectFailure> {
    let addrs = resolve(settings, dst).await?;
    for addr in &addrs {
        guard::check_ip(addr.ip(), &settings.allow)?;
    }
    let mut last =
        ConnectFailure::Dns { host: dst.host().unwrap_or_default().to_string(), detail: "no addresses".into() };
    for addr in addrs {
        match tokio::time::timeout(settings.connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                // Small request/response exchanges: Nagle only adds latency.
                let _ = stream.set_nodelay(true);
                return Ok(TokioIo::new(stream));
            }
            Ok(Err(source)) => last = ConnectFailure::Io { addr, source },
            Err(_) => last = ConnectFailure::Timeout { addr, after: settings.connect_timeout },
        }
    }
    Err(last)
}

/// The override for `host`: its own entry, else the longest wildcard (`*.test`, `*.staging.example`)
/// whose suffix it ends with (a wildcard covers subdomains, not the bare suffix).
fn override_for(overrides: &std::collections::HashMap<String, SocketAddr>, host: &str) -> Option<SocketAddr> {
    if let Some(addr) = overrides.get(host) {
        return Some(*addr);
    }
    overrides
        .iter()
        .filter_map(|(pattern, addr)| Some((pattern.strip_prefix('*')?, addr)))
        .filter(|(suffix, _)| suffix.starts_with('.') && host.len() > suffix.len() && host.ends_with(suffix))
        .max_by_key(|(suffix, _)| suffix.len())
        .map(|(_, addr)| *addr)
}

/// Host → socket addresses, first match wins: overrides, IP literals,
/// special-use names (never queried), then the system resolver.
async fn resolve(settings: &Settings, dst: &Uri) -> Result<Vec<SocketAddr>, ConnectFailure> {
    let raw_host = dst.host().ok_or(ConnectFailure::NoHost)?;
    let host = raw_host.trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return Err(ConnectFailure::NoHost);
    }
    if guard::is_metadata_host(&host) {
        return Err(Refusal::MetadataHost(host).into());
    }
    if let Some(addr) = override_for(&settings.overrides, &host) {
        return Ok(vec![addr]);
    }
    let port = dst.port_u16().unwrap_or(if dst.scheme_str() == Some("https") { 443 } else { 80 });
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if guard::is_special_use_name(&host) {
        return Err(ConnectFailure::Dns { host, detail: "special-use name (RFC 6761), never looked up".into() });
    }
    let looked_up = tokio::net::lookup_host((host.as_str(), port)).await.map(Iterator::collect::<Vec<_>>);
    match looked_up {
        Ok(addrs) if !addrs.is_empty() => Ok(addrs),
        Ok(_) => Err(ConnectFailure::Dns { host, detail: "no addresses".into() }),
        Err(e) => Err(ConnectFailure::Dns { host, detail: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(overrides: &[(&str, &str)]) -> Settings {
        Settings {
            allow: vec![],
            overrides: overrides.iter().map(|(h, a)| (h.to_string(), a.parse().unwrap())).collect(),
            connect_timeout: Duration::from_secs(1),
        }
    }

    #[tokio::test]
    async fn overrides_replace_address_and_port() {
        let s = settings(&[("acme.test", "127.0.0.1:4321")]);
        let wild =
            settings(&[("*.test", "127.0.0.1:9"), ("*.deep.test", "127.0.0.2:9"), ("exact.test", "127.0.0.3:9")]);
        for (url, want) in [
            ("http://any.test/", "127.0.0.1:9"),
            ("http://www.any.test/", "127.0.0.1:9"),
            ("http://a.deep.test/", "127.0.0.2:9"),
            ("http://exact.test/", "127.0.0.3:9"),
        ] {
            assert_eq!(resolve(&wild, &url.parse().unwrap()).await.unwrap(), vec![want.parse().unwrap()], "{url}");
        }
        assert!(resolve(&wild, &"http://test/".parse().unwrap()).await.is_err(), "the bare suffix is not covered");
        let got = resolve(&s, &"http://ACME.test.:80/x".parse().unwrap()).await.unwrap();
        assert_eq!(got, vec!["127.0.0.1:4321".parse().unwrap()]);
    }

    #[tokio::test]
    async fn literals_special_names_and_metadata() {
        let s = settings(&[]);
        let v6 = resolve(&s, &"https://[::1]/".parse().unwrap()).await.unwrap();
        assert_eq!(v6, vec!["[::1]:443".parse().unwrap()]);
        let dns = resolve(&s, &"http://nowhere.test/".parse().unwrap()).await.unwrap_err();
        assert!(matches!(dns, ConnectFailure::Dns { .. }), "{dns}");
        let meta = resolve(&s, &"http://metadata.google.internal/".parse().unwrap()).await.unwrap_err();
        assert!(matches!(meta, ConnectFailure::Refused(Refusal::MetadataHost(_))), "{meta}");
    }

    #[tokio::test]
    async fn guard_refuses_before_connecting() {
        let s = settings(&[("internal.test", "10.0.0.5:80")]);
        let err = connect(&s, &"http://internal.test/".parse().unwrap()).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "refused 10.0.0.5: private address (10.0.0.0/8); add it to crawl.allow_addresses to allow"
        );
    }
}
