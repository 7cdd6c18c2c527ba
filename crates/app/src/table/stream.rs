//! Reading a table a record at a time, so a file of any size is read in constant memory: detection from
//! the first bytes and lines (and, for the encoding, one raw pass over the bytes), then records as they
//! are parsed. Everything [`read_bytes`](super::read_bytes) does is done here, in the same order; the
//! whole-table readers collect this stream.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::{Context, Result};

use super::detect::{self, Decoding, SNIFF_LINES};
use super::tape::{RECORD_CAP, Tape};
use super::{Format, ReadOptions, Reading, Record, Unreadable, raw_csv, unique_columns};

/// What a table's bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl<'a> Source<'a> {
    fn open(&self) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match *self {
            Source::File(path) => Box::new(std::fs::File::open(path)?),
            Source::Bytes(bytes) => Box::new(bytes),
        })
    }

    /// The size in bytes, when it is known.
    pub fn size(&self) -> Option<u64> {
        match *self {
            Source::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Source::Bytes(bytes) => Some(bytes.len() as u64),
        }
    }
}

/// How a source was found to be, so that it can be read again without detecting it again.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    decoding: Decoding,
    format: Format,
    delimiter: Option<u8>,
    delimiter_given: bool,
    strip_bom: bool,
}

/// A read item, in the file's order.
#[derive(Debug, Clone)]
pub enum Item {
    Record(Record),
    Unreadable(Unreadable),
}

/// What a finished stream knew beside its records.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// The CSV header, or every JSONL key in order of first appearance.
    pub columns: Vec<String>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    pub blank_rows: usize,
    pub reading: Reading,
}

/// Single-cell rows held back at most, waiting to learn whether they are a report footer.
const HOLD_AT_MOST: usize = 10_000;

/// A table read a record at a time.
pub struct Stream<'a> {
    plan: Plan,
    kind: Kind<'a>,
    columns: Vec<String>,
    warnings: Vec<String>,
    notes: Vec<String>,
    blank_rows: usize,
    /// Items ready to hand out.
    ready: VecDeque<Item>,
    /// One-cell unreadable rows since the last record, which a report footer is made of.
    held: Vec<Unreadable>,
    /// Whether an unreadable row since the last record rules out a footer.
    spoiled: bool,
    finished: bool,
    bytes_read: Arc<AtomicU64>,
}

enum Kind<'a> {
    Csv(Box<CsvState<'a>>),
    Jsonl { tape: Tape<'a>, line: u64 },
    Done,
}

struct CsvState<'a> {
    /// `None` only while a stray quote makes it start again.
    reader: Option<csv::Reader<Tape<'a>>>,
    /// Where in the text the current reader started.
    base: u64,
    delimiter: u8,
    width: usize,
    record: csv::StringRecord,
}

enum Raw {
    Record(Record),
    Unreadable(Unreadable, bool),
    Blank,
    End,
}

fn csv_reader<'a>(tape: Tape<'a>, delimiter: u8, has_headers: bool) -> csv::Reader<Tape<'a>> {
    csv::ReaderBuilder::new().flexible(true).has_headers(has_headers).delimiter(delimiter).from_reader(tape)
}

impl<'a> Stream<'a> {
    /// Opens `source`: `format` when given, else from a file's name, else its content; the encoding and
    /// delimiter `options` give, else detected.
    pub fn open(source: Source<'a>, format: Option<Format>, options: &ReadOptions) -> Result<Self> {
        let head = detect::head(source.open()?, 4096)?;
        if let Some(kind) = detect::workbook(&head) {
            anyhow::bail!(
                "this is {kind}, not a CSV file: open it and save it as CSV (\"CSV UTF-8\" in Excel), then import that"
            );
        }
        let decoding = detect::decoding(&head, options.encoding.as_deref(), &mut || source.open())?;
        let format = format.or_else(|| match source {
            Source::File(path) => Format::from_name(path),
            Source::Bytes(_) => None,
        });
        let plan = Plan {
            decoding,
            format: format.unwrap_or(Format::Csv),
            delimiter: options.delimiter,
            delimiter_given: options.delimiter.is_some(),
            strip_bom: true,
        };
        Self::start(source, plan, format.is_none())
    }

    /// Opens `source` again as `plan` says (from [`plan`](Self::plan) of an earlier stream of it).
    pub fn reopen(source: Source<'a>, plan: Plan) -> Result<Self> {
        Self::start(source, plan, false)
    }

    /// Text from memory: `format` when given, else told from the content; a leading byte-order mark is
    /// dropped when `strip_bom`.
    pub fn text(text: &'a str, format: Option<Format>, strip_bom: bool) -> Result<Self> {
        let decoding = Decoding { encoding: encoding_rs::UTF_8, given: false, bom: 0 };
        let plan = Plan {
            decoding,
            format: format.unwrap_or(Format::Csv),
            delimiter: None,
            delimiter_given: false,
            strip_bom,
        };
        Self::start(Source::Bytes(text.as_bytes()), plan, format.is_none())
    }

