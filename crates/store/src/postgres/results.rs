//! Stage results on PostgreSQL: each lead's latest result per stage.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use leadsmith_core::LeadId;

use super::{PgStore, exec, query};
use crate::StageResults;
use crate::{NewStageResult, Result, StageResult};

pub(crate) async fn stage_results<C: GenericClient>(
    c: &C,
    lead: LeadId,
    stage: Option<&str>,
) -> Result<Vec<StageResult>> {
    let rows = query(c, sql!("results/of_lead"), &[&lead, &stage]).await?;
    Ok(rows
        .iter()
        .map(|r| StageResult {
            lead_id: r.get(0),
            stage: r.get(1),
            status: r.get(2),
            data: r.get(3),
            job_id: r.get(4),
            updated_at: r.get(5),
        })
        .collect())
}

/// Upserts `results` (one per lead and stage) as written by job `job_id` at `stamp`.
pub(crate) async fn put<C: GenericClient>(c: &C, job_id: i64, results: &[NewStageResult], stamp: &str) -> Result<()> {
    for r in results {
        exec(c, sql!("results/put"), &[&r.lead_id, &r.stage, &r.status, &r.data, &job_id, &stamp]).await?;
    }
    Ok(())
}

#[async_trait]
impl StageResults for PgStore {
    async fn stage_result(&self, lead: LeadId, stage: &str) -> Result<Option<StageResult>> {
        let c = self.client().await?;
        Ok(stage_results(&c, lead, Some(stage)).await?.into_iter().next())
    }

    async fn stage_results(&self, lead: LeadId) -> Result<Vec<StageResult>> {
        let c = self.client().await?;
        stage_results(&c, lead, None).await
    }
}
