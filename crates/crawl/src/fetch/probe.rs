//! Probes: one request that asks *about* a URL rather than for a page — a HEAD for a linked page's status
//! or an image's weight, a small GET for robots.txt or a sitemap. Through the same guarded client, pacing,
//! robots rules and page cache as pages (keyed `HEAD <url>` / `GET <url>`, so a re-run inside the TTL asks
//! the site nothing again); never retried, redirects reported rather than followed, and a body read only
//! up to a small cap. The website audit's network checks are built on them.

use std::time::Instant;

use http::Method;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use serde::{Deserialize, Serialize};
use url::Url;

use leadsmith_core::{CrawlStatus, PageOutcome};

use super::HostPool;
use super::body::BodyError;
use super::cache::{CachedPage, unix_now};
use super::exchange::{self, Exchange, header, read_decoded};
use super::robots;

/// What one probe learnt about a URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    pub url: String,
    /// The response's status; absent when no response came (`error` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Where a redirect pointed, resolved against `url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// `Content-Length`, as the server declared it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Milliseconds from sending the request to the response's headers (time to first byte).
    pub first_byte_ms: u64,
    /// The decoded body of a GET probe, when it was text within the cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Whole days until the TLS certificate the https connection was verified with expires (negative
    /// once expired), counted from when the probe was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_days_left: Option<i64>,
    /// Why no usable answer came: a transport failure, robots.txt, a timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Probe {
    /// The server answered 2xx.
    pub fn ok(&self) -> bool {
        self.http_status.is_some_and(|s| (200..300).contains(&s))
    }

    /// The server answered with a redirect.
    pub fn redirected(&self) -> bool {
        self.http_status.is_some_and(|s| (300..400).contains(&s))
    }

    /// The server answered 4xx or 5xx.
    pub fn broken(&self) -> bool {
        self.http_status.is_some_and(|s| s >= 400)
    }
}

/// The largest body a GET probe reads (robots.txt, sitemap.xml).
pub const PROBE_BODY_BYTES: u64 = 512 * 1024;

impl HostPool {
    /// A HEAD request for `url`: its status, redirect target, declared size and time to first byte.
    pub async fn head(&self, url: &Url) -> Probe {
        self.probe(url, Method::HEAD, false).await
    }

    /// A GET of a small text resource (robots.txt, a sitemap), body capped at [`PROBE_BODY_BYTES`];
    /// `any_path` skips the robots.txt check (robots.txt and sitemaps exist to be read by crawlers).
    pub async fn get_small(&self, url: &Url, any_path: bool) -> Probe {
        self.probe(url, Method::GET, any_path).await
    }

    async fn probe(&self, url: &Url, method: Method, any_path: bool) -> Probe {
        let key = format!("{method} {url}");
        if let Some(cache) = &self.inner.cache
            && let Some(hit) = cache.get(&key).await
            && self.is_fresh(hit.fetched_at_unix)
        {
            return from_cache(url, hit);
        }
        let probe = self.probe_uncached(url, method, any_path).await;
        // An answer is a fact about the URL; no answer, a 5xx or a 429 may be gone next time.
        if let Some(cache) = &self.inner.cache
            && probe.http_status.is_some_and(|s| s < 500 && s != 429)
            && probe.error.is_none()
        {
            cache.put(to_cache(key, &probe)).await;
        }
        probe
    }