    fn start(source: Source<'a>, mut plan: Plan, sniff_format: bool) -> Result<Self> {
        let bytes_read = Arc::new(AtomicU64::new(0));
        let mut raw = source.open()?;
        io::copy(&mut raw.by_ref().take(plan.decoding.bom as u64), &mut io::sink())?;
        let mut tape = Tape::new(raw, plan.decoding.decoder(), plan.strip_bom, bytes_read.clone());
        if sniff_format || (plan.format == Format::Csv && plan.delimiter.is_none()) {
            let first = first_lines(&mut tape)?;
            if sniff_format {
                plan.format = Format::sniff(&first);
            }
            if plan.format == Format::Csv && plan.delimiter.is_none() {
                plan.delimiter = Some(detect::sniff_delimiter(&first));
            }
        }
        let mut stream = Stream {
            plan,
            kind: Kind::Done,
            columns: Vec::new(),
            warnings: Vec::new(),
            notes: Vec::new(),
            blank_rows: 0,
            ready: VecDeque::new(),
            held: Vec::new(),
            spoiled: false,
            finished: false,
            bytes_read,
        };
        match plan.format {
            Format::Jsonl => stream.kind = Kind::Jsonl { tape, line: 0 },
            Format::Csv => {
                let delimiter = plan.delimiter.unwrap_or(b',');
                let mut reader = csv_reader(tape, delimiter, true);
                let header: Vec<String> =
                    reader.headers().context("reading the CSV header")?.iter().map(|h| h.trim().to_string()).collect();
                let (columns, warnings) = unique_columns(header);
                stream.columns = columns;
                stream.warnings = warnings;
                stream.kind = Kind::Csv(Box::new(CsvState {
                    reader: Some(reader),
                    base: 0,
                    delimiter,
                    width: stream.columns.len(),
                    record: csv::StringRecord::new(),
                }));
            }
        }
        Ok(stream)
    }
}

impl Plan {
    /// The delimiter of a CSV source of UTF-8 text, whose bytes can be parsed as they are (after a
    /// byte-order mark); `None` for JSONL and other encodings.
    pub fn utf8_csv_delimiter(&self) -> Option<u8> {
        (self.format == Format::Csv && self.decoding.encoding == encoding_rs::UTF_8)
            .then(|| self.delimiter.unwrap_or(b','))
    }
}

