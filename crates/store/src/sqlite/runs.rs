//! Runs on SQLite: create (once per key), read, list, finish (here and in every transaction that ends jobs)
//! and cancel.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Params, Transaction, params};

use super::{SqliteStore, json_col};
use crate::Runs;
use crate::rules::{self, jobs::FinishTx};
use crate::{KeyedRun, Result, RunInfo};

type RunRow = (i64, String, String, String, String, Option<String>);

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

fn run_info((id, source, params, status, created_at, finished_at): RunRow) -> Result<RunInfo> {
    Ok(RunInfo { id, source, params: json_col(params, "run params")?, status, created_at, finished_at })
}

fn run_by<P: Params>(conn: &Connection, sql: &str, p: P) -> Result<Option<RunInfo>> {
    conn.query_row(sql, p, run_row).optional()?.map(run_info).transpose()
}

pub(crate) fn list_runs(conn: &Connection, limit: usize) -> Result<Vec<RunInfo>> {
    let mut stmt = conn.prepare(sql!("runs/list"))?;
    let rows = stmt.query_map([limit as i64], run_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(run_info).collect()
}

pub(crate) fn finish_run_if_done(conn: &mut Connection, id: i64) -> Result<Option<RunInfo>> {
    let tx = conn.transaction()?;
    finish_runs(&tx, vec![id])?;
    tx.commit()?;
    run_by(conn, sql!("runs/by_id"), [id])
}

/// Finishes those of `runs` with nothing left to do, on `tx` (see [`rules::jobs::finish_runs`]).
pub(crate) fn finish_runs(tx: &Transaction<'_>, runs: Vec<i64>) -> Result<()> {
    rules::ready(rules::jobs::finish_runs(&mut SqliteFinish(tx), runs))
}

/// Finishing runs' statements on one SQLite transaction (blocking calls: see [`rules::ready`]).
pub(crate) struct SqliteFinish<'a>(pub &'a Transaction<'a>);

impl FinishTx for SqliteFinish<'_> {
    async fn has_open_job(&mut self, run_id: i64) -> Result<bool> {
        Ok(self.0.prepare_cached(sql!("runs/has_open_job"))?.query_row([run_id], |r| r.get(0))?)
    }

    async fn lock_run(&mut self, run_id: i64) -> Result<Option<String>> {
        Ok(self.0.prepare_cached(sql!("runs/lock_to_finish"))?.query_row([run_id], |r| r.get(0)).optional()?)
    }

    async fn open_and_dead(&mut self, run_id: i64) -> Result<(i64, i64)> {
        let mut stmt = self.0.prepare_cached(sql!("runs/open_and_dead"))?;
        Ok(stmt.query_row([run_id], |r| Ok((r.get(0)?, r.get(1)?)))?)
    }

    async fn finish_run(&mut self, run_id: i64, status: &str, stamp: &str) -> Result<()> {
        self.0.prepare_cached(sql!("runs/finish"))?.execute(params![status, stamp, run_id])?;
        Ok(())
    }
}

pub(crate) fn cancel_run(conn: &mut Connection, id: i64) -> Result<Option<RunInfo>> {
    let tx = conn.transaction()?;
    let n = tx.execute(sql!("runs/cancel"), params![crate::now_rfc3339(), id])?;
    if n == 1 {
        tx.execute(sql!("runs/cancel_ready_jobs"), params![crate::now_ms(), id])?;
    }
    tx.commit()?;
    run_by(conn, sql!("runs/by_id"), [id])
}

#[async_trait]
impl Runs for SqliteStore {
    async fn create_run(&self, source: &str, params_json: &serde_json::Value, key: Option<&str>) -> Result<i64> {
        let (source, params_text, key) = (source.to_string(), params_json.to_string(), key.map(str::to_string));
        self.call(move |conn| {
            let n = conn.execute(sql!("runs/create"), params![source, params_text, crate::now_rfc3339(), key])?;
            if n == 1 {
                return Ok(conn.last_insert_rowid());
            }
            Ok(conn.query_row(sql!("runs/id_by_key"), [key], |r| r.get(0))?)
        })
        .await
    }

    async fn create_keyed_run(
        &self,
        source: &str,
        params_json: &serde_json::Value,
        key: &str,
        fingerprint: &str,
    ) -> Result<KeyedRun> {
        let (source, params_text) = (source.to_string(), params_json.to_string());
        let (key, fingerprint) = (key.to_string(), fingerprint.to_string());
        self.call(move |conn| {
            let now = crate::now_rfc3339();
            let n = conn.execute(sql!("runs/create_keyed"), params![source, params_text, now, key, fingerprint])?;
            if n == 1 {
                return Ok(KeyedRun { id: conn.last_insert_rowid(), created: true, fingerprint: Some(fingerprint) });
            }
            let (id, fingerprint) = conn.query_row(sql!("runs/by_key"), [key], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(KeyedRun { id, created: false, fingerprint })
        })
        .await
    }

    async fn cancel_run(&self, id: i64) -> Result<Option<RunInfo>> {
        self.call(move |conn| cancel_run(conn, id)).await
    }

    async fn run(&self, id: i64) -> Result<Option<RunInfo>> {
        self.call(move |conn| run_by(conn, sql!("runs/by_id"), [id])).await
    }

    async fn latest_run_for_source(&self, source: &str) -> Result<Option<RunInfo>> {
        let source = source.to_string();
        self.call(move |conn| run_by(conn, sql!("runs/latest_for_source"), [source])).await
    }

    async fn list_runs(&self, limit: usize) -> Result<Vec<RunInfo>> {
        self.call(move |conn| list_runs(conn, limit)).await
    }

    async fn finish_run_if_done(&self, id: i64) -> Result<Option<RunInfo>> {
        self.call(move |conn| finish_run_if_done(conn, id)).await
    }
}
