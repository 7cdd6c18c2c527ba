//! The pipeline's stage handlers (crawl+extract, score) and the driver that imports a file, enqueues its
//! leads into a run and works the run to the end with a progress bar; resumable after a crash or Ctrl-C.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use async_trait::async_trait;
use leadsmith_core::{CrawlStatus, LeadId, PageFacts};
use leadsmith_crawl::site::SiteOptions;
use leadsmith_crawl::{ExtractOptions, HostPool, crawl_site};
use leadsmith_queue::{Handler, JobError, Outcome, Worker, WorkerConfig, local_worker_is_dead};
use leadsmith_score::lead_features;
use leadsmith_store::{Job, NewJob, NewStageResult, RowDecision, Store};
use tokio::sync::watch;
use url::Url;

use crate::import::{self, Parsed};
use crate::scoring::Scoring;
use crate::settings::Settings;
use crate::view::{CrawlResult, STAGE_CRAWL, STAGE_FACTS, STAGE_SCORE};

pub const KIND_CRAWL: &str = "crawl";
pub const KIND_SCORE: &str = "score";

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

/// A lead's stored result of one stage, if it has one that parses.
async fn stage_data<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    lead: LeadId,
    stage: &str,
) -> Result<Option<T>, JobError> {
    Ok(store.stage_result(lead, stage).await.map_err(store_err)?.and_then(|r| serde_json::from_value(r.data).ok()))
}

/// Crawls a lead's site (home + contact/about pages) and extracts facts; stores `crawl` and `facts`.
pub struct CrawlHandler {
    pub store: Arc<dyn Store>,
    pub pool: HostPool,
    pub site: SiteOptions,
}

#[async_trait]
impl Handler for CrawlHandler {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError> {
        let Some(lead) = job_lead(self.store.as_ref(), job).await? else {
            return Ok(Outcome::default());
        };
        let lead_id = lead.id;
        // Without a website, a business email's domain is the next best place to look.
        let website = lead.input.website.clone().or_else(|| lead.input.domain.as_ref().map(|d| format!("http://{d}/")));
        let (crawl, facts) = match website.as_deref().map(Url::parse) {
            None => (CrawlResult::without_site("the lead has no website".into()), PageFacts::default()),
            Some(Err(e)) => (CrawlResult::without_site(format!("unusable website: {e}")), PageFacts::default()),
            Some(Ok(url)) => {
                let site = crawl_site(&self.pool, &url, &self.site).await;
                let crawl = CrawlResult {
                    status: site.status,
                    reason: site.reason,
                    home_url: Some(url.to_string()),
                    pages: site.pages,
                };
                (crawl, site.facts)
            }
        };
        tracing::debug!(lead_id, status = %crawl.status, "crawled");
        let status = crawl.status.as_str().to_string();
        crate::metrics::global().lead_processed(STAGE_CRAWL, &status);
        if crawl.status != CrawlStatus::Ok {
            crate::metrics::global().crawl_error(&status);
        }
        let results = vec![
            NewStageResult {
                lead_id,
                stage: STAGE_CRAWL.into(),
                status: status.clone(),
                data: serde_json::to_value(&crawl).expect("serialisable"),
            },
            NewStageResult {
                lead_id,
                stage: STAGE_FACTS.into(),
                status,
                data: serde_json::to_value(&facts).expect("serialisable"),
            },
        ];
        // The run's later stages travel with the job (`then`); jobs queued before stages were selectable
        // carry none and go on to scoring.
        let then: Vec<String> = match job.payload.get("then") {
            Some(v) => serde_json::from_value(v.clone()).unwrap_or_default(),
            None => vec![KIND_SCORE.to_string()],
        };
        let follow_ups =
            then.iter().take(1).map(|kind| stage_job_then(kind, lead_id, job.run_id, &then[1..])).collect();
        Ok(Outcome { results, follow_ups })
    }
}

/// Scores a lead from its imported fields, facts and crawl outcome (rules, named model or rule scores and
/// their blend); stores `score` with the breakdown.
pub struct ScoreHandler {
    pub store: Arc<dyn Store>,
    pub scoring: Arc<Scoring>,
}

