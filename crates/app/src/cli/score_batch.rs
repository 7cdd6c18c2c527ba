//! The fast path of `leadsmith score` for CSV files of UTF-8 text: the file is cut into blocks of whole
//! records ([`Blocks`]) and each block is parsed straight into a dense batch (columns resolved to the
//! model's feature slots once), scored as a batch and formatted, on every core, while the main thread
//! writes the blocks' output in the file's order. Memory stays at a few blocks whatever the file's size.
//!
//! It gives exactly what the careful path gives (the same cell reading, the same rejections and reasons,
//! the same output) for the files it takes. A file with a row of the wrong width (a broken row, a report
//! footer) or a quote that never closes is left to the careful reader, which reports such rows one by one:
//! [`score`] then answers `None` and the caller starts again.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};

use anyhow::{Context, Result};
use leadsmith_model::{FeatureError, FeatureSpec, ScoringModel};

use super::score::{Rejected, Written};
use crate::table::blocks::{Block, Blocks};

/// Bytes per block: big enough that a block's rows fill many scoring batches, small enough that a few of
/// them in flight cost little memory.
const BLOCK_BYTES: usize = 1 << 20;

/// What scoring a file needs besides its blocks.
pub struct Plan<'a> {
    pub model: &'a ScoringModel,
    /// The manifest's features as this file's rows give them.
    pub features: &'a [FeatureSpec],
    /// The header's columns.
    pub columns: &'a [String],
    pub id_column: usize,
    pub delimiter: u8,
    pub reasons: Option<usize>,
    pub jsonl: bool,
    pub keep_formulas: bool,
}

/// What the fast path did with a file.
pub struct Scored {
    pub scored: usize,
    pub rejected: Rejected,
}

/// One block's share of the result.
struct Output {
    seq: u64,
    bytes: Vec<u8>,
    scored: usize,
    rejected: Rejected,
    /// Why the file must go to the careful reader instead.
    irregular: Option<String>,
}

