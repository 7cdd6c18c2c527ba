//! Falling back to a local scorer when the remote one fails or its circuit is open.

use crate::client::RemoteScorer;
use crate::error::RemoteError;
use async_trait::async_trait;
use serde_json::{Map, Value};
use std::fmt;

/// Which scorer produced a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Remote,
    Fallback,
}

/// A score and where it came from; `error` says why the remote scorer was not used.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub value: f64,
    pub source: Source,
    pub error: Option<String>,
}

type LocalFn = dyn Fn(&Map<String, Value>) -> Result<f64, String> + Send + Sync;

/// A remote scorer backed by a local one.
pub struct Fallback<R> {
    remote: R,
    local: Box<LocalFn>,
    name: String,
}

impl<R: fmt::Debug> fmt::Debug for Fallback<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fallback").field("remote", &self.remote).finish_non_exhaustive()
    }
}

impl<R: RemoteScorer> Fallback<R> {
    pub fn new<F, E>(remote: R, local: F) -> Self
    where
        F: Fn(&Map<String, Value>) -> Result<f64, E> + Send + Sync + 'static,
        E: fmt::Display,
    {
        let name = format!("{}+fallback", remote.name());
        Self { remote, local: Box::new(move |features| local(features).map_err(|e| e.to_string())), name }
    }

    pub fn remote(&self) -> &R {
        &self.remote
    }

    /// Scores remotely, or locally when the remote call fails (including a fast failure of an open circuit).
    pub async fn score_detailed(&self, features: &Map<String, Value>) -> Result<Scored, RemoteError> {
        match self.remote.score(features).await {
            Ok(value) => Ok(Scored { value, source: Source::Remote, error: None }),
            Err(remote_error) => {
                let reason = remote_error.to_string();
                match (self.local)(features) {
                    Ok(value) => {
                        tracing::info!(scorer = %self.remote.name(), error = %reason, "used the local fallback");
                        Ok(Scored { value, source: Source::Fallback, error: Some(reason) })
                    }
                    Err(local) => Err(RemoteError::FallbackFailed { remote: reason, local }),
                }
            }
        }
    }
}

#[async_trait]
impl<R: RemoteScorer> RemoteScorer for Fallback<R> {
    async fn score(&self, features: &Map<String, Value>) -> Result<f64, RemoteError> {
        self.score_detailed(features).await.map(|scored| scored.value)
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// `scorer.with_fallback(|features| local_model(features))`.
pub trait RemoteScorerExt: RemoteScorer + Sized {
    fn with_fallback<F, E>(self, local: F) -> Fallback<Self>
    where
        F: Fn(&Map<String, Value>) -> Result<f64, E> + Send + Sync + 'static,
        E: fmt::Display,
    {
        Fallback::new(self, local)
    }
}

impl<T: RemoteScorer> RemoteScorerExt for T {}
