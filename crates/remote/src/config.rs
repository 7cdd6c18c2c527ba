//! Serde configuration, e.g. from a `[remote]` table in TOML.

use crate::azureml::AzureMlConfig;
use crate::client::RemoteClient;
use crate::error::RemoteError;
use crate::http_json::HttpJsonConfig;
use crate::policy::{BreakerSettings, CallOptions, RateLimit};
use crate::sagemaker::SageMakerConfig;
use serde::Deserialize;
use std::time::Duration;

/// The provider and its settings, selected by `kind`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ProviderConfig {
    Sagemaker(SageMakerConfig),
    Azureml(AzureMlConfig),
    Http(HttpJsonConfig),
}

/// A remote scorer, e.g.
///
/// ```toml
/// kind = "http"
/// url = "https://scoring.example.com/v1/score"
/// headers = { "X-API-Key" = "…" }
/// timeout_ms = 1500
/// breaker = { failures = 3, cooldown_ms = 10000 }
/// fallback = true
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct RemoteConfig {
    #[serde(flatten)]
    pub provider: ProviderConfig,
    /// Name for logs; defaults to the provider and endpoint.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "default_retries")]
    pub retries: u32,
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
    #[serde(default = "default_retry_after_cap_ms")]
    pub retry_after_cap_ms: u64,
    #[serde(default)]
    pub breaker: BreakerConfig,
    /// Largest response body read, in bytes (default 4 MiB).
    #[serde(default = "default_max_response_bytes")]
    pub max_response_bytes: usize,
    /// Most calls per second, retries included (the endpoint's quota); unlimited when omitted.
    #[serde(default)]
    pub rate_limit: Option<RateLimitConfig>,
    /// Whether the application should fall back to its local model when the remote one fails.
    #[serde(default)]
    pub fallback: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct BreakerConfig {
    #[serde(default = "default_failures")]
    pub failures: u32,
    #[serde(default = "default_cooldown_ms")]
    pub cooldown_ms: u64,
}

/// `rate_limit = { per_second = 10, burst = 20 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct RateLimitConfig {
    pub per_second: u32,
    /// Calls at once after a quiet spell; default `per_second`.
    #[serde(default)]
    pub burst: Option<u32>,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self { failures: default_failures(), cooldown_ms: default_cooldown_ms() }
    }
}

fn default_timeout_ms() -> u64 {
    2_000
}
fn default_retries() -> u32 {
    2
}
fn default_backoff_ms() -> u64 {
    100
}
fn default_retry_after_cap_ms() -> u64 {
    2_000
}
fn default_max_response_bytes() -> usize {
    4 * 1024 * 1024
}
fn default_failures() -> u32 {
    5
}
fn default_cooldown_ms() -> u64 {
    30_000
}

impl RemoteConfig {
    pub fn call_options(&self) -> CallOptions {
        CallOptions {
            timeout: Duration::from_millis(self.timeout_ms),
            retries: self.retries,
            backoff: Duration::from_millis(self.backoff_ms),
            retry_after_cap: Duration::from_millis(self.retry_after_cap_ms),
            breaker: BreakerSettings {
                failures: self.breaker.failures,
                cooldown: Duration::from_millis(self.breaker.cooldown_ms),
            },
            max_response_bytes: self.max_response_bytes,
            rate_limit: self
                .rate_limit
                .map(|r| RateLimit { per_second: r.per_second, burst: r.burst.unwrap_or(r.per_second) }),
        }
    }

    /// Builds the client this configuration describes.
    pub fn build(&self) -> Result<RemoteClient, RemoteError> {
        let options = self.call_options();
        let client = match &self.provider {
            ProviderConfig::Sagemaker(c) => RemoteClient::sagemaker(c.clone(), options),
            ProviderConfig::Azureml(c) => RemoteClient::azureml(c.clone(), options),
            ProviderConfig::Http(c) => RemoteClient::http_json(c.clone(), options),
        }?;
        Ok(match &self.name {
            Some(name) => client.renamed(name.clone()),
            None => client,
        })
    }
}
