//! `js` rules without a JavaScript engine: a property chain (`Shopify.theme`, `jQuery.fn.jquery`) counts
//! as defined when a page's inline script assigns it — `window.X = …`, `var X = …`, `X.Y = "…"`, or an
//! assignment to a deeper property (`X.Y.z = …` defines `X.Y`). The assigned value is read when it is a
//! string, number or boolean literal; anything else (an object, a call) defines the chain with no value.

/// The value a chain was assigned: `Some(text)` for a literal, `None` for anything else.
pub(crate) type Assigned = Option<String>;

/// The first assignment to `chain` (or below it) in `script`, with the offset it starts at.
pub(crate) fn find_assignment(script: &str, chain: &str) -> Option<(usize, Assigned)> {
    let bytes = script.as_bytes();
    let single = !chain.contains('.');
    let mut from = 0;
    while let Some(pos) = memchr::memmem::find(&bytes[from..], chain.as_bytes()).map(|p| p + from) {
        from = pos + 1;
        if !starts_chain(bytes, pos, single) {
            continue;
        }
        let mut i = pos + chain.len();
        if bytes.get(i).is_some_and(|&b| is_ident(b)) {
            continue;
        }
        // Deeper properties: `X.Y.z.w = …` defines `X.Y`.
        let mut deeper = false;
        while bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(|&b| is_ident_start(b)) {
            i += 1;
            while bytes.get(i).is_some_and(|&b| is_ident(b)) {
                i += 1;
            }
            deeper = true;
        }
        i = skip_ws(bytes, i);
        let is_assign = bytes.get(i) == Some(&b'=') && !matches!(bytes.get(i + 1), Some(b'=' | b'>'));
        // `X: "1.2"` inside an object literal assigned to the parent is left alone: too ambiguous.
        if !is_assign {
            continue;
        }
        if deeper {
            return Some((pos, None));
        }
        return Some((pos, literal(&script[skip_ws(bytes, i + 1)..])));
    }
    None
}

/// What precedes the chain makes it a global: start of statement, `window.`/`self.`/`globalThis.`, or a
/// declaration keyword for a one-name chain.
fn starts_chain(bytes: &[u8], pos: usize, single: bool) -> bool {
    let before = &bytes[..pos];
    for prefix in [&b"window."[..], b"self.", b"globalThis.", b"top."] {
        if before.ends_with(prefix) {
            return boundary(&before[..before.len() - prefix.len()]);
        }
    }
    // Directly after an identifier or a dot: part of another name or chain.
    if before.last().is_some_and(|&b| is_ident(b) || b == b'.') {
        return false;
    }
    let ws_end = before.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |p| p + 1);
    let head = &before[..ws_end];
    if [&b"var"[..], b"let", b"const"].iter().any(|k| head.ends_with(k) && boundary(&head[..head.len() - k.len()])) {
        return single;
    }
    boundary(before)
}

/// The text before a name ends a statement or expression, so the name is not a property of something.
fn boundary(before: &[u8]) -> bool {
    match before.iter().rev().find(|b| !b.is_ascii_whitespace()) {
        None => true,
        Some(&b) => !is_ident(b) && b != b'.',
    }
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// A string, number or boolean literal at the start of `s`.
fn literal(s: &str) -> Assigned {
    let bytes = s.as_bytes();
    match bytes.first()? {
        q @ (b'"' | b'\'' | b'`') => {
            let mut i = 1;
            while i < bytes.len() && bytes[i] != *q {
                if bytes[i] == b'\\' || (*q == b'`' && bytes[i] == b'$') {
                    // Escapes and template substitutions: not a plain literal worth reading.
                    if bytes[i] == b'$' {
                        return None;
                    }
                    i += 1;
                }
                i += 1;
            }
            (i < bytes.len()).then(|| s[1..i].to_string())
        }
        b'0'..=b'9' | b'-' => {
            let end =
                bytes.iter().position(|&b| !(b.is_ascii_digit() || b == b'.' || b == b'-')).unwrap_or(bytes.len());
            Some(s[..end].to_string())
        }
        _ if s.starts_with("true") || s.starts_with("false") => {
            Some(if s.starts_with("true") { "true" } else { "false" }.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_forms() {
        assert_eq!(find_assignment("window.Shopify = window.Shopify || {};", "Shopify"), Some((7, None)));
        assert_eq!(find_assignment("var _hsq = _hsq || [];", "_hsq").map(|a| a.1), Some(None));
        assert_eq!(find_assignment("Shopify.theme = {name: 'x'};", "Shopify").map(|a| a.1), Some(None));
        assert_eq!(
            find_assignment("x(); Wix.version = \"2.4.1\";", "Wix.version").map(|a| a.1),
            Some(Some("2.4.1".into()))
        );
        assert_eq!(find_assignment("self.__NUXT__=1.5", "__NUXT__").map(|a| a.1), Some(Some("1.5".into())));
        assert_eq!(find_assignment("const flag = true", "flag").map(|a| a.1), Some(Some("true".into())));
    }

    #[test]
    fn not_assignments() {
        assert_eq!(find_assignment("if (window.Shopify == null) {}", "Shopify"), None);
        assert_eq!(find_assignment("myShopify = 1", "Shopify"), None);
        assert_eq!(find_assignment("foo.Shopify = 1", "Shopify"), None);
        assert_eq!(find_assignment("var ShopifyX = 1", "Shopify"), None);
        assert_eq!(find_assignment("console.log('Shopify')", "Shopify"), None);
        assert_eq!(find_assignment("f = Shopify => 1", "Shopify"), None);
    }
}
