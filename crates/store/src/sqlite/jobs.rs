//! The job table on SQLite: atomic enqueue, claim with lease, complete-with-results, fail/retry/dead-letter,
//! release, recovery, stats, redrive, purge and retention.

use async_trait::async_trait;
use leadsmith_core::LeadId;
use rusqlite::{Connection, OptionalExtension, Params, Transaction, params};

use super::runs::{self, SqliteFinish};
use super::{SqliteStore, json_col, results};
use crate::Jobs;
use crate::rules::{
    self,
    jobs::{Attempt, CompleteTx, ExpireTx, Held, OnFailure, RecoverTx},
    retention::{self, PurgeTx},
};
use crate::{Completion, Job, JobState, KindCounts, KindStats, NewJob, NewStageResult, Purged, Result, StoreError};

fn job_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Job, String, String)> {
    let state: String = r.get(5)?;
    Ok((
        Job {
            id: r.get(0)?,
            kind: r.get(1)?,
            lead_id: r.get(2)?,
            run_id: r.get(3)?,
            payload: serde_json::Value::Null,
            state: JobState::parse(&state).unwrap_or(JobState::Dead),
            priority: r.get(6)?,
            attempts: r.get(7)?,
            max_attempts: r.get(8)?,
            run_at_ms: r.get(9)?,
            lease_until_ms: r.get(10)?,
            worker: r.get(11)?,
            last_error: r.get(12)?,
            errors: Vec::new(),
        },
        r.get(4)?,
        r.get(13)?,
    ))
}

fn finish_job((mut job, payload, errors): (Job, String, String)) -> Result<Job> {
    job.payload = json_col(payload, "job payload")?;
    job.errors = serde_json::from_str(&errors).map_err(|source| StoreError::Json { what: "job errors", source })?;
    Ok(job)
}

/// The jobs `sql` (a select of `id, kind, lead_id, run_id, payload, state, priority, attempts, max_attempts, run_at,
/// lease_until, worker, last_error, errors`) returns.
fn jobs_by<P: Params>(conn: &Connection, sql: &str, p: P) -> Result<Vec<Job>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(p, job_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish_job).collect()
}

pub(crate) fn enqueue(tx: &Transaction<'_>, job: &NewJob, now: i64) -> Result<Option<i64>> {
    let n = tx.execute(
        sql!("jobs/insert"),
        params![
            job.kind,
            job.lead_id,
            job.run_id,
            job.payload.to_string(),
            job.unique_key,
            job.priority,
            job.max_attempts.max(1),
            job.run_at_ms.unwrap_or(now),
            now
        ],
    )?;
    Ok((n == 1).then(|| tx.last_insert_rowid()))
}

pub(crate) fn claim(
    conn: &mut Connection,
    worker: &str,
    kinds: &[String],
    run_id: Option<i64>,
    limit: usize,
    lease_ms: i64,
    now: i64,
) -> Result<Vec<Job>> {
    let tx = conn.transaction()?;
    rules::ready(rules::jobs::expire_leases(&mut SqliteExpire(&tx), &mut SqliteFinish(&tx), now))?;
    let kinds = (!kinds.is_empty()).then(|| serde_json::to_string(kinds).expect("strings serialise"));
    let args = params![worker, now + lease_ms, now, limit as i64, kinds, run_id];
    let mut claimed = {
        let mut stmt = tx.prepare_cached(sql!("jobs/claim"))?;
        let rows = stmt.query_map(args, job_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(finish_job).collect::<Result<Vec<_>>>()?
    };
    tx.commit()?;
    claimed.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.run_at_ms.cmp(&b.run_at_ms)).then(a.id.cmp(&b.id)));
    Ok(claimed)
}

/// Completes jobs in one transaction (see [`rules::jobs::complete`]); returns whether any follow-up was
/// enqueued.
fn complete(conn: &mut Connection, worker: &str, done: Vec<Completion>) -> Result<bool> {
    let tx = conn.transaction()?;
    let n = done.len();
    let enqueued =
        rules::ready(rules::jobs::complete(&mut SqliteComplete(&tx), &mut SqliteFinish(&tx), done, crate::now_ms()))?;
    tx.commit()?;
    tracing::trace!(jobs = n, worker, "jobs completed");
    Ok(enqueued)
}

/// Completion's statements on one SQLite transaction (blocking calls: see [`rules::ready`]).
struct SqliteComplete<'a>(&'a Transaction<'a>);

