//! The job table on PostgreSQL: atomic enqueue, claim with lease (`FOR UPDATE SKIP LOCKED`, so concurrent
//! claimers never wait on each other or get the same job), complete-with-results, fail/retry/dead-letter,
//! release, recovery, stats, redrive, purge and retention.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object, Transaction};
use leadsmith_core::LeadId;
use tokio_postgres::Row;

use super::runs::{self, PgFinish};
use super::{Params, PgStore, exec, json_value, notify, query, query_opt, results, sql_limit};
use crate::Jobs;
use crate::rules::{
    self,
    jobs::{Attempt, CompleteTx, ExpireTx, Held, OnFailure, RecoverTx},
    retention::{self, PurgeTx},
};
use crate::{Completion, Job, JobState, KindCounts, KindStats, NewJob, NewStageResult, Purged, Result};

fn job_from_row(r: &Row) -> Result<Job> {
    let state: String = r.get(5);
    Ok(Job {
        id: r.get(0),
        kind: r.get(1),
        lead_id: r.get(2),
        run_id: r.get(3),
        payload: r.get(4),
        state: JobState::parse(&state).unwrap_or(JobState::Dead),
        priority: r.get(6),
        attempts: r.get::<_, i32>(7).max(0) as u32,
        max_attempts: r.get::<_, i32>(8).max(0) as u32,
        run_at_ms: r.get(9),
        lease_until_ms: r.get(10),
        worker: r.get(11),
        last_error: r.get(12),
        errors: json_value(r.get(13), "job errors")?,
    })
}

/// The jobs `sql` (a select of `id, kind, lead_id, run_id, payload, state, priority, attempts, max_attempts, run_at,
/// lease_until, worker, last_error, errors`) returns.
async fn jobs_by<C: GenericClient>(c: &C, sql: &str, p: Params<'_>) -> Result<Vec<Job>> {
    query(c, sql, p).await?.iter().map(job_from_row).collect()
}

/// Inserts `job` unless its unique key exists. The caller sends the NOTIFY (once per transaction).
pub(crate) async fn enqueue<C: GenericClient>(c: &C, job: &NewJob, now: i64) -> Result<Option<i64>> {
    insert_job(c, sql!("jobs/insert"), job, now).await
}

/// [`enqueue`] and its NOTIFY as one autocommitted statement.
pub(crate) async fn enqueue_notify<C: GenericClient>(c: &C, job: &NewJob, now: i64) -> Result<Option<i64>> {
    insert_job(c, sql!("jobs/insert_notify"), job, now).await
}

