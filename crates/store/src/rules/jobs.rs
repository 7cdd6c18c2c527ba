//! Job-table rules shared by every backend: completing jobs (results, follow-ups gated on the run not being
//! cancelled and inheriting it, done), what a failed attempt leads to, expired leases, recovering the jobs
//! of dead workers, and finishing a run (when, with which status) in the transaction that ends its last job.

use crate::{Completion, JobState, NewJob, NewStageResult, Result};

/// The statements completing jobs needs, inside the backend's one transaction.
pub(crate) trait CompleteTx {
    /// Upserts the job's stage results (one per lead and stage), stamped `stamp` (RFC 3339).
    async fn put_results(&mut self, job_id: i64, results: &[NewStageResult], stamp: &str) -> Result<()>;
    /// The run the job belongs to.
    async fn run_of_job(&mut self, job_id: i64) -> Result<Option<i64>>;
    /// Whether the run is cancelled. Where runs can be cancelled concurrently, this also makes a
    /// concurrent cancel wait for the transaction's commit (so it then cancels the follow-ups).
    async fn run_cancelled(&mut self, run_id: i64) -> Result<bool>;
    /// Inserts the job unless its unique key exists; returns the new id.
    async fn enqueue(&mut self, job: &NewJob, now_ms: i64) -> Result<Option<i64>>;
    /// Marks the jobs done, whether running or (their lease lost, requeued) ready; returns the runs of the
    /// jobs it marked.
    async fn mark_done(&mut self, job_ids: &[i64], now_ms: i64) -> Result<Vec<i64>>;
}

/// Completes `done` through `tx`: each job's results, then its follow-ups, then all jobs done, then the runs
/// whose last job that was get their final status (through `runs`, on the same transaction). Returns
/// whether any follow-up was enqueued (the caller wakes workers).
pub(crate) async fn complete<T: CompleteTx, F: FinishTx>(
    tx: &mut T,
    runs: &mut F,
    done: Vec<Completion>,
    now_ms: i64,
) -> Result<bool> {
    let stamp = crate::now_rfc3339();
    let ids: Vec<i64> = done.iter().map(|d| d.job_id).collect();
    let mut enqueued = false;
    for d in done {
        tx.put_results(d.job_id, &d.results, &stamp).await?;
        if !d.follow_ups.is_empty() {
            enqueued |= enqueue_follow_ups(tx, d.job_id, d.follow_ups, now_ms).await?;
        }
    }
    // Done even if the lease was lost meanwhile: the results above are idempotent, so a second delivery
    // that also completes changes nothing.
    let ended = tx.mark_done(&ids, now_ms).await?;
    finish_runs(runs, ended).await?;
    Ok(enqueued)
}

/// Enqueues a finished job's follow-ups into its run, unless the run was cancelled meanwhile: a cancelled
/// run's jobs that were already running finish, but its pipeline goes no further.
async fn enqueue_follow_ups<T: CompleteTx>(
    tx: &mut T,
    job_id: i64,
    follow_ups: Vec<NewJob>,
    now_ms: i64,
) -> Result<bool> {
    let run_id = tx.run_of_job(job_id).await?;
    if let Some(run) = run_id
        && tx.run_cancelled(run).await?
    {
        return Ok(false);
    }
    let mut enqueued = false;
    for mut job in follow_ups {
        job.run_id = job.run_id.or(run_id);
        enqueued |= tx.enqueue(&job, now_ms).await?.is_some();
    }
    Ok(enqueued)
}

/// A job's attempt as `fail` finds it.
pub(crate) struct Attempt {
    pub state: String,
    pub attempts: u32,
    pub max_attempts: u32,
    pub worker: Option<String>,
    /// Its run: dead-lettering the run's last open job finishes the run (see [`finish_runs`]).
    pub run_id: Option<i64>,
}

/// What a failed attempt does to its job.
pub(crate) enum OnFailure {
    /// Nothing: the job is gone (reported dead) or someone else holds it now; its state is as given.
    Leave(JobState),
    /// Ready again at `at`, `entry` added to its errors.
    Retry { at: i64, entry: String },
    /// Dead-lettered, `entry` added to its errors.
    Bury { entry: String },
}

