//! Leads on SQLite: import with exact-key dedupe (the decisions are `rules::import`'s), reads, source rows,
//! the listing and soft delete.

use std::collections::HashSet;

use async_trait::async_trait;
use leadsmith_core::{LeadId, LeadInput, LeadRecord};
use rusqlite::{Connection, OptionalExtension, Params, Transaction, params};
use tokio::sync::mpsc::{Receiver, Sender};

use super::SqliteStore;
use crate::Leads;
use crate::listing::{self, Arg, Dialect};
use crate::rules::{
    self,
    import::{self, ImportTx, SourceRecord},
};
use crate::{
    ImportOutcome, ImportRow, LeadExport, LeadFilter, LeadSummary, Result, RowDecision, SourceRow, StoreError,
    StreamRow, StreamedImport,
};

pub(crate) fn import_rows(
    conn: &mut Connection,
    source: &str,
    rows: Vec<ImportRow>,
    dry_run: bool,
) -> Result<ImportOutcome> {
    let tx = conn.transaction()?;
    let import::Imported { import_id, decisions, crowded_keys } =
        rules::ready(import::import_rows(&mut SqliteImport(&tx), source, rows))?;
    if dry_run {
        tx.rollback()?;
        return Ok(ImportOutcome { import_id: None, decisions, crowded_keys });
    }
    tx.commit()?;
    Ok(ImportOutcome { import_id: Some(import_id), decisions, crowded_keys })
}

/// The import's statements on one SQLite transaction (blocking calls: see [`rules::ready`]).
struct SqliteImport<'a>(&'a Transaction<'a>);

impl ImportTx for SqliteImport<'_> {
    async fn create_import(&mut self, source: &str, rows_read: i64, now: &str) -> Result<i64> {
        self.0.execute(sql!("leads/create_import"), params![source, now, rows_read])?;
        Ok(self.0.last_insert_rowid())
    }

    async fn lead_of_row(&mut self, fingerprint: &str) -> Result<Option<LeadId>> {
        Ok(self.0.query_row(sql!("leads/lead_of_row"), [fingerprint], |r| r.get(0)).optional()?)
    }

    async fn restore_lead(&mut self, lead: LeadId, now: &str) -> Result<()> {
        self.0.execute(sql!("leads/restore"), params![now, lead])?;
        Ok(())
    }

    async fn lead_of_key(&mut self, key: &str) -> Result<Option<LeadId>> {
        Ok(self.0.prepare_cached(sql!("leads/lead_of_key"))?.query_row([key], |r| r.get(0)).optional()?)
    }

    async fn lead_input(&mut self, lead: LeadId) -> Result<LeadInput> {
        let data: String = self.0.query_row(sql!("leads/input"), [lead], |r| r.get(0))?;
        serde_json::from_str(&data).map_err(|source| StoreError::Json { what: "lead", source })
    }

    async fn update_input(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()> {
        let domain = input.domain.as_ref().map(|d| d.to_string());
        self.0.execute(sql!("leads/update_input"), params![to_json(input), input.company, domain, now, lead])?;
        Ok(())
    }

    async fn update_merged(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()> {
        let domain = input.domain.as_ref().map(|d| d.to_string());
        self.0.execute(sql!("leads/update_merged"), params![to_json(input), input.company, domain, now, lead])?;
        Ok(())
    }

    async fn insert_lead(&mut self, input: &LeadInput, now: &str) -> Result<LeadId> {
        let domain = input.domain.as_ref().map(|d| d.to_string());
        self.0.execute(sql!("leads/insert"), params![input.company, domain, to_json(input), now])?;
        Ok(self.0.last_insert_rowid())
    }

    async fn insert_keys(&mut self, lead: LeadId, keys: &[String]) -> Result<()> {
        let mut stmt = self.0.prepare_cached(sql!("leads/insert_key"))?;
        for key in keys {
            stmt.execute(params![key, lead])?;
        }
        Ok(())
    }

    async fn insert_source(&mut self, row: SourceRecord<'_>) -> Result<()> {
        self.0.prepare_cached(sql!("leads/insert_source"))?.execute(params![
            row.lead_id,
            row.import_id,
            row.line as i64,
            row.fingerprint,
            row.raw,
            row.matched_on
        ])?;
        Ok(())
    }

    async fn finish_import(&mut self, import_id: i64, imported: i64, merged: i64, unchanged: i64) -> Result<()> {
        self.0.execute(sql!("leads/finish_import"), params![imported, merged, unchanged, import_id])?;
        Ok(())
    }

    async fn add_to_import(&mut self, import_id: i64, [rows, imported, merged, unchanged]: [i64; 4]) -> Result<()> {
        self.0.execute(sql!("leads/add_to_import"), params![rows, imported, merged, unchanged, import_id])?;
        Ok(())
    }

    async fn add_import_lead(&mut self, import_id: i64, lead: LeadId) -> Result<()> {
        self.0.prepare_cached(sql!("leads/add_import_lead"))?.execute(params![import_id, lead])?;
        Ok(())
    }
}

/// A streamed import on SQLite (see [`Leads::import_stream`]): a transaction per batch, or one rolled back
/// for a dry run. Runs on the blocking pool, waiting for each batch there.
pub(crate) fn import_stream(
    conn: &mut Connection,
    source: &str,
    crowded: &HashSet<String>,
    mut batches: Receiver<Vec<StreamRow>>,
    decided: Sender<Vec<RowDecision>>,
    dry_run: bool,
) -> Result<StreamedImport> {
    let count = |tx: &Transaction<'_>, import_id: i64| -> Result<u64> {
        Ok(tx.query_row(sql!("leads/count_import_leads"), [import_id], |r| r.get::<_, i64>(0))? as u64)
    };
    if dry_run {
        let tx = conn.transaction()?;
        let import_id = rules::ready(SqliteImport(&tx).create_import(source, 0, &crate::now_rfc3339()))?;
        while let Some(rows) = batches.blocking_recv() {
            let decisions = rules::ready(import::import_batch(&mut SqliteImport(&tx), import_id, rows, crowded))?;
            if decided.blocking_send(decisions).is_err() {
                break;
            }
        }
        let leads = count(&tx, import_id)?;
        tx.rollback()?;
        return Ok(StreamedImport { import_id: None, leads });
    }
    let tx = conn.transaction()?;
    let import_id = rules::ready(SqliteImport(&tx).create_import(source, 0, &crate::now_rfc3339()))?;
    tx.commit()?;
    while let Some(rows) = batches.blocking_recv() {
        let tx = conn.transaction()?;
        let decisions = rules::ready(import::import_batch(&mut SqliteImport(&tx), import_id, rows, crowded))?;
        tx.commit()?;
        if decided.blocking_send(decisions).is_err() {
            break;
        }
    }
    let tx = conn.transaction()?;
    let leads = count(&tx, import_id)?;
    tx.commit()?;
    Ok(StreamedImport { import_id: Some(import_id), leads })
}

