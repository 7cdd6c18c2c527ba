//! Retention: deleting old page-cache entries and finished jobs and runs, on demand (`leadsmith cache
//! prune`, `leadsmith jobs purge`) or on a timer in every process that runs the scheduler (`[retention]`).
//! What may go is the store's rule (`Jobs::purge_done_jobs`); this only turns ages into cut-offs.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use leadsmith_store::{Purged, Store, now_ms};
use tokio::sync::watch;

use crate::config::RetentionSettings;

/// `age` in milliseconds, saturating (an age of centuries keeps everything).
fn millis(age: Duration) -> i64 {
    i64::try_from(age.as_millis()).unwrap_or(i64::MAX)
}

/// Deletes cached pages fetched more than `older_than` ago; returns how many.
pub async fn prune_cache(store: &dyn Store, older_than: Duration) -> Result<u64> {
    let before_unix = now_ms().saturating_sub(millis(older_than)).div_euclid(1000);
    Ok(store.prune_cached_pages(before_unix).await?)
}

/// Deletes done and cancelled jobs last touched more than `older_than` ago (once their run is over), and
/// runs that ended that long ago with no job left.
pub async fn purge_jobs(store: &dyn Store, older_than: Duration) -> Result<Purged> {
    Ok(store.purge_done_jobs(now_ms().saturating_sub(millis(older_than))).await?)
}

/// What one pass of [`apply`] deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub pages: u64,
    pub purged: Purged,
}

/// One pass of `[retention]`: whichever of its ages are not off.
pub async fn apply(store: &dyn Store, settings: &RetentionSettings) -> Result<Swept> {
    let mut swept = Swept::default();
    if let Some(age) = settings.cache_max_age()? {
        swept.pages = prune_cache(store, age).await?;
    }
    if let Some(age) = settings.jobs_max_age()? {
        swept.purged = purge_jobs(store, age).await?;
    }
    Ok(swept)
}

/// Applies `[retention]` at once and then every `every` until `stop`; store errors are logged and retried
/// on the next pass. Any number of processes may run it: the deletes are idempotent.
pub async fn run_retention(store: Arc<dyn Store>, settings: RetentionSettings, mut stop: watch::Receiver<bool>) {
    let every = match settings.every() {
        Ok(every) => every,
        Err(e) => return tracing::error!(error = %format!("{e:#}"), "retention is not running"),
    };
    loop {
        match apply(store.as_ref(), &settings).await {
            Ok(s) if s != Swept::default() => tracing::info!(
                pages = s.pages,
                jobs = s.purged.jobs,
                runs = s.purged.runs,
                "retention deleted old cached pages, jobs and runs"
            ),
            Ok(_) => tracing::debug!("retention found nothing old enough"),
            Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}
