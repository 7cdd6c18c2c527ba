//! The crawler's page cache on PostgreSQL (looked up by the URL's md5: URLs can outgrow a btree entry).

use async_trait::async_trait;

use super::{PgStore, exec, query_opt};
use crate::PageCache;
use crate::Result;
use crate::rules::retention;

#[async_trait]
impl PageCache for PgStore {
    async fn cached_page(&self, url: &str) -> Result<Option<(i64, String)>> {
        let c = self.client().await?;
        let row = query_opt(&c, sql!("cache/get"), &[&url]).await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    async fn put_cached_page(&self, url: &str, fetched_at_unix: i64, data: &str) -> Result<()> {
        let c = self.client().await?;
        exec(&c, sql!("cache/put"), &[&url, &fetched_at_unix, &data]).await?;
        Ok(())
    }

    async fn prune_cached_pages(&self, before_unix: i64) -> Result<u64> {
        let c = self.client().await?;
        let mut total = 0;
        loop {
            let n = exec(&c, sql!("cache/prune"), &[&before_unix, &retention::BATCH]).await?;
            total += n;
            if !retention::more(n) {
                return Ok(total);
            }
        }
    }
}
