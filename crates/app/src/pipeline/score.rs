//! The `score` stage: scores a lead from its imported fields, the facts from its site, its technologies,
//! its website audit and its crawl outcome (rules, named model or rule scores and their blend); stores `score` with the breakdown.

use std::sync::Arc;

use async_trait::async_trait;
use leadsmith_core::{CrawlStatus, PageFacts, ScoreBreakdown};
use leadsmith_crawl::audit::Audit;
use leadsmith_queue::{Handler, JobError, Outcome};
use leadsmith_score::{TechnologyName, add_site_signals, lead_features};
use leadsmith_store::{Job, Store};
use leadsmith_tech::Detections;

use super::crawl::CrawlResult;
use super::stages::{Stage, StageData, Undecodable, decode, new_result};
use super::{Engine, job_lead, store_err};
use crate::scoring::Scoring;

/// The stage's registration.
pub const STAGE: Stage = Stage {
    kind: "score",
    about: "score the lead with the configured rules and models",
    writes: &[ScoreBreakdown::NAME],
    handler,
};

fn handler(engine: &Engine) -> Arc<dyn Handler> {
    Arc::new(ScoreHandler { store: engine.store.clone(), scoring: engine.scoring.clone() })
}

/// Works `score` jobs.
pub struct ScoreHandler {
    pub store: Arc<dyn Store>,
    pub scoring: Arc<Scoring>,
}

/// The lead's stored `T`, if any; one that no longer decodes fails the job for good, naming it, rather
/// than scoring the lead as if it had never been crawled.
async fn stored<T: StageData>(store: &dyn Store, lead: i64) -> Result<Option<T>, JobError> {
    match store.stage_result(lead, T::NAME).await.map_err(store_err)? {
        None => Ok(None),
        Some(r) => decode(&r).map(Some).map_err(|e: Undecodable| JobError::permanent(e.to_string())),
    }
}

#[async_trait]
impl Handler for ScoreHandler {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError> {
        let Some(lead) = job_lead(self.store.as_ref(), job).await? else {
            return Ok(Outcome::default());
        };
        let lead_id = lead.id;
        let crawl: Option<CrawlResult> = stored(self.store.as_ref(), lead_id).await?;
        let facts: Option<PageFacts> = stored(self.store.as_ref(), lead_id).await?;
        let status = crawl.as_ref().map_or(CrawlStatus::NoWebsite, |c| c.status);
        let pages_total = crawl.as_ref().map_or(0, |c| c.pages.len());
        let pages_ok = crawl.as_ref().map_or(0, |c| c.pages.iter().filter(|p| p.status == CrawlStatus::Ok).count());
        let mut features = lead_features(&lead.input, facts.as_ref(), status, pages_ok, pages_total);
        let tech: Option<Detections> = stored(self.store.as_ref(), lead_id).await?;
        let audit: Option<Audit> = stored(self.store.as_ref(), lead_id).await?;
        let categories: Vec<Vec<&str>> = tech
            .iter()
            .flat_map(|t| t.detected())
            .map(|d| d.categories.iter().map(|c| c.name.as_str()).collect())
            .collect();
        let names: Option<Vec<TechnologyName>> = tech.as_ref().map(|t| {
            t.detected().zip(&categories).map(|(d, cats)| TechnologyName { name: &d.name, categories: cats }).collect()
        });
        add_site_signals(&mut features, names.as_deref(), audit.as_ref());
        // Model inference is CPU work: on the blocking pool, not on the workers' async threads.
        let scoring = self.scoring.clone();
        let breakdown = tokio::task::spawn_blocking(move || scoring.score(&lead, &features))
            .await
            .map_err(|e| JobError::transient(format!("scoring failed unexpectedly: {e}")))?;
        let tier = breakdown.tier.to_string();
        crate::telemetry::global().lead_processed(STAGE.kind, &tier);
        Ok(Outcome { results: vec![new_result(lead_id, tier, &breakdown)], follow_ups: vec![] })
    }
}