async fn insert_job<C: GenericClient>(c: &C, sql: &str, job: &NewJob, now: i64) -> Result<Option<i64>> {
    let max_attempts = i32::try_from(job.max_attempts.max(1)).unwrap_or(i32::MAX);
    let row = query_opt(
        c,
        sql,
        &[
            &job.kind,
            &job.lead_id,
            &job.run_id,
            &job.payload,
            &job.unique_key,
            &job.priority,
            &max_attempts,
            &job.run_at_ms.unwrap_or(now),
            &now,
        ],
    )
    .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Inserts a batch with one statement (arrays unnested server-side); returns how many were new.
pub(crate) async fn enqueue_many<C: GenericClient>(c: &C, batch: &[NewJob], now: i64) -> Result<u64> {
    let kinds: Vec<&str> = batch.iter().map(|j| j.kind.as_str()).collect();
    let leads: Vec<Option<i64>> = batch.iter().map(|j| j.lead_id).collect();
    let runs: Vec<Option<i64>> = batch.iter().map(|j| j.run_id).collect();
    let payloads: Vec<&serde_json::Value> = batch.iter().map(|j| &j.payload).collect();
    let keys: Vec<Option<&str>> = batch.iter().map(|j| j.unique_key.as_deref()).collect();
    let priorities: Vec<i32> = batch.iter().map(|j| j.priority).collect();
    let attempts: Vec<i32> = batch.iter().map(|j| i32::try_from(j.max_attempts.max(1)).unwrap_or(i32::MAX)).collect();
    let due: Vec<i64> = batch.iter().map(|j| j.run_at_ms.unwrap_or(now)).collect();
    let n = exec(
        c,
        sql!("jobs/enqueue_many"),
        &[&kinds, &leads, &runs, &payloads, &keys, &priorities, &attempts, &due, &now],
    )
    .await?;
    Ok(n)
}

/// The claim's picking query (`sql/postgres/jobs/pick.sql`) with its filter for `kinds` kinds and, with
/// `by_run`, the run: `$1` now, `$2` limit, then the kind (one) or kinds (array), then the run id.
pub(crate) fn pick_sql(kinds: usize, by_run: bool) -> String {
    let mut filter = String::new();
    let mut n = 2;
    if kinds > 0 {
        n += 1;
        // A single kind as `=`: only then can the planner walk `jobs_ready_kind` in order.
        filter.push_str(&if kinds == 1 { format!(" AND kind = ${n}") } else { format!(" AND kind = ANY(${n})") });
    }
    if by_run {
        n += 1;
        filter.push_str(&format!(" AND run_id = ${n}"));
    }
    sql!("jobs/pick").replace("{filter}", &filter)
}

/// Returns running jobs whose lease ran out to the queue (see [`rules::jobs::expire_leases`]); returns how
/// many it touched. Nothing expired (the usual case) costs one indexed read, no transaction.
pub(crate) async fn sweep_expired(c: &mut Object, now: i64) -> Result<u64> {
    if query_opt(&*c, sql!("jobs/any_expired"), &[&now]).await?.is_none() {
        return Ok(0);
    }
    let tx = c.transaction().await?;
    let n = rules::jobs::expire_leases(&mut PgExpire(&tx), &mut PgFinish(&tx), now).await?;
    tx.commit().await?;
    Ok(n)
}

/// Claims up to `limit` due jobs in one statement (atomic on its own: no explicit transaction).
pub(crate) async fn claim<C: GenericClient>(
    c: &C,
    worker: &str,
    kinds: &[String],
    run_id: Option<i64>,
    limit: usize,
    lease_ms: i64,
    now: i64,
) -> Result<Vec<Job>> {
    let pick = pick_sql(kinds.len(), run_id.is_some());
    let lease_until = now + lease_ms;
    let limit = sql_limit(limit);
    let mut args: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&now, &limit];
    match kinds {
        [] => {}
        [kind] => args.push(kind),
        _ => args.push(&kinds),
    }
    if let Some(run) = &run_id {
        args.push(run);
    }
    let (w, l) = (args.len() + 1, args.len() + 2);
    args.push(&worker);
    args.push(&lease_until);
    let sql = sql!("jobs/claim")
        .replace("{pick}", &pick)
        .replace("{worker}", &format!("${w}"))
        .replace("{lease_until}", &format!("${l}"));
    let rows = query(c, &sql, &args).await?;
    let mut claimed = rows.iter().map(job_from_row).collect::<Result<Vec<_>>>()?;
    sort_claimed(&mut claimed);
    Ok(claimed)
}

/// Claim order: priority (higher first), due time, id.
pub(crate) fn sort_claimed(jobs: &mut [Job]) {
    jobs.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.run_at_ms.cmp(&b.run_at_ms)).then(a.id.cmp(&b.id)));
}

/// Completes jobs in one transaction (see [`rules::jobs::complete`]); returns whether any follow-up was
/// enqueued (and notified). One statement marks the whole batch done, so acknowledging many no-result jobs
/// costs one round trip.
async fn complete(client: &mut Object, worker: &str, done: Vec<Completion>) -> Result<bool> {
    let tx = client.transaction().await?;
    let n = done.len();
    let enqueued = rules::jobs::complete(&mut PgComplete(&tx), &mut PgFinish(&tx), done, crate::now_ms()).await?;
    if enqueued {
        notify(&tx).await?;
    }
    tx.commit().await?;
    tracing::trace!(jobs = n, worker, "jobs completed");
    Ok(enqueued)
}

/// Completion's statements on one PostgreSQL transaction.
struct PgComplete<'a, 'b>(&'a Transaction<'b>);

impl CompleteTx for PgComplete<'_, '_> {
    async fn put_results(&mut self, job_id: i64, results: &[NewStageResult], stamp: &str) -> Result<()> {
        results::put(self.0, job_id, results, stamp).await
    }