impl Stream<'_> {
    /// How the source was read, to read it again the same way.
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// The columns known so far: the CSV header; for JSONL, the keys met so far.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The source's bytes read so far, updated as the stream reads (for progress).
    pub fn bytes_read(&self) -> Arc<AtomicU64> {
        self.bytes_read.clone()
    }

    /// The stream counting the bytes it reads into `counter` (those read so far included).
    pub fn counting_into(mut self, counter: Arc<AtomicU64>) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        counter.fetch_add(self.bytes_read.load(Relaxed), Relaxed);
        match &mut self.kind {
            Kind::Csv(csv) => {
                if let Some(reader) = csv.reader.as_mut() {
                    reader.get_mut().bytes_read = counter.clone();
                }
            }
            Kind::Jsonl { tape, .. } => tape.bytes_read = counter.clone(),
            Kind::Done => {}
        }
        self.bytes_read = counter;
        self
    }

    /// The next record or unreadable row, in the file's order; `None` at the end. One-cell rows after the
    /// last record are held back until it is known whether they are a Salesforce report footer, which is
    /// skipped with a note.
    pub fn next_item(&mut self) -> Result<Option<Item>> {
        loop {
            if let Some(item) = self.ready.pop_front() {
                return Ok(Some(item));
            }
            if self.finished {
                return Ok(None);
            }
            match self.next_raw()? {
                Raw::Blank => self.blank_rows += 1,
                Raw::Record(record) => {
                    self.ready.extend(self.held.drain(..).map(Item::Unreadable));
                    self.spoiled = false;
                    self.ready.push_back(Item::Record(record));
                }
                Raw::Unreadable(row, single_cell) => {
                    if single_cell && !self.spoiled && self.held.len() < HOLD_AT_MOST {
                        self.held.push(row);
                    } else {
                        self.ready.extend(self.held.drain(..).map(Item::Unreadable));
                        self.spoiled = true;
                        self.ready.push_back(Item::Unreadable(row));
                    }
                }
                Raw::End => {
                    self.finished = true;
                    self.skip_report_footer();
                    self.ready.extend(self.held.drain(..).map(Item::Unreadable));
                }
            }
        }
    }

    /// Salesforce appends a footer to report exports — a blank row, then one-cell rows: the report's name
    /// or the company's, "Confidential Information - Do Not Distribute", a copyright line, "Generated By:
    /// …". Those rows are skipped with a note, not reported as bad rows.
    fn skip_report_footer(&mut self) {
        const MARKS: &[&str] =
            &["confidential information - do not distribute", "salesforce.com, inc", "generated by:"];
        let (Some(first), Some(last)) = (self.held.first(), self.held.last()) else { return };
        let marked = self.held.iter().any(|u| MARKS.iter().any(|m| u.raw.to_lowercase().contains(m)));
        if self.spoiled || !marked {
            return;
        }
        self.notes.push(format!("skipped the Salesforce report footer (lines {}–{})", first.line, last.line));
        self.held.clear();
    }

    /// What was learnt beside the records; call after the last item.
    pub fn summary(self) -> Summary {
        let (lossy, text_blank) = match &self.kind {
            Kind::Csv(csv) => csv.reader.as_ref().map_or((false, 0), |r| (r.get_ref().lossy, r.get_ref().blank.count)),
            Kind::Jsonl { tape, .. } => (tape.lossy, 0),
            Kind::Done => (false, 0),
        };
        let encoding = self.plan.decoding.encoding.name();
        let mut warnings = self.warnings;
        if lossy {
            warnings.push(format!(
                "some bytes are not valid {encoding} and were replaced with \u{fffd}; give the file's encoding with \
                 --encoding"
            ));
        }
        let csv = self.plan.format == Format::Csv;
        let reading = Reading {
            encoding,
            encoding_given: self.plan.decoding.given,
            delimiter: if csv { self.plan.delimiter } else { None },
            delimiter_given: csv && self.plan.delimiter_given,
        };
        Summary {
            columns: self.columns,
            warnings,
            notes: self.notes,
            blank_rows: self.blank_rows + text_blank,
            reading,
        }
    }

    fn next_raw(&mut self) -> Result<Raw> {
        match &mut self.kind {
            Kind::Csv(csv) => csv.next(),
            Kind::Jsonl { tape, line } => next_jsonl(tape, line, &mut self.columns),
            Kind::Done => Ok(Raw::End),
        }
    }
}

/// The text of the first lines (enough for the sniffers), decoding no more than a MiB for them.
fn first_lines(tape: &mut Tape<'_>) -> io::Result<String> {
    loop {
        let text = tape.kept_from(0);
        let complete = text.iter().rposition(|&b| b == b'\n').map_or(&text[..0], |i| &text[..=i]);
        let lines = complete.split(|&b| b == b'\n').filter(|l| !l.trim_ascii().is_empty()).count();
        if lines >= SNIFF_LINES || text.len() >= 1 << 20 || tape.ended() {
            let text = if tape.ended() { text } else { complete };
            return Ok(String::from_utf8_lossy(text).into_owned());
        }
        tape.fill()?;
    }
}

const UNTERMINATED: &str = "unterminated quote: a quoted field starts on this line and never ends";