#[async_trait]
impl Handler for ScoreHandler {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError> {
        let Some(lead) = job_lead(self.store.as_ref(), job).await? else {
            return Ok(Outcome::default());
        };
        let lead_id = lead.id;
        let crawl: Option<CrawlResult> = stage_data(self.store.as_ref(), lead_id, STAGE_CRAWL).await?;
        let facts: Option<PageFacts> = stage_data(self.store.as_ref(), lead_id, STAGE_FACTS).await?;
        let status = crawl.as_ref().map_or(CrawlStatus::NoWebsite, |c| c.status);
        let pages_total = crawl.as_ref().map_or(0, |c| c.pages.len());
        let pages_ok = crawl.as_ref().map_or(0, |c| c.pages.iter().filter(|p| p.status == CrawlStatus::Ok).count());
        let features = lead_features(&lead.input, facts.as_ref(), status, pages_ok, pages_total);
        let breakdown = self.scoring.score(&lead, &features);
        crate::metrics::global().lead_processed(STAGE_SCORE, &breakdown.tier.to_string());
        let result = NewStageResult {
            lead_id,
            stage: STAGE_SCORE.into(),
            status: breakdown.tier.to_string(),
            data: serde_json::to_value(&breakdown).expect("serialisable"),
        };
        Ok(Outcome { results: vec![result], follow_ups: vec![] })
    }
}

/// A stage job for one lead in one run; the key makes enqueueing it twice a no-op.
pub fn stage_job(kind: &str, lead: LeadId, run_id: Option<i64>) -> NewJob {
    stage_job_then(kind, lead, run_id, &[])
}

/// A stage job that queues `then` (the run's remaining stages) when it succeeds.
pub fn stage_job_then(kind: &str, lead: LeadId, run_id: Option<i64>, then: &[String]) -> NewJob {
    let mut job = NewJob::new(kind, Some(lead));
    job.run_id = run_id;
    job.unique_key = Some(format!("{kind}:{}:{lead}", run_id.unwrap_or(0)));
    job.payload = serde_json::json!({ "then": then });
    job
}

/// The pipeline's stages in the order they run.
pub const STAGES: [&str; 2] = [KIND_CRAWL, KIND_SCORE];

/// The stages asked for, checked and in pipeline order whatever order they were given in.
pub fn run_stages(stages: &[String]) -> Result<Vec<String>> {
    for s in stages {
        if !STAGES.contains(&s.as_str()) {
            anyhow::bail!("unknown stage {s:?} (stages: {})", STAGES.join(", "));
        }
    }
    let stages: Vec<String> = STAGES.iter().filter(|k| stages.iter().any(|s| s == *k)).map(|k| k.to_string()).collect();
    if stages.is_empty() {
        anyhow::bail!("a run needs at least one stage ({})", STAGES.join(", "));
    }
    Ok(stages)
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
}

impl RunRequest {
    pub fn new(source: &Path, limit: Option<usize>, stages: &[String], key: Option<String>) -> Result<Self> {
        let stages = run_stages(stages)?;
        if limit == Some(0) {
            anyhow::bail!("--limit must be at least 1");
        }
        Ok(Self { source: source.to_path_buf(), limit, stages, key })
    }

    /// Every stage of one file, resumable (`leadsmith run`).
    pub fn file(source: &Path) -> Self {
        Self { source: source.to_path_buf(), limit: None, stages: STAGES.map(String::from).to_vec(), key: None }
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
        let cache: Arc<dyn leadsmith_crawl::PageCache> = Arc::new(crate::cache::StoreCache(store.clone()));
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
        self.worker(config, &[KIND_CRAWL, KIND_SCORE])
    }

    /// A worker with handlers for `kinds` (the pipeline's job kinds).
    pub fn worker(&self, config: WorkerConfig, kinds: &[&str]) -> Worker {
        let site = SiteOptions {
            max_extra_pages: self.settings.crawl.max_extra_pages,
            extract: ExtractOptions { default_region: self.settings.pipeline.default_region.clone() },
        };
        let mut worker = Worker::new(self.store.clone(), config);
        if kinds.contains(&KIND_CRAWL) {
            let crawl = CrawlHandler { store: self.store.clone(), pool: self.pool.clone(), site };
            worker = worker.handle(KIND_CRAWL, Arc::new(crawl));
        }
        if kinds.contains(&crate::schedule::KIND_RUN) {
            let run = crate::schedule::RunHandler { store: self.store.clone(), settings: self.settings.clone() };
            worker = worker.handle(crate::schedule::KIND_RUN, Arc::new(run));
        }
        if kinds.contains(&KIND_SCORE) {
            let score = ScoreHandler { store: self.store.clone(), scoring: self.scoring.clone() };
            worker = worker.handle(KIND_SCORE, Arc::new(score));
        }
        worker
    }
}

