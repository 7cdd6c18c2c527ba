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

pub async fn page_cache_prunes_pages_fetched_before_a_time(s: Arc<dyn Store>) {
    s.put_cached_page("http://old.test/", 100, "{}").await.unwrap();
    s.put_cached_page("http://older.test/", 50, "{}").await.unwrap();
    s.put_cached_page("http://new.test/", 1_000, "{}").await.unwrap();
    assert_eq!(s.prune_cached_pages(50).await.unwrap(), 0, "nothing fetched before 50");
    assert_eq!(s.prune_cached_pages(1_000).await.unwrap(), 2);
    assert_eq!(s.cached_page("http://old.test/").await.unwrap(), None);
    assert_eq!(s.cached_page("http://new.test/").await.unwrap(), Some((1_000, "{}".to_string())));
    assert_eq!(s.prune_cached_pages(1_000).await.unwrap(), 0);
}
