//! The one client for outside services ([`Service`]: timeouts, body caps, retries honouring
//! `Retry-After`, a circuit breaker, rate limits, a usage hook, secrets that never print), and on it the
//! clients for scoring models served outside leadsmith: AWS SageMaker (`InvokeEndpoint`, SigV4-signed),
//! Azure ML online endpoints and generic JSON-over-HTTP endpoints; and Google PageSpeed Insights (Lighthouse
//! scores for the website audit). LLM providers, CRMs and mail and places APIs are added as protocols over
//! [`Service`] the same way.
//!
//! Every client applies a per-attempt timeout, retries transient failures (connect errors, timeouts,
//! 408/429/5xx, honouring `Retry-After` up to a cap) with a short doubling backoff, and a consecutive-failure
//! circuit breaker. [`Fallback`] (or [`RemoteScorerExt::with_fallback`]) answers from a local scorer when
//! the remote one cannot, recording which one answered and why. Secrets never appear in `Debug` output
//! or errors.

mod azureml;
mod client;
mod config;
mod error;
mod fallback;
mod http_json;
mod pagespeed;
mod policy;
mod response;
mod sagemaker;
mod secret;
mod service;
pub mod sigv4;

pub use azureml::{AzureBody, AzureMlConfig};
pub use client::{RemoteClient, RemoteScorer};
pub use config::{BreakerConfig, ProviderConfig, RateLimitConfig, RemoteConfig};
pub use error::RemoteError;
pub use fallback::{Fallback, RemoteScorerExt, Scored, Source};
pub use http_json::HttpJsonConfig;
pub use pagespeed::{PAGESPEED_ENDPOINT, PageSpeed, PageSpeedConfig, Strategy};
pub use policy::{BreakerSettings, BreakerState, CallOptions, RateLimit};
pub use sagemaker::SageMakerConfig;
pub use secret::Secret;
pub use service::{Reply, Service, Usage, UsageHook};
pub use sigv4::AwsCredentials;
