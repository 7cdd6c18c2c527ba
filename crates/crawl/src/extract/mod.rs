//! HTML → [`PageFacts`] in one streaming pass: `scan` collects what the page says (meta, JSON-LD, microdata,
//! anchors, visible text); the extractors below read that into the `Evidence` ledger, which validates every
//! value and derives the summary fields.

mod address;
mod address_intl;
mod emails;
mod evidence;
mod jsonld;
mod legal;
mod links;
mod meta;
mod microdata;
mod owner;
mod phones;
mod region;
mod scan;
mod schema;
pub(crate) mod text;

use std::panic::{AssertUnwindSafe, catch_unwind};

use leadsmith_core::{Domain, FactSource, PageFacts};
use url::Url;

use self::evidence::Evidence;
use self::microdata::Item;
use self::scan::Anchor;

#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// ISO 3166 region used to read national-format phone numbers.
    pub default_region: String,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self { default_region: "US".to_string() }
    }
}

/// Extracts contact facts from one page. Never panics: malformed input yields fewer facts and, where
/// something was skipped, a line in `warnings`.
pub fn extract(html: &str, url: &Url, opts: &ExtractOptions) -> PageFacts {
    // The parsers below are written not to panic; this guard keeps one bad page from taking a crawl
    // worker down should a dependency ever do so.
    catch_unwind(AssertUnwindSafe(|| extract_page(html, url, opts))).unwrap_or_else(|_| PageFacts {
        url: url.to_string(),
        warnings: vec!["extraction aborted by an internal error; page skipped".to_string()],
        ..Default::default()
    })
}

fn extract_page(html: &str, url: &Url, opts: &ExtractOptions) -> PageFacts {
    let scanned = scan::scan(html);
    let site_domain = url.host_str().and_then(|h| Domain::from_host(h).ok()).map(|d| d.as_str().to_string());
    let mut page = PageFacts {
        url: url.to_string(),
        title: scanned.title.as_deref().and_then(leadsmith_core::clean_value),
        ..Default::default()
    };
    let mut warnings = scanned.warnings;

    let nodes = jsonld::parse_scripts(&scanned.jsonld, &mut warnings);
    let microdata_nodes: Vec<_> = scanned.microdata.iter().map(Item::to_schema_node).collect();
    // National numbers are read in the business's own country, not always the configured default.
    let (region, _) =
        region::site_region(url, scanned.lang.as_deref(), &[&nodes, &microdata_nodes], &opts.default_region);
    let mut ev = Evidence::new(url.as_str(), &region, site_domain);
    schema::interpret(&nodes, FactSource::Jsonld, &mut ev);
    page.jsonld = nodes;
    schema::interpret(&microdata_nodes, FactSource::Microdata, &mut ev);
    page.microdata = scanned.microdata.iter().map(Item::to_json).collect();

    meta::interpret(&scanned.metas, &mut page.opengraph, &mut ev);
    if let Some(name) = page.title.as_deref().and_then(|t| meta::name_from_title(t, url)) {
        ev.name(&name, FactSource::Meta, 0.5);
    }

    anchors(&scanned.anchors, url, &mut ev);

    let text = &scanned.text;
    let lower = text.to_ascii_lowercase();
    emails::plain(text, &mut ev);
    emails::obfuscated(text, &lower, &mut ev);
    emails::cloudflare(html, &mut ev);
    phones::in_text(text, &lower, &mut ev);
    address::in_text(text, &lower, &scanned.footers, &scanned.address_blocks, &mut ev);
    owner::in_text(text, &lower, &mut ev);
    if legal::is_notice(url, text) {
        page.legal = legal::read(url, text, &mut ev);
    }

    page.links = links::page_links(&scanned.anchors, url);
    ev.finish(&mut page);
    page.warnings = warnings;
    page
}

/// Hosts worth a closer look as social profiles; checked before any URL parsing.
const SOCIAL_HINTS: &[&str] =
    &["linkedin.", "facebook.", "fb.", "instagram.", "instagr.am", "twitter.", "x.com", "youtube."];

