//! Countries as people write them (`Germany`, `U.S.A.`, `UK`, `Deutschland`, `DEU`) to ISO 3166-1 alpha-2
//! codes (`DE`, `US`, `GB`), so every lead's country reads the same whether it came from a spreadsheet or
//! a crawled page. The names, aliases and codes are `celes`'s table; a few local-language and colloquial
//! names it lacks are added here.

use std::str::FromStr;

/// Names `celes` does not know, keyed like its table: lower case, letters only.
const EXTRA: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northernireland", "GB"),
    ("america", "US"),
    ("deutschland", "DE"),
    ("españa", "ES"),
    ("italia", "IT"),
    ("nederland", "NL"),
    ("holland", "NL"),
    ("belgique", "BE"),
    ("belgië", "BE"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("österreich", "AT"),
    ("brasil", "BR"),
    ("méxico", "MX"),
    ("sverige", "SE"),
    ("norge", "NO"),
    ("danmark", "DK"),
    ("suomi", "FI"),
    ("polska", "PL"),
    ("éire", "IE"),
];

/// The ISO 3166-1 alpha-2 code of `name` (a code, alpha-3 code, English name or common alias, any case,
/// spaces and dots ignored), or `None` when it names no country. Numeric codes are not accepted: a bare
/// number in a country column is a data error, not Afghanistan (`004`).
pub fn iso_country(name: &str) -> Option<&'static str> {
    let key: String = name.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect();
    if key.is_empty() || name.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let lookup = |k: &str| {
        EXTRA
            .iter()
            .find(|(alias, _)| *alias == k)
            .map(|(_, code)| *code)
            .or_else(|| celes::Country::from_str(k).ok().map(|c| c.alpha2))
    };
    lookup(&key).or_else(|| key.strip_prefix("the").and_then(lookup))
}

/// `value` as its ISO code when it names a country, else unchanged (kept for the user to see and fix).
pub fn normalise_country(value: String) -> String {
    iso_country(&value).map_or(value, str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_aliases_become_alpha2() {
        for (written, code) in [
            ("Germany", "DE"),
            ("DEU", "DE"),
            ("de", "DE"),
            ("Deutschland", "DE"),
            ("United States", "US"),
            ("U.S.A.", "US"),
            ("usa", "US"),
            ("UK", "GB"),
            ("United Kingdom", "GB"),
            ("England", "GB"),
            ("The Netherlands", "NL"),
            ("France", "FR"),
            ("japan", "JP"),
            ("España", "ES"),
        ] {
            assert_eq!(iso_country(written), Some(code), "{written}");
        }
    }

    #[test]
    fn what_names_no_country_is_kept() {
        assert_eq!(iso_country("004"), None);
        assert_eq!(iso_country(""), None);
        assert_eq!(iso_country("Narnia"), None);
        assert_eq!(normalise_country("Narnia".into()), "Narnia");
        assert_eq!(normalise_country("Canada".into()), "CA");
    }
}
