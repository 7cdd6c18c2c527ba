//! Postal addresses written as text: US style (`123 Main St, Suite 4, Springfield, IL 62704`) and UK style
//! (`10 Downing Street, London SW1A 2AA`), split into street/city/region/postal code/country. Confidence
//! depends on where the text sits: `<address>` element, footer, next to the word "address", elsewhere.

use std::ops::Range;
use std::sync::LazyLock;

use leadsmith_core::{Address, FactSource};
use regex::{Captures, Regex};

use super::evidence::Evidence;
use super::text::{ceil_boundary, window_before};

const MAX_MATCHES: usize = 10;

const US_SUFFIXES: &str = "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|\
    Parkway|Pkwy|Highway|Hwy|Square|Sq|Terrace|Ter|Circle|Cir|Trail|Trl|Plaza|Plz|Pike|Row|Loop|Alley|Aly|\
    Crescent|Broadway|Center|Ctr|Freeway|Fwy|Expressway|Expy|Turnpike|Tpke|Run|Path|Point|Pt|Route|Rte|Walk|\
    Commons|Crossing|Xing|Park|Landing|Ridge|Pass|Bend|Cove|Creek";
const US_STATES: &str = "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|\
    NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|VI|GU|Alabama|Alaska|Arizona|Arkansas|\
    California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|\
    Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|\
    New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|\
    Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|\
    Wisconsin|Wyoming";
const UK_SUFFIXES: &str = "Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Way|Close|Drive|Dr|Place|Pl|Square|Sq|Gardens|\
    Gdns|Terrace|Crescent|Cres|Court|Ct|Hill|Row|Mews|Grove|Park|Walk|Green|Parade|Broadway|Yard|Wharf|Quay|\
    Embankment|Circus|Gate|Rise|View|Market|Passage|Buildings";

static US: LazyLock<Regex> = LazyLock::new(|| {
    let word = r"(?:[A-Z][A-Za-z0-9.'&-]*|[0-9]+(?:st|nd|rd|th))";
    let unit = r"(?:Suite|Ste|Unit|Apt|Floor|Fl|Bldg|Building|Room|Rm|#)\.?[ ]*#?[A-Za-z0-9-]+";
    let pattern = format!(
        r"(?-u:\b)(?P<street>P\.?[ ]?O\.?[ ]+Box[ ]+[0-9]+|[0-9]{{1,6}}[A-Za-z]?(?:-[0-9]{{1,5}})?[ ]+(?:(?:N|S|E|W|North|South|East|West)\.?[ ]+)?(?:{word}[ ]+){{0,5}}?(?i:{US_SUFFIXES})\.?(?:[ ]+(?:N|S|E|W|NE|NW|SE|SW)\.?)?(?:[ ]*[,\n]?[ ]*{unit})?)(?:[ ]*[,\n][ ]*|[ ]+)(?P<city>[A-Z][A-Za-z.'-]*(?:[ ][A-Z][A-Za-z.'-]*){{0,3}})[ ]*,?[ ]*(?P<region>{US_STATES})[ ]+(?P<postal>[0-9]{{5}}(?:-[0-9]{{4}})?)(?-u:\b)(?:[ ]*,?[ ]*(?P<country>USA|U\.S\.A\.|United States(?: of America)?|US)(?-u:\b))?"
    );
    Regex::new(&pattern).expect("valid regex")
});

static UK: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<street>[0-9]{{1,5}}[A-Za-z]?(?:-[0-9]{{1,5}})?[ ]+(?:[A-Z][A-Za-z'&-]*[ ]+){{0,4}}?(?i:{UK_SUFFIXES})(?-u:\b)\.?)[ ]*[,\n][ ]*(?:(?P<district>[A-Z][A-Za-z'-]+(?:[ ][A-Z][A-Za-z'-]+){{0,2}})[ ]*[,\n][ ]*)?(?P<city>[A-Z][A-Za-z'-]+(?:[ ][A-Z][A-Za-z'-]+){{0,2}})[ ]*[,\n]?[ ]*(?P<postal>[A-Z]{{1,2}}[0-9][A-Z0-9]?[ ]?[0-9][A-Z]{{2}})(?-u:\b)(?:[ ]*,?[ ]*(?P<country>United Kingdom|UK|England|Scotland|Wales|Northern Ireland|Great Britain|GB)(?-u:\b))?"
    );
    Regex::new(&pattern).expect("valid regex")
});

fn part(caps: &Captures, name: &str) -> Option<String> {
    caps.name(name).map(|m| m.as_str().replace('\n', ", ").trim().to_string()).filter(|s| !s.is_empty())
}

fn us_address(caps: &Captures) -> Address {
    Address {
        street: part(caps, "street"),
        city: part(caps, "city"),
        region: part(caps, "region"),
        postal_code: part(caps, "postal"),
        country: Some("US".to_string()),
    }
}

fn uk_address(caps: &Captures) -> Address {
    let street = match (part(caps, "street"), part(caps, "district")) {
        (Some(s), Some(d)) => Some(format!("{s}, {d}")),
        (s, _) => s,
    };
    Address {
        street,
        city: part(caps, "city"),
        region: None,
        postal_code: part(caps, "postal"),
        country: Some("GB".to_string()),
    }
}

/// Matches of `re` whose first character is not glued to a number (`555-0100 Main St`).
fn matches<'t>(re: &Regex, text: &'t str) -> Vec<Captures<'t>> {
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < text.len() && found.len() < MAX_MATCHES {
        let Some(caps) = re.captures_at(text, pos) else {
            break;
        };
        let whole = caps.get(0).map_or(pos..pos, |m| m.range());
        let glued = whole.start > 0 && matches!(text.as_bytes()[whole.start - 1], b'-' | b'.' | b'/' | b'(' | b'+');
        if glued {
            pos = ceil_boundary(text, whole.start + 1);
            continue;
        }
        pos = whole.end.max(pos + 1);
        found.push(caps);
    }
    found
}

