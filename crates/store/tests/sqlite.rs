//! The store suite on the embedded SQLite backend, plus what only a file database does.

#[macro_use]
mod suite;

use std::sync::Arc;

use leadsmith_store::{SqliteStore, Store};

async fn store() -> Option<Arc<dyn Store>> {
    Some(Arc::new(SqliteStore::open_in_memory().expect("in-memory store")))
}

store_suite!(store);

#[tokio::test]
async fn file_store_reopens_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    {
        let s = SqliteStore::open(&path).unwrap();
        s.put_cached_page("http://a.test/", 200, "{\"a\":2}").await.unwrap();
        assert_eq!(s.schema_version().await.unwrap(), 2);
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().await.unwrap(), 2);
    assert_eq!(s.cached_page("http://a.test/").await.unwrap(), Some((200, "{\"a\":2}".to_string())));
}
