//! Runs on PostgreSQL: create (once per key), read, list, finish and cancel.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::Row;

use super::{Params, PgStore, exec, query, query_one, query_opt, sql_limit};
use crate::Runs;
use crate::rules;
use crate::{Result, RunInfo};

const RUN_COLUMNS: &str = "id, source, params, status, created_at, finished_at";

fn run_info(r: &Row) -> RunInfo {
    RunInfo {
        id: r.get(0),
        source: r.get(1),
        params: r.get(2),
        status: r.get(3),
        created_at: r.get(4),
        finished_at: r.get(5),
    }
}

pub(crate) async fn run_where<C: GenericClient>(c: &C, clause: &str, p: Params<'_>) -> Result<Option<RunInfo>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs WHERE {clause}");
    Ok(query_opt(c, &sql, p).await?.as_ref().map(run_info))
}

pub(crate) async fn list_runs<C: GenericClient>(c: &C, limit: usize) -> Result<Vec<RunInfo>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM runs ORDER BY id DESC LIMIT $1");
    Ok(query(c, &sql, &[&sql_limit(limit)]).await?.iter().map(run_info).collect())
}

pub(crate) async fn finish_run_if_done(client: &mut Object, id: i64) -> Result<Option<RunInfo>> {
    let tx = client.transaction().await?;
    // One snapshot: a job that completes while enqueueing its follow-ups does both in one commit, so this
    // sees the job still open or its follow-ups ready, never neither.
    let row = query_one(
        &tx,
        "SELECT count(*) FILTER (WHERE state IN ('ready', 'running')), count(*) FILTER (WHERE state = 'dead')
         FROM jobs WHERE run_id = $1",
        &[&id],
    )
    .await?;
    let (open, dead): (i64, i64) = (row.get(0), row.get(1));
    if let Some(status) = rules::jobs::finished_status(open, dead) {
        exec(&tx, sql!("runs/finish"), &[&status, &crate::now_rfc3339(), &id]).await?;
    }
    let run = run_where(&tx, "id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(run)
}

pub(crate) async fn cancel_run(client: &mut Object, id: i64) -> Result<Option<RunInfo>> {
    let tx = client.transaction().await?;
    // FOR UPDATE conflicts with `complete`'s key share lock: see there.
    let status = query_opt(&tx, "SELECT status FROM runs WHERE id = $1 FOR UPDATE", &[&id]).await?;
    if status.is_some_and(|r| r.get::<_, String>(0) == "running") {
        exec(
            &tx,
            "UPDATE runs SET status = 'cancelled', finished_at = $1 WHERE id = $2",
            &[&crate::now_rfc3339(), &id],
        )
        .await?;
        exec(
            &tx,
            "UPDATE jobs SET state = 'cancelled', updated_at = $1 WHERE run_id = $2 AND state = 'ready'",
            &[&crate::now_ms(), &id],
        )
        .await?;
    }
    let run = run_where(&tx, "id = $1", &[&id]).await?;
    tx.commit().await?;
    Ok(run)
}

#[async_trait]
impl Runs for PgStore {
    async fn create_run(&self, source: &str, params: &serde_json::Value, key: Option<&str>) -> Result<i64> {
        let c = self.client().await?;
        let created = query_opt(
            &c,
            "INSERT INTO runs (source, params, status, created_at, key) VALUES ($1, $2, 'running', $3, $4)
             ON CONFLICT (key) DO NOTHING RETURNING id",
            &[&source, params, &crate::now_rfc3339(), &key],
        )
        .await?;
        match created {
            Some(row) => Ok(row.get(0)),
            // Only a key can conflict; the insert waited for the other transaction, so its row is visible.
            None => Ok(query_one(&c, "SELECT id FROM runs WHERE key = $1", &[&key]).await?.get(0)),
        }
    }

    async fn run(&self, id: i64) -> Result<Option<RunInfo>> {
        let c = self.client().await?;
        run_where(&c, "id = $1", &[&id]).await
    }

    async fn latest_run_for_source(&self, source: &str) -> Result<Option<RunInfo>> {
        let c = self.client().await?;
        run_where(&c, "source = $1 ORDER BY id DESC LIMIT 1", &[&source]).await
    }

    async fn list_runs(&self, limit: usize) -> Result<Vec<RunInfo>> {
        let c = self.client().await?;
        list_runs(&c, limit).await
    }

    async fn finish_run_if_done(&self, id: i64) -> Result<Option<RunInfo>> {
        let mut c = self.client().await?;
        finish_run_if_done(&mut c, id).await
    }

    async fn cancel_run(&self, id: i64) -> Result<Option<RunInfo>> {
        let mut c = self.client().await?;
        cancel_run(&mut c, id).await
    }
}
