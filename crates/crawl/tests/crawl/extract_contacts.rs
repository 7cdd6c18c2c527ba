//! Emails and phone numbers from realistic pages: mailto/tel links, plain text, obfuscations, lookalikes,
//! international numbers, and digit strings that are not phone numbers.

use leadsmith_core::{Fact, FactKind, FactSource, PageFacts};
use leadsmith_crawl::{ExtractOptions, extract};
use url::Url;

use crate::extract_support::{fixture, page_at};

fn page(html: &str) -> PageFacts {
    page_at(html, "https://www.acme.test/")
}

fn facts(page: &PageFacts, kind: FactKind) -> Vec<&Fact> {
    page.facts.iter().filter(|f| f.kind == kind).collect()
}

fn has_fact(page: &PageFacts, kind: FactKind, value: &str, source: FactSource) -> bool {
    page.facts.iter().any(|f| f.kind == kind && f.value == value && f.source == source)
}

#[test]
fn dental_home_emails_and_phones() {
    let page = page_at(&fixture("dental_home.html"), "https://www.brightsmile.test/");
    assert_eq!(page.emails, ["hello@brightsmile.test"]);
    assert!(has_fact(&page, FactKind::Email, "hello@brightsmile.test", FactSource::Jsonld));
    assert!(has_fact(&page, FactKind::Email, "hello@brightsmile.test", FactSource::Mailto));
    assert!(has_fact(&page, FactKind::Email, "hello@brightsmile.test", FactSource::Text));
    // Scripts, styles and SVG are not page text; file names and DSNs are not emails.
    for f in facts(&page, FactKind::Email) {
        assert!(!f.value.contains("sentry") && !f.value.contains("webmaster") && !f.value.contains("2x"), "{f:?}");
        assert!(!f.value.contains("agency") && !f.value.contains("icons"), "{f:?}");
    }

    assert_eq!(page.phones, ["+12175550100"]);
    assert!(has_fact(&page, FactKind::Phone, "+12175550100", FactSource::Tel));
    assert!(has_fact(&page, FactKind::Phone, "+12175550100", FactSource::Jsonld));
    let fax =
        facts(&page, FactKind::Phone).into_iter().find(|f| f.value == "+12175550101").expect("fax kept as evidence");
    assert_eq!(fax.detail.as_ref().unwrap()["label"], "fax");
    assert!(fax.confidence < 0.5);
    // Not from the script, not the price, the date or the order number.
    assert!(!page.facts.iter().any(|f| f.value.contains("5550999") || f.value.contains("20240630")));
}

#[test]
fn confidences_rank_structured_sources_above_text() {
    let page = page_at(&fixture("dental_home.html"), "https://www.brightsmile.test/");
    let conf =
        |kind, source| page.facts.iter().find(|f| f.kind == kind && f.source == source).map(|f| f.confidence).unwrap();
    assert!(conf(FactKind::Email, FactSource::Mailto) > conf(FactKind::Email, FactSource::Text));
    assert!(conf(FactKind::Phone, FactSource::Tel) > conf(FactKind::Phone, FactSource::Text));
    assert!(conf(FactKind::Phone, FactSource::Jsonld) > conf(FactKind::Phone, FactSource::Text));
    for f in &page.facts {
        assert!((0.0..=1.0).contains(&f.confidence), "{f:?}");
        assert_eq!(f.url.as_deref(), Some("https://www.brightsmile.test/"));
    }
}

#[test]
fn every_obfuscation_in_the_law_firm_page() {
    let page = page_at(&fixture("law_contact.html"), "https://www.smithpartners.co.uk/contact-us");
    for want in [
        "john@smithpartners.co.uk",
        "mary@smithpartners.co.uk",
        "paul@smithpartners.co.uk",
        "reception@smithpartners.co.uk",
        "billing@smithpartners.co.uk",
    ] {
        assert!(page.emails.iter().any(|e| e == want), "{want} missing from {:?}", page.emails);
    }
    assert_eq!(page.emails.len(), 5, "{:?}", page.emails);
    let obfuscated = facts(&page, FactKind::Email).into_iter().filter(|f| f.detail.is_some()).count();
    assert_eq!(obfuscated, 4, "the &#64; one is decoded HTML, not an obfuscation");
}

