//! What a byte source is before it is read: a workbook (refused), its encoding (given, a byte-order mark,
//! UTF-16 told from its zero bytes, valid UTF-8 over the whole source, else `chardetng`'s guess over the
//! whole source), and from the first lines of its text its format and CSV delimiter.

use std::io::{self, Read};

use anyhow::Result;
use encoding_rs::{Encoding, UTF_8};

/// How to decode a source.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decoding {
    pub encoding: &'static Encoding,
    pub given: bool,
    /// Bytes of a byte-order mark to skip (detected encodings), or remove a mark of the given encoding.
    pub bom: usize,
}

impl Decoding {
    pub fn decoder(&self) -> encoding_rs::Decoder {
        if self.given {
            self.encoding.new_decoder_with_bom_removal()
        } else {
            self.encoding.new_decoder_without_bom_handling()
        }
    }
}

/// What kind of workbook the bytes are, if they are one rather than text.
pub(super) fn workbook(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some("a spreadsheet workbook (.xlsx or .ods, a zip archive)")
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some("an Excel 97-2003 workbook (.xls)")
    } else {
        None
    }
}

/// The first `n` bytes (fewer when the source is shorter).
pub(super) fn head(mut source: impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    source.by_ref().take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The encoding: the one `label` names, else the byte-order mark's, else UTF-16 without a mark (from the
/// first 4 KiB), else UTF-8 when the whole source is valid UTF-8, else the detector's best guess over the
/// whole source. `whole` opens the source from its start (it is read at most twice more).
pub(super) fn decoding<'a>(
    head: &[u8],
    label: Option<&str>,
    whole: &mut dyn FnMut() -> io::Result<Box<dyn Read + 'a>>,
) -> Result<Decoding> {
    if let Some(label) = label {
        return Ok(Decoding { encoding: super::encoding(label)?, given: true, bom: 0 });
    }
    if let Some((encoding, bom)) = Encoding::for_bom(head) {
        return Ok(Decoding { encoding, given: false, bom });
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return Ok(Decoding { encoding, given: false, bom: 0 });
    }
    if valid_utf8(whole()?)? {
        return Ok(Decoding { encoding: UTF_8, given: false, bom: 0 });
    }
    let mut detector = chardetng::EncodingDetector::new();
    let mut source = whole()?;
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let n = source.read(&mut chunk)?;
        detector.feed(&chunk[..n], n == 0);
        if n == 0 {
            break;
        }
    }
    Ok(Decoding { encoding: detector.guess(None, false), given: false, bom: 0 })
}

/// Whether all of `source` is UTF-8, checked a chunk at a time (a character may straddle two chunks).
fn valid_utf8(mut source: impl Read) -> io::Result<bool> {
    let mut chunk = vec![0; 256 * 1024];
    let mut carried = 0;
    loop {
        let n = source.read(&mut chunk[carried..])?;
        if n == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + n;
        match std::str::from_utf8(&chunk[..filled]) {
            Ok(_) => carried = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                chunk.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// UTF-16 without a byte-order mark, told by the zero bytes ASCII text has in every other place.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
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

/// How many non-blank lines the sniffers look at.
pub(super) const SNIFF_LINES: usize = 20;

/// The delimiter of CSV text: of `,` `;` tab `|`, the one that splits the most of its first lines into
/// as many fields as the header, then the one that splits the header most; `,` when none does.
pub(super) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(SNIFF_LINES).collect();
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
