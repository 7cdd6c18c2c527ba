//! The one reader of tabular input — lead lists to import, rows to score, history to train on: CSV with
//! a header, or JSONL (one object per line), told from the file name or, failing that, the content.
//! Every record keeps its line number and raw text; a record that cannot be read is reported with its
//! line and why, and the rest of the file goes on. Cells are read by [`leadsmith_core::Cell`].
//! [`Stream`] reads a record at a time in constant memory (`stream.rs`, over the decoded text of
//! `tape.rs`, after the detection of `detect.rs`); [`read_file`] and friends collect it into a [`Table`].

pub mod blocks;
mod detect;
mod stream;
mod tape;

pub use stream::{Item, Plan, Source, Stream, Summary};

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
}

impl Table {
    /// Where a column is.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Every item of `stream`, held together.
    fn collect(mut stream: Stream<'_>) -> Result<Self> {
        let (mut records, mut unreadable) = (Vec::new(), Vec::new());
        while let Some(item) = stream.next_item()? {
            match item {
                Item::Record(r) => records.push(r),
                Item::Unreadable(u) => unreadable.push(u),
            }
        }
        let Summary { columns, warnings, notes, blank_rows, reading } = stream.summary();
        for r in &mut records {
            r.values.resize(columns.len(), String::new());
        }
        Ok(Self { columns, records, unreadable, warnings, notes, blank_rows, reading })
    }
}

/// Reads a file (`format` when given, else from its name, else its content), detecting its encoding and
/// delimiter unless `options` gives them.
pub fn read_file(path: &Path, format: Option<Format>, options: &ReadOptions) -> Result<Table> {
    Stream::open(Source::File(path), format, options)
        .and_then(Table::collect)
        .with_context(|| format!("reading {}", path.display()))
}

/// Reads bytes (a file, an upload): `format` when given, else told from the content. The encoding is
/// the one given, else the byte-order mark's, else UTF-8 when the bytes are valid UTF-8 (or look like
/// UTF-16), else the best guess of a detector; bytes the encoding cannot read are replaced, never fatal.
pub fn read_bytes(bytes: &[u8], format: Option<Format>, options: &ReadOptions) -> Result<Table> {
    Table::collect(Stream::open(Source::Bytes(bytes), format, options)?)
}

/// Reads text: `format` when given, else told from the content. Blank lines and rows are skipped.
pub fn read_text(text: &str, format: Option<Format>) -> Result<Table> {
    Table::collect(Stream::text(text, format, true)?)
}

/// The encoding a label names (`utf-8`, `latin1`, `windows-1252`, `utf-16le`, …).
pub fn encoding(label: &str) -> Result<&'static encoding_rs::Encoding> {
    encoding_rs::Encoding::for_label(label.trim().as_bytes()).with_context(|| {
        format!("unknown encoding {label:?}: try utf-8, windows-1252 (latin1), iso-8859-15, utf-16le or utf-16be")
    })
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

fn raw_csv(record: &csv::StringRecord) -> String {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let _ = w.write_record(record);
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

/// Reads JSONL text as it is (which, unlike CSV, has no header to fail on).
pub fn read_jsonl(text: &str) -> Table {
    // Text is read from memory as UTF-8, which cannot fail.
    Stream::text(text, Some(Format::Jsonl), false).and_then(Table::collect).expect("JSONL text reads")
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

    #[test]
    fn a_file_many_chunks_long_streams_with_the_same_lines_quotes_and_footer() {
        // Far more text than the reader decodes at a time, with everything that needs the text around a
        // record: CRLF, a blank line, a stray quote, a quoted cell over two lines and a report footer.
        let mut text = String::from("id,name,notes\r\n");
        let mut line = 1;
        let mut expected = Vec::new();
        for i in 1..=40_000u64 {
            line += 1;
            match i {
                10_000 => {
                    text.push_str("\r\n");
                    line += 1;
                    text.push_str(&format!("{i},n{i},x\r\n"));
                    expected.push((i, line));
                }
                20_000 => text.push_str(&format!("{i},\"broken,x\r\n")),
                30_000 => {
                    text.push_str(&format!("{i},\"two\r\nlines\",x\r\n"));
                    expected.push((i, line));
                    line += 1;
                }
                _ => {
                    text.push_str(&format!("{i},n{i},x\r\n"));
                    expected.push((i, line));
                }
            }
        }
        text.push_str("\r\nConfidential Information - Do Not Distribute\r\nCopyright (c) 2000-2025 salesforce.com inc. All rights reserved.\r\n");
        assert!(text.len() > 5 * 64 * 1024);
        let t = read_bytes(text.as_bytes(), None, &ReadOptions::default()).unwrap();
        let got: Vec<(u64, u64)> = t.records.iter().map(|r| (r[0].parse().unwrap(), r.line)).collect();
        let first_difference = got.iter().zip(&expected).position(|(a, b)| a != b);
        assert_eq!(first_difference.map(|i| (got[i], expected[i])), None);
        assert_eq!(got.len(), expected.len());
        assert_eq!(&t.records.iter().find(|r| &r[0] == "30000").unwrap()[1], "two\r\nlines");
        assert_eq!(t.unreadable.len(), 1, "{:?}", t.unreadable);
        let stray = &t.unreadable[0];
        assert_eq!((stray.line, stray.raw.as_str()), (20_002, "20000,\"broken,x"));
        assert!(stray.reason.starts_with("unterminated quote"));
        assert_eq!(t.blank_rows, 2);
        assert_eq!(t.notes, ["skipped the Salesforce report footer (lines 40005–40006)"]);
    }
}