/// What `import` did with a file.
#[derive(Debug, Default, serde::Serialize)]
pub struct ImportReport {
    pub read: usize,
    pub imported: usize,
    pub merged: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub lead_ids: Vec<LeadId>,
    #[serde(skip)]
    pub decisions: Vec<RowDecision>,
    pub errors_file: Option<String>,
}

impl ImportReport {
    pub fn print(&self, dry_run: bool) {
        let verb = if dry_run { "would import" } else { "imported" };
        eprintln!(
            "read {} rows: {verb} {} new leads, merged {} duplicates, {} unchanged, rejected {}",
            self.read, self.imported, self.merged, self.unchanged, self.rejected
        );
        if let Some(f) = &self.errors_file {
            eprintln!("rejected rows with line numbers and reasons: {f}");
        }
        for w in &self.warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Reads `path`, writes `<path>.errors.csv` for rejected rows (unless dry run) and imports the rest.
pub async fn import_file(store: &dyn Store, path: &Path, settings: &Settings, dry_run: bool) -> Result<ImportReport> {
    let Parsed { rows, rejected, warnings } = import::parse_file(path, &settings.pipeline.default_region)?;
    let source = source_name(path);
    let read = rows.len() + rejected.len();
    let outcome = store.import_rows(&source, rows, dry_run).await.context("importing rows")?;
    let errors_path = import::errors_path(path);
    let mut errors_file = None;
    if !dry_run {
        if rejected.is_empty() {
            // A stale report from an earlier import of this file would mislead.
            let _ = std::fs::remove_file(&errors_path);
        } else {
            import::write_errors(&errors_path, &rejected)?;
            errors_file = Some(errors_path.display().to_string());
        }
    }
    let mut report = ImportReport { read, rejected: rejected.len(), warnings, errors_file, ..Default::default() };
    if dry_run {
        report.warnings.extend(rejected.iter().map(|r| format!("line {}: rejected: {}", r.line, r.reason)));
    }
    let mut ids = BTreeSet::new();
    for d in &outcome.decisions {
        match d {
            RowDecision::New { .. } => report.imported += 1,
            RowDecision::Merged { .. } => report.merged += 1,
            RowDecision::Unchanged { .. } => report.unchanged += 1,
        }
        ids.insert(d.lead_id());
    }
    report.lead_ids = ids.into_iter().collect();
    report.decisions = outcome.decisions;
    Ok(report)
}

/// The name a file's run and imports are recorded under: its absolute path.
pub fn source_name(path: &Path) -> String {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
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

/// Makes the jobs held by crashed worker processes of this host claimable at once instead of after their
/// lease (workers on other hosts are left to their leases).
pub async fn recover_local(store: &dyn Store) -> Result<u64> {
    let dead: Vec<String> = store.running_workers().await?.into_iter().filter(|w| local_worker_is_dead(w)).collect();
    let recovered = store.recover_jobs(dead).await?;
    if recovered > 0 {
        eprintln!("recovered {recovered} jobs left running by a process that is gone");
    }
    Ok(recovered)
}

/// A run whose jobs are queued.
pub struct StartedRun {
    pub run_id: i64,
    pub resumed: bool,
    pub report: ImportReport,
    /// Leads queued (the file's leads, up to the limit).
    pub queued: usize,
}

/// Imports the request's file and queues its leads in a run: for a keyed request the run of that key;
/// otherwise the unfinished run of the same file if there is one (after making the jobs of crashed local
/// workers claimable again), else a new one.
pub async fn start_run(store: &Arc<dyn Store>, request: &RunRequest, settings: &Settings) -> Result<StartedRun> {
    recover_local(store.as_ref()).await?;
    let path = &request.source;
    let report = import_file(store.as_ref(), path, settings, false).await?;
    if request.key.is_none() {
        report.print(false);
    }
    let source = source_name(path);
    let lead_ids = &report.lead_ids[..request.limit.map_or(report.lead_ids.len(), |l| l.min(report.lead_ids.len()))];
    let params = serde_json::json!({
        "source": source,
        "kind": "file",
        "limit": request.limit,
        "stages": request.stages,
        "found": lead_ids.len(),
    });
    let (run_id, resumed) = match &request.key {
        Some(key) => (store.create_run(&source, &params, Some(key)).await?, false),
        None => match store.latest_run_for_source(&source).await? {
            Some(run) if run.status == "running" => (run.id, true),
            _ => (store.create_run(&source, &params, None).await?, false),
        },
    };
    if resumed && request.key.is_none() {
        eprintln!("resuming run {run_id}");
    }
    crate::metrics::global().run_event(if resumed { "resumed" } else { "started" });
    enqueue_stages(store.as_ref(), run_id, lead_ids, &request.stages).await?;
    Ok(StartedRun { run_id, resumed, queued: lead_ids.len(), report })
}

/// Queues the first of `stages` for each lead in the run; each job carries the stages after it.
/// Queueing a lead twice in one run is a no-op.
async fn enqueue_stages(store: &dyn Store, run_id: i64, lead_ids: &[LeadId], stages: &[String]) -> Result<()> {
    let (first, then) = stages.split_first().context("a run needs at least one stage")?;
    for chunk in lead_ids.chunks(500) {
        let jobs = chunk.iter().map(|&lead| stage_job_then(first, lead, Some(run_id), then)).collect();
        store.enqueue_many(jobs).await?;
    }
    Ok(())
}

/// Leads already in the store that a run can be started over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// Leads with no crawl result yet.
    Unenriched,
    /// Every lead (not deleted).
    All,
}

impl Selection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unenriched => "unenriched",
            Self::All => "all",
        }
    }
}

