//! Probes (the website audit's HEAD requests and small GETs): what they report, that redirects are
//! reported rather than followed, that the SSRF guard and robots.txt apply, the body cap, and the cache.

use std::sync::Arc;

use crate::fetch_support::{Reply, Server, secs, url};
use leadsmith_crawl::fetch::{MemoryCache, PROBE_BODY_BYTES};
use leadsmith_crawl::{FetchConfig, HostPool, PageCache};

#[tokio::test]
async fn a_head_reports_status_size_and_redirect_without_following_it() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/hero.jpg" => Reply::bytes(200, "image/jpeg", vec![0; 1234]),
        "/old" => Reply::redirect(301, "/new"),
        "/gone" => Reply::status(404, "nothing here"),
        _ => Reply::html("<html><body>hi</body></html>"),
    })
    .await;
    let pool = HostPool::new(server.config(&["acme.test"]), None).unwrap();

    let image = pool.head(&url("http://acme.test/hero.jpg")).await;
    assert_eq!((image.http_status, image.content_length), (Some(200), Some(1234)), "{image:?}");
    assert_eq!(image.content_type.as_deref(), Some("image/jpeg"));
    assert!(image.ok() && image.body.is_none() && image.error.is_none());

    let moved = pool.head(&url("http://acme.test/old")).await;
    assert!(moved.redirected(), "{moved:?}");
    assert_eq!(moved.location.as_deref(), Some("http://acme.test/new"), "resolved against the URL");
    let gone = pool.head(&url("http://acme.test/gone")).await;
    assert!(gone.broken());

    assert_eq!(server.count("/new"), 0, "redirects are reported, not followed");
    assert!(server.hits().iter().filter(|h| h.path != "/robots.txt").all(|h| h.method == "HEAD"));
}

#[tokio::test]
async fn a_small_get_reads_the_body_up_to_the_cap() {
    let big = "x".repeat(PROBE_BODY_BYTES as usize + 1);
    let server = Server::start(move |hit| match hit.path.as_str() {
        "/sitemap.xml" => Reply::bytes(200, "application/xml", b"<urlset></urlset>".to_vec()),
        "/huge.xml" => Reply::bytes(200, "application/xml", big.clone().into_bytes()),
        _ => Reply::status(404, ""),
    })
    .await;
    let pool = HostPool::new(server.config(&["acme.test"]), None).unwrap();
    let sitemap = pool.get_small(&url("http://acme.test/sitemap.xml"), true).await;
    assert_eq!(sitemap.body.as_deref(), Some("<urlset></urlset>"));
    let huge = pool.get_small(&url("http://acme.test/huge.xml"), true).await;
    assert_eq!(huge.http_status, Some(200));
    assert!(huge.body.is_none() && huge.error.as_deref().is_some_and(|e| e.contains("cap")), "{huge:?}");
}

#[tokio::test]
async fn probes_obey_the_ssrf_guard_and_robots() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/robots.txt" => Reply::status(200, "User-agent: *\nDisallow: /private\n").header("Content-Type", "text/plain"),
        _ => Reply::html("<html></html>"),
    })
    .await;
    let guarded =
        HostPool::new(FetchConfig { allow_addresses: vec![], ..server.config(&["acme.test"]) }, None).unwrap();
    let refused = guarded.head(&url("http://acme.test/")).await;
    assert!(
        refused.http_status.is_none() && refused.error.as_deref().is_some_and(|e| e.contains("loopback")),
        "{refused:?}"
    );
    assert_eq!(server.connections(), 0);

    let pool = HostPool::new(server.config(&["acme.test"]), None).unwrap();
    let disallowed = pool.head(&url("http://acme.test/private/a")).await;
    assert!(disallowed.error.as_deref().is_some_and(|e| e.contains("robots.txt disallows")), "{disallowed:?}");
    assert_eq!(server.count("/private/a"), 0);
    let robots = pool.get_small(&url("http://acme.test/robots.txt"), true).await;
    assert!(robots.body.as_deref().is_some_and(|b| b.contains("Disallow: /private")));
}

