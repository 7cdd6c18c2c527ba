//! The PostgreSQL backend, for many workers on many hosts sharing one queue: a `deadpool_postgres` pool,
//! migrations from `migrations/postgres/*.sql`, claims with `FOR UPDATE SKIP LOCKED`, and LISTEN/NOTIFY
//! behind `job_signal`. Semantics follow the SQLite backend exactly (decisions, states, error texts, order).
//!
//! Connections are plain TCP or Unix socket (`NoTls`): TLS is out of scope, so keep the server on a private
//! network or a local socket.

mod api_keys;
mod jobs;
mod leads;
mod listen;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use leadsmith_core::{LeadId, LeadRecord};
use tokio::sync::{oneshot, watch};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, NoTls, Row};

use crate::error::describe_pg;
use crate::{
    ApiKey, Completion, ImportOutcome, ImportRow, Job, JobState, KindCounts, KindStats, LeadFilter, LeadSummary,
    NewApiKey, NewJob, NewStageResult, Result, RunInfo, Schedule, SourceRow, StageResult, Store, StoreError,
};

/// Migrations in order; the index + 1 is the schema version (the same numbering as SQLite's).
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_runs_schedules.sql"),
    include_str!("../../migrations/postgres/0003_api_keys.sql"),
    include_str!("../../migrations/postgres/0004_soft_delete.sql"),
];

const POOL_SIZE: usize = 16;

