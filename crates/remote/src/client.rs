//! The shared HTTP machinery: one attempt (with timeout), the retry loop and the circuit breaker.

use crate::error::RemoteError;
use crate::policy::{BreakerState, CallOptions, CircuitBreaker};
use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde_json::{Map, Value};
use std::fmt;
use std::time::Duration;

/// A model served somewhere else that turns a feature map into a score.
#[async_trait]
pub trait RemoteScorer: Send + Sync {
    /// The score (usually a probability) for one set of features.
    async fn score(&self, features: &Map<String, Value>) -> Result<f64, RemoteError>;

    /// A short name for logs and reports.
    fn name(&self) -> &str;
}

#[async_trait]
impl<T: RemoteScorer + ?Sized> RemoteScorer for std::sync::Arc<T> {
    async fn score(&self, features: &Map<String, Value>) -> Result<f64, RemoteError> {
        (**self).score(features).await
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

#[async_trait]
impl<T: RemoteScorer + ?Sized> RemoteScorer for Box<T> {
    async fn score(&self, features: &Map<String, Value>) -> Result<f64, RemoteError> {
        (**self).score(features).await
    }

    fn name(&self) -> &str {
        (**self).name()
    }
}

/// How a provider builds its request and reads its response. Implementations must keep secrets out of
/// their `Debug` output.
pub(crate) trait Protocol: fmt::Debug + Send + Sync {
    /// Provider label used in errors (`sagemaker`, `azureml`, `http`).
    fn kind(&self) -> &'static str;
    /// A fresh request for one attempt (signed requests are re-signed each time).
    fn build(&self, features: &Map<String, Value>) -> Result<Request<Full<Bytes>>, RemoteError>;
    fn parse(&self, body: &[u8]) -> Result<f64, String>;
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A remote scorer for one endpoint: build with [`RemoteClient::sagemaker`], [`RemoteClient::azureml`],
/// [`RemoteClient::http_json`] or [`RemoteClient::from_config`](crate::RemoteConfig).
pub struct RemoteClient {
    name: String,
    protocol: Box<dyn Protocol>,
    options: CallOptions,
    breaker: CircuitBreaker,
    http: HttpClient,
}

impl fmt::Debug for RemoteClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteClient")
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("options", &self.options)
            .field("breaker", &self.breaker.state())
            .finish_non_exhaustive()
    }
}

impl RemoteClient {
    pub(crate) fn new(
        name: Option<String>,
        protocol: Box<dyn Protocol>,
        options: CallOptions,
    ) -> Result<Self, RemoteError> {
        if options.timeout.is_zero() {
            return Err(RemoteError::Config("timeout must be greater than zero".into()));
        }
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| RemoteError::Config(format!("TLS setup failed: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let http = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Ok(Self {
            name: name.unwrap_or_else(|| protocol.kind().to_owned()),
            breaker: CircuitBreaker::new(options.breaker),
            protocol,
            options,
            http,
        })
    }

    /// The same client under another name.
    pub fn renamed(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn options(&self) -> &CallOptions {
        &self.options
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    async fn attempt(&self, features: &Map<String, Value>) -> Result<f64, RemoteError> {
        let provider = self.protocol.kind();
        let request = self.protocol.build(features)?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| RemoteError::Connect { provider: provider.to_owned(), message: error_chain(&e) })?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|e| RemoteError::Connect {
                provider: provider.to_owned(),
                message: format!("reading the response failed: {}", error_chain(&e)),
            })?;
            Ok::<_, RemoteError>((parts.status, parts.headers, body.to_bytes()))
        };
        let (status, headers, body) = tokio::time::timeout(self.options.timeout, exchange)
            .await
            .map_err(|_| RemoteError::Timeout { provider: provider.to_owned(), timeout: self.options.timeout })??;
        if !status.is_success() {
            return Err(RemoteError::Status {
                provider: provider.to_owned(),
                status: status.as_u16(),
                message: error_message(&body, status),
                retry_after: retry_after(&headers),
            });
        }
        self.protocol
            .parse(&body)
            .map_err(|message| RemoteError::BadResponse { provider: provider.to_owned(), message })
    }
}

#[async_trait]
impl RemoteScorer for RemoteClient {
    async fn score(&self, features: &Map<String, Value>) -> Result<f64, RemoteError> {
        let permit = self.breaker.acquire().map_err(|rejected| RemoteError::CircuitOpen {
            provider: self.protocol.kind().to_owned(),
            retry_in: rejected.retry_in,
        })?;
        let mut retry = 0;
        let outcome = loop {
            match self.attempt(features).await {
                Ok(score) => break Ok(score),
                Err(error) if error.is_transient() && retry < self.options.retries => {
                    let after = match &error {
                        RemoteError::Status { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    let delay = self.options.delay(retry, after);
                    tracing::debug!(scorer = %self.name, %error, ?delay, "transient remote failure, retrying");
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                Err(error) => break Err(error),
            }
        };
        match &outcome {
            Ok(_) => permit.success(),
            Err(error) => {
                tracing::warn!(scorer = %self.name, %error, "remote scoring failed");
                permit.failure();
            }
        }
        outcome
    }

    fn name(&self) -> &str {
        &self.name
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

/// The service's own error message (`message`/`Message`/`error.message`), or the start of the body.
fn error_message(body: &[u8], status: http::StatusCode) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let from_json = json.as_ref().and_then(|v| {
        ["/message", "/Message", "/error/message", "/error"]
            .iter()
            .find_map(|p| v.pointer(p)?.as_str().map(str::to_owned))
    });
    let detail = from_json.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        text.trim().chars().take(300).collect()
    });
    if detail.is_empty() { reason.to_owned() } else { format!("{reason}: {detail}") }
}

/// `Retry-After` in delta-seconds (HTTP dates are ignored: the backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// `host[:port]` as sent in the `Host` header (the port only when it is not the scheme's default).
pub(crate) fn host_header(url: &url::Url) -> Result<String, RemoteError> {
    let host = url.host_str().ok_or_else(|| RemoteError::Config(format!("URL has no host: {}", redact_url(url))))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// The URL without user info or query (either may carry credentials), for messages.
pub(crate) fn redact_url(url: &url::Url) -> String {
    format!("{}://{}{}", url.scheme(), url.host_str().unwrap_or(""), url.path())
}

pub(crate) fn check_url(url: &url::Url, what: &str) -> Result<(), RemoteError> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(RemoteError::Config(format!("{what} must be an http(s) URL with a host, got {}", redact_url(url))));
    }
    Ok(())
}

pub(crate) fn json_request(
    url: &url::Url,
    headers: &[(http::HeaderName, http::HeaderValue)],
    body: Vec<u8>,
) -> Result<Request<Full<Bytes>>, RemoteError> {
    let builder = Request::post(url.as_str())
        .header(http::header::HOST, host_header(url)?)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json");
    let mut request =
        builder.body(Full::new(Bytes::from(body))).map_err(|e| RemoteError::Config(format!("bad request: {e}")))?;
    for (name, value) in headers {
        request.headers_mut().insert(name.clone(), value.clone());
    }
    Ok(request)
}