#[test]
fn international_numbers_parse_regardless_of_region() {
    let html = fixture("law_contact.html");
    for region in ["US", "GB", "DE"] {
        let opts = ExtractOptions { default_region: region.into() };
        let page = extract(&html, &Url::parse("https://smithpartners.co.uk/").unwrap(), &opts);
        assert_eq!(page.phones, ["+442079460958", "+4930901820", "+33142685300", "+61293744000"], "region {region}");
        assert!(facts(&page, FactKind::Phone).iter().any(|f| f.value == "+442079460959"), "fax is evidence");
    }
}

#[test]
fn national_numbers_follow_the_default_region() {
    let html = "<p>Tel: 020 7946 0958</p>";
    assert_eq!(
        extract(html, &Url::parse("https://a.test/").unwrap(), &ExtractOptions { default_region: "GB".into() }).phones,
        ["+442079460958"]
    );
    assert!(page(html).phones.is_empty(), "not a valid US number");
}

#[test]
fn dates_prices_zips_and_ids_are_not_phones() {
    let html = r#"<main>
        <p>Posted on 2024-01-15 · updated 01/15/2024 · 15.01.2024</p>
        <p>Open 1998 - 2024. Prices from $1,299.00 or 12.500.000 points.</p>
        <p>Springfield, IL 62704-1234 · ZIP 62704</p>
        <p>Order #4155552671 · Invoice no. 415-555-2671 · Tracking 1Z999AA10123456784</p>
        <p>SKU 20240115123456 · ISBN 978-3-16-148410-0 · Call 911</p>
        <p>Version 4.155.552.671, 50% off 4155552671%</p>
    </main>"#;
    let page = page(html);
    assert!(facts(&page, FactKind::Phone).is_empty(), "{:?}", facts(&page, FactKind::Phone));
}

#[test]
fn phones_prefer_labelled_numbers() {
    let html = "<p>Or try 415-555-2672</p><p>Phone: (415) 555-2671</p><p>Fax: (415) 555-2673</p>";
    let page = page(html);
    assert_eq!(page.phones, ["+14155552671", "+14155552672"]);
}

#[test]
fn lookalikes_in_text_and_scripts_are_rejected() {
    let html = r#"<html><head><script>Sentry.init({dsn:"https://a3f9c2e1b4d5f60718293a4b5c6d7e8f@o123456.ingest.sentry.io/1"})</script></head>
        <body><p>Error id a3f9c2e1b4d5f60718293a4b5c6d7e8f@o123456.ingest.sentry.io</p>
        <p><img src="logo@2x.png"> logo@2x.png you@example.com</p>
        <p>Real: sales@acme.test</p></body></html>"#;
    assert_eq!(page(html).emails, ["sales@acme.test"]);
}

#[test]
fn mailto_lists_and_encoded_addresses() {
    let html = r#"<a href="MAILTO:a@acme.test,b@acme.test?cc=c@acme.test">Mail</a>
        <a href="mailto:%6A%6F@acme.test">Jo</a><a href="mailto:">empty</a><a href="mailto:n/a">none</a>"#;
    let page = page(html);
    assert_eq!(page.emails, ["a@acme.test", "b@acme.test", "jo@acme.test"]);
    assert!(facts(&page, FactKind::Email).iter().all(|f| f.source == FactSource::Mailto));
}

#[test]
fn emails_and_phones_are_deduplicated_best_first() {
    let html = r#"<p>info@gmail.com</p><p>Email: Jane@Acme.test</p><a href="mailto:jane@acme.test">Jane</a>
        <p>Call 415-555-2671</p><p>(415) 555-2671</p><a href="tel:+1.415.555.2671">Call</a>"#;
    let page = page(html);
    // One mailbox, spelled as its most structured source (the mailto link) spells it.
    assert_eq!(page.emails, ["jane@acme.test", "info@gmail.com"]);
    assert_eq!(page.phones, ["+14155552671"]);
}