/// The PostgreSQL store. Cheap to clone; all clones share one pool and one listener.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// `host:port` for error messages: never the URL, which may hold a password.
    target: String,
    signal: Arc<watch::Sender<u64>>,
    /// Dropped with the last clone, which ends the listener task.
    _stop_listener: oneshot::Sender<()>,
    /// When this process last returned expired leases to the queue (unix ms).
    last_sweep_ms: std::sync::atomic::AtomicI64,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db?options=-csearch_path%3Dschema`; the search path's
    /// first schema holds the tables), applies pending migrations and starts the job listener. Up to 16
    /// pooled connections plus the listener's; connecting gives up after 10 s unless the URL sets
    /// `connect_timeout`.
    pub async fn connect(url: &str) -> Result<Self> {
        let config = parse_config(url)?;
        let target = describe_target(&config);
        let manager =
            Manager::from_config(config.clone(), NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Pool(format!("PostgreSQL pool for {target}: {e}")))?;
        {
            let mut client = pool.get().await.map_err(|e| pool_error(&target, e))?;
            migrate(&mut client).await?;
        }
        let signal = Arc::new(watch::channel(0).0);
        // Listening before `connect` returns: a caller that subscribes next misses nothing.
        let listener = listen::connect(&config, &signal)
            .await
            .map_err(|e| StoreError::Pool(format!("connecting to PostgreSQL at {target}: {e}")))?;
        let (stop_tx, stop_rx) = oneshot::channel();
        tokio::spawn(listen::run(config, signal.clone(), listener, stop_rx));
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                target,
                signal,
                _stop_listener: stop_tx,
                last_sweep_ms: std::sync::atomic::AtomicI64::new(0),
            }),
        })
    }

    async fn client(&self) -> Result<Object> {
        self.inner.pool.get().await.map_err(|e| pool_error(&self.inner.target, e))
    }

    /// Wakes this process's waiters at once; other processes hear the NOTIFY sent in the transaction.
    fn bump(&self) {
        self.inner.signal.send_modify(|n| *n += 1);
    }

    /// The claim's row-picking `SELECT` (parameters: `$1` now, `$2` limit, then the kind or kinds and the
    /// run id when filtered on), so tests can check its plan.
    #[doc(hidden)]
    pub fn claim_pick_sql(kinds: usize, by_run: bool) -> String {
        jobs::pick_sql(kinds, by_run)
    }
}

pub(crate) fn parse_config(url: &str) -> Result<Config> {
    let mut config =
        Config::from_str(url).map_err(|e| StoreError::Pool(format!("invalid PostgreSQL URL: {}", describe_pg(&e))))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(config)
}

/// The hosts and ports `config` connects to, for messages.
pub(crate) fn describe_target(config: &Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                tokio_postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect();
    if hosts.is_empty() { "localhost:5432".into() } else { hosts.join(",") }
}

fn pool_error(target: &str, e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => StoreError::Pool(format!("connecting to PostgreSQL at {target}: {}", describe_pg(&e))),
        other => StoreError::Pool(format!("PostgreSQL connection pool for {target}: {other}")),
    }
}

/// Applies pending migrations in one transaction under an advisory lock (per schema), so many workers
/// starting at once apply each migration exactly once and the others wait, then see it applied.
async fn migrate(client: &mut Object) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('leadsmith_migrations:' || coalesce(current_schema(), '')))",
        &[],
    )
    .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS leadsmith_migrations (version INT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .await?;
    let current: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM leadsmith_migrations", &[]).await?.get(0);
    let supported = MIGRATIONS.len() as i64;
    if i64::from(current) > supported {
        return Err(StoreError::SchemaTooNew { found: current.into(), supported });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = (i + 1) as i32;
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO leadsmith_migrations (version, applied_at) VALUES ($1, $2)",
            &[&version, &crate::now_rfc3339()],
        )
        .await?;
        tracing::info!(version, "applied store migration");
    }
    tx.commit().await?;
    Ok(())
}

// ---- small helpers: prepared statements are cached per pooled connection ----

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub(crate) async fn exec<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<u64> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.execute(&stmt, params).await?)
}

pub(crate) async fn query<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query(&stmt, params).await?)
}

pub(crate) async fn query_opt<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&stmt, params).await?)
}

pub(crate) async fn query_one<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<Row> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_one(&stmt, params).await?)
}

/// Queues the NOTIFY that wakes every process's idle workers when the transaction commits.
pub(crate) async fn notify<C: GenericClient>(c: &C) -> Result<()> {
    exec(c, listen::NOTIFY_SQL, &[]).await.map(drop)
}

pub(crate) fn json_value<T: serde::de::DeserializeOwned>(value: serde_json::Value, what: &'static str) -> Result<T> {
    serde_json::from_value(value).map_err(|source| StoreError::Json { what, source })
}

/// A `usize` limit as a SQL `BIGINT`.
pub(crate) fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

const SCHEDULE_COLUMNS: &str = "name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at";

fn schedule_from_row(r: &Row) -> Result<Schedule> {
    Ok(Schedule {
        name: r.get(0),
        spec: r.get(1),
        command: json_value(r.get(2), "schedule command")?,
        catch_up: r.get(3),
        paused: r.get(4),
        next_fire_ms: r.get(5),
        last_fired_ms: r.get(6),
        created_at: r.get(7),
    })
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn schema_version(&self) -> Result<i64> {
        let c = self.client().await?;
        Ok(query_one(&c, "SELECT count(*) FROM leadsmith_migrations", &[]).await?.get(0))
    }

    fn job_signal(&self) -> watch::Receiver<u64> {
        self.inner.signal.subscribe()
    }

    async fn import_rows(&self, source: &str, rows: Vec<ImportRow>, dry_run: bool) -> Result<ImportOutcome> {
        let mut c = self.client().await?;
        leads::import_rows(&mut c, source, rows, dry_run).await
    }

    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>> {
        let c = self.client().await?;
        leads::lead_where(&c, "id = $1 AND deleted_at IS NULL", &[&id]).await
    }

    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>> {
        let c = self.client().await?;
        let domain = domain.to_ascii_lowercase();
        leads::lead_where(&c, "domain = $1 AND deleted_at IS NULL ORDER BY id", &[&domain]).await
    }

    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>> {
        let c = self.client().await?;
        leads::lead_sources(&c, id).await
    }

    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
        let c = self.client().await?;
        leads::list_leads(&c, filter).await
    }

    async fn count_leads(&self) -> Result<u64> {
        let c = self.client().await?;
        Ok(query_one(&c, "SELECT count(*) FROM leads WHERE deleted_at IS NULL", &[]).await?.get::<_, i64>(0) as u64)
    }

    async fn delete_lead(&self, id: LeadId) -> Result<bool> {
        let mut c = self.client().await?;
        leads::delete_lead(&mut c, id).await
    }

    async fn lead_jobs(&self, lead: LeadId) -> Result<Vec<Job>> {
        let c = self.client().await?;
        jobs::jobs_where(&c, "lead_id = $1 ORDER BY id", &[&lead]).await
    }

    async fn stage_result(&self, lead: LeadId, stage: &str) -> Result<Option<StageResult>> {
        let c = self.client().await?;
        Ok(leads::stage_results(&c, lead, Some(stage)).await?.into_iter().next())
    }

    async fn stage_results(&self, lead: LeadId) -> Result<Vec<StageResult>> {
        let c = self.client().await?;
        leads::stage_results(&c, lead, None).await
    }

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

    async fn create_run(&self, source: &str, params: &serde_json::Value, key: Option<&str>) -> Result<i64> {
        let c = self.client().await?;
        let created = query_opt(
            &c,
            "INSERT INTO runs (source, params, status, created_at, key) VALUES ($1, $2, 'running', $3, $4)
             ON CONFLICT (key) DO NOTHING RETURNING id",
            &[&source, params, &crate::now_rfc3339(), &key],
        )
        .await?;
        match created {
            Some(row) => Ok(row.get(0)),
            // Only a key can conflict; the insert waited for the other transaction, so its row is visible.
            None => Ok(query_one(&c, "SELECT id FROM runs WHERE key = $1", &[&key]).await?.get(0)),
        }
    }

    async fn run(&self, id: i64) -> Result<Option<RunInfo>> {
        let c = self.client().await?;
        jobs::run_where(&c, "id = $1", &[&id]).await
    }

    async fn latest_run_for_source(&self, source: &str) -> Result<Option<RunInfo>> {
        let c = self.client().await?;
        jobs::run_where(&c, "source = $1 ORDER BY id DESC LIMIT 1", &[&source]).await
    }

    async fn list_runs(&self, limit: usize) -> Result<Vec<RunInfo>> {
        let c = self.client().await?;
        jobs::list_runs(&c, limit).await
    }

    async fn finish_run_if_done(&self, id: i64) -> Result<Option<RunInfo>> {
        let mut c = self.client().await?;
        jobs::finish_run_if_done(&mut c, id).await
    }

    async fn cancel_run(&self, id: i64) -> Result<Option<RunInfo>> {
        let mut c = self.client().await?;
        jobs::cancel_run(&mut c, id).await
    }

    async fn enqueue(&self, job: NewJob) -> Result<Option<i64>> {
        let c = self.client().await?;
        // One statement, one round trip: the insert and its notification commit together.
        let id = jobs::enqueue_notify(&c, &job, crate::now_ms()).await?;
        if id.is_some() {
            self.bump();
        }
        Ok(id)
    }

    async fn enqueue_many(&self, batch: Vec<NewJob>) -> Result<u64> {
        if batch.is_empty() {
            return Ok(0);
        }
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = jobs::enqueue_many(&tx, &batch, crate::now_ms()).await?;
        if n > 0 {
            notify(&tx).await?;
        }
        tx.commit().await?;
        if n > 0 {
            self.bump();
        }
        Ok(n)
    }

    async fn claim(
        &self,
        worker: &str,
        kinds: &[String],
        run_id: Option<i64>,
        limit: usize,
        lease_ms: i64,
    ) -> Result<Vec<Job>> {
        use std::sync::atomic::Ordering;
        let c = self.client().await?;
        let now = crate::now_ms();
        // Expired leases are at least a lease old, so looking for them once a second is plenty on a busy
        // queue; each claim is then a single statement. When the queue looks empty they are looked for at
        // once, so a redelivery never waits for the next second.
        let swept_first = now - self.inner.last_sweep_ms.load(Ordering::Relaxed) >= 1_000;
        if swept_first {
            self.inner.last_sweep_ms.store(now, Ordering::Relaxed);
            jobs::sweep_expired(&c, now).await?;
        }
        let mut claimed = jobs::claim(&c, worker, kinds, run_id, limit, lease_ms, now).await?;
        if claimed.len() < limit && !swept_first && jobs::sweep_expired(&c, now).await? > 0 {
            claimed.extend(jobs::claim(&c, worker, kinds, run_id, limit - claimed.len(), lease_ms, now).await?);
            jobs::sort_claimed(&mut claimed);
        }
        Ok(claimed)
    }

    async fn heartbeat(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let c = self.client().await?;
        let now = crate::now_ms();
        let n = exec(
            &c,
            "UPDATE jobs SET lease_until = $1, updated_at = $2 WHERE id = $3 AND worker = $4 AND state = 'running'",
            &[&(now + lease_ms), &now, &job_id, &worker],
        )
        .await?;
        Ok(n == 1)
    }

    async fn complete(
        &self,
        job_id: i64,
        worker: &str,
        results: Vec<NewStageResult>,
        follow_ups: Vec<NewJob>,
    ) -> Result<()> {
        self.complete_many(worker, vec![Completion { job_id, results, follow_ups }]).await
    }

    async fn complete_many(&self, worker: &str, done: Vec<Completion>) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let mut c = self.client().await?;
        if jobs::complete(&mut c, worker, done).await? {
            self.bump();
        }
        Ok(())
    }

    async fn fail(&self, job_id: i64, worker: &str, error: &str, retry_at_ms: Option<i64>) -> Result<JobState> {
        let mut c = self.client().await?;
        jobs::fail(&mut c, job_id, worker, error, retry_at_ms).await
    }

    async fn release(&self, job_id: i64, worker: &str) -> Result<()> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = exec(
            &tx,
            "UPDATE jobs SET state = 'ready', attempts = greatest(attempts - 1, 0), lease_until = NULL, worker = NULL,
             updated_at = $1 WHERE id = $2 AND worker = $3 AND state = 'running'",
            &[&crate::now_ms(), &job_id, &worker],
        )
        .await?;
        if n > 0 {
            notify(&tx).await?;
        }
        tx.commit().await?;
        if n > 0 {
            self.bump();
        }
        Ok(())
    }

    async fn running_workers(&self) -> Result<Vec<String>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT DISTINCT worker COLLATE \"C\" FROM jobs WHERE state = 'running' AND worker IS NOT NULL ORDER BY 1",
            &[],
        )
        .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn recover_jobs(&self, dead_workers: Vec<String>) -> Result<u64> {
        if dead_workers.is_empty() {
            return Ok(0);
        }
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // The crashed attempt still counts: a job that crashes its worker every time must not loop forever.
        let n = exec(
            &tx,
            "UPDATE jobs SET state = 'ready', lease_until = NULL, worker = NULL, run_at = $1,
                    errors = errors || to_jsonb('worker ' || worker || ' died during attempt ' || attempts),
                    updated_at = $1
             WHERE state = 'running' AND worker = ANY($2)",
            &[&crate::now_ms(), &dead_workers],
        )
        .await?;
        if n > 0 {
            notify(&tx).await?;
        }
        tx.commit().await?;
        if n > 0 {
            self.bump();
        }
        Ok(n)
    }

    async fn job(&self, id: i64) -> Result<Option<Job>> {
        let c = self.client().await?;
        Ok(jobs::jobs_where(&c, "id = $1", &[&id]).await?.into_iter().next())
    }

    async fn queue_counts(&self, run_id: Option<i64>) -> Result<Vec<KindCounts>> {
        let c = self.client().await?;
        jobs::counts(&c, run_id).await
    }

    async fn dead_jobs(&self, limit: usize) -> Result<Vec<Job>> {
        let c = self.client().await?;
        jobs::jobs_where(&c, "state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT $1", &[&sql_limit(limit)]).await
    }

    async fn queue_stats(&self) -> Result<Vec<KindStats>> {
        let c = self.client().await?;
        jobs::stats(&c, crate::now_ms()).await
    }

    async fn redrive(&self, ids: Option<Vec<i64>>, kind: Option<String>) -> Result<u64> {
        let mut c = self.client().await?;
        let n = jobs::redrive(&mut c, ids, kind, crate::now_ms()).await?;
        if n > 0 {
            self.bump();
        }
        Ok(n)
    }

    async fn purge_dead(&self, before_ms: Option<i64>) -> Result<u64> {
        let c = self.client().await?;
        match before_ms {
            Some(before) => exec(&c, "DELETE FROM jobs WHERE state = 'dead' AND updated_at < $1", &[&before]).await,
            None => exec(&c, "DELETE FROM jobs WHERE state = 'dead'", &[]).await,
        }
    }

    async fn add_schedule(&self, schedule: Schedule) -> Result<bool> {
        let c = self.client().await?;
        let command = serde_json::to_value(&schedule.command).expect("strings serialise");
        let n = exec(
            &c,
            "INSERT INTO schedules (name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING",
            &[
                &schedule.name,
                &schedule.spec,
                &command,
                &schedule.catch_up,
                &schedule.paused,
                &schedule.next_fire_ms,
                &schedule.last_fired_ms,
                &schedule.created_at,
            ],
        )
        .await?;
        Ok(n == 1)
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        let c = self.client().await?;
        let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM schedules ORDER BY name COLLATE \"C\"");
        query(&c, &sql, &[]).await?.iter().map(schedule_from_row).collect()
    }

    async fn remove_schedule(&self, name: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(&c, "DELETE FROM schedules WHERE name = $1", &[&name]).await? == 1)
    }

    async fn set_schedule_paused(&self, name: &str, paused: bool) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(&c, "UPDATE schedules SET paused = $1 WHERE name = $2", &[&paused, &name]).await? == 1)
    }

    async fn advance_schedule(
        &self,
        name: &str,
        expected_next_ms: i64,
        next_ms: i64,
        fire: Option<NewJob>,
    ) -> Result<bool> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // A second scheduler's UPDATE waits for the first to commit, then no longer matches `expected`.
        let n = exec(
            &tx,
            "UPDATE schedules SET next_fire_ms = $1,
                    last_fired_ms = CASE WHEN $2::boolean THEN $3::bigint ELSE last_fired_ms END
             WHERE name = $4 AND next_fire_ms = $3::bigint",
            &[&next_ms, &fire.is_some(), &expected_next_ms, &name],
        )
        .await?;
        let mut enqueued = false;
        if n == 1
            && let Some(job) = &fire
        {
            enqueued = jobs::enqueue(&tx, job, crate::now_ms()).await?.is_some();
            if enqueued {
                notify(&tx).await?;
            }
        }
        tx.commit().await?;
        if enqueued {
            self.bump();
        }
        Ok(n == 1)
    }

    async fn create_api_key(&self, new: NewApiKey) -> Result<ApiKey> {
        let c = self.client().await?;
        api_keys::create(&c, &new, crate::now_ms()).await
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        let c = self.client().await?;
        api_keys::list(&c).await
    }

    async fn revoke_api_key(&self, name_or_prefix: &str) -> Result<Option<ApiKey>> {
        let mut c = self.client().await?;
        api_keys::revoke(&mut c, name_or_prefix, crate::now_ms()).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>> {
        let c = self.client().await?;
        api_keys::by_hash(&c, hash).await
    }

    async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<()> {
        let c = self.client().await?;
        api_keys::touch(&c, id, at_ms).await
    }
}

/// Creates a fresh, empty schema on `base_url` and returns `base_url` with its search path set to it, for
/// tests that need their own database. Schemas this left behind more than two hours ago (by earlier runs
/// under the same `prefix`) are dropped on the way.
pub(crate) async fn scratch_schema_url(base_url: &str, prefix: &str) -> Result<String> {
    let prefix = prefix.to_ascii_lowercase();
    if prefix.is_empty()
        || prefix.len() > 32
        || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || prefix.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(StoreError::Pool(format!(
            "scratch schema prefix {prefix:?} must be 1-32 letters, digits or underscores, not starting with a digit"
        )));
    }
    let config = parse_config(base_url)?;
    let target = describe_target(&config);
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| StoreError::Pool(format!("connecting to PostgreSQL at {target}: {}", describe_pg(&e))))?;
    let driver = tokio::spawn(connection);
    let now = crate::now_ms() / 1000;
    let schema = format!("{prefix}_{now}_{:016x}", random_u64());
    client.batch_execute(&format!("CREATE SCHEMA \"{schema}\"")).await?;
    let old = client.query("SELECT nspname::text FROM pg_namespace", &[]).await?;
    for row in old {
        let name: String = row.get(0);
        let Some(rest) = name.strip_prefix(&prefix).and_then(|r| r.strip_prefix('_')) else { continue };
        let Some(Ok(created)) = rest.split('_').next().map(str::parse::<i64>) else { continue };
        if created < now - 2 * 3600
            && let Err(e) = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await
        {
            // Another test run may be dropping it at the same moment.
            tracing::debug!(schema = name, error = describe_pg(&e), "could not drop stale scratch schema");
        }
    }
    drop(client);
    let _ = driver.await;
    let sep = if base_url.contains('?') { '&' } else { '?' };
    Ok(format!("{base_url}{sep}options=-csearch_path%3D{schema}"))
}

/// A random number for names, from the std hasher's per-process random keys (no `rand` dependency).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    RandomState::new().hash_one((nanos, std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}
