//! The one [`HostPool`] through which every outbound page fetch goes: cache, robots.txt, pacing, retries
//! with escalating timeouts, manual redirects, body caps, charset decoding, block and empty-page
//! detection and the SSRF guard (in the connector). `fetch` never fails: every problem ends as a [`PageOutcome`] with a reason.

mod blocked;
mod body;
mod cache;
mod certs;
mod charset;
mod connector;
mod empty;
mod exchange;
mod guard;
mod markup;
mod pacing;
mod probe;
mod robots;

pub use probe::{PROBE_BODY_BYTES, Probe};

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Empty;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use leadsmith_core::{CrawlStatus, PageOutcome};
use tokio::time::Instant;
use url::Url;

/// The SSRF guard for leadsmith's other outbound connections (the SMTP recipient check): `Err` with the
/// reason when `ip` is in a private, loopback, link-local or other forbidden range that `allow` does not
/// open.
pub fn check_outbound(ip: std::net::IpAddr, allow: &[ipnet::IpNet]) -> Result<(), String> {
    guard::check_ip(ip, allow).map_err(|r| r.to_string())
}

/// `localhost` and names under the RFC 6761 special-use TLDs (`.test`, `.example`, `.invalid`,
/// `.localhost`): never registered, so never looked up.
pub fn is_special_use_name(host: &str) -> bool {
    guard::is_special_use_name(host)
}

pub use cache::{CachedPage, MemoryCache, PageCache};
pub use charset::decode_html;

use connector::GuardedConnector;
use exchange::{Exchange, Failure};
use pacing::Gates;

/// How the pool fetches. `Default` gives the production settings.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    /// The product token matched against `User-agent:` lines in robots.txt.
    pub robots_token: String,
    /// Per-attempt timeouts, escalating; its length is the number of attempts.
    pub timeouts: Vec<Duration>,
    /// Wait before attempt `i + 1` after attempt `i` failed transiently (the last entry repeats).
    pub backoff: Vec<Duration>,
    /// TCP connect timeout per address; the attempt timeout caps it too.
    pub connect_timeout: Duration,
    pub max_redirects: u32,
    /// Cap on the body as received and again after decompression.
    pub max_body_bytes: u64,
    pub global_concurrency: usize,
    pub per_host_concurrency: usize,
    /// Minimum gap between request starts to one host.
    pub per_host_interval: Duration,
    /// Cap on a robots.txt `Crawl-delay`.
    pub max_crawl_delay: Duration,
    pub respect_robots: bool,
    /// Cached pages younger than this are returned without a request.
    pub cache_ttl: Duration,
    /// Cap on a server's `Retry-After`.
    pub max_retry_after: Duration,
    /// Nets the SSRF guard lets through even though they are private, loopback, ….
    pub allow_addresses: Vec<ipnet::IpNet>,
    /// Lower-cased host → address *including the port*, used instead of DNS (tests, demos, pinning).
    pub resolve_overrides: HashMap<String, SocketAddr>,
    /// Certificates (DER) trusted as roots besides the Mozilla set: a private CA, a test server's.
    pub extra_root_certificates: Vec<Vec<u8>>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: format!("leadsmith/{} (+https://github.com/leadsmith/leadsmith)", env!("CARGO_PKG_VERSION")),
            robots_token: "leadsmith".to_string(),
            timeouts: [20, 30, 40].map(Duration::from_secs).to_vec(),
            backoff: [1, 2, 4].map(Duration::from_secs).to_vec(),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 5,
            max_body_bytes: 2 * 1024 * 1024,
            global_concurrency: 32,
            per_host_concurrency: 2,
            per_host_interval: Duration::from_millis(250),
            max_crawl_delay: Duration::from_secs(30),
            respect_robots: true,
            cache_ttl: Duration::from_secs(24 * 3600),
            max_retry_after: Duration::from_secs(60),
            allow_addresses: Vec::new(),
            resolve_overrides: HashMap::new(),
            extra_root_certificates: Vec::new(),
        }
    }
}

