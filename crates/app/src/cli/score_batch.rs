//! The fast path of `leadsmith score` for CSV files of UTF-8 text: the file is cut into blocks of whole
//! records ([`Blocks`]) and each block is parsed straight into a dense batch (columns resolved to the
//! model's feature slots once), scored as a batch and formatted, on every core, while the main thread
//! writes the blocks' output in the file's order. Memory stays at a few blocks whatever the file's size.
//!
//! It gives exactly what the careful path gives (the same cell reading, the same rejections and reasons,
//! the same output) for the files it takes. A file with a row of the wrong width (a broken row, a report
//! footer), a quote that never closes or text that is not UTF-8 is left to the careful reader, which reports such rows one by one:
//! [`score`] then answers `None` and the caller starts again.
//!
//! Text columns the manifest encodes (its `encodings`) are read and encoded per row only when the manifest
//! has any; a purely numeric manifest takes exactly the path it always took.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};

use anyhow::{Context, Result};
use leadsmith_model::manifest::Encoding;
use leadsmith_model::{FeatureError, FeatureSpec, ScoringModel};

use super::score::{Rejected, Written};
use crate::table::blocks::{Block, Blocks};

/// Bytes per block: big enough that a block's rows fill many scoring batches, small enough that a few of
/// them in flight cost little memory.
const BLOCK_BYTES: usize = 1 << 18;

/// What scoring a file needs besides its blocks.
pub struct Plan<'a> {
    pub model: &'a ScoringModel,
    /// The manifest's features as this file's rows give them.
    pub features: &'a [FeatureSpec],
    /// The manifest's encodings of text columns into some of those features.
    pub encodings: &'a [Encoding],
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
    let layout = Layout::new(plan);
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<Option<Scored>> {
        // Every channel end lives in a thread or in this closure, so that when one side ends (an error,
        // the end of the file) the others see it and end too. Blocks in flight are bounded by tokens: the
        // reader takes one per block and the writer gives it back once the block is written, so a slow
        // block holds back reading, not memory.
        let (blocks_tx, blocks_rx) = mpsc::sync_channel::<Block>(workers * 2);
        let blocks_rx = std::sync::Arc::new(Mutex::new(blocks_rx));
        let (done_tx, done_rx) = mpsc::channel::<Output>();
        let in_flight = workers * 4;
        let (tokens_tx, tokens_rx) = mpsc::sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            tokens_tx.send(()).expect("room for every token");
        }
        // Workers give each block's buffer back, for the reader to read a later block into.
        let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
        let stop = &stop;
        let reader = scope.spawn(move || -> Result<bool> {
            let mut blocks = Blocks::new(std::io::BufReader::with_capacity(0, file), BLOCK_BYTES);
            loop {
                for bytes in spare_rx.try_iter() {
                    blocks.recycle(bytes);
                }
                if tokens_rx.recv().is_err() || stop.load(Ordering::Relaxed) {
                    return Ok(true);
                }
                let Some(block) = blocks.next_block().context("reading the input")? else { break };
                progress.store(blocks.bytes_read(), Ordering::Relaxed);
                if blocks_tx.send(block).is_err() {
                    return Ok(true);
                }
            }
            Ok(blocks.balanced())
        });
        for _ in 0..workers {
            let (done_tx, blocks_rx, layout) = (done_tx.clone(), blocks_rx.clone(), &layout);
            scope.spawn(move || {
                let mut scratch = Scratch::default();
                loop {
                    let block = blocks_rx.lock().expect("the block queue").recv();
                    let Ok(block) = block else { break };
                    let output = if stop.load(Ordering::Relaxed) {
                        // Going to the careful reader: only the token matters.
                        Output { seq: block.seq, bytes: Vec::new(), scored: 0, rejected: Vec::new(), irregular: None }
                    } else {
                        score_block(plan, layout, &block, &mut scratch)
                    };
                    if done_tx.send(output).is_err() {
                        break;
                    }
                }
            });
        }
        drop((done_tx, blocks_rx, spare_tx));
        // Write the blocks in the file's order as they come back.
        let (mut next, mut waiting) = (0u64, BTreeMap::new());
        let (mut scored, mut rejected) = (0, Vec::new());
        let mut irregular = false;
        for output in done_rx {
            if output.irregular.is_some() && !irregular {
                irregular = true;
                stop.store(true, Ordering::Relaxed);
                tracing::info!(reason = output.irregular.as_deref(), "reading the file with the careful reader");
                // The blocks waiting their turn give their tokens back, so the reader can see the stop.
                for _ in std::mem::take(&mut waiting) {
                    let _ = tokens_tx.try_send(());
                }
            }
            if irregular {
                let _ = tokens_tx.try_send(());
                continue;
            }
            waiting.insert(output.seq, output);
            while let Some(output) = waiting.remove(&next) {
                out.write_all(&output.bytes).context("writing the scores")?;
                scored += output.scored;
                rejected.extend(output.rejected);
                next += 1;
                let _ = tokens_tx.try_send(());
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

/// Where each feature's value comes from in this file: a column of its own name (`slots`), or an encoded
/// text column (`encoded`; `derived` marks the features encodings fill).
struct Layout<'a> {
    slots: Vec<Option<usize>>,
    derived: Vec<bool>,
    encoded: Vec<Encoded<'a>>,
}

/// One encoding resolved to this file: the column it reads and the feature slots it fills.
struct Encoded<'a> {
    encoding: &'a Encoding,
    column: Option<usize>,
    targets: Vec<usize>,
}

