//! Postal addresses written as text: US style (`123 Main St, Suite 4, Springfield, IL 62704`) and UK style
//! (`10 Downing Street, London SW1A 2AA`) here, other countries in [`address_intl`](super::address_intl);
//! split into street/city/region/postal code/country. Confidence depends on where the text sits:
//! `<address>` element, footer, next to the word "address", elsewhere.

use std::ops::Range;
use std::sync::LazyLock;

use leadsmith_core::{Address, FactSource};
use regex::{Captures, Regex};

use super::address_intl as intl;
use super::evidence::Evidence;
use super::text::{ceil_boundary, floor_boundary, window_before};

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

/// A North American street (also used for Canada and Australia): `123 Main St, Suite 4`, `PO Box 12`.
pub(super) fn street_pattern() -> String {
    let word = r"(?:[A-Z][A-Za-z0-9.'&-]*|[0-9]+(?:st|nd|rd|th))";
    let unit = r"(?:Suite|Ste|Unit|Apt|Floor|Fl|Bldg|Building|Room|Rm|Level|Lvl|#)\.?[ ]*#?[A-Za-z0-9-]+";
    format!(
        r"P\.?[ ]?O\.?[ ]+Box[ ]+[0-9]+|[0-9]{{1,6}}[A-Za-z]?(?:-[0-9]{{1,5}})?[ ]+(?:(?:N|S|E|W|North|South|East|West)\.?[ ]+)?(?:{word}[ ]+){{0,5}}?(?i:{US_SUFFIXES})\.?(?:[ ]+(?:N|S|E|W|NE|NW|SE|SW)\.?)?(?:[ ]*[,\n]?[ ]*{unit})?"
    )
}

/// A British or Irish street: `10 Downing Street`.
pub(super) fn uk_street_pattern() -> String {
    format!(
        r"[0-9]{{1,5}}[A-Za-z]?(?:-[0-9]{{1,5}})?[ ]+(?:[A-Z][A-Za-z'&-]*[ ]+){{0,4}}?(?i:{UK_SUFFIXES})(?-u:\b)\.?"
    )
}

/// An address regex, with room for its lazy DFA: the street, city and country alternations make big
/// automata, and a DFA whose cache fills is abandoned for the PikeVM, many times slower on every window.
pub(super) fn address_regex(pattern: &str) -> Regex {
    regex::RegexBuilder::new(pattern).dfa_size_limit(32 << 20).build().expect("valid regex")
}

static US: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<street>{})(?:[ ]*[,\n][ ]*|[ ]+)(?P<city>[A-Z][A-Za-z.'-]*(?:[ ][A-Z][A-Za-z.'-]*){{0,3}})[ ]*,?[ ]*(?P<region>{US_STATES})[ ]+(?P<postal>[0-9]{{5}}(?:-[0-9]{{4}})?)(?-u:\b)(?:[ ]*,?[ ]*(?P<country>USA|U\.S\.A\.|United States(?: of America)?|US)(?-u:\b))?",
        street_pattern()
    );
    address_regex(&pattern)
});

static UK: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<street>{})[ ]*[,\n][ ]*(?:(?P<district>[A-Z][A-Za-z'-]+(?:[ ][A-Z][A-Za-z'-]+){{0,2}})[ ]*[,\n][ ]*)?(?P<city>[A-Z][A-Za-z'-]+(?:[ ][A-Z][A-Za-z'-]+){{0,2}})[ ]*[,\n]?[ ]*(?P<postal>[A-Z]{{1,2}}[0-9][A-Z0-9]?[ ]?[0-9][A-Z]{{2}})(?-u:\b)(?:[ ]*,?[ ]*(?P<country>United Kingdom|UK|England|Scotland|Wales|Northern Ireland|Great Britain|GB)(?-u:\b))?",
        uk_street_pattern()
    );
    address_regex(&pattern)
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

