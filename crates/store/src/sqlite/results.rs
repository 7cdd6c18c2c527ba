//! Stage results on SQLite: each lead's latest result per stage.

use async_trait::async_trait;
use leadsmith_core::LeadId;
use rusqlite::{Connection, Transaction, params};

use super::{SqliteStore, json_col};
use crate::StageResults;
use crate::{NewStageResult, Result, StageResult};

pub(crate) fn stage_results(conn: &Connection, lead: LeadId, stage: Option<&str>) -> Result<Vec<StageResult>> {
    let mut stmt = conn.prepare_cached(sql!("results/of_lead"))?;
    let rows = stmt
        .query_map(params![lead, stage], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(lead_id, stage, status, data, job_id, updated_at)| {
            Ok(StageResult { lead_id, stage, status, data: json_col(data, "stage result")?, job_id, updated_at })
        })
        .collect()
}

/// Upserts `results` (one per lead and stage) as written by job `job_id` at `stamp`.
pub(crate) fn put(tx: &Transaction<'_>, job_id: i64, results: &[NewStageResult], stamp: &str) -> Result<()> {
    let mut stmt = tx.prepare_cached(sql!("results/put"))?;
    for r in results {
        stmt.execute(params![r.lead_id, r.stage, r.status, r.data.to_string(), job_id, stamp])?;
    }
    Ok(())
}

#[async_trait]
impl StageResults for SqliteStore {
    async fn stage_result(&self, lead: LeadId, stage: &str) -> Result<Option<StageResult>> {
        let stage = stage.to_string();
        self.call(move |conn| Ok(stage_results(conn, lead, Some(&stage))?.into_iter().next())).await
    }

    async fn stage_results(&self, lead: LeadId) -> Result<Vec<StageResult>> {
        self.call(move |conn| stage_results(conn, lead, None)).await
    }
}
