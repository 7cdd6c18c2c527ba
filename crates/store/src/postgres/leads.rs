//! Leads on PostgreSQL: import with exact-key dedupe (the decisions are `crate::import`'s), reads, source
//! rows, the listing and soft delete.

use std::collections::HashMap;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object, Transaction};
use leadsmith_core::{LeadId, LeadInput, LeadRecord};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{Params, PgStore, exec, json_value, query, query_one, query_opt};
use crate::Leads;
use crate::keys::lead_keys;
use crate::listing::{self, Arg, Dialect};
use crate::{ImportOutcome, ImportRow, LeadFilter, LeadSummary, Result, RowDecision, SourceRow};

pub(crate) async fn import_rows(
    client: &mut Object,
    source: &str,
    rows: Vec<ImportRow>,
    dry_run: bool,
) -> Result<ImportOutcome> {
    let tx = client.transaction().await?;
    // Dedupe reads keys and then writes them: two imports at once could both create the same business.
    // SQLite runs imports one at a time; so do we, per schema, until the transaction ends.
    exec(&tx, "SELECT pg_advisory_xact_lock(hashtext('leadsmith_import:' || coalesce(current_schema(), '')))", &[])
        .await?;
    let now = crate::now_rfc3339();
    let import_id: i64 = query_one(
        &tx,
        "INSERT INTO imports (source, created_at, rows_read) VALUES ($1, $2, $3) RETURNING id",
        &[&source, &now, &(rows.len() as i64)],
    )
    .await?
    .get(0);
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    let mut decisions = Vec::with_capacity(rows.len());
    for row in rows {
        let n = occurrences.entry(row.raw.clone()).or_default();
        *n += 1;
        // The same text at its n-th occurrence is the same source row: re-importing a file changes nothing.
        let fingerprint = format!("{}\u{1f}{}", row.raw, n);
        decisions.push(import_one(&tx, import_id, &fingerprint, row, &now).await?);
    }
    let count = |f: fn(&RowDecision) -> bool| decisions.iter().filter(|d| f(d)).count() as i64;
    exec(
        &tx,
        "UPDATE imports SET imported = $1, merged = $2, unchanged = $3 WHERE id = $4",
        &[
            &count(|d| matches!(d, RowDecision::New { .. })),
            &count(|d| matches!(d, RowDecision::Merged { .. })),
            &count(|d| matches!(d, RowDecision::Unchanged { .. })),
            &import_id,
        ],
    )
    .await?;
    if dry_run {
        tx.rollback().await?;
        return Ok(ImportOutcome { import_id: None, decisions });
    }
    tx.commit().await?;
    Ok(ImportOutcome { import_id: Some(import_id), decisions })
}

async fn import_one(
    tx: &Transaction<'_>,
    import_id: i64,
    fingerprint: &str,
    row: ImportRow,
    now: &str,
) -> Result<RowDecision> {
    let line = row.line;
    let seen = query_opt(
        tx,
        "SELECT lead_id FROM lead_sources WHERE md5(fingerprint) = md5($1) AND fingerprint = $1",
        &[&fingerprint],
    )
    .await?;
    if let Some(seen) = seen {
        let lead_id: LeadId = seen.get(0);
        // Re-importing a deleted lead's row brings the lead back.
        exec(
            tx,
            "UPDATE leads SET deleted_at = NULL, updated_at = $1 WHERE id = $2 AND deleted_at IS NOT NULL",
            &[&now, &lead_id],
        )
        .await?;
        return Ok(RowDecision::Unchanged { line, lead_id });
    }
    let keys = lead_keys(&row.input);
    let decision = match merge_target(tx, &keys).await? {
        Some((lead_id, key)) => {
            let data = query_one(tx, "SELECT data FROM leads WHERE id = $1", &[&lead_id]).await?.get(0);
            let mut merged: LeadInput = json_value(data, "lead")?;
            merged.fill_from(&row.input);
            exec(
                tx,
                "UPDATE leads SET data = $1, company = $2, domain = $3, source_rows = source_rows + 1, updated_at = $4,
                                  deleted_at = NULL
                 WHERE id = $5",
                &[&to_json(&merged), &merged.company, &merged.domain.as_ref().map(|d| d.to_string()), &now, &lead_id],
            )
            .await?;
            insert_keys(tx, lead_id, &lead_keys(&merged)).await?;
            RowDecision::Merged { line, lead_id, key }
        }
        None => {
            let lead_id: LeadId = query_one(
                tx,
                "INSERT INTO leads (company, domain, data, source_rows, created_at, updated_at)
                 VALUES ($1, $2, $3, 1, $4, $4) RETURNING id",
                &[&row.input.company, &row.input.domain.as_ref().map(|d| d.to_string()), &to_json(&row.input), &now],
            )
            .await?
            .get(0);
            insert_keys(tx, lead_id, &keys).await?;
            RowDecision::New { line, lead_id }
        }
    };
    let matched_on = match &decision {
        RowDecision::Merged { key, .. } => Some(key.clone()),
        _ => None,
    };
    exec(
        tx,
        "INSERT INTO lead_sources (lead_id, import_id, line, fingerprint, raw, matched_on) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&decision.lead_id(), &import_id, &(line as i64), &fingerprint, &row.raw, &matched_on],
    )
    .await?;
    Ok(decision)
}