/// `mailto:` and `tel:` links, and links to social profiles.
fn anchors(anchors: &[Anchor], page: &Url, ev: &mut Evidence) {
    for anchor in anchors {
        let href = anchor.href.as_str();
        // A scheme ends at the first ':' before any '/', '?' or '#'.
        let scheme_end = href.find([':', '/', '?', '#']).filter(|&i| href.as_bytes()[i] == b':').unwrap_or(0);
        let scheme = href[..scheme_end].to_ascii_lowercase();
        match scheme.as_str() {
            "mailto" => {
                let list = text::percent_decode(&href[scheme_end + 1..]);
                let list = list.split('?').next().unwrap_or_default();
                for addr in list.split([',', ';']) {
                    ev.email(addr, FactSource::Mailto, 0.95, None);
                }
            }
            "tel" | "callto" => phones::tel_link(&href[scheme_end + 1..], &anchor.text, ev),
            // A relative link cannot point at another host.
            _ if scheme_end == 0 && !href.starts_with("//") => {}
            _ => {
                let lower = href.to_ascii_lowercase();
                if SOCIAL_HINTS.iter().any(|h| lower.contains(h))
                    && let Some(url) = links::resolve(href, page)
                {
                    ev.social_url(&url, FactSource::Text, 0.8);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_garbage_pages() {
        let url = Url::parse("https://acme.test/").unwrap();
        for html in ["", "\u{0}\u{feff}", "%PDF-1.4 binary\u{1}\u{2}", "<html", "<<<<>>>>&&&;;"] {
            let page = extract(html, &url, &ExtractOptions::default());
            assert_eq!(page.url, "https://acme.test/");
            assert!(page.emails.is_empty() && page.phones.is_empty() && page.owner.is_none());
        }
    }

    #[test]
    fn cloudflare_protected_emails_are_found() {
        let url = Url::parse("https://acme.test/contact").unwrap();
        // `office@acme.test`, XORed with 0x2a as Cloudflare's email protection writes it.
        let hex: String = std::iter::once(0x2a_u8)
            .chain("office@acme.test".bytes().map(|b| b ^ 0x2a))
            .map(|b| format!("{b:02x}"))
            .collect();
        let html = format!(r#"<p>Write to <a href="/cdn-cgi/l/email-protection#{hex}">[email&#160;protected]</a></p>"#);
        let page = extract(&html, &url, &ExtractOptions::default());
        assert_eq!(page.emails, ["office@acme.test"]);
    }

    #[test]
    fn national_numbers_are_read_in_the_sites_country() {
        let opts = ExtractOptions::default();
        let de = Url::parse("https://www.baeckerei-krueger.de/kontakt").unwrap();
        let page = extract("<p>Telefon: 030 12345678</p>", &de, &opts);
        assert_eq!(page.phones, ["+493012345678"]);
        let uk = Url::parse("https://plumbing.example/").unwrap();
        let page = extract(r#"<html lang="en-GB"><p>Call 020 7946 0958</p></html>"#, &uk, &opts);
        assert_eq!(page.phones, ["+442079460958"]);
        // The business's address wins over the domain: an Austrian shop on a .de domain.
        let html = r#"<script type="application/ld+json">{"@type": "Store", "address": {"addressCountry": "AT"}}</script>
                      <p>Tel: 0662 123456</p>"#;
        assert_eq!(extract(html, &de, &opts).phones, ["+43662123456"]);
        // A generic site in the default region is read as before.
        let us = Url::parse("https://acme.test/").unwrap();
        assert_eq!(extract("<p>(415) 555-2671</p>", &us, &opts).phones, ["+14155552671"]);
    }

    #[test]
    fn unknown_region_still_reads_international_numbers() {
        let url = Url::parse("https://acme.test/").unwrap();
        let html = "<p>Call (415) 555-2671 or +44 20 7946 0958</p>";
        let page = extract(html, &url, &ExtractOptions { default_region: "ZZ".into() });
        assert_eq!(page.phones, ["+442079460958"]);
        let page = extract(html, &url, &ExtractOptions::default());
        assert_eq!(page.phones, ["+14155552671", "+442079460958"]);
    }
}
