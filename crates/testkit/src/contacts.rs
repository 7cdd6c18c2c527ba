//! Contact details as sites write them: phone numbers in national and international formats (each checked
//! with `Phone::parse`, so the ground truth is exactly what core produces), street addresses per country,
//! and the digit strings that look like phones but are not (dates, prices, licence and order numbers).

use std::collections::HashSet;

use leadsmith_core::{Address, Phone};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::names::{AU_STREETS, City, Country, DE_STREETS, FR_STREETS, GB_STREETS, US_STREETS};

/// One phone number and the ways a site writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhoneNumber {
    /// E.164, exactly as `Phone::parse(display, "US")` gives it.
    pub e164: String,
    /// As printed on the page: `(415) 555-0142`, `+44 20 7946 0123`.
    pub display: String,
    /// The `href` of a tel link: `tel:+14155550142`, `tel:415-555-0142`.
    pub tel_href: String,
    /// As JSON-LD `telephone` writes it: `+1-415-555-0142`.
    pub jsonld: String,
    /// Other spellings a CRM export might use for the same number.
    pub alternates: Vec<String>,
}

#[cfg(test)]
fn parses_to(raw: &str, e164: &str) -> bool {
    Phone::parse(raw, "US").is_ok_and(|p| p.as_str() == e164)
}

fn random_digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.gen_range(0..10u8))).collect()
}

/// Groups `digits` from the left in sizes `sizes` (the last group takes the rest), joined by `sep`.
fn group(digits: &str, sizes: &[usize], sep: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = digits;
    for &size in sizes {
        if rest.len() <= size {
            break;
        }
        parts.push(&rest[..size]);
        rest = &rest[size..];
    }
    parts.push(rest);
    parts.join(sep)
}

/// A fresh, valid, not yet used number in `city`. US numbers use real area codes and ordinary exchanges
/// (never 555, never N11) because libphonenumber validates exchanges.
pub(crate) fn phone_number(rng: &mut ChaCha8Rng, city: &City, used: &mut HashSet<String>) -> PhoneNumber {
    for _ in 0..10_000 {
        let area = *city.area_codes.choose(rng).unwrap_or(&"212");
        let cc = city.country.dial_code();
        let candidate = if city.country == Country::Us {
            let exchange = rng.gen_range(200..1000u32);
            if exchange % 100 == 11 || [555, 950, 958, 959, 976].contains(&exchange) {
                continue;
            }
            let line = format!("{:04}", rng.gen_range(0..10_000u32));
            us_number(rng, area, &exchange.to_string(), &line)
        } else {
            let mut subscriber = random_digits(rng, city.subscriber_len);
            if area == "20" {
                // Ofcom's drama range keeps London numbers fictional yet valid.
                subscriber = format!("79460{}", random_digits(rng, 3));
            }
            if subscriber.starts_with('0') || subscriber.starts_with('1') {
                continue;
            }
            intl_number(city.country, cc, area, &subscriber)
        };
        let Some(number) = candidate else { continue };
        if used.insert(number.e164.clone()) {
            return number;
        }
    }
    panic!("could not generate a valid phone number for {}", city.name);
}

fn us_number(rng: &mut ChaCha8Rng, area: &str, exchange: &str, line: &str) -> Option<PhoneNumber> {
    let e164 = Phone::parse(&format!("+1{area}{exchange}{line}"), "US").ok()?.as_str().to_string();
    let formats = [
        format!("({area}) {exchange}-{line}"),
        format!("{area}-{exchange}-{line}"),
        format!("{area}.{exchange}.{line}"),
        format!("+1 {area} {exchange} {line}"),
        format!("1-{area}-{exchange}-{line}"),
        format!("({area}) {exchange} {line}"),
        format!("+1 ({area}) {exchange}-{line}"),
    ];
    let weights = [40, 20, 12, 10, 8, 5, 5];
    let display = weighted(rng, &formats, &weights).clone();
    let tel_href = [
        format!("tel:+1{area}{exchange}{line}"),
        format!("tel:{area}-{exchange}-{line}"),
        format!("tel:{area}{exchange}{line}"),
        format!("tel:+1-{area}-{exchange}-{line}"),
    ]
    .choose(rng)
    .cloned()
    .unwrap_or_default();
    let jsonld = format!("+1-{area}-{exchange}-{line}");
    Some(PhoneNumber { e164, display, tel_href, jsonld, alternates: formats.to_vec() })
}

fn intl_number(country: Country, cc: &str, area: &str, subscriber: &str) -> Option<PhoneNumber> {
    let national = format!("{area}{subscriber}");
    let e164 = Phone::parse(&format!("+{cc}{national}"), "US").ok()?.as_str().to_string();
    let spaced = match country {
        Country::Fr => group(&national, &[1, 2, 2, 2, 2], " "),
        Country::De => format!("{area} {}", group(subscriber, &[4], " ")),
        _ => format!("{area} {}", group(subscriber, &[subscriber.len() / 2], " ")),
    };
    let display = format!("+{cc} {spaced}");
    let compact = format!("+{cc}{national}");
    Some(PhoneNumber {
        e164,
        display: display.clone(),
        tel_href: format!("tel:{compact}"),
        jsonld: display.clone(),
        alternates: vec![display, compact, format!("+{cc}-{}", spaced.replace(' ', "-"))],
    })
}