#[tokio::test]
async fn answers_are_cached_and_server_errors_are_not() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/flaky" => Reply::status(503, ""),
        _ => Reply::bytes(200, "image/png", vec![0; 10]),
    })
    .await;
    let cache = Arc::new(MemoryCache::new());
    let config = FetchConfig { timeouts: vec![secs(5)], ..server.config(&["acme.test"]) };
    let pool = HostPool::new(config, Some(cache.clone() as Arc<dyn PageCache>)).unwrap();
    let first = pool.head(&url("http://acme.test/a.png")).await;
    let second = pool.head(&url("http://acme.test/a.png")).await;
    assert_eq!((second.http_status, second.content_length), (first.http_status, first.content_length));
    assert_eq!(server.count("/a.png"), 1, "the second HEAD came from the cache");
    assert!(cache.get("HEAD http://acme.test/a.png").await.is_some(), "keyed by method and URL");
    pool.head(&url("http://acme.test/flaky")).await;
    pool.head(&url("http://acme.test/flaky")).await;
    assert_eq!(server.count("/flaky"), 2, "a 5xx may be gone next time");
}

/// A UTC date `days` from today, as the TLS test server's certificate end.
fn days_from_now(days: i64) -> (i32, u8, u8) {
    use chrono::Datelike;
    let date = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    (date.year(), date.month() as u8, date.day() as u8)
}

#[tokio::test]
async fn an_https_probe_reports_the_certificates_days_left_and_the_cache_keeps_them() {
    let server = Server::start_tls(&["secure.test"], days_from_now(10), |_| Reply::html("<html></html>")).await;
    let cache = Arc::new(MemoryCache::new());
    let pool = HostPool::new(server.config(&["secure.test"]), Some(cache.clone() as Arc<dyn PageCache>)).unwrap();
    let home = pool.head(&url("https://secure.test/")).await;
    assert_eq!(home.http_status, Some(200), "{home:?}");
    let days = home.certificate_days_left.expect("the certificate was seen");
    assert!((9..=10).contains(&days), "the certificate ends 10 days from today's midnight: {days}");

    let again = HostPool::new(server.config(&["secure.test"]), Some(cache as Arc<dyn PageCache>)).unwrap();
    let cached = again.head(&url("https://secure.test/")).await;
    assert_eq!(cached.certificate_days_left, Some(days), "a re-run from the cache says the same");
    assert_eq!(server.count("/"), 1);
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_issuer_fails_the_handshake() {
    let server = Server::start_tls(&["secure.test"], days_from_now(300), |_| Reply::html("<html></html>")).await;
    let config = FetchConfig { extra_root_certificates: vec![], ..server.config(&["secure.test"]) };
    let pool = HostPool::new(config, None).unwrap();
    let probe = pool.head(&url("https://secure.test/")).await;
    assert!(probe.http_status.is_none() && probe.certificate_days_left.is_none(), "{probe:?}");
    assert!(probe.error.as_deref().is_some_and(|e| e.contains("TLS")), "{probe:?}");
}

#[tokio::test]
async fn the_audit_warns_about_a_certificate_near_its_end_only() {
    use leadsmith_crawl::audit::{AuditPage, Evidence, ProbeBudget, audit, gather};
    let html =
        "<!doctype html><html lang=en><head><title>Secure Dental of Springfield</title></head><body></body></html>";
    for (days, expiring) in [(10, true), (200, false)] {
        let server = Server::start_tls(&["secure.test"], days_from_now(days), move |_| Reply::html(html)).await;
        let pool = HostPool::new(server.config(&["secure.test"]), None).unwrap();
        let pages = [AuditPage { url: "https://secure.test/", headers: &[], html }];
        let probes = gather(&pool, &pages, ProbeBudget::none()).await;
        let report = audit(&Evidence { probes: Some(&probes), ..Evidence::pages(&pages, 2026) });
        let finding = report.findings.iter().find(|f| f.id == "certificate_expiring");
        assert_eq!(finding.is_some(), expiring, "{days} days: {:?}", report.findings);
        if let Some(f) = finding {
            assert!(f.evidence.contains("expires in"), "{f:?}");
        }
        assert!(!report.not_measured.iter().any(|m| m.contains("certificate")), "{:?}", report.not_measured);
    }
}
