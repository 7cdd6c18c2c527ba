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
    let select = "SELECT lead_id, stage, status, data, job_id, updated_at FROM stage_results WHERE lead_id = $1";
    let order = "ORDER BY updated_at COLLATE \"C\", stage COLLATE \"C\"";
    let rows = match stage {
        Some(stage) => query(c, &format!("{select} AND stage = $2 {order}"), &[&lead, &stage]).await?,
        None => query(c, &format!("{select} {order}"), &[&lead]).await?,
    };
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
