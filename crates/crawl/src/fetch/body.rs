//! Response bodies: read through a byte cap (never buffering past it), decompressed through the same cap
//! (so a zip bomb stops at the limit), and the media-type checks that decide whether a response is a page.

use std::io::Read;

use http_body_util::BodyExt;
use hyper::body::Incoming;

/// Why a body could not be read in full.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// More than `limit` bytes: `read` is how many wire bytes were read before stopping.
    TooLarge { limit: u64, read: u64, decompressed: bool },
    /// The connection failed mid-body.
    Transport { read: u64, source: hyper::Error },
    /// The Content-Encoding could not be decoded (corrupt stream or an encoding we never asked for).
    Decode(String),
}

/// Reads frames until the body ends, stopping as soon as more than `limit` bytes arrived.
pub(crate) async fn read_capped(mut body: Incoming, limit: u64) -> Result<Vec<u8>, BodyError> {
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|source| BodyError::Transport { read: buf.len() as u64, source })?;
        if let Ok(data) = frame.into_data() {
            let read = (buf.len() + data.len()) as u64;
            if read > limit {
                // Dropping `body` here closes the connection rather than draining the rest.
                return Err(BodyError::TooLarge { limit, read, decompressed: false });
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// Undoes `Content-Encoding` (gzip, deflate, br, or a list of them), capping the decoded size at `limit`.
pub(crate) fn decompress(encoding: Option<&str>, raw: Vec<u8>, limit: u64) -> Result<Vec<u8>, BodyError> {
    let Some(encoding) = encoding else {
        return Ok(raw);
    };
    let wire = raw.len() as u64;
    let mut data = raw;
    // Codings are listed in the order they were applied, so undo them last to first.
    for coding in encoding.split(',').map(|c| c.trim().to_ascii_lowercase()).rev() {
        data = match coding.as_str() {
            "" | "identity" => data,
            "gzip" | "x-gzip" => read_limited(flate2::read::MultiGzDecoder::new(&data[..]), limit, wire, "gzip")?,
            "deflate" if looks_like_zlib(&data) => {
                read_limited(flate2::read::ZlibDecoder::new(&data[..]), limit, wire, "deflate")?
            }
            // Some servers send raw DEFLATE without the zlib wrapper the RFC asks for.
            "deflate" => read_limited(flate2::read::DeflateDecoder::new(&data[..]), limit, wire, "deflate")?,
            "br" => read_limited(brotli::Decompressor::new(&data[..], 8192), limit, wire, "br")?,
            other => {
                return Err(BodyError::Decode(format!("unsupported Content-Encoding {other:?}")));
            }
        };
    }
    Ok(data)
}

fn looks_like_zlib(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] & 0x0f == 8 && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0
}

fn read_limited(decoder: impl Read, limit: u64, wire: u64, name: &str) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    decoder
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| BodyError::Decode(format!("corrupt {name} body: {e}")))?;
    if out.len() as u64 > limit {
        return Err(BodyError::TooLarge { limit, read: wire, decompressed: true });
    }
    Ok(out)
}

/// What a `Content-Type` header says about a response.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum MediaType {
    Html,
    /// No (or an empty) Content-Type: the body has to be sniffed.
    Missing,
    /// Anything else, as the bare lower-cased media type.
    Other(String),
}

pub(crate) fn media_type(content_type: Option<&str>) -> MediaType {
    let Some(ct) = content_type else {
        return MediaType::Missing;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        "" => MediaType::Missing,
        "text/html" | "application/xhtml+xml" => MediaType::Html,
        _ => MediaType::Other(essence),
    }
}

/// True when a body without a Content-Type starts like an HTML document.
pub(crate) fn sniffs_as_html(body: &[u8]) -> bool {
    let head = &body[..body.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    let lower = head[start..].to_ascii_lowercase();
    const STARTS: &[&[u8]] = &[b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<!--"];
    STARTS.iter().any(|s| lower.starts_with(s)) || memchr::memmem::find(&lower, b"<html").is_some()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn codings_round_trip() {
        let page = b"<html><body>hello</body></html>".repeat(10);
        assert_eq!(decompress(Some("gzip"), gzip(&page), 1 << 20).unwrap(), page);

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&page).unwrap();
        assert_eq!(decompress(Some("deflate"), z.finish().unwrap(), 1 << 20).unwrap(), page);

        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        d.write_all(&page).unwrap();
        assert_eq!(decompress(Some("Deflate"), d.finish().unwrap(), 1 << 20).unwrap(), page);

        let mut br = Vec::new();
        brotli::CompressorWriter::new(&mut br, 4096, 5, 22).write_all(&page).unwrap();
        assert_eq!(decompress(Some("br"), br, 1 << 20).unwrap(), page);

        assert_eq!(decompress(Some("identity"), page.clone(), 1 << 20).unwrap(), page);
        assert!(matches!(decompress(Some("zstd"), page, 1 << 20), Err(BodyError::Decode(_))));
    }

    #[test]
    fn bombs_stop_at_the_cap() {
        let bomb = gzip(&vec![b'a'; 4 << 20]);
        assert!(bomb.len() < 64 << 10);
        match decompress(Some("gzip"), bomb, 1 << 20) {
            Err(BodyError::TooLarge { limit, decompressed: true, .. }) => assert_eq!(limit, 1 << 20),
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    #[test]
    fn media_types() {
        assert_eq!(media_type(Some("text/html; charset=utf-8")), MediaType::Html);
        assert_eq!(media_type(Some("Application/XHTML+XML")), MediaType::Html);
        assert_eq!(media_type(None), MediaType::Missing);
        assert_eq!(media_type(Some("application/pdf")), MediaType::Other("application/pdf".into()));
        assert!(sniffs_as_html(b"\xEF\xBB\xBF  <!DOCTYPE html><p>x"));
        assert!(sniffs_as_html(b"<?xml version=\"1.0\"?>\n<html xmlns=\"x\">"));
        assert!(!sniffs_as_html(b"%PDF-1.4"));
        assert!(!sniffs_as_html(b"{\"json\": true}"));
    }
}
