//! Retention rules shared by every backend: which finished work may be deleted once it is old. Done and
//! cancelled jobs go once their run is over; a run goes once it has ended and no job of it is left. Dead
//! letters stay until purged on purpose (`purge_dead`), so the runs they belong to stay too; leads and their
//! stage results (each lead's latest result per stage, not a run's) are never touched.

use crate::{Purged, Result};

/// Jobs deleted per transaction: a first purge of a long backlog never holds the writer (on SQLite, the
/// only one) for long.
pub(crate) const BATCH: i64 = 5_000;

/// The statements a purge needs, inside one of the backend's transactions.
pub(crate) trait PurgeTx {
    /// Deletes up to `limit` done or cancelled jobs last touched before `before_ms` whose run is not
    /// running (or that have none); returns how many.
    async fn delete_ended_jobs(&mut self, before_ms: i64, limit: i64) -> Result<u64>;
    /// Deletes runs not running, finished before `before` (RFC 3339), with no job left; returns how many.
    async fn delete_emptied_runs(&mut self, before: &str) -> Result<u64>;
}

/// One batch of [`Jobs::purge_done_jobs`](crate::Jobs::purge_done_jobs): jobs first, then the runs that
/// emptied. The caller repeats it, a transaction each, while [`more`] says a full batch went.
pub(crate) async fn purge_batch<T: PurgeTx>(tx: &mut T, before_ms: i64) -> Result<Purged> {
    let jobs = tx.delete_ended_jobs(before_ms, BATCH).await?;
    // Run times are whole seconds: a run counts as ended before the cut only if its second is.
    let runs = tx.delete_emptied_runs(&crate::format_unix(before_ms.div_euclid(1000))).await?;
    Ok(Purged { jobs, runs })
}

/// Whether a batch that deleted `deleted` rows may have left more.
pub(crate) fn more(deleted: u64) -> bool {
    deleted >= BATCH as u64
}
