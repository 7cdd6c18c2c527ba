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

/// A read table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The CSV header, or every JSONL key in order of first appearance.
    pub columns: Vec<String>,
    pub records: Vec<Record>,
    pub unreadable: Vec<Unreadable>,
    /// What was read but is worth saying (a header named twice).
    pub warnings: Vec<String>,
}

impl Table {
    /// Where a column is.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Reads a file (`format` when given, else from its name, else its content). Bytes that are not UTF-8
/// are replaced, never fatal.
pub fn read_file(path: &Path, format: Option<Format>) -> Result<Table> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    read_bytes(&bytes, format.or_else(|| Format::from_name(path)))
        .with_context(|| format!("reading {}", path.display()))
}

/// Reads bytes (a file, an upload): `format` when given, else told from the content.
pub fn read_bytes(bytes: &[u8], format: Option<Format>) -> Result<Table> {
    let text = String::from_utf8_lossy(bytes);
    read_text(&text, format)
}

/// Reads text: `format` when given, else told from the content. Blank lines and rows are skipped.
pub fn read_text(text: &str, format: Option<Format>) -> Result<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format.unwrap_or_else(|| Format::sniff(text)) {
        Format::Csv => read_csv(text),
        Format::Jsonl => Ok(read_jsonl(text)),
    }
}

fn read_csv(text: &str) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().context("reading the CSV header")?.iter().map(|h| h.trim().to_string()).collect();
    let (columns, warnings) = unique_columns(header);
    let mut table = Table { columns, warnings, ..Table::default() };
    let mut record = csv::StringRecord::new();
    // Lines are counted from byte offsets: the CSV reader's own count skips blank lines.
    let mut lines = LineCounter::new(text);
    loop {
        let at = reader.position().byte();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.line_at(e.position().map_or(at, |p| p.byte()));
                let reason = format!("unreadable CSV: {e}");
                table.unreadable.push(Unreadable { line, reason, raw: String::new() });
                continue;
            }
        }
        let line = lines.line_at(record.position().map_or(at, |p| p.byte()));
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let raw = raw_csv(&record);
        if record.len() != table.columns.len() {
            let reason = format!("wrong number of columns: {} (the header has {})", record.len(), table.columns.len());
            table.unreadable.push(Unreadable { line, reason, raw });
            continue;
        }
        table.records.push(Record { line, raw, values: record.iter().map(str::to_string).collect(), own: None });
    }
    Ok(table)
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
