//! Legal notices: the German and Austrian *Impressum* (and the Swiss one) that every business site must
//! have, read as the legal-notice source they are: the company's legal name with its form, the commercial
//! register entry and court, the VAT id and the managing directors or owner. A page is a legal notice when
//! its address or its heading says so (`/impressum`, `/imprint`, "Impressum", "Angaben gemäß § 5 TMG/DDG",
//! "Offenlegung gemäß § 25 MedienG").

use std::sync::LazyLock;

use leadsmith_core::{FactSource, LegalNotice};
use regex::Regex;
use url::Url;

use super::evidence::Evidence;

/// Path words of a legal-notice page.
const NOTICE_PATHS: &[&str] =
    &["impressum", "imprint", "legal-notice", "legalnotice", "mentions-legales", "offenlegung"];

/// Headings and formulas that open a legal notice.
static NOTICE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*(?:impressum|imprint|legal notice)\s*$|angaben gem(?:ä|ae)(?:ß|ss) § ?5|offenlegung gem(?:ä|ae)(?:ß|ss)|informationspflicht laut § ?5")
        .expect("valid regex")
});

/// Words every match of [`NOTICE_TEXT`] contains: a plain alternation of literals is searched with a
/// vectorised literal finder, so the full regex (line anchors, Unicode spaces) only runs on pages with one.
static NOTICE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)impressum|imprint|legal notice|angaben gem|offenlegung gem|informationspflicht laut")
        .expect("valid regex")
});

/// Legal forms a company name ends in (German, Austrian, Swiss).
const LEGAL_FORMS: &str = r"GmbH & Co\. KG|GmbH & Co\. OG|GmbH & Co KG|gGmbH|GmbH|mbH|AG & Co\. KG|AG|UG \(haftungsbeschränkt\)|UG|KGaA|KG|OHG|OG|e\. ?K\.|e\. ?U\.|GbR|PartG mbB|PartG|eG|e\. ?V\.|SE|Sàrl|SA";

static COMPANY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?m)^[ ]*(?P<name>\p{{Lu}}[\p{{L}}0-9&.,'’+ -]{{0,80}}?[ ](?:{LEGAL_FORMS}))[ ]*(?:$|,)"))
        .expect("valid regex")
});

static REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<number>HR[AB][ ]?[0-9]{1,6}(?:[ ]?[A-Z]{1,2}\b)?|FN[ ]?[0-9]{1,6}[ ]?[a-z]\b|CHE-?[0-9]{3}\.[0-9]{3}\.[0-9]{3})")
        .expect("valid regex")
});

static COURT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?P<court>(?:Amtsgericht|Handelsgericht|Landesgericht|Landesgericht für ZRS)[ ][\p{Lu}][\p{L}.-]+(?:[ ](?:am|an der|im|in der)?[ ]?[\p{Lu}][\p{L}.-]+)?)")
        .expect("valid regex")
});

static VAT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:USt\.?-?Id(?:ent)?\.?(?:-?Nr\.?)?|Umsatzsteuer-?(?:Identifikationsnummer|ID(?:-?Nr\.?)?)|UID(?:-Nr\.?| Nummer)?|MWST-?Nr\.?|VAT(?: ID| No\.?| number)?)[^\n]{0,48}?(?-i:(?P<vat>DE[ ]?[0-9]{3}[ ]?[0-9]{3}[ ]?[0-9]{3}|ATU[ ]?[0-9]{8}|CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3}))")
        .expect("valid regex")
});

static REPRESENTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)(?:vertretungsberechtigte[rn]? geschäftsführer(?:in)?|geschäftsführer(?:in|innen)?|geschäftsführung|vertreten durch(?: den geschäftsführer| die geschäftsführer(?:in)?)?|inhaber(?:in)?|managing directors?)[ ]*:?[ ]*(?P<names>[^\n]{3,160})")
        .expect("valid regex")
});

/// Whether the page at `url` with this visible `text` is a legal notice.
pub(crate) fn is_notice(url: &Url, text: &str) -> bool {
    let path = url.path().to_ascii_lowercase();
    NOTICE_PATHS.iter().any(|p| path.contains(p)) || (NOTICE_WORDS.is_match(text) && NOTICE_TEXT.is_match(text))
}

