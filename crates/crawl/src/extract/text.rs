//! Text plumbing shared by the extractors: HTML entity decoding (lol_html hands text and attribute values
//! over undecoded), whitespace collapsing into the page's visible-text buffer, and small string helpers.

use std::borrow::Cow;

/// Decodes the HTML character references that matter for contact data; unknown names are left as written.
pub(crate) fn decode_entities(s: &str) -> Cow<'_, str> {
    let Some(first) = memchr::memchr(b'&', s.as_bytes()) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut rest = &s[first..];
    while let Some(amp) = memchr::memchr(b'&', rest.as_bytes()) {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match decode_one(rest) {
            Some((ch, used)) => {
                out.push(ch);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Decodes one reference at the start of `s` (which begins with `&`); returns the character and bytes used.
fn decode_one(s: &str) -> Option<(char, usize)> {
    let bytes = s.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let (radix, start) = match bytes.get(2) {
            Some(b'x' | b'X') => (16, 3),
            _ => (10, 2),
        };
        let digits = bytes[start..].iter().take(8).take_while(|b| b.is_ascii_hexdigit()).count();
        let digits_str = &s[start..start + digits];
        if digits == 0 || (radix == 10 && !digits_str.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        let code = u32::from_str_radix(digits_str, radix).ok()?;
        let mut used = start + digits;
        if bytes.get(used) == Some(&b';') {
            used += 1;
        }
        let ch = match code {
            0 => '\u{fffd}',
            _ => char::from_u32(code).unwrap_or('\u{fffd}'),
        };
        return Some((ch, used));
    }
    let name_len = bytes[1..].iter().take(10).take_while(|b| b.is_ascii_alphanumeric()).count();
    if name_len == 0 {
        return None;
    }
    let name = &s[1..1 + name_len];
    let has_semicolon = bytes.get(1 + name_len) == Some(&b';');
    let ch = named_entity(name)?;
    // Browsers accept a few legacy names without the semicolon; everything else needs it.
    if !has_semicolon && !matches!(name, "amp" | "lt" | "gt" | "quot" | "nbsp" | "copy" | "reg") {
        return None;
    }
    Some((ch, 1 + name_len + usize::from(has_semicolon)))
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "commat" => '@',
        "period" => '.',
        "lpar" => '(',
        "rpar" => ')',
        "lsqb" | "lbrack" => '[',
        "rsqb" | "rbrack" => ']',
        "lcub" | "lbrace" => '{',
        "rcub" | "rbrace" => '}',
        "colon" => ':',
        "comma" => ',',
        "sol" => '/',
        "num" => '#',
        "plus" => '+',
        "hyphen" | "dash" => '-',
        "lowbar" => '_',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "ndash" => '–',
        "mdash" => '—',
        "hellip" => '…',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "middot" => '·',
        "bull" => '•',
        "deg" => '°',
        "times" => '×',
        "shy" => '\u{ad}',
        "zwj" => '\u{200d}',
        "zwnj" => '\u{200c}',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "agrave" => 'à',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "szlig" => 'ß',
        "ccedil" => 'ç',
        _ => return None,
    })
}

/// Characters that render as nothing and are used to split emails and phone numbers against scrapers.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}')
}

/// Appends `s` to `out` with whitespace runs collapsed to one space and invisible characters dropped; no
/// space is written at the start of a line.
pub(crate) fn push_collapsed(out: &mut String, s: &str) {
    let mut pending_space = false;
    let mut run_start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    // Copy runs of ordinary bytes in one go; only whitespace and non-ASCII need a closer look.
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() && !b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        // A single space between two words needs no collapsing: the common case, kept in the run.
        if b == b' '
            && i > run_start
            && !bytes[i - 1].is_ascii_whitespace()
            && bytes.get(i + 1).is_some_and(|n| n.is_ascii_graphic())
        {
            i += 1;
            continue;
        }
        let (c, len) = if b.is_ascii() {
            (b as char, 1)
        } else {
            let c = s[i..].chars().next().unwrap_or('\u{fffd}');
            (c, c.len_utf8())
        };
        let special = c.is_whitespace() || is_invisible(c);
        if !special {
            i += len;
            continue;
        }
        flush_run(out, &s[run_start..i], &mut pending_space);
        if c.is_whitespace() {
            pending_space = true;
        }
        i += len;
        run_start = i;
    }
    flush_run(out, &s[run_start..], &mut pending_space);
    if pending_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
        out.push(' ');
    }
}

fn flush_run(out: &mut String, run: &str, pending_space: &mut bool) {
    if run.is_empty() {
        return;
    }
    if *pending_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
        out.push(' ');
    }
    *pending_space = false;
    out.push_str(run);
}

/// Ends the current line of `out` (block-element boundary), dropping a trailing space.
pub(crate) fn push_break(out: &mut String) {
    if out.ends_with(' ') {
        out.pop();
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Collapses whitespace in an attribute-like value and trims it.
pub(crate) fn squish(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_collapsed(&mut out, s);
    out.trim().to_string()
}

/// Largest char boundary of `s` at or below `i`.
pub(crate) fn floor_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Smallest char boundary of `s` at or above `i`.
pub(crate) fn ceil_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The up-to-`n`-byte window of `s` that ends at `end`, cut at a char boundary.
pub(crate) fn window_before(s: &str, end: usize, n: usize) -> &str {
    let end = floor_boundary(s, end);
    let start = ceil_boundary(s, end.saturating_sub(n));
    &s[start..end]
}

/// Pushes `s` onto `buf` unless `buf` would exceed `cap` bytes.
pub(crate) fn push_capped(buf: &mut String, s: &str, cap: usize) {
    if buf.len() >= cap {
        return;
    }
    let room = cap - buf.len();
    buf.push_str(&s[..floor_boundary(s, room.min(s.len()))]);
}

/// Percent-decodes `s` (for `mailto:`/`tel:` hrefs); invalid sequences are kept as written.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (bytes.get(i + 1), bytes.get(i + 2))
            && let (Some(h), Some(l)) = ((*h as char).to_digit(16), (*l as char).to_digit(16))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decode() {
        assert_eq!(decode_entities("a&#64;b&#x2E;com"), "a@b.com");
        assert_eq!(decode_entities("AT&amp;T &quot;x&quot; &commat; &bogus; & &"), "AT&T \"x\" @ &bogus; & &");
        assert_eq!(decode_entities("&#0;&#99999999;&#;"), "\u{fffd}\u{fffd}&#;");
        assert_eq!(decode_entities("caf&eacute; &nbsp"), "café \u{a0}");
        assert!(matches!(decode_entities("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn whitespace_collapses_and_invisibles_vanish() {
        let mut out = String::new();
        push_collapsed(&mut out, "  Call\n\t us \u{a0} now");
        push_collapsed(&mut out, " jo\u{200b}hn@ac\u{200d}me.com ");
        push_break(&mut out);
        push_collapsed(&mut out, "   next");
        assert_eq!(out, "Call us now john@acme.com\nnext");
    }

    #[test]
    fn windows_respect_char_boundaries() {
        let s = "ééé phone 5";
        assert_eq!(window_before(s, s.len(), 9), " phone 5");
        assert_eq!(window_before(s, 3, 2), "é");
        let mut b = String::new();
        push_capped(&mut b, "éé", 3);
        assert_eq!(b, "é");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b.com%20x"), "a@b.com x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