    async fn run_of_job(&mut self, job_id: i64) -> Result<Option<i64>> {
        Ok(query_opt(self.0, sql!("jobs/run_of_job"), &[&job_id]).await?.and_then(|r| r.get(0)))
    }

    async fn run_cancelled(&mut self, run_id: i64) -> Result<bool> {
        // The key share lock makes a concurrent `cancel_run` (which locks the run FOR UPDATE) wait for this
        // commit and then cancel the follow-ups, or makes this wait and see the run cancelled.
        Ok(query_opt(self.0, sql!("runs/is_cancelled"), &[&run_id]).await?.is_some_and(|r| r.get::<_, bool>(0)))
    }

    async fn enqueue(&mut self, job: &NewJob, now_ms: i64) -> Result<Option<i64>> {
        enqueue(self.0, job, now_ms).await
    }

    async fn mark_done(&mut self, job_ids: &[i64], now_ms: i64) -> Result<Vec<i64>> {
        let rows = query(self.0, sql!("jobs/mark_done"), &[&now_ms, &job_ids]).await?;
        Ok(rows.iter().filter_map(|r| r.get(0)).collect())
    }
}

async fn fail(
    client: &mut Object,
    job_id: i64,
    worker: &str,
    error: &str,
    retry_at_ms: Option<i64>,
) -> Result<JobState> {
    let tx = client.transaction().await?;
    let found = query_opt(&tx, sql!("jobs/attempt"), &[&job_id]).await?.map(|row| Attempt {
        state: row.get(0),
        attempts: row.get::<_, i32>(1).max(0) as u32,
        max_attempts: row.get::<_, i32>(2).max(0) as u32,
        worker: row.get(3),
        run_id: row.get(4),
    });
    let found_run = found.as_ref().and_then(|f| f.run_id);
    let decision = rules::jobs::on_failure(found, worker, error, retry_at_ms);
    let now = crate::now_ms();
    match &decision {
        OnFailure::Leave(_) => return Ok(decision.state()),
        OnFailure::Retry { at, entry } => {
            exec(&tx, sql!("jobs/retry"), &[at, &error, entry, &now, &job_id]).await?;
        }
        OnFailure::Bury { entry } => {
            exec(&tx, sql!("jobs/bury"), &[&error, entry, &now, &job_id]).await?;
            runs::finish_runs(&tx, found_run.into_iter().collect()).await?;
        }
    }
    tx.commit().await?;
    Ok(decision.state())
}

pub(crate) async fn counts<C: GenericClient>(c: &C, run_id: Option<i64>) -> Result<Vec<KindCounts>> {
    let rows = query(c, sql!("jobs/counts"), &[&run_id]).await?;
    let n = |r: &Row, i: usize| r.get::<_, i64>(i) as u64;
    Ok(rows
        .iter()
        .map(|r| KindCounts {
            kind: r.get(0),
            ready: n(r, 1),
            running: n(r, 2),
            done: n(r, 3),
            cancelled: n(r, 4),
            dead: n(r, 5),
            failed: n(r, 6),
        })
        .collect())
}

pub(crate) async fn stats<C: GenericClient>(c: &C, now: i64) -> Result<Vec<KindStats>> {
    let rows = query(c, sql!("jobs/stats"), &[&now]).await?;
    let n = |r: &Row, i: usize| r.get::<_, i64>(i) as u64;
    Ok(rows
        .iter()
        .map(|r| KindStats {
            kind: r.get(0),
            ready: n(r, 1),
            delayed: n(r, 2),
            running: n(r, 3),
            done: n(r, 4),
            dead: n(r, 5),
            oldest_ready_age_ms: r.get::<_, Option<i64>>(6).map(|t| now - t),
            completed_last_minute: n(r, 7),
        })
        .collect())
}

/// Returns how many jobs were redriven; sends the NOTIFY when any were.
pub(crate) async fn redrive(client: &mut Object, ids: Option<Vec<i64>>, kind: Option<String>, now: i64) -> Result<u64> {
    let tx = client.transaction().await?;
    let n = exec(&tx, sql!("jobs/redrive"), &[&now, &kind, &ids]).await?;
    // A run that had finished with errors is open again while its redriven jobs run.
    exec(&tx, sql!("runs/reopen_redriven"), &[]).await?;
    if n > 0 {
        notify(&tx).await?;
    }
    tx.commit().await?;
    Ok(n)
}

