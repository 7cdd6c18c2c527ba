//! What the store keeps, one trait per aggregate ([`Leads`], [`StageResults`], [`PageCache`], [`Runs`],
//! [`Jobs`], [`Schedules`], [`ApiKeys`]), and [`Store`], their union, which every backend implements and
//! callers hold as `Arc<dyn Store>`. Bring the traits into scope with `use leadsmith_store::prelude::*;`.
//! Implementations make each method atomic.

use async_trait::async_trait;
use leadsmith_core::{LeadId, LeadRecord};

use crate::{
    ApiKey, Completion, ImportOutcome, ImportRow, Job, JobState, KeyedRun, KindCounts, KindStats, LeadExport,
    LeadFilter, LeadSummary, NewApiKey, NewJob, NewStageResult, Purged, Result, RunInfo, Schedule, SourceRow,
    StageResult, StreamRow, StreamedImport,
};

/// Everything leadsmith keeps: every aggregate, on one backend.
#[async_trait]
pub trait Store: Leads + StageResults + PageCache + Runs + Jobs + Schedules + ApiKeys + Send + Sync + 'static {
    /// Which backend this is (`sqlite`, `postgres`), for status output.
    fn backend(&self) -> &'static str;

    /// The schema version (number of applied migrations).
    async fn schema_version(&self) -> Result<i64>;
}

/// Leads: import and dedupe, reads, their source rows, the listing, soft delete.
#[async_trait]
pub trait Leads: Send + Sync {
    /// Imports a batch of parsed rows in one transaction: each row becomes a new lead, merges into the lead
    /// that already holds one of its keys, or is recognised as already imported. With `dry_run` nothing is
    /// written (the transaction is rolled back) but the decisions are the same.
    async fn import_rows(&self, source: &str, rows: Vec<ImportRow>, dry_run: bool) -> Result<ImportOutcome>;

    /// Imports a file's rows as they arrive on `batches`, one transaction per batch, under one import of
    /// `source`: each batch's decisions are sent on `decided` once it has committed, and the import's tallies
    /// grow with each batch. `crowded` are the phones and external ids that too many of the file's rows
    /// share to merge on (the caller has seen the whole file; see [`MERGE_KEY_LIMIT`](crate::MERGE_KEY_LIMIT)).
    /// A crash loses at most the batch in flight: rows already committed are recognised by their
    /// fingerprints when the file is imported again. With `dry_run` every batch runs in one transaction that
    /// is rolled back at the end, so later batches see earlier ones and nothing is written. Ends when
    /// `batches` closes or `decided`'s receiver is dropped. The leads are then
    /// [`import_lead_ids`](Leads::import_lead_ids).
    async fn import_stream(
        &self,
        source: &str,
        crowded: Vec<String>,
        batches: tokio::sync::mpsc::Receiver<Vec<StreamRow>>,
        decided: tokio::sync::mpsc::Sender<Vec<crate::RowDecision>>,
        dry_run: bool,
    ) -> Result<StreamedImport>;
    /// The leads of streamed import `import_id`, by id, the first `limit` after `after`.
    async fn import_lead_ids(&self, import_id: i64, after: LeadId, limit: usize) -> Result<Vec<LeadId>>;

    /// The lead, `None` when there is none or it is deleted. Importing a row that merges into a deleted lead
    /// (or that it already holds) restores the lead.
    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>>;
    /// The first lead with this domain that is not deleted.
    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>>;
    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>>;
    /// Leads that pass `filter`, with their latest score and crawl status, in the listing order: best score
    /// first, gated (tier `FAILED`) below every tiered lead, unscored last (see [`LeadCursor`](crate::LeadCursor)).
    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>>;
    /// Every lead `filter` selects, in the listing order, with its stage results and source rows, sent on
    /// `out` as it is read; returns how many were sent. One query walks the whole listing (keyset pages of
    /// [`list_leads`](Leads::list_leads) would sort it again for every page), and the bounded channel keeps
    /// memory flat however many leads there are. Stops early, without an error, when `out`'s receiver is
    /// dropped. On SQLite the store's connection is held until the walk ends.
    async fn stream_leads(&self, filter: &LeadFilter, out: tokio::sync::mpsc::Sender<LeadExport>) -> Result<u64>;
    /// Leads that are not deleted.
    async fn count_leads(&self) -> Result<u64>;
    /// Soft-deletes a lead: it disappears from [`lead`](Leads::lead), [`lead_by_domain`](Leads::lead_by_domain),
    /// [`list_leads`](Leads::list_leads) (unless [`LeadFilter::include_deleted`]) and
    /// [`count_leads`](Leads::count_leads); its data stays. Its jobs that are still ready (not running) become
    /// cancelled (a run left with nothing to do is finished). `Ok(false)` when there is no such lead or it is
    /// already deleted.
    async fn delete_lead(&self, id: LeadId) -> Result<bool>;
    /// Records `website` as the lead's website when it has none (a lead found through its email's domain,
    /// whose home page was then crawled); a website the lead has is never replaced. `Ok(false)` when nothing
    /// changed.
    async fn fill_website(&self, id: LeadId, website: &str) -> Result<bool>;
}

