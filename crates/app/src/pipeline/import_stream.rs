//! Importing a file of any size in bounded memory, with the same report as importing it whole. A first
//! pass counts, over the whole file, how many rows share each phone and external id (spilled to temporary
//! files by hash, so memory stays flat) and which row texts occur more than once; the second reads,
//! normalises and imports the rows in batches, one transaction each under one import, writing rejected rows
//! to `<file>.errors.csv` as they are met. Reading runs on a blocking thread beside the store's work.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::{Context, Result};
use leadsmith_store::{MERGE_KEY_LIMIT, RowDecision, Store, StreamRow, crowdable_keys};
use tokio::sync::mpsc;

use super::import::{
    ColumnMapping, Field, ImportOptions, ImportReport, Rejected, create_like, errors_path, normalise, record_values,
    source_name,
};
use crate::config::Settings;
use crate::csv_out::CsvOut;
use crate::table::{Item, Plan, Source, Stream, Summary};

/// Rows per transaction, unless `LEADSMITH_IMPORT_BATCH` says otherwise (tests make it small).
pub const DEFAULT_BATCH: usize = 5_000;

/// Warnings a report keeps; the rest are counted.
const WARNINGS_KEPT: usize = 1_000;

/// The batch size: `LEADSMITH_IMPORT_BATCH` when it is a positive number, else [`DEFAULT_BATCH`].
pub fn batch_size() -> usize {
    std::env::var("LEADSMITH_IMPORT_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_BATCH)
}

/// How far an import has read: bytes of the file, over both passes (`total` is twice its size).
#[derive(Debug, Clone, Default)]
pub struct ImportProgress {
    pub first_pass: Arc<AtomicU64>,
    pub second_pass: Arc<AtomicU64>,
    pub file_len: u64,
}

impl ImportProgress {
    pub fn done(&self) -> u64 {
        use std::sync::atomic::Ordering::Relaxed;
        self.first_pass.load(Relaxed) + self.second_pass.load(Relaxed)
    }

    pub fn total(&self) -> u64 {
        self.file_len * 2
    }
}

/// Reads `path`, writes `<path>.errors.csv` for rejected rows (unless dry run) and imports the rest.
pub async fn import_file(store: &dyn Store, path: &Path, settings: &Settings, dry_run: bool) -> Result<ImportReport> {
    import_file_with(store, path, settings, dry_run, &ImportProgress::default(), batch_size()).await
}

/// [`import_file`] with the report of rejected rows written to `errors_to` (default `<path>.errors.csv`):
/// runs over server files keep their reports in a directory of the server's own.
pub async fn import_file_to(
    store: &dyn Store,
    path: &Path,
    settings: &Settings,
    dry_run: bool,
    errors_to: Option<&Path>,
) -> Result<ImportReport> {
    import_streamed(store, path, settings, dry_run, &ImportProgress::default(), batch_size(), errors_to).await
}

/// [`import_file`] in batches of `batch` rows, counting the bytes read into `progress`.
pub async fn import_file_with(
    store: &dyn Store,
    path: &Path,
    settings: &Settings,
    dry_run: bool,
    progress: &ImportProgress,
    batch: usize,
) -> Result<ImportReport> {
    import_streamed(store, path, settings, dry_run, progress, batch, None).await
}

async fn import_streamed(
    store: &dyn Store,
    path: &Path,
    settings: &Settings,
    dry_run: bool,
    progress: &ImportProgress,
    batch: usize,
    errors_to: Option<&Path>,
) -> Result<ImportReport> {
    let batch = batch.max(1);
    let options = ImportOptions::from_settings(settings)?;
    let census = {
        let (file, options, counter) = (path.to_path_buf(), options.clone(), progress.first_pass.clone());
        tokio::task::spawn_blocking(move || census(&file, &options, counter))
            .await
            .context("the counting pass stopped")?
            .with_context(|| format!("reading {}", path.display()))?
    };
    let crowded: Vec<String> = census.crowded.iter().map(|(k, _)| k.clone()).collect();
    let (rows_tx, rows_rx) = mpsc::channel(2);
    let (decided_tx, mut decided_rx) = mpsc::channel::<Vec<RowDecision>>(2);
    let reader = {
        let report_at = errors_to.map_or_else(|| errors_path(path), Path::to_path_buf);
        let errors = (!dry_run).then(|| (report_at, path.to_path_buf(), settings.export.keep_formulas));
        let (path, options, counter) = (path.to_path_buf(), options.clone(), progress.second_pass.clone());
        let plan = census.plan;
        let repeated = census.repeated;
        tokio::task::spawn_blocking(move || {
            read_rows(&path, plan, &options, &repeated, counter, batch, rows_tx, errors)
        })
    };
    let count = async move {
        let mut report = ImportReport::default();
        while let Some(decisions) = decided_rx.recv().await {
            report.count(&decisions);
            report.read += decisions.len();
        }
        report
    };
    let source = source_name(path);
    let (stored, mut report) = tokio::join!(store.import_stream(&source, crowded, rows_rx, decided_tx, dry_run), count);
    let read = reader.await.context("the reading pass stopped");
    let stored = stored.context("importing rows")?;
    let read = read?.with_context(|| format!("reading {}", path.display()))?;
    report.import_id = stored.import_id;
    report.leads = stored.leads;
    report.crowded_keys = census.crowded;
    report.read += read.rejected;
    report.rejected = read.rejected;
    report.blank_rows = read.summary.blank_rows;
    report.plain_reading = read.summary.reading.is_plain();
    report.reading = read.summary.reading.describe();
    report.notes = read.summary.notes;
    report.mapping = read.mapping;
    report.errors_file = read.errors_file;
    report.warnings = read.warnings;
    Ok(report)
}

/// What the first pass found.
struct Census {
    plan: Plan,
    /// Phones and external ids more than [`MERGE_KEY_LIMIT`] distinct rows hold, with how many, most first.
    crowded: Vec<(String, usize)>,
    /// Hashes of the row texts that occur more than once.
    repeated: HashSet<u128>,
}

/// The rows of a file, normalised, one at a time: what both passes read.
struct Rows<'a> {
    stream: Stream<'a>,
    options: &'a ImportOptions,
    mapping: Vec<Option<Field>>,
}

