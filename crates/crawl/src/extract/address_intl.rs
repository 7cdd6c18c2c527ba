//! Postal addresses written as text outside the US and the UK: Canada (`…, Toronto, ON M5V 2T6`), Australia
//! (`…, Sydney NSW 2000`), Ireland (Eircode `D02 X285`) and continental Europe, where the street comes first
//! with its number after it (`Hauptstraße 12, 10115 Berlin`, `Damrak 1, 1012 LG Amsterdam`, `Via Roma 10,
//! 00184 Roma`) or before it in French (`12 rue de la Paix, 75002 Paris`), and the postal code comes before
//! the city. The country is told from the text: a country name after the city, a postal prefix (`D-`,
//! `CH-`), the postal code's shape (Dutch `1234 AB`, Swedish `123 45`), the street's own word (`-straße`,
//! `rue`, `calle`, `via`, `-gatan`, `-vej`, `-katu`, …), and only then the page's country, when the postal
//! code fits it.

use std::sync::LazyLock;

use leadsmith_core::{Address, iso_country};
use regex::{Captures, Regex};

/// Countries named after a continental address, in their own languages and in English.
const CONTINENTAL_COUNTRIES: &str = "Deutschland|Germany|Österreich|Oesterreich|Austria|Schweiz|Suisse|Svizzera|\
    Switzerland|France|Belgique|België|Belgien|Belgium|Nederland|Netherlands|The Netherlands|España|Spain|Italia|\
    Italy|Sverige|Sweden|Norge|Norway|Danmark|Denmark|Suomi|Finland|Luxembourg|Luxemburg|Portugal";

/// Postal prefixes written before the code (`D-10115`), by country.
const POSTAL_PREFIXES: &[(&str, &str)] = &[
    ("D", "DE"),
    ("A", "AT"),
    ("CH", "CH"),
    ("F", "FR"),
    ("B", "BE"),
    ("NL", "NL"),
    ("E", "ES"),
    ("I", "IT"),
    ("S", "SE"),
    ("N", "NO"),
    ("DK", "DK"),
    ("FI", "FI"),
    ("FIN", "FI"),
    ("L", "LU"),
];

/// A continental street, its number after the name: `Hauptstraße 12a`, `Karl Johans gate 1`, `Calle
/// Mayor, 10`, `Rue Neuve 12-14`.
const STREET_NUMBER_AFTER: &str =
    r"\p{Lu}[\p{L}.'’-]*(?:[ ][\p{L}.'’-]+){0,4}?(?:,[ ]?|[ ])[0-9]{1,4}[a-zA-Z]?(?:[ ]?[-/][ ]?[0-9]{1,4}[a-zA-Z]?)?";
/// A French street, its number first: `12 rue de la Paix`, `3 bis, avenue Foch`.
const STREET_NUMBER_FIRST: &str = r"[0-9]{1,4}(?:[ ]?(?:bis|ter|[A-Z]))?,?[ ](?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|cours|route|square|passage)[ ][\p{L}0-9.'’ -]{2,60}?";
/// A city after its postal code: `Berlin`, `Frankfurt am Main`, `København K`, `Roma RM`.
const CITY: &str = r"\p{Lu}[\p{L}.'’-]*(?:[ -](?:\p{Lu}|am|an|im|in|bei|ob|sur|en|de|del|di|la|le)[\p{L}.'’-]*){0,3}";

static CONTINENTAL: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?P<street>{STREET_NUMBER_FIRST}|{STREET_NUMBER_AFTER})[ ]*[,\n][ ]*(?:(?P<prefix>[A-Z]{{1,3}})-)?(?P<postal>[0-9]{{4}}[ ]?[A-Z]{{2}}(?-u:\b)|[0-9]{{3}}[ ][0-9]{{2}}|[0-9]{{4,5}})[ ]+(?P<city>{CITY})(?:[ ]*[,\n][ ]*(?P<country>{CONTINENTAL_COUNTRIES})(?-u:\b))?"
    );
    super::address::address_regex(&pattern)
});

