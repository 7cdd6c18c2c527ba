//! Decoded text read from a byte source as a reader needs it, with absolute offsets: what lets the table
//! reader stream a file of any size yet still start again at a line it has passed (a stray quote), number
//! lines across CRLF and count blank lines, as it did when it held the whole text.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many source bytes are read (and decoded) at a time.
const CHUNK: usize = 64 * 1024;

/// Kept text is compacted once this much of it has been let go.
const COMPACT_AFTER: usize = 1 << 20;

/// A reader of the tape stops (as if the text ended) this far past the oldest kept byte, so one record
/// whose quote never closes cannot pull the rest of the file into memory.
pub(super) const RECORD_CAP: u64 = 64 << 20;

pub(super) struct Tape<'a> {
    source: Box<dyn Read + 'a>,
    decoder: encoding_rs::Decoder,
    chunk: Vec<u8>,
    /// Decoded text; `text[head..]` is kept, and starts at absolute offset `kept`.
    text: Vec<u8>,
    head: usize,
    kept: u64,
    /// Where the current reader is.
    pub pos: u64,
    eof: bool,
    /// Whether bytes the encoding cannot read were replaced.
    pub lossy: bool,
    /// Source bytes read so far (progress), shared with whoever draws it.
    pub bytes_read: Arc<AtomicU64>,
    strip_bom: bool,
    started: bool,
    /// Lines counted up to `counted` (absolute): `line` is the 1-based line there.
    counted: u64,
    line: u64,
    pub blank: BlankLines,
    /// Set when a read stopped at [`RECORD_CAP`].
    pub capped: bool,
}

impl<'a> Tape<'a> {
    pub fn new(
        source: Box<dyn Read + 'a>,
        decoder: encoding_rs::Decoder,
        strip_bom: bool,
        bytes_read: Arc<AtomicU64>,
    ) -> Self {
        Self {
            source,
            decoder,
            chunk: vec![0; CHUNK],
            text: Vec::new(),
            head: 0,
            kept: 0,
            pos: 0,
            eof: false,
            lossy: false,
            bytes_read,
            strip_bom,
            started: false,
            counted: 0,
            line: 1,
            blank: BlankLines::default(),
            capped: false,
        }
    }

    /// The absolute offset after the last decoded byte.
    pub fn end(&self) -> u64 {
        self.kept + (self.text.len() - self.head) as u64
    }

    /// Kept text from `from` (absolute, at least the oldest kept offset) to what is decoded so far.
    pub fn kept_from(&self, from: u64) -> &[u8] {
        let at = self.head + (from.max(self.kept) - self.kept) as usize;
        &self.text[at.min(self.text.len())..]
    }

