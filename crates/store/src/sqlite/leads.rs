//! Leads on SQLite: import with exact-key dedupe (the decisions are `crate::import`'s), reads, source rows,
//! the listing and soft delete.

use std::collections::HashMap;

use async_trait::async_trait;
use leadsmith_core::{LeadId, LeadInput, LeadRecord};
use rusqlite::{Connection, OptionalExtension, Params, Transaction, params};

use super::SqliteStore;
use crate::Leads;
use crate::keys::lead_keys;
use crate::listing::{self, Arg, Dialect};
use crate::{ImportOutcome, ImportRow, LeadFilter, LeadSummary, Result, RowDecision, SourceRow, StoreError};

pub(crate) fn import_rows(
    conn: &mut Connection,
    source: &str,
    rows: Vec<ImportRow>,
    dry_run: bool,
) -> Result<ImportOutcome> {
    let tx = conn.transaction()?;
    let now = crate::now_rfc3339();
    tx.execute(
        "INSERT INTO imports (source, created_at, rows_read) VALUES (?1, ?2, ?3)",
        params![source, now, rows.len() as i64],
    )?;
    let import_id = tx.last_insert_rowid();
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    let mut decisions = Vec::with_capacity(rows.len());
    for row in rows {
        let n = occurrences.entry(row.raw.clone()).or_default();
        *n += 1;
        // The same text at its n-th occurrence is the same source row: re-importing a file changes nothing.
        let fingerprint = format!("{}\u{1f}{}", row.raw, n);
        decisions.push(import_one(&tx, import_id, &fingerprint, row, &now)?);
    }
    let count = |f: fn(&RowDecision) -> bool| decisions.iter().filter(|d| f(d)).count() as i64;
    tx.execute(
        "UPDATE imports SET imported = ?1, merged = ?2, unchanged = ?3 WHERE id = ?4",
        params![
            count(|d| matches!(d, RowDecision::New { .. })),
            count(|d| matches!(d, RowDecision::Merged { .. })),
            count(|d| matches!(d, RowDecision::Unchanged { .. })),
            import_id
        ],
    )?;
    if dry_run {
        tx.rollback()?;
        return Ok(ImportOutcome { import_id: None, decisions });
    }
    tx.commit()?;
    Ok(ImportOutcome { import_id: Some(import_id), decisions })
}

fn import_one(
    tx: &Transaction<'_>,
    import_id: i64,
    fingerprint: &str,
    row: ImportRow,
    now: &str,
) -> Result<RowDecision> {
    let line = row.line;
    let seen: Option<i64> = tx
        .query_row("SELECT lead_id FROM lead_sources WHERE fingerprint = ?1", [fingerprint], |r| r.get(0))
        .optional()?;
    if let Some(lead_id) = seen {
        // Re-importing a deleted lead's row brings the lead back.
        tx.execute(
            "UPDATE leads SET deleted_at = NULL, updated_at = ?1 WHERE id = ?2 AND deleted_at IS NOT NULL",
            params![now, lead_id],
        )?;
        return Ok(RowDecision::Unchanged { line, lead_id });
    }
    let keys = lead_keys(&row.input);
    let target = merge_target(tx, &keys)?;
    let decision = match target {
        Some((lead_id, key)) => {
            let data: String = tx.query_row("SELECT data FROM leads WHERE id = ?1", [lead_id], |r| r.get(0))?;
            let mut merged: LeadInput =
                serde_json::from_str(&data).map_err(|source| StoreError::Json { what: "lead", source })?;
            merged.fill_from(&row.input);
            tx.execute(
                "UPDATE leads SET data = ?1, company = ?2, domain = ?3, source_rows = source_rows + 1, updated_at = ?4,
                                  deleted_at = NULL
                 WHERE id = ?5",
                params![to_json(&merged), merged.company, merged.domain.as_ref().map(|d| d.to_string()), now, lead_id],
            )?;
            insert_keys(tx, lead_id, &lead_keys(&merged))?;
            RowDecision::Merged { line, lead_id, key }
        }
        None => {
            tx.execute(
                "INSERT INTO leads (company, domain, data, source_rows, created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?4)",
                params![row.input.company, row.input.domain.as_ref().map(|d| d.to_string()), to_json(&row.input), now],
            )?;
            let lead_id = tx.last_insert_rowid();
            insert_keys(tx, lead_id, &keys)?;
            RowDecision::New { line, lead_id }
        }
    };
    let matched_on = match &decision {
        RowDecision::Merged { key, .. } => Some(key.clone()),
        _ => None,
    };
    tx.execute(
        "INSERT INTO lead_sources (lead_id, import_id, line, fingerprint, raw, matched_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![decision.lead_id(), import_id, line as i64, fingerprint, row.raw, matched_on],
    )?;
    Ok(decision)
}