/// A run over leads already in the store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoreRun {
    pub run_id: i64,
    pub queued: usize,
    /// The run's key had been used: this is the earlier run, nothing was queued.
    pub existing: bool,
}

/// Starts a run over `lead_ids` (a selection of the store, or one lead to enrich again). With a `key` (a
/// client's idempotency key) a second call returns the first run and queues nothing.
pub async fn start_leads_run(
    store: &dyn Store,
    source: &str,
    params: serde_json::Value,
    lead_ids: &[LeadId],
    stages: &[String],
    key: Option<&str>,
) -> Result<StoreRun> {
    let stages = run_stages(stages)?;
    let run_id = store.create_run(source, &params, key).await?;
    if key.is_some() && !store.queue_counts(Some(run_id)).await?.is_empty() {
        return Ok(StoreRun { run_id, queued: 0, existing: true });
    }
    crate::metrics::global().run_event("started");
    enqueue_stages(store, run_id, lead_ids, &stages).await?;
    // A run with nothing to do is done at once.
    store.finish_run_if_done(run_id).await?;
    Ok(StoreRun { run_id, queued: lead_ids.len(), existing: false })
}

/// Starts a run over the leads of `selection`, best first, at most `limit` of them.
pub async fn start_selection_run(
    store: &dyn Store,
    selection: Selection,
    limit: Option<usize>,
    stages: &[String],
    key: Option<&str>,
) -> Result<StoreRun> {
    let filter = leadsmith_store::LeadFilter {
        crawl_status: (selection == Selection::Unenriched).then(|| "none".to_string()),
        limit,
        ..Default::default()
    };
    let lead_ids: Vec<LeadId> = store.list_leads(&filter).await?.iter().map(|s| s.lead.id).collect();
    let source = format!("store:{}", selection.as_str());
    let params = serde_json::json!({"source": source, "kind": "store", "limit": limit, "stages": stages, "found": lead_ids.len()});
    start_leads_run(store, &source, params, &lead_ids, stages, key).await
}

/// Imports `path` and works its run to the end. A run of the same file left unfinished (crash, Ctrl-C)
/// is resumed rather than started again.
pub async fn run_file(engine: &Engine, path: &Path, interactive: bool) -> Result<RunSummary> {
    let started = Instant::now();
    let store = &engine.store;
    let StartedRun { run_id, resumed, report, .. } =
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
    let bar = crate::progress::RunProgress::start(store.clone(), run_id, report.lead_ids.len(), interactive);
    let result = worker.run(stop_rx).await;
    ctrl_c.abort();
    bar.finish().await;
    result.context("running the pipeline")?;
    let run = store.finish_run_if_done(run_id).await?.context("the run disappeared")?;
    Ok(RunSummary {
        run_id,
        resumed,
        status: run.status,
        lead_ids: report.lead_ids,
        elapsed: started.elapsed(),
        interrupted: interrupted.load(std::sync::atomic::Ordering::SeqCst),
    })
}