impl CompleteTx for SqliteComplete<'_> {
    async fn put_results(&mut self, job_id: i64, results: &[NewStageResult], stamp: &str) -> Result<()> {
        results::put(self.0, job_id, results, stamp)
    }

    async fn run_of_job(&mut self, job_id: i64) -> Result<Option<i64>> {
        let run: Option<Option<i64>> = self.0.query_row(sql!("jobs/run_of_job"), [job_id], |r| r.get(0)).optional()?;
        Ok(run.flatten())
    }

    async fn run_cancelled(&mut self, run_id: i64) -> Result<bool> {
        let cancelled = self.0.query_row(sql!("runs/is_cancelled"), [run_id], |r| r.get(0)).optional()?;
        Ok(cancelled == Some(true))
    }

    async fn enqueue(&mut self, job: &NewJob, now_ms: i64) -> Result<Option<i64>> {
        enqueue(self.0, job, now_ms)
    }

    async fn mark_done(&mut self, job_ids: &[i64], now_ms: i64) -> Result<Vec<i64>> {
        let mut stmt = self.0.prepare_cached(sql!("jobs/mark_done"))?;
        let mut runs = Vec::new();
        for id in job_ids {
            let run: Option<Option<i64>> = stmt.query_row(params![now_ms, id], |r| r.get(0)).optional()?;
            runs.extend(run.flatten());
        }
        Ok(runs)
    }
}

fn fail(conn: &mut Connection, job_id: i64, worker: &str, error: &str, retry_at_ms: Option<i64>) -> Result<JobState> {
    let tx = conn.transaction()?;
    let found = tx
        .query_row(sql!("jobs/attempt"), [job_id], |r| {
            Ok(Attempt {
                state: r.get(0)?,
                attempts: r.get(1)?,
                max_attempts: r.get(2)?,
                worker: r.get(3)?,
                run_id: r.get(4)?,
            })
        })
        .optional()?;
    let found_run = found.as_ref().and_then(|f| f.run_id);
    let decision = rules::jobs::on_failure(found, worker, error, retry_at_ms);
    let now = crate::now_ms();
    match &decision {
        OnFailure::Leave(_) => return Ok(decision.state()),
        OnFailure::Retry { at, entry } => {
            tx.execute(sql!("jobs/retry"), params![at, error, entry, now, job_id])?;
        }
        OnFailure::Bury { entry } => {
            tx.execute(sql!("jobs/bury"), params![error, entry, now, job_id])?;
            runs::finish_runs(&tx, found_run.into_iter().collect())?;
        }
    }
    tx.commit()?;
    Ok(decision.state())
}

pub(crate) fn job(conn: &Connection, id: i64) -> Result<Option<Job>> {
    Ok(jobs_by(conn, sql!("jobs/by_id"), [id])?.into_iter().next())
}

/// Every job of `lead`, oldest first.
pub(crate) fn for_lead(conn: &Connection, lead: i64) -> Result<Vec<Job>> {
    jobs_by(conn, sql!("jobs/of_lead"), [lead])
}

pub(crate) fn dead(conn: &Connection, limit: usize) -> Result<Vec<Job>> {
    jobs_by(conn, sql!("jobs/dead"), [limit as i64])
}

pub(crate) fn counts(conn: &Connection, run_id: Option<i64>) -> Result<Vec<KindCounts>> {
    let mut stmt = conn.prepare(sql!("jobs/counts"))?;
    let rows = stmt
        .query_map([run_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)? as u64, r.get::<_, i64>(3)? as u64))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out: Vec<KindCounts> = Vec::new();
    for (kind, state, n, failed) in rows {
        if out.last().is_none_or(|k| k.kind != kind) {
            out.push(KindCounts { kind: kind.clone(), ..Default::default() });
        }
        let k = out.last_mut().expect("pushed above");
        k.failed += failed;
        match state.as_str() {
            "ready" => k.ready = n,
            "running" => k.running = n,
            "done" => k.done = n,
            "cancelled" => k.cancelled = n,
            _ => k.dead = n,
        }
    }
    Ok(out)
}

