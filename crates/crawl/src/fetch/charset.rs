//! Bytes → text for HTML pages, the one decoder for fetched pages and saved files alike: a BOM, else
//! UTF-16 by the text's shape, else the Content-Type charset, else a `<meta>` declaration in the first
//! 1024 bytes, else UTF-8 — falling back to windows-1252 when the bytes are not valid UTF-8.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How far into the document a `<meta charset>` declaration is looked for (the HTML prescan's limit).
const PRESCAN_BYTES: usize = 1024;

/// How many leading bytes the UTF-16 shape check looks at.
const UTF16_SNIFF_BYTES: usize = 512;

/// Decodes `body`, returning the text and the encoding used. Malformed sequences become U+FFFD.
///
/// A BOM outranks the Content-Type, as browsers have it. A BOM-less UTF-16 page is told by its shape
/// (ASCII markup with every other byte NUL), which also covers a `charset=utf-16` Content-Type or
/// `<meta>`; a UTF-16 label on bytes without that shape is a byte-oriented page and read as UTF-8.
pub fn decode_html(body: &[u8], content_type: Option<&str>) -> (String, &'static Encoding) {
    let declared = Encoding::for_bom(body)
        .map(|(enc, _)| enc)
        .or_else(|| sniff_utf16(body))
        .or_else(|| content_type.and_then(charset_from_content_type))
        .or_else(|| sniff_meta_charset(&body[..body.len().min(PRESCAN_BYTES)]));
    let encoding = match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(body).is_ok() => UTF_8,
        // Undeclared and not UTF-8: almost always a legacy Western page.
        None => WINDOWS_1252,
    };
    let (text, _malformed) = encoding.decode_with_bom_removal(body);
    (text.into_owned(), encoding)
}

/// UTF-16 without a BOM, by its shape: in the leading code units, ASCII characters with their zero
/// high byte on one side. Markup is mostly ASCII, and byte-oriented HTML has no NULs.
pub(crate) fn sniff_utf16(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(UTF16_SNIFF_BYTES)];
    let units = head.len() / 2;
    if units < 4 {
        return None;
    }
    let pairs = head.chunks_exact(2);
    let little = pairs.clone().filter(|p| p[0] != 0 && p[0].is_ascii() && p[1] == 0).count();
    let big = pairs.filter(|p| p[0] == 0 && p[1] != 0 && p[1].is_ascii()).count();
    // Three in four code units ASCII leaves room for non-Latin text among the markup.
    let shaped = |count: usize| count * 4 >= units * 3;
    if shaped(little) {
        Some(UTF_16LE)
    } else if shaped(big) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The encoding named by a `charset=` parameter, if it is one encoding_rs knows.
pub(crate) fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        html_label(value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// Finds `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">` in `head`.
pub(crate) fn sniff_meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut rest = &lower[..];
    while let Some(at) = memchr::memmem::find(rest, b"<meta") {
        rest = &rest[at + 5..];
        let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
        if let Some(enc) = charset_in_tag(&rest[..end]) {
            return Some(enc);
        }
        rest = &rest[end..];
    }
    None
}

/// The `charset` value inside one (lower-cased) meta tag, as an attribute or inside `content`.
fn charset_in_tag(tag: &[u8]) -> Option<&'static Encoding> {
    let mut rest = tag;
    while let Some(at) = memchr::memmem::find(rest, b"charset") {
        rest = &rest[at + 7..];
        let after = trim_start(rest);
        let Some(after) = after.strip_prefix(b"=") else {
            continue;
        };
        let value = trim_start(after);
        let value = value.strip_prefix(b"\"").or_else(|| value.strip_prefix(b"'")).unwrap_or(value);
        let len = value
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .unwrap_or(value.len());
        if let Some(enc) = std::str::from_utf8(&value[..len]).ok().and_then(html_label) {
            return Some(enc);
        }
    }
    None
}

fn trim_start(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    &b[start..]
}

/// A label as HTML treats it: a declared UTF-16 in a byte-oriented context (bytes without UTF-16's
/// shape, see [`sniff_utf16`]) means UTF-8, and x-user-defined means windows-1252.
fn html_label(label: &str) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label.as_bytes())?;
    Some(match enc.name() {
        "UTF-16LE" | "UTF-16BE" => UTF_8,
        "x-user-defined" => WINDOWS_1252,
        _ => enc,
    })
}

#[cfg(test)]
mod tests {
    use encoding_rs::{SHIFT_JIS, UTF_16BE, UTF_16LE};

