//! The one reader of tabular input — lead lists to import, rows to score, history to train on: CSV with
//! a header, or JSONL (one object per line), told from the file name or, failing that, the content.
//! Every record keeps its line number and raw text; a record that cannot be read is reported with its
//! line and why, and the rest of the file goes on. Cells are read by [`leadsmith_core::Cell`].

use std::ops::Index;
use std::path::Path;

use anyhow::{Context, Result};

/// A tabular file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// What a file name says: `.jsonl`, `.ndjson`, `.json` → JSONL; `.csv`, `.txt` → CSV.
    pub fn from_name(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Some(Self::Jsonl),
            "csv" | "txt" => Some(Self::Csv),
            _ => None,
        }
    }

    /// From the content: JSONL when the first thing in it is `{`.
    pub fn sniff(text: &str) -> Self {
        if text.trim_start_matches('\u{feff}').trim_start().starts_with('{') { Self::Jsonl } else { Self::Csv }
    }
}

/// One record: its line, its raw text and its values in the table's column order (`""` when absent).
#[derive(Debug, Clone)]
pub struct Record {
    pub line: u64,
    pub raw: String,
    pub values: Vec<String>,
    /// The columns this record itself has, in its order, where records differ (JSONL objects have
    /// keys of their own); `None`: every column (CSV).
    pub own: Option<Vec<usize>>,
}

impl Index<usize> for Record {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        self.values.get(i).map_or("", String::as_str)
    }
}

/// A record that could not be read.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub line: u64,
    pub reason: String,
    pub raw: String,
}

/// How a file's bytes were read, and whether each choice was given or detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The encoding's WHATWG name (`UTF-8`, `windows-1252`, `UTF-16LE`).
    pub encoding: &'static str,
    pub encoding_given: bool,
    /// The CSV delimiter; `None` for JSONL.
    pub delimiter: Option<u8>,
    pub delimiter_given: bool,
}

impl Default for Reading {
    fn default() -> Self {
        Self { encoding: "UTF-8", encoding_given: false, delimiter: None, delimiter_given: false }
    }
}

impl Reading {
    /// `UTF-8, ','-delimited`, with `(detected)`/`(given)` where that is worth saying.
    pub fn describe(&self) -> String {
        let how = |given: bool| if given { "given" } else { "detected" };
        let mut text = format!("{} ({})", self.encoding, how(self.encoding_given));
        if let Some(d) = self.delimiter {
            let name = match d {
                b'\t' => "tab".to_string(),
                d => format!("'{}'", d as char),
            };
            text.push_str(&format!(", {name}-delimited ({})", how(self.delimiter_given)));
        }
        text
    }

    /// Whether this is what a reader assumes anyway (UTF-8, and commas for CSV).
    pub fn is_plain(&self) -> bool {
        self.encoding == "UTF-8" && self.delimiter.is_none_or(|d| d == b',')
    }
}

/// What to assume instead of detecting it.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// An encoding label (`utf-8`, `windows-1252`, `latin1`, `utf-16le`, …).
    pub encoding: Option<String>,
    /// The CSV delimiter.
    pub delimiter: Option<u8>,
}

/// A delimiter as people write it: `,` `;` `|`, `tab` or `\t`.
pub fn parse_delimiter(text: &str) -> Result<u8> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() && !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '"') => {
            Ok(t.as_bytes()[0])
        }
        t => anyhow::bail!("delimiter {t:?}: give one character such as , ; | or the word tab"),
    }
}

/// A read table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The CSV header, or every JSONL key in order of first appearance.
    pub columns: Vec<String>,
    pub records: Vec<Record>,
    pub unreadable: Vec<Unreadable>,
    /// What was read but is worth saying (a header named twice).
    pub warnings: Vec<String>,
    /// What was skipped on purpose (a report footer).
    pub notes: Vec<String>,
    /// Blank lines and rows, skipped.
    pub blank_rows: usize,
    pub reading: Reading,
    /// The lines of unreadable one-cell rows (a report footer's).
    single_cells: Vec<u64>,
}

impl Table {
    /// Where a column is.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Reads a file (`format` when given, else from its name, else its content), detecting its encoding and
/// delimiter unless `options` gives them.
pub fn read_file(path: &Path, format: Option<Format>, options: &ReadOptions) -> Result<Table> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    read_bytes(&bytes, format.or_else(|| Format::from_name(path)), options)
        .with_context(|| format!("reading {}", path.display()))
}

