//! Plain records the store reads and writes.

use leadsmith_core::{LeadId, LeadInput};
use serde::{Deserialize, Serialize};

/// One parsed input row on its way into the store.
#[derive(Debug, Clone)]
pub struct ImportRow {
    /// 1-based line number in the input file (the header is line 1 for CSV).
    pub line: u64,
    /// The row as it appeared in the file, kept with the lead so nothing is lost.
    pub raw: String,
    pub input: LeadInput,
}

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RowDecision {
    /// Became a new lead.
    New { line: u64, lead_id: LeadId },
    /// Merged into an existing lead (or an earlier row of this batch) that shares `key`.
    Merged { line: u64, lead_id: LeadId, key: String },
    /// This exact row was imported before; nothing changed.
    Unchanged { line: u64, lead_id: LeadId },
    /// This exact row was imported before, and reading it again (with another column mapping) filled gaps
    /// in its lead.
    Updated { line: u64, lead_id: LeadId },
}

impl RowDecision {
    pub fn lead_id(&self) -> LeadId {
        match self {
            Self::New { lead_id, .. }
            | Self::Merged { lead_id, .. }
            | Self::Unchanged { lead_id, .. }
            | Self::Updated { lead_id, .. } => *lead_id,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportOutcome {
    pub import_id: Option<i64>,
    pub decisions: Vec<RowDecision>,
    /// Phones and external ids that too many rows share to merge on (more than
    /// [`MERGE_KEY_LIMIT`](crate::MERGE_KEY_LIMIT)), with how many rows hold each, most first.
    pub crowded_keys: Vec<(String, usize)>,
}

/// One row of a streamed import ([`Leads::import_stream`](crate::Leads::import_stream)) and which
/// occurrence of its text in the whole file it is (1 for the first): a row's fingerprint is its text and
/// that number, so the caller, which sees the whole file, counts them.
#[derive(Debug, Clone)]
pub struct StreamRow {
    pub row: ImportRow,
    pub occurrence: u32,
}

/// What a streamed import recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StreamedImport {
    /// `None` for a dry run.
    pub import_id: Option<i64>,
    /// How many leads the rows went into (each once).
    pub leads: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceRow {
    pub import_id: i64,
    pub source: String,
    pub line: u64,
    pub raw: String,
    pub matched_on: Option<String>,
}

/// Which leads [`list_leads`](crate::Leads::list_leads) returns. Every condition that is set must hold; the
/// default lists every lead that is not deleted, in the listing order (see [`LeadCursor`]).
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Tier equality, case-insensitive (tiers are stored upper-case: `A`, `B`, `C`, `D`, `FAILED`).
    pub tier: Option<String>,
    /// `score >= min_score`; a lead with no score never matches when `min_score` or `max_score` is set.
    pub min_score: Option<f64>,
    /// `score <= max_score`.
    pub max_score: Option<f64>,
    /// Case-insensitive equality with the lead's input `vertical`.
    pub vertical: Option<String>,
    /// Equality with the crawl stage result's status; `"none"` means no crawl result yet.
    pub crawl_status: Option<String>,
    /// Case-insensitive substring of the company, domain, website, email, external id or address city.
    /// Matched literally: `%`, `_` and `\` are not wildcards.
    pub text: Option<String>,
    /// Soft-deleted leads are left out unless this is true.
    pub include_deleted: bool,
    /// Keyset pagination: only leads strictly after this position in the listing order.
    pub after: Option<LeadCursor>,
    pub limit: Option<usize>,
    pub offset: usize,
}

/// A lead with the headline numbers of its latest stage results, for listing and export.
#[derive(Debug, Clone)]
pub struct LeadSummary {
    pub lead: leadsmith_core::LeadRecord,
    pub score: Option<f64>,
    pub tier: Option<String>,
    pub crawl_status: Option<String>,
    /// When the lead was soft-deleted (RFC 3339); `None` unless it is.
    pub deleted_at: Option<String>,
}

/// A lead as an export writes it: its place in the listing, every stage result and its source rows, read
/// together so a streamed export needs no query of its own per lead.
#[derive(Debug, Clone)]
pub struct LeadExport {
    pub summary: LeadSummary,
    pub results: Vec<StageResult>,
    pub sources: Vec<SourceRow>,
}

/// A position in the lead listing, whose order is: `rank` (0: scored, 1: scored but gated, tier `FAILED`,
/// 2: no score), then score from best to worst, then id. A page's last lead gives the cursor for the next
/// page, which stays exact while leads are added or rescored (unlike an offset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadCursor {
    pub rank: u8,
    pub score: Option<f64>,
    pub id: LeadId,
}

/// The encoded form: rank, score present, score bits, id, as 18 bytes of lower-case hex. The score travels
/// as its bits so it comes back exactly, and the next page neither skips nor repeats a lead.
const CURSOR_BYTES: usize = 18;

impl LeadCursor {
    /// The rank of a lead with this score and tier in the listing order.
    pub fn rank_of(score: Option<f64>, tier: Option<&str>) -> u8 {
        match (score, tier) {
            (None, _) => 2,
            (Some(_), Some("FAILED")) => 1,
            (Some(_), _) => 0,
        }
    }

    /// The position of `summary` in the listing order (the cursor for the page after it).
    pub fn of(summary: &LeadSummary) -> Self {
        let rank = Self::rank_of(summary.score, summary.tier.as_deref());
        Self { rank, score: summary.score, id: summary.lead.id }
    }