    /// Decodes one more chunk; `false` when the source has ended.
    pub fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let n = loop {
            match self.source.read(&mut self.chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        self.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        let last = n == 0;
        let mut src = &self.chunk[..n];
        let scan_from = self.text.len();
        loop {
            let room = self.decoder.max_utf8_buffer_length(src.len()).unwrap_or(src.len() * 3 + 16);
            let len = self.text.len();
            self.text.resize(len + room, 0);
            let (result, read, written, replaced) = self.decoder.decode_to_utf8(src, &mut self.text[len..], last);
            self.text.truncate(len + written);
            self.lossy |= replaced;
            src = &src[read..];
            if matches!(result, encoding_rs::CoderResult::InputEmpty) {
                break;
            }
        }
        let mut scan_from = scan_from;
        if !self.started && (self.text.len() >= 3 || last) {
            self.started = true;
            if self.strip_bom && self.text.starts_with("\u{feff}".as_bytes()) {
                self.text.drain(..3);
            }
            scan_from = 0;
        }
        if self.started {
            self.blank.scan(&self.text[scan_from..]);
        }
        if last {
            self.eof = true;
            self.blank.finish();
        }
        Ok(true)
    }

    /// Whether the whole text has been decoded.
    pub fn ended(&self) -> bool {
        self.eof
    }

    /// The 1-based line of the first character at or after `byte` that is not a line break (a record's
    /// position can be the blank line before it).
    pub fn line_at(&mut self, byte: u64) -> io::Result<u64> {
        let mut byte = byte.max(self.kept);
        loop {
            let kept = self.kept_from(byte);
            let skip = kept.iter().take_while(|&&b| matches!(b, b'\n' | b'\r')).count();
            byte += skip as u64;
            if skip < kept.len() || !self.fill()? {
                break;
            }
        }
        let byte = byte.min(self.end());
        if byte >= self.counted {
            let from = self.counted;
            self.line += newlines(&self.kept_from(from)[..(byte - from) as usize]);
        } else {
            // Only ever a step back within kept text (offsets come in increasing order).
            let from = byte.max(self.kept);
            self.line -= newlines(&self.kept_from(from)[..(self.counted - from) as usize]);
        }
        self.counted = byte;
        Ok(self.line)
    }

    /// Lets go of the text before `upto` (absolute): no reader will start before it again.
    pub fn release(&mut self, upto: u64) {
        let upto = upto.min(self.pos).min(self.end());
        if upto <= self.kept {
            return;
        }
        if self.counted < upto {
            let from = self.counted;
            self.line += newlines(&self.kept_from(from)[..(upto - from) as usize]);
            self.counted = upto;
        }
        self.head += (upto - self.kept) as usize;
        self.kept = upto;
        self.capped = false;
        if self.head >= COMPACT_AFTER && self.head * 2 >= self.text.len() {
            self.text.drain(..self.head);
            self.head = 0;
        }
    }

    /// Moves the reader back (or on) to `to`, which must still be kept.
    pub fn seek(&mut self, to: u64) {
        self.pos = to.max(self.kept);
        self.capped = false;
    }

    /// The next line from `pos` (without its `\n`, and without a `\r` before it), moving past it; `None`
    /// at the end. For JSONL, whose lines are its records.
    pub fn next_line(&mut self) -> io::Result<Option<String>> {
        let mut scanned = 0;
        loop {
            let kept = self.kept_from(self.pos);
            if let Some(i) = kept[scanned..].iter().position(|&b| b == b'\n') {
                let end = scanned + i;
                let line = kept[..end].strip_suffix(b"\r").unwrap_or(&kept[..end]);
                let line = String::from_utf8_lossy(line).into_owned();
                self.pos += end as u64 + 1;
                return Ok(Some(line));
            }
            scanned = kept.len();
            if !self.fill()? {
                let kept = self.kept_from(self.pos);
                if kept.is_empty() {
                    return Ok(None);
                }
                let line = String::from_utf8_lossy(kept).into_owned();
                self.pos += kept.len() as u64;
                return Ok(Some(line));
            }
        }
    }
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

impl Read for Tape<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let room = RECORD_CAP.saturating_sub(self.pos - self.kept.min(self.pos));
        if room == 0 {
            self.capped = true;
            return Ok(0);
        }
        while self.pos >= self.end() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let kept = self.kept_from(self.pos);
        let n = kept.len().min(buf.len()).min(room as usize);
        buf[..n].copy_from_slice(&kept[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

/// Blank lines after the first, counted as text is decoded: a line of nothing (or only `\r`), as
/// `str::lines` and `trim_end_matches('\r')` would find them in the whole text.
#[derive(Debug, Default)]
pub(super) struct BlankLines {
    line: u64,
    len: u64,
    not_cr: bool,
    pub count: usize,
}

impl BlankLines {
    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\n' {
                if self.line >= 1 && !self.not_cr {
                    self.count += 1;
                }
                self.line += 1;
                self.len = 0;
                self.not_cr = false;
            } else {
                self.len += 1;
                self.not_cr |= b != b'\r';
            }
        }
    }

    fn finish(&mut self) {
        if self.len > 0 && !self.not_cr && self.line >= 1 {
            self.count += 1;
        }
        self.len = 0;
    }
}
