//! The page cache seam: `HostPool` asks it before fetching and tells it outcomes that are facts about a
//! page (not transient failures or policy refusals). `MemoryCache` is the in-process implementation.

use std::collections::HashMap;
use std::sync::Mutex;

use leadsmith_core::{CrawlStatus, PageOutcome};
use serde::{Deserialize, Serialize};

/// One stored fetch result, keyed by the URL that was asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedPage {
    pub url: String,
    /// When the page was fetched, in seconds since the Unix epoch; the pool compares it with `cache_ttl`.
    pub fetched_at_unix: i64,
    pub outcome: PageOutcome,
    pub html: Option<String>,
    pub content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// Where fetched pages are kept between runs. Implementations return whatever they stored; freshness is
/// the pool's decision, so a store never needs to know the TTL.
#[async_trait::async_trait]
pub trait PageCache: Send + Sync {
    async fn get(&self, url: &str) -> Option<CachedPage>;
    async fn put(&self, page: CachedPage);
}

/// A cache in memory, for tests and one-shot runs.
#[derive(Debug, Default)]
pub struct MemoryCache {
    pages: Mutex<HashMap<String, CachedPage>>,
}

impl MemoryCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.pages.lock().map(|p| p.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait::async_trait]
impl PageCache for MemoryCache {
    async fn get(&self, url: &str) -> Option<CachedPage> {
        self.pages.lock().ok()?.get(url).cloned()
    }

    async fn put(&self, page: CachedPage) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.insert(page.url.clone(), page);
        }
    }
}

/// Outcomes worth remembering: what the page *is*. Timeouts, connection and server errors may be gone
/// next time; SSRF and robots refusals are policy that can change with the configuration. An empty page
/// is what the server serves there (a blank site, a page that dies before writing), like a 404, and
/// the TTL bounds how long that is believed.
pub(crate) fn is_cacheable(status: CrawlStatus) -> bool {
    matches!(
        status,
        CrawlStatus::Ok
            | CrawlStatus::NotFound
            | CrawlStatus::NotHtml
            | CrawlStatus::TooLarge
            | CrawlStatus::Blocked
            | CrawlStatus::Empty
    )
}

/// Now, in seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