/// The decision for `worker`'s failed attempt of the job found as `found`: only the holder of a running job
/// decides (if our lease ran out, whoever holds it now decides with their attempt); it is retried at
/// `retry_at_ms` while attempts remain, and dead-lettered otherwise or when no retry is asked for.
pub(crate) fn on_failure(found: Option<Attempt>, worker: &str, error: &str, retry_at_ms: Option<i64>) -> OnFailure {
    let Some(found) = found else {
        return OnFailure::Leave(JobState::Dead);
    };
    if found.state != "running" || found.worker.as_deref() != Some(worker) {
        return OnFailure::Leave(JobState::parse(&found.state).unwrap_or(JobState::Dead));
    }
    let entry = format!("attempt {}: {error}", found.attempts);
    match retry_at_ms {
        Some(at) if found.attempts < found.max_attempts => OnFailure::Retry { at, entry },
        _ => OnFailure::Bury { entry },
    }
}

impl OnFailure {
    /// The job's state afterwards.
    pub(crate) fn state(&self) -> JobState {
        match self {
            Self::Leave(state) => *state,
            Self::Retry { .. } => JobState::Ready,
            Self::Bury { .. } => JobState::Dead,
        }
    }
}

/// A running job as recovery (its worker died) and the lease sweep (its lease ran out) find it: the
/// columns `id, worker, attempts, max_attempts, run_id`, in that order, of both statements.
pub(crate) struct Held {
    pub id: i64,
    pub worker: Option<String>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_id: Option<i64>,
}

/// The statements recovering dead workers' jobs needs, inside the backend's one transaction.
pub(crate) trait RecoverTx {
    /// The running jobs these workers hold (locked where rows can be).
    async fn running_jobs_of(&mut self, workers: &[String]) -> Result<Vec<Held>>;
    /// Makes the job, if still running, ready at `now_ms` with `entry` added to its errors; returns 1 if it
    /// was.
    async fn requeue(&mut self, job_id: i64, entry: &str, now_ms: i64) -> Result<u64>;
    /// Dead-letters the job, if still running, with `last_error`, `entry` added to its errors; returns 1 if
    /// it was.
    async fn bury(&mut self, job_id: i64, last_error: &str, entry: &str, now_ms: i64) -> Result<u64>;
    /// Runs still `running` that have jobs but none ready or running: left so by a crash between a run's
    /// last job and its status, when those were two transactions.
    async fn stranded_runs(&mut self) -> Result<Vec<i64>>;
}

/// Makes the running jobs of `dead_workers` claimable at once; returns how many it touched. The crashed
/// attempt counts: a job that crashes its worker every time is dead-lettered once it has used its attempts
/// ("worker died N times"), as the lease sweep does with a job whose lease keeps running out. Runs whose last
/// open job that buried, and runs stranded `running` with nothing left to do, get their final status.
pub(crate) async fn recover<T: RecoverTx, F: FinishTx>(
    tx: &mut T,
    runs: &mut F,
    dead_workers: &[String],
    now_ms: i64,
) -> Result<u64> {
    let mut n = 0;
    let mut ended = Vec::new();
    let held = if dead_workers.is_empty() { Vec::new() } else { tx.running_jobs_of(dead_workers).await? };
    for job in held {
        let entry = format!("worker {} died during attempt {}", job.worker.as_deref().unwrap_or("?"), job.attempts);
        if job.attempts >= job.max_attempts {
            let times = if job.attempts == 1 { "time" } else { "times" };
            let buried = tx.bury(job.id, &format!("worker died {} {times}", job.attempts), &entry, now_ms).await?;
            if buried > 0 {
                ended.extend(job.run_id);
            }
            n += buried;
        } else {
            n += tx.requeue(job.id, &entry, now_ms).await?;
        }
    }
    ended.extend(tx.stranded_runs().await?);
    finish_runs(runs, ended).await?;
    Ok(n)
}

/// The statements returning expired leases to the queue needs, inside the backend's one transaction.
pub(crate) trait ExpireTx {
    /// Running jobs whose lease ended before `now_ms` (locked, skipping rows others hold, where rows can be).
    async fn expired_leases(&mut self, now_ms: i64) -> Result<Vec<Held>>;
    /// Dead-letters the job with `last_error`, `entry` added to its errors; returns 1 if it was still running.
    async fn bury_expired(&mut self, job_id: i64, last_error: &str, entry: &str, now_ms: i64) -> Result<u64>;
    /// Makes the job ready at `now_ms`, `entry` added to its errors; returns 1 if it was still running.
    async fn requeue_expired(&mut self, job_id: i64, entry: &str, now_ms: i64) -> Result<u64>;
}

