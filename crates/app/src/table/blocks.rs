//! A CSV file's bytes cut into blocks of whole records, for readers that parse blocks on several threads
//! (batch scoring). A block ends after a line break that is outside quotes: quotes come in pairs in
//! well-formed CSV (an escaped quote is two), so a line break after an even number of them ends a record.
//! A quote that never closes leaves the count odd to the end of the file; [`Blocks::balanced`] says so, and
//! such a file is for the careful reader ([`Stream`](super::Stream)), which reports the broken row alone.

use std::io::{self, Read};

/// Whole records, in the file's order.
#[derive(Debug)]
pub struct Block {
    /// 0 for the first block (which starts with the header), then 1, 2, …
    pub seq: u64,
    /// The line the block starts on (the first line is 1).
    pub first_line: u64,
    pub bytes: Vec<u8>,
}

/// Blocks of about `target` bytes (more when one record is longer) read from `source`.
pub struct Blocks<R> {
    source: R,
    target: usize,
    /// Read bytes not yet handed out: the start of a record that continues past what was read.
    carry: Vec<u8>,
    seq: u64,
    line: u64,
    ended: bool,
    balanced: bool,
    bytes_read: u64,
    /// Buffers of blocks already used, given back by [`recycle`](Self::recycle): the next blocks are read
    /// into them, so a long file is not a fresh megabyte from the allocator (and the kernel) per block.
    spare: Vec<Vec<u8>>,
}

impl<R: Read> Blocks<R> {
    pub fn new(source: R, target: usize) -> Self {
        Self {
            source,
            target: target.max(1),
            carry: Vec::new(),
            seq: 0,
            line: 1,
            ended: false,
            balanced: true,
            bytes_read: 0,
            spare: Vec::new(),
        }
    }

    /// False when the file ended inside quotes (an unterminated quote); known once the blocks are done.
    pub fn balanced(&self) -> bool {
        self.balanced
    }

    /// Gives back the bytes of a block that is done with, to read a later block into.
    pub fn recycle(&mut self, mut bytes: Vec<u8>) {
        if self.spare.len() < 64 {
            bytes.clear();
            self.spare.push(bytes);
        }
    }

    /// Bytes read from the source so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next block; `None` after the last.
    pub fn next_block(&mut self) -> io::Result<Option<Block>> {
        // Where the block may end: just after the last line break outside quotes, once there is one.
        let mut searched = 0;
        let mut quotes_before = 0usize;
        let mut cut = None;
        loop {
            if searched < self.carry.len() {
                let (end, quotes) = last_record_end(&self.carry[searched..], quotes_before);
                if let Some(end) = end {
                    cut = Some(searched + end);
                }
                quotes_before = quotes;
                searched = self.carry.len();
            }
            if (cut.is_some() && self.carry.len() >= self.target) || self.ended {
                break;
            }
            let start = self.carry.len();
            self.carry.resize(start + self.target.max(64 * 1024), 0);
            let n = read_full(&mut self.source, &mut self.carry[start..])?;
            self.carry.truncate(start + n);
            self.bytes_read += n as u64;
            self.ended = n == 0;
        }
        if self.ended {
            // The rest is the last block (its last record may lack a line break).
            if quotes_before % 2 == 1 {
                self.balanced = false;
            }
            if self.carry.is_empty() {
                return Ok(None);
            }
            cut = Some(self.carry.len());
        }
        let cut = cut.expect("a cut once the target is reached or the file ended");
        let mut rest = self.spare.pop().unwrap_or_default();
        rest.extend_from_slice(&self.carry[cut..]);
        self.carry.truncate(cut);
        let bytes = std::mem::replace(&mut self.carry, rest);
        let block = Block { seq: self.seq, first_line: self.line, bytes };
        self.seq += 1;
        self.line += memchr::memchr_iter(b'\n', &block.bytes).count() as u64;
        Ok(Some(block))
    }
}

/// Fills `buf` unless the source ends first; the bytes read.
fn read_full(source: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match source.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// In `bytes`, preceded by `quotes_before` quotes since the block began: the offset just after the last
/// line break outside quotes, and the number of quotes at the end.
fn last_record_end(bytes: &[u8], quotes_before: usize) -> (Option<usize>, usize) {
    if memchr::memchr(b'"', bytes).is_none() {
        let end = if quotes_before.is_multiple_of(2) { memchr::memrchr(b'\n', bytes).map(|i| i + 1) } else { None };
        return (end, quotes_before);
    }
    let (mut quotes, mut end) = (quotes_before, None);
    for i in memchr::memchr2_iter(b'"', b'\n', bytes) {
        if bytes[i] == b'"' {
            quotes += 1;
        } else if quotes.is_multiple_of(2) {
            end = Some(i + 1);
        }
    }
    (end, quotes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str, target: usize) -> (Vec<(u64, u64, String)>, bool) {
        let mut blocks = Blocks::new(text.as_bytes(), target);
        let mut out = Vec::new();
        while let Some(b) = blocks.next_block().unwrap() {
            out.push((b.seq, b.first_line, String::from_utf8(b.bytes).unwrap()));
        }
        assert_eq!(blocks.bytes_read(), text.len() as u64);
        (out, blocks.balanced())
    }

    #[test]
    fn blocks_end_between_records_and_say_where_they_start() {
        let text = "a,b\n1,2\n3,4\n5,6\n7,8";
        let (blocks, balanced) = all(text, 6);
        assert!(balanced);
        let joined: String = blocks.iter().map(|b| b.2.as_str()).collect();
        assert_eq!(joined, text, "nothing lost or repeated");
        for (seq, line, bytes) in &blocks {
            assert!(bytes.ends_with('\n') || bytes.ends_with("7,8"), "block {seq}: {bytes:?}");
            let before: String = blocks.iter().take(*seq as usize).map(|b| b.2.as_str()).collect();
            assert_eq!(*line, 1 + before.matches('\n').count() as u64);
        }
        assert!(blocks.len() > 1);
    }

    #[test]
    fn a_quoted_line_break_never_ends_a_block() {
        let text = "id,note\n1,\"two\nlines\"\n2,\"say \"\"hi\"\"\nthere\"\n3,x\n";
        for target in 1..text.len() + 2 {
            let (blocks, balanced) = all(text, target);
            assert!(balanced);
            for (_, _, bytes) in &blocks {
                let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes.as_bytes());
                for record in reader.records() {
                    let record = record.unwrap();
                    assert!(record.len() == 2, "target {target}: a record cut in two: {record:?}");
                }
                assert_eq!(bytes.matches('"').count() % 2, 0, "target {target}: {bytes:?}");
            }
        }
    }

    #[test]
    fn an_unterminated_quote_is_noticed() {
        let (blocks, balanced) = all("a,b\n1,\"oops\n2,3\n4,5\n", 4);
        assert!(!balanced);
        assert_eq!(blocks.iter().map(|b| b.2.as_str()).collect::<String>(), "a,b\n1,\"oops\n2,3\n4,5\n");
        assert!(all("", 4).0.is_empty());
    }
}