/// Whether every spelling of `number` parses to its E.164 form. Generation checks only the canonical
/// spelling (parsing is slow in debug builds); tests check all of them for thousands of numbers.
#[cfg(test)]
fn all_parse(number: &PhoneNumber) -> bool {
    [&number.display, &number.tel_href, &number.jsonld].into_iter().all(|raw| parses_to(raw, &number.e164))
        && number.alternates.iter().all(|raw| parses_to(raw, &number.e164))
}

pub(crate) fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T], weights: &[u32]) -> &'a T {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.gen_range(0..total);
    for (item, &w) in items.iter().zip(weights) {
        if roll < w {
            return item;
        }
        roll -= w;
    }
    &items[items.len() - 1]
}

/// Digit strings a naive phone regex would grab. None is a valid number for `Phone::parse` by construction
/// (too few digits for a US number, or 11 digits without the leading 1); a test checks thousands of them.
pub(crate) fn phone_decoys(rng: &mut ChaCha8Rng, city: &City, founded: u16) -> Vec<String> {
    let candidates = [
        format!("Serving {} since {:02}/{:02}/{founded}", city.name, rng.gen_range(1..13), rng.gen_range(1..29)),
        format!("Packages from ${},{:03}.00", rng.gen_range(1..10), rng.gen_range(0..1000)),
        format!("License #{}-{}", ["CA", "TX", "IL", "NY", "WA"].choose(rng).unwrap_or(&"CA"), random_digits(rng, 7)),
        format!("Order ref. {}-{}-{}", 2020 + rng.gen_range(0..6), random_digits(rng, 4), random_digits(rng, 3)),
        format!("Last updated {}-{:02}-{:02}", 2020 + rng.gen_range(0..6), rng.gen_range(1..13), rng.gen_range(1..29)),
        format!("Invoice No. INV-{}", random_digits(rng, 6)),
        format!("Over {},{:03} happy customers", rng.gen_range(2..40), rng.gen_range(0..1000)),
    ];
    candidates.into_iter().filter(|_| rng.gen_bool(0.6)).collect()
}

/// A street address in `city`, with the two display lines its country uses.
pub(crate) fn street_address(rng: &mut ChaCha8Rng, city: &City) -> (Address, String, String) {
    let postal = city.postal_codes.choose(rng).copied().unwrap_or_default().to_string();
    let number = rng.gen_range(1..2400);
    let (street, line2) = match city.country {
        Country::Us => {
            let name = US_STREETS.choose(rng).copied().unwrap_or("Main St");
            let suite = if rng.gen_bool(0.2) { format!(" Suite {}", rng.gen_range(1..6) * 100) } else { String::new() };
            let region = city.region.unwrap_or_default();
            (format!("{number} {name}{suite}"), format!("{}, {region} {postal}", city.name))
        }
        Country::Gb => {
            let name = GB_STREETS.choose(rng).copied().unwrap_or("High Street");
            (format!("{} {name}", number % 200), format!("{} {postal}", city.name))
        }
        Country::De => {
            let name = DE_STREETS.choose(rng).copied().unwrap_or("Hauptstraße");
            (format!("{name} {}", number % 150 + 1), format!("{postal} {}", city.name))
        }
        Country::Fr => {
            let name = FR_STREETS.choose(rng).copied().unwrap_or("Rue de Rivoli");
            (format!("{} {name}", number % 120 + 1), format!("{postal} {}", city.name))
        }
        Country::Au => {
            let name = AU_STREETS.choose(rng).copied().unwrap_or("George St");
            let region = city.region.unwrap_or_default();
            (format!("{} {name}", number % 400 + 1), format!("{} {region} {postal}", city.name))
        }
    };
    let address = Address {
        street: Some(street.clone()),
        city: Some(city.name.to_string()),
        region: city.region.map(str::to_string),
        postal_code: Some(postal),
        country: Some(city.country.code().to_string()),
    };
    (address, street, line2)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::names::{INTL_CITIES, US_CITIES};

    #[test]
    fn every_city_yields_valid_numbers_in_every_format() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut used = HashSet::new();
        for city in US_CITIES.iter().chain(INTL_CITIES) {
            for _ in 0..40 {
                let n = phone_number(&mut rng, city, &mut used);
                assert!(n.e164.starts_with(&format!("+{}", city.country.dial_code())), "{n:?}");
                assert!(all_parse(&n), "{n:?}");
            }
        }
    }

    #[test]
    fn decoys_are_not_phones() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            for d in phone_decoys(&mut rng, &US_CITIES[0], 1998) {
                let digits: String = d.chars().filter(char::is_ascii_digit).collect();
                assert!(Phone::parse(&d, "US").is_err(), "{d}");
                assert!(Phone::parse(&digits, "US").is_err(), "{d}");
            }
        }
    }
}