/// The lead that already holds one of `keys`, and the key it matched on (first key wins: domain, then phone).
async fn merge_target(tx: &Transaction<'_>, keys: &[String]) -> Result<Option<(LeadId, String)>> {
    for key in keys {
        if let Some(hit) = query_opt(tx, "SELECT lead_id FROM lead_keys WHERE key = $1", &[key]).await? {
            return Ok(Some((hit.get(0), key.clone())));
        }
    }
    Ok(None)
}

async fn insert_keys(tx: &Transaction<'_>, lead_id: LeadId, keys: &[String]) -> Result<()> {
    for key in keys {
        exec(tx, "INSERT INTO lead_keys (key, lead_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", &[key, &lead_id])
            .await?;
    }
    Ok(())
}

fn to_json(input: &LeadInput) -> serde_json::Value {
    serde_json::to_value(input).expect("LeadInput serialises")
}

fn to_record(r: &Row) -> Result<LeadRecord> {
    Ok(LeadRecord {
        id: r.get(0),
        input: json_value(r.get(1), "lead")?,
        source_rows: r.get::<_, i32>(2).max(0) as u32,
        created_at: r.get(3),
    })
}

pub(crate) async fn lead_where<C: GenericClient>(c: &C, clause: &str, p: Params<'_>) -> Result<Option<LeadRecord>> {
    let sql = format!("SELECT id, data, source_rows, created_at FROM leads WHERE {clause} LIMIT 1");
    query_opt(c, &sql, p).await?.as_ref().map(to_record).transpose()
}

pub(crate) async fn lead_sources<C: GenericClient>(c: &C, id: LeadId) -> Result<Vec<SourceRow>> {
    let rows = query(
        c,
        "SELECT s.import_id, i.source, s.line, s.raw, s.matched_on FROM lead_sources s JOIN imports i ON i.id = s.import_id
         WHERE s.lead_id = $1 ORDER BY s.id",
        &[&id],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| SourceRow {
            import_id: r.get(0),
            source: r.get(1),
            line: r.get::<_, i64>(2) as u64,
            raw: r.get(3),
            matched_on: r.get(4),
        })
        .collect())
}

/// Typed placeholders `$N::type` over a growing list of values, and `#>>` for JSON fields.
struct PgDialect(Vec<Box<dyn ToSql + Sync + Send>>);

impl Dialect for PgDialect {
    fn bind(&mut self, arg: Arg) -> String {
        let ty = match arg {
            Arg::Text(t) => {
                self.0.push(Box::new(t));
                "text"
            }
            Arg::Real(r) => {
                self.0.push(Box::new(r));
                "float8"
            }
            Arg::Int(i) => {
                self.0.push(Box::new(i));
                "int8"
            }
        };
        format!("${}::{ty}", self.0.len())
    }

