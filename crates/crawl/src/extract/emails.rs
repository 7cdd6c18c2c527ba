//! Email candidates in visible text: plain addresses (entities already decoded, so `&#64;` is an `@`) and
//! the common obfuscations (`name [at] domain [dot] com`, `name(at)domain.com`, `name at domain dot com`).
//! Every candidate is validated by [`leadsmith_core::Email::parse`] through the evidence ledger.

use std::sync::LazyLock;

use leadsmith_core::FactSource;
use regex::Regex;
use serde_json::json;

use super::evidence::Evidence;
use super::text::window_before;

const PLAIN_CONFIDENCE: f32 = 0.8;
const OBFUSCATED_CONFIDENCE: f32 = 0.7;

fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._%+-'".contains(&b)
}

fn is_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// Plain `local@domain` candidates around every `@`.
pub(crate) fn plain(text: &str, ev: &mut Evidence) {
    let bytes = text.as_bytes();
    for at in memchr::memchr_iter(b'@', bytes) {
        let start = bytes[..at].iter().rposition(|&b| !is_local_byte(b)).map_or(0, |p| p + 1);
        let end = bytes[at + 1..].iter().position(|&b| !is_domain_byte(b)).map_or(bytes.len(), |p| at + 1 + p);
        if start == at || end == at + 1 {
            continue;
        }
        let local = text[start..at].trim_start_matches(['.', '\'', '-']);
        let domain = text[at + 1..end].trim_end_matches(['.', '-']);
        let people = people_before(text, start);
        let detail = (!people.is_empty()).then(|| json!({ "people": people }));
        ev.email(&format!("{local}@{domain}"), FactSource::Text, PLAIN_CONFIDENCE, detail);
    }
}

/// Names written just before an address on its line (`Anna Schmidt, Sales Director: anna@…` gives both
/// "Anna Schmidt" and "Sales Director"), nearest last, for pairing the address with its person: the caller
/// keeps the one the address is made from.
static PERSON_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\p{Lu}[\p{Ll}'’]+(?:[ -](?:(?:van|von|de|der|den|da|di|du|le|la)[ ])?\p{Lu}[\p{Ll}'’]+){1,2}")
        .expect("valid regex")
});

fn people_before(text: &str, at: usize) -> Vec<String> {
    let window = window_before(text, at, 80);
    let line = window.rsplit('\n').next().unwrap_or(window);
    let found: Vec<String> = PERSON_NAME.find_iter(line).map(|m| m.as_str().to_string()).collect();
    found[found.len().saturating_sub(3)..].to_vec()
}

/// The "at" of an obfuscated address: bracketed forms, or a bare ` at ` (only trusted with more evidence).
static AT_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    // Every alternative starts with a literal byte, so the regex engine can skip ahead with a prefilter.
    Regex::new(r"(?i)\[[ ]?(?:at|@)[ ]?\]|\([ ]?(?:at|@)[ ]?\)|\{[ ]?(?:at|@)[ ]?\}|<at>|[ ]at[ ]|[ ]@[ ]")
        .expect("valid regex")
});