/// Where addresses may end, found by one byte scan instead of a regex over the whole text: US addresses end in
/// a ZIP code after a state (`IL 62704`, `Illinois 62704-1234`), UK ones in a postcode's inward code (`2AA`).
#[derive(Default)]
struct PostalEnds {
    us: Vec<usize>,
    uk: Vec<usize>,
}

fn postal_ends(text: &str) -> PostalEnds {
    let b = text.as_bytes();
    let mut ends = PostalEnds::default();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(u8::is_ascii_digit) {
        let start = i + p;
        let run = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = start + run;
        let boundary_after = |at: usize| b.get(at).is_none_or(|c| !c.is_ascii_alphanumeric());
        if run == 5 && start >= 2 && b[start - 1] == b' ' && b[start - 2].is_ascii_alphabetic() {
            let plus_four =
                b.get(end) == Some(&b'-') && b[end + 1..].iter().take_while(|c| c.is_ascii_digit()).count() == 4;
            let zip_end = if plus_four { end + 5 } else { end };
            if boundary_after(zip_end) {
                ends.us.push(zip_end);
            }
        }
        if run == 1
            && b.get(end).is_some_and(u8::is_ascii_uppercase)
            && b.get(end + 1).is_some_and(u8::is_ascii_uppercase)
            && boundary_after(end + 2)
        {
            ends.uk.push(end + 2);
        }
        i = end;
    }
    ends
}

/// How far before its postal code an address may start.
const LOOK_BACK: usize = 240;
/// Room after the postal code for a country name.
const LOOK_AHEAD: usize = 40;
/// Room after a continental postal code for the city and a country name.
const CITY_LOOK_AHEAD: usize = 80;

/// Matches of `full` in `text` as `(absolute start, captures)`, searched only in windows around the postal
/// codes at `ends`; a match whose first character is glued to a number (`555-0100 Main St`) is skipped.
fn find_addresses<'t>(full: &Regex, ends: &[usize], text: &'t str) -> Vec<(usize, Captures<'t>)> {
    find_addresses_ahead(full, ends, text, LOOK_AHEAD)
}

/// [`find_addresses`] with `look_ahead` bytes of room after each end.
fn find_addresses_ahead<'t>(
    full: &Regex,
    ends: &[usize],
    text: &'t str,
    look_ahead: usize,
) -> Vec<(usize, Captures<'t>)> {
    let mut found = Vec::new();
    let mut covered = 0;
    for &anchor_end in ends {
        if found.len() >= MAX_MATCHES {
            break;
        }
        if anchor_end <= covered {
            continue;
        }
        let anchor_start = anchor_end.saturating_sub(12);
        let mut start = ceil_boundary(text, anchor_start.saturating_sub(LOOK_BACK));
        // Start the window at a word boundary so that it cannot begin inside a house number.
        if start > 0 {
            start = text[start..].find([' ', '\n']).map_or(start, |i| start + i + 1);
        }
        let base = start.min(anchor_start);
        let stop = floor_boundary(text, anchor_end + look_ahead);
        let window = &text[base..stop];
        let mut pos = 0;
        while let Some(caps) = full.captures_at(window, pos) {
            let whole = caps.get(0).map_or(pos..pos, |m| m.range());
            let glued = base + whole.start > 0
                && matches!(text.as_bytes()[base + whole.start - 1], b'-' | b'.' | b'/' | b'(' | b'+');
            if glued {
                pos = ceil_boundary(window, whole.start + 1);
                continue;
            }
            pos = whole.end.max(pos + 1);
            if base + whole.start >= covered {
                covered = base + whole.end;
                found.push((base + whole.start, caps));
            }
            if pos >= window.len() {
                break;
            }
        }
    }
    found
}

/// Parses a free-text address (a JSON-LD `address` string, an `<address>` element).
pub(crate) fn parse_address_text(text: &str) -> Option<Address> {
    parse_address_text_in(text, "")
}

