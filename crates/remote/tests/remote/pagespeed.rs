//! PageSpeed Insights against a local fake speaking its API: the request (URL, strategy, categories,
//! the key in `X-Goog-Api-Key` and never in the address), the scores and metrics read, quota errors
//! retried after `Retry-After`, Google's error bodies reported, and the key kept out of every message.

use std::time::Duration;

use leadsmith_remote::{CallOptions, PageSpeed, PageSpeedConfig, RemoteError, Secret, Strategy};
use leadsmith_testkit::fake::{FakeServer, Reply};

const KEY: &str = "AIzaSyFAKE-0123456789abcdefghijklmnop";

/// A trimmed `runPagespeed` answer, shaped as Google sends it.
const ANSWER: &str = r#"{
  "captchaResult": "CAPTCHA_NOT_NEEDED",
  "kind": "pagespeedonline#result",
  "id": "https://acme.example/",
  "loadingExperience": {
    "id": "https://acme.example/",
    "metrics": {
      "INTERACTION_TO_NEXT_PAINT": { "percentile": 312, "category": "AVERAGE" },
      "LARGEST_CONTENTFUL_PAINT_MS": { "percentile": 4100, "category": "SLOW" }
    },
    "overall_category": "SLOW"
  },
  "lighthouseResult": {
    "requestedUrl": "https://acme.example/",
    "finalUrl": "https://acme.example/",
    "lighthouseVersion": "12.2.1",
    "audits": {
      "largest-contentful-paint": { "id": "largest-contentful-paint", "score": 0.12, "numericValue": 5423.7, "displayValue": "5.4 s" },
      "cumulative-layout-shift": { "id": "cumulative-layout-shift", "score": 0.55, "numericValue": 0.213 },
      "total-blocking-time": { "id": "total-blocking-time", "score": 0.4, "numericValue": 640.5 }
    },
    "categories": {
      "performance": { "id": "performance", "title": "Performance", "score": 0.38 },
      "accessibility": { "id": "accessibility", "title": "Accessibility", "score": 0.81 },
      "best-practices": { "id": "best-practices", "title": "Best Practices", "score": 0.74 },
      "seo": { "id": "seo", "title": "SEO", "score": 0.9 }
    }
  }
}"#;

fn client(server: &FakeServer, strategy: Strategy) -> PageSpeed {
    let config =
        PageSpeedConfig { endpoint: server.url("/pagespeedonline/v5/runPagespeed"), key: Secret::new(KEY), strategy };
    let options = CallOptions { backoff: Duration::from_millis(5), ..CallOptions::default() };
    PageSpeed::new(config, options).unwrap()
}

#[tokio::test]
async fn lighthouse_scores_and_browser_metrics_are_read() {
    let server = FakeServer::start(|_, _| Reply::ok(ANSWER).header("content-type", "application/json")).await;
    let l = client(&server, Strategy::Mobile).run("https://acme.example/").await.unwrap();
    assert_eq!(l.strategy, "mobile");
    assert_eq!(l.score("performance"), Some(38));
    assert_eq!(l.score("best-practices"), Some(74));
    assert_eq!(l.score("seo"), Some(90));
    assert_eq!((l.lcp_ms, l.cls, l.tbt_ms, l.inp_ms), (Some(5423.7), Some(0.213), Some(640.5), Some(312.0)));

    let request = &server.requests()[0];
    assert_eq!((request.method.as_str(), request.path.as_str()), ("GET", "/pagespeedonline/v5/runPagespeed"));
    let query = request.query.clone().unwrap_or_default();
    assert!(query.contains("url=https%3A%2F%2Facme.example%2F") && query.contains("strategy=mobile"), "{query}");
    for category in ["performance", "accessibility", "best-practices", "seo"] {
        assert!(query.contains(&format!("category={category}")), "{query}");
    }
    assert_eq!(request.header("x-goog-api-key"), Some(KEY));
    assert!(!query.contains(KEY), "the key never travels in the address");
}

#[tokio::test]
async fn quota_errors_are_retried_and_google_errors_are_reported_without_the_key() {
    let quota = r#"{"error":{"code":429,"message":"Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'","status":"RESOURCE_EXHAUSTED"}}"#;
    let server =
        FakeServer::start(
            move |_, i| {
                if i == 0 { Reply::new(429, quota).header("retry-after", "0") } else { Reply::ok(ANSWER) }
            },
        )
        .await;
    let l = client(&server, Strategy::Desktop).run("https://acme.example/").await.unwrap();
    assert_eq!((l.strategy.as_str(), server.count()), ("desktop", 2));

    let invalid = r#"{"error":{"code":400,"message":"Lighthouse returned error: FAILED_DOCUMENT_REQUEST. Lighthouse was unable to reliably load the page you requested.","status":"INVALID_ARGUMENT"}}"#;
    let server = FakeServer::start(move |_, _| Reply::new(400, invalid)).await;
    let e = client(&server, Strategy::Mobile).run("https://down.example/").await.unwrap_err();
    assert!(matches!(e, RemoteError::Status { status: 400, .. }), "{e:?}");
    assert_eq!(server.count(), 1, "a 400 is not retried");
    let text = format!("{e} {e:?}");
    assert!(text.contains("unable to reliably load"), "{text}");
    assert!(!text.contains(KEY), "{text}");

    let denied = format!(r#"{{"error":{{"code":403,"message":"API key not valid: {KEY}"}}}}"#);
    let server = FakeServer::start(move |_, _| Reply::new(403, denied.clone())).await;
    let e = client(&server, Strategy::Mobile).run("https://acme.example/").await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(!text.contains(KEY), "a key echoed back by the server is scrubbed: {text}");
}

#[test]
fn an_empty_key_is_refused_and_the_config_never_prints_it() {
    let config = PageSpeedConfig {
        endpoint: url::Url::parse(leadsmith_remote::PAGESPEED_ENDPOINT).unwrap(),
        key: Secret::new(" "),
        strategy: Strategy::Mobile,
    };
    assert!(PageSpeed::new(config.clone(), CallOptions::default()).is_err());
    let config = PageSpeedConfig { key: Secret::new(KEY), ..config };
    assert!(!format!("{config:?}").contains(KEY));
}