impl<'a> Layout<'a> {
    fn new(plan: &Plan<'a>) -> Self {
        let position = |name: &str| plan.columns.iter().position(|c| c == name);
        let derived: Vec<bool> =
            plan.features.iter().map(|f| plan.encodings.iter().any(|e| e.features.contains(&f.name))).collect();
        let slots =
            plan.features.iter().zip(&derived).map(|(f, &d)| if d { None } else { position(&f.name) }).collect();
        let encoded = plan
            .encodings
            .iter()
            .map(|encoding| Encoded {
                encoding,
                column: position(&encoding.column),
                targets: encoding
                    .features
                    .iter()
                    .filter_map(|n| plan.features.iter().position(|f| f.name == *n))
                    .collect(),
            })
            .collect();
        Self { slots, derived, encoded }
    }

    /// Fills the encoded features of a row (`values`, one per feature) from its cells (`cell(column)`),
    /// as [`leadsmith_model::Manifest::row`] would from the careful reader's cells; a problem is reported
    /// under the column's name, in the encodings' order.
    fn encode<'c>(
        &self,
        cell: impl Fn(usize) -> &'c [u8],
        values: &mut [f64],
        buffer: &mut Vec<f64>,
        errors: &mut Vec<FeatureError>,
    ) {
        for e in &self.encoded {
            let value = e.column.map(|c| leadsmith_core::Cell::parse(&String::from_utf8_lossy(cell(c))).to_json());
            buffer.clear();
            buffer.resize(e.targets.len(), 0.0);
            match e.encoding.encode(value.as_ref(), buffer) {
                Ok(()) => {
                    for (&t, &v) in e.targets.iter().zip(buffer.iter()) {
                        values[t] = v;
                    }
                }
                Err(problem) => errors.push(FeatureError { feature: e.encoding.column.clone(), problem }),
            }
        }
    }
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
fn score_block(plan: &Plan<'_>, layout: &Layout<'_>, block: &Block, scratch: &mut Scratch) -> Output {
    let mut output = Output { seq: block.seq, bytes: Vec::new(), scored: 0, rejected: Vec::new(), irregular: None };
    if std::str::from_utf8(&block.bytes).is_err() {
        output.irregular = Some(format!("the text from line {} on is not UTF-8", block.first_line));
        return output;
    }
    let Scratch { rows, ids, margins, scores } = scratch;
    rows.clear();
    ids.clear();
    let mut sink = Rows { plan, layout, rows, ids, rejected: &mut output.rejected, header_skipped: block.seq != 0 };
    let read = if splits_plainly(&block.bytes, plan.delimiter) {
        split_lines(block, plan.delimiter, &mut sink)
    } else {
        read_csv(block, plan.delimiter, &mut sink)
    };
    if let Err(why) = read {
        output.irregular = Some(why);
        return output;
    }
    let (rows, ids) = (&*sink.rows, &*sink.ids);
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

/// Where a block's rows go: checked, turned into the model's values, or rejected with their reasons.
struct Rows<'b> {
    plan: &'b Plan<'b>,
    layout: &'b Layout<'b>,
    rows: &'b mut Vec<f64>,
    ids: &'b mut Vec<String>,
    rejected: &'b mut Rejected,
    /// False until the header (the first record of the first block) has gone by.
    header_skipped: bool,
}

