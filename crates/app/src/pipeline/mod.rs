//! The pipeline: the engine that builds every stage's handler from the [stage registry](stages), one file
//! per stage (`crawl`, `score`, and `assess`, run inside the crawl job), importing (`import`), starting and
//! resuming runs (`runs`), scheduled runs (`schedule`), the page cache, retention and the progress bar; and
//! [`run_file`], which imports a file and works its run to the end, resumable after a crash or Ctrl-C.
//!
//! Dependencies point one way: `schedule` starts runs through `runs`; nothing here knows the CLI or HTTP.

pub mod assess;
pub mod cache;
pub mod crawl;
pub mod email;
pub mod import;
pub mod import_stream;
pub mod progress;
pub mod retention;
pub mod runs;
pub mod schedule;
pub mod score;
pub mod stages;
pub mod tech;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use leadsmith_core::LeadId;
use leadsmith_crawl::HostPool;
use leadsmith_queue::{JobError, Worker, WorkerConfig};
use leadsmith_store::{Job, Store};
use tokio::sync::watch;

pub use import::{ImportReport, import_file, source_name};
pub use runs::{
    IdempotencyKey, KeyReused, Selection, StartedRun, StoreRun, recover_local, start_leads_run, start_run,
    start_selection_run,
};
pub use stages::{STAGES, run_stages, stage_job, stage_job_then};

use crate::config::Settings;
use crate::scoring::Scoring;

fn store_err(e: leadsmith_store::StoreError) -> JobError {
    JobError::transient(format!("store: {e}"))
}

/// The job's lead; `None` when it has been deleted since the job was queued (nothing left to do: the job
/// completes without results rather than failing into the dead letters).
async fn job_lead(store: &dyn Store, job: &Job) -> Result<Option<leadsmith_core::LeadRecord>, JobError> {
    let lead_id = job.lead_id.ok_or_else(|| JobError::permanent(format!("{} job without a lead", job.kind)))?;
    let lead = store.lead(lead_id).await.map_err(store_err)?;
    if lead.is_none() {
        tracing::info!(lead_id, job_id = job.id, kind = job.kind, "the lead was deleted; nothing to do");
    }
    Ok(lead)
}

/// What a run is asked to do. Shaped so that more sources (a CRM query) and options (`update_crm`)
/// slot in as fields; they are stored with the run as its parameters.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub source: std::path::PathBuf,
    /// Queue at most this many leads.
    pub limit: Option<usize>,
    /// Stages to run, in pipeline order.
    pub stages: Vec<String>,
    /// Starts the run at most once (a schedule's slot); without one an unfinished run of the same
    /// source is resumed.
    pub key: Option<String>,
    /// With a client's key: a fingerprint of its request, so that the key reused for another request is
    /// refused ([`KeyReused`]) rather than answered with the first run.
    pub fingerprint: Option<String>,
    /// Where the report of rejected rows goes; default `FILE.errors.csv` beside the file.
    pub errors_to: Option<std::path::PathBuf>,
}

impl RunRequest {
    pub fn new(source: &Path, limit: Option<usize>, stages: &[String], key: Option<String>) -> Result<Self> {
        let stages = run_stages(stages)?;
        if limit == Some(0) {
            anyhow::bail!("--limit must be at least 1");
        }
        Ok(Self { source: source.to_path_buf(), limit, stages, key, fingerprint: None, errors_to: None })
    }

    /// Every stage of one file, resumable (`leadsmith run`).
    pub fn file(source: &Path) -> Self {
        Self {
            source: source.to_path_buf(),
            limit: None,
            stages: stages::kinds(),
            key: None,
            fingerprint: None,
            errors_to: None,
        }
    }
}

/// Everything a run needs that is built once.
pub struct Engine {
    pub store: Arc<dyn Store>,
    pub pool: HostPool,
    pub scoring: Arc<Scoring>,
    pub settings: Settings,
}

impl Engine {
    pub fn new(
        store: Arc<dyn Store>,
        settings: Settings,
        overrides: std::collections::HashMap<String, std::net::SocketAddr>,
    ) -> Result<Self> {
        let mut fetch = settings.fetch_config()?;
        fetch.resolve_overrides.extend(overrides);
        let cache: Arc<dyn leadsmith_crawl::PageCache> = Arc::new(cache::StoreCache(store.clone()));
        let pool = HostPool::new(fetch, Some(cache)).context("setting up the crawler")?;
        let scoring = crate::scoring::from_settings(&settings)?;
        Ok(Self { store, pool, scoring: Arc::new(scoring), settings })
    }

    /// A worker that works one run to its end (`leadsmith run`).
    fn run_worker(&self, run_id: i64) -> Worker {
        let config = WorkerConfig {
            concurrency: self.settings.pipeline.workers,
            run_id: Some(run_id),
            exit_when_drained: true,
            poll_interval: Duration::from_millis(50),
            ..WorkerConfig::default()
        };
        self.worker(config, &stages::kinds())
    }

    /// A worker with the handlers of the stages among `kinds`; other kinds are the caller's to add.
    pub fn worker(&self, config: WorkerConfig, kinds: &[impl AsRef<str>]) -> Worker {
        let mut worker = Worker::new(self.store.clone(), config);
        for stage in STAGES.iter().filter(|s| kinds.iter().any(|k| k.as_ref() == s.kind)) {
            worker = worker.handle(stage.kind, (stage.handler)(self));
        }
        worker
    }
}

#[derive(Debug)]
pub struct RunSummary {
    pub run_id: i64,
    pub resumed: bool,
    pub status: String,
    pub lead_ids: Vec<LeadId>,
    pub elapsed: Duration,
    pub interrupted: bool,
}

/// Imports `path` and works its run to the end. A run of the same file left unfinished (crash, Ctrl-C)
/// is resumed rather than started again.
pub async fn run_file(engine: &Engine, path: &Path, interactive: bool) -> Result<RunSummary> {
    let started = Instant::now();
    let store = &engine.store;
    let StartedRun { run_id, resumed, report, queued } =
        start_run(store, &RunRequest::file(path), &engine.settings).await?;
    let worker = engine.run_worker(run_id);
    let (stop_tx, stop_rx) = watch::channel(false);
    let interrupted = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ctrl_c = {
        let interrupted = interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
                eprintln!("\ninterrupted: finishing up; run the same command again to resume");
                let _ = stop_tx.send(true);
            }
        })
    };
    let bar = progress::RunProgress::start(store.clone(), run_id, queued, STAGES.len(), interactive);
    let result = worker.run(stop_rx).await;
    ctrl_c.abort();
    bar.finish().await;
    result.context("running the pipeline")?;
    let run = store.finish_run_if_done(run_id).await?.context("the run disappeared")?;
    Ok(RunSummary {
        run_id,
        resumed,
        status: run.status,
        lead_ids: runs::import_leads(store.as_ref(), report.import_id.context("the import was not recorded")?, queued)
            .await?,
        elapsed: started.elapsed(),
        interrupted: interrupted.load(std::sync::atomic::Ordering::SeqCst),
    })
}
