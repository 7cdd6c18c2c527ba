//! Policy around fetching: the SSRF guard (direct, via overrides and via redirects), special-use names,
//! resolve overrides, robots.txt (disallow, memoisation, Crawl-delay pacing), redirects and the cache.

use std::sync::Arc;
use std::time::Duration;

use crate::fetch_support::{Reply, Server, secs, url};
use leadsmith_core::CrawlStatus;
use leadsmith_crawl::fetch::{CachedPage, MemoryCache};
use leadsmith_crawl::{FetchConfig, HostPool, PageCache};

const PAGE: &str = "<!doctype html><html><head><title>Acme</title></head><body><p>Hello</p></body></html>";

fn pool(config: FetchConfig) -> HostPool {
    HostPool::new(config, None).unwrap()
}

#[tokio::test(start_paused = true)]
async fn loopback_is_refused_unless_allowed_and_nothing_reaches_the_server() {
    let server = Server::start(|_| Reply::html(PAGE)).await;
    let config = FetchConfig { allow_addresses: vec![], ..server.config(&["acme.test"]) };
    let pool = pool(config);

    let page = pool.fetch(&url("http://acme.test/")).await;
    assert_eq!(page.outcome.status, CrawlStatus::SsrfRefused, "{:?}", page.outcome);
    let reason = page.outcome.reason.unwrap();
    assert!(reason.starts_with("refused 127.0.0.1: loopback address"), "{reason}");
    assert!(reason.contains("crawl.allow_addresses"), "{reason}");
    assert_eq!(page.outcome.attempts, 1, "SSRF refusals are not retried");

    let direct = pool.fetch(&url(&format!("http://127.0.0.1:{}/", server.addr.port()))).await;
    assert_eq!(direct.outcome.status, CrawlStatus::SsrfRefused);
    let v6 = pool.fetch(&url("http://[::1]/")).await;
    assert_eq!(v6.outcome.status, CrawlStatus::SsrfRefused);
    assert_eq!(server.connections(), 0, "the guard runs before connecting");
}

#[tokio::test(start_paused = true)]
async fn private_and_metadata_addresses_are_refused() {
    let mut config = FetchConfig { allow_addresses: vec!["127.0.0.1/32".parse().unwrap()], ..FetchConfig::default() };
    config.resolve_overrides.insert("intranet.test".into(), "10.0.0.5:80".parse().unwrap());
    let pool = pool(config);

    let private = pool.fetch(&url("http://intranet.test/")).await;
    assert_eq!(private.outcome.status, CrawlStatus::SsrfRefused);
    assert_eq!(
        private.outcome.reason.as_deref(),
        Some("refused 10.0.0.5: private address (10.0.0.0/8); add it to crawl.allow_addresses to allow")
    );
    for (target, words) in [
        ("http://169.254.169.254/latest/meta-data/", "refused 169.254.169.254: cloud metadata address"),
        ("http://metadata.google.internal/computeMetadata/v1/", "refused metadata.google.internal"),
        ("http://metadata/", "refused metadata"),
        ("http://[::ffff:a9fe:a9fe]/", "cloud metadata address"),
        ("http://100.64.1.1/", "carrier-grade NAT"),
    ] {
        let page = pool.fetch(&url(target)).await;
        assert_eq!(page.outcome.status, CrawlStatus::SsrfRefused, "{target}");
        let reason = page.outcome.reason.unwrap();
        assert!(reason.contains(words), "{target}: {reason}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_redirect_to_a_private_address_is_refused() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/" => Reply::redirect(302, "http://10.0.0.7/admin"),
        "/meta" => Reply::redirect(301, "http://169.254.169.254/latest/meta-data/"),
        _ => Reply::status(404, ""),
    })
    .await;
    let pool = pool(server.config(&["acme.test"]));

    let page = pool.fetch(&url("http://acme.test/")).await;
    assert_eq!(page.outcome.status, CrawlStatus::SsrfRefused, "{:?}", page.outcome);
    assert_eq!(page.outcome.final_url.as_deref(), Some("http://10.0.0.7/admin"));
    assert!(page.outcome.reason.unwrap().starts_with("refused 10.0.0.7: private address"));

    let meta = pool.fetch(&url("http://acme.test/meta")).await;
    assert_eq!(meta.outcome.status, CrawlStatus::SsrfRefused);
    assert!(meta.outcome.reason.unwrap().contains("cloud metadata address"));
    assert_eq!(server.paths(), ["/robots.txt", "/", "/meta"]);
}

#[tokio::test(start_paused = true)]
async fn special_use_names_fail_dns_without_a_lookup_and_are_not_retried() {
    let pool = pool(FetchConfig::default());
    let started = tokio::time::Instant::now();
    let page = pool.fetch(&url("http://nowhere.test/")).await;
    assert_eq!(page.outcome.status, CrawlStatus::DnsError);
    assert!(page.outcome.reason.unwrap().contains("special-use"));
    assert_eq!(page.outcome.attempts, 1);
    // Only the pacing gap after the (failed) robots.txt request; no backoff, as DNS errors are not retried.
    assert_eq!(started.elapsed(), Duration::from_millis(250));
    for host in ["http://localhost/", "http://shop.example/", "http://x.invalid/", "http://app.localhost/"] {
        assert_eq!(pool.fetch(&url(host)).await.outcome.status, CrawlStatus::DnsError, "{host}");
    }
}