fn import_lead_ids(conn: &Connection, import_id: i64, after: LeadId, limit: usize) -> Result<Vec<LeadId>> {
    let mut stmt = conn.prepare_cached(sql!("leads/import_leads"))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let ids = stmt.query_map(params![import_id, after, limit], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<Vec<LeadId>>>()?)
}

fn to_json(input: &LeadInput) -> String {
    serde_json::to_string(input).expect("LeadInput serialises")
}

fn record_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(LeadId, String, u32, String)> {
    Ok((r.get("id")?, r.get("data")?, r.get("source_rows")?, r.get("created_at")?))
}

fn to_record((id, data, source_rows, created_at): (LeadId, String, u32, String)) -> Result<LeadRecord> {
    let input = serde_json::from_str(&data).map_err(|source| StoreError::Json { what: "lead", source })?;
    Ok(LeadRecord { id, input, source_rows, created_at })
}

fn lead_by(conn: &Connection, sql: &str, p: impl Params) -> Result<Option<LeadRecord>> {
    conn.query_row(sql, p, record_from_row).optional()?.map(to_record).transpose()
}

pub(crate) fn lead_sources(conn: &Connection, id: LeadId) -> Result<Vec<SourceRow>> {
    let mut stmt = conn.prepare_cached(sql!("leads/sources"))?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(SourceRow {
                import_id: r.get(0)?,
                source: r.get(1)?,
                line: r.get::<_, i64>(2)? as u64,
                raw: r.get(3)?,
                matched_on: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Placeholders `?N` over a growing list of values, and `json_extract` for JSON fields.
struct SqliteDialect(Vec<rusqlite::types::Value>);

impl Dialect for SqliteDialect {
    fn bind(&mut self, arg: Arg) -> String {
        self.0.push(match arg {
            Arg::Text(t) => t.into(),
            Arg::Real(r) => r.into(),
            Arg::Int(i) => i.into(),
        });
        format!("?{}", self.0.len())
    }

    fn json_text(&self, path: &[&str]) -> String {
        format!("json_extract(data, '$.{}')", path.join("."))
    }
}

/// The listing's statement for `filter` and the values of its placeholders.
fn listing_sql(filter: &LeadFilter) -> (String, Vec<rusqlite::types::Value>) {
    let mut sql = sql!("leads/list").replace("{rank}", listing::RANK_SQL);
    let mut dialect = SqliteDialect(Vec::new());
    sql.push_str(&listing::where_sql(filter, &mut dialect));
    // A gated lead (tier FAILED) keeps its score for explanation but ranks below every tiered lead.
    sql.push_str(listing::ORDER_SQL);
    sql.push_str(&format!(" LIMIT {} OFFSET {}", filter.limit.map_or(-1, |l| l as i64), filter.offset));
    (sql, dialect.0)
}

type SummaryRow = ((LeadId, String, u32, String), Option<f64>, Option<String>, Option<String>, Option<String>);

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SummaryRow> {
    Ok((
        record_from_row(r)?,
        r.get::<_, Option<f64>>(4)?,
        r.get::<_, Option<String>>(5)?,
        r.get::<_, Option<String>>(6)?,
        r.get::<_, Option<String>>(7)?,
    ))
}

fn to_summary((rec, score, tier, crawl_status, deleted_at): SummaryRow) -> Result<LeadSummary> {
    Ok(LeadSummary { lead: to_record(rec)?, score, tier, crawl_status, deleted_at })
}

pub(crate) fn list_leads(conn: &Connection, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
    let (sql, args) = listing_sql(filter);
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), summary_row)?;
    rows.map(|row| to_summary(row?)).collect()
}

/// Walks the listing with one statement, reading each lead's results and sources beside it (the same
/// connection can step one statement while it runs others), and hands each lead to `out`.
pub(crate) fn stream_leads(
    conn: &Connection,
    filter: &LeadFilter,
    out: &tokio::sync::mpsc::Sender<LeadExport>,
) -> Result<u64> {
    let (sql, args) = listing_sql(filter);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
    let mut sent = 0;
    while let Some(row) = rows.next()? {
        let summary = to_summary(summary_row(row)?)?;
        let results = super::results::stage_results(conn, summary.lead.id, None)?;
        let sources = lead_sources(conn, summary.lead.id)?;
        if out.blocking_send(LeadExport { summary, results, sources }).is_err() {
            break;
        }
        sent += 1;
    }
    Ok(sent)
}

/// Soft-deletes the lead and cancels its jobs that have not started; `false` when there is no such lead
/// or it is already deleted.
pub(crate) fn delete_lead(conn: &mut Connection, id: LeadId) -> Result<bool> {
    let tx = conn.transaction()?;
    let n = tx.execute(sql!("leads/delete"), params![crate::now_rfc3339(), id])?;
    if n == 1 {
        // A run whose last open jobs these were is over.
        let mut stmt = tx.prepare_cached(sql!("leads/cancel_ready_jobs"))?;
        let runs = stmt.query_map(params![crate::now_ms(), id], |r| r.get(0))?;
        let runs = runs.collect::<rusqlite::Result<Vec<Option<i64>>>>()?.into_iter().flatten().collect();
        drop(stmt);
        super::runs::finish_runs(&tx, runs)?;
    }
    tx.commit()?;
    Ok(n == 1)
}

#[async_trait]
impl Leads for SqliteStore {
    async fn import_rows(&self, source: &str, rows: Vec<ImportRow>, dry_run: bool) -> Result<ImportOutcome> {
        let source = source.to_string();
        self.call(move |conn| import_rows(conn, &source, rows, dry_run)).await
    }

    async fn import_stream(
        &self,
        source: &str,
        crowded: Vec<String>,
        batches: Receiver<Vec<StreamRow>>,
        decided: Sender<Vec<RowDecision>>,
        dry_run: bool,
    ) -> Result<StreamedImport> {
        let source = source.to_string();
        let crowded: HashSet<String> = crowded.into_iter().collect();
        self.call(move |conn| import_stream(conn, &source, &crowded, batches, decided, dry_run)).await
    }

    async fn import_lead_ids(&self, import_id: i64, after: LeadId, limit: usize) -> Result<Vec<LeadId>> {
        self.call(move |conn| import_lead_ids(conn, import_id, after, limit)).await
    }

    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>> {
        self.call(move |conn| lead_by(conn, sql!("leads/by_id"), [id])).await
    }

    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>> {
        let domain = domain.to_ascii_lowercase();
        self.call(move |conn| lead_by(conn, sql!("leads/by_domain"), [domain])).await
    }

    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>> {
        self.call(move |conn| lead_sources(conn, id)).await
    }

    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
        let filter = filter.clone();
        self.call(move |conn| list_leads(conn, &filter)).await
    }

    async fn stream_leads(&self, filter: &LeadFilter, out: tokio::sync::mpsc::Sender<LeadExport>) -> Result<u64> {
        let filter = filter.clone();
        self.call(move |conn| stream_leads(conn, &filter, &out)).await
    }

    async fn count_leads(&self) -> Result<u64> {
        self.call(|conn| Ok(conn.query_row(sql!("leads/count"), [], |r| r.get::<_, i64>(0))? as u64)).await
    }

    async fn delete_lead(&self, id: LeadId) -> Result<bool> {
        self.call(move |conn| delete_lead(conn, id)).await
    }

    async fn fill_website(&self, id: LeadId, website: &str) -> Result<bool> {
        let website = website.to_string();
        self.call(move |conn| {
            Ok(conn.execute(sql!("leads/fill_website"), params![website, crate::now_rfc3339(), id])? == 1)
        })
        .await
    }
}