    async fn probe_uncached(&self, url: &Url, method: Method, any_path: bool) -> Probe {
        let inner = &self.inner;
        let config = &inner.config;
        let mut probe = Probe { url: url.to_string(), ..Probe::default() };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            probe.error = Some("only http and https URLs with a host are probed".into());
            return probe;
        }
        if config.respect_robots && !any_path && !robots::rules_for(inner, url).await.allowed(url) {
            probe.error = Some(format!("robots.txt disallows {} for {}", url.path(), config.robots_token));
            return probe;
        }
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let limit = config.timeouts.first().copied().unwrap_or_default();
        let _permit = inner.gates.acquire(&host).await;
        let get = method == Method::GET;
        let result = tokio::time::timeout(limit, async {
            let started = Instant::now();
            let response = exchange::send_method(&inner.client, &inner.user_agent, url, method).await?;
            let first_byte_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            Ok::<_, Exchange>((response, first_byte_ms))
        })
        .await;
        let (response, first_byte_ms) = match result {
            Err(_) => {
                probe.error = Some(format!("no response within {} ms", limit.as_millis()));
                return probe;
            }
            Ok(Err(Exchange::Done(f) | Exchange::Transient { failure: f, .. })) => {
                probe.error = Some(f.reason);
                return probe;
            }
            Ok(Err(_)) => {
                probe.error = Some("no response".into());
                return probe;
            }
            Ok(Ok(ok)) => ok,
        };
        let status = response.status().as_u16();
        let (parts, incoming) = response.into_parts();
        probe.http_status = Some(status);
        probe.first_byte_ms = first_byte_ms;
        probe.content_type = header(&parts.headers, &CONTENT_TYPE);
        probe.content_length = header(&parts.headers, &CONTENT_LENGTH).and_then(|v| v.trim().parse().ok());
        probe.location = header(&parts.headers, &LOCATION).and_then(|l| url.join(&l).ok()).map(|u| u.to_string());
        if url.scheme() == "https" {
            probe.certificate_days_left =
                inner.certificates.not_after(&host).map(|at| at.saturating_sub(unix_now()).div_euclid(86_400));
        }
        if get && (200..300).contains(&status) {
            let read = tokio::time::timeout(limit, read_decoded(&parts.headers, incoming, PROBE_BODY_BYTES)).await;
            match read {
                Ok(Ok((bytes, _))) => probe.body = String::from_utf8(bytes).ok(),
                Ok(Err(BodyError::TooLarge { limit, .. })) => {
                    probe.error = Some(format!("the body exceeds the {limit}-byte cap"));
                }
                Ok(Err(BodyError::Transport { source, .. })) => {
                    probe.error = Some(format!("the connection failed while reading the body: {source}"));
                }
                Ok(Err(BodyError::Decode(why))) => probe.error = Some(why),
                Err(_) => probe.error = Some(format!("the body did not arrive within {} ms", limit.as_millis())),
            }
        }
        probe
    }
}

/// The cached probe's pseudo-header for [`Probe::certificate_days_left`] (no server sends it: the cache
/// keeps it beside the real ones).
const CERTIFICATE_DAYS: &str = "x-leadsmith-certificate-days-left";

fn to_cache(key: String, probe: &Probe) -> CachedPage {
    let mut headers = Vec::new();
    headers.extend(probe.location.iter().map(|l| ("location".to_string(), l.clone())));
    headers.extend(probe.content_length.iter().map(|n| ("content-length".to_string(), n.to_string())));
    headers.extend(probe.certificate_days_left.iter().map(|d| (CERTIFICATE_DAYS.to_string(), d.to_string())));
    let outcome = PageOutcome {
        url: probe.url.clone(),
        final_url: None,
        status: CrawlStatus::Ok,
        http_status: probe.http_status,
        reason: None,
        attempts: 1,
        elapsed_ms: probe.first_byte_ms,
        bytes: probe.body.as_ref().map_or(0, |b| b.len() as u64),
        from_cache: false,
    };
    CachedPage {
        url: key,
        fetched_at_unix: unix_now(),
        outcome,
        html: probe.body.clone(),
        content_type: probe.content_type.clone(),
        headers,
    }
}

fn from_cache(url: &Url, hit: CachedPage) -> Probe {
    let header = |name: &str| hit.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Probe {
        url: url.to_string(),
        http_status: hit.outcome.http_status,
        location: header("location"),
        content_length: header("content-length").and_then(|n| n.parse().ok()),
        content_type: hit.content_type,
        first_byte_ms: hit.outcome.elapsed_ms,
        certificate_days_left: header(CERTIFICATE_DAYS).and_then(|d| d.parse().ok()),
        body: hit.html,
        error: None,
    }
}
