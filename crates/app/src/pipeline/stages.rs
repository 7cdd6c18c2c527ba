//! The stage registry: every pipeline stage is defined once — its job kind, the results it stores (each a
//! type implementing [`StageData`]) and how its handler is built — and everything that needs to know the
//! stages (worker job kinds, the CLI's defaults, progress totals, run validation, lead views) derives from
//! [`STAGES`]. A new stage is one file under `pipeline/` plus one entry here.

use std::sync::Arc;

use anyhow::{Result, bail};
use leadsmith_core::{LeadId, PageFacts, ScoreBreakdown};
use leadsmith_queue::Handler;
use leadsmith_store::{NewJob, NewStageResult, StageResult};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Engine;
use super::assess::Findings;
use super::crawl::CrawlResult;
use super::email::EmailSignals;

/// A value a stage stores for a lead under a fixed name (`stage_results.stage`), and what readers decode
/// that name as.
pub trait StageData: Serialize + DeserializeOwned {
    /// The stored result's name.
    const NAME: &'static str;
}

impl StageData for CrawlResult {
    const NAME: &'static str = "crawl";
}

impl StageData for PageFacts {
    const NAME: &'static str = "facts";
}

impl StageData for Findings {
    const NAME: &'static str = "assess";
}

impl StageData for EmailSignals {
    const NAME: &'static str = "email";
}

impl StageData for leadsmith_tech::Detections {
    const NAME: &'static str = "tech";
}

impl StageData for leadsmith_crawl::audit::Audit {
    const NAME: &'static str = "audit";
}

impl StageData for ScoreBreakdown {
    const NAME: &'static str = "score";
}

/// One stage of the pipeline.
pub struct Stage {
    /// The job kind its jobs are queued as, and its name in `--stages`.
    pub kind: &'static str,
    /// One line for help and docs.
    pub about: &'static str,
    /// The results its jobs store ([`StageData::NAME`]s).
    pub writes: &'static [&'static str],
    /// Builds the handler that works its jobs.
    pub handler: fn(&Engine) -> Arc<dyn Handler>,
}

/// The pipeline's stages, in the order a run goes through them.
pub const STAGES: [Stage; 2] = [super::crawl::STAGE, super::score::STAGE];

/// The stage with this job kind.
pub fn stage(kind: &str) -> Option<&'static Stage> {
    STAGES.iter().find(|s| s.kind == kind)
}

/// Every stage's kind, in pipeline order (the default of `--stages`).
pub fn kinds() -> Vec<String> {
    STAGES.iter().map(|s| s.kind.to_string()).collect()
}

/// The stages asked for, checked and in pipeline order whatever order they were given in.
pub fn run_stages(stages: &[String]) -> Result<Vec<String>> {
    let known = || kinds().join(", ");
    for s in stages {
        if stage(s).is_none() {
            bail!("unknown stage {s:?} (stages: {})", known());
        }
    }
    let stages: Vec<String> =
        STAGES.iter().filter(|k| stages.iter().any(|s| s == k.kind)).map(|k| k.kind.to_string()).collect();
    if stages.is_empty() {
        bail!("a run needs at least one stage ({})", known());
    }
    Ok(stages)
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

/// A result to store: `data` under its type's name.
pub fn new_result<T: StageData>(lead_id: LeadId, status: impl Into<String>, data: &T) -> NewStageResult {
    NewStageResult {
        lead_id,
        stage: T::NAME.to_string(),
        status: status.into(),
        data: serde_json::to_value(data).expect("stage results serialise"),
    }
}

/// A stored result that is there but no longer decodes as its type (written by another version, or edited
/// by hand): reported to whoever reads it, never silently taken for "no result".
#[derive(Debug, Clone)]
pub struct Undecodable {
    pub name: &'static str,
    pub error: String,
}

impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the stored `{}` result does not decode: {}", self.name, self.error)
    }
}

impl std::error::Error for Undecodable {}

/// A stored result decoded as `T`.
pub fn decode<T: StageData>(result: &StageResult) -> Result<T, Undecodable> {
    serde_json::from_value(result.data.clone()).map_err(|e| Undecodable { name: T::NAME, error: e.to_string() })
}

/// `T`'s result among a lead's stored results: `Ok(None)` when there is none.
pub fn find<T: StageData>(results: &[StageResult]) -> Result<Option<T>, Undecodable> {
    results.iter().find(|r| r.stage == T::NAME).map(decode).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_is_registered_once_and_runs_validate_against_the_registry() {
        let kinds = kinds();
        let unique: std::collections::BTreeSet<&String> = kinds.iter().collect();
        assert_eq!(unique.len(), kinds.len(), "{kinds:?}");
        assert_eq!(run_stages(&["score".into(), "crawl".into()]).unwrap(), kinds, "pipeline order");
        assert!(run_stages(&["paint".into()]).unwrap_err().to_string().contains("unknown stage \"paint\""));
        assert!(run_stages(&[]).is_err());
        for s in &STAGES {
            assert!(!s.writes.is_empty(), "{} stores nothing", s.kind);
        }
    }

    #[test]
    fn an_undecodable_result_is_an_error_not_a_missing_one() {
        let result = |data| StageResult {
            lead_id: 1,
            stage: "crawl".into(),
            status: "ok".into(),
            data,
            job_id: None,
            updated_at: String::new(),
        };
        assert!(find::<CrawlResult>(&[]).unwrap().is_none());
        let ok = result(serde_json::to_value(CrawlResult::without_site("none".into())).unwrap());
        assert!(find::<CrawlResult>(&[ok]).unwrap().is_some());
        let err = find::<CrawlResult>(&[result(serde_json::json!({"status": 7}))]).unwrap_err();
        assert_eq!(err.name, "crawl");
    }
}