pub(crate) fn stats(conn: &Connection, now: i64) -> Result<Vec<KindStats>> {
    let mut stmt = conn.prepare(sql!("jobs/stats"))?;
    let rows = stmt
        .query_map([now], |r| {
            let oldest: Option<i64> = r.get(6)?;
            Ok(KindStats {
                kind: r.get(0)?,
                ready: r.get::<_, i64>(1)? as u64,
                delayed: r.get::<_, i64>(2)? as u64,
                running: r.get::<_, i64>(3)? as u64,
                done: r.get::<_, i64>(4)? as u64,
                dead: r.get::<_, i64>(5)? as u64,
                oldest_ready_age_ms: oldest.map(|t| now - t),
                completed_last_minute: r.get::<_, i64>(7)? as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn redrive(conn: &mut Connection, ids: Option<Vec<i64>>, kind: Option<String>, now: i64) -> Result<u64> {
    let tx = conn.transaction()?;
    let sql = sql!("jobs/redrive");
    let n = match ids {
        Some(ids) => {
            let mut n = 0;
            for id in ids {
                n += tx.execute(sql, params![now, kind, id])?;
            }
            n
        }
        None => tx.execute(sql, params![now, kind, Option::<i64>::None])?,
    };
    // A run that had finished with errors is open again while its redriven jobs run.
    tx.execute(sql!("runs/reopen_redriven"), [])?;
    tx.commit()?;
    Ok(n as u64)
}

#[async_trait]
impl Jobs for SqliteStore {
    fn job_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.jobs_signal.subscribe()
    }

    async fn lead_jobs(&self, lead: LeadId) -> Result<Vec<Job>> {
        self.call(move |conn| for_lead(conn, lead)).await
    }

    async fn enqueue(&self, job: NewJob) -> Result<Option<i64>> {
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let id = enqueue(&tx, &job, crate::now_ms())?;
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
                n += u64::from(enqueue(&tx, job, now)?.is_some());
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
        self.call(move |conn| claim(conn, &worker, &kinds, run_id, limit, lease_ms, crate::now_ms())).await
    }

    async fn heartbeat(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let worker = worker.to_string();
        self.call(move |conn| {
            let now = crate::now_ms();
            let n = conn.execute(sql!("jobs/heartbeat"), params![now + lease_ms, now, job_id, worker])?;
            Ok(n == 1)
        })
        .await
    }

    async fn complete_many(&self, worker: &str, done: Vec<Completion>) -> Result<()> {
        let worker = worker.to_string();
        if self.call(move |conn| complete(conn, &worker, done)).await? {
            self.jobs_signal.send_modify(|n| *n += 1);
        }
        Ok(())
    }

    async fn fail(&self, job_id: i64, worker: &str, error: &str, retry_at_ms: Option<i64>) -> Result<JobState> {
        let (worker, error) = (worker.to_string(), error.to_string());
        self.call(move |conn| fail(conn, job_id, &worker, &error, retry_at_ms)).await
    }

    async fn release(&self, job_id: i64, worker: &str) -> Result<()> {
        let worker = worker.to_string();
        self.call_and_signal(move |conn| {
            conn.execute(sql!("jobs/release"), params![crate::now_ms(), job_id, worker])?;
            Ok(())
        })
        .await
    }

    async fn release_unheld(&self, worker: &str, held: Vec<i64>) -> Result<u64> {
        let (worker, held) = (worker.to_string(), serde_json::to_string(&held).expect("ids serialise"));
        self.call_and_signal(move |conn| {
            Ok(conn.execute(sql!("jobs/release_unheld"), params![crate::now_ms(), worker, held])? as u64)
        })
        .await
    }

    async fn running_workers(&self) -> Result<Vec<String>> {
        self.call(|conn| {
            let mut stmt = conn.prepare(sql!("jobs/workers"))?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn recover_jobs(&self, dead: Vec<String>) -> Result<u64> {
        self.call_and_signal(move |conn| {
            let tx = conn.transaction()?;
            let now = crate::now_ms();
            let n = rules::ready(rules::jobs::recover(&mut SqliteRecover(&tx), &mut SqliteFinish(&tx), &dead, now))?;
            tx.commit()?;
            Ok(n)
        })
        .await
    }

    async fn job(&self, id: i64) -> Result<Option<Job>> {
        self.call(move |conn| job(conn, id)).await
    }

    async fn queue_counts(&self, run_id: Option<i64>) -> Result<Vec<KindCounts>> {
        self.call(move |conn| counts(conn, run_id)).await
    }

    async fn dead_jobs(&self, limit: usize) -> Result<Vec<Job>> {
        self.call(move |conn| dead(conn, limit)).await
    }

    async fn queue_stats(&self) -> Result<Vec<KindStats>> {
        self.call(|conn| stats(conn, crate::now_ms())).await
    }

    async fn redrive(&self, ids: Option<Vec<i64>>, kind: Option<String>) -> Result<u64> {
        self.call_and_signal(move |conn| redrive(conn, ids, kind, crate::now_ms())).await
    }

    async fn purge_dead(&self, before_ms: Option<i64>) -> Result<u64> {
        self.call(move |conn| Ok(conn.execute(sql!("jobs/purge_dead"), [before_ms])? as u64)).await
    }

    async fn purge_done_jobs(&self, before_ms: i64) -> Result<Purged> {
        let mut total = Purged::default();
        loop {
            let batch = self
                .call(move |conn| {
                    let tx = conn.transaction()?;
                    let batch = rules::ready(retention::purge_batch(&mut SqlitePurge(&tx), before_ms))?;
                    tx.commit()?;
                    Ok(batch)
                })
                .await?;
            total.jobs += batch.jobs;
            total.runs += batch.runs;
            if !retention::more(batch.jobs) {
                return Ok(total);
            }
        }
    }
}

/// A purge's statements on one SQLite transaction (blocking calls: see [`rules::ready`]).
struct SqlitePurge<'a>(&'a Transaction<'a>);

impl PurgeTx for SqlitePurge<'_> {
    async fn delete_ended_jobs(&mut self, before_ms: i64, limit: i64) -> Result<u64> {
        Ok(self.0.execute(sql!("jobs/purge_ended"), params![before_ms, limit])? as u64)
    }

    async fn delete_emptied_runs(&mut self, before: &str) -> Result<u64> {
        Ok(self.0.execute(sql!("runs/purge_emptied"), [before])? as u64)
    }
}

/// A row of `jobs/running_of_worker` or `jobs/expired_leases`.
fn held(r: &rusqlite::Row<'_>) -> rusqlite::Result<Held> {
    Ok(Held { id: r.get(0)?, worker: r.get(1)?, attempts: r.get(2)?, max_attempts: r.get(3)?, run_id: r.get(4)? })
}

/// Recovery's statements on one SQLite transaction (blocking calls: see [`rules::ready`]).
struct SqliteRecover<'a>(&'a Transaction<'a>);

impl RecoverTx for SqliteRecover<'_> {
    async fn running_jobs_of(&mut self, workers: &[String]) -> Result<Vec<Held>> {
        let mut stmt = self.0.prepare_cached(sql!("jobs/running_of_worker"))?;
        let mut out = Vec::new();
        for worker in workers {
            let rows = stmt.query_map([worker], held)?;
            out.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        Ok(out)
    }

    async fn requeue(&mut self, job_id: i64, entry: &str, now_ms: i64) -> Result<u64> {
        Ok(self.0.prepare_cached(sql!("jobs/requeue_recovered"))?.execute(params![now_ms, entry, job_id])? as u64)
    }

    async fn bury(&mut self, job_id: i64, last_error: &str, entry: &str, now_ms: i64) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(sql!("jobs/bury_running"))?;
        Ok(stmt.execute(params![last_error, entry, now_ms, job_id])? as u64)
    }

    async fn stranded_runs(&mut self) -> Result<Vec<i64>> {
        let mut stmt = self.0.prepare_cached(sql!("runs/stranded"))?;
        Ok(stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?)
    }
}

/// The lease sweep's statements on one SQLite transaction (blocking calls: see [`rules::ready`]).
struct SqliteExpire<'a>(&'a Transaction<'a>);

impl ExpireTx for SqliteExpire<'_> {
    async fn expired_leases(&mut self, now_ms: i64) -> Result<Vec<Held>> {
        let mut stmt = self.0.prepare_cached(sql!("jobs/expired_leases"))?;
        let rows = stmt.query_map([now_ms], held)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    async fn bury_expired(&mut self, job_id: i64, last_error: &str, entry: &str, now_ms: i64) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(sql!("jobs/bury_running"))?;
        Ok(stmt.execute(params![last_error, entry, now_ms, job_id])? as u64)
    }

    async fn requeue_expired(&mut self, job_id: i64, entry: &str, now_ms: i64) -> Result<u64> {
        Ok(self.0.prepare_cached(sql!("jobs/requeue_expired"))?.execute(params![entry, now_ms, job_id])? as u64)
    }
}