/// The lead that already holds one of `keys`, and the key it matched on (first key wins: domain, then phone).
fn merge_target(tx: &Transaction<'_>, keys: &[String]) -> Result<Option<(LeadId, String)>> {
    for key in keys {
        let hit: Option<LeadId> =
            tx.query_row("SELECT lead_id FROM lead_keys WHERE key = ?1", [key], |r| r.get(0)).optional()?;
        if let Some(lead_id) = hit {
            return Ok(Some((lead_id, key.clone())));
        }
    }
    Ok(None)
}

fn insert_keys(tx: &Transaction<'_>, lead_id: LeadId, keys: &[String]) -> Result<()> {
    let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO lead_keys (key, lead_id) VALUES (?1, ?2)")?;
    for key in keys {
        stmt.execute(params![key, lead_id])?;
    }
    Ok(())
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

pub(crate) fn lead_where<P: Params>(conn: &Connection, clause: &str, p: P) -> Result<Option<LeadRecord>> {
    let sql = format!("SELECT id, data, source_rows, created_at FROM leads WHERE {clause} LIMIT 1");
    conn.query_row(&sql, p, record_from_row).optional()?.map(to_record).transpose()
}

pub(crate) fn lead_sources(conn: &Connection, id: LeadId) -> Result<Vec<SourceRow>> {
    let mut stmt = conn.prepare(
        "SELECT s.import_id, i.source, s.line, s.raw, s.matched_on FROM lead_sources s JOIN imports i ON i.id = s.import_id
         WHERE s.lead_id = ?1 ORDER BY s.id",
    )?;
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

pub(crate) fn list_leads(conn: &Connection, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
    // A score that is not a JSON number reads as no score (as on PostgreSQL), and always as a REAL, so the
    // value a cursor carries compares equal to the row it came from.
    let mut sql = format!(
        "SELECT id, data, source_rows, created_at, score, tier, crawl, deleted_at FROM (
             SELECT q.*, {rank} AS listing_rank FROM (
                 SELECT l.id, l.data, l.source_rows, l.created_at, l.deleted_at, l.company, l.domain,
                        CASE WHEN json_type(s.data, '$.score') IN ('integer', 'real')
                             THEN CAST(json_extract(s.data, '$.score') AS REAL) END AS score,
                        json_extract(s.data, '$.tier') AS tier, c.status AS crawl
                 FROM leads l
                 LEFT JOIN stage_results s ON s.lead_id = l.id AND s.stage = 'score'
                 LEFT JOIN stage_results c ON c.lead_id = l.id AND c.stage = 'crawl') q) r",
        rank = listing::RANK_SQL
    );
    let mut dialect = SqliteDialect(Vec::new());
    sql.push_str(&listing::where_sql(filter, &mut dialect));
    // A gated lead (tier FAILED) keeps its score for explanation but ranks below every tiered lead.
    sql.push_str(listing::ORDER_SQL);
    sql.push_str(&format!(" LIMIT {} OFFSET {}", filter.limit.map_or(-1, |l| l as i64), filter.offset));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(dialect.0.iter()), |r| {
        Ok((
            record_from_row(r)?,
            r.get::<_, Option<f64>>(4)?,
            r.get::<_, Option<String>>(5)?,
            r.get::<_, Option<String>>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (rec, score, tier, crawl_status, deleted_at) = row?;
        out.push(LeadSummary { lead: to_record(rec)?, score, tier, crawl_status, deleted_at });
    }
    Ok(out)
}

/// Soft-deletes the lead and cancels its jobs that have not started; `false` when there is no such lead
/// or it is already deleted.
pub(crate) fn delete_lead(conn: &mut Connection, id: LeadId) -> Result<bool> {
    let tx = conn.transaction()?;
    let n = tx.execute(
        "UPDATE leads SET deleted_at = ?1 WHERE id = ?2 AND deleted_at IS NULL",
        params![crate::now_rfc3339(), id],
    )?;
    if n == 1 {
        tx.execute(
            "UPDATE jobs SET state = 'cancelled', updated_at = ?1 WHERE lead_id = ?2 AND state = 'ready'",
            params![crate::now_ms(), id],
        )?;
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

    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>> {
        self.call(move |conn| lead_where(conn, "id = ?1 AND deleted_at IS NULL", params![id])).await
    }

    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>> {
        let domain = domain.to_ascii_lowercase();
        self.call(move |conn| lead_where(conn, "domain = ?1 AND deleted_at IS NULL ORDER BY id", params![domain])).await
    }

    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>> {
        self.call(move |conn| lead_sources(conn, id)).await
    }

    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
        let filter = filter.clone();
        self.call(move |conn| list_leads(conn, &filter)).await
    }

    async fn count_leads(&self) -> Result<u64> {
        self.call(|conn| {
            Ok(conn.query_row("SELECT count(*) FROM leads WHERE deleted_at IS NULL", [], |r| r.get::<_, i64>(0))?
                as u64)
        })
        .await
    }

    async fn delete_lead(&self, id: LeadId) -> Result<bool> {
        self.call(move |conn| delete_lead(conn, id)).await
    }
}