impl<'a> Rows<'a> {
    fn new(stream: Stream<'a>, options: &'a ImportOptions) -> Self {
        let mapping = options.columns.map(stream.columns());
        Self { stream, options, mapping }
    }

    /// The next row, rejected row, or `None` at the end; warnings about kept rows go to `warnings`.
    fn next(&mut self, warnings: &mut Vec<String>) -> Result<Option<Result<leadsmith_store::ImportRow, Rejected>>> {
        let Some(item) = self.stream.next_item()? else { return Ok(None) };
        Ok(Some(match item {
            Item::Unreadable(u) => Err(Rejected { line: u.line, reason: u.reason, raw: u.raw }),
            Item::Record(record) => {
                let values = record_values(&record, self.stream.columns(), &self.mapping, &self.options.columns);
                normalise(record.line, record.raw.clone(), values, &self.options.default_region, warnings)
            }
        }))
    }
}

fn census(path: &Path, options: &ImportOptions, counter: Arc<AtomicU64>) -> Result<Census> {
    let stream = Stream::open(Source::File(path), None, &options.read)?.counting_into(counter);
    let plan = stream.plan();
    let mut rows = Rows::new(stream, options);
    let mut keys = Spill::new()?;
    let mut texts = Spill::new()?;
    let mut warnings = Vec::new();
    while let Some(row) = rows.next(&mut warnings)? {
        warnings.clear();
        let Ok(row) = row else { continue };
        let text = text_hash(&row.raw);
        texts.push(text as u64, &text.to_le_bytes())?;
        for key in crowdable_keys(&row.input) {
            let mut entry = Vec::with_capacity(4 + key.len() + 16);
            entry.extend_from_slice(&(key.len() as u32).to_le_bytes());
            entry.extend_from_slice(key.as_bytes());
            entry.extend_from_slice(&text.to_le_bytes());
            keys.push(key_hash(&key), &entry)?;
        }
    }
    let mut crowded = Vec::new();
    for bucket in keys.into_buckets() {
        let bytes = bucket?;
        let mut holders: HashMap<&[u8], HashSet<u128>> = HashMap::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
            let key = &bytes[at + 4..at + 4 + len];
            let text = u128::from_le_bytes(bytes[at + 4 + len..at + 20 + len].try_into().expect("16 bytes"));
            holders.entry(key).or_default().insert(text);
            at += 20 + len;
        }
        crowded.extend(
            holders
                .into_iter()
                .filter(|(_, rows)| rows.len() > MERGE_KEY_LIMIT)
                .map(|(k, rows)| (String::from_utf8_lossy(k).into_owned(), rows.len())),
        );
    }
    crowded.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut repeated = HashSet::new();
    for bucket in texts.into_buckets() {
        let bytes = bucket?;
        let mut seen: HashMap<u128, u32> = HashMap::new();
        for chunk in bytes.chunks_exact(16) {
            *seen.entry(u128::from_le_bytes(chunk.try_into().expect("16 bytes"))).or_default() += 1;
        }
        repeated.extend(seen.into_iter().filter(|(_, n)| *n > 1).map(|(h, _)| h));
    }
    Ok(Census { plan, crowded, repeated })
}

