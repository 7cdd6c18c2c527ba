//! Import and exact-key dedupe, shared by every backend so they all merge the same rows the same way: a row
//! seen before (same text, same occurrence) changes nothing but restores its lead; otherwise the first of
//! its keys that a lead holds picks the lead it merges into (gaps filled, nothing overwritten), and a row
//! whose keys no lead holds becomes a new lead.

use std::collections::HashMap;

use leadsmith_core::{LeadId, LeadInput};

use crate::{ImportRow, Result, RowDecision};

/// The exact-match keys a lead is known by. Two rows sharing any key are the same business. Fuzzy entity
/// resolution can add blocking keys here and a verifier in [`merge_target`].
pub(crate) fn lead_keys(input: &LeadInput) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(d) = &input.domain {
        keys.push(format!("domain:{d}"));
    }
    if let Some(p) = &input.phone {
        keys.push(format!("phone:{p}"));
    }
    if let Some(x) = &input.external_id {
        keys.push(format!("external:{}", x.trim()));
    }
    keys
}

/// One source row to record.
pub(crate) struct SourceRecord<'a> {
    pub lead_id: LeadId,
    pub import_id: i64,
    pub line: u64,
    pub fingerprint: &'a str,
    pub raw: &'a str,
    pub matched_on: Option<&'a str>,
}

/// The statements an import needs, inside the backend's one transaction. `now` is RFC 3339 text.
pub(crate) trait ImportTx {
    /// Records an import of `rows_read` rows; returns its id.
    async fn create_import(&mut self, source: &str, rows_read: i64, now: &str) -> Result<i64>;
    /// The lead the source row with this fingerprint went into, if it was imported before.
    async fn lead_of_row(&mut self, fingerprint: &str) -> Result<Option<LeadId>>;
    /// Clears the lead's deleted mark, if it has one.
    async fn restore_lead(&mut self, lead: LeadId, now: &str) -> Result<()>;
    /// The lead holding `key`.
    async fn lead_of_key(&mut self, key: &str) -> Result<Option<LeadId>>;
    async fn lead_input(&mut self, lead: LeadId) -> Result<LeadInput>;
    /// Stores the merged input, counts one more source row and clears the deleted mark.
    async fn update_merged(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()>;
    /// A new lead from one source row; returns its id.
    async fn insert_lead(&mut self, input: &LeadInput, now: &str) -> Result<LeadId>;
    /// Gives the lead the keys no lead holds yet (a key another lead holds stays with it).
    async fn insert_keys(&mut self, lead: LeadId, keys: &[String]) -> Result<()>;
    async fn insert_source(&mut self, row: SourceRecord<'_>) -> Result<()>;
    /// The import's tallies: new leads, merged rows, unchanged rows.
    async fn finish_import(&mut self, import_id: i64, imported: i64, merged: i64, unchanged: i64) -> Result<()>;
}

/// Imports `rows` through `tx`; returns the import's id and each row's decision. The caller commits (or,
/// for a dry run, rolls back).
pub(crate) async fn import_rows<T: ImportTx>(
    tx: &mut T,
    source: &str,
    rows: Vec<ImportRow>,
) -> Result<(i64, Vec<RowDecision>)> {
    let now = crate::now_rfc3339();
    let import_id = tx.create_import(source, rows.len() as i64, &now).await?;
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    let mut decisions = Vec::with_capacity(rows.len());
    for row in rows {
        let n = occurrences.entry(row.raw.clone()).or_default();
        *n += 1;
        // The same text at its n-th occurrence is the same source row: re-importing a file changes nothing.
        let fingerprint = format!("{}\u{1f}{}", row.raw, n);
        decisions.push(import_one(tx, import_id, &fingerprint, row, &now).await?);
    }
    let count = |f: fn(&RowDecision) -> bool| decisions.iter().filter(|d| f(d)).count() as i64;
    let imported = count(|d| matches!(d, RowDecision::New { .. }));
    let merged = count(|d| matches!(d, RowDecision::Merged { .. }));
    let unchanged = count(|d| matches!(d, RowDecision::Unchanged { .. }));
    tx.finish_import(import_id, imported, merged, unchanged).await?;
    Ok((import_id, decisions))
}

async fn import_one<T: ImportTx>(
    tx: &mut T,
    import_id: i64,
    fingerprint: &str,
    row: ImportRow,
    now: &str,
) -> Result<RowDecision> {
    let line = row.line;
    if let Some(lead_id) = tx.lead_of_row(fingerprint).await? {
        // Re-importing a deleted lead's row brings the lead back.
        tx.restore_lead(lead_id, now).await?;
        return Ok(RowDecision::Unchanged { line, lead_id });
    }
    let keys = lead_keys(&row.input);
    let decision = match merge_target(tx, &keys).await? {
        Some((lead_id, key)) => {
            let mut merged = tx.lead_input(lead_id).await?;
            merged.fill_from(&row.input);
            tx.update_merged(lead_id, &merged, now).await?;
            tx.insert_keys(lead_id, &lead_keys(&merged)).await?;
            RowDecision::Merged { line, lead_id, key }
        }
        None => {
            let lead_id = tx.insert_lead(&row.input, now).await?;
            tx.insert_keys(lead_id, &keys).await?;
            RowDecision::New { line, lead_id }
        }
    };
    let matched_on = match &decision {
        RowDecision::Merged { key, .. } => Some(key.as_str()),
        _ => None,
    };
    let record = SourceRecord { lead_id: decision.lead_id(), import_id, line, fingerprint, raw: &row.raw, matched_on };
    tx.insert_source(record).await?;
    Ok(decision)
}

/// The lead that already holds one of `keys`, and the key it matched on (first key wins: domain, then phone).
async fn merge_target<T: ImportTx>(tx: &mut T, keys: &[String]) -> Result<Option<(LeadId, String)>> {
    for key in keys {
        if let Some(lead_id) = tx.lead_of_key(key).await? {
            return Ok(Some((lead_id, key.clone())));
        }
    }
    Ok(None)
}