impl PgStore {
    /// Runs a statement that makes running jobs ready again and, when it touched any, wakes idle workers
    /// (here and, through NOTIFY, in other processes); how many it touched.
    async fn give_back(&self, sql: &str, params: super::Params<'_>) -> Result<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = exec(&tx, sql, params).await?;
        if n > 0 {
            notify(&tx).await?;
        }
        tx.commit().await?;
        if n > 0 {
            self.bump();
        }
        Ok(n)
    }
}

#[async_trait]
impl Jobs for PgStore {
    fn job_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.signal.subscribe()
    }

    async fn lead_jobs(&self, lead: LeadId) -> Result<Vec<Job>> {
        let c = self.client().await?;
        jobs_by(&c, sql!("jobs/of_lead"), &[&lead]).await
    }

    async fn enqueue(&self, job: NewJob) -> Result<Option<i64>> {
        let c = self.client().await?;
        // One statement, one round trip: the insert and its notification commit together.
        let id = enqueue_notify(&c, &job, crate::now_ms()).await?;
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
        let n = enqueue_many(&tx, &batch, crate::now_ms()).await?;
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
        let mut c = self.client().await?;
        let now = crate::now_ms();
        // Expired leases are at least a lease old, so looking for them once a second is plenty on a busy
        // queue; each claim is then a single statement. When the queue looks empty they are looked for at
        // once, so a redelivery never waits for the next second.
        let swept_first = now - self.inner.last_sweep_ms.load(Ordering::Relaxed) >= 1_000;
        if swept_first {
            self.inner.last_sweep_ms.store(now, Ordering::Relaxed);
            sweep_expired(&mut c, now).await?;
        }
        let mut claimed = claim(&c, worker, kinds, run_id, limit, lease_ms, now).await?;
        if claimed.len() < limit && !swept_first && sweep_expired(&mut c, now).await? > 0 {
            claimed.extend(claim(&c, worker, kinds, run_id, limit - claimed.len(), lease_ms, now).await?);
            sort_claimed(&mut claimed);
        }
        Ok(claimed)
    }

    async fn heartbeat(&self, job_id: i64, worker: &str, lease_ms: i64) -> Result<bool> {
        let c = self.client().await?;
        let now = crate::now_ms();
        let n = exec(&c, sql!("jobs/heartbeat"), &[&(now + lease_ms), &now, &job_id, &worker]).await?;
        Ok(n == 1)
    }

    async fn complete_many(&self, worker: &str, done: Vec<Completion>) -> Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let mut c = self.client().await?;
        if complete(&mut c, worker, done).await? {
            self.bump();
        }
        Ok(())
    }

    async fn fail(&self, job_id: i64, worker: &str, error: &str, retry_at_ms: Option<i64>) -> Result<JobState> {
        let mut c = self.client().await?;
        fail(&mut c, job_id, worker, error, retry_at_ms).await
    }

    async fn release(&self, job_id: i64, worker: &str) -> Result<()> {
        self.give_back(sql!("jobs/release"), &[&crate::now_ms(), &job_id, &worker]).await.map(|_| ())
    }

    async fn release_unheld(&self, worker: &str, held: Vec<i64>) -> Result<u64> {
        self.give_back(sql!("jobs/release_unheld"), &[&crate::now_ms(), &worker, &held]).await
    }

    async fn running_workers(&self) -> Result<Vec<String>> {
        let c = self.client().await?;
        let rows = query(&c, sql!("jobs/workers"), &[]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn recover_jobs(&self, dead_workers: Vec<String>) -> Result<u64> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let n = rules::jobs::recover(&mut PgRecover(&tx), &mut PgFinish(&tx), &dead_workers, crate::now_ms()).await?;
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
        Ok(jobs_by(&c, sql!("jobs/by_id"), &[&id]).await?.into_iter().next())
    }

    async fn queue_counts(&self, run_id: Option<i64>) -> Result<Vec<KindCounts>> {
        let c = self.client().await?;
        counts(&c, run_id).await
    }

    async fn dead_jobs(&self, limit: usize) -> Result<Vec<Job>> {
        let c = self.client().await?;
        jobs_by(&c, sql!("jobs/dead"), &[&sql_limit(limit)]).await
    }

    async fn queue_stats(&self) -> Result<Vec<KindStats>> {
        let c = self.client().await?;
        stats(&c, crate::now_ms()).await
    }

    async fn redrive(&self, ids: Option<Vec<i64>>, kind: Option<String>) -> Result<u64> {
        let mut c = self.client().await?;
        let n = redrive(&mut c, ids, kind, crate::now_ms()).await?;
        if n > 0 {
            self.bump();
        }
        Ok(n)
    }

    async fn purge_dead(&self, before_ms: Option<i64>) -> Result<u64> {
        let c = self.client().await?;
        match before_ms {
            Some(before) => exec(&c, sql!("jobs/purge_dead_before"), &[&before]).await,
            None => exec(&c, sql!("jobs/purge_dead"), &[]).await,
        }
    }

    async fn purge_done_jobs(&self, before_ms: i64) -> Result<Purged> {
        let mut c = self.client().await?;
        let mut total = Purged::default();
        loop {
            let tx = c.transaction().await?;
            let batch = retention::purge_batch(&mut PgPurge(&tx), before_ms).await?;
            tx.commit().await?;
            total.jobs += batch.jobs;
            total.runs += batch.runs;
            if !retention::more(batch.jobs) {
                return Ok(total);
            }
        }
    }
}

