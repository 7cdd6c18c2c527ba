//! The worker runtime: claims jobs of the kinds it has handlers for, runs them concurrently with a
//! heartbeat, and records each outcome atomically through the store.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use leadsmith_store::{Completion, Job, JobState, NewJob, NewStageResult, Store, StoreError, now_ms};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::RetryPolicy;

/// Why a job failed, and whether trying again can help.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JobError {
    /// Worth retrying (network blip, database busy); `retry_after` overrides the backoff when known.
    #[error("{message}")]
    Transient { message: String, retry_after: Option<Duration> },
    /// Retrying cannot help (bad payload, missing lead): dead-lettered at once.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn transient(message: impl Into<String>) -> Self {
        Self::Transient { message: message.into(), retry_after: None }
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent(message.into())
    }
}

/// What a successful job produced: stage results to store and jobs to enqueue next, written together with
/// the job's completion in one transaction.
#[derive(Debug, Default)]
pub struct Outcome {
    pub results: Vec<NewStageResult>,
    pub follow_ups: Vec<NewJob>,
}

/// Runs one kind of job. Must be idempotent: the same job may be delivered more than once.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError>;
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once.
    pub concurrency: usize,
    /// Visibility timeout: a claimed job not heartbeated within this becomes claimable again.
    pub lease: Duration,
    /// How often an idle worker looks for work when no signal woke it (delayed jobs coming due; SQLite
    /// jobs enqueued by another process). Jobs enqueued through a PostgreSQL store, or by this process,
    /// wake idle workers at once through the store's job signal.
    pub poll_interval: Duration,
    pub retry: RetryPolicy,
    /// Only claim jobs of this run (a one-shot `leadsmith run`); `None` for any.
    pub run_id: Option<i64>,
    /// Exit once no job (of the run, if set) is ready, delayed or running.
    pub exit_when_drained: bool,
    /// Exit after this long without any work in hand or in the queue (a worker fleet scaling down). A
    /// delayed retry is work in the queue: the worker stays until it has been taken.
    pub idle_exit: Option<Duration>,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 8,
            lease: Duration::from_secs(300),
            poll_interval: Duration::from_millis(250),
            retry: RetryPolicy::default(),
            run_id: None,
            exit_when_drained: false,
            idle_exit: None,
        }
    }
}

/// Counters a worker keeps while it runs.
#[derive(Debug, Default)]
pub struct WorkerStats {
    pub completed: AtomicU64,
    pub retried: AtomicU64,
    pub dead: AtomicU64,
    pub released: AtomicU64,
}

pub struct Worker {
    store: Arc<dyn Store>,
    handlers: HashMap<String, Arc<dyn Handler>>,
    config: WorkerConfig,
    id: String,
    stats: Arc<WorkerStats>,
}