/// A fetch result: the outcome always, the decoded HTML only for `Ok` pages.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedPage {
    pub outcome: PageOutcome,
    pub html: Option<String>,
    pub content_type: Option<String>,
    /// The final response's headers, lower-case names (pages read from the cache have those stored with
    /// them; pages cached before headers were kept have none).
    pub headers: Vec<(String, String)>,
}

/// Why a [`HostPool`] could not be built. Fetching itself never errors; it reports outcomes.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("invalid fetch configuration: {0}")]
    Config(String),
    #[error("could not set up TLS: {0}")]
    Tls(String),
}

/// How long an idle keep-alive connection is kept for the next page of the same site.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

pub(crate) type HttpClient = Client<HttpsConnector<GuardedConnector>, Empty<Bytes>>;

/// The shared fetcher; clones share the client, pacing state, robots memo and cache.
#[derive(Clone)]
pub struct HostPool {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: FetchConfig,
    client: HttpClient,
    user_agent: HeaderValue,
    cache: Option<Arc<dyn PageCache>>,
    gates: Gates,
    robots: robots::RobotsMemo,
    certificates: Arc<certs::CertificateMemo>,
}

impl fmt::Debug for HostPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostPool")
            .field("config", &self.inner.config)
            .field("cache", &self.inner.cache.is_some())
            .finish_non_exhaustive()
    }
}