/// Reads a legal notice's text (only called for pages that are one); the company's name and
/// representatives also go into the evidence ledger, as strong evidence.
pub(crate) fn read(url: &Url, text: &str, ev: &mut Evidence) -> Option<LegalNotice> {
    let company = COMPANY.captures(text).map(|c| squish(&c["name"]));
    let register_number = REGISTER.captures(text).map(|c| squish(&c["number"]));
    let register_court = COURT.captures(text).map(|c| squish(&c["court"]));
    let vat_id = VAT.captures(text).map(|c| c["vat"].chars().filter(|c| !c.is_whitespace()).collect());
    let representatives: Vec<String> = REPRESENTED.captures(text).map(|c| names(&c["names"])).unwrap_or_default();
    let notice =
        LegalNotice { url: url.to_string(), company, register_number, register_court, vat_id, representatives };
    if notice.completeness() == 0 {
        return None;
    }
    if let Some(name) = &notice.company {
        ev.name(name, FactSource::Text, 0.9);
    }
    for person in &notice.representatives {
        ev.owner(person, Some("Geschäftsführer"), FactSource::Text, 0.85);
    }
    Some(notice)
}

/// The people a "Geschäftsführer: …" line names: split at commas, "und", "&" and "/", cut at the next field.
fn names(line: &str) -> Vec<String> {
    let line = line.split(['|', ';', '·']).next().unwrap_or_default();
    // Another field on the same line ends the names: "Geschäftsführer: Max Muster Registergericht: …".
    let line = ["Registergericht", "Handelsregister", "Amtsgericht", "USt", "Sitz", "Tel", "E-Mail", "HRB", "FN "]
        .iter()
        .filter_map(|w| line.find(w))
        .min()
        .map_or(line, |i| &line[..i]);
    line.split([',', '&', '/'])
        .flat_map(|p| p.split(" und "))
        .map(|p| squish(p.trim_matches(|c: char| c == '.' || c.is_whitespace())))
        .filter(|p| {
            let words: Vec<&str> = p.split(' ').collect();
            (2..=4).contains(&words.len()) && words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase))
        })
        .collect()
}

fn squish(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::PageFacts;

    const IMPRESSUM: &str = "Impressum\nAngaben gemäß § 5 DDG\nKrüger Backwaren GmbH\nHauptstraße 12\n10115 Berlin\n\
        Vertreten durch die Geschäftsführer: Lena Krüger und Jörg Weiß\nHandelsregister: HRB 123456 B\n\
        Registergericht: Amtsgericht Charlottenburg\nUmsatzsteuer-Identifikationsnummer gemäß § 27 a UStG: DE 123 456 789";

    fn notice(url: &str, text: &str) -> (Option<LegalNotice>, PageFacts) {
        let url = Url::parse(url).unwrap();
        let mut ev = Evidence::new(url.as_str(), "DE", Some("krueger.de".into()));
        let notice = is_notice(&url, text).then(|| read(&url, text, &mut ev)).flatten();
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        (notice, page)
    }

    #[test]
    fn a_german_impressum_is_read() {
        let (n, page) = notice("https://www.krueger.de/impressum", IMPRESSUM);
        let n = n.unwrap();
        assert_eq!(n.company.as_deref(), Some("Krüger Backwaren GmbH"));
        assert_eq!(n.register_number.as_deref(), Some("HRB 123456 B"));
        assert_eq!(n.register_court.as_deref(), Some("Amtsgericht Charlottenburg"));
        assert_eq!(n.vat_id.as_deref(), Some("DE123456789"));
        assert_eq!(n.representatives, ["Lena Krüger", "Jörg Weiß"]);
        assert_eq!(page.name.as_deref(), Some("Krüger Backwaren GmbH"));
        assert!(page.owner.is_some_and(|o| o.name == "Lena Krüger" || o.name == "Jörg Weiß"));
    }

    #[test]
    fn an_austrian_offenlegung_is_read() {
        let text = "Offenlegung gemäß § 25 MedienG\nGasthaus Becker OG\nGeschäftsführer: Lena Becker\n\
            Firmenbuchnummer: FN 123456a, Firmenbuchgericht: Landesgericht Salzburg\nUID-Nr.: ATU12345678";
        let (n, _) = notice("https://gasthaus-becker.at/ueber-uns", text);
        let n = n.unwrap();
        assert_eq!(n.company.as_deref(), Some("Gasthaus Becker OG"));
        assert_eq!(n.register_number.as_deref(), Some("FN 123456a"));
        assert_eq!(n.register_court.as_deref(), Some("Landesgericht Salzburg"));
        assert_eq!(n.vat_id.as_deref(), Some("ATU12345678"));
        assert_eq!(n.representatives, ["Lena Becker"]);
    }

    #[test]
    fn other_pages_are_not_notices() {
        let url = Url::parse("https://www.krueger.de/produkte").unwrap();
        assert!(!is_notice(&url, "Unsere Brote: Krüger Backwaren GmbH backt seit 1973."));
        assert!(is_notice(&Url::parse("https://x.de/imprint").unwrap(), ""));
        let (n, _) = notice("https://x.de/impressum", "Impressum\nHier entsteht eine neue Seite.");
        assert_eq!(n, None);
    }
}
