//! Import and exact-key dedupe, shared by every backend so they all merge the same rows the same way: a row
//! seen before (same text, same occurrence) restores its lead and fills the gaps a changed column mapping
//! can now fill; otherwise the first of its keys that a lead holds picks the lead it merges into (gaps
//! filled, nothing overwritten), and a row whose keys no lead holds becomes a new lead.
//!
//! Two guards keep different businesses apart. A phone never merges two records whose registrable domains
//! differ (one switchboard, agency or franchise number serves many companies). And a phone or external id
//! held by more than [`MERGE_KEY_LIMIT`] rows of one import is not a merge key at all: it is reported
//! instead ([`ImportOutcome::crowded_keys`](crate::ImportOutcome)). A domain is the business itself and
//! always merges (platform hosts such as `facebook.com` never become a lead's domain).

use std::collections::{HashMap, HashSet};

use leadsmith_core::{LeadId, LeadInput};

use crate::{ImportRow, Result, RowDecision, StreamRow};

/// The most rows of one import that may share a phone or an external id for it to merge them.
pub const MERGE_KEY_LIMIT: usize = 5;

/// The lead's keys, without the ones too many rows share.
fn lead_keys_except(input: &LeadInput, crowded: &HashSet<String>) -> Vec<String> {
    let mut keys = raw_keys(input);
    keys.retain(|k| !crowded.contains(k));
    keys
}

/// The phones and external ids of `input` that count towards [`MERGE_KEY_LIMIT`]: what a caller streaming
/// a file counts over the whole file before [`Leads::import_stream`](crate::Leads::import_stream).
pub fn crowdable_keys(input: &LeadInput) -> impl Iterator<Item = String> {
    raw_keys(input).into_iter().filter(|k| !k.starts_with("domain:"))
}

