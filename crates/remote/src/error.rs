use std::time::Duration;

/// Why a call to an outside service (or a remote score) failed. Messages never contain configured secrets.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RemoteError {
    #[error("invalid remote scorer configuration: {0}")]
    Config(String),
    #[error("{provider}: could not reach the endpoint: {message}")]
    Connect { provider: String, message: String },
    #[error("{provider}: no response within {timeout:?}")]
    Timeout { provider: String, timeout: Duration },
    #[error("{provider}: HTTP {status}: {message}")]
    Status { provider: String, status: u16, message: String, retry_after: Option<Duration> },
    #[error("{provider}: unusable response: {message}")]
    BadResponse { provider: String, message: String },
    #[error("{provider}: the response is over the {limit}-byte limit")]
    TooLarge { provider: String, limit: usize },
    #[error("{provider}: circuit breaker open, failing fast for another {retry_in:?}")]
    CircuitOpen { provider: String, retry_in: Duration },
    #[error("remote scorer failed ({remote}) and the local fallback failed too: {local}")]
    FallbackFailed { remote: String, local: String },
}

impl RemoteError {
    /// Connect errors, timeouts, 408, 429 and 5xx: worth another try.
    pub fn is_transient(&self) -> bool {
        match self {
            RemoteError::Connect { .. } | RemoteError::Timeout { .. } => true,
            RemoteError::Status { status, .. } => *status == 408 || *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// The HTTP status, for [`RemoteError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            RemoteError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}
