//! A generic JSON-over-HTTP scoring endpoint.

use crate::client::{Protocol, RemoteClient, check_url, json_request};
use crate::error::RemoteError;
use crate::policy::CallOptions;
use crate::response::extract_score;
use crate::secret::Secret;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request};
use http_body_util::Full;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use url::Url;

/// `POST {url}` with `{"features": {…}}`; the score is read at `score_pointer` (default `/score`).
#[derive(Clone, Deserialize)]
pub struct HttpJsonConfig {
    pub url: Url,
    /// Extra headers (e.g. `X-API-Key`). Values are treated as secrets: never printed.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    #[serde(default = "default_pointer")]
    pub score_pointer: String,
}

fn default_pointer() -> String {
    "/score".to_owned()
}

impl HttpJsonConfig {
    pub fn new(url: Url) -> Self {
        Self { url, headers: BTreeMap::new(), score_pointer: default_pointer() }
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<Secret>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }
}

impl fmt::Debug for HttpJsonConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpJsonConfig")
            .field("url", &crate::client::redact_url(&self.url))
            .field("headers", &self.headers)
            .field("score_pointer", &self.score_pointer)
            .finish()
    }
}

pub(crate) struct HttpJson {
    config: HttpJsonConfig,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl fmt::Debug for HttpJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpJson").field("config", &self.config).finish_non_exhaustive()
    }
}

impl HttpJson {
    pub(crate) fn new(config: HttpJsonConfig) -> Result<Self, RemoteError> {
        check_url(&config.url, "url")?;
        if !config.score_pointer.is_empty() && !config.score_pointer.starts_with('/') {
            return Err(RemoteError::Config(format!(
                "score_pointer {:?} must be empty or start with '/'",
                config.score_pointer
            )));
        }
        let mut headers = Vec::new();
        for (name, value) in &config.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| RemoteError::Config(format!("{name:?} is not a valid header name")))?;
            let mut value = HeaderValue::from_str(value.expose())
                .map_err(|_| RemoteError::Config(format!("header {name} has an invalid value")))?;
            value.set_sensitive(true);
            headers.push((name, value));
        }
        Ok(Self { config, headers })
    }
}

impl Protocol for HttpJson {
    fn kind(&self) -> &'static str {
        "http"
    }

    fn build(&self, features: &Map<String, Value>) -> Result<Request<Full<Bytes>>, RemoteError> {
        let body = serde_json::to_vec(&serde_json::json!({ "features": features }))
            .map_err(|e| RemoteError::Config(format!("features: {e}")))?;
        json_request(&self.config.url, &self.headers, body)
    }

    fn parse(&self, body: &[u8]) -> Result<f64, String> {
        extract_score(body, Some(&self.config.score_pointer))
    }
}

impl RemoteClient {
    /// A client for a generic JSON scoring endpoint.
    pub fn http_json(config: HttpJsonConfig, options: CallOptions) -> Result<Self, RemoteError> {
        let name = format!("http:{}", config.url.host_str().unwrap_or(""));
        Self::new(Some(name), Box::new(HttpJson::new(config)?), options)
    }
}