/// Parses a free-text address (a JSON-LD `address` string, an `<address>` element).
pub(crate) fn parse_address_text(text: &str) -> Option<Address> {
    if let Some(caps) = matches(&US, text).into_iter().next() {
        return Some(us_address(&caps));
    }
    matches(&UK, text).into_iter().next().map(|caps| uk_address(&caps))
}

/// Words that announce an address in the text just before it.
const ADDRESS_WORDS: &[&str] = &["address", "located", "location", "visit us", "find us", "office", "headquarters"];

/// Finds addresses anywhere in the visible text.
pub(crate) fn in_text(text: &str, lower: &str, footers: &[Range<usize>], blocks: &[Range<usize>], ev: &mut Evidence) {
    // Every address ends in a postal code: no digit, no address.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let inside = |ranges: &[Range<usize>], at: usize| ranges.iter().any(|r| r.contains(&at));
    let confidence = |start: usize| {
        if inside(blocks, start) {
            0.8
        } else if inside(footers, start) {
            0.7
        } else if ADDRESS_WORDS.iter().any(|w| window_before(lower, start, 80).contains(w)) {
            0.7
        } else {
            0.6
        }
    };
    for caps in matches(&US, text) {
        let start = caps.get(0).map_or(0, |m| m.start());
        ev.address(us_address(&caps), FactSource::Text, confidence(start));
    }
    for caps in matches(&UK, text) {
        let start = caps.get(0).map_or(0, |m| m.start());
        ev.address(uk_address(&caps), FactSource::Text, confidence(start));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(street: &str, city: &str, region: Option<&str>, postal: &str, country: &str) -> Address {
        Address {
            street: Some(street.into()),
            city: Some(city.into()),
            region: region.map(Into::into),
            postal_code: Some(postal.into()),
            country: Some(country.into()),
        }
    }

    #[test]
    fn us_addresses() {
        for (text, want) in [
            ("123 Main St, Suite 4, Springfield, IL 62704", addr("123 Main St, Suite 4", "Springfield", Some("IL"), "62704", "US")),
            ("Visit: 1600 Pennsylvania Avenue NW\nWashington, DC 20500-0003, USA", addr("1600 Pennsylvania Avenue NW", "Washington", Some("DC"), "20500-0003", "US")),
            ("42 W. 5th Ave Ste. 200 New York, New York 10011", addr("42 W. 5th Ave Ste. 200", "New York", Some("New York"), "10011", "US")),
            ("1585 Broadway\nNew York, NY 10036", addr("1585 Broadway", "New York", Some("NY"), "10036", "US")),
            ("P.O. Box 123, Austin, TX 78701", addr("P.O. Box 123", "Austin", Some("TX"), "78701", "US")),
            ("Call 217-555-0100 or visit 77 Elm St. Springfield IL 62704", addr("77 Elm St.", "Springfield", Some("IL"), "62704", "US")),
        ] {
            assert_eq!(parse_address_text(text), Some(want), "{text:?}");
        }
    }

    #[test]
    fn uk_addresses() {
        assert_eq!(
            parse_address_text("10 Downing Street, London SW1A 2AA"),
            Some(addr("10 Downing Street", "London", None, "SW1A 2AA", "GB"))
        );
        assert_eq!(
            parse_address_text("221B Baker Street\nMarylebone\nLondon\nNW1 6XE\nUnited Kingdom"),
            Some(addr("221B Baker Street, Marylebone", "London", None, "NW1 6XE", "GB"))
        );
    }

    #[test]
    fn not_addresses() {
        for text in [
            "We have served 500 happy clients in Springfield, IL 62704",
            "Open 9 to 5 on Main Street",
            "Call 555 Main",
            "",
        ] {
            assert_eq!(parse_address_text(text), None, "{text:?}");
        }
    }
}