    fn json_text(&self, path: &[&str]) -> String {
        format!("(data #>> '{{{}}}')", path.join(","))
    }
}

pub(crate) async fn list_leads<C: GenericClient>(c: &C, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
    // Nested selects so the conditions and the order can name `score`, `tier` and the rank. A score that is
    // not a JSON number reads as no score instead of failing the whole listing.
    let mut sql = format!(
        "SELECT id, data, source_rows, created_at, score, tier, crawl, deleted_at FROM (
             SELECT q.*, {rank} AS listing_rank FROM (
                 SELECT l.id, l.data, l.source_rows, l.created_at, l.deleted_at, l.company, l.domain,
                        CASE WHEN jsonb_typeof(s.data -> 'score') = 'number' THEN (s.data ->> 'score')::float8 END
                            AS score,
                        s.data ->> 'tier' AS tier, c.status AS crawl
                 FROM leads l
                 LEFT JOIN stage_results s ON s.lead_id = l.id AND s.stage = 'score'
                 LEFT JOIN stage_results c ON c.lead_id = l.id AND c.stage = 'crawl') q) r",
        rank = listing::RANK_SQL
    );
    let mut dialect = PgDialect(Vec::new());
    sql.push_str(&listing::where_sql(filter, &mut dialect));
    // A gated lead (tier FAILED) keeps its score for explanation but ranks below every tiered lead.
    sql.push_str(listing::ORDER_SQL);
    let mut args = dialect.0;
    args.push(Box::new(filter.limit.map(super::sql_limit)));
    args.push(Box::new(super::sql_limit(filter.offset)));
    // LIMIT NULL is no limit.
    sql.push_str(&format!(" LIMIT ${}::int8 OFFSET ${}::int8", args.len() - 1, args.len()));
    let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
    let rows = query(c, &sql, &refs).await?;
    rows.iter()
        .map(|r| {
            Ok(LeadSummary {
                lead: to_record(r)?,
                score: r.get(4),
                tier: r.get(5),
                crawl_status: r.get(6),
                deleted_at: r.get(7),
            })
        })
        .collect()
}

/// Soft-deletes the lead and cancels its jobs that have not started; `false` when there is no such lead
/// or it is already deleted.
pub(crate) async fn delete_lead(client: &mut Object, id: LeadId) -> Result<bool> {
    let tx = client.transaction().await?;
    let n = exec(
        &tx,
        "UPDATE leads SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
        &[&crate::now_rfc3339(), &id],
    )
    .await?;
    if n == 1 {
        // A job a worker claims meanwhile is locked by its claim and stays running; the rest are cancelled.
        exec(
            &tx,
            "UPDATE jobs SET state = 'cancelled', updated_at = $1 WHERE lead_id = $2 AND state = 'ready'",
            &[&crate::now_ms(), &id],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

#[async_trait]
impl Leads for PgStore {
    async fn import_rows(&self, source: &str, rows: Vec<ImportRow>, dry_run: bool) -> Result<ImportOutcome> {
        let mut c = self.client().await?;
        import_rows(&mut c, source, rows, dry_run).await
    }

    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>> {
        let c = self.client().await?;
        lead_where(&c, "id = $1 AND deleted_at IS NULL", &[&id]).await
    }

    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>> {
        let c = self.client().await?;
        let domain = domain.to_ascii_lowercase();
        lead_where(&c, "domain = $1 AND deleted_at IS NULL ORDER BY id", &[&domain]).await
    }

    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>> {
        let c = self.client().await?;
        lead_sources(&c, id).await
    }

    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
        let c = self.client().await?;
        list_leads(&c, filter).await
    }

    async fn count_leads(&self) -> Result<u64> {
        let c = self.client().await?;
        Ok(query_one(&c, "SELECT count(*) FROM leads WHERE deleted_at IS NULL", &[]).await?.get::<_, i64>(0) as u64)
    }

    async fn delete_lead(&self, id: LeadId) -> Result<bool> {
        let mut c = self.client().await?;
        delete_lead(&mut c, id).await
    }
}
