//! The embedded SQLite backend: one file in WAL mode, migrations from `migrations/sqlite/*.sql`, and
//! blocking rusqlite calls moved off the async runtime with `spawn_blocking`.

mod api_keys;
mod jobs;
mod leads;

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use leadsmith_core::{LeadId, LeadRecord};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{
    ApiKey, Completion, ImportOutcome, ImportRow, Job, JobState, KindCounts, KindStats, LeadFilter, LeadSummary,
    NewApiKey, NewJob, NewStageResult, Result, RunInfo, Schedule, SourceRow, StageResult, Store, StoreError,
};

/// Migrations in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_runs_schedules.sql"),
    include_str!("../../migrations/sqlite/0003_api_keys.sql"),
    include_str!("../../migrations/sqlite/0004_soft_delete.sql"),
];

/// The embedded store. Cheap to clone; all clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Bumped after commits that make a job claimable. SQLite has no cross-process notification, so
    /// workers in other processes fall back to their poll interval.
    jobs_signal: Arc<tokio::sync::watch::Sender<u64>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        let conn =
            Connection::open(path).map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        Self::init(conn)
    }

    /// A private in-memory database, for tests and dry runs.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL lets readers (a second `leadsmith leads list`) run while a pipeline writes.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), jobs_signal: Arc::new(tokio::sync::watch::channel(0).0) })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `f` and then signals waiting workers that jobs may be claimable.
    async fn call_and_signal<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let out = self.call(f).await?;
        self.jobs_signal.send_modify(|n| *n += 1);
        Ok(out)
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if current > supported {
        return Err(StoreError::SchemaTooNew { found: current, supported });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
        tracing::info!(version = i + 1, "applied store migration");
    }
    Ok(())
}