/// Obfuscated addresses; `lower` is the ASCII-lowercased `text` (same byte offsets).
pub(crate) fn obfuscated(text: &str, lower: &str, ev: &mut Evidence) {
    let lb = lower.as_bytes();
    let has_token = memchr::memmem::find(lb, b"at]").is_some()
        || memchr::memmem::find(lb, b"at)").is_some()
        || memchr::memmem::find(lb, b"at}").is_some()
        || memchr::memmem::find(lb, b"@]").is_some()
        || memchr::memmem::find(lb, b"@)").is_some()
        || memchr::memmem::find(lb, b"<at>").is_some()
        || memchr::memmem::find(lb, b" @ ").is_some()
        || (memchr::memmem::find(lb, b" at ").is_some() && memchr::memmem::find(lb, b"dot").is_some())
        || (memchr::memmem::find(lb, b" at ").is_some() && memchr::memmem::find(lb, b"mail").is_some());
    if !has_token {
        return;
    }
    for m in AT_TOKEN.find_iter(lower) {
        let token = m.as_str().trim();
        let bare_at = token == "at";
        // At most one space on each side of a bracketed "at": `jane [at] acme`.
        let local_end = if m.start() > 0 && lb[m.start() - 1] == b' ' { m.start() - 1 } else { m.start() };
        let local_start = lb[..local_end].iter().rposition(|&b| !is_local_byte(b)).map_or(0, |p| p + 1);
        let local = lower[local_start..local_end].trim_start_matches(['.', '-', '\'']);
        if local.is_empty() || !local.bytes().any(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let domain_start = if lb.get(m.end()) == Some(&b' ') { m.end() + 1 } else { m.end() };
        let Some(domain) = read_domain(lower, domain_start) else {
            continue;
        };
        // "meet us at noon. we…" must not become an address: a bare "at" needs an "email"/"contact" label
        // just before, a tight domain, and a local part that is not an everyday word ("email us at …").
        if bare_at {
            let context = window_before(lower, local_start, 40);
            let labelled = ["mail", "contact", "write", "reach"].iter().any(|w| context.contains(w));
            if !labelled || domain.loose_dot || PROSE_WORDS.contains(&local) {
                continue;
            }
        }
        // Keep the local part's original case.
        let local_orig = &text[local_end - local.len()..local_end];
        let candidate = format!("{local_orig}@{}", domain.name);
        ev.email(&candidate, FactSource::Text, OBFUSCATED_CONFIDENCE, Some(json!({"obfuscated": true})));
    }
}

/// Addresses hidden by Cloudflare's email protection, in the raw HTML: `data-cfemail="HEX"` on the
/// placeholder span and `href="/cdn-cgi/l/email-protection#HEX"` links. The hex is a key byte followed by
/// the address XORed with it.
pub(crate) fn cloudflare(html: &str, ev: &mut Evidence) {
    let bytes = html.as_bytes();
    for marker in [&b"data-cfemail="[..], &b"/cdn-cgi/l/email-protection#"[..]] {
        for at in memchr::memmem::find_iter(bytes, marker) {
            let start = at + marker.len();
            let start = start + usize::from(matches!(bytes.get(start), Some(b'"' | b'\'')));
            let hex_len = bytes[start..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
            if let Some(address) = decode_cfemail(&html[start..start + hex_len]) {
                ev.email(&address, FactSource::Text, PLAIN_CONFIDENCE, Some(json!({"encoding": "cloudflare"})));
            }
        }
    }
}

/// Cloudflare's encoding: hex pairs, the first the key, every other one a byte of the address XOR the key.
fn decode_cfemail(hex: &str) -> Option<String> {
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || hex.len() > 1024 {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    let key = byte(0)?;
    let decoded: Option<Vec<u8>> = (2..hex.len()).step_by(2).map(|i| byte(i).map(|b| b ^ key)).collect();
    String::from_utf8(decoded?).ok().filter(|s| s.contains('@'))
}

/// Words that precede a bare "at" in prose; never local parts of an obfuscated address.
const PROSE_WORDS: &[&str] = &[
    "us", "me", "them", "him", "her", "you", "it", "we", "our", "this", "that", "here", "there", "home", "now",
    "today", "office", "anytime", "any", "all", "or", "and", "online", "time", "directly", "email", "mail", "e-mail",
    "contact", "touch", "line", "team",
];

struct ObfuscatedDomain {
    name: String,
    /// A literal `.` had spaces around it (`acme . com`).
    loose_dot: bool,
}

/// Reads `label (dot label)+` from `lower` at `pos`.
fn read_domain(lower: &str, pos: usize) -> Option<ObfuscatedDomain> {
    let b = lower.as_bytes();
    let label_at = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
    let mut i = pos;
    let first = label_at(i);
    if first == 0 {
        return None;
    }
    let mut name = lower[i..i + first].to_string();
    i += first;
    let (mut loose_dot, mut labels) = (false, 1);
    loop {
        let spaces_before = b[i..].iter().take_while(|c| **c == b' ').count();
        let j = i + spaces_before;
        let rest = &lower[j..];
        let (dot_len, spelled) = if rest.starts_with('.') {
            (1, false)
        } else if let Some(len) = ["[dot]", "(dot)", "{dot}", "[ dot ]", "( dot )", "[.]", "(.)"]
            .iter()
            .find(|t| rest.starts_with(**t))
            .map(|t| t.len())
        {
            (len, true)
        } else if spaces_before > 0 && rest.starts_with("dot ") {
            (3, true)
        } else {
            break;
        };
        let after_dot = j + dot_len;
        let spaces_after = b[after_dot..].iter().take_while(|c| **c == b' ').count();
        let k = after_dot + spaces_after;
        let len = label_at(k);
        if len == 0 {
            break;
        }
        if !spelled && (spaces_before > 0 || spaces_after > 0) {
            loose_dot = true;
        }
        name.push('.');
        name.push_str(&lower[k..k + len]);
        labels += 1;
        i = k + len;
        if labels >= 6 {
            break;
        }
    }
    (labels >= 2).then_some(ObfuscatedDomain { name, loose_dot })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::{FactKind, PageFacts};

    fn emails_in(text: &str) -> Vec<String> {
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        let lower = text.to_ascii_lowercase();
        plain(text, &mut ev);
        obfuscated(text, &lower, &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        page.facts.into_iter().filter(|f| f.kind == FactKind::Email).map(|f| f.value).collect()
    }

    #[test]
    fn plain_addresses() {
        assert_eq!(emails_in("Mail Jane.Doe@Acme.TEST, or info@acme.test."), ["Jane.Doe@acme.test", "info@acme.test"]);
        assert_eq!(emails_in("(sales@acme.co.uk)"), ["sales@acme.co.uk"]);
        assert!(
            emails_in("logo@2x.png a3f9c2e1b4d5f60718293a4b5c6d7e8f@o123456.ingest.sentry.io @handle x@ @y").is_empty()
        );
    }

    #[test]
    fn obfuscations() {
        for (text, want) in [
            ("Email: jane [at] acme [dot] com", "jane@acme.com"),
            ("jane[at]acme[dot]co[dot]uk", "jane@acme.co.uk"),
            ("Jane(at)acme.com", "Jane@acme.com"),
            ("jane (at) acme (dot) com", "jane@acme.com"),
            ("jane{at}acme{dot}com", "jane@acme.com"),
            ("write to jane at acme dot com today", "jane@acme.com"),
            ("E-mail: jane at acme.com", "jane@acme.com"),
            ("Email: jane AT acme DOT com", "jane@acme.com"),
            ("jane @ acme.com", "jane@acme.com"),
        ] {
            assert_eq!(emails_in(text), [want], "{text:?}");
        }
    }

    /// What Cloudflare writes for `jane.doe@acme.test` with the key 0x42.
    fn cf_encode(address: &str, key: u8) -> String {
        std::iter::once(key).chain(address.bytes().map(|b| b ^ key)).map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn cloudflare_protected_addresses_are_decoded() {
        let hidden = cf_encode("jane.doe@acme.test", 0x42);
        let linked = cf_encode("Sales@Acme.test", 0x9c);
        let html = format!(
            r#"<p><a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{hidden}">[email&#160;protected]</a>
               <a href="/cdn-cgi/l/email-protection#{linked}">Email sales</a>
               <span data-cfemail="zz12">broken</span><span data-cfemail="{}">not an address</span></p>"#,
            cf_encode("no at sign", 7)
        );
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        cloudflare(&html, &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        let found: Vec<String> =
            page.facts.iter().filter(|f| f.kind == FactKind::Email).map(|f| f.value.clone()).collect();
        assert_eq!(found, ["jane.doe@acme.test", "Sales@acme.test"]);
        assert_eq!(decode_cfemail(&cf_encode("a@b.c", 0)), Some("a@b.c".into()));
        assert_eq!(decode_cfemail("4"), None);
    }

    #[test]
    fn the_person_written_before_an_address_is_kept_with_it() {
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        plain("Team\nAnna Schmidt, Sales Director: anna.schmidt@acme.test\ninfo@acme.test", &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        let people = |v: &str| {
            page.facts.iter().find(|f| f.value == v).and_then(|f| f.detail.as_ref()).map(|d| d["people"].clone())
        };
        assert_eq!(people("anna.schmidt@acme.test"), Some(json!(["Anna Schmidt", "Sales Director"])));
        assert_eq!(people("info@acme.test"), None, "no name on its line");
    }

    #[test]
    fn prose_is_not_an_email() {
        for text in [
            "Meet us at noon. We are open late.",
            "We are at the office.com event",
            "Find us at acme.com for more",
            "email us at the front desk. thanks",
            "look at this dot com bubble",
            "Email us at acme.com",
            "jane at acme dot com",
        ] {
            assert!(emails_in(text).is_empty(), "{text:?}: {:?}", emails_in(text));
        }
    }
}