/// Reads bytes (a file, an upload): `format` when given, else told from the content. The encoding is
/// the one given, else the byte-order mark's, else UTF-8 when the bytes are valid UTF-8 (or look like
/// UTF-16), else the best guess of a detector; bytes the encoding cannot read are replaced, never fatal.
pub fn read_bytes(bytes: &[u8], format: Option<Format>, options: &ReadOptions) -> Result<Table> {
    if let Some(kind) = workbook(bytes) {
        anyhow::bail!(
            "this is {kind}, not a CSV file: open it and save it as CSV (\"CSV UTF-8\" in Excel), then import that"
        );
    }
    let (text, encoding, encoding_given, lossy) = decode(bytes, options.encoding.as_deref())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let format = format.unwrap_or_else(|| Format::sniff(text));
    let mut table = match format {
        Format::Csv => read_csv(text, options.delimiter)?,
        Format::Jsonl => read_jsonl(text),
    };
    table.reading.encoding = encoding;
    table.reading.encoding_given = encoding_given;
    if lossy {
        table.warnings.push(format!(
            "some bytes are not valid {encoding} and were replaced with \u{fffd}; give the file's encoding with \
             --encoding"
        ));
    }
    Ok(table)
}

/// Reads text: `format` when given, else told from the content. Blank lines and rows are skipped.
pub fn read_text(text: &str, format: Option<Format>) -> Result<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format.unwrap_or_else(|| Format::sniff(text)) {
        Format::Csv => read_csv(text, None),
        Format::Jsonl => Ok(read_jsonl(text)),
    }
}

/// What kind of workbook the bytes are, if they are one rather than text.
fn workbook(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some("a spreadsheet workbook (.xlsx or .ods, a zip archive)")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("an Excel 97-2003 workbook (.xls)")
    } else {
        None
    }
}

/// The encoding a label names (`utf-8`, `latin1`, `windows-1252`, `utf-16le`, …).
pub fn encoding(label: &str) -> Result<&'static encoding_rs::Encoding> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes()).with_context(|| {
        format!("unknown encoding {label:?}: try utf-8, windows-1252 (latin1), iso-8859-15, utf-16le or utf-16be")
    })
}

/// The text of `bytes`, the encoding's name, whether it was given, and whether bytes were replaced.
fn decode(bytes: &[u8], label: Option<&str>) -> Result<(String, &'static str, bool, bool)> {
    use encoding_rs::{Encoding, UTF_8};
    if let Some(label) = label {
        let encoding = encoding(label)?;
        let (text, lossy) = encoding.decode_with_bom_removal(bytes);
        return Ok((text.into_owned(), encoding.name(), true, lossy));
    }
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((encoding, bom)) => (encoding, &bytes[bom..]),
        None => match utf16_without_bom(bytes) {
            Some(encoding) => (encoding, bytes),
            None if std::str::from_utf8(bytes).is_ok() => (UTF_8, bytes),
            None => {
                let mut detector = chardetng::EncodingDetector::new();
                detector.feed(bytes, true);
                (detector.guess(None, false), bytes)
            }
        },
    };
    let (text, lossy) = encoding.decode_without_bom_handling(body);
    Ok((text.into_owned(), encoding.name(), false, lossy))
}

/// UTF-16 without a byte-order mark, told by the zero bytes ASCII text has in every other place.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (zeros(0), zeros(1));
    if odd * 10 >= pairs * 7 && even * 10 < pairs {
        Some(encoding_rs::UTF_16LE)
    } else if even * 10 >= pairs * 7 && odd * 10 < pairs {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// The delimiter of CSV text: of `,` `;` tab `|`, the one that splits the most of its first lines into
/// as many fields as the header, then the one that splits the header most; `,` when none does.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(20).collect();
    let mut best = (b',', (0, 0));
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&header) = counts.first().filter(|&&c| c > 0) else { continue };
        let score = (counts.iter().filter(|&&c| c == header).count(), header);
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            n += 1;
        }
    }
    n
}

fn csv_reader(text: &str, delimiter: u8, has_headers: bool) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().flexible(true).has_headers(has_headers).delimiter(delimiter).from_reader(text.as_bytes())
}

