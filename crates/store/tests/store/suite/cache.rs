//! Suite cases for the page cache.

use std::sync::Arc;

use leadsmith_store::Store;

pub async fn page_cache_round_trips(s: Arc<dyn Store>) {
    s.put_cached_page("http://a.test/", 100, "{\"a\":1}").await.unwrap();
    s.put_cached_page("http://a.test/", 200, "{\"a\":2}").await.unwrap();
    assert_eq!(s.cached_page("http://a.test/").await.unwrap(), Some((200, "{\"a\":2}".to_string())));
    assert_eq!(s.cached_page("http://b.test/").await.unwrap(), None);
    assert!(s.schema_version().await.unwrap() >= 2);
}