    /// Opaque, URL-safe text (36 lower-case hex digits).
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(CURSOR_BYTES);
        bytes.push(self.rank);
        bytes.push(u8::from(self.score.is_some()));
        bytes.extend_from_slice(&self.score.unwrap_or(0.0).to_bits().to_be_bytes());
        bytes.extend_from_slice(&self.id.to_be_bytes());
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `None` for text that is not a cursor [`encode`](Self::encode) produced.
    pub fn decode(text: &str) -> Option<Self> {
        if text.len() != CURSOR_BYTES * 2 || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        let bytes: Vec<u8> = (0..CURSOR_BYTES)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
            .collect::<Result<_, _>>()
            .ok()?;
        let (rank, has_score) = (bytes[0], bytes[1]);
        let bits = u64::from_be_bytes(bytes[2..10].try_into().ok()?);
        let id = LeadId::from_be_bytes(bytes[10..18].try_into().ok()?);
        let score = match has_score {
            0 if bits == 0 => None,
            1 => Some(f64::from_bits(bits)).filter(|s| s.is_finite()),
            _ => return None,
        };
        // Only combinations `of` produces: a score exactly when ranked 0 or 1.
        let consistent = match rank {
            0 | 1 => score.is_some(),
            2 => has_score == 0,
            _ => false,
        };
        consistent.then_some(Self { rank, score, id })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageResult {
    pub lead_id: LeadId,
    pub stage: String,
    pub status: String,
    pub data: serde_json::Value,
    pub job_id: Option<i64>,
    pub updated_at: String,
}

#[derive(Debug, Clone)]
pub struct NewStageResult {
    pub lead_id: LeadId,
    pub stage: String,
    pub status: String,
    pub data: serde_json::Value,
}

/// A finished job's effects, recorded with its completion in one transaction.
#[derive(Debug, Clone)]
pub struct Completion {
    pub job_id: i64,
    pub results: Vec<NewStageResult>,
    pub follow_ups: Vec<NewJob>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Ready,
    Running,
    Done,
    Dead,
    /// Its run was cancelled before it started.
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ready" => Some(Self::Ready),
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "dead" => Some(Self::Dead),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub lead_id: Option<LeadId>,
    pub run_id: Option<i64>,
    pub payload: serde_json::Value,
    /// At most one job with this key exists, whatever its state; `None` for no uniqueness.
    pub unique_key: Option<String>,
    pub priority: i32,
    /// Due time, unix ms; `None` for now.
    pub run_at_ms: Option<i64>,
    pub max_attempts: u32,
}

impl NewJob {
    pub fn new(kind: &str, lead_id: Option<LeadId>) -> Self {
        Self {
            kind: kind.to_string(),
            lead_id,
            run_id: None,
            payload: serde_json::Value::Object(Default::default()),
            unique_key: None,
            priority: 0,
            run_at_ms: None,
            max_attempts: 3,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub lead_id: Option<LeadId>,
    pub run_id: Option<i64>,
    pub payload: serde_json::Value,
    pub state: JobState,
    pub priority: i32,
    /// Attempts started so far, including the current one for a running job.
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at_ms: i64,
    pub lease_until_ms: Option<i64>,
    pub worker: Option<String>,
    pub last_error: Option<String>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct KindCounts {
    pub kind: String,
    pub ready: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
    pub cancelled: u64,
    /// Jobs (in any state) that have had at least one failed attempt.
    pub failed: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct KindStats {
    pub kind: String,
    /// Due now.
    pub ready: u64,
    /// Waiting for their `run_at` (retry backoff, scheduled).
    pub delayed: u64,
    pub running: u64,
    pub done: u64,
    pub dead: u64,
    /// How long the oldest due job has waited, in ms.
    pub oldest_ready_age_ms: Option<i64>,
    pub completed_last_minute: u64,
}

/// A run created under a client's idempotency key, or the run the key was first used for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRun {
    pub id: i64,
    /// Whether this call created it; `false`: the key was used before and nothing was created.
    pub created: bool,
    /// The fingerprint the run was created with (`None` for a run keyed before fingerprints were kept).
    pub fingerprint: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub id: i64,
    pub source: String,
    pub params: serde_json::Value,
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
}

/// What [`Jobs::purge_done_jobs`](crate::Jobs::purge_done_jobs) deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Done and cancelled jobs.
    pub jobs: u64,
    /// Runs that had ended and had no job left.
    pub runs: u64,
}

/// A recurring run. `spec` is `every <duration>` or `cron <5-field expression>`; the app computes slots,
/// the store keeps them and makes each slot fire at most once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub name: String,
    pub spec: String,
    /// The command a firing runs, as arguments after `leadsmith` (e.g. `runs start --source leads.csv`).
    pub command: Vec<String>,
    /// Fire once on start for a slot missed while nothing was running (`false`: skip it).
    pub catch_up: bool,
    pub paused: bool,
    /// The next slot, unix ms.
    pub next_fire_ms: i64,
    pub last_fired_ms: Option<i64>,
    pub created_at: String,
}

/// Current time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// Current time as RFC 3339 UTC text (second precision), for stored timestamps.
pub fn now_rfc3339() -> String {
    let secs = now_ms() / 1000;
    format_unix(secs)
}

/// Formats unix seconds as `YYYY-MM-DDTHH:MM:SSZ` without a date-time dependency.
pub fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_unix_time() {
        assert_eq!(super::format_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::format_unix(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(super::format_unix(951_782_400), "2000-02-29T00:00:00Z");
    }
}