/// Reads CSV text. A row whose quote never closes is reported on its own line with that cause, and
/// reading resumes on the next line, so one stray quote costs one row, not the rest of the file.
fn read_csv(text: &str, delimiter: Option<u8>) -> Result<Table> {
    let delimiter_given = delimiter.is_some();
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = csv_reader(text, delimiter, true);
    let header: Vec<String> =
        reader.headers().context("reading the CSV header")?.iter().map(|h| h.trim().to_string()).collect();
    let (columns, warnings) = unique_columns(header);
    let reading = Reading { delimiter: Some(delimiter), delimiter_given, ..Reading::default() };
    let mut table = Table { columns, warnings, reading, ..Table::default() };
    let width = table.columns.len();
    let mut record = csv::StringRecord::new();
    // Lines are counted from byte offsets: the CSV reader's own count skips blank lines.
    let mut lines = LineCounter::new(text);
    // Where in `text` the current reader started (it starts again after a broken row).
    let mut base = 0usize;
    // The CSV reader skips empty lines itself; they are counted here.
    table.blank_rows = text.lines().skip(1).filter(|l| l.trim_end_matches('\r').is_empty()).count();
    loop {
        let at = base + reader.position().byte() as usize;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.line_at(e.position().map_or(at, |p| base + p.byte() as usize) as u64);
                let reason = format!("unreadable CSV: {e}");
                table.unreadable.push(Unreadable { line, reason, raw: String::new() });
                continue;
            }
        }
        let start = record.position().map_or(at, |p| base + p.byte() as usize);
        let end = base + reader.position().byte() as usize;
        let line = lines.line_at(start as u64);
        if record.iter().all(|f| f.trim().is_empty()) {
            table.blank_rows += 1;
            continue;
        }
        if record.len() == width {
            let raw = raw_csv(&record);
            table.records.push(Record { line, raw, values: record.iter().map(str::to_string).collect(), own: None });
            continue;
        }
        let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i + 1);
        let first_line = text[start..first_line_end].trim_end_matches(['\r', '\n']);
        let spans_lines = text[start..end.max(start)].trim_end_matches(['\r', '\n']).contains('\n');
        if spans_lines && first_line.matches('"').count() % 2 == 1 {
            // A quote opened on this line swallowed the lines after it: report this line, read on from the
            // next one.
            table.unreadable.push(Unreadable {
                line,
                reason: "unterminated quote: a quoted field starts on this line and never ends".into(),
                raw: first_line.to_string(),
            });
            base = first_line_end;
            reader = csv_reader(&text[base..], delimiter, false);
            continue;
        }
        let reason = if first_line.matches('"').count() % 2 == 1 {
            "unterminated quote: a quoted field starts on this line and never ends".to_string()
        } else {
            format!("wrong number of columns: {} (the header has {width})", record.len())
        };
        let single_cell = record.len() == 1;
        table.unreadable.push(Unreadable { line, reason, raw: raw_csv(&record) });
        if single_cell {
            table.single_cells.push(line);
        }
    }
    skip_report_footer(&mut table);
    Ok(table)
}

/// Salesforce appends a footer to report exports — a blank row, then one-cell rows: the report's name or
/// the company's, "Confidential Information - Do Not Distribute", a copyright line, "Generated By: …".
/// Those rows are skipped with a note, not reported as bad rows.
fn skip_report_footer(table: &mut Table) {
    const MARKS: &[&str] = &["confidential information - do not distribute", "salesforce.com, inc", "generated by:"];
    let after = table.records.last().map_or(0, |r| r.line);
    let tail: Vec<usize> = (0..table.unreadable.len()).filter(|&i| table.unreadable[i].line > after).collect();
    let Some(&first) = tail.first() else { return };
    let all_single = tail.iter().all(|&i| table.single_cells.contains(&table.unreadable[i].line));
    let marked = tail.iter().any(|&i| MARKS.iter().any(|m| table.unreadable[i].raw.to_lowercase().contains(m)));
    if !(all_single && marked) {
        return;
    }
    let (from, to) = (table.unreadable[first].line, table.unreadable.last().map_or(0, |u| u.line));
    table.unreadable.truncate(first);
    table.notes.push(format!("skipped the Salesforce report footer (lines {from}–{to})"));
}

/// The header with a column named twice kept twice (`notes`, `notes_2`), never one value lost, and a
/// warning for each.
fn unique_columns(header: Vec<String>) -> (Vec<String>, Vec<String>) {
    let mut columns: Vec<String> = Vec::with_capacity(header.len());
    let mut warnings = Vec::new();
    for name in header {
        if !columns.contains(&name) {
            columns.push(name);
            continue;
        }
        let renamed = (2..).map(|n| format!("{name}_{n}")).find(|c| !columns.contains(c)).expect("a free name");
        warnings.push(format!("the header names column {name:?} twice; the second is read as {renamed:?}"));
        columns.push(renamed);
    }
    (columns, warnings)
}

