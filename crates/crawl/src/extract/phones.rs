//! Phone numbers in visible text: digit groups shaped like a phone number (optional `+CC`, `(0)`, area code in
//! parentheses), filtered against dates, prices, ZIP codes and ID strings, labelled by nearby words ("phone",
//! "call", "fax") and normalised to E.164 through the evidence ledger.

use std::sync::LazyLock;

use leadsmith_core::FactSource;
use regex::Regex;

use super::evidence::Evidence;
use super::text::window_before;

const LABELLED_CONFIDENCE: f32 = 0.8;
const UNLABELLED_CONFIDENCE: f32 = 0.6;
const FAX_CONFIDENCE: f32 = 0.4;
/// Parsing with libphonenumber is the expensive step; a page with more candidates than this is a price
/// list or a table of figures, not a contact page.
const MAX_PARSES: usize = 40;

/// Byte ranges of `text` shaped like a phone number: an optional `+`, digit groups joined by up to two of
/// ` .-`, and parenthesised groups (`(415)`, `(0)`). One byte scan; cheaper than a regex over the whole text.
fn candidates(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c.is_ascii_digit() || c == b'+' || c == b'(') {
        let start = i + p;
        let mut j = start;
        if b[j] == b'+' {
            j += 1 + usize::from(b.get(j + 1) == Some(&b' '));
        }
        let mut end = start;
        let mut groups = 0;
        while j < b.len() && groups < 10 {
            if b[j].is_ascii_digit() {
                j += b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
                end = j;
                groups += 1;
            } else if b[j] == b'(' {
                let digits = b[j + 1..].iter().take(6).take_while(|c| c.is_ascii_digit()).count();
                if !(1..=5).contains(&digits) || b.get(j + 1 + digits) != Some(&b')') {
                    break;
                }
                j += digits + 2;
                groups += 1;
            } else if matches!(b[j], b' ' | b'.' | b'-') && groups > 0 {
                // One separator, or a dash with spaces around it; ". " ends a sentence, not a group.
                let seps = b[j..].iter().take(4).take_while(|c| matches!(c, b' ' | b'.' | b'-')).count();
                let joined = matches!(&b[j..j + seps], [_] | [b' ', b'-'] | [b'-', b' '] | [b' ', b'-', b' ']);
                if !joined || !(digit_at(j + seps) || b.get(j + seps) == Some(&b'(')) {
                    break;
                }
                j += seps;
            } else {
                break;
            }
        }
        if end > start {
            found.push((start, end));
        }
        i = end.max(start + 1);
    }
    found
}

static DATE_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[0-9]{4}[-./ ][0-9]{1,2}[-./ ][0-9]{1,2}|[0-9]{1,2}[-./ ][0-9]{1,2}[-./ ][0-9]{2,4}|(?:19|20)[0-9]{2}[ -]+(?:19|20)[0-9]{2})$",
    )
    .expect("valid regex")
});

const PHONE_WORDS: &[&str] = &[
    "phone",
    "telephone",
    "tel",
    "call",
    "mobile",
    "cell",
    "ph",
    "whatsapp",
    "text",
    "office",
    "main",
    "toll",
    "direct",
    "p",
    "t",
    "m",
    "o",
    "landline",
    "telefon",
    "telefono",
    "téléphone",
    "numéro",
    "dial",
    "ring",
];
const FAX_WORDS: &[&str] = &["fax", "facsimile", "f", "telefax"];
const ID_WORDS: &[&str] = &[
    "order",
    "invoice",
    "ref",
    "reference",
    "id",
    "sku",
    "isbn",
    "account",
    "acct",
    "zip",
    "postal",
    "license",
    "licence",
    "lic",
    "npi",
    "ein",
    "tax",
    "vat",
    "reg",
    "registration",
    "serial",
    "model",
    "part",
    "case",
    "patent",
    "routing",
    "po",
    "tracking",
    "confirmation",
    "item",
    "ticket",
    "abn",
    "acn",
    "company",
];

/// What the words just before a number say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Phone,
    Fax,
    Id,
    None,
}

fn label_before(lower: &str, start: usize) -> Label {
    let window = window_before(lower, start, 32);
    let line = window.rsplit('\n').next().unwrap_or(window);
    let mut label = Label::None;
    // The nearest label word wins ("Tel 1 / Fax 2": each number gets its own).
    for word in line.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if FAX_WORDS.contains(&word) {
            label = Label::Fax;
        } else if PHONE_WORDS.contains(&word) {
            label = Label::Phone;
        } else if ID_WORDS.contains(&word) {
            label = Label::Id;
        }
    }
    if label == Label::None && line.contains(['☎', '📞', '✆']) {
        label = Label::Phone;
    }
    label
}

/// Adjacent characters that make a digit run part of something bigger (a word, a price, a decimal).
fn bad_neighbours(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    if let Some(&p) = start.checked_sub(1).and_then(|i| b.get(i)) {
        let before_prev = start.checked_sub(2).and_then(|i| b.get(i)).copied().unwrap_or(b' ');
        if p.is_ascii_alphanumeric() || b"$#/_&=".contains(&p) || (b".,-:".contains(&p) && before_prev.is_ascii_digit())
        {
            return true;
        }
        let prefix = window_before(text, start, 4);
        if prefix.contains(['€', '£', '¥', '₹']) {
            return true;
        }
    }
    if let Some(&n) = b.get(end) {
        let after_next = b.get(end + 1).copied().unwrap_or(b' ');
        if n.is_ascii_alphanumeric() || b"%_$".contains(&n) || (b".,:/-".contains(&n) && after_next.is_ascii_digit()) {
            return true;
        }
        if text[end..].starts_with(['€', '£', '°']) {
            return true;
        }
    }
    false
}