pub(crate) fn json_col(value: String, what: &'static str) -> Result<serde_json::Value> {
    serde_json::from_str(&value).map_err(|source| StoreError::Json { what, source })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn schema_version(&self) -> Result<i64> {
        self.call(|conn| Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)).await
    }

    fn job_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.jobs_signal.subscribe()
    }

    async fn import_rows(&self, source: &str, rows: Vec<ImportRow>, dry_run: bool) -> Result<ImportOutcome> {
        let source = source.to_string();
        self.call(move |conn| leads::import_rows(conn, &source, rows, dry_run)).await
    }

    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>> {
        self.call(move |conn| leads::lead_where(conn, "id = ?1 AND deleted_at IS NULL", params![id])).await
    }

    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>> {
        let domain = domain.to_ascii_lowercase();
        self.call(move |conn| {
            leads::lead_where(conn, "domain = ?1 AND deleted_at IS NULL ORDER BY id", params![domain])
        })
        .await
    }

    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>> {
        self.call(move |conn| leads::lead_sources(conn, id)).await
    }

    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
        let filter = filter.clone();
        self.call(move |conn| leads::list_leads(conn, &filter)).await
    }

    async fn count_leads(&self) -> Result<u64> {
        self.call(|conn| {
            Ok(conn.query_row("SELECT count(*) FROM leads WHERE deleted_at IS NULL", [], |r| r.get::<_, i64>(0))?
                as u64)
        })
        .await
    }

    async fn delete_lead(&self, id: LeadId) -> Result<bool> {
        self.call(move |conn| leads::delete_lead(conn, id)).await
    }

    async fn lead_jobs(&self, lead: LeadId) -> Result<Vec<Job>> {
        self.call(move |conn| jobs::for_lead(conn, lead)).await
    }

    async fn stage_result(&self, lead: LeadId, stage: &str) -> Result<Option<StageResult>> {
        let stage = stage.to_string();
        self.call(move |conn| Ok(leads::stage_results(conn, lead, Some(&stage))?.into_iter().next())).await
    }

    async fn stage_results(&self, lead: LeadId) -> Result<Vec<StageResult>> {
        self.call(move |conn| leads::stage_results(conn, lead, None)).await
    }

    async fn cached_page(&self, url: &str) -> Result<Option<(i64, String)>> {
        let url = url.to_string();
        self.call(move |conn| {
            Ok(conn
                .query_row("SELECT fetched_at, data FROM pages WHERE url = ?1", [url], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?)
        })
        .await
    }

    async fn put_cached_page(&self, url: &str, fetched_at_unix: i64, data: &str) -> Result<()> {
        let (url, data) = (url.to_string(), data.to_string());
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO pages (url, fetched_at, data) VALUES (?1, ?2, ?3)
                 ON CONFLICT(url) DO UPDATE SET fetched_at = excluded.fetched_at, data = excluded.data",
                params![url, fetched_at_unix, data],
            )?;
            Ok(())
        })
        .await
    }

    async fn create_run(&self, source: &str, params_json: &serde_json::Value, key: Option<&str>) -> Result<i64> {
        let (source, params_text, key) = (source.to_string(), params_json.to_string(), key.map(str::to_string));
        self.call(move |conn| {
            let n = conn.execute(
                "INSERT INTO runs (source, params, status, created_at, key) VALUES (?1, ?2, 'running', ?3, ?4)
                 ON CONFLICT(key) DO NOTHING",
                params![source, params_text, crate::now_rfc3339(), key],
            )?;
            if n == 1 {
                return Ok(conn.last_insert_rowid());
            }
            Ok(conn.query_row("SELECT id FROM runs WHERE key = ?1", [key], |r| r.get(0))?)
        })
        .await
    }

    async fn cancel_run(&self, id: i64) -> Result<Option<RunInfo>> {
        self.call(move |conn| jobs::cancel_run(conn, id)).await
    }

    async fn run(&self, id: i64) -> Result<Option<RunInfo>> {
        self.call(move |conn| jobs::run_where(conn, "id = ?1", params![id])).await
    }

    async fn latest_run_for_source(&self, source: &str) -> Result<Option<RunInfo>> {
        let source = source.to_string();
        self.call(move |conn| jobs::run_where(conn, "source = ?1 ORDER BY id DESC LIMIT 1", params![source])).await
    }

    async fn list_runs(&self, limit: usize) -> Result<Vec<RunInfo>> {
        self.call(move |conn| jobs::list_runs(conn, limit)).await
    }

    async fn finish_run_if_done(&self, id: i64) -> Result<Option<RunInfo>> {
        self.call(move |conn| jobs::finish_run_if_done(conn, id)).await
    }

    async fn enqueue(&self, job: NewJob) -> Result<Option<i64>> {
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let id = jobs::enqueue(&tx, &job, crate::now_ms())?;
            tx.commit()?;
            Ok(id)
        })
        .await
    }

    async fn enqueue_many(&self, jobs: Vec<NewJob>) -> Result<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let now = crate::now_ms();
            let mut n = 0;
            for job in &jobs {
                n += u64::from(jobs::enqueue(&tx, job, now)?.is_some());
            }
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    async fn claim(
        &self,
        worker: &str,
        kinds: &[String],
        run_id: Option<i64>,
        limit: usize,
        lease_ms: i64,
    ) -> Result<Vec<Job>> {
        let (worker, kinds) = (worker.to_string(), kinds.to_vec());
        self.call(move |conn| jobs::claim(conn, &worker, &kinds, run_id, limit, lease_ms, crate::now_ms())).await
    }

    async fn heartbeat(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let worker = worker.to_string();
        self.call(move |conn| {
            let now = crate::now_ms();
            let n = conn.execute(
                "UPDATE jobs SET lease_until = ?1, updated_at = ?2 WHERE id = ?3 AND worker = ?4 AND state = 'running'",
                params![now + lease_ms, now, job_id, worker],
            )?;
            Ok(n == 1)
        })
        .await
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
        let worker = worker.to_string();
        if done.iter().all(|d| d.follow_ups.is_empty()) {
            return self.call(move |conn| jobs::complete(conn, &worker, done)).await;
        }
        self.call_and_signal(move |conn| jobs::complete(conn, &worker, done)).await
    }

    async fn fail(&self, job_id: i64, worker: &str, error: &str, retry_at_ms: Option<i64>) -> Result<JobState> {
        let (worker, error) = (worker.to_string(), error.to_string());
        self.call(move |conn| jobs::fail(conn, job_id, &worker, &error, retry_at_ms)).await
    }

    async fn release(&self, job_id: i64, worker: &str) -> Result<()> {
        let worker = worker.to_string();
        self.call_and_signal(move |conn| {
            conn.execute(
                "UPDATE jobs SET state = 'ready', attempts = max(attempts - 1, 0), lease_until = NULL, worker = NULL,
                 updated_at = ?1 WHERE id = ?2 AND worker = ?3 AND state = 'running'",
                params![crate::now_ms(), job_id, worker],
            )?;
            Ok(())
        })
        .await
    }

    async fn running_workers(&self) -> Result<Vec<String>> {
        self.call(|conn| {
            let mut stmt =
                conn.prepare("SELECT DISTINCT worker FROM jobs WHERE state = 'running' AND worker IS NOT NULL")?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn recover_jobs(&self, dead: Vec<String>) -> Result<u64> {
        if dead.is_empty() {
            return Ok(0);
        }
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let mut n = 0;
            for w in &dead {
                // The crashed attempt still counts: a job that crashes its worker every time must not loop forever.
                n += tx.execute(
                    "UPDATE jobs SET state = 'ready', lease_until = NULL, worker = NULL, run_at = ?1,
                     errors = json_insert(errors, '$[#]', 'worker ' || worker || ' died during attempt ' || attempts),
                     updated_at = ?1 WHERE state = 'running' AND worker = ?2",
                    params![crate::now_ms(), w],
                )? as u64;
            }
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    async fn job(&self, id: i64) -> Result<Option<Job>> {
        self.call(move |conn| jobs::job(conn, id)).await
    }

    async fn queue_counts(&self, run_id: Option<i64>) -> Result<Vec<KindCounts>> {
        self.call(move |conn| jobs::counts(conn, run_id)).await
    }

    async fn dead_jobs(&self, limit: usize) -> Result<Vec<Job>> {
        self.call(move |conn| jobs::dead(conn, limit)).await
    }

    async fn queue_stats(&self) -> Result<Vec<KindStats>> {
        self.call(|conn| jobs::stats(conn, crate::now_ms())).await
    }

    async fn redrive(&self, ids: Option<Vec<i64>>, kind: Option<String>) -> Result<u64> {
        self.call_and_signal(move |conn| jobs::redrive(conn, ids, kind, crate::now_ms())).await
    }

    async fn purge_dead(&self, before_ms: Option<i64>) -> Result<u64> {
        self.call(move |conn| {
            Ok(conn.execute("DELETE FROM jobs WHERE state = 'dead' AND (?1 IS NULL OR updated_at < ?1)", [before_ms])?
                as u64)
        })
        .await
    }

    async fn add_schedule(&self, schedule: Schedule) -> Result<bool> {
        self.call(move |conn| {
            let n = conn.execute(
                "INSERT INTO schedules (name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(name) DO NOTHING",
                params![
                    schedule.name,
                    schedule.spec,
                    serde_json::to_string(&schedule.command).expect("strings serialise"),
                    schedule.catch_up,
                    schedule.paused,
                    schedule.next_fire_ms,
                    schedule.last_fired_ms,
                    schedule.created_at
                ],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn schedules(&self) -> Result<Vec<Schedule>> {
        self.call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at
                 FROM schedules ORDER BY name",
            )?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, bool>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at)| {
                    let command = serde_json::from_str(&command)
                        .map_err(|source| StoreError::Json { what: "schedule command", source })?;
                    Ok(Schedule { name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at })
                })
                .collect()
        })
        .await
    }

    async fn remove_schedule(&self, name: &str) -> Result<bool> {
        let name = name.to_string();
        self.call(move |conn| Ok(conn.execute("DELETE FROM schedules WHERE name = ?1", [name])? == 1)).await
    }

    async fn set_schedule_paused(&self, name: &str, paused: bool) -> Result<bool> {
        let name = name.to_string();
        self.call(move |conn| {
            Ok(conn.execute("UPDATE schedules SET paused = ?1 WHERE name = ?2", params![paused, name])? == 1)
        })
        .await
    }

    async fn advance_schedule(
        &self,
        name: &str,
        expected_next_ms: i64,
        next_ms: i64,
        fire: Option<NewJob>,
    ) -> Result<bool> {
        let name = name.to_string();
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let n = tx.execute(
                "UPDATE schedules SET next_fire_ms = ?1,
                        last_fired_ms = CASE WHEN ?2 THEN ?3 ELSE last_fired_ms END
                 WHERE name = ?4 AND next_fire_ms = ?3",
                params![next_ms, fire.is_some(), expected_next_ms, name],
            )?;
            if n == 1
                && let Some(job) = &fire
            {
                jobs::enqueue(&tx, job, crate::now_ms())?;
            }
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    async fn create_api_key(&self, new: NewApiKey) -> Result<ApiKey> {
        self.call(move |conn| api_keys::create(conn, &new, crate::now_ms())).await
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        self.call(|conn| api_keys::list(conn)).await
    }

    async fn revoke_api_key(&self, name_or_prefix: &str) -> Result<Option<ApiKey>> {
        let given = name_or_prefix.to_string();
        self.call(move |conn| api_keys::revoke(conn, &given, crate::now_ms())).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>> {
        let hash = hash.to_string();
        self.call(move |conn| api_keys::by_hash(conn, &hash)).await
    }

    async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<()> {
        self.call(move |conn| api_keys::touch(conn, id, at_ms)).await
    }
}
