//! Runs on PostgreSQL: create (once per key), read, list, finish (here and in every transaction that ends
//! jobs) and cancel.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object, Transaction};
use tokio_postgres::Row;

use super::{Params, PgStore, exec, query, query_one, query_opt, sql_limit};
use crate::Runs;
use crate::rules::{self, jobs::FinishTx};
use crate::{KeyedRun, Result, RunInfo};

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

async fn run_by<C: GenericClient>(c: &C, sql: &str, p: Params<'_>) -> Result<Option<RunInfo>> {
    Ok(query_opt(c, sql, p).await?.as_ref().map(run_info))
}

pub(crate) async fn list_runs<C: GenericClient>(c: &C, limit: usize) -> Result<Vec<RunInfo>> {
    Ok(query(c, sql!("runs/list"), &[&sql_limit(limit)]).await?.iter().map(run_info).collect())
}

pub(crate) async fn finish_run_if_done(client: &mut Object, id: i64) -> Result<Option<RunInfo>> {
    let tx = client.transaction().await?;
    finish_runs(&tx, vec![id]).await?;
    let run = run_by(&tx, sql!("runs/by_id"), &[&id]).await?;
    tx.commit().await?;
    Ok(run)
}

/// Finishes those of `runs` with nothing left to do, on `tx` (see [`rules::jobs::finish_runs`]).
pub(crate) async fn finish_runs(tx: &Transaction<'_>, runs: Vec<i64>) -> Result<()> {
    rules::jobs::finish_runs(&mut PgFinish(tx), runs).await
}

/// Finishing runs' statements on one PostgreSQL transaction.
pub(crate) struct PgFinish<'a, 'b>(pub &'a Transaction<'b>);

impl FinishTx for PgFinish<'_, '_> {
    async fn has_open_job(&mut self, run_id: i64) -> Result<bool> {
        Ok(query_opt(self.0, sql!("runs/has_open_job"), &[&run_id]).await?.is_some())
    }

    async fn lock_run(&mut self, run_id: i64) -> Result<Option<String>> {
        Ok(query_opt(self.0, sql!("runs/lock_to_finish"), &[&run_id]).await?.map(|r| r.get(0)))
    }

    async fn open_and_dead(&mut self, run_id: i64) -> Result<(i64, i64)> {
        // A statement of its own after the lock: it sees what finishers before us committed.
        let row = query_one(self.0, sql!("runs/open_and_dead"), &[&run_id]).await?;
        Ok((row.get(0), row.get(1)))
    }

    async fn finish_run(&mut self, run_id: i64, status: &str, stamp: &str) -> Result<()> {
        exec(self.0, sql!("runs/finish"), &[&status, &stamp, &run_id]).await.map(drop)
    }
}

pub(crate) async fn cancel_run(client: &mut Object, id: i64) -> Result<Option<RunInfo>> {
    let tx = client.transaction().await?;
    // FOR UPDATE conflicts with `complete`'s key share lock: see there.
    let status = query_opt(&tx, sql!("runs/lock_status"), &[&id]).await?;
    if status.is_some_and(|r| r.get::<_, String>(0) == "running") {
        exec(&tx, sql!("runs/cancel"), &[&crate::now_rfc3339(), &id]).await?;
        exec(&tx, sql!("runs/cancel_ready_jobs"), &[&crate::now_ms(), &id]).await?;
    }
    let run = run_by(&tx, sql!("runs/by_id"), &[&id]).await?;
    tx.commit().await?;
    Ok(run)
}

#[async_trait]
impl Runs for PgStore {
    async fn create_run(&self, source: &str, params: &serde_json::Value, key: Option<&str>) -> Result<i64> {
        let c = self.client().await?;
        let created = query_opt(&c, sql!("runs/create"), &[&source, params, &crate::now_rfc3339(), &key]).await?;
        match created {
            Some(row) => Ok(row.get(0)),
            // Only a key can conflict; the insert waited for the other transaction, so its row is visible.
            None => Ok(query_one(&c, sql!("runs/id_by_key"), &[&key]).await?.get(0)),
        }
    }

    async fn create_keyed_run(
        &self,
        source: &str,
        params: &serde_json::Value,
        key: &str,
        fingerprint: &str,
    ) -> Result<KeyedRun> {
        let c = self.client().await?;
        let now = crate::now_rfc3339();
        let created = query_opt(&c, sql!("runs/create_keyed"), &[&source, params, &now, &key, &fingerprint]).await?;
        if let Some(row) = created {
            return Ok(KeyedRun { id: row.get(0), created: true, fingerprint: Some(fingerprint.to_string()) });
        }
        // The insert waited for the transaction that holds the key, so its row is visible.
        let row = query_one(&c, sql!("runs/by_key"), &[&key]).await?;
        Ok(KeyedRun { id: row.get(0), created: false, fingerprint: row.get(1) })
    }

    async fn run(&self, id: i64) -> Result<Option<RunInfo>> {
        let c = self.client().await?;
        run_by(&c, sql!("runs/by_id"), &[&id]).await
    }

    async fn latest_run_for_source(&self, source: &str) -> Result<Option<RunInfo>> {
        let c = self.client().await?;
        run_by(&c, sql!("runs/latest_for_source"), &[&source]).await
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