#[tokio::test(start_paused = true)]
async fn overrides_replace_the_port_and_headers_are_sent() {
    let server = Server::start(|_| Reply::html(PAGE)).await;
    let config = server.config(&["acme.test"]);
    let user_agent = config.user_agent.clone();
    let pool = pool(config);
    // Port 9 (discard) is in the URL; the override's port is the server's.
    let page = pool.fetch(&url("http://ACME.test:9/")).await;
    assert_eq!(page.outcome.status, CrawlStatus::Ok, "{:?}", page.outcome);
    assert_eq!(page.html.as_deref(), Some(PAGE));
    assert_eq!(page.content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!((page.outcome.http_status, page.outcome.attempts), (Some(200), 1));
    assert_eq!(page.outcome.bytes, PAGE.len() as u64);
    for hit in server.hits() {
        assert_eq!(hit.headers.get("user-agent"), Some(&user_agent), "{}", hit.path);
        assert_eq!(hit.headers.get("accept-encoding").map(String::as_str), Some("gzip, deflate, br"));
    }
    assert_eq!(server.paths(), ["/robots.txt", "/"]);
}

#[tokio::test(start_paused = true)]
async fn robots_disallow_is_respected_and_fetched_once() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/robots.txt" => {
            Reply::status(200, "User-agent: *\nDisallow: /private\n\nUser-agent: leadsmith\nDisallow: /no-leadsmith\n")
                .header("Content-Type", "text/plain")
        }
        _ => Reply::html(PAGE),
    })
    .await;
    let pool = pool(server.config(&["acme.test"]));

    let blocked = pool.fetch(&url("http://acme.test/no-leadsmith/page")).await;
    assert_eq!(blocked.outcome.status, CrawlStatus::RobotsDisallowed);
    assert_eq!(blocked.outcome.attempts, 0);
    assert!(blocked.outcome.reason.unwrap().contains("robots.txt disallows /no-leadsmith/page for leadsmith"));
    // Our group replaces `*`, so /private is allowed for us.
    assert_eq!(pool.fetch(&url("http://acme.test/private")).await.outcome.status, CrawlStatus::Ok);
    assert_eq!(pool.fetch(&url("http://acme.test/")).await.outcome.status, CrawlStatus::Ok);
    assert_eq!(server.count("/robots.txt"), 1, "robots.txt is memoised per origin");
    assert_eq!(server.count("/no-leadsmith/page"), 0, "a disallowed URL is never requested");

    let ignoring = HostPool::new(FetchConfig { respect_robots: false, ..server.config(&["acme.test"]) }, None).unwrap();
    assert_eq!(ignoring.fetch(&url("http://acme.test/no-leadsmith/page")).await.outcome.status, CrawlStatus::Ok);
}

#[tokio::test(start_paused = true)]
async fn broken_robots_allow_all() {
    let server = Server::start(|hit| match (hit.headers.get("host").map(String::as_str), hit.path.as_str()) {
        (Some("err.test"), "/robots.txt") => Reply::status(500, "oops"),
        (Some("gone.test"), "/robots.txt") => Reply::status(404, ""),
        (Some("hang.test"), "/robots.txt") => Reply::Hang,
        _ => Reply::html(PAGE),
    })
    .await;
    let pool = pool(server.config(&["err.test", "gone.test", "hang.test"]));
    for host in ["err.test", "gone.test", "hang.test"] {
        let page = pool.fetch(&url(&format!("http://{host}/"))).await;
        assert_eq!(page.outcome.status, CrawlStatus::Ok, "{host}: {:?}", page.outcome);
    }
    assert_eq!(server.count("/robots.txt"), 3, "robots.txt is tried once, never retried");
}

#[tokio::test(start_paused = true)]
async fn crawl_delay_paces_requests_to_the_host() {
    let server = Server::start(|hit| match (hit.headers.get("host").map(String::as_str), hit.path.as_str()) {
        (Some("slow.test"), "/robots.txt") => Reply::status(200, "User-agent: *\nCrawl-delay: 5\n"),
        (Some("greedy.test"), "/robots.txt") => Reply::status(200, "User-agent: *\nCrawl-delay: 3600\n"),
        _ => Reply::html(PAGE),
    })
    .await;
    let pool = pool(server.config(&["slow.test", "greedy.test"]));
    let gaps = |host: &str| {
        let starts: Vec<_> = server
            .hits()
            .into_iter()
            .filter(|h| h.headers.get("host").map(String::as_str) == Some(host) && h.path != "/robots.txt")
            .map(|h| h.at)
            .collect();
        starts.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>()
    };

    let handles: Vec<_> = (0..3)
        .map(|i| {
            let pool = pool.clone();
            tokio::spawn(async move { pool.fetch(&url(&format!("http://slow.test/p{i}"))).await })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.unwrap().outcome.status, CrawlStatus::Ok);
    }
    assert_eq!(gaps("slow.test"), [secs(5), secs(5)]);

    for i in 0..2 {
        pool.fetch(&url(&format!("http://greedy.test/p{i}"))).await;
    }
    assert_eq!(gaps("greedy.test"), [secs(30)], "Crawl-delay is capped at max_crawl_delay");
}