/// Returns running jobs whose lease ran out (the worker died or hung) to the queue: spent jobs go to the
/// dead letters (finishing their run if that was its last open job), the rest become claimable again
/// (at-least-once delivery). Returns how many it touched.
pub(crate) async fn expire_leases<T: ExpireTx, F: FinishTx>(tx: &mut T, runs: &mut F, now_ms: i64) -> Result<u64> {
    let mut n = 0;
    let mut ended = Vec::new();
    for job in tx.expired_leases(now_ms).await? {
        let entry = format!("lease expired (worker {})", job.worker.as_deref().unwrap_or("?"));
        n += if job.attempts >= job.max_attempts {
            let last_error = format!("lease expired on attempt {} of {}", job.attempts, job.max_attempts);
            let buried = tx.bury_expired(job.id, &last_error, &entry, now_ms).await?;
            if buried > 0 {
                ended.extend(job.run_id);
            }
            buried
        } else {
            tx.requeue_expired(job.id, &entry, now_ms).await?
        };
    }
    finish_runs(runs, ended).await?;
    Ok(n)
}

/// The statements finishing runs needs, inside the transaction that ended their jobs.
pub(crate) trait FinishTx {
    /// Whether the run has a ready or running job that no concurrent transaction is changing. Where rows
    /// can be locked, the job found is locked (shared, skipping rows others hold) until commit, so whoever
    /// ends it later sees this transaction's work.
    async fn has_open_job(&mut self, run_id: i64) -> Result<bool>;
    /// Locks the run against concurrent finishers (where rows can be locked); returns its status.
    async fn lock_run(&mut self, run_id: i64) -> Result<Option<String>>;
    /// The run's ready-or-running and dead jobs.
    async fn open_and_dead(&mut self, run_id: i64) -> Result<(i64, i64)>;
    /// Sets the final status of the run, if still running, stamped `stamp` (RFC 3339).
    async fn finish_run(&mut self, run_id: i64, status: &str, stamp: &str) -> Result<()>;
}

/// Gives each of `runs` that has no ready or running job left its final status. Called by every
/// transaction that ends jobs (done, dead, cancelled) with their runs, so a run's status never waits on a
/// second transaction that a crash could lose.
///
/// Two transactions ending a run's last two jobs at once each see the other's job still running. So unless
/// a job of the run is open and untouched (then whoever ends it later sees this commit), finishers take
/// turns on the run's row and count again once they hold it: the second sees the first's commit. Runs are
/// taken in id order, so finishers never wait on each other in a cycle.
pub(crate) async fn finish_runs<F: FinishTx>(tx: &mut F, mut runs: Vec<i64>) -> Result<()> {
    runs.sort_unstable();
    runs.dedup();
    for run in runs {
        if tx.has_open_job(run).await? {
            continue;
        }
        if tx.lock_run(run).await?.as_deref() != Some("running") {
            continue;
        }
        let (open, dead) = tx.open_and_dead(run).await?;
        if let Some(status) = finished_status(open, dead) {
            tx.finish_run(run, status, &crate::now_rfc3339()).await?;
        }
    }
    Ok(())
}

/// A run's final status once none of its jobs is ready or running (`open`): `completed`, or
/// `completed_with_errors` when some are dead; `None` while jobs are open.
pub(crate) fn finished_status(open: i64, dead: i64) -> Option<&'static str> {
    match (open, dead) {
        (0, 0) => Some("completed"),
        (0, _) => Some("completed_with_errors"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(attempts: u32, max_attempts: u32, worker: &str) -> Option<Attempt> {
        Some(Attempt { state: "running".into(), attempts, max_attempts, worker: Some(worker.into()), run_id: None })
    }

    #[test]
    fn a_failure_retries_while_attempts_remain_and_only_for_the_holder() {
        let retry = on_failure(running(1, 3, "w"), "w", "boom", Some(10));
        assert!(matches!(&retry, OnFailure::Retry { at: 10, entry } if entry == "attempt 1: boom"));
        assert!(matches!(on_failure(running(3, 3, "w"), "w", "boom", Some(10)), OnFailure::Bury { .. }));
        assert!(matches!(on_failure(running(1, 3, "w"), "w", "boom", None), OnFailure::Bury { .. }));
        assert_eq!(on_failure(running(1, 3, "other"), "w", "boom", Some(10)).state(), JobState::Running);
        assert_eq!(on_failure(None, "w", "boom", Some(10)).state(), JobState::Dead);
        let done =
            Attempt { state: "done".into(), attempts: 1, max_attempts: 3, worker: Some("w".into()), run_id: None };
        assert_eq!(on_failure(Some(done), "w", "boom", Some(10)).state(), JobState::Done);
    }

    #[test]
    fn a_run_finishes_when_no_job_is_open() {
        assert_eq!(finished_status(1, 0), None);
        assert_eq!(finished_status(0, 0), Some("completed"));
        assert_eq!(finished_status(0, 2), Some("completed_with_errors"));
    }
}