/// The street words of a country's addresses (lower case; `-` marks a word that ends the street's name).
const STREET_WORDS: &[(&str, &[&str])] = &[
    (
        "de",
        &[
            "-straße",
            "-strasse",
            "-str.",
            " straße",
            " strasse",
            " str.",
            "-gasse",
            " gasse",
            "-weg",
            " weg",
            "-allee",
            " allee",
            "-platz",
            " platz",
            "-ring",
            "-damm",
            "-ufer",
            "-chaussee",
            "-steig",
            "-markt",
        ],
    ),
    (
        "fr",
        &[
            "rue ",
            "avenue ",
            "boulevard ",
            "bd ",
            "place ",
            "chemin ",
            "allée ",
            "impasse ",
            "quai ",
            "cours ",
            "route ",
        ],
    ),
    ("es", &["calle ", "c/ ", "avenida ", "avda. ", "plaza ", "paseo ", "carrer ", "camino ", "ronda "]),
    ("it", &["via ", "viale ", "piazza ", "corso ", "largo ", "vicolo ", "piazzale "]),
    ("se", &["-gatan", " gatan", "-vägen", " vägen", "-väg", "-gränd", "-torget", "-stigen"]),
    ("no", &[" gate", "-gate", " gata", "-veien", " veien", " vei", "-vegen", " plass"]),
    ("dk", &["-gade", " gade", "-vej", " vej", " allé", "-stræde", " plads", "-torv"]),
    ("fi", &["-katu", "katu ", "-tie", "tie ", "-kuja", "-polku", "-väylä", "-kaari"]),
    (
        "nl",
        &[
            "-straat", "straat ", " straat", "-laan", "laan ", "-plein", "plein ", "-gracht", "gracht ", "-kade",
            "-dijk", "-singel", "-weg ",
        ],
    ),
];

/// Which countries a continental postal code of this shape can belong to.
fn countries_for_postal(postal: &str) -> &'static [&'static str] {
    let digits = postal.bytes().filter(u8::is_ascii_digit).count();
    if postal.bytes().any(|b| b.is_ascii_alphabetic()) {
        &["NL"]
    } else if postal.contains(' ') {
        &["SE"]
    } else if digits == 5 {
        &["DE", "FR", "ES", "IT", "FI"]
    } else {
        &["AT", "CH", "BE", "DK", "NO", "LU", "NL"]
    }
}

/// The language family a street is written in, from its street word.
fn street_language(street: &str) -> Option<&'static str> {
    let lower = format!(" {} ", street.to_lowercase());
    // `Hauptstraße 12` ends its word in "straße": look for the words both glued to the name and apart.
    let glued = lower.replace("straße", "-straße").replace("strasse", "-strasse");
    STREET_WORDS.iter().find_map(|(language, words)| {
        words
            .iter()
            .any(|w| {
                let bare = w.trim_start_matches('-');
                if w.starts_with('-') {
                    glued.contains(w)
                        || lower.split([' ', ',']).any(|part| part.len() > bare.len() && part.ends_with(bare))
                } else {
                    lower.contains(w)
                }
            })
            .then_some(*language)
    })
}

/// The country of a continental address, or `None` when the text does not tell it.
fn continental_country(caps: &Captures, page_region: &str) -> Option<&'static str> {
    let postal = caps.name("postal")?.as_str();
    let candidates = countries_for_postal(postal);
    if let Some(named) = caps.name("country").and_then(|c| iso_country(c.as_str())) {
        return Some(named);
    }
    if let Some(prefix) = caps.name("prefix") {
        return POSTAL_PREFIXES.iter().find(|(p, _)| *p == prefix.as_str()).map(|(_, c)| *c);
    }
    if candidates.len() == 1 {
        return Some(candidates[0]);
    }
    let fits = |code: &str| candidates.contains(&code);
    let page = candidates.iter().copied().find(|c| c.eq_ignore_ascii_case(page_region));
    let street = caps.name("street").map_or("", |s| s.as_str());
    let by_language = |choices: &[&'static str]| -> Option<&'static str> {
        // The page's country when it speaks the language, else the language's main country.
        choices.iter().copied().find(|c| Some(*c) == page).or_else(|| choices.iter().copied().find(|c| fits(c)))
    };
    match street_language(street) {
        Some("de") => by_language(&["DE", "AT", "CH", "LU"]),
        Some("fr") => by_language(&["FR", "BE", "CH", "LU"]),
        Some("es") => by_language(&["ES"]),
        Some("it") => by_language(&["IT", "CH"]),
        Some("se") => by_language(&["SE"]),
        Some("no") => by_language(&["NO"]),
        Some("dk") => by_language(&["DK"]),
        Some("fi") => by_language(&["FI"]),
        Some("nl") => by_language(&["NL", "BE"]),
        _ => page,
    }
}