/// Each lead's latest result per stage, written by [`Jobs::complete`].
#[async_trait]
pub trait StageResults: Send + Sync {
    async fn stage_result(&self, lead: LeadId, stage: &str) -> Result<Option<StageResult>>;
    async fn stage_results(&self, lead: LeadId) -> Result<Vec<StageResult>>;
}

/// The crawler's page cache, by URL.
#[async_trait]
pub trait PageCache: Send + Sync {
    async fn cached_page(&self, url: &str) -> Result<Option<(i64, String)>>;
    async fn put_cached_page(&self, url: &str, fetched_at_unix: i64, data: &str) -> Result<()>;
    /// Deletes pages fetched before `before_unix` (seconds); returns how many. Batched, so a long backlog
    /// never holds the database for long.
    async fn prune_cached_pages(&self, before_unix: i64) -> Result<u64>;
}

/// Runs: the jobs one request started, and their final status.
#[async_trait]
pub trait Runs: Send + Sync {
    /// Creates a run in status `running`. With a `key` (a schedule's slot, a client's idempotency key) the
    /// run is created at most once: a second call with the same key returns the first run's id.
    async fn create_run(&self, source: &str, params: &serde_json::Value, key: Option<&str>) -> Result<i64>;
    /// Creates a run under a client's idempotency `key` with the request's `fingerprint` (a hash of what it
    /// asked for), at most once: a later call with the key creates nothing and returns the first run with
    /// the fingerprint it was created with, so the caller can tell a retry from a reused key.
    async fn create_keyed_run(
        &self,
        source: &str,
        params: &serde_json::Value,
        key: &str,
        fingerprint: &str,
    ) -> Result<KeyedRun>;
    async fn run(&self, id: i64) -> Result<Option<RunInfo>>;
    async fn latest_run_for_source(&self, source: &str) -> Result<Option<RunInfo>>;
    /// Runs, newest first.
    async fn list_runs(&self, limit: usize) -> Result<Vec<RunInfo>>;
    /// Sets the run's final status once no job of it is ready or running; returns the run. Every
    /// transaction that ends jobs (completion, dead letters, cancelled jobs of a deleted lead) already does
    /// this for their runs, so this is for runs that may have no jobs (an empty selection) and for repairs.
    async fn finish_run_if_done(&self, id: i64) -> Result<Option<RunInfo>>;
    /// Cancels a running run: its ready jobs become `cancelled`, running jobs finish but enqueue no
    /// follow-ups, and the run's status is `cancelled`. A run that already ended is returned unchanged.
    async fn cancel_run(&self, id: i64) -> Result<Option<RunInfo>>;
}

/// The job table: the queue's storage. The queue crate decides retries and dead-lettering; this makes each
/// transition atomic.
#[async_trait]
pub trait Jobs: Send + Sync {
    /// A counter bumped whenever a job may have become claimable (enqueued, released, redriven), by any
    /// process on backends that can notify (PostgreSQL LISTEN/NOTIFY), by this process otherwise. Idle
    /// workers wait on it instead of busy polling; subscribe before claiming so no signal is missed.
    fn job_signal(&self) -> tokio::sync::watch::Receiver<u64>;

