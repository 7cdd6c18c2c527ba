//! The shared outside-services client against a local fake: body caps, rate limits and the usage hook
//! (every attempt reported, failed retries included).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use leadsmith_remote::{CallOptions, RateLimit, RemoteError, Service, Usage, UsageHook};
use leadsmith_testkit::fake::{FakeServer, Reply};

fn get(server: &FakeServer, path: &str) -> impl Fn() -> Result<Request<Full<Bytes>>, RemoteError> + Send + Sync {
    let url = server.url(path);
    move || {
        Request::get(url.as_str())
            .header(http::header::HOST, url.host_str().unwrap_or(""))
            .body(Full::new(Bytes::new()))
            .map_err(|e| RemoteError::Config(e.to_string()))
    }
}

fn fast() -> CallOptions {
    CallOptions { backoff: Duration::from_millis(5), ..CallOptions::default() }
}

/// One attempt as recorded: attempt number, status, whether it failed, response bytes.
type Attempt = (u32, Option<u16>, bool, usize);

#[derive(Default)]
struct Recorder(Mutex<Vec<Attempt>>);

impl UsageHook for Recorder {
    fn record(&self, u: &Usage<'_>) {
        assert_eq!(u.service, "crm");
        self.0.lock().unwrap().push((u.attempt, u.status, u.error.is_some(), u.response.map_or(0, <[u8]>::len)));
    }
}

#[tokio::test]
async fn every_attempt_is_reported_to_the_usage_hook_failed_retries_included() {
    let server = FakeServer::start(|_, i| {
        if i < 2 {
            Reply::new(503, "{\"message\":\"busy\"}").header("retry-after", "0")
        } else {
            Reply::ok("{\"ok\":1}")
        }
    })
    .await;
    let usage = Arc::new(Recorder::default());
    let service = Service::new("crm", fast()).unwrap().with_usage(usage.clone());
    let reply = service.call(&get(&server, "/v1/items")).await.unwrap();
    assert_eq!(&reply.body[..], b"{\"ok\":1}");
    let seen = usage.0.lock().unwrap().clone();
    assert_eq!(seen, [(0, Some(503), true, 18), (1, Some(503), true, 18), (2, Some(200), false, 8)]);
}

#[tokio::test]
async fn a_response_over_the_cap_fails_the_call() {
    let server = FakeServer::start(|_, _| Reply::ok("x".repeat(10_000))).await;
    let service = Service::new("crm", CallOptions { max_response_bytes: 4096, ..fast() }).unwrap();
    let err = service.call(&get(&server, "/big")).await.unwrap_err();
    assert!(matches!(err, RemoteError::TooLarge { limit: 4096, .. }), "{err}");
    assert_eq!(server.count(), 1, "a too-large response is not retried");
    assert_eq!(err.to_string(), "crm: the response is over the 4096-byte limit");
}

#[tokio::test]
async fn calls_wait_for_the_rate_limit() {
    let server = FakeServer::start(|_, _| Reply::ok("{}")).await;
    let rate = RateLimit { per_second: 20, burst: 1 };
    let service = Service::new("crm", CallOptions { rate_limit: Some(rate), ..fast() }).unwrap();
    let started = Instant::now();
    for _ in 0..5 {
        service.call(&get(&server, "/x")).await.unwrap();
    }
    // Five calls at 20/s with a burst of one take at least four intervals of 50 ms.
    assert!(started.elapsed() >= Duration::from_millis(190), "{:?}", started.elapsed());
    assert_eq!(server.count(), 5);
    assert!(
        Service::new("crm", CallOptions { rate_limit: Some(RateLimit { per_second: 0, burst: 1 }), ..fast() })
            .unwrap_err()
            .to_string()
            .contains("per_second must be at least 1")
    );
}