/// A purge's statements on one PostgreSQL transaction.
struct PgPurge<'a, 'b>(&'a Transaction<'b>);

impl PurgeTx for PgPurge<'_, '_> {
    async fn delete_ended_jobs(&mut self, before_ms: i64, limit: i64) -> Result<u64> {
        exec(self.0, sql!("jobs/purge_ended"), &[&before_ms, &limit]).await
    }

    async fn delete_emptied_runs(&mut self, before: &str) -> Result<u64> {
        exec(self.0, sql!("runs/purge_emptied"), &[&before]).await
    }
}

/// A row of `jobs/running_of_workers` or `jobs/expired_leases`.
fn held(r: &Row) -> Held {
    Held {
        id: r.get(0),
        worker: r.get(1),
        attempts: r.get::<_, i32>(2).max(0) as u32,
        max_attempts: r.get::<_, i32>(3).max(0) as u32,
        run_id: r.get(4),
    }
}

/// Recovery's statements on one PostgreSQL transaction.
struct PgRecover<'a, 'b>(&'a Transaction<'b>);

impl RecoverTx for PgRecover<'_, '_> {
    async fn running_jobs_of(&mut self, workers: &[String]) -> Result<Vec<Held>> {
        Ok(query(self.0, sql!("jobs/running_of_workers"), &[&workers]).await?.iter().map(held).collect())
    }

    async fn requeue(&mut self, job_id: i64, entry: &str, now_ms: i64) -> Result<u64> {
        exec(self.0, sql!("jobs/requeue_recovered"), &[&now_ms, &entry, &job_id]).await
    }

    async fn bury(&mut self, job_id: i64, last_error: &str, entry: &str, now_ms: i64) -> Result<u64> {
        exec(self.0, sql!("jobs/bury_running"), &[&last_error, &entry, &now_ms, &job_id]).await
    }

    async fn stranded_runs(&mut self) -> Result<Vec<i64>> {
        Ok(query(self.0, sql!("runs/stranded"), &[]).await?.iter().map(|r| r.get(0)).collect())
    }
}

/// The lease sweep's statements on one PostgreSQL transaction.
struct PgExpire<'a, 'b>(&'a Transaction<'b>);

impl ExpireTx for PgExpire<'_, '_> {
    async fn expired_leases(&mut self, now_ms: i64) -> Result<Vec<Held>> {
        Ok(query(self.0, sql!("jobs/expired_leases"), &[&now_ms]).await?.iter().map(held).collect())
    }

    async fn bury_expired(&mut self, job_id: i64, last_error: &str, entry: &str, now_ms: i64) -> Result<u64> {
        exec(self.0, sql!("jobs/bury_running"), &[&last_error, &entry, &now_ms, &job_id]).await
    }

    async fn requeue_expired(&mut self, job_id: i64, entry: &str, now_ms: i64) -> Result<u64> {
        exec(self.0, sql!("jobs/requeue_expired"), &[&entry, &now_ms, &job_id]).await
    }
}
