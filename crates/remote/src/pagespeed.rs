//! Google PageSpeed Insights (API v5, `runPagespeed`): Lighthouse's category scores for a page and the
//! metrics only a browser measures (largest contentful paint, layout shift, blocking time in the lab run;
//! interaction to next paint from real Chrome users when Google has field data). A protocol over the
//! shared [`Service`]: the API key travels in the `X-Goog-Api-Key` header (never in the URL, so it cannot
//! reach a log line through an address), and a Lighthouse failure reported in a 2xx body or a 4xx error
//! body is an error naming Google's reason.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request};
use http_body_util::Full;
use leadsmith_core::audit::Lighthouse;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::client::{check_url, host_header};
use crate::error::RemoteError;
use crate::policy::CallOptions;
use crate::secret::Secret;
use crate::service::{Service, UsageHook};

/// Google's endpoint.
pub const PAGESPEED_ENDPOINT: &str = "https://www.googleapis.com/pagespeedonline/v5/runPagespeed";

/// The Lighthouse categories asked for, as the API names them.
const CATEGORIES: [&str; 4] = ["performance", "accessibility", "best-practices", "seo"];

/// Which device Lighthouse emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    #[default]
    Mobile,
    Desktop,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mobile => "mobile",
            Self::Desktop => "desktop",
        }
    }
}

#[derive(Clone)]
pub struct PageSpeedConfig {
    pub endpoint: Url,
    pub key: Secret,
    pub strategy: Strategy,
}

impl fmt::Debug for PageSpeedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageSpeedConfig")
            .field("endpoint", &crate::client::redact_url(&self.endpoint))
            .field("key", &self.key)
            .field("strategy", &self.strategy)
            .finish()
    }
}

/// A PageSpeed Insights client.
#[derive(Debug)]
pub struct PageSpeed {
    config: PageSpeedConfig,
    key: HeaderValue,
    service: Service,
}

impl PageSpeed {
    pub fn new(config: PageSpeedConfig, options: CallOptions) -> Result<Self, RemoteError> {
        check_url(&config.endpoint, "pagespeed endpoint")?;
        if config.key.expose().trim().is_empty() {
            return Err(RemoteError::Config("the PageSpeed Insights API key is empty".into()));
        }
        let mut key = HeaderValue::from_str(config.key.expose().trim())
            .map_err(|_| RemoteError::Config("the PageSpeed Insights API key is not a valid header value".into()))?;
        key.set_sensitive(true);
        Ok(Self { config, key, service: Service::new("pagespeed", options)? })
    }

    /// Tells `hook` of every attempt (quotas, costs).
    pub fn with_usage(mut self, hook: Arc<dyn UsageHook>) -> Self {
        self.service = self.service.with_usage(hook);
        self
    }

    /// Runs Lighthouse on `page` (an http(s) address).
    pub async fn run(&self, page: &str) -> Result<Lighthouse, RemoteError> {
        let mut url = self.config.endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("url", page).append_pair("strategy", self.config.strategy.as_str());
            for category in CATEGORIES {
                query.append_pair("category", category);
            }
        }
        let host = host_header(&url)?;
        let build = || {
            Request::get(url.as_str())
                .header(http::header::HOST, host.as_str())
                .header(http::header::ACCEPT, "application/json")
                .header("x-goog-api-key", self.key.clone())
                .body(Full::new(Bytes::new()))
                .map_err(|e| RemoteError::Config(format!("bad request: {e}")))
        };
        let strategy = self.config.strategy;
        self.service.call_with(&build, |reply| read(&reply.body, strategy)).await
    }
}

fn bad(message: impl Into<String>) -> RemoteError {
    RemoteError::BadResponse { provider: "pagespeed".into(), message: message.into() }
}

/// Reads a `runPagespeed` response.
fn read(body: &[u8], strategy: Strategy) -> Result<Lighthouse, RemoteError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| bad(format!("not JSON: {e}")))?;
    let result = value.get("lighthouseResult").ok_or_else(|| bad("no lighthouseResult in the response"))?;
    if let Some(error) = result.pointer("/runtimeError/message").and_then(Value::as_str) {
        return Err(bad(format!("Lighthouse could not run: {error}")));
    }
    let categories = result.get("categories").and_then(Value::as_object).ok_or_else(|| bad("no categories"))?;
    let mut scores = Vec::new();
    for name in CATEGORIES {
        // A category Lighthouse could not score has `"score": null`: left out, not counted as 0.
        if let Some(score) = categories.get(name).and_then(|c| c.get("score")).and_then(Value::as_f64) {
            scores.push((name.to_string(), (score * 100.0).round().clamp(0.0, 100.0) as u32));
        }
    }
    if scores.is_empty() {
        return Err(bad("Lighthouse returned no category scores"));
    }
    let lab = |audit: &str| result.pointer(&format!("/audits/{audit}/numericValue")).and_then(Value::as_f64);
    let inp = value.pointer("/loadingExperience/metrics/INTERACTION_TO_NEXT_PAINT/percentile").and_then(Value::as_f64);
    Ok(Lighthouse {
        strategy: strategy.as_str().to_string(),
        scores,
        lcp_ms: lab("largest-contentful-paint"),
        cls: lab("cumulative-layout-shift"),
        tbt_ms: lab("total-blocking-time"),
        inp_ms: inp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_category_is_left_out_and_a_runtime_error_is_an_error() {
        let body =
            br#"{"lighthouseResult":{"categories":{"performance":{"score":0.42},"seo":{"score":null}},"audits":{}}}"#;
        let l = read(body, Strategy::Desktop).unwrap();
        assert_eq!(l.scores, vec![("performance".to_string(), 42)]);
        assert_eq!((l.strategy.as_str(), l.lcp_ms), ("desktop", None));
        let failed = br#"{"lighthouseResult":{"runtimeError":{"code":"ERRORED_DOCUMENT_REQUEST","message":"Lighthouse was unable to reliably load the page"},"categories":{}}}"#;
        let e = read(failed, Strategy::Mobile).unwrap_err().to_string();
        assert!(e.contains("unable to reliably load"), "{e}");
        assert!(read(b"<html>", Strategy::Mobile).is_err());
    }
}
