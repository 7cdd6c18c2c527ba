//! The country a page's national phone numbers are written in: the business's own address in structured
//! data, else the site's country-code domain, else the page's `lang` (its region subtag, or a language
//! spoken mainly in one country), else the configured default region.

use leadsmith_core::iso_country;
use serde_json::Value;
use url::Url;

/// Country-code domains used as generic names (`.io`, `.co`, `.ai`, `.me`, …): they say nothing of where
/// a business is.
const VANITY_TLDS: &[&str] = &[
    "ai", "app", "cc", "co", "fm", "gg", "io", "la", "ly", "me", "nu", "sh", "so", "st", "to", "tv", "vc", "ws", "eu",
];

/// Languages spoken mainly in one country, for a `lang` without a region subtag.
const LANGUAGE_COUNTRY: &[(&str, &str)] = &[
    ("cs", "CZ"),
    ("da", "DK"),
    ("de", "DE"),
    ("el", "GR"),
    ("fi", "FI"),
    ("fr", "FR"),
    ("hu", "HU"),
    ("it", "IT"),
    ("ja", "JP"),
    ("nb", "NO"),
    ("nl", "NL"),
    ("nn", "NO"),
    ("no", "NO"),
    ("pl", "PL"),
    ("sv", "SE"),
];

/// The ISO region to read this page's national-format phone numbers in, and what it was told from.
pub(crate) fn site_region(url: &Url, lang: Option<&str>, nodes: &[&[Value]], default: &str) -> (String, &'static str) {
    if let Some(code) = nodes.iter().flat_map(|n| n.iter()).find_map(address_country) {
        return (code.to_string(), "address");
    }
    if let Some(code) = url.host_str().and_then(cctld_country) {
        return (code.to_string(), "domain");
    }
    if let Some(code) = lang.and_then(lang_country) {
        return (code.to_string(), "lang");
    }
    (default.to_string(), "default")
}

/// The first `addressCountry` under `node` that names a country.
fn address_country(node: &Value) -> Option<&'static str> {
    match node {
        Value::Object(map) => map
            .get("addressCountry")
            .and_then(|c| match c {
                Value::String(s) => iso_country(s),
                Value::Object(o) => o.get("name").and_then(Value::as_str).and_then(iso_country),
                _ => None,
            })
            .or_else(|| map.values().find_map(address_country)),
        Value::Array(items) => items.iter().find_map(address_country),
        _ => None,
    }
}

/// `acme.de` → DE, `acme.co.uk` → GB; generic and vanity domains → `None`.
fn cctld_country(host: &str) -> Option<&'static str> {
    let tld = host.trim_end_matches('.').rsplit('.').next()?.to_ascii_lowercase();
    if tld.len() != 2 || VANITY_TLDS.contains(&tld.as_str()) {
        return None;
    }
    iso_country(&tld)
}

/// `de-AT` → AT, `en_GB` → GB, `de` → DE; `en`, `es`, `pt` (spoken in many countries) → `None`.
fn lang_country(lang: &str) -> Option<&'static str> {
    let mut parts = lang.split(['-', '_']);
    let language = parts.next()?.to_ascii_lowercase();
    if let Some(region) = parts.find(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_alphabetic())) {
        return iso_country(region);
    }
    LANGUAGE_COUNTRY.iter().find(|(l, _)| *l == language).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn region(url: &str, lang: Option<&str>, nodes: &[Value]) -> (String, &'static str) {
        site_region(&Url::parse(url).unwrap(), lang, &[nodes], "US")
    }

    #[test]
    fn address_then_domain_then_lang_then_default() {
        let node =
            json!({"@type": "LocalBusiness", "address": {"@type": "PostalAddress", "addressCountry": "Deutschland"}});
        assert_eq!(region("https://acme.com/", Some("en"), &[node]), ("DE".into(), "address"));
        let node = json!({"address": {"addressCountry": {"@type": "Country", "name": "AT"}}});
        assert_eq!(region("https://acme.de/", None, &[node]), ("AT".into(), "address"));
        assert_eq!(region("https://www.baeckerei.de/", Some("en"), &[]), ("DE".into(), "domain"));
        assert_eq!(region("https://plumbing.co.uk/", None, &[]), ("GB".into(), "domain"));
        assert_eq!(region("https://bistro.fr/kontakt", None, &[]), ("FR".into(), "domain"));
        assert_eq!(region("https://acme.io/", Some("de-CH"), &[]), ("CH".into(), "lang"));
        assert_eq!(region("https://acme.com/", Some("sv"), &[]), ("SE".into(), "lang"));
        assert_eq!(region("https://acme.com/", Some("en"), &[]), ("US".into(), "default"));
        assert_eq!(region("https://acme.test/", Some("es"), &[]), ("US".into(), "default"));
        let node = json!({"address": {"addressCountry": "Atlantis"}});
        assert_eq!(region("https://acme.com.au/", None, &[node]), ("AU".into(), "domain"));
    }
}