impl CsvState<'_> {
    /// Starts reading again at `at` (a row's next line), without a header.
    fn restart(&mut self, at: u64) {
        let mut tape = self.reader.take().expect("a reader").into_inner();
        tape.seek(at);
        tape.release(at);
        self.reader = Some(csv_reader(tape, self.delimiter, false));
        self.base = at;
    }

    /// The next row. A row whose quote never closes is reported on its own line with that cause, and
    /// reading resumes on the next line, so one stray quote costs one row, not the rest of the file.
    fn next(&mut self) -> Result<Raw> {
        let reader = self.reader.as_mut().expect("a reader");
        let at = self.base + reader.position().byte();
        match reader.read_record(&mut self.record) {
            Ok(false) if reader.get_ref().capped => {
                // Only line breaks were read up to the cap (a record would have been returned).
                let pos = reader.get_ref().pos;
                self.restart(pos);
                return Ok(Raw::Blank);
            }
            Ok(false) => return Ok(Raw::End),
            Ok(true) => {}
            Err(e) if e.is_io_error() => return Err(anyhow::Error::new(e).context("reading the file")),
            Err(e) => {
                let byte = e.position().map_or(at, |p| self.base + p.byte());
                let line = reader.get_mut().line_at(byte)?;
                let reason = format!("unreadable CSV: {e}");
                return Ok(Raw::Unreadable(Unreadable { line, reason, raw: String::new() }, false));
            }
        }
        let start = self.record.position().map_or(at, |p| self.base + p.byte());
        let end = self.base + reader.position().byte();
        let tape = reader.get_mut();
        // Lines are counted from byte offsets: the CSV reader's own count skips blank lines.
        let line = tape.line_at(start)?;
        let capped = tape.capped;
        if !capped && self.record.iter().all(|f| f.trim().is_empty()) {
            tape.release(end);
            return Ok(Raw::Blank);
        }
        if !capped && self.record.len() == self.width {
            tape.release(end);
            let raw = raw_csv(&self.record);
            let values = self.record.iter().map(str::to_string).collect();
            return Ok(Raw::Record(Record { line, raw, values, own: None }));
        }
        // The record's position can be the line break before it (the `\n` of a CRLF).
        let start = start + tape.kept_from(start).iter().take_while(|&&b| matches!(b, b'\r' | b'\n')).count() as u64;
        let Some(first_line_end) = line_end(tape, start)? else {
            // One line longer than any record may be: reported, and reading goes on after it.
            let after = skip_line(tape, start)?;
            self.restart(after);
            let reason = format!("a line longer than {} MiB", RECORD_CAP >> 20);
            return Ok(Raw::Unreadable(Unreadable { line, reason, raw: String::new() }, false));
        };
        let kept = tape.kept_from(start);
        let first_line = String::from_utf8_lossy(&kept[..(first_line_end - start) as usize]);
        let first_line = first_line.trim_end_matches(['\r', '\n']).to_string();
        let record_text = &kept[..(end.max(start) - start) as usize];
        let trimmed = record_text.iter().rposition(|&b| !matches!(b, b'\r' | b'\n')).map_or(0, |i| i + 1);
        let spans_lines = record_text[..trimmed].contains(&b'\n');
        let odd_quotes = first_line.matches('"').count() % 2 == 1;
        if capped || (spans_lines && odd_quotes) {
            // A quote opened on this line swallowed the lines after it: report this line, read on from the
            // next one.
            self.restart(first_line_end);
            let row = Unreadable { line, reason: UNTERMINATED.into(), raw: first_line };
            return Ok(Raw::Unreadable(row, false));
        }
        tape.release(end);
        let reason = if odd_quotes {
            UNTERMINATED.to_string()
        } else {
            format!("wrong number of columns: {} (the header has {})", self.record.len(), self.width)
        };
        let single_cell = self.record.len() == 1;
        Ok(Raw::Unreadable(Unreadable { line, reason, raw: raw_csv(&self.record) }, single_cell))
    }
}

/// The offset just after the line that starts at `start` (the end of the text for the last line), or
/// `None` when the line is longer than [`RECORD_CAP`].
fn line_end(tape: &mut Tape<'_>, start: u64) -> io::Result<Option<u64>> {
    let mut searched = 0;
    loop {
        let kept = tape.kept_from(start);
        if let Some(i) = kept[searched..].iter().position(|&b| b == b'\n') {
            return Ok(Some(start + (searched + i) as u64 + 1));
        }
        searched = kept.len();
        if searched as u64 >= RECORD_CAP {
            return Ok(None);
        }
        if !tape.fill()? {
            return Ok(Some(tape.end()));
        }
    }
}

/// Lets go of text up to the end of the line that starts at `start`; returns where the next line starts.
fn skip_line(tape: &mut Tape<'_>, start: u64) -> io::Result<u64> {
    let mut from = start;
    loop {
        let kept = tape.kept_from(from);
        if let Some(i) = kept.iter().position(|&b| b == b'\n') {
            return Ok(from + i as u64 + 1);
        }
        from += kept.len() as u64;
        tape.seek(from);
        tape.release(from);
        if !tape.fill()? {
            return Ok(from);
        }
    }
}

/// The next JSONL object (which, unlike CSV, has no header to fail on); blank lines are skipped.
fn next_jsonl(tape: &mut Tape<'_>, line: &mut u64, columns: &mut Vec<String>) -> Result<Raw> {
    loop {
        let Some(text) = tape.next_line()? else { return Ok(Raw::End) };
        let pos = tape.pos;
        tape.release(pos);
        *line += 1;
        if text.trim().is_empty() {
            continue;
        }
        let line = *line;
        let object = match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                return Ok(Raw::Unreadable(Unreadable { line, reason: "not a JSON object".into(), raw: text }, false));
            }
            Err(e) => {
                let reason = format!("invalid JSON: {e}");
                return Ok(Raw::Unreadable(Unreadable { line, reason, raw: text }, false));
            }
        };
        let mut values = vec![String::new(); columns.len()];
        let mut own = Vec::with_capacity(object.len());
        for (key, value) in object {
            let at = match columns.iter().position(|c| *c == key) {
                Some(at) => at,
                None => {
                    columns.push(key);
                    values.push(String::new());
                    columns.len() - 1
                }
            };
            own.push(at);
            values[at] = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
        }
        return Ok(Raw::Record(Record { line, raw: text, values, own: Some(own) }));
    }
}