/// `1.234.567`, `12,500,000`: thousands separators, not a phone number.
fn looks_like_amount(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split(['.', ',']).collect();
    groups.len() >= 3 && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)
}

/// Phone candidates in `text`; `lower` is its ASCII-lowercased copy.
pub(crate) fn in_text(text: &str, lower: &str, ev: &mut Evidence) {
    let mut parses = 0;
    let mut tried: Vec<&str> = Vec::new();
    for (start, end) in candidates(text) {
        let raw = &text[start..end];
        let digits = raw.bytes().filter(u8::is_ascii_digit).count();
        if !(7..=15).contains(&digits) || bad_neighbours(text, start, end) {
            continue;
        }
        if DATE_LIKE.is_match(raw) || looks_like_amount(raw) {
            continue;
        }
        let label = label_before(lower, start);
        let formatted = raw.contains(['+', '(', ' ', '-', '.']);
        // Bare digit strings are IDs unless a label says otherwise; labelled IDs are never phones.
        if label == Label::Id || (!formatted && label == Label::None) {
            continue;
        }
        if tried.contains(&raw) {
            continue;
        }
        if parses >= MAX_PARSES {
            break;
        }
        tried.push(raw);
        let (confidence, fax) = match label {
            Label::Fax => (FAX_CONFIDENCE, true),
            Label::Phone => (LABELLED_CONFIDENCE, false),
            _ => (UNLABELLED_CONFIDENCE, false),
        };
        parses += 1;
        // "+44 (0)20 …": the trunk zero in parentheses is not dialled from abroad.
        let dialled = if raw.starts_with('+') { raw.replacen("(0)", "", 1) } else { raw.to_string() };
        if ev.phone(&dialled, FactSource::Text, confidence, fax) {
            continue;
        }
        // "IL 62704 217-555-0100": a ZIP code glued to the number in front.
        if let Some((first, rest)) = raw.split_once(' ')
            && !raw.starts_with('+')
            && first.len() >= 4
            && rest.bytes().filter(u8::is_ascii_digit).count() >= 7
        {
            parses += 1;
            ev.phone(rest, FactSource::Text, confidence, fax);
        }
    }
}

/// A `tel:` link; labelled fax when the link text says so.
pub(crate) fn tel_link(href: &str, link_text: &str, ev: &mut Evidence) {
    let number = super::text::percent_decode(href);
    let fax = link_text.to_ascii_lowercase().contains("fax");
    ev.phone(&number, FactSource::Tel, if fax { FAX_CONFIDENCE } else { 0.95 }, fax);
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::{FactKind, PageFacts};

    fn phones_in(text: &str) -> (Vec<String>, Vec<String>) {
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        in_text(text, &text.to_ascii_lowercase(), &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        let all = page.facts.into_iter().filter(|f| f.kind == FactKind::Phone).map(|f| f.value).collect();
        (page.phones, all)
    }

    #[test]
    fn national_and_international_numbers() {
        for (text, want) in [
            ("Call us: (415) 555-2671", "+14155552671"),
            ("Phone 415.555.2671", "+14155552671"),
            ("Toll free 1-800-555-0199", "+18005550199"),
            ("+1 (415) 555-2671", "+14155552671"),
            ("London +44 20 7946 0958", "+442079460958"),
            ("Tel. +44 (0)20 7946 0958", "+442079460958"),
            ("Berlin +49 30 901820", "+4930901820"),
            ("Paris +33 1 42 68 53 00", "+33142685300"),
            ("Sydney +61 2 9374 4000", "+61293744000"),
            ("Springfield, IL 62704 217-555-0100", "+12175550100"),
            ("Phone: 4155552671", "+14155552671"),
        ] {
            assert_eq!(phones_in(text).0, [want], "{text:?}");
        }
    }

    #[test]
    fn fax_is_evidence_but_not_a_phone() {
        let (phones, all) = phones_in("Tel: (415) 555-2671\nFax: (415) 555-2672");
        assert_eq!(phones, ["+14155552671"]);
        assert_eq!(all, ["+14155552671", "+14155552672"]);
        let (phones, _) = phones_in("T: 415-555-2671 F: 415-555-2672");
        assert_eq!(phones, ["+14155552671"]);
    }

    #[test]
    fn not_phones() {
        for text in [
            "Posted 2024-01-15 and 01/15/2024 and 15.01.2024",
            "Open 2019 - 2024",
            "Price $1,299.00 or €4 155 552 671",
            "Population 12,500,000 and 1.234.567",
            "Springfield, IL 62704",
            "ZIP 62704-1234",
            "Order #415555267100 shipped",
            "Order no. 415-555-2671",
            "Tracking 4155552671",
            "ID 20240115123456",
            "SKU-4155552671",
            "call 123",
            "version 4.155.552.671",
            "50% off 4155552671%",
        ] {
            assert!(phones_in(text).1.is_empty(), "{text:?}: {:?}", phones_in(text).1);
        }
    }

    #[test]
    fn candidate_shapes() {
        let text = "a +1 (415) 555-2671, b (0)20 7946 0958. 2024-01-15 x+ 1 2 (12345678) 5 . 5";
        let got: Vec<&str> = candidates(text).into_iter().map(|(s, e)| &text[s..e]).collect();
        assert_eq!(got, ["+1 (415) 555-2671", "(0)20 7946 0958", "2024-01-15", "+ 1 2", "12345678", "5", "5"]);
    }

    #[test]
    fn tel_links() {
        let mut ev = Evidence::new("https://acme.test/", "GB", None);
        tel_link("tel:020%207946%200958", "Call", &mut ev);
        tel_link("tel:+1-415-555-2672", "Fax us", &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        assert_eq!(page.phones, ["+442079460958"]);
        assert_eq!(page.facts[0].source, FactSource::Tel);
    }
}
