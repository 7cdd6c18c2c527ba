//! implies, requires, requiresCategory, excludes, and merging a site's pages.

use leadsmith_tech::{Kind, Page, Status, Strength};

use crate::support::{detect, detector, page};

#[test]
fn implies_with_confidence_and_transitively() {
    let set = r#"{"WooCommerce": {"cats": [6], "meta": {"generator": "^WooCommerce"}, "implies": "WordPress"},
                  "WordPress": {"cats": [1], "implies": ["PHP", "MySQL\\;confidence:50"]},
                  "PHP": {"cats": [27]}, "MySQL": {"cats": [34]}}"#;
    let found = detect(set, &page(r#"<meta name="generator" content="WooCommerce 8.1">"#));
    assert_eq!(found.get("WordPress").unwrap().confidence, 100);
    assert_eq!(found.get("PHP").unwrap().confidence, 100);
    let mysql = found.get("MySQL").unwrap();
    assert_eq!((mysql.confidence, mysql.status), (50, Status::Detected));
    let ev = &found.get("PHP").unwrap().evidence[0];
    assert_eq!((ev.kind, ev.key.as_deref(), ev.strength), (Kind::Implied, Some("WordPress"), Strength::Implied));
}

#[test]
fn implied_from_a_possible_technology_is_possible() {
    let set = r#"{"A": {"headers": {"X-A": "\\;confidence:40"}, "implies": "B"}, "B": {}}"#;
    let found = detect(set, &page("").header("X-A", "1"));
    assert_eq!((found.get("B").unwrap().confidence, found.get("B").unwrap().status), (40, Status::Possible));
}

#[test]
fn requires_needs_the_other_technology_detected() {
    let set = r#"{"WordPress": {"meta": {"generator": "^WordPress"}},
                  "Divi": {"html": "<div id=\"et-main-area\"", "requires": "WordPress", "implies": "jQuery"},
                  "jQuery": {}}"#;
    let html = r#"<div id="et-main-area"></div>"#;
    let alone = detect(set, &page(html));
    assert!(alone.technologies.is_empty(), "neither Divi nor what it implies: {alone:?}");
    let with = detect(set, &page(&format!(r#"<meta name="generator" content="WordPress 6">{html}"#)));
    assert!(with.is_detected("Divi") && with.is_detected("jQuery"));
}

#[test]
fn requires_category() {
    let set = r#"{"Shop": {"cats": [6], "headers": {"X-Shop": ""}},
                  "Shop App": {"cats": [100], "scriptSrc": "shopapp\\.test/widget", "requiresCategory": 6}}"#;
    let html = r#"<script src="https://cdn.shopapp.test/widget.js"></script>"#;
    assert!(detect(set, &page(html)).technologies.is_empty());
    assert!(detect(set, &page(html).header("X-Shop", "1")).is_detected("Shop App"));
}

#[test]
fn excludes_drops_the_other() {
    let set = r#"{"Universal Analytics": {"scriptSrc": "google-analytics\\.com/analytics\\.js"},
                  "GA4": {"scriptSrc": "googletagmanager\\.com/gtag/js\\?id=G-", "excludes": "Universal Analytics"}}"#;
    let html = r#"<script src="https://www.google-analytics.com/analytics.js"></script>"#;
    assert!(detect(set, &page(html)).is_detected("Universal Analytics"));
    let both = format!(r#"{html}<script src="https://www.googletagmanager.com/gtag/js?id=G-X1"></script>"#);
    let found = detect(set, &page(&both));
    assert!(found.is_detected("GA4"));
    assert!(found.get("Universal Analytics").is_none());
}

#[test]
fn a_possible_technology_excludes_nothing() {
    let set = r#"{"A": {"headers": {"X-A": "\\;confidence:20"}, "excludes": "B"}, "B": {"headers": {"X-B": ""}}}"#;
    let found = detect(set, &page("").header("X-A", "1").header("X-B", "1"));
    assert!(found.is_detected("B"));
}

#[test]
fn a_site_merges_its_pages() {
    let set = r#"{"Booked": {"headers": {"X-Booked": "\\;confidence:30"},
                             "scriptSrc": "booked\\.test/embed\\.js\\;confidence:30\\;version:2"}}"#;
    let d = detector(set);
    let home = Page::new("https://a.test/", "").header("X-Booked", "1");
    let contact = Page::new("https://a.test/contact", r#"<script src="https://booked.test/embed.js"></script>"#);
    assert_eq!(d.detect(&home).get("Booked").unwrap().status, Status::Possible);
    let mut site = d.site();
    site.add(&home);
    site.add(&contact);
    site.add(&home);
    let found = site.finish();
    let b = found.get("Booked").unwrap();
    assert_eq!((b.confidence, b.status, b.version.as_deref()), (60, Status::Detected, Some("2")));
    let pages: Vec<&str> = b.evidence.iter().map(|e| e.page.as_str()).collect();
    assert_eq!(pages.len(), 2, "one line per pattern and page: {pages:?}");
    assert!(pages.contains(&"https://a.test/contact"));
}
