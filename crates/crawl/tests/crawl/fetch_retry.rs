//! Retries under paused time: escalating attempt timeouts, backoff, Retry-After, and which failures are
//! never retried. Elapsed times are exact because the clock only moves when everything waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::fetch_support::{Reply, Server, secs, url};
use leadsmith_core::CrawlStatus;
use leadsmith_crawl::{FetchConfig, FetchedPage, HostPool};
use tokio::time::Instant;

const PAGE: &str = "<!doctype html><html><head><title>Acme</title></head><body><p>Hello</p></body></html>";

/// Robots off so only page requests are counted and timed.
fn config(server: &Server) -> FetchConfig {
    FetchConfig { respect_robots: false, ..server.config(&["acme.test"]) }
}

async fn timed_fetch(pool: &HostPool, target: &str) -> (FetchedPage, std::time::Duration) {
    let started = Instant::now();
    let page = pool.fetch(&url(target)).await;
    (page, started.elapsed())
}

/// Answers with `first` for the first `n` requests, then with the page.
fn flaky(n: usize, first: impl Fn() -> Reply + Send + Sync + 'static) -> impl Fn(&crate::fetch_support::Hit) -> Reply {
    let seen = Arc::new(AtomicUsize::new(0));
    move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < n { first() } else { Reply::html(PAGE) }
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_gets_escalating_timeouts() {
    let server = Server::start(|_| Reply::Hang).await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!(page.outcome.status, CrawlStatus::Timeout, "{:?}", page.outcome);
    assert_eq!(page.outcome.attempts, 3);
    assert_eq!(elapsed, secs(20 + 1 + 30 + 2 + 40));
    assert_eq!(page.outcome.elapsed_ms, 93_000);
    assert_eq!(page.outcome.reason.as_deref(), Some("no complete response within 40s (after 3 attempts)"));
    assert_eq!(server.count("/"), 3);
}

#[tokio::test(start_paused = true)]
async fn custom_schedules_are_followed() {
    let server = Server::start(|_| Reply::Hang).await;
    let config = FetchConfig { timeouts: vec![secs(2), secs(3)], backoff: vec![secs(7)], ..config(&server) };
    let pool = HostPool::new(config, None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!((page.outcome.status, page.outcome.attempts), (CrawlStatus::Timeout, 2));
    assert_eq!(elapsed, secs(2 + 7 + 3));
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_until_the_page_comes() {
    let server = Server::start(flaky(2, || Reply::status(503, "busy"))).await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!(page.outcome.status, CrawlStatus::Ok, "{:?}", page.outcome);
    assert_eq!(page.outcome.attempts, 3);
    assert_eq!(page.html.as_deref(), Some(PAGE));
    assert_eq!(elapsed, secs(1 + 2), "backoff 1s then 2s");
}

#[tokio::test(start_paused = true)]
async fn persistent_server_errors_end_as_http_error() {
    let server = Server::start(|_| Reply::status(500, "broken")).await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!(page.outcome.status, CrawlStatus::HttpError);
    assert_eq!(page.outcome.http_status, Some(500));
    assert_eq!(page.outcome.reason.as_deref(), Some("HTTP 500 (after 3 attempts)"));
    assert_eq!((page.outcome.attempts, elapsed), (3, secs(3)));
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/gone" => Reply::status(410, ""),
        "/forbidden" => Reply::status(403, "<h1>Forbidden</h1>").header("Content-Type", "text/html"),
        _ => Reply::status(404, "nope"),
    })
    .await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/missing").await;
    assert_eq!(page.outcome.status, CrawlStatus::NotFound);
    assert_eq!((page.outcome.attempts, page.outcome.http_status), (1, Some(404)));
    assert_eq!(elapsed, secs(0));
    assert_eq!(pool.fetch(&url("http://acme.test/gone")).await.outcome.status, CrawlStatus::NotFound);
    let forbidden = pool.fetch(&url("http://acme.test/forbidden")).await.outcome;
    assert_eq!(forbidden.status, CrawlStatus::HttpError);
    assert_eq!(forbidden.reason.as_deref(), Some("HTTP 403"));
    assert_eq!(forbidden.attempts, 1);
    assert_eq!(server.paths(), ["/missing", "/gone", "/forbidden"]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_capped() {
    let server = Server::start(flaky(1, || Reply::status(429, "slow down").header("Retry-After", "7"))).await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!((page.outcome.status, page.outcome.attempts), (CrawlStatus::Ok, 2));
    assert_eq!(elapsed, secs(7));

    let server = Server::start(flaky(1, || Reply::status(429, "").header("Retry-After", "3600"))).await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!(page.outcome.status, CrawlStatus::Ok);
    assert_eq!(elapsed, secs(60), "capped at max_retry_after");
}

#[tokio::test(start_paused = true)]
async fn a_429_holds_back_other_requests_to_the_host() {
    let server = Server::start(|hit| match hit.path.as_str() {
        "/limited" => Reply::status(429, "").header("Retry-After", "10"),
        _ => Reply::html(PAGE),
    })
    .await;
    let config = FetchConfig { timeouts: vec![secs(20), secs(20)], ..config(&server) };
    let pool = HostPool::new(config, None).unwrap();
    let t0 = Instant::now();
    let limited = tokio::spawn({
        let pool = pool.clone();
        async move { pool.fetch(&url("http://acme.test/limited")).await }
    });
    let other = tokio::spawn({
        let pool = pool.clone();
        async move {
            tokio::time::sleep(secs(1)).await;
            pool.fetch(&url("http://acme.test/other")).await
        }
    });
    assert_eq!(other.await.unwrap().outcome.status, CrawlStatus::Ok);
    assert_eq!(limited.await.unwrap().outcome.status, CrawlStatus::HttpError);
    let other_at = server.hits().iter().find(|h| h.path == "/other").unwrap().at;
    assert!(other_at - t0 >= secs(10), "the host was held off until Retry-After passed");
}

#[tokio::test(start_paused = true)]
async fn refused_and_dropped_connections_are_retried_then_reported() {
    // A port nobody listens on: bind, note it, close.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let mut down = FetchConfig { respect_robots: false, ..FetchConfig::default() };
    down.allow_addresses.push("127.0.0.1/32".parse().unwrap());
    down.resolve_overrides.insert("down.test".into(), closed);
    let pool = HostPool::new(down, None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://down.test/").await;
    assert_eq!(page.outcome.status, CrawlStatus::ConnectError, "{:?}", page.outcome);
    assert_eq!((page.outcome.attempts, elapsed), (3, secs(3)));
    assert!(page.outcome.reason.unwrap().contains("after 3 attempts"));

    let server = Server::start(flaky(1, || Reply::Close)).await;
    let pool = HostPool::new(config(&server), None).unwrap();
    let (page, elapsed) = timed_fetch(&pool, "http://acme.test/").await;
    assert_eq!((page.outcome.status, page.outcome.attempts), (CrawlStatus::Ok, 2), "{:?}", page.outcome);
    assert_eq!(elapsed, secs(1));
}