/// Scores `input` into `out` (after what `out` already holds: the header), counting the bytes read into
/// `progress`. `Ok(None)`: the file is irregular (see the [module documentation](self)); what was written
/// to `out` is then to be discarded.
pub fn score(plan: &Plan<'_>, input: &Path, out: &mut impl Write, progress: &AtomicU64) -> Result<Option<Scored>> {
    let mut file = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    skip_bom(&mut file)?;
    let slots: Vec<Option<usize>> =
        plan.features.iter().map(|f| plan.columns.iter().position(|c| *c == f.name)).collect();
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let stop = AtomicBool::new(false);
    let (blocks_tx, blocks_rx) = mpsc::sync_channel::<Block>(workers * 2);
    let blocks_rx = Mutex::new(blocks_rx);
    let (done_tx, done_rx) = mpsc::channel::<Output>();
    std::thread::scope(|scope| -> Result<Option<Scored>> {
        let reader = scope.spawn(|| -> Result<bool> {
            let mut blocks = Blocks::new(std::io::BufReader::with_capacity(0, file), BLOCK_BYTES);
            while let Some(block) = blocks.next_block().context("reading the input")? {
                progress.store(blocks.bytes_read(), Ordering::Relaxed);
                if stop.load(Ordering::Relaxed) || blocks_tx.send(block).is_err() {
                    return Ok(true);
                }
            }
            drop(blocks_tx);
            Ok(blocks.balanced())
        });
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let (blocks_rx, slots, stop) = (&blocks_rx, &slots, &stop);
            scope.spawn(move || {
                let mut scratch = Scratch::default();
                loop {
                    let block = blocks_rx.lock().expect("the block queue").recv();
                    let Ok(block) = block else { break };
                    if stop.load(Ordering::Relaxed) {
                        continue;
                    }
                    let output = score_block(plan, slots, &block, &mut scratch);
                    if done_tx.send(output).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // Write the blocks in the file's order as they come back.
        let (mut next, mut waiting) = (0u64, BTreeMap::new());
        let (mut scored, mut rejected) = (0, Vec::new());
        let mut irregular = false;
        for output in done_rx {
            if output.irregular.is_some() {
                irregular = true;
                stop.store(true, Ordering::Relaxed);
                tracing::info!(reason = output.irregular.as_deref(), "reading the file with the careful reader");
            }
            if irregular {
                continue;
            }
            waiting.insert(output.seq, output);
            while let Some(output) = waiting.remove(&next) {
                out.write_all(&output.bytes).context("writing the scores")?;
                scored += output.scored;
                rejected.extend(output.rejected);
                next += 1;
            }
        }
        let balanced = reader.join().expect("the reader thread")?;
        if irregular || !balanced {
            return Ok(None);
        }
        Ok(Some(Scored { scored, rejected }))
    })
}

/// Skips a UTF-8 byte-order mark at the start of the file (the careful reader drops it too).
fn skip_bom(file: &mut std::fs::File) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut head = [0u8; 3];
    let n = file.read(&mut head)?;
    let skip = if n == 3 && head == [0xEF, 0xBB, 0xBF] { 3 } else { 0 };
    file.seek(SeekFrom::Start(skip))?;
    Ok(())
}

/// Buffers a worker reuses from block to block.
#[derive(Default)]
struct Scratch {
    rows: Vec<f64>,
    ids: Vec<String>,
    margins: Vec<f64>,
    scores: Vec<f64>,
}

/// Parses, scores and formats one block.
fn score_block(plan: &Plan<'_>, slots: &[Option<usize>], block: &Block, scratch: &mut Scratch) -> Output {
    let mut output = Output { seq: block.seq, bytes: Vec::new(), scored: 0, rejected: Vec::new(), irregular: None };
    let width = plan.columns.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(plan.delimiter)
        .from_reader(&block.bytes[..]);
    let mut record = csv::ByteRecord::new();
    let mut header_skipped = block.seq != 0;
    // Lines are counted from byte offsets, as the careful reader counts them.
    let (mut line, mut counted_to) = (block.first_line, 0usize);
    let Scratch { rows, ids, margins, scores } = scratch;
    rows.clear();
    ids.clear();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                output.irregular = Some(format!("unreadable CSV: {e}"));
                return output;
            }
        }
        // A record's position can be the line break before it (the `\n` of a CRLF, a blank line): its line
        // is that of its first character.
        let mut start = record.position().map_or(0, |p| p.byte() as usize).max(counted_to);
        start += block.bytes[start..].iter().take_while(|&&b| matches!(b, b'\n' | b'\r')).count();
        line += memchr::memchr_iter(b'\n', &block.bytes[counted_to..start]).count() as u64;
        counted_to = start;
        if !header_skipped {
            header_skipped = true;
            continue;
        }
        if record.iter().all(is_blank) {
            continue;
        }
        if record.len() != width {
            output.irregular = Some(format!("line {line} has {} fields, the header {width}", record.len()));
            return output;
        }
        let row_start = rows.len();
        errors.clear();
        for (spec, slot) in plan.features.iter().zip(slots) {
            match value(spec, slot.map(|c| &record[c])) {
                Ok(v) => rows.push(v),
                Err(problem) => errors.push(FeatureError { feature: spec.name.clone(), problem }),
            }
        }
        if !errors.is_empty() {
            rows.truncate(row_start);
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            output.rejected.push((line, list.join("; ")));
            continue;
        }
        let id = &record[plan.id_column];
        ids.push(if id.is_empty() { line.to_string() } else { String::from_utf8_lossy(id).into_owned() });
        lines.push(line);
    }
    plan.model.predict_batch(rows, margins, scores);
    let nf = plan.features.len().max(1);
    let mut written = Written::new(plan.jsonl, plan.keep_formulas);
    for (i, (id, &p)) in ids.iter().zip(scores.iter()).enumerate() {
        let reasons = plan.reasons.map(|n| super::score::reasons(plan.model, &rows[i * nf..(i + 1) * nf], n));
        if let Err(e) = written.row(plan.model, id, p, reasons, None) {
            output.irregular = Some(format!("formatting a score: {e}"));
            return output;
        }
    }
    output.scored = ids.len();
    match written.into_bytes() {
        Ok(bytes) => output.bytes = bytes,
        Err(e) => output.irregular = Some(format!("formatting the scores: {e}")),
    }
    output
}

/// Whether a cell is empty once trimmed, as the careful reader trims it.
fn is_blank(cell: &[u8]) -> bool {
    cell.trim_ascii().is_empty() || std::str::from_utf8(cell).is_ok_and(|s| s.trim().is_empty())
}

/// A feature's value from its cell (`None`: the file has no such column), read as the careful path reads
/// it: [`leadsmith_core::Cell::parse`], then the manifest's rules. A plain finite number (what nearly every
/// cell of a scoring file is) is parsed on the spot; `Cell::parse` reads it as the same number.
fn value(spec: &FeatureSpec, cell: Option<&[u8]>) -> Result<f64, String> {
    let Some(cell) = cell else { return spec.value(None) };
    if spec.kind != leadsmith_model::FeatureType::Bool
        && let Ok(text) = std::str::from_utf8(cell.trim_ascii())
        && let Ok(x) = text.parse::<f64>()
        && x.is_finite()
    {
        spec.check(x)?;
        return Ok(x);
    }
    let text = String::from_utf8_lossy(cell);
    spec.value(Some(&leadsmith_core::Cell::parse(&text).to_json()))
}