impl Rows<'_> {
    /// Takes one record that starts on `line`; `Err` when the file is irregular (a row of the wrong width).
    fn take(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), String> {
        if !self.header_skipped {
            self.header_skipped = true;
            return Ok(());
        }
        if fields.iter().all(|f| is_blank(f)) {
            return Ok(());
        }
        let width = self.plan.columns.len();
        if fields.len() != width {
            return Err(format!("line {line} has {} fields, the header {width}", fields.len()));
        }
        let row_start = self.rows.len();
        let mut errors = Vec::new();
        let layout = self.layout;
        for ((spec, slot), &derived) in self.plan.features.iter().zip(&layout.slots).zip(&layout.derived) {
            if derived {
                self.rows.push(f64::NAN);
                continue;
            }
            match value(spec, slot.map(|c| fields[c])) {
                Ok(v) => self.rows.push(v),
                Err(problem) => errors.push(FeatureError { feature: spec.name.clone(), problem }),
            }
        }
        if !layout.encoded.is_empty() {
            let mut values = vec![0.0; self.plan.features.len()];
            layout.encode(|c| fields[c], &mut values, &mut Vec::new(), &mut errors);
            if errors.is_empty() {
                for (f, _) in layout.derived.iter().enumerate().filter(|(_, d)| **d) {
                    self.rows[row_start + f] = values[f];
                }
            }
        }
        self.finish(line, fields[self.plan.id_column], row_start, &errors);
        Ok(())
    }

    /// Ends a row whose values were pushed from `row_start` on: kept with its id, or taken back and
    /// rejected with its problems (in the features' order).
    fn finish(&mut self, line: u64, id: &[u8], row_start: usize, errors: &[FeatureError]) {
        if !errors.is_empty() {
            self.rows.truncate(row_start);
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            self.rejected.push((line, list.join("; ")));
            return;
        }
        self.ids.push(if id.is_empty() { line.to_string() } else { String::from_utf8_lossy(id).into_owned() });
    }
}

/// Whether a block's records are its lines split at the delimiter: no quotes, and no carriage return but
/// those of CRLF line breaks (the CSV reader ends a record at a lone one too).
fn splits_plainly(bytes: &[u8], delimiter: u8) -> bool {
    delimiter != b'"'
        && memchr::memchr(b'"', bytes).is_none()
        && memchr::memchr_iter(b'\r', bytes).all(|i| bytes.get(i + 1) == Some(&b'\n'))
}