fn key_hash(key: &str) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// A row text's hash, 128 bits so that two texts of one file never share one.
fn text_hash(text: &str) -> u128 {
    let half = |seed: u8| {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        text.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// Entries spilled to temporary files, one per hash bucket, so that each bucket can be counted in memory
/// on its own.
struct Spill {
    files: Vec<BufWriter<std::fs::File>>,
}

const BUCKETS: u64 = 64;

impl Spill {
    fn new() -> std::io::Result<Self> {
        let files = (0..BUCKETS)
            .map(|_| tempfile::tempfile().map(|f| BufWriter::with_capacity(32 * 1024, f)))
            .collect::<std::io::Result<_>>()?;
        Ok(Self { files })
    }

    fn push(&mut self, hash: u64, entry: &[u8]) -> std::io::Result<()> {
        self.files[(hash % BUCKETS) as usize].write_all(entry)
    }

    /// Each bucket's bytes, one at a time.
    fn into_buckets(self) -> impl Iterator<Item = std::io::Result<Vec<u8>>> {
        self.files.into_iter().map(|w| {
            let mut file = w.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            Ok(bytes)
        })
    }
}

/// What the second pass read beside the rows it sent.
struct ReadTotals {
    rejected: usize,
    summary: Summary,
    mapping: ColumnMapping,
    warnings: Vec<String>,
    errors_file: Option<String>,
}

/// Warnings up to [`WARNINGS_KEPT`], and how many more there were.
#[derive(Default)]
struct Kept {
    kept: Vec<String>,
    more: usize,
}

impl Kept {
    fn push(&mut self, warning: String) {
        if self.kept.len() < WARNINGS_KEPT {
            self.kept.push(warning);
        } else {
            self.more += 1;
        }
    }

    fn into_vec(mut self) -> Vec<String> {
        if self.more > 0 {
            self.kept.push(format!("… and {} more warnings like these", self.more));
        }
        self.kept
    }
}

/// The second pass: sends the rows in batches, writes rejected rows to the errors file as they come (its
/// path, the input it is like, whether to keep formulas; `None` for a dry run, which warns instead).
#[allow(clippy::too_many_arguments)]
fn read_rows(
    path: &Path,
    plan: Plan,
    options: &ImportOptions,
    repeated: &HashSet<u128>,
    counter: Arc<AtomicU64>,
    batch: usize,
    rows_tx: mpsc::Sender<Vec<StreamRow>>,
    errors: Option<(PathBuf, PathBuf, bool)>,
) -> Result<ReadTotals> {
    let stream = Stream::reopen(Source::File(path), plan)?.counting_into(counter);
    let mut rows = Rows::new(stream, options);
    let mut occurrences: HashMap<u128, u32> = HashMap::new();
    let mut pending = Vec::with_capacity(batch);
    let mut row_warnings = Kept::default();
    let mut rejected_warnings = Kept::default();
    let mut scratch = Vec::new();
    let mut errors_out: Option<CsvOut<BufWriter<std::fs::File>>> = None;
    let mut rejected = 0;
    let stopped = || anyhow::anyhow!("the import stopped before the file was read");
    while let Some(row) = rows.next(&mut scratch)? {
        scratch.drain(..).for_each(|w| row_warnings.push(w));
        match row {
            Ok(row) => {
                let text = text_hash(&row.raw);
                let occurrence = if repeated.contains(&text) {
                    let n = occurrences.entry(text).or_default();
                    *n += 1;
                    *n
                } else {
                    1
                };
                pending.push(StreamRow { row, occurrence });
                if pending.len() >= batch {
                    let full = std::mem::replace(&mut pending, Vec::with_capacity(batch));
                    rows_tx.blocking_send(full).map_err(|_| stopped())?;
                }
            }
            Err(r) => {
                rejected += 1;
                match &errors {
                    None => rejected_warnings.push(format!("line {}: rejected: {}", r.line, r.reason)),
                    Some((errors_path, like, keep_formulas)) => {
                        if errors_out.is_none() {
                            let file = create_like(errors_path, like)
                                .with_context(|| format!("writing {}", errors_path.display()))?;
                            let mut w = CsvOut::new(BufWriter::new(file), *keep_formulas);
                            w.write(["line", "reason", "raw"])?;
                            errors_out = Some(w);
                        }
                        let w = errors_out.as_mut().expect("opened");
                        w.write([r.line.to_string().as_str(), &r.reason, &r.raw])?;
                    }
                }
            }
        }
    }
    if !pending.is_empty() {
        rows_tx.blocking_send(pending).map_err(|_| stopped())?;
    }
    drop(rows_tx);
    let summary = rows.stream.summary();
    let mut errors_file = None;
    if let Some((errors_path, ..)) = &errors {
        match errors_out {
            Some(w) => {
                w.into_inner()?.flush()?;
                errors_file = Some(errors_path.display().to_string());
            }
            // A stale report from an earlier import of this file would mislead.
            None => {
                let _ = std::fs::remove_file(errors_path);
            }
        }
    }
    let mapping = options.columns.map(&summary.columns);
    let mapping = ColumnMapping::new(&summary.columns, &mapping);
    let mut warnings = Vec::new();
    if !summary.columns.is_empty() && ![Field::Company, Field::Website, Field::Email].iter().any(|f| mapping.has(*f)) {
        warnings.push(no_key_column(&summary.columns));
    }
    warnings.extend(summary.warnings.iter().cloned());
    warnings.extend(row_warnings.into_vec());
    warnings.extend(rejected_warnings.into_vec());
    Ok(ReadTotals { rejected, summary, mapping, warnings, errors_file })
}

/// The warning for a file with no column a lead can be told by.
pub(super) fn no_key_column(columns: &[String]) -> String {
    format!(
        "no company, website or email column among {columns:?}: rows without them are rejected; name one with \
         --map \"COLUMN=company\" (or website, email)"
    )
}
