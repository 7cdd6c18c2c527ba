//! Remote scorers: the `RemoteScorer` trait and `RemoteClient`, a provider protocol over a [`Service`].

use crate::error::RemoteError;
use crate::policy::{BreakerState, CallOptions};
use crate::service::Service;
use async_trait::async_trait;
use bytes::Bytes;
use http::Request;
use http_body_util::Full;
use serde_json::{Map, Value};
use std::fmt;

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

/// A remote scorer for one endpoint: build with [`RemoteClient::sagemaker`], [`RemoteClient::azureml`],
/// [`RemoteClient::http_json`] or [`RemoteClient::from_config`](crate::RemoteConfig). Its calls go
/// through a [`Service`] (timeouts, retries, breaker, caps).
pub struct RemoteClient {
    name: String,
    protocol: Box<dyn Protocol>,
    service: Service,
}

impl fmt::Debug for RemoteClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteClient")
            .field("name", &self.name)
            .field("protocol", &self.protocol)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl RemoteClient {
    pub(crate) fn new(
        name: Option<String>,
        protocol: Box<dyn Protocol>,
        options: CallOptions,
    ) -> Result<Self, RemoteError> {
        let service = Service::new(protocol.kind(), options)?;
        Ok(Self { name: name.unwrap_or_else(|| protocol.kind().to_owned()), protocol, service })
    }

    /// The same client under another name.
    pub fn renamed(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn options(&self) -> &CallOptions {
        self.service.options()
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.service.breaker_state()
    }

    /// The service its calls go through (e.g. to add a usage hook).
    pub fn with_usage(mut self, hook: std::sync::Arc<dyn crate::UsageHook>) -> Self {
        self.service = self.service.with_usage(hook);
        self
    }
}

#[async_trait]
impl RemoteScorer for RemoteClient {
    async fn score(&self, features: &Map<String, Value>) -> Result<f64, RemoteError> {
        let provider = self.protocol.kind();
        let build = || self.protocol.build(features);
        let read = |reply: crate::service::Reply| {
            self.protocol
                .parse(&reply.body)
                .map_err(|message| RemoteError::BadResponse { provider: provider.to_owned(), message })
        };
        self.service.call_with(&build, read).await
    }

    fn name(&self) -> &str {
        &self.name
    }
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