/// The records of a block that [`splits_plainly`], in one pass over its bytes: each non-empty line is split
/// at the delimiter while its number cells are parsed as they go by (a sign, digits, a point, padding; see
/// [`plain_decimal`]). Any other cell is read by [`value`], so a row gets what [`Rows::take`] would give it.
fn split_lines(block: &Block, delimiter: u8, sink: &mut Rows<'_>) -> Result<(), String> {
    let (plan, layout) = (sink.plan, sink.layout);
    let (width, nf) = (plan.columns.len(), plan.features.len());
    // Per column: the feature it holds, if any, and whether its cells are numbers to parse on the spot.
    let mut feature_of: Vec<Option<(usize, bool)>> = vec![None; width];
    // Per column, whether an encoding reads it; its cell's place in the line is kept for after the line.
    let encodes = !layout.encoded.is_empty();
    let mut read_by_encoding = vec![false; width];
    for c in layout.encoded.iter().filter_map(|e| e.column) {
        read_by_encoding[c] = true;
    }
    let mut cells: Vec<(usize, usize)> = vec![(0, 0); if encodes { width } else { 0 }];
    let mut buffer = Vec::new();
    for (f, slot) in layout.slots.iter().enumerate() {
        if let Some(c) = *slot {
            feature_of[c] = Some((f, plan.features[f].kind != leadsmith_model::FeatureType::Bool));
        }
    }
    let mut values = vec![0.0; nf];
    let mut problems: Vec<(usize, String)> = Vec::new();
    let mut errors: Vec<FeatureError> = Vec::new();
    let bytes = &block.bytes[..];
    let (mut line, mut pos) = (block.first_line, 0);
    while pos < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
        let text = &bytes[pos..end];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let this_line = line;
        line += 1;
        pos = end + 1;
        if text.is_empty() {
            continue;
        }
        if !sink.header_skipped {
            sink.header_skipped = true;
            continue;
        }
        problems.clear();
        let (mut column, mut at, mut blank, mut id) = (0usize, 0usize, true, &text[..0]);
        loop {
            let start = at;
            let (end, number) = match feature_of.get(column).copied().flatten() {
                Some((_, true)) => number_cell(text, start, delimiter),
                _ => (text[start..].iter().position(|&b| b == delimiter).map_or(text.len(), |i| start + i), None),
            };
            let cell = &text[start..end];
            if blank && !is_blank(cell) {
                blank = false;
            }
            if column == plan.id_column {
                id = cell;
            }
            if encodes && read_by_encoding.get(column).copied().unwrap_or(false) {
                cells[column] = (start, end);
            }
            if let Some(Some((f, _))) = feature_of.get(column) {
                let spec = &plan.features[*f];
                let read = match number {
                    Some(x) if spec.allows(x) => Ok(x),
                    Some(x) => spec.check(x).map(|()| x),
                    None => value(spec, Some(cell)),
                };
                match read {
                    Ok(v) => values[*f] = v,
                    Err(problem) => problems.push((*f, problem)),
                }
            }
            column += 1;
            if end >= text.len() {
                break;
            }
            at = end + 1;
        }
        if blank {
            continue;
        }
        if column != width {
            return Err(format!("line {this_line} has {column} fields, the header {width}"));
        }
        for (f, slot) in layout.slots.iter().enumerate() {
            if slot.is_none() && !(encodes && layout.derived[f]) {
                match plan.features[f].value(None) {
                    Ok(v) => values[f] = v,
                    Err(problem) => problems.push((f, problem)),
                }
            }
        }
        let row_start = sink.rows.len();
        errors.clear();
        problems.sort_by_key(|(f, _)| *f);
        errors.extend(
            problems.drain(..).map(|(f, problem)| FeatureError { feature: plan.features[f].name.clone(), problem }),
        );
        if encodes {
            layout.encode(|c| &text[cells[c].0..cells[c].1], &mut values, &mut buffer, &mut errors);
        }
        if errors.is_empty() {
            sink.rows.extend_from_slice(&values);
        }
        sink.finish(this_line, id, row_start, &errors);
    }
    Ok(())
}

/// A number cell starting at `start` of a line: where it ends (the next delimiter or the line's end), and
/// its value when it is a plain decimal with ASCII padding, read exactly as [`plain_decimal`] reads it.
#[inline(always)]
fn number_cell(text: &[u8], start: usize, delimiter: u8) -> (usize, Option<f64>) {
    let n = text.len();
    let pad = |b: u8| b != delimiter && b.is_ascii_whitespace();
    let mut i = start;
    while i < n && pad(text[i]) {
        i += 1;
    }
    // Branch-free: the sign of a column's numbers is as likely one way as the other.
    let first = text.get(i).copied().unwrap_or(0);
    let negative = first == b'-';
    i += usize::from(negative | (first == b'+'));
    let (mut mantissa, mut count, mut decimals, mut point) = (0u64, 0usize, 0usize, false);
    while i < n {
        let b = text[i];
        if b.is_ascii_digit() {
            count += 1;
            if count > 15 {
                break;
            }
            mantissa = mantissa * 10 + u64::from(b - b'0');
            decimals += usize::from(point);
        } else if b == b'.' && !point {
            point = true;
        } else {
            break;
        }
        i += 1;
    }
    while i < n && pad(text[i]) {
        i += 1;
    }
    if i >= n || text[i] == delimiter {
        if (1..=15).contains(&count) {
            let x = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
            return (i, Some(f64::from_bits(x.to_bits() | (u64::from(negative) << 63))));
        }
        return (i, None);
    }
    let end = text[i..].iter().position(|&b| b == delimiter).map_or(n, |j| i + j);
    (end, None)
}