#[tokio::test(start_paused = true)]
async fn redirect_chains_are_followed_up_to_the_limit() {
    let server = Server::start(|hit| {
        let Some(rest) = hit.path.strip_prefix("/hop/") else {
            return Reply::status(404, "");
        };
        let (n, end) = rest.split_once('/').unwrap();
        let (n, end): (u32, u32) = (n.parse().unwrap(), end.parse().unwrap());
        if n == end {
            Reply::html(PAGE)
        } else if n % 2 == 0 {
            // Relative Location, resolved against the current URL.
            Reply::redirect(301, &format!("../{}/{end}", n + 1))
        } else {
            Reply::redirect(307, &format!("http://www.acme.test/hop/{}/{end}", n + 1))
        }
    })
    .await;
    let pool = pool(server.config(&["acme.test", "www.acme.test"]));

    let five = pool.fetch(&url("http://acme.test/hop/0/5")).await;
    assert_eq!(five.outcome.status, CrawlStatus::Ok, "{:?}", five.outcome);
    assert_eq!(five.outcome.final_url.as_deref(), Some("http://www.acme.test/hop/5/5"));
    assert_eq!(five.outcome.attempts, 6, "one request per hop");

    let six = pool.fetch(&url("http://acme.test/hop/0/6")).await;
    assert_eq!(six.outcome.status, CrawlStatus::TooManyRedirects, "{:?}", six.outcome);
    assert_eq!(six.outcome.final_url.as_deref(), Some("http://www.acme.test/hop/5/6"));
    assert!(six.outcome.reason.unwrap().contains("more than 5 redirects"));
    assert_eq!(server.count("/hop/6/6"), 0);
}

#[tokio::test(start_paused = true)]
async fn the_cache_serves_fresh_entries_and_refetches_stale_ones() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/missing" => Reply::status(404, ""),
        "/flaky" => Reply::status(503, ""),
        _ => Reply::html(PAGE),
    })
    .await;
    let cache = Arc::new(MemoryCache::new());
    let config = FetchConfig { timeouts: vec![secs(5)], ..server.config(&["acme.test"]) };
    let pool = HostPool::new(config, Some(cache.clone() as Arc<dyn PageCache>)).unwrap();

    let first = pool.fetch(&url("http://acme.test/")).await;
    assert!(!first.outcome.from_cache);
    let second = pool.fetch(&url("http://acme.test/")).await;
    assert!(second.outcome.from_cache);
    assert_eq!(second.html, first.html);
    assert_eq!(server.count("/"), 1, "a fresh entry makes no request");

    assert_eq!(pool.fetch(&url("http://acme.test/missing")).await.outcome.status, CrawlStatus::NotFound);
    assert!(pool.fetch(&url("http://acme.test/missing")).await.outcome.from_cache, "NotFound is a fact");
    assert_eq!(pool.fetch(&url("http://acme.test/flaky")).await.outcome.status, CrawlStatus::HttpError);
    assert!(!pool.fetch(&url("http://acme.test/flaky")).await.outcome.from_cache, "5xx is transient");
    assert_eq!(server.count("/flaky"), 2);

    // An entry older than cache_ttl is fetched again and replaced.
    let mut stale: CachedPage = cache.get("http://acme.test/").await.unwrap();
    stale.fetched_at_unix -= 2 * 24 * 3600;
    stale.html = Some("old".into());
    cache.put(stale).await;
    let refetched = pool.fetch(&url("http://acme.test/")).await;
    assert!(!refetched.outcome.from_cache);
    assert_eq!(refetched.html.as_deref(), Some(PAGE));
    assert_eq!(server.count("/"), 2);
    assert_eq!(cache.len(), 2, "only / and /missing are stored");
}

#[tokio::test(start_paused = true)]
async fn a_failed_tls_handshake_is_a_tls_error_and_not_retried() {
    // Speaks plain HTTP to whatever connects, so the TLS client hello gets garbage back.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n").await;
        }
    });
    let mut config = FetchConfig { respect_robots: false, ..FetchConfig::default() };
    config.allow_addresses.push("127.0.0.1/32".parse().unwrap());
    config.resolve_overrides.insert("secure.test".into(), addr);
    let page = pool(config).fetch(&url("https://secure.test/")).await;
    assert_eq!(page.outcome.status, CrawlStatus::TlsError, "{:?}", page.outcome);
    assert!(page.outcome.reason.unwrap().starts_with("TLS handshake failed"));
    assert_eq!(page.outcome.attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn only_http_urls_are_fetched() {
    let page = pool(FetchConfig::default()).fetch(&url("ftp://acme.test/file")).await;
    assert_eq!(page.outcome.status, CrawlStatus::HttpError);
    assert!(page.outcome.reason.unwrap().contains("only http and https"));
    assert_eq!(page.outcome.attempts, 0);
}
