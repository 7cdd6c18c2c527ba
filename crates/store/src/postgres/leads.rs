//! Leads on PostgreSQL: import with exact-key dedupe (the decisions are `rules::import`'s), reads, source
//! rows, the listing and soft delete.

use std::collections::{HashMap, HashSet};

use tokio::sync::mpsc::{Receiver, Sender};

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object, Transaction};
use leadsmith_core::{LeadId, LeadInput, LeadRecord};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use super::{Params, PgStore, exec, json_value, query, query_one, query_opt};
use crate::Leads;
use crate::listing::{self, Arg, Dialect};
use crate::rules::import::{self, ImportTx, SourceRecord};
use crate::{
    ImportOutcome, ImportRow, LeadExport, LeadFilter, LeadSummary, Result, RowDecision, SourceRow, StageResult,
    StreamRow, StreamedImport,
};

pub(crate) async fn import_rows(
    client: &mut Object,
    source: &str,
    rows: Vec<ImportRow>,
    dry_run: bool,
) -> Result<ImportOutcome> {
    let tx = client.transaction().await?;
    exec(&tx, sql!("leads/import_lock"), &[]).await?;
    let import::Imported { import_id, decisions, crowded_keys } =
        import::import_rows(&mut PgImport(&tx), source, rows).await?;
    if dry_run {
        tx.rollback().await?;
        return Ok(ImportOutcome { import_id: None, decisions, crowded_keys });
    }
    tx.commit().await?;
    Ok(ImportOutcome { import_id: Some(import_id), decisions, crowded_keys })
}

/// The import's statements on one PostgreSQL transaction.
struct PgImport<'a, 'b>(&'a Transaction<'b>);

impl ImportTx for PgImport<'_, '_> {
    async fn create_import(&mut self, source: &str, rows_read: i64, now: &str) -> Result<i64> {
        Ok(query_one(self.0, sql!("leads/create_import"), &[&source, &now, &rows_read]).await?.get(0))
    }

    async fn lead_of_row(&mut self, fingerprint: &str) -> Result<Option<LeadId>> {
        Ok(query_opt(self.0, sql!("leads/lead_of_row"), &[&fingerprint]).await?.map(|r| r.get(0)))
    }

    async fn restore_lead(&mut self, lead: LeadId, now: &str) -> Result<()> {
        exec(self.0, sql!("leads/restore"), &[&now, &lead]).await.map(drop)
    }

    async fn lead_of_key(&mut self, key: &str) -> Result<Option<LeadId>> {
        Ok(query_opt(self.0, sql!("leads/lead_of_key"), &[&key]).await?.map(|r| r.get(0)))
    }

    async fn lead_input(&mut self, lead: LeadId) -> Result<LeadInput> {
        json_value(query_one(self.0, sql!("leads/input"), &[&lead]).await?.get(0), "lead")
    }