/// [`parse_address_text`] on a page of `region` (which decides a continental address's country only when
/// its text does not).
pub(crate) fn parse_address_text_in(text: &str, region: &str) -> Option<Address> {
    all_addresses(text, region).into_iter().min_by_key(|(start, _)| *start).map(|(_, a)| a)
}

/// Reads one country's match into an address (`None`: its country cannot be told).
type ReadAddress<'r> = dyn Fn(&Captures) -> Option<Address> + 'r;

/// Every address in `text`, with where it starts.
fn all_addresses(text: &str, region: &str) -> Vec<(usize, Address)> {
    let ends = postal_ends(text);
    let mut found: Vec<(usize, Address)> = Vec::new();
    found.extend(find_addresses(&US, &ends.us, text).into_iter().map(|(s, c)| (s, us_address(&c))));
    found.extend(find_addresses(&UK, &ends.uk, text).into_iter().map(|(s, c)| (s, uk_address(&c))));
    let intl = intl::intl_ends(text);
    // Checked in this order, a span taken by one country is not read again as another's.
    let others: [(&Regex, &[usize], usize, &ReadAddress); 4] = [
        (intl::canada_regex(), &intl.canada, LOOK_AHEAD, &|c| Some(intl::canadian(c))),
        (intl::australia_regex(), &intl.australia, LOOK_AHEAD, &|c| Some(intl::australian(c))),
        (intl::ireland_regex(), &intl.ireland, LOOK_AHEAD, &|c| Some(intl::irish(c))),
        (intl::continental_regex(), &intl.continental, CITY_LOOK_AHEAD, &|c| intl::continental(c, region)),
    ];
    for (regex, ends, ahead, read) in others {
        for (start, caps) in find_addresses_ahead(regex, ends, text, ahead) {
            let span = start..caps.get(0).map_or(start, |m| start + m.len());
            let taken = found.iter().any(|(s, a)| span.contains(s) || (*s <= start && start < s + a.one_line().len()));
            if !taken && let Some(address) = read(&caps) {
                found.push((start, address));
            }
        }
    }
    found
}

/// Words that announce an address in the text just before it.
const ADDRESS_WORDS: &[&str] = &["address", "located", "location", "visit us", "find us", "office", "headquarters"];

/// Finds addresses anywhere in the visible text.
pub(crate) fn in_text(text: &str, lower: &str, footers: &[Range<usize>], blocks: &[Range<usize>], ev: &mut Evidence) {
    let inside = |ranges: &[Range<usize>], at: usize| ranges.iter().any(|r| r.contains(&at));
    let confidence = |start: usize| {
        let announced = || ADDRESS_WORDS.iter().any(|w| window_before(lower, start, 80).contains(w));
        if inside(blocks, start) {
            0.8
        } else if inside(footers, start) || announced() {
            0.7
        } else {
            0.6
        }
    };
    let region = ev.region().to_string();
    for (start, address) in all_addresses(text, &region) {
        ev.address(address, FactSource::Text, confidence(start));
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
            (
                "123 Main St, Suite 4, Springfield, IL 62704",
                addr("123 Main St, Suite 4", "Springfield", Some("IL"), "62704", "US"),
            ),
            (
                "Visit: 1600 Pennsylvania Avenue NW\nWashington, DC 20500-0003, USA",
                addr("1600 Pennsylvania Avenue NW", "Washington", Some("DC"), "20500-0003", "US"),
            ),
            (
                "42 W. 5th Ave Ste. 200 New York, New York 10011",
                addr("42 W. 5th Ave Ste. 200", "New York", Some("New York"), "10011", "US"),
            ),
            ("1585 Broadway\nNew York, NY 10036", addr("1585 Broadway", "New York", Some("NY"), "10036", "US")),
            ("P.O. Box 123, Austin, TX 78701", addr("P.O. Box 123", "Austin", Some("TX"), "78701", "US")),
            (
                "Call 217-555-0100 or visit 77 Elm St. Springfield IL 62704",
                addr("77 Elm St.", "Springfield", Some("IL"), "62704", "US"),
            ),
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
