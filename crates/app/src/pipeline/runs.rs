//! Starting runs: queueing the first stage of a run for its leads, from a file (imported first), a
//! selection of the store, or a list of leads; resuming the unfinished run of the same file.

use std::sync::Arc;

use anyhow::{Context, Result};
use leadsmith_core::LeadId;
use leadsmith_queue::local_worker_is_dead;
use leadsmith_store::Store;

use super::RunRequest;
use super::import::{ImportReport, import_file_to, source_name};
use super::stages::{run_stages, stage_job_then};
use crate::config::Settings;

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
/// otherwise the unfinished run of the same file if it still has work (after making the jobs of crashed
/// local workers claimable again), else a new one. A run with nothing to do is done at once.
pub async fn start_run(store: &Arc<dyn Store>, request: &RunRequest, settings: &Settings) -> Result<StartedRun> {
    recover_local(store.as_ref()).await?;
    let path = &request.source;
    let report = import_file_to(store.as_ref(), path, settings, false, request.errors_to.as_deref()).await?;
    if request.key.is_none() {
        report.print(false);
    }
    let source = source_name(path);
    let import_id = report.import_id.context("the import was not recorded")?;
    let found = request.limit.map_or(report.leads as usize, |l| l.min(report.leads as usize));
    let params = serde_json::json!({
        "source": source,
        "kind": "file",
        "limit": request.limit,
        "stages": request.stages,
        "found": found,
    });
    let (run_id, resumed) = match (&request.key, &request.fingerprint) {
        (Some(key), Some(fingerprint)) => {
            (create_keyed_run(store.as_ref(), &source, &params, key, fingerprint).await?.0, false)
        }
        (Some(key), None) => (store.create_run(&source, &params, Some(key)).await?, false),
        (None, _) => match store.latest_run_for_source(&source).await? {
            Some(run) if run.status == "running" && resumable(store.as_ref(), run.id).await? => (run.id, true),
            _ => (store.create_run(&source, &params, None).await?, false),
        },
    };
    if resumed && request.key.is_none() {
        eprintln!("resuming run {run_id}");
    }
    crate::telemetry::global().run_event(if resumed { "resumed" } else { "started" });
    enqueue_import(store.as_ref(), run_id, import_id, found, &request.stages).await?;
    store.finish_run_if_done(run_id).await?;
    Ok(StartedRun { run_id, resumed, queued: found, report })
}

/// How many leads a run queues or reads at a time.
const PAGE: usize = 500;

/// Queues the first of `stages` for the first `limit` leads (by id) of import `import_id`, a page at a
/// time, so a file of any size is queued in flat memory.
async fn enqueue_import(store: &dyn Store, run_id: i64, import_id: i64, limit: usize, stages: &[String]) -> Result<()> {
    let mut after = 0;
    let mut left = limit;
    while left > 0 {
        let page = store.import_lead_ids(import_id, after, left.min(PAGE)).await?;
        let Some(&last) = page.last() else { break };
        enqueue_stages(store, run_id, &page, stages).await?;
        after = last;
        left -= page.len();
    }
    Ok(())
}

/// The first `limit` leads (by id) of import `import_id`.
pub async fn import_leads(store: &dyn Store, import_id: i64, limit: usize) -> Result<Vec<LeadId>> {
    let mut ids: Vec<LeadId> = Vec::new();
    while ids.len() < limit {
        let page =
            store.import_lead_ids(import_id, ids.last().copied().unwrap_or(0), (limit - ids.len()).min(PAGE)).await?;
        if page.is_empty() {
            break;
        }
        ids.extend(page);
    }
    Ok(ids)
}

/// Whether a `running` run is worth resuming: it has jobs still to do, or none queued yet (its start was
/// cut off before queueing). A run whose jobs have all ended is over whatever its status says: it is given
/// its final status, and a new run does the file again (resuming it would queue nothing, since its jobs
/// are unique per run and lead).
async fn resumable(store: &dyn Store, run_id: i64) -> Result<bool> {
    let counts = store.queue_counts(Some(run_id)).await?;
    if counts.is_empty() || counts.iter().any(|k| k.ready + k.running > 0) {
        return Ok(true);
    }
    store.finish_run_if_done(run_id).await?;
    Ok(false)
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

/// A client's idempotency key, with a fingerprint of the request it came with (what it asked for).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub fingerprint: String,
}

/// An idempotency key sent again with another request than the one it started `run_id` for: nothing was
/// started.
#[derive(Debug)]
pub struct KeyReused {
    pub run_id: i64,
}

impl std::fmt::Display for KeyReused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the idempotency key started run {} for another request", self.run_id)
    }
}

impl std::error::Error for KeyReused {}

/// The run of `key`, created now (`true`) or before for the same request (`false`); [`KeyReused`] when it
/// was created for another request. A run keyed before fingerprints were kept counts as the same request.
async fn create_keyed_run(
    store: &dyn Store,
    source: &str,
    params: &serde_json::Value,
    key: &str,
    fingerprint: &str,
) -> Result<(i64, bool)> {
    let run = store.create_keyed_run(source, params, key, fingerprint).await?;
    if !run.created && run.fingerprint.as_deref().is_some_and(|f| f != fingerprint) {
        return Err(KeyReused { run_id: run.id }.into());
    }
    Ok((run.id, run.created))
}

/// Starts a run over `lead_ids` (a selection of the store, or one lead to enrich again). With a `key` (a
/// client's idempotency key) a second call with the same request returns the first run and queues
/// nothing; with another request it is a [`KeyReused`] error.
pub async fn start_leads_run(
    store: &dyn Store,
    source: &str,
    params: serde_json::Value,
    lead_ids: &[LeadId],
    stages: &[String],
    key: Option<&IdempotencyKey>,
) -> Result<StoreRun> {
    let stages = run_stages(stages)?;
    let run_id = match key {
        None => store.create_run(source, &params, None).await?,
        Some(key) => match create_keyed_run(store, source, &params, &key.key, &key.fingerprint).await? {
            (run_id, false) => return Ok(StoreRun { run_id, queued: 0, existing: true }),
            (run_id, true) => run_id,
        },
    };
    crate::telemetry::global().run_event("started");
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
    key: Option<&IdempotencyKey>,
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