fn part(caps: &Captures, name: &str) -> Option<String> {
    caps.name(name).map(|m| m.as_str().replace('\n', ", ").trim().to_string()).filter(|s| !s.is_empty())
}

/// A continental address from its match, when its country can be told.
pub(super) fn continental(caps: &Captures, page_region: &str) -> Option<Address> {
    let country = continental_country(caps, page_region)?;
    Some(Address {
        street: part(caps, "street"),
        city: part(caps, "city"),
        region: None,
        postal_code: part(caps, "postal"),
        country: Some(country.to_string()),
    })
}

pub(super) fn continental_regex() -> &'static Regex {
    &CONTINENTAL
}

const CA_PROVINCES: &str = "AB|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|Alberta|British Columbia|Manitoba|New Brunswick|\
    Newfoundland and Labrador|Nova Scotia|Ontario|Prince Edward Island|Quebec|Québec|Saskatchewan|Yukon";
const AU_STATES: &str = "NSW|VIC|Vic|QLD|Qld|WA|SA|TAS|Tas|ACT|NT|New South Wales|Victoria|Queensland|\
    Western Australia|South Australia|Tasmania";

static CANADA: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<street>{})[ ]*[,\n][ ]*(?P<city>[\p{{Lu}}][\p{{L}}.'-]*(?:[ -][\p{{Lu}}][\p{{L}}.'-]*){{0,3}})[ ]*,?[ ]*\(?(?P<region>{CA_PROVINCES})\)?[ ]+(?P<postal>[A-Z][0-9][A-Z][ ]?[0-9][A-Z][0-9])(?-u:\b)(?:[ ]*,?[ ]*(?P<country>Canada)(?-u:\b))?",
        super::address::street_pattern()
    );
    super::address::address_regex(&pattern)
});

static AUSTRALIA: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<street>{})[ ]*[,\n][ ]*(?P<city>[A-Z][A-Za-z.'-]*(?:[ ][A-Z][A-Za-z.'-]*){{0,3}})[ ]*,?[ ]*(?P<region>{AU_STATES})[ ]+(?P<postal>[0-9]{{4}})(?-u:\b)(?:[ ]*,?[ ]*(?P<country>Australia)(?-u:\b))?",
        super::address::street_pattern()
    );
    super::address::address_regex(&pattern)
});

static IRELAND: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!(
        r"(?-u:\b)(?P<street>{})[ ]*[,\n][ ]*(?:(?P<district>[A-Z][A-Za-z'-]+(?:[ ][A-Z][A-Za-z'-]+){{0,2}})[ ]*[,\n][ ]*)?(?P<city>Dublin[ ][0-9]{{1,2}}W?|[A-Z][A-Za-z'-]+(?:[ ][A-Z][A-Za-z'-]+){{0,2}})(?:[ ]*[,\n][ ]*(?P<county>Co\.?[ ][A-Z][a-z]+|County[ ][A-Z][a-z]+))?[ ]*[,\n]?[ ]*(?P<postal>[AC-FHKNPRTV-Y][0-9]{{2}}[ ]?[0-9AC-FHKNPRTV-Y]{{4}}|D6W[ ]?[0-9AC-FHKNPRTV-Y]{{4}})(?-u:\b)(?:[ ]*,?[ ]*(?P<country>Ireland|Éire|Eire)(?-u:\b))?",
        super::address::uk_street_pattern()
    );
    super::address::address_regex(&pattern)
});

pub(super) fn canada_regex() -> &'static Regex {
    &CANADA
}

pub(super) fn australia_regex() -> &'static Regex {
    &AUSTRALIA
}

pub(super) fn ireland_regex() -> &'static Regex {
    &IRELAND
}

fn with_country(caps: &Captures, country: &str) -> Address {
    Address {
        street: part(caps, "street"),
        city: part(caps, "city"),
        region: part(caps, "region").or_else(|| part(caps, "county")),
        postal_code: part(caps, "postal"),
        country: Some(country.to_string()),
    }
}

pub(super) fn canadian(caps: &Captures) -> Address {
    with_country(caps, "CA")
}

