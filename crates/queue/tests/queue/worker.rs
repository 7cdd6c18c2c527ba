//! The worker runtime against a real (in-memory SQLite) store: delivery, retries with backoff,
//! dead-lettering, idempotent results, draining and graceful stop.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use leadsmith_queue::{Handler, JobError, Outcome, RetryPolicy, Worker, WorkerConfig, local_worker_is_dead, worker_id};
use leadsmith_store::{Job, JobState, NewJob, NewStageResult, SqliteStore, Store};
use serde_json::json;
use tokio::sync::watch;

/// Fails with a transient error `fail_times` times, then writes a result keyed by the job's lead.
struct Flaky {
    calls: AtomicU32,
    fail_times: u32,
    permanent: bool,
}

#[async_trait]
impl Handler for Flaky {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n < self.fail_times {
            return Err(if self.permanent {
                JobError::permanent("lead has no website")
            } else {
                JobError::transient(format!("connection reset (call {n})"))
            });
        }
        let lead = job.lead_id.unwrap_or_default();
        Ok(Outcome {
            results: vec![NewStageResult {
                lead_id: lead,
                stage: "t".into(),
                status: "ok".into(),
                data: json!({"job": job.id}),
            }],
            follow_ups: vec![],
        })
    }
}

fn fast_config(run_id: Option<i64>) -> WorkerConfig {
    WorkerConfig {
        concurrency: 4,
        lease: Duration::from_secs(30),
        poll_interval: Duration::from_millis(5),
        retry: RetryPolicy { base: Duration::from_millis(10), max: Duration::from_millis(40), jitter: 0.1 },
        run_id,
        exit_when_drained: true,
        idle_exit: None,
    }
}

async fn setup() -> (Arc<dyn Store>, i64) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().unwrap());
    let row = leadsmith_store::ImportRow {
        line: 2,
        raw: "a".into(),
        input: leadsmith_core::LeadInput { company: Some("A".into()), ..Default::default() },
    };
    let lead = store.import_rows("f", vec![row], false).await.unwrap().decisions[0].lead_id();
    (store, lead)
}

#[tokio::test]
async fn transient_failures_retry_until_success() {
    let (store, lead) = setup().await;
    let run = store.create_run("f", &json!({}), None).await.unwrap();
    let mut job = NewJob::new("t", Some(lead));
    job.run_id = Some(run);
    let id = store.enqueue(job).await.unwrap().unwrap();
    let handler = Arc::new(Flaky { calls: AtomicU32::new(0), fail_times: 2, permanent: false });
    let worker = Worker::new(store.clone(), fast_config(Some(run))).handle("t", handler.clone());
    let (_tx, rx) = watch::channel(false);
    worker.run(rx).await.unwrap();
    assert_eq!(handler.calls.load(Ordering::SeqCst), 3);
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.attempts, 3);
    assert_eq!(job.errors.len(), 2, "each failed attempt is in the history: {:?}", job.errors);
    assert_eq!(store.stage_results(lead).await.unwrap().len(), 1);
    assert_eq!(worker.stats().retried.load(Ordering::Relaxed), 2);
    assert_eq!(
        store.run(run).await.unwrap().unwrap().status,
        "completed",
        "the last job's completion finished the run"
    );
}

#[tokio::test]
async fn exhausted_retries_dead_letter_and_permanent_errors_skip_retries() {
    let (store, lead) = setup().await;
    let transient = store.enqueue(NewJob::new("t", Some(lead))).await.unwrap().unwrap();
    let handler = Arc::new(Flaky { calls: AtomicU32::new(0), fail_times: 10, permanent: false });
    let worker = Worker::new(store.clone(), fast_config(None)).handle("t", handler.clone());
    let (_tx, rx) = watch::channel(false);
    worker.run(rx.clone()).await.unwrap();
    let job = store.job(transient).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Dead, 3), "default max attempts is 3");
    assert_eq!(handler.calls.load(Ordering::SeqCst), 3);

    let permanent = store.enqueue(NewJob::new("p", Some(lead))).await.unwrap().unwrap();
    let handler = Arc::new(Flaky { calls: AtomicU32::new(0), fail_times: 10, permanent: true });
    Worker::new(store.clone(), fast_config(None)).handle("p", handler.clone()).run(rx).await.unwrap();
    let job = store.job(permanent).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Dead, 1), "permanent errors are not retried");
    assert_eq!(job.last_error.as_deref(), Some("lead has no website"));
}

/// Never finishes: stands for a long crawl interrupted by Ctrl-C.
struct Hang;

#[async_trait]
impl Handler for Hang {
    async fn handle(&self, _job: &Job) -> Result<Outcome, JobError> {
        std::future::pending().await
    }
}

