//! No mention-only detections: prose that names a product is not evidence of using it, and a single weak
//! hint is only possible.

use leadsmith_tech::{Detector, Status, Strength};

use crate::support::{detect, page};

const SET: &str = r#"{
    "Mailchimp": {"html": ["mailchimp", "<form[^>]+list-manage\\.com"], "scriptSrc": "chimpstatic\\.com"},
    "WordPress": {"html": "/wp-content/", "meta": {"generator": "^WordPress"}}
}"#;

#[test]
fn prose_mentions_are_not_detections() {
    let html = "<main><h2>Integrations</h2><p>We integrate with Mailchimp, and our blog explains /wp-content/ folders.</p></main>";
    let found = detect(SET, &page(html));
    assert!(found.technologies.is_empty(), "{found:?}");
}

#[test]
fn the_same_words_in_markup_count() {
    let html = r#"<form action="https://acme.us1.list-manage.com/subscribe/post" method="post"></form>"#;
    let found = detect(SET, &page(html));
    assert!(found.is_detected("Mailchimp"));
}

#[test]
fn a_mention_before_the_markup_does_not_hide_it() {
    let html = r#"<p>Mailchimp newsletter</p><script src="https://chimpstatic.com/mcjs-connected/js/users/1.js"></script><img src="/mailchimp-logo.png">"#;
    let mc = detect(SET, &page(html)).get("Mailchimp").cloned().unwrap();
    assert_eq!(mc.status, Status::Detected);
    let bare = mc.evidence.iter().find(|e| e.pattern == "mailchimp").unwrap();
    assert_eq!(bare.strength, Strength::Weak, "the attribute hit, not the prose one");
}

#[test]
fn one_weak_hint_is_possible_two_detect() {
    let one = detect(SET, &page(r#"<img src="https://cdn.other.test/wp-content/uploads/logo.png">"#));
    let wp = one.get("WordPress").unwrap();
    assert_eq!((wp.status, wp.confidence), (Status::Possible, 25));
    assert!(wp.confidence < 50);
    assert!(!one.is_detected("WordPress"));
    assert_eq!(one.possible().count(), 1);

    let two = detect(SET, &page(r#"<img src="/wp-content/a.png"><img src="/mailchimp.png">"#));
    assert_eq!(two.get("Mailchimp").unwrap().status, Status::Possible);
    let strong = detect(SET, &page(r#"<meta name="generator" content="WordPress 6.5"><img src="/wp-content/a.png">"#));
    assert_eq!(strong.get("WordPress").unwrap().confidence, 100);
}

#[test]
fn builtin_set_ignores_a_page_that_only_talks_about_products() {
    let d = Detector::builtin();
    let html = "<html><head><title>Our stack</title></head><body><article><h1>Tools we recommend</h1>\
<p>We build on WordPress, Shopify and Wix, take payments with Stripe and PayPal, book with Calendly, \
chat with Intercom and Drift, send newsletters with Mailchimp and HubSpot, and measure with Google Analytics \
and Hotjar. Hosting is on Cloudflare and our mail runs on Google Workspace.</p></article></body></html>";
    let found = d.detect(&page(html));
    assert!(found.technologies.is_empty(), "{:?}", found.technologies.iter().map(|t| &t.name).collect::<Vec<_>>());
}
