//! The crawler's page cache on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::PageCache;
use crate::Result;
use crate::rules::retention;

#[async_trait]
impl PageCache for SqliteStore {
    async fn cached_page(&self, url: &str) -> Result<Option<(i64, String)>> {
        let url = url.to_string();
        self.call(move |conn| {
            Ok(conn.query_row(sql!("cache/get"), [url], |r| Ok((r.get(0)?, r.get(1)?))).optional()?)
        })
        .await
    }

    async fn put_cached_page(&self, url: &str, fetched_at_unix: i64, data: &str) -> Result<()> {
        let (url, data) = (url.to_string(), data.to_string());
        self.call(move |conn| {
            conn.execute(sql!("cache/put"), params![url, fetched_at_unix, data])?;
            Ok(())
        })
        .await
    }

    async fn prune_cached_pages(&self, before_unix: i64) -> Result<u64> {
        let mut total = 0;
        loop {
            let n = self
                .call(move |conn| Ok(conn.execute(sql!("cache/prune"), params![before_unix, retention::BATCH])? as u64))
                .await?;
            total += n;
            if !retention::more(n) {
                return Ok(total);
            }
        }
    }
}
