//! Honest crawl outcomes: every page and every lead ends in an explicit state with a reason.

use serde::{Deserialize, Serialize};

/// The state a page fetch, or a whole lead's crawl, ended in. Only `Ok` (and `Partial` for a lead) count
/// as success; `Blocked` is never success even though the server answered 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrawlStatus {
    Ok,
    /// Lead level: the home page worked but some other pages failed.
    Partial,
    /// Bot challenge, WAF block page, captcha or login wall.
    Blocked,
    /// The server answered 2xx with nothing in it: no body, only whitespace, or markup without text.
    Empty,
    RobotsDisallowed,
    NotFound,
    Timeout,
    DnsError,
    TlsError,
    ConnectError,
    /// Refused by the SSRF guard (private, loopback, link-local, CGNAT or metadata address).
    SsrfRefused,
    TooLarge,
    NotHtml,
    /// Any other HTTP error status (after retries for 5xx and 429).
    HttpError,
    TooManyRedirects,
    /// The lead has no website to crawl.
    NoWebsite,
}

impl CrawlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Partial => "partial",
            Self::Blocked => "blocked",
            Self::Empty => "empty",
            Self::RobotsDisallowed => "robots_disallowed",
            Self::NotFound => "not_found",
            Self::Timeout => "timeout",
            Self::DnsError => "dns_error",
            Self::TlsError => "tls_error",
            Self::ConnectError => "connect_error",
            Self::SsrfRefused => "ssrf_refused",
            Self::TooLarge => "too_large",
            Self::NotHtml => "not_html",
            Self::HttpError => "http_error",
            Self::TooManyRedirects => "too_many_redirects",
            Self::NoWebsite => "no_website",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// True when the site answered with usable content.
    pub fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::Partial)
    }
}

impl std::fmt::Display for CrawlStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one page fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageOutcome {
    pub url: String,
    /// Where the page ended up after redirects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    pub status: CrawlStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub attempts: u32,
    pub elapsed_ms: u64,
    pub bytes: u64,
    #[serde(default)]
    pub from_cache: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_through_its_name() {
        for s in [CrawlStatus::Ok, CrawlStatus::RobotsDisallowed, CrawlStatus::SsrfRefused, CrawlStatus::Empty] {
            assert_eq!(CrawlStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::String(s.as_str().to_string())));
        }
        assert_eq!(CrawlStatus::parse("empty"), Some(CrawlStatus::Empty));
        assert!(!CrawlStatus::Blocked.is_success());
        assert!(!CrawlStatus::Empty.is_success());
    }
}