pub(super) fn australian(caps: &Captures) -> Address {
    with_country(caps, "AU")
}

pub(super) fn irish(caps: &Captures) -> Address {
    let mut address = with_country(caps, "IE");
    if let Some(district) = part(caps, "district") {
        address.street = address.street.map(|s| format!("{s}, {district}"));
    }
    address
}

/// Where addresses of these countries may end, found by one byte scan: continental postal codes followed
/// by a city (the window reaches past the code for the city), Canadian postal codes (`M5V 2T6`), Australian
/// state-and-postcode ends (`NSW 2000`) and Eircodes (`D02 X285`).
#[derive(Default)]
pub(super) struct IntlEnds {
    pub continental: Vec<usize>,
    pub canada: Vec<usize>,
    pub australia: Vec<usize>,
    pub ireland: Vec<usize>,
}

/// Whether `before` ends with an Australian state (as [`AU_STATES`] spells them), so that only
/// `NSW 2000`, not every year or house number after a word, anchors the Australian regex.
fn after_au_state(before: &str) -> bool {
    AU_STATES.split('|').any(|state| {
        before.ends_with(state)
            && before[..before.len() - state.len()].chars().next_back().is_none_or(|c| !c.is_alphanumeric())
    })
}

pub(super) fn intl_ends(text: &str) -> IntlEnds {
    let b = text.as_bytes();
    let mut ends = IntlEnds::default();
    let boundary_after = |at: usize| b.get(at).is_none_or(|c| !c.is_ascii_alphanumeric());
    let upper_at = |at: usize| b.get(at).is_some_and(|c| c.is_ascii_uppercase() || *c >= 0xc0);
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(u8::is_ascii_digit) {
        let start = i + p;
        let run = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        let end = start + run;
        let before = |k: usize| start.checked_sub(k).map(|at| b[at]);
        // Continental: 4 or 5 digits (or 3 + 2, or 4 + two capitals) after a comma, line break or prefix,
        // then a space and a capital.
        // Not a phone number's last group (`555-0100 Fax`, `(030) 1234 5678 Mail`): a prefix dash follows
        // a country letter (`D-10115`), and a code after a space does not follow another number.
        let after_separator = start == 0
            || match before(1) {
                Some(b'\n') => true,
                Some(b' ') => !before(2).is_some_and(|c| c.is_ascii_digit() || c == b')'),
                Some(b'-') => before(2).is_some_and(|c| c.is_ascii_uppercase()),
                _ => false,
            };
        if after_separator && (run == 4 || run == 5 || run == 3) {
            let mut code_end = end;
            if run == 3
                && b.get(end) == Some(&b' ')
                && b[end + 1..].iter().take_while(|c| c.is_ascii_digit()).count() == 2
            {
                code_end = end + 3;
            } else if run == 4 {
                let gap = usize::from(b.get(end) == Some(&b' '));
                let ascii_upper = |at: usize| b.get(at).is_some_and(u8::is_ascii_uppercase);
                if ascii_upper(end + gap) && ascii_upper(end + gap + 1) && boundary_after(end + gap + 2) {
                    code_end = end + gap + 2;
                }
            }
            if (run != 3 || code_end != end) && b.get(code_end) == Some(&b' ') && upper_at(code_end + 1) {
                ends.continental.push(code_end);
            }
        }
        // Canada: A1A 1A1, the digits at positions 1, 4 and 6.
        if run == 1 && start >= 1 && b[start - 1].is_ascii_uppercase() && b.get(end).is_some_and(u8::is_ascii_uppercase)
        {
            let gap = usize::from(b.get(end + 1) == Some(&b' '));
            let (d2, l3, d3) = (end + 1 + gap, end + 2 + gap, end + 3 + gap);
            if b.get(d2).is_some_and(u8::is_ascii_digit)
                && b.get(l3).is_some_and(u8::is_ascii_uppercase)
                && b.get(d3).is_some_and(u8::is_ascii_digit)
                && boundary_after(d3 + 1)
            {
                ends.canada.push(d3 + 1);
            }
        }
        // Australia: a state abbreviation, a space, four digits.
        if run == 4 && start >= 3 && b[start - 1] == b' ' && after_au_state(&text[..start - 1]) && boundary_after(end) {
            ends.australia.push(end);
        }
        // Ireland: a routing key (letter + two digits, or D6W) and four more characters.
        if run == 2 && start >= 1 && b[start - 1].is_ascii_uppercase() {
            let gap = usize::from(b.get(end) == Some(&b' '));
            let id = end + gap;
            if b.get(id..id + 4).is_some_and(|s| s.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
                && boundary_after(id + 4)
            {
                ends.ireland.push(id + 4);
            }
        }
        i = end;
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::super::address::parse_address_text_in;

    fn addr(street: &str, city: &str, region: Option<&str>, postal: &str, country: &str) -> leadsmith_core::Address {
        leadsmith_core::Address {
            street: Some(street.into()),
            city: Some(city.into()),
            region: region.map(Into::into),
            postal_code: Some(postal.into()),
            country: Some(country.into()),
        }
    }

    #[test]
    fn continental_addresses_and_their_countries() {
        for (text, region, want) in [
            ("Hauptstraße 12, 10115 Berlin", "US", addr("Hauptstraße 12", "Berlin", None, "10115", "DE")),
            ("Mariahilfer Straße 45\n1060 Wien", "AT", addr("Mariahilfer Straße 45", "Wien", None, "1060", "AT")),
            ("Bahnhofstrasse 10, 8001 Zürich, Schweiz", "US", addr("Bahnhofstrasse 10", "Zürich", None, "8001", "CH")),
            ("Musterweg 3, D-80331 München", "US", addr("Musterweg 3", "München", None, "80331", "DE")),
            (
                "Kaiserstr. 7, 60311 Frankfurt am Main",
                "DE",
                addr("Kaiserstr. 7", "Frankfurt am Main", None, "60311", "DE"),
            ),
            ("12 rue de la Paix, 75002 Paris", "US", addr("12 rue de la Paix", "Paris", None, "75002", "FR")),
            ("Rue Neuve 12, 1000 Bruxelles", "US", addr("Rue Neuve 12", "Bruxelles", None, "1000", "BE")),
            ("Damrak 1, 1012 LG Amsterdam", "US", addr("Damrak 1", "Amsterdam", None, "1012 LG", "NL")),
            ("Calle Mayor, 10, 28013 Madrid", "US", addr("Calle Mayor, 10", "Madrid", None, "28013", "ES")),
            ("Via Roma 10, 00184 Roma", "US", addr("Via Roma 10", "Roma", None, "00184", "IT")),
            ("Drottninggatan 5, 111 51 Stockholm", "US", addr("Drottninggatan 5", "Stockholm", None, "111 51", "SE")),
            ("Karl Johans gate 1, 0154 Oslo", "US", addr("Karl Johans gate 1", "Oslo", None, "0154", "NO")),
            ("Vesterbrogade 3, 1620 København V", "US", addr("Vesterbrogade 3", "København V", None, "1620", "DK")),
            ("Mannerheimintie 1, 00100 Helsinki", "US", addr("Mannerheimintie 1", "Helsinki", None, "00100", "FI")),
            ("Unter den Linden 77, 10117 Berlin", "DE", addr("Unter den Linden 77", "Berlin", None, "10117", "DE")),
        ] {
            assert_eq!(parse_address_text_in(text, region), Some(want), "{text:?}");
        }
    }

    #[test]
    fn canada_australia_ireland() {
        assert_eq!(
            parse_address_text_in("200 Bay Street, Toronto, ON M5J 2J2", "US"),
            Some(addr("200 Bay Street", "Toronto", Some("ON"), "M5J 2J2", "CA"))
        );
        assert_eq!(
            parse_address_text_in("1 George St, Sydney NSW 2000, Australia", "US"),
            Some(addr("1 George St", "Sydney", Some("NSW"), "2000", "AU"))
        );
        assert_eq!(
            parse_address_text_in("12 Grafton Street, Dublin 2, D02 X285", "US"),
            Some(addr("12 Grafton Street", "Dublin 2", None, "D02 X285", "IE"))
        );
    }

    #[test]
    fn numbers_and_words_that_are_not_addresses() {
        for (text, region) in [
            ("Chapter 3, 2019 Edition", "US"),
            ("Seit 1998, 2500 Kunden", "US"),
            ("Version 4, 1200 Downloads", "US"),
            ("We served 1,200 clients since 2004 Inc", "US"),
        ] {
            assert_eq!(parse_address_text_in(text, region), None, "{text:?}");
        }
    }
}
