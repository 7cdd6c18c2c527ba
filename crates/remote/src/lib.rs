//! Clients for scoring models served outside leadsmith: AWS SageMaker (`InvokeEndpoint`, SigV4-signed),
//! Azure ML online endpoints and generic JSON-over-HTTP endpoints.
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
mod policy;
mod response;
mod sagemaker;
mod secret;
pub mod sigv4;

pub use azureml::{AzureBody, AzureMlConfig};
pub use client::{RemoteClient, RemoteScorer};
pub use config::{BreakerConfig, ProviderConfig, RemoteConfig};
pub use error::RemoteError;
pub use fallback::{Fallback, RemoteScorerExt, Scored, Source};
pub use http_json::HttpJsonConfig;
pub use policy::{BreakerSettings, BreakerState, CallOptions};
pub use sagemaker::SageMakerConfig;
pub use secret::Secret;
pub use sigv4::AwsCredentials;
