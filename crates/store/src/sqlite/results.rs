//! Stage results on SQLite: each lead's latest result per stage.

use async_trait::async_trait;
use leadsmith_core::LeadId;
use rusqlite::{Connection, params};

use super::{SqliteStore, json_col};
use crate::StageResults;
use crate::{Result, StageResult};

pub(crate) fn stage_results(conn: &Connection, lead: LeadId, stage: Option<&str>) -> Result<Vec<StageResult>> {
    let mut stmt = conn.prepare(
        "SELECT lead_id, stage, status, data, job_id, updated_at FROM stage_results
         WHERE lead_id = ?1 AND (?2 IS NULL OR stage = ?2) ORDER BY updated_at, stage",
    )?;
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
