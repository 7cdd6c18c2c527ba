//! The store suite on the embedded SQLite backend, plus what only a file database does.

use std::sync::Arc;

use leadsmith_store::prelude::*;
use leadsmith_store::{SqliteStore, Store, StoreError};

async fn store() -> Option<Arc<dyn Store>> {
    Some(Arc::new(SqliteStore::open_in_memory().expect("in-memory store")))
}

store_suite!(store);

fn migration_files() -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count() as i64
}

#[tokio::test]
async fn a_database_from_a_newer_leadsmith_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    match SqliteStore::open(&path) {
        Err(StoreError::SchemaTooNew { found: 99, supported }) => assert_eq!(supported, migration_files()),
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("expected SchemaTooNew, opened"),
    }
}

#[tokio::test]
async fn file_store_reopens_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    {
        let s = SqliteStore::open(&path).unwrap();
        s.put_cached_page("http://a.test/", 200, "{\"a\":2}").await.unwrap();
        assert_eq!(s.schema_version().await.unwrap(), migration_files());
    }
    let s = SqliteStore::open(&path).unwrap();
    assert_eq!(s.schema_version().await.unwrap(), migration_files());
    assert_eq!(s.cached_page("http://a.test/").await.unwrap(), Some((200, "{\"a\":2}".to_string())));
}

#[test]
fn processes_opening_a_fresh_file_at_once_all_get_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let barrier = Arc::new(std::sync::Barrier::new(8));
    let opened: Vec<_> = (0..8)
        .map(|_| {
            let (path, barrier) = (path.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                SqliteStore::open(&path).map(|_| ())
            })
        })
        .collect();
    for handle in opened {
        handle.join().unwrap().expect("every opener gets a migrated store");
    }
}

/// A run left `running` with every job ended (by a leadsmith that set the run's status in a transaction of
/// its own and crashed before it) is finished by the next recovery; a run whose jobs are not queued yet is
/// left alone.
#[tokio::test]
async fn recovery_finishes_a_run_stranded_running() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let s = SqliteStore::open(&path).unwrap();
    let run = s.create_run("f.csv", &serde_json::json!({}), None).await.unwrap();
    let mut job = leadsmith_store::NewJob::new("crawl", Some(1));
    job.run_id = Some(run);
    s.enqueue(job).await.unwrap();
    let job = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    s.complete(job.id, "w", vec![], vec![]).await.unwrap();
    let starting = s.create_run("g.csv", &serde_json::json!({}), None).await.unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?1", [run])
        .unwrap();
    assert_eq!(s.run(run).await.unwrap().unwrap().status, "running");
    assert_eq!(s.recover_jobs(vec![]).await.unwrap(), 0, "no job needed recovering");
    let info = s.run(run).await.unwrap().unwrap();
    assert_eq!((info.status.as_str(), info.finished_at.is_some()), ("completed", true));
    assert_eq!(s.run(starting).await.unwrap().unwrap().status, "running");
}
