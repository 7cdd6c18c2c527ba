//! `crawl_site` end to end with the real extractor: a small fake site whose home page links to a contact
//! page, a failing about page and another company's contact page.

use crate::fetch_support::{Reply, Server, secs, url};
use leadsmith_core::CrawlStatus;
use leadsmith_crawl::{ExtractOptions, FetchConfig, HostPool, SiteOptions, crawl_site, extract};

const HOME: &str = r#"<!doctype html><html><head><title>Acme Plumbing</title></head><body>
<nav><a href="/">Home</a> <a href="/contact">Contact us</a> <a href="/about">About us</a>
<a href="https://partner.test/contact">Contact our partner</a></nav>
<h1>Acme Plumbing</h1><p>Boilers, bathrooms and emergency call-outs in Springfield.</p>
</body></html>"#;

const CONTACT: &str = r#"<!doctype html><html><head><title>Contact us - Acme Plumbing</title></head><body>
<h1>Contact us</h1><p>Email <a href="mailto:jo@acmeplumbing.com">jo@acmeplumbing.com</a> or call us.</p>
</body></html>"#;

#[tokio::test(start_paused = true)]
async fn a_small_site_with_a_failing_about_page_is_partial() {
    let home = url("http://acme.test/");
    let found = extract(HOME, &home, &ExtractOptions::default());
    assert!(
        found.links.contact.iter().any(|l| l.ends_with("/contact")) && !found.links.about.is_empty(),
        "the extractor must report contact/about links for this test: {:?}",
        found.links
    );

    let server = Server::start(|hit| match (hit.headers.get("host").map(String::as_str), hit.path.as_str()) {
        (Some("acme.test"), "/") => Reply::html(HOME),
        (Some("acme.test"), "/contact") => Reply::html(CONTACT),
        (Some("acme.test"), "/about") => Reply::status(500, "boom"),
        _ => Reply::status(404, ""),
    })
    .await;
    let config = FetchConfig { timeouts: vec![secs(5), secs(5)], ..server.config(&["acme.test", "partner.test"]) };
    let pool = HostPool::new(config, None).unwrap();
    let site = crawl_site(&pool, &home, &SiteOptions::default()).await;

    assert_eq!(site.status, CrawlStatus::Partial, "{site:?}");
    let reason = site.reason.unwrap();
    assert!(reason.contains("http://acme.test/about (http_error: HTTP 500 (after 2 attempts))"), "{reason}");
    let pages: Vec<(&str, CrawlStatus)> = site.pages.iter().map(|p| (p.url.as_str(), p.status)).collect();
    assert_eq!(
        pages,
        [
            ("http://acme.test/", CrawlStatus::Ok),
            ("http://acme.test/contact", CrawlStatus::Ok),
            ("http://acme.test/about", CrawlStatus::HttpError),
        ]
    );
    assert!(site.facts.emails.iter().any(|e| e == "jo@acmeplumbing.com"), "{:?}", site.facts.emails);
    assert!(
        !server.hits().iter().any(|h| h.headers.get("host").map(String::as_str) == Some("partner.test")),
        "another domain's contact page is never fetched"
    );
}