impl HostPool {
    pub fn new(config: FetchConfig, cache: Option<Arc<dyn PageCache>>) -> Result<Self, FetchError> {
        validate(&config)?;
        let user_agent = HeaderValue::from_str(&config.user_agent).map_err(|_| {
            FetchError::Config(format!("user_agent {:?} is not a valid header value", config.user_agent))
        })?;
        let guarded = GuardedConnector::new(
            config.allow_addresses.clone(),
            config.resolve_overrides.clone(),
            config.connect_timeout,
        );
        let (tls, certificates) = certs::client_config(&config.extra_root_certificates)?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(guarded);
        // Idle keep-alive connections are reaped by a timer: a long crawl touches many hosts once, and
        // without it every one of them would keep a socket open until its host was asked for again.
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .pool_max_idle_per_host(config.per_host_concurrency)
            .build(https);
        let gates = Gates::new(config.global_concurrency, config.per_host_concurrency, config.per_host_interval);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                client,
                user_agent,
                cache,
                gates,
                robots: robots::RobotsMemo::default(),
                certificates,
            }),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.inner.config
    }

    /// Fetches `url` (from the cache when fresh). Every failure is an outcome; this never panics.
    pub async fn fetch(&self, url: &Url) -> FetchedPage {
        let started = Instant::now();
        let cache = self.inner.cache.as_ref();
        if let Some(cache) = cache
            && let Some(hit) = cache.get(url.as_str()).await
            && self.is_fresh(hit.fetched_at_unix)
        {
            let mut outcome = hit.outcome;
            outcome.from_cache = true;
            return FetchedPage { outcome, html: hit.html, content_type: hit.content_type, headers: hit.headers };
        }
        let page = self.fetch_uncached(url, started).await;
        if let Some(cache) = cache
            && cache::is_cacheable(page.outcome.status)
        {
            cache
                .put(CachedPage {
                    url: url.to_string(),
                    fetched_at_unix: cache::unix_now(),
                    outcome: page.outcome.clone(),
                    html: page.html.clone(),
                    content_type: page.content_type.clone(),
                    headers: page.headers.clone(),
                })
                .await;
        }
        page
    }

    fn is_fresh(&self, fetched_at_unix: i64) -> bool {
        let age = cache::unix_now().saturating_sub(fetched_at_unix);
        // A timestamp from the future (clock skew) counts as just fetched.
        u64::try_from(age).map_or(true, |age| Duration::from_secs(age) < self.inner.config.cache_ttl)
    }

    async fn fetch_uncached(&self, url: &Url, started: Instant) -> FetchedPage {
        let config = &self.inner.config;
        let mut report = Report { url, started, attempts: 0 };
        let mut current = url.clone();
        let mut redirects = 0;
        loop {
            if !matches!(current.scheme(), "http" | "https") || current.host_str().is_none_or(str::is_empty) {
                let why = format!("cannot fetch {current}: only http and https URLs with a host are fetched");
                return report.failed(&current, Failure::new(CrawlStatus::HttpError, why));
            }
            if config.respect_robots && !robots::rules_for(&self.inner, &current).await.allowed(&current) {
                let why = format!("robots.txt disallows {} for {}", current.path(), config.robots_token);
                return report.failed(&current, Failure::new(CrawlStatus::RobotsDisallowed, why));
            }
            match self.with_retries(&current, &mut report.attempts).await {
                Exchange::Page { http_status, html, content_type, bytes, headers } => {
                    let outcome = report.outcome(&current, CrawlStatus::Ok, Some(http_status), None, bytes);
                    return FetchedPage { outcome, html: Some(html), content_type, headers };
                }
                Exchange::Redirect { http_status, location } => {
                    let next = match redirect_target(&current, http_status, location.as_deref()) {
                        Ok(next) => next,
                        Err(failure) => return report.failed(&current, failure),
                    };
                    if redirects >= config.max_redirects {
                        let why = format!("more than {} redirects (the last pointed to {next})", config.max_redirects);
                        let failure = Failure::new(CrawlStatus::TooManyRedirects, why);
                        return report.failed(&current, Failure { http_status: Some(http_status), ..failure });
                    }
                    redirects += 1;
                    current = next;
                }
                Exchange::Done(failure) | Exchange::Transient { failure, .. } => {
                    return report.failed(&current, failure);
                }
            }
        }
    }

    /// Runs up to `timeouts.len()` attempts at one URL, waiting between transient failures.
    async fn with_retries(&self, url: &Url, attempts: &mut u32) -> Exchange {
        let config = &self.inner.config;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let last = config.timeouts.len().saturating_sub(1);
        for (i, &limit) in config.timeouts.iter().enumerate() {
            let permit = self.inner.gates.acquire(&host).await;
            *attempts += 1;
            let inner = &self.inner;
            let result = tokio::time::timeout(
                limit,
                exchange::page(&inner.client, &inner.user_agent, url, config.max_body_bytes),
            )
            .await
            .unwrap_or_else(|_| Exchange::Transient {
                failure: Failure::new(CrawlStatus::Timeout, format!("no complete response within {}", secs(limit))),
                retry_after: None,
            });
            drop(permit);
            let Exchange::Transient { mut failure, retry_after } = result else {
                return result;
            };
            if i == last {
                if i > 0 {
                    failure.reason = format!("{} (after {} attempts)", failure.reason, i + 1);
                }
                return Exchange::Done(failure);
            }
            let backoff = config.backoff.get(i).or(config.backoff.last()).copied().unwrap_or_default();
            let wait = retry_after.map_or(backoff, |asked| asked.min(config.max_retry_after));
            if failure.http_status == Some(429) {
                // The server said the whole host is overloaded, not just this URL.
                self.inner.gates.host(&host).hold_off(Instant::now() + wait);
            }
            tracing::debug!(url = %url, attempt = i + 1, reason = %failure.reason, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
        Exchange::Done(Failure::new(CrawlStatus::HttpError, "no attempts configured"))
    }
}

/// Where a redirect goes, or why it cannot be followed.
fn redirect_target(current: &Url, http_status: u16, location: Option<&str>) -> Result<Url, Failure> {
    let fail = |why: String| Failure { http_status: Some(http_status), ..Failure::new(CrawlStatus::HttpError, why) };
    let location = location.ok_or_else(|| fail(format!("HTTP {http_status} redirect without a Location header")))?;
    let next = current
        .join(location)
        .map_err(|_| fail(format!("HTTP {http_status} redirect to an invalid Location {location:?}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(fail(format!("HTTP {http_status} redirect to unsupported scheme {:?}", next.scheme())));
    }
    Ok(next)
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 { format!("{}s", d.as_secs()) } else { format!("{:.1}s", d.as_secs_f64()) }
}

/// Builds outcomes for one `fetch` call.
struct Report<'a> {
    url: &'a Url,
    started: Instant,
    attempts: u32,
}

impl Report<'_> {
    fn outcome(
        &self,
        final_url: &Url,
        status: CrawlStatus,
        http_status: Option<u16>,
        reason: Option<String>,
        bytes: u64,
    ) -> PageOutcome {
        PageOutcome {
            url: self.url.to_string(),
            final_url: Some(final_url.to_string()),
            status,
            http_status,
            reason,
            attempts: self.attempts,
            elapsed_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            bytes,
            from_cache: false,
        }
    }

    fn failed(&self, final_url: &Url, failure: Failure) -> FetchedPage {
        let outcome = self.outcome(final_url, failure.status, failure.http_status, Some(failure.reason), failure.bytes);
        FetchedPage { outcome, html: None, content_type: failure.content_type, headers: Vec::new() }
    }
}

fn validate(config: &FetchConfig) -> Result<(), FetchError> {
    let bad = |why: &str| Err(FetchError::Config(why.to_string()));
    if config.timeouts.is_empty() {
        return bad("timeouts must list at least one attempt");
    }
    if config.timeouts.iter().any(Duration::is_zero) {
        return bad("timeouts must be greater than zero");
    }
    if config.global_concurrency == 0 || config.per_host_concurrency == 0 {
        return bad("global_concurrency and per_host_concurrency must be at least 1");
    }
    if config.max_body_bytes == 0 {
        return bad("max_body_bytes must be greater than zero");
    }
    if config.robots_token.is_empty()
        || !config.robots_token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return bad("robots_token must be a non-empty product token (letters, digits, '-' and '_')");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = FetchConfig::default();
        assert!(
            c.user_agent.starts_with("leadsmith/")
                && c.user_agent.ends_with("(+https://github.com/leadsmith/leadsmith)")
        );
        assert_eq!(c.timeouts, [20, 30, 40].map(Duration::from_secs));
        assert_eq!(c.backoff, [1, 2, 4].map(Duration::from_secs));
        assert_eq!(c.max_body_bytes, 2 * 1024 * 1024);
        assert_eq!((c.global_concurrency, c.per_host_concurrency, c.max_redirects), (32, 2, 5));
        assert!(c.respect_robots && c.allow_addresses.is_empty());
    }

    #[test]
    fn bad_configs_are_construction_errors() {
        let no_attempts = FetchConfig { timeouts: vec![], ..FetchConfig::default() };
        assert!(matches!(HostPool::new(no_attempts, None), Err(FetchError::Config(_))));
        let bad_ua = FetchConfig { user_agent: "a\nb".into(), ..FetchConfig::default() };
        assert!(matches!(HostPool::new(bad_ua, None), Err(FetchError::Config(_))));
        let bad_token = FetchConfig { robots_token: "lead smith".into(), ..FetchConfig::default() };
        assert!(HostPool::new(bad_token, None).is_err());
        assert!(HostPool::new(FetchConfig::default(), None).is_ok());
    }

    #[test]
    fn redirect_targets() {
        let here = Url::parse("http://a.test/x/y").unwrap();
        assert_eq!(redirect_target(&here, 301, Some("../z")).unwrap().as_str(), "http://a.test/z");
        assert_eq!(redirect_target(&here, 302, Some("https://b.test/")).unwrap().as_str(), "https://b.test/");
        assert!(redirect_target(&here, 302, None).unwrap_err().reason.contains("without a Location"));
        assert!(redirect_target(&here, 302, Some("ftp://a.test/")).unwrap_err().reason.contains("unsupported scheme"));
    }
}