    /// Inserts the job unless one with the same unique key exists; returns the new id or `None`.
    async fn enqueue(&self, job: NewJob) -> Result<Option<i64>>;
    /// Inserts many jobs in one transaction (jobs whose unique key exists are skipped); returns how many
    /// were inserted. For bulk producers: one commit instead of one per job.
    async fn enqueue_many(&self, jobs: Vec<NewJob>) -> Result<u64>;
    /// Claims up to `limit` due jobs of the given kinds (all kinds when empty; only run `run_id` when set)
    /// for `worker`, leasing them until `now + lease_ms`. A running job whose lease expired is claimable
    /// again (at-least-once); one that has used all its attempts that way is dead-lettered instead.
    async fn claim(
        &self,
        worker: &str,
        kinds: &[String],
        run_id: Option<i64>,
        limit: usize,
        lease_ms: i64,
    ) -> Result<Vec<Job>>;
    async fn heartbeat(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool>;
    /// In one transaction: writes the stage results, enqueues follow-up jobs, marks the job done and, if it
    /// was its run's last open job, gives the run its final status.
    async fn complete(
        &self,
        job_id: i64,
        worker: &str,
        results: Vec<NewStageResult>,
        follow_ups: Vec<NewJob>,
    ) -> Result<()> {
        self.complete_many(worker, vec![Completion { job_id, results, follow_ups }]).await
    }
    /// [`complete`](Jobs::complete) for many jobs in one transaction: a busy worker acknowledges its
    /// finished jobs together, one commit for the lot. Each job's effects are as `complete` would make them.
    async fn complete_many(&self, worker: &str, done: Vec<Completion>) -> Result<()>;
    /// Records a failed attempt: back to ready at `retry_at_ms`, or dead with its error history when `None`
    /// (finishing its run if that was the run's last open job).
    async fn fail(&self, job_id: i64, worker: &str, error: &str, retry_at_ms: Option<i64>) -> Result<JobState>;
    /// Gives a claimed job back untouched (graceful shutdown): ready again, the attempt not counted.
    async fn release(&self, job_id: i64, worker: &str) -> Result<()>;
    /// Gives back every running job leased to `worker` except those in `held`, the attempts not counted: a
    /// claim can commit while its answer is lost with the connection, leaving jobs leased to a worker that
    /// never saw them. Returns how many went back.
    async fn release_unheld(&self, worker: &str, held: Vec<i64>) -> Result<u64>;
    /// The workers currently holding running jobs.
    async fn running_workers(&self) -> Result<Vec<String>>;
    /// Makes the running jobs of workers known to be gone claimable again at once (crash recovery on
    /// restart, without waiting for the lease); the crashed attempt counts, and a job that has used its
    /// `max_attempts` is dead-lettered ("worker died N times") instead. Returns how many jobs it touched.
    /// Also gives runs left `running` with jobs but none ready or running their final status (even with no
    /// dead workers).
    async fn recover_jobs(&self, dead_workers: Vec<String>) -> Result<u64>;
    async fn job(&self, id: i64) -> Result<Option<Job>>;
    /// Every job ever queued for this lead, oldest first (the lead's history; jobs removed by
    /// [`purge_dead`](Jobs::purge_dead) and [`purge_done_jobs`](Jobs::purge_done_jobs) are gone).
    async fn lead_jobs(&self, lead: LeadId) -> Result<Vec<Job>>;
    async fn queue_counts(&self, run_id: Option<i64>) -> Result<Vec<KindCounts>>;
    async fn dead_jobs(&self, limit: usize) -> Result<Vec<Job>>;
    /// Per kind: ready (due now), delayed, running, done, dead, the oldest due job's age and completions
    /// in the last minute.
    async fn queue_stats(&self) -> Result<Vec<KindStats>>;
    /// Gives dead jobs another full set of attempts: the given ids, or every dead job (of `kind`, if set).
    async fn redrive(&self, ids: Option<Vec<i64>>, kind: Option<String>) -> Result<u64>;
    /// Deletes dead jobs last touched before `before_ms` (all dead jobs when `None`).
    async fn purge_dead(&self, before_ms: Option<i64>) -> Result<u64>;
    /// Retention of finished work (see `rules::retention`): deletes done and cancelled jobs last touched
    /// before `before_ms` whose run is over (or that have none), then runs that ended before it and have no
    /// job left. Dead letters (and so their runs), open jobs, running runs, leads and their stage results are
    /// kept. Batched, so a long backlog never holds the database for long.
    async fn purge_done_jobs(&self, before_ms: i64) -> Result<Purged>;
}

/// Recurring runs and their slots.
#[async_trait]
pub trait Schedules: Send + Sync {
    /// Adds a schedule; `false` when one with that name exists.
    async fn add_schedule(&self, schedule: Schedule) -> Result<bool>;
    /// All schedules by name.
    async fn schedules(&self) -> Result<Vec<Schedule>>;
    async fn remove_schedule(&self, name: &str) -> Result<bool>;
    async fn set_schedule_paused(&self, name: &str, paused: bool) -> Result<bool>;
    /// Compare-and-set, in one transaction: if `name`'s next firing is still `expected_next_ms`, moves it to
    /// `next_ms` and enqueues `fire` (when given: the slot fires; `None`: the slot is skipped) and returns
    /// `true`. Returns `false` when another process advanced it first, so each slot fires at most once
    /// however many schedulers run.
    async fn advance_schedule(
        &self,
        name: &str,
        expected_next_ms: i64,
        next_ms: i64,
        fire: Option<NewJob>,
    ) -> Result<bool>;
}

/// API keys (see the [`api_keys`](crate::api_keys) module: only hashes are stored, and the policy that
/// decides whether a presented key may do something lives there, not here).
#[async_trait]
pub trait ApiKeys: Send + Sync {
    /// Stores a new key (after [`NewApiKey::validate`]); fails with
    /// [`StoreError::ApiKeyNameTaken`](crate::StoreError::ApiKeyNameTaken) when any key, revoked or not, has
    /// that name.
    async fn create_api_key(&self, new: NewApiKey) -> Result<ApiKey>;
    /// All keys, revoked and expired ones included, newest first.
    async fn api_keys(&self) -> Result<Vec<ApiKey>>;
    /// Revokes the key with this name, or else with this prefix: returns it, `None` when none matches, or
    /// [`StoreError::AmbiguousApiKey`](crate::StoreError::AmbiguousApiKey) when several do. Revoking a revoked
    /// key changes nothing.
    async fn revoke_api_key(&self, name_or_prefix: &str) -> Result<Option<ApiKey>>;
    /// The key whose [`hash_key`](crate::hash_key) is `hash`, whatever its state: the caller decides (with
    /// [`api_keys::authorize`](crate::api_keys::authorize)) what a revoked or expired key means.
    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>>;
    /// Records a use at `at_ms` (unix ms): one indexed update, which never moves `last_used_at_ms` back.
    async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<()>;
}