#[tokio::test]
async fn stop_releases_jobs_in_hand() {
    let (store, lead) = setup().await;
    let id = store.enqueue(NewJob::new("t", Some(lead))).await.unwrap().unwrap();
    let mut config = fast_config(None);
    config.exit_when_drained = false;
    let worker = Worker::new(store.clone(), config).handle("t", Arc::new(Hang));
    let (tx, rx) = watch::channel(false);
    let s2 = store.clone();
    let stopper = tokio::spawn(async move {
        for _ in 0..400 {
            if s2.job(id).await.unwrap().unwrap().state == JobState::Running {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tx.send(true).unwrap();
    });
    worker.run(rx).await.unwrap();
    stopper.await.unwrap();
    let job = store.job(id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Ready, 0), "given back without counting an attempt");
    assert_eq!(worker.stats().released.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn run_scoped_worker_leaves_other_runs_alone() {
    let (store, lead) = setup().await;
    let mine = store.create_run("a", &json!({}), None).await.unwrap();
    let other = store.create_run("b", &json!({}), None).await.unwrap();
    let mut j1 = NewJob::new("t", Some(lead));
    j1.run_id = Some(other);
    let mut j2 = NewJob::new("t", Some(lead));
    j2.run_id = Some(mine);
    let other_id = store.enqueue(j1).await.unwrap().unwrap();
    let mine_id = store.enqueue(j2).await.unwrap().unwrap();
    let handler = Arc::new(Flaky { calls: AtomicU32::new(0), fail_times: 0, permanent: false });
    let (_tx, rx) = watch::channel(false);
    Worker::new(store.clone(), fast_config(Some(mine))).handle("t", handler).run(rx).await.unwrap();
    assert_eq!(store.job(mine_id).await.unwrap().unwrap().state, JobState::Done);
    let untouched = store.job(other_id).await.unwrap().unwrap();
    assert_eq!((untouched.state, untouched.attempts), (JobState::Ready, 0));
}

#[test]
fn worker_ids_name_host_and_process() {
    let id = worker_id();
    let parts: Vec<&str> = id.split(':').collect();
    assert_eq!(parts.len(), 3, "{id}");
    assert_eq!(parts[1], std::process::id().to_string());
    assert!(!local_worker_is_dead(&id), "this process is alive");
    let gone = format!("{}:{}:00000000", parts[0], u32::MAX - 7);
    assert!(local_worker_is_dead(&gone), "no such pid");
    assert!(!local_worker_is_dead("some-other-host:1:00"), "other hosts are never judged here");
}

/// A store holding one ready job of a run, and a worker config that exits when idle rather than drained.
async fn one_job_of_a_run_for_an_idle_worker() -> (Arc<dyn Store>, i64, WorkerConfig) {
    let (store, lead) = setup().await;
    let run = store.create_run("f", &json!({}), None).await.unwrap();
    let mut job = NewJob::new("t", Some(lead));
    job.run_id = Some(run);
    store.enqueue(job).await.unwrap();
    let mut config = fast_config(None);
    config.exit_when_drained = false;
    (store, run, config)
}

#[tokio::test]
async fn idle_workers_exit_and_runs_get_their_final_status() {
    let (store, run, mut config) = one_job_of_a_run_for_an_idle_worker().await;
    config.idle_exit = Some(Duration::from_millis(150));
    let handler = Arc::new(Flaky { calls: AtomicU32::new(0), fail_times: 0, permanent: false });
    let (_tx, rx) = watch::channel(false);
    let started = std::time::Instant::now();
    Worker::new(store.clone(), config).handle("t", handler).run(rx).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(150), "stayed for the idle period");
    let info = store.run(run).await.unwrap().unwrap();
    assert_eq!(info.status, "completed", "the worker that ran the last job closed the run");
}

#[tokio::test]
async fn an_idle_worker_stays_for_a_retry_that_is_not_yet_due() {
    let (store, run, mut config) = one_job_of_a_run_for_an_idle_worker().await;
    // The retry comes due well after the idle limit has passed.
    config.idle_exit = Some(Duration::from_millis(100));
    config.retry = RetryPolicy { base: Duration::from_millis(400), max: Duration::from_millis(400), jitter: 0.0 };
    let handler = Arc::new(Flaky { calls: AtomicU32::new(0), fail_times: 1, permanent: false });
    let (_tx, rx) = watch::channel(false);
    let started = std::time::Instant::now();
    Worker::new(store.clone(), config).handle("t", handler.clone()).run(rx).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400), "waited for the retry");
    assert_eq!(handler.calls.load(Ordering::SeqCst), 2, "the retry ran");
    let info = store.run(run).await.unwrap().unwrap();
    assert_eq!(info.status, "completed");
}