    use super::*;

    #[test]
    fn content_type_charset_wins() {
        let body = b"<meta charset=\"utf-8\"><p>caf\xe9</p>";
        let (text, enc) = decode_html(body, Some("text/html; charset=ISO-8859-1"));
        assert_eq!(enc, WINDOWS_1252);
        assert!(text.contains("café"));
        assert_eq!(charset_from_content_type("text/html;charset=\"Shift_JIS\""), Some(SHIFT_JIS));
        assert_eq!(charset_from_content_type("text/html; charset=bogus"), None);
        assert_eq!(charset_from_content_type("text/html"), None);
    }

    #[test]
    fn bom_then_meta_then_utf8_then_1252() {
        let (text, enc) = decode_html(b"\xEF\xBB\xBF<p>\xC3\xA9</p>", None);
        assert_eq!((text.as_str(), enc), ("<p>é</p>", UTF_8));

        let (_, enc) = decode_html(b"\xFF\xFE<\x00p\x00>\x00", None);
        assert_eq!(enc, UTF_16LE);

        let (sjis, _, _) = SHIFT_JIS.encode("<html><head><meta charset=shift_jis></head><p>日本語</p>");
        let (text, enc) = decode_html(&sjis, None);
        assert_eq!(enc, SHIFT_JIS);
        assert!(text.contains("日本語"));

        let (text, enc) = decode_html("<p>naïve</p>".as_bytes(), None);
        assert_eq!((text.as_str(), enc), ("<p>naïve</p>", UTF_8));

        let (text, enc) = decode_html(b"<p>na\xefve \x93quoted\x94</p>", None);
        assert_eq!(enc, WINDOWS_1252);
        assert_eq!(text, "<p>naïve \u{201c}quoted\u{201d}</p>");
    }

    /// `text` as BOM-less UTF-16, little- or big-endian.
    fn utf16(text: &str, big: bool) -> Vec<u8> {
        text.encode_utf16().flat_map(|u| if big { u.to_be_bytes() } else { u.to_le_bytes() }).collect()
    }

    #[test]
    fn utf16_by_bom_declaration_or_shape() {
        let page = "<html><meta charset=utf-16><p>Café</p></html>";
        let le_bom = [&b"\xFF\xFE"[..], &utf16(page, false)].concat();
        let be_bom = [&b"\xFE\xFF"[..], &utf16(page, true)].concat();
        // A BOM is certain: it outranks a Content-Type charset.
        assert_eq!(decode_html(&le_bom, Some("text/html; charset=utf-8")), (page.to_string(), UTF_16LE));
        assert_eq!(decode_html(&be_bom, Some("text/html; charset=windows-1252")), (page.to_string(), UTF_16BE));
        // Without one, a declared UTF-16 is believed when the bytes have its shape, either byte order.
        assert_eq!(decode_html(&utf16(page, false), Some("text/html; charset=utf-16")), (page.to_string(), UTF_16LE));
        assert_eq!(decode_html(&utf16(page, true), Some("text/html; charset=utf-16")), (page.to_string(), UTF_16BE));
        assert_eq!(decode_html(&utf16(page, true), None), (page.to_string(), UTF_16BE));
        // A UTF-16 label on bytes that are not UTF-16 is a mislabelled byte-oriented page.
        let (text, enc) = decode_html(page.as_bytes(), Some("text/html; charset=utf-16"));
        assert_eq!((text.as_str(), enc), (page, UTF_8));
        assert_eq!(sniff_utf16(b"<p>\x00</p>"), None, "a stray NUL is not UTF-16");
    }

    #[test]
    fn meta_forms() {
        for head in [
            &b"<META CHARSET='Shift_JIS'>"[..],
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=shift_jis\">",
            b"<meta content=\"text/html;charset = sjis\" http-equiv=content-type>",
            b"<meta name=x content=y><meta charset=\"shift_jis\">",
        ] {
            assert_eq!(sniff_meta_charset(head), Some(SHIFT_JIS), "{}", String::from_utf8_lossy(head));
        }
        assert_eq!(sniff_meta_charset(b"<meta charset=\"utf-16\">"), Some(UTF_8));
        assert_eq!(sniff_meta_charset(b"<meta name=\"description\" content=\"charsets explained\">"), None);
        // A declaration past the prescan window is not seen.
        let mut late = vec![b' '; 1100];
        late.extend_from_slice(b"<meta charset=shift_jis>");
        let (_, enc) = decode_html(&late, None);
        assert_eq!(enc, UTF_8);
    }
}
