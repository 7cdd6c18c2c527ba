//! The crawl page cache kept in the store, so re-runs within the TTL do not re-fetch.

use std::sync::Arc;

use async_trait::async_trait;
use leadsmith_crawl::PageCache;
use leadsmith_crawl::fetch::CachedPage;
use leadsmith_store::Store;

pub struct StoreCache(pub Arc<dyn Store>);

#[async_trait]
impl PageCache for StoreCache {
    async fn get(&self, url: &str) -> Option<CachedPage> {
        match self.0.cached_page(url).await {
            Ok(Some((_, data))) => serde_json::from_str(&data).ok(),
            Ok(None) => None,
            Err(e) => {
                // A cache miss costs a fetch, never correctness.
                tracing::warn!(error = %e, "page cache read failed");
                None
            }
        }
    }

    async fn put(&self, page: CachedPage) {
        let data = match serde_json::to_string(&page) {
            Ok(d) => d,
            Err(e) => return tracing::warn!(error = %e, "page cache entry not serialisable"),
        };
        if let Err(e) = self.0.put_cached_page(&page.url, page.fetched_at_unix, &data).await {
            tracing::warn!(error = %e, "page cache write failed");
        }
    }
}