/// The exact-match keys a lead is known by. Two rows sharing any key are the same business. Fuzzy entity
/// resolution can add blocking keys here and a verifier in [`merge_target`].
fn raw_keys(input: &LeadInput) -> Vec<String> {
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
    /// Stores the input of a lead whose source row was read again (no more source rows).
    async fn update_input(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()>;
    /// Stores the merged input, counts one more source row and clears the deleted mark.
    async fn update_merged(&mut self, lead: LeadId, input: &LeadInput, now: &str) -> Result<()>;
    /// A new lead from one source row; returns its id.
    async fn insert_lead(&mut self, input: &LeadInput, now: &str) -> Result<LeadId>;
    /// Gives the lead the keys no lead holds yet (a key another lead holds stays with it).
    async fn insert_keys(&mut self, lead: LeadId, keys: &[String]) -> Result<()>;
    async fn insert_source(&mut self, row: SourceRecord<'_>) -> Result<()>;
    /// The import's tallies: new leads, merged rows, unchanged rows.
    async fn finish_import(&mut self, import_id: i64, imported: i64, merged: i64, unchanged: i64) -> Result<()>;
    /// Adds one batch's rows and tallies to a streamed import's.
    async fn add_to_import(&mut self, import_id: i64, tallies: [i64; 4]) -> Result<()>;
    /// Records that a row of the import went into `lead` (once per lead).
    async fn add_import_lead(&mut self, import_id: i64, lead: LeadId) -> Result<()>;
}

/// What [`import_rows`] decided.
pub(crate) struct Imported {
    pub import_id: i64,
    pub decisions: Vec<RowDecision>,
    /// Keys too many rows share to merge on, with how many rows hold each, most first.
    pub crowded_keys: Vec<(String, usize)>,
}

/// Imports `rows` through `tx`. The caller commits (or, for a dry run, rolls back).
pub(crate) async fn import_rows<T: ImportTx>(tx: &mut T, source: &str, rows: Vec<ImportRow>) -> Result<Imported> {
    let now = crate::now_rfc3339();
    let import_id = tx.create_import(source, rows.len() as i64, &now).await?;
    let crowded_keys = crowded_keys(&rows);
    let crowded: HashSet<String> = crowded_keys.iter().map(|(k, _)| k.clone()).collect();
    let mut occurrences: HashMap<String, u32> = HashMap::new();
    let mut decisions = Vec::with_capacity(rows.len());
    for row in rows {
        let n = occurrences.entry(row.raw.clone()).or_default();
        *n += 1;
        let fingerprint = fingerprint(&row.raw, *n);
        decisions.push(import_one(tx, import_id, &fingerprint, row, &crowded, &now).await?);
    }
    let [_, imported, merged, unchanged] = tallies(&decisions);
    tx.finish_import(import_id, imported, merged, unchanged).await?;
    Ok(Imported { import_id, decisions, crowded_keys })
}

/// Rows, new leads, merged rows and unchanged (or updated) rows among `decisions`.
fn tallies(decisions: &[RowDecision]) -> [i64; 4] {
    let count = |f: fn(&RowDecision) -> bool| decisions.iter().filter(|d| f(d)).count() as i64;
    [
        decisions.len() as i64,
        count(|d| matches!(d, RowDecision::New { .. })),
        count(|d| matches!(d, RowDecision::Merged { .. })),
        count(|d| matches!(d, RowDecision::Unchanged { .. } | RowDecision::Updated { .. })),
    ]
}

/// The fingerprint of the `occurrence`-th row of a file with this text: the same text at its n-th
/// occurrence is the same source row, so re-importing a file changes nothing.
fn fingerprint(raw: &str, occurrence: u32) -> String {
    format!("{raw}\u{1f}{occurrence}")
}

/// Imports one batch of a streamed import through `tx` (the caller commits): the same decisions, row by
/// row, as [`import_rows`] makes for the whole file, given the file's `crowded` keys and each row's
/// occurrence. Records each row's lead as one of the import's and adds the batch to its tallies.
pub(crate) async fn import_batch<T: ImportTx>(
    tx: &mut T,
    import_id: i64,
    rows: Vec<StreamRow>,
    crowded: &HashSet<String>,
) -> Result<Vec<RowDecision>> {
    let now = crate::now_rfc3339();
    let mut decisions = Vec::with_capacity(rows.len());
    for StreamRow { row, occurrence } in rows {
        let decision = import_one(tx, import_id, &fingerprint(&row.raw, occurrence), row, crowded, &now).await?;
        tx.add_import_lead(import_id, decision.lead_id()).await?;
        decisions.push(decision);
    }
    tx.add_to_import(import_id, tallies(&decisions)).await?;
    Ok(decisions)
}

/// The phones and external ids that more than [`MERGE_KEY_LIMIT`] distinct rows hold.
fn crowded_keys(rows: &[ImportRow]) -> Vec<(String, usize)> {
    let mut holders: HashMap<String, HashSet<&str>> = HashMap::new();
    for row in rows {
        for key in crowdable_keys(&row.input) {
            holders.entry(key).or_default().insert(row.raw.as_str());
        }
    }
    let mut crowded: Vec<(String, usize)> =
        holders.into_iter().map(|(k, rows)| (k, rows.len())).filter(|(_, n)| *n > MERGE_KEY_LIMIT).collect();
    crowded.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    crowded
}

async fn import_one<T: ImportTx>(
    tx: &mut T,
    import_id: i64,
    fingerprint: &str,
    row: ImportRow,
    crowded: &HashSet<String>,
    now: &str,
) -> Result<RowDecision> {
    let line = row.line;
    if let Some(lead_id) = tx.lead_of_row(fingerprint).await? {
        // Re-importing a deleted lead's row brings the lead back.
        tx.restore_lead(lead_id, now).await?;
        // The same text read with another column mapping can fill what the first reading could not.
        let stored = tx.lead_input(lead_id).await?;
        let mut filled = stored.clone();
        filled.fill_from(&row.input);
        if filled == stored {
            return Ok(RowDecision::Unchanged { line, lead_id });
        }
        tx.update_input(lead_id, &filled, now).await?;
        tx.insert_keys(lead_id, &lead_keys_except(&filled, crowded)).await?;
        return Ok(RowDecision::Updated { line, lead_id });
    }
    let keys = lead_keys_except(&row.input, crowded);
    let decision = match merge_target(tx, &row.input, &keys).await? {
        Some((lead_id, key, mut merged)) => {
            merged.fill_from(&row.input);
            tx.update_merged(lead_id, &merged, now).await?;
            tx.insert_keys(lead_id, &lead_keys_except(&merged, crowded)).await?;
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

/// The lead that already holds one of `keys`, the key it matched on and its input (first key wins:
/// domain, then phone, then external id). A phone does not match a lead at another registrable domain.
async fn merge_target<T: ImportTx>(
    tx: &mut T,
    input: &LeadInput,
    keys: &[String],
) -> Result<Option<(LeadId, String, LeadInput)>> {
    for key in keys {
        let Some(lead_id) = tx.lead_of_key(key).await? else { continue };
        let held = tx.lead_input(lead_id).await?;
        let other_business = matches!((&held.domain, &input.domain), (Some(a), Some(b)) if a != b);
        if key.starts_with("phone:") && other_business {
            continue;
        }
        return Ok(Some((lead_id, key.clone(), held)));
    }
    Ok(None)
}