/// A worker id that says where the worker runs: `host:pid:nonce`, so a restarted process on the same host
/// can tell that the previous one is gone and recover its jobs at once.
pub fn worker_id() -> String {
    let nonce: u32 = rand::random();
    format!("{}:{}:{nonce:08x}", hostname(), std::process::id())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace(':', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// True when `worker` ran on this host in a process that no longer exists. Workers on other hosts are
/// never judged here: their leases expire instead.
pub fn local_worker_is_dead(worker: &str) -> bool {
    let mut parts = worker.split(':');
    let (Some(host), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    host == hostname() && pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, config: WorkerConfig) -> Self {
        Self { store, handlers: HashMap::new(), config, id: worker_id(), stats: Arc::default() }
    }

    pub fn handle(mut self, kind: &str, handler: Arc<dyn Handler>) -> Self {
        self.handlers.insert(kind.to_string(), handler);
        self
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn stats(&self) -> Arc<WorkerStats> {
        self.stats.clone()
    }

    /// Runs until `stop` turns true (then claims nothing more and releases the jobs in hand, so a later
    /// run picks them up without waiting for the lease) or, with `exit_when_drained`, until no work is left.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) -> Result<(), leadsmith_store::StoreError> {
        let kinds: Vec<String> = self.handlers.keys().cloned().collect();
        let mut in_flight: JoinSet<()> = JoinSet::new();
        let mut held: HashMap<tokio::task::Id, i64> = HashMap::new();
        let mut idle_since: Option<tokio::time::Instant> = None;
        let mut signal = self.store.job_signal();
        let mut store_down = StoreBackoff::default();
        let mut claim_unsure = false;
        let (acks, acker) = spawn_acker(self.store.clone(), self.id.clone(), self.config.lease / 2);
        loop {
            if *stop.borrow() {
                break;
            }
            while let Some(done) = in_flight.try_join_next_with_id() {
                let id = match done {
                    Ok((id, ())) => id,
                    Err(e) => e.id(),
                };
                held.remove(&id);
            }
            // A claim that failed may still have committed (the answer lost with the connection): the jobs
            // it leased would wait out their lease, unseen. Once the store answers again, give them back.
            if claim_unsure {
                let holding: Vec<i64> = held.values().copied().collect();
                match self.store.release_unheld(&self.id, holding).await {
                    Ok(n) => {
                        claim_unsure = false;
                        if n > 0 {
                            tracing::info!(worker = %self.id, jobs = n, "gave back jobs leased by a claim whose answer was lost");
                        }
                    }
                    Err(e) => {
                        let wait = store_down.next(&e);
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop.changed() => {}
                        }
                        continue;
                    }
                }
            }
            let free = self.config.concurrency.saturating_sub(in_flight.len());
            let mut claimed = Vec::new();
            if free > 0 {
                let lease_ms = self.config.lease.as_millis() as i64;
                signal.borrow_and_update();
                match self.store.claim(&self.id, &kinds, self.config.run_id, free, lease_ms).await {
                    Ok(jobs) => {
                        store_down.reset();
                        claimed = jobs;
                    }
                    Err(e) => {
                        // The database restarting or unreachable: keep the jobs in hand, try again later.
                        claim_unsure = true;
                        let wait = store_down.next(&e);
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = stop.changed() => {}
                        }
                        continue;
                    }
                }
            }
            let got_work = !claimed.is_empty();
            for job in claimed {
                let job_id = job.id;
                let handle = in_flight.spawn(self.execute(job, acks.clone()));
                held.insert(handle.id(), job_id);
            }
            if got_work || !in_flight.is_empty() {
                idle_since = None;
            }
            if !got_work {
                if in_flight.is_empty() && self.config.exit_when_drained && self.drained().await.unwrap_or(false) {
                    break;
                }
                if in_flight.is_empty()
                    && let Some(limit) = self.config.idle_exit
                {
                    let since = *idle_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() >= limit {
                        // A retry waiting for its time is work in the queue: exiting now would leave its
                        // run unfinished until some later worker comes along.
                        if self.waiting_jobs().await.unwrap_or(true) {
                            idle_since = Some(tokio::time::Instant::now());
                        } else {
                            tracing::info!(worker = %self.id, "idle for {limit:?}; exiting");
                            break;
                        }
                    }
                }
                tokio::select! {
                    _ = tokio::time::sleep(self.config.poll_interval) => {}
                    Ok(()) = signal.changed() => {}
                    _ = stop.changed() => {}
                    Some(done) = in_flight.join_next_with_id() => {
                        if let Ok((id, ())) = done { held.remove(&id); }
                    }
                }
            }
        }
        // Stopping: abandon what is in hand and give it back so nothing waits for a lease to expire. Jobs
        // that finished are acknowledged first (a release then leaves them alone: they are done).
        in_flight.abort_all();
        let mut abandoned = Vec::new();
        while let Some(done) = in_flight.join_next_with_id().await {
            if let Err(e) = done
                && e.is_cancelled()
                && let Some(job_id) = held.remove(&e.id())
            {
                abandoned.push(job_id);
            }
        }
        drop(acks);
        let _ = acker.await;
        for job_id in abandoned {
            {
                match self.store.release(job_id, &self.id).await {
                    Ok(()) => {
                        self.stats.released.fetch_add(1, Ordering::Relaxed);
                    }
                    // Not lost: the lease expires and the job is delivered again.
                    Err(e) => tracing::warn!(job_id, error = %e, "could not give a job back; its lease will expire"),
                }
            }
        }
        Ok(())
    }

    /// Whether a job this worker could take is waiting in the queue (a delayed retry, or one that came due
    /// since the last claim).
    async fn waiting_jobs(&self) -> Result<bool, leadsmith_store::StoreError> {
        let counts = self.store.queue_counts(self.config.run_id).await?;
        Ok(counts.iter().any(|k| self.handlers.contains_key(&k.kind) && k.ready > 0))
    }

    async fn drained(&self) -> Result<bool, leadsmith_store::StoreError> {
        let counts = self.store.queue_counts(self.config.run_id).await?;
        Ok(counts.iter().filter(|k| self.handlers.contains_key(&k.kind)).all(|k| k.ready == 0 && k.running == 0))
    }

    fn execute(
        &self,
        job: Job,
        acks: mpsc::UnboundedSender<Ack>,
    ) -> impl std::future::Future<Output = ()> + Send + 'static {
        let store = self.store.clone();
        let handler = self.handlers.get(&job.kind).cloned();
        let worker = self.id.clone();
        let lease = self.config.lease;
        let retry = self.config.retry.clone();
        let stats = self.stats.clone();
        let span = tracing::debug_span!("job", job_id = job.id, kind = %job.kind, lead_id = ?job.lead_id);
        async move {
            let Some(handler) = handler else { return };
            let result = {
                let heartbeat = async {
                    let every = lease / 3;
                    loop {
                        tokio::time::sleep(every).await;
                        match store.heartbeat(job.id, &worker, lease.as_millis() as i64).await {
                            Ok(true) => {}
                            Ok(false) => tracing::warn!(job_id = job.id, "lost the lease on a running job"),
                            Err(e) => tracing::warn!(job_id = job.id, error = %e, "heartbeat failed"),
                        }
                    }
                };
                tokio::select! {
                    r = handler.handle(&job) => r,
                    () = heartbeat => unreachable!("the heartbeat loop never ends"),
                }
            };
            // Recording is retried while the database is away (a restart), for up to half the lease: the
            // work is done and redoing it after the lease expires would be waste.
            let give_up = tokio::time::Instant::now() + lease / 2;
            let recorded = match result {
                Ok(outcome) => {
                    let done = Completion { job_id: job.id, results: outcome.results, follow_ups: outcome.follow_ups };
                    let (tx, rx) = oneshot::channel();
                    let r = match acks.send((done, tx)) {
                        Ok(()) => rx.await.unwrap_or_else(|_| Err(StoreError::Task("the acknowledger stopped".into()))),
                        Err(_) => Err(StoreError::Task("the acknowledger stopped".into())),
                    };
                    if r.is_ok() {
                        stats.completed.fetch_add(1, Ordering::Relaxed);
                    }
                    r
                }
                Err(err) => {
                    let retry_at = match &err {
                        JobError::Transient { retry_after, .. } => {
                            let wait = retry_after.unwrap_or_else(|| retry.delay(job.attempts));
                            Some(now_ms() + wait.as_millis() as i64)
                        }
                        JobError::Permanent(_) => None,
                    };
                    let message = err.to_string();
                    match retry_store(give_up, || store.fail(job.id, &worker, &message, retry_at)).await {
                        Ok(JobState::Dead) => {
                            stats.dead.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(job_id = job.id, kind = %job.kind, error = %err, "job dead-lettered");
                            Ok(())
                        }
                        Ok(_) => {
                            stats.retried.fetch_add(1, Ordering::Relaxed);
                            tracing::debug!(job_id = job.id, error = %err, "job will be retried");
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            if let Err(e) = recorded {
                // The lease will expire and the job will be delivered again; nothing is lost.
                tracing::error!(job_id = job.id, error = %e, "could not record a job's outcome");
            }
            // No run status to set here: the store finishes a run in the transaction that ends its last job.
        }
        .instrument(span)
    }
}

/// A finished job waiting to be acknowledged, and where to say how that went.
type Ack = (Completion, oneshot::Sender<Result<(), StoreError>>);

/// Most completions written in one transaction.
const ACK_BATCH: usize = 256;

/// The acknowledger: writes finished jobs' completions, all that are waiting at once in one transaction, so
/// a busy worker pays one commit for many jobs while an idle one acknowledges each job at once. A batch
/// that fails is retried while the store is away (up to `patience`), then job by job so one bad
/// completion cannot hold back the others. Ends when every sender is gone, after writing what it holds.
fn spawn_acker(
    store: Arc<dyn Store>,
    worker: String,
    patience: Duration,
) -> (mpsc::UnboundedSender<Ack>, tokio::task::JoinHandle<()>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Ack>();
    let task = tokio::spawn(async move {
        let mut batch: Vec<Ack> = Vec::with_capacity(ACK_BATCH);
        while rx.recv_many(&mut batch, ACK_BATCH).await > 0 {
            let done: Vec<Completion> = batch.iter().map(|(c, _)| c.clone()).collect();
            let give_up = tokio::time::Instant::now() + patience;
            let together = retry_store(give_up, || store.complete_many(&worker, done.clone())).await;
            match together {
                Ok(()) => {
                    for (_, reply) in batch.drain(..) {
                        let _ = reply.send(Ok(()));
                    }
                }
                Err(e) if batch.len() == 1 => {
                    let (_, reply) = batch.pop().expect("one");
                    let _ = reply.send(Err(e));
                }
                Err(_) => {
                    for (c, reply) in batch.drain(..) {
                        let _ = reply.send(store.complete_many(&worker, vec![c]).await);
                    }
                }
            }
        }
    });
    (tx, task)
}

/// Retries a store call with backoff (100 ms doubling to 5 s) until it succeeds or `deadline` passes.
async fn retry_store<T, F, Fut>(deadline: tokio::time::Instant, mut call: F) -> Result<T, leadsmith_store::StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, leadsmith_store::StoreError>>,
{
    let mut wait = Duration::from_millis(100);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if tokio::time::Instant::now() + wait < deadline => {
                tracing::warn!(error = %e, "store call failed; retrying in {wait:?}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// How long to wait before claiming again while the store is failing: 250 ms doubling to 10 s, with a
/// warning on the first failure and then every 30 s rather than on every attempt.
#[derive(Default)]
struct StoreBackoff {
    wait: Option<Duration>,
    warned: Option<tokio::time::Instant>,
}

impl StoreBackoff {
    fn next(&mut self, error: &leadsmith_store::StoreError) -> Duration {
        let wait = self.wait.map_or(Duration::from_millis(250), |w| (w * 2).min(Duration::from_secs(10)));
        self.wait = Some(wait);
        if self.warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(30)) {
            tracing::warn!(%error, "cannot claim jobs; retrying until the store is back");
            self.warned = Some(tokio::time::Instant::now());
        }
        wait
    }

    fn reset(&mut self) {
        if self.wait.take().is_some() {
            tracing::info!("store reachable again");
        }
        self.warned = None;
    }
}
