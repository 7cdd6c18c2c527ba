//! `<meta>` tags and the `<title>`: description, site name, OpenGraph/Twitter card values, Facebook's
//! `business:contact_data:*` address, and a business name cleaned out of the title as a last resort.

use std::collections::BTreeMap;

use leadsmith_core::{Address, FactSource, is_placeholder};
use url::Url;

use super::evidence::Evidence;

/// Fills `opengraph` with `og:*`/`twitter:*` values (first occurrence wins) and records meta evidence.
pub(crate) fn interpret(metas: &[(String, String)], opengraph: &mut BTreeMap<String, String>, ev: &mut Evidence) {
    let mut business = Address::default();
    for (key, content) in metas {
        let content = content.trim();
        if is_placeholder(content) {
            continue;
        }
        if key.starts_with("og:") || key.starts_with("twitter:") {
            opengraph.entry(key.clone()).or_insert_with(|| content.to_string());
        }
        match key.as_str() {
            "description" => ev.description(content, FactSource::Meta, 0.85),
            "og:description" => ev.description(content, FactSource::Opengraph, 0.8),
            "twitter:description" => ev.description(content, FactSource::Meta, 0.7),
            "og:site_name" => ev.name(content, FactSource::Opengraph, 0.85),
            "application-name" | "apple-mobile-web-app-title" => ev.name(content, FactSource::Meta, 0.6),
            "og:email" | "business:contact_data:email" => {
                ev.email(content, FactSource::Opengraph, 0.85, None);
            }
            "og:phone_number" | "business:contact_data:phone_number" => {
                ev.phone(content, FactSource::Opengraph, 0.85, false);
            }
            "business:contact_data:fax_number" => {
                ev.phone(content, FactSource::Opengraph, 0.4, true);
            }
            "twitter:site" => {
                let handle = content.trim_start_matches('@');
                if !handle.is_empty() && handle.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    ev.social(&format!("https://x.com/{handle}"), FactSource::Meta, 0.7);
                }
            }
            "business:contact_data:street_address" => business.street = Some(content.to_string()),
            "business:contact_data:locality" => business.city = Some(content.to_string()),
            "business:contact_data:region" => business.region = Some(content.to_string()),
            "business:contact_data:postal_code" => business.postal_code = Some(content.to_string()),
            "business:contact_data:country_name" => business.country = Some(content.to_string()),
            _ => {}
        }
    }
    ev.address(business, FactSource::Opengraph, 0.85);
}

/// Title segments that never name a business.
const GENERIC_SEGMENTS: &[&str] = &[
    "home",
    "homepage",
    "home page",
    "welcome",
    "official site",
    "official website",
    "contact",
    "contact us",
    "about",
    "about us",
    "index",
    "untitled",
    "main",
    "start",
];

/// The business name hidden in a page title: `Home | Bright Smile Dental` → `Bright Smile Dental`. With
/// several candidate segments, the one matching the host name wins, else the shortest.
pub(crate) fn name_from_title(title: &str, url: &Url) -> Option<String> {
    let mut segments: Vec<&str> = vec![title];
    for sep in [" | ", " - ", " – ", " — ", " :: ", " · ", " • ", ": ", " » ", " / "] {
        segments = segments.iter().flat_map(|s| s.split(sep)).collect();
    }
    let candidates: Vec<&str> = segments
        .into_iter()
        .map(|s| {
            let s = s.trim();
            s.strip_prefix("Welcome to ").or_else(|| s.strip_prefix("Welcome To ")).unwrap_or(s).trim()
        })
        .filter(|s| !s.is_empty() && s.chars().count() <= 80)
        .filter(|s| !GENERIC_SEGMENTS.contains(&s.to_lowercase().as_str()))
        .collect();
    let compact = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    let host_label = url
        .host_str()
        .map(|h| h.trim_start_matches("www.").split('.').next().unwrap_or(h))
        .map(compact)
        .unwrap_or_default();
    let matches_host = |s: &&str| {
        let c = compact(s);
        c.len() >= 4 && host_label.len() >= 4 && (host_label.contains(&c) || c.contains(&host_label))
    };
    candidates
        .iter()
        .find(|s| matches_host(s))
        .or_else(|| candidates.iter().min_by_key(|s| s.len()))
        .map(|s| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::PageFacts;

    #[test]
    fn names_from_titles() {
        let url = Url::parse("https://www.brightsmiledental.test/").unwrap();
        for (title, want) in [
            ("Home | Bright Smile Dental", Some("Bright Smile Dental")),
            ("Family Dentist in Springfield, IL - Bright Smile Dental", Some("Bright Smile Dental")),
            ("Welcome to Bright Smile Dental", Some("Bright Smile Dental")),
            ("Home", None),
        ] {
            assert_eq!(name_from_title(title, &url).as_deref(), want, "{title:?}");
        }
        let other = Url::parse("https://acme.test/").unwrap();
        assert_eq!(
            name_from_title("Acme Plumbing – Emergency Plumbers in Austin", &other).as_deref(),
            Some("Acme Plumbing")
        );
        assert_eq!(
            name_from_title("Joe's Pizza — Best Slices in Town", &Url::parse("https://jp.test/").unwrap()).as_deref(),
            Some("Joe's Pizza")
        );
    }

    #[test]
    fn metas_become_evidence_and_opengraph() {
        let metas: Vec<(String, String)> = [
            ("description", "We fix teeth."),
            ("og:site_name", "Bright Smile"),
            ("og:title", "Home"),
            ("og:title", "Second"),
            ("twitter:site", "@brightsmile"),
            ("business:contact_data:street_address", "12 Main St"),
            ("business:contact_data:locality", "Springfield"),
            ("keywords", "n/a"),
            ("og:type", "unknown"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut og = BTreeMap::new();
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        interpret(&metas, &mut og, &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        assert_eq!(og["og:title"], "Home");
        assert!(!og.contains_key("og:type"));
        assert_eq!(og["twitter:site"], "@brightsmile");
        assert_eq!(page.name.as_deref(), Some("Bright Smile"));
        assert_eq!(page.description.as_deref(), Some("We fix teeth."));
        assert_eq!(page.socials["x"], "https://x.com/brightsmile");
        assert_eq!(page.address.unwrap().city.as_deref(), Some("Springfield"));
    }
}