    async fn update_input(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()> {
        let domain = input.domain.as_ref().map(|d| d.to_string());
        exec(self.0, sql!("leads/update_input"), &[&to_json(input), &input.company, &domain, &now, &lead])
            .await
            .map(drop)
    }

    async fn update_merged(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()> {
        let domain = input.domain.as_ref().map(|d| d.to_string());
        exec(self.0, sql!("leads/update_merged"), &[&to_json(input), &input.company, &domain, &now, &lead])
            .await
            .map(drop)
    }

    async fn insert_lead(&mut self, input: &LeadInput, now: &str) -> Result<LeadId> {
        let domain = input.domain.as_ref().map(|d| d.to_string());
        let row = query_one(self.0, sql!("leads/insert"), &[&input.company, &domain, &to_json(input), &now]).await?;
        Ok(row.get(0))
    }

    async fn insert_keys(&mut self, lead: LeadId, keys: &[String]) -> Result<()> {
        for key in keys {
            exec(self.0, sql!("leads/insert_key"), &[key, &lead]).await?;
        }
        Ok(())
    }

    async fn insert_source(&mut self, row: SourceRecord<'_>) -> Result<()> {
        let line = row.line as i64;
        let args: Params<'_> = &[&row.lead_id, &row.import_id, &line, &row.fingerprint, &row.raw, &row.matched_on];
        exec(self.0, sql!("leads/insert_source"), args).await.map(drop)
    }

    async fn finish_import(&mut self, import_id: i64, imported: i64, merged: i64, unchanged: i64) -> Result<()> {
        exec(self.0, sql!("leads/finish_import"), &[&imported, &merged, &unchanged, &import_id]).await.map(drop)
    }

    async fn add_to_import(&mut self, import_id: i64, [rows, imported, merged, unchanged]: [i64; 4]) -> Result<()> {
        exec(self.0, sql!("leads/add_to_import"), &[&rows, &imported, &merged, &unchanged, &import_id]).await.map(drop)
    }

    async fn add_import_lead(&mut self, import_id: i64, lead: LeadId) -> Result<()> {
        exec(self.0, sql!("leads/add_import_lead"), &[&import_id, &lead]).await.map(drop)
    }
}

/// A streamed import on PostgreSQL (see [`Leads::import_stream`]): a transaction per batch, each taking the
/// import lock, or one rolled back for a dry run.
pub(crate) async fn import_stream(
    client: &mut Object,
    source: &str,
    crowded: &HashSet<String>,
    mut batches: Receiver<Vec<StreamRow>>,
    decided: Sender<Vec<RowDecision>>,
    dry_run: bool,
) -> Result<StreamedImport> {
    let now = crate::now_rfc3339();
    if dry_run {
        let tx = client.transaction().await?;
        exec(&tx, sql!("leads/import_lock"), &[]).await?;
        let import_id = PgImport(&tx).create_import(source, 0, &now).await?;
        while let Some(rows) = batches.recv().await {
            let decisions = import::import_batch(&mut PgImport(&tx), import_id, rows, crowded).await?;
            if decided.send(decisions).await.is_err() {
                break;
            }
        }
        let leads = query_one(&tx, sql!("leads/count_import_leads"), &[&import_id]).await?.get::<_, i64>(0);
        tx.rollback().await?;
        return Ok(StreamedImport { import_id: None, leads: leads as u64 });
    }
    let tx = client.transaction().await?;
    let import_id = PgImport(&tx).create_import(source, 0, &now).await?;
    tx.commit().await?;
    while let Some(rows) = batches.recv().await {
        let tx = client.transaction().await?;
        exec(&tx, sql!("leads/import_lock"), &[]).await?;
        let decisions = import::import_batch(&mut PgImport(&tx), import_id, rows, crowded).await?;
        tx.commit().await?;
        if decided.send(decisions).await.is_err() {
            break;
        }
    }
    let leads = query_one(&*client, sql!("leads/count_import_leads"), &[&import_id]).await?.get::<_, i64>(0);
    Ok(StreamedImport { import_id: Some(import_id), leads: leads as u64 })
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

async fn lead_by<C: GenericClient>(c: &C, sql: &str, p: Params<'_>) -> Result<Option<LeadRecord>> {
    query_opt(c, sql, p).await?.as_ref().map(to_record).transpose()
}

pub(crate) async fn lead_sources<C: GenericClient>(c: &C, id: LeadId) -> Result<Vec<SourceRow>> {
    let rows = query(c, sql!("leads/sources"), &[&id]).await?;
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

/// The listing's statement for `filter` and its arguments.
fn listing_sql(filter: &LeadFilter) -> (String, Vec<Box<dyn ToSql + Sync + Send>>) {
    let mut sql = sql!("leads/list").replace("{rank}", listing::RANK_SQL);
    let mut dialect = PgDialect(Vec::new());
    sql.push_str(&listing::where_sql(filter, &mut dialect));
    // A gated lead (tier FAILED) keeps its score for explanation but ranks below every tiered lead.
    sql.push_str(listing::ORDER_SQL);
    let mut args = dialect.0;
    args.push(Box::new(filter.limit.map(super::sql_limit)));
    args.push(Box::new(super::sql_limit(filter.offset)));
    // LIMIT NULL is no limit.
    sql.push_str(&format!(" LIMIT ${}::int8 OFFSET ${}::int8", args.len() - 1, args.len()));
    (sql, args)
}

fn to_summary(r: &Row) -> Result<LeadSummary> {
    Ok(LeadSummary {
        lead: to_record(r)?,
        score: r.get(4),
        tier: r.get(5),
        crawl_status: r.get(6),
        deleted_at: r.get(7),
    })
}

pub(crate) async fn list_leads<C: GenericClient>(c: &C, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
    let (sql, args) = listing_sql(filter);
    let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
    let rows = query(c, &sql, &refs).await?;
    rows.iter().map(to_summary).collect()
}

/// How many leads a streamed listing fetches from its cursor at a time.
const STREAM_PAGE: i32 = 500;

/// Walks the listing through one server-side cursor (a portal) in a read-only repeatable-read transaction,
/// so every page comes from the same snapshot and none sorts the listing again; each page's results and
/// sources are read with one query each.
pub(crate) async fn stream_leads(
    client: &mut Object,
    filter: &LeadFilter,
    out: &tokio::sync::mpsc::Sender<LeadExport>,
) -> Result<u64> {
    let (sql, args) = listing_sql(filter);
    let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref() as &(dyn ToSql + Sync)).collect();
    let tx = client
        .build_transaction()
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let stmt = tx.prepare(&sql).await?;
    let portal = tx.bind(&stmt, &refs).await?;
    let mut sent = 0;
    loop {
        let rows = tx.query_portal(&portal, STREAM_PAGE).await?;
        let ids: Vec<LeadId> = rows.iter().map(|r| r.get(0)).collect();
        let mut results: HashMap<LeadId, Vec<StageResult>> = HashMap::new();
        for r in query(&tx, sql!("results/of_leads"), &[&ids]).await? {
            let result = StageResult {
                lead_id: r.get(0),
                stage: r.get(1),
                status: r.get(2),
                data: r.get(3),
                job_id: r.get(4),
                updated_at: r.get(5),
            };
            results.entry(result.lead_id).or_default().push(result);
        }
        let mut sources: HashMap<LeadId, Vec<SourceRow>> = HashMap::new();
        for r in query(&tx, sql!("leads/sources_of_leads"), &[&ids]).await? {
            sources.entry(r.get(0)).or_default().push(SourceRow {
                import_id: r.get(1),
                source: r.get(2),
                line: r.get::<_, i64>(3) as u64,
                raw: r.get(4),
                matched_on: r.get(5),
            });
        }
        for row in &rows {
            let summary = to_summary(row)?;
            let id = summary.lead.id;
            let lead = LeadExport {
                summary,
                results: results.remove(&id).unwrap_or_default(),
                sources: sources.remove(&id).unwrap_or_default(),
            };
            if out.send(lead).await.is_err() {
                return Ok(sent);
            }
            sent += 1;
        }
        if rows.len() < STREAM_PAGE as usize {
            break;
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// Soft-deletes the lead and cancels its jobs that have not started; `false` when there is no such lead
/// or it is already deleted.
pub(crate) async fn delete_lead(client: &mut Object, id: LeadId) -> Result<bool> {
    let tx = client.transaction().await?;
    let n = exec(&tx, sql!("leads/delete"), &[&crate::now_rfc3339(), &id]).await?;
    if n == 1 {
        // A run whose last open jobs these were is over.
        let cancelled = query(&tx, sql!("leads/cancel_ready_jobs"), &[&crate::now_ms(), &id]).await?;
        super::runs::finish_runs(&tx, cancelled.iter().filter_map(|r| r.get(0)).collect()).await?;
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

    async fn import_stream(
        &self,
        source: &str,
        crowded: Vec<String>,
        batches: Receiver<Vec<StreamRow>>,
        decided: Sender<Vec<RowDecision>>,
        dry_run: bool,
    ) -> Result<StreamedImport> {
        let mut c = self.client().await?;
        let crowded: HashSet<String> = crowded.into_iter().collect();
        import_stream(&mut c, source, &crowded, batches, decided, dry_run).await
    }

    async fn import_lead_ids(&self, import_id: i64, after: LeadId, limit: usize) -> Result<Vec<LeadId>> {
        let c = self.client().await?;
        let rows = query(&c, sql!("leads/import_leads"), &[&import_id, &after, &super::sql_limit(limit)]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn lead(&self, id: LeadId) -> Result<Option<LeadRecord>> {
        let c = self.client().await?;
        lead_by(&c, sql!("leads/by_id"), &[&id]).await
    }

    async fn lead_by_domain(&self, domain: &str) -> Result<Option<LeadRecord>> {
        let c = self.client().await?;
        let domain = domain.to_ascii_lowercase();
        lead_by(&c, sql!("leads/by_domain"), &[&domain]).await
    }

    async fn lead_sources(&self, id: LeadId) -> Result<Vec<SourceRow>> {
        let c = self.client().await?;
        lead_sources(&c, id).await
    }

    async fn list_leads(&self, filter: &LeadFilter) -> Result<Vec<LeadSummary>> {
        let c = self.client().await?;
        list_leads(&c, filter).await
    }

    async fn stream_leads(&self, filter: &LeadFilter, out: tokio::sync::mpsc::Sender<LeadExport>) -> Result<u64> {
        let mut c = self.client().await?;
        stream_leads(&mut c, filter, &out).await
    }

    async fn count_leads(&self) -> Result<u64> {
        let c = self.client().await?;
        Ok(query_one(&c, sql!("leads/count"), &[]).await?.get::<_, i64>(0) as u64)
    }

    async fn delete_lead(&self, id: LeadId) -> Result<bool> {
        let mut c = self.client().await?;
        delete_lead(&mut c, id).await
    }

    async fn fill_website(&self, id: LeadId, website: &str) -> Result<bool> {
        let c = self.client().await?;
        Ok(exec(&c, sql!("leads/fill_website"), &[&website, &crate::now_rfc3339(), &id]).await? == 1)
    }
}