/// The 1-based line of byte offsets met in increasing order.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self { text: text.as_bytes(), at: 0, line: 1 }
    }

    /// The line of the first character at or after `byte` that is not a line break (a record's
    /// position can be the blank line before it).
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.text.len());
        while byte < self.text.len() && matches!(self.text[byte], b'\n' | b'\r') {
            byte += 1;
        }
        if byte >= self.at {
            self.line += self.text[self.at..byte].iter().filter(|&&b| b == b'\n').count() as u64;
        } else {
            self.line = 1 + self.text[..byte].iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.at = byte;
        self.line
    }
}

fn raw_csv(record: &csv::StringRecord) -> String {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let _ = w.write_record(record);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

/// Reads JSONL text (which, unlike CSV, has no header to fail on).
pub fn read_jsonl(text: &str) -> Table {
    let mut table = Table::default();
    for (i, line_text) in text.lines().enumerate() {
        let line = i as u64 + 1;
        if line_text.trim().is_empty() {
            continue;
        }
        let raw = line_text.to_string();
        let object = match serde_json::from_str::<serde_json::Value>(line_text) {
            Ok(serde_json::Value::Object(o)) => o,
            Ok(_) => {
                table.unreadable.push(Unreadable { line, reason: "not a JSON object".into(), raw });
                continue;
            }
            Err(e) => {
                table.unreadable.push(Unreadable { line, reason: format!("invalid JSON: {e}"), raw });
                continue;
            }
        };
        let mut values = vec![String::new(); table.columns.len()];
        let mut own = Vec::with_capacity(object.len());
        for (key, value) in object {
            let at = match table.column(&key) {
                Some(at) => at,
                None => {
                    table.columns.push(key);
                    values.push(String::new());
                    table.columns.len() - 1
                }
            };
            own.push(at);
            values[at] = match value {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
        }
        table.records.push(Record { line, raw, values, own: Some(own) });
    }
    let width = table.columns.len();
    for r in &mut table.records {
        r.values.resize(width, String::new());
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_jsonl_read_the_same_way() {
        let csv = "\u{feff}id, name ,n\n1,a,2\n\n1,2\n3,\"c\",4\n";
        let t = read_text(csv, None).unwrap();
        assert_eq!(t.columns, ["id", "name", "n"]);
        assert_eq!(t.records.len(), 2);
        assert_eq!((t.records[1].line, &t.records[1][1]), (5, "c"));
        assert_eq!(t.unreadable.len(), 1);
        assert_eq!(t.unreadable[0].line, 4);
        assert!(t.unreadable[0].reason.contains("wrong number of columns: 2 (the header has 3)"));

        let jsonl = "{\"id\": 1, \"name\": \"a\"}\n[1]\n{\"id\": 2, \"n\": null, \"x\": true}\nnot json\n";
        let t = read_text(jsonl, None).unwrap();
        assert_eq!(t.columns, ["id", "name", "n", "x"]);
        assert_eq!(t.records[0].values, ["1", "a", "", ""]);
        assert_eq!(t.records[1].values, ["2", "", "", "true"]);
        let reasons: Vec<(u64, &str)> = t.unreadable.iter().map(|u| (u.line, u.reason.as_str())).collect();
        assert_eq!(reasons[0], (2, "not a JSON object"));
        assert!(reasons[1].0 == 4 && reasons[1].1.starts_with("invalid JSON"));
    }

    #[test]
    fn crlf_lines_are_counted_and_a_repeated_header_keeps_both_values() {
        let csv = "id,notes,notes\r\n1,a,b\r\n\r\n2,c\r\n3,d,e\r\n";
        let t = read_text(csv, Some(Format::Csv)).unwrap();
        assert_eq!(t.columns, ["id", "notes", "notes_2"]);
        assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
        assert_eq!(t.records[0].values, ["1", "a", "b"]);
        assert_eq!(t.unreadable[0].line, 4, "the short row is on line 4 of the file");
        assert_eq!(t.records[1].line, 5);
    }

    #[test]
    fn the_format_comes_from_the_name_then_the_content() {
        assert_eq!(Format::from_name(Path::new("a.NDJSON")), Some(Format::Jsonl));
        assert_eq!(Format::from_name(Path::new("a.csv")), Some(Format::Csv));
        assert_eq!(Format::from_name(Path::new("export")), None);
        assert_eq!(Format::sniff("  {\"a\":1}"), Format::Jsonl);
        assert_eq!(Format::sniff("a,b\n"), Format::Csv);
    }
}