/// The records of any block, through the CSV reader (quoted cells, line breaks inside them).
fn read_csv(block: &Block, delimiter: u8, sink: &mut Rows<'_>) -> Result<(), String> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(&block.bytes[..]);
    let mut record = csv::ByteRecord::new();
    // Lines are counted from byte offsets, as the careful reader counts them.
    let (mut line, mut counted_to) = (block.first_line, 0usize);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(format!("unreadable CSV: {e}")),
        }
        // A record's position can be the line break before it (the `\n` of a CRLF, a blank line): its line
        // is that of its first character.
        let mut start = record.position().map_or(0, |p| p.byte() as usize).max(counted_to);
        start += block.bytes[start..].iter().take_while(|&&b| matches!(b, b'\n' | b'\r')).count();
        line += memchr::memchr_iter(b'\n', &block.bytes[counted_to..start]).count() as u64;
        counted_to = start;
        let fields: Vec<&[u8]> = record.iter().collect();
        sink.take(line, &fields)?;
    }
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
    let trimmed = cell.trim_ascii();
    if trimmed.is_empty() {
        // `Cell::parse` reads it as empty: the feature left out.
        return spec.value(None);
    }
    if spec.kind != leadsmith_model::FeatureType::Bool {
        let number = match plain_decimal(trimmed) {
            Some(x) => Some(x),
            None => std::str::from_utf8(trimmed).ok().and_then(|t| t.parse::<f64>().ok()).filter(|x| x.is_finite()),
        };
        if let Some(x) = number {
            spec.check(x)?;
            return Ok(x);
        }
    }
    let text = String::from_utf8_lossy(cell);
    spec.value(Some(&leadsmith_core::Cell::parse(&text).to_json()))
}

/// Powers of ten that are exact in an `f64`.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// A plain decimal (`-12.345`, `7`, `+.5`: a sign, digits and at most one point, no exponent) of at most
/// 15 digits, as `str::parse::<f64>` reads it: the digits are an exact integer and the power of ten is
/// exact, so one division rounds correctly, to the same number (Clinger's fast path). `None` for anything
/// else, which the standard parser then reads. `text` is trimmed.
fn plain_decimal(text: &[u8]) -> Option<f64> {
    // A line break never is inside a trimmed cell: as the "delimiter" it only ends the text.
    match number_cell(text, 0, b'\n') {
        (end, Some(x)) if end == text.len() => Some(x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_read_as_the_standard_parser_reads_them() {
        let mut cases: Vec<String> = [
            "0",
            "-0",
            "+0",
            "7",
            "-7",
            "0.1",
            "-0.007",
            ".5",
            "5.",
            "+.25",
            "123456789012345",
            "0.00000000000001",
            "999999999999999",
            "1.23456789012345",
            "-98765.4321",
            "00012.50",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut seed = 3u64;
        for _ in 0..200_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let digits = 1 + (seed >> 60) as usize;
            let value = (seed >> 11) % 10u64.pow(digits.min(15) as u32);
            let text = value.to_string();
            let point = (seed >> 20) as usize % (text.len() + 1);
            let sign = ["", "-", "+"][(seed >> 30) as usize % 3];
            cases.push(format!("{sign}{}.{}", &text[..point], &text[point..]));
        }
        for case in &cases {
            let want: f64 = case.parse().unwrap();
            let got = plain_decimal(case.as_bytes()).unwrap_or_else(|| panic!("{case} is plain"));
            assert_eq!(got.to_bits(), want.to_bits(), "{case}");
        }
        for not_plain in
            ["", "-", ".", "1e5", "1.2.3", "1,5", "0x10", "nan", "inf", "1 2", "1234567890123456", "3.141592653589793"]
        {
            assert_eq!(plain_decimal(not_plain.as_bytes()), None, "{not_plain:?}");
        }
    }
}
