//! The crawler's page cache on PostgreSQL (looked up by the URL's md5: URLs can outgrow a btree entry).

use async_trait::async_trait;

use super::{PgStore, exec, query_opt};
use crate::PageCache;
use crate::Result;

#[async_trait]
impl PageCache for PgStore {
    async fn cached_page(&self, url: &str) -> Result<Option<(i64, String)>> {
        let c = self.client().await?;
        let row =
            query_opt(&c, "SELECT fetched_at, data FROM pages WHERE md5(url) = md5($1) AND url = $1", &[&url]).await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    async fn put_cached_page(&self, url: &str, fetched_at_unix: i64, data: &str) -> Result<()> {
        let c = self.client().await?;
        exec(
            &c,
            "INSERT INTO pages (url, fetched_at, data) VALUES ($1, $2, $3)
             ON CONFLICT ((md5(url))) DO UPDATE SET fetched_at = excluded.fetched_at, data = excluded.data
             WHERE pages.url = excluded.url",
            &[&url, &fetched_at_unix, &data],
        )
        .await?;
        Ok(())
    }
}
