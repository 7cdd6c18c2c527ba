//! The one client every call to an outside service goes through — remote models today; LLM providers,
//! CRMs, mail and places APIs next. Per service: a per-attempt timeout (response body included), a cap on
//! the response body, retries of transient failures (connect errors, timeouts, 408/429/5xx) with a
//! doubling backoff that honours `Retry-After` up to a cap, a consecutive-failure circuit breaker, an
//! optional rate limit, and a usage hook told of every attempt (failed retries included, so costs are
//! never under-counted). Requests are built by the caller for each attempt (signed ones are re-signed);
//! secrets live in [`Secret`](crate::Secret)s and never reach logs or errors.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::RemoteError;
use crate::policy::{BreakerState, CallOptions, CircuitBreaker};

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// One attempt, as told to a [`UsageHook`].
#[derive(Debug)]
pub struct Usage<'a> {
    /// The service's label (`sagemaker`, `openai`, `salesforce`, …).
    pub service: &'a str,
    /// 0 for the first attempt of a call, then 1, 2, … for its retries.
    pub attempt: u32,
    /// The HTTP status, when a response came.
    pub status: Option<u16>,
    pub elapsed: Duration,
    pub request_bytes: usize,
    /// The response body, when one was read (token counts live there for LLM APIs).
    pub response: Option<&'a [u8]>,
    /// Why the attempt failed, if it did.
    pub error: Option<&'a RemoteError>,
}

/// Told of every attempt: for costs, quotas and metrics.
pub trait UsageHook: Send + Sync {
    fn record(&self, usage: &Usage<'_>);
}

/// A client for one outside service.
pub struct Service {
    label: String,
    options: CallOptions,
    breaker: CircuitBreaker,
    limiter: Option<DefaultDirectRateLimiter>,
    usage: Option<Arc<dyn UsageHook>>,
    http: HttpClient,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("label", &self.label)
            .field("options", &self.options)
            .field("breaker", &self.breaker.state())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A client for the service called `label` in errors and logs.
    pub fn new(label: impl Into<String>, options: CallOptions) -> Result<Self, RemoteError> {
        if options.timeout.is_zero() {
            return Err(RemoteError::Config("timeout must be greater than zero".into()));
        }
        if options.max_response_bytes == 0 {
            return Err(RemoteError::Config("max_response_bytes must be greater than zero".into()));
        }
        let limiter = match options.rate_limit {
            None => None,
            Some(limit) => {
                let per_second = NonZeroU32::new(limit.per_second)
                    .ok_or_else(|| RemoteError::Config("rate_limit.per_second must be at least 1".into()))?;
                let burst = NonZeroU32::new(limit.burst).unwrap_or(per_second);
                Some(RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)))
            }
        };
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
            label: label.into(),
            breaker: CircuitBreaker::new(options.breaker),
            options,
            limiter,
            usage: None,
            http,
        })
    }

    /// Tells `hook` of every attempt.
    pub fn with_usage(mut self, hook: Arc<dyn UsageHook>) -> Self {
        self.usage = Some(hook);
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn options(&self) -> &CallOptions {
        &self.options
    }

    pub fn breaker_state(&self) -> BreakerState {
        self.breaker.state()
    }

    /// One logical call: `build` makes each attempt's request; a 2xx reply is the answer.
    pub async fn call(
        &self,
        build: &(dyn Fn() -> Result<Request<Full<Bytes>>, RemoteError> + Send + Sync),
    ) -> Result<Reply, RemoteError> {
        self.call_with(build, Ok).await
    }

    /// One logical call whose 2xx reply is read by `read`; a reply that does not read counts as a failed
    /// call for the breaker (it is not retried).
    pub async fn call_with<T>(
        &self,
        build: &(dyn Fn() -> Result<Request<Full<Bytes>>, RemoteError> + Send + Sync),
        read: impl Fn(Reply) -> Result<T, RemoteError>,
    ) -> Result<T, RemoteError> {
        let permit = self.breaker.acquire().map_err(|rejected| RemoteError::CircuitOpen {
            provider: self.label.clone(),
            retry_in: rejected.retry_in,
        })?;
        let mut retry = 0;
        let outcome = loop {
            match self.attempt(build, retry).await.and_then(&read) {
                Ok(value) => break Ok(value),
                Err(error) if error.is_transient() && retry < self.options.retries => {
                    let after = match &error {
                        RemoteError::Status { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    let delay = self.options.delay(retry, after);
                    tracing::debug!(service = %self.label, %error, ?delay, "transient failure, retrying");
                    tokio::time::sleep(delay).await;
                    retry += 1;
                }
                Err(error) => break Err(error),
            }
        };
        match &outcome {
            Ok(_) => permit.success(),
            Err(error) => {
                tracing::warn!(service = %self.label, %error, "call failed");
                permit.failure();
            }
        }
        outcome
    }

    async fn attempt(
        &self,
        build: &(dyn Fn() -> Result<Request<Full<Bytes>>, RemoteError> + Send + Sync),
        attempt: u32,
    ) -> Result<Reply, RemoteError> {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let request = build()?;
        let secrets = secrets_of(request.headers());
        let request_bytes = hyper::body::Body::size_hint(request.body()).exact().unwrap_or(0) as usize;
        let started = Instant::now();
        let result = tokio::time::timeout(self.options.timeout, self.exchange(request)).await.unwrap_or_else(|_| {
            Err(RemoteError::Timeout { provider: self.label.clone(), timeout: self.options.timeout })
        });
        let outcome = match result {
            Ok((status, headers, body)) if status.is_success() => Ok(Reply { status, headers, body }),
            Ok((status, headers, body)) => Err((
                Some(status),
                Some(body.clone()),
                RemoteError::Status {
                    provider: self.label.clone(),
                    status: status.as_u16(),
                    message: scrub(error_message(&body, status), &secrets),
                    retry_after: retry_after(&headers),
                },
            )),
            Err(error) => Err((None, None, error)),
        };
        if let Some(hook) = &self.usage {
            let (status, body, error) = match &outcome {
                Ok(reply) => (Some(reply.status), Some(reply.body.clone()), None),
                Err((status, body, error)) => (*status, body.clone(), Some(error)),
            };
            hook.record(&Usage {
                service: &self.label,
                attempt,
                status: status.map(|s| s.as_u16()),
                elapsed: started.elapsed(),
                request_bytes,
                response: body.as_deref(),
                error,
            });
        }
        outcome.map_err(|(_, _, error)| error)
    }

    /// Sends the request and reads the body up to the cap.
    async fn exchange(&self, request: Request<Full<Bytes>>) -> Result<(StatusCode, HeaderMap, Bytes), RemoteError> {
        let connect = |message| RemoteError::Connect { provider: self.label.clone(), message };
        let response = self.http.request(request).await.map_err(|e| connect(error_chain(&e)))?;
        let (parts, mut body) = response.into_parts();
        let limit = self.options.max_response_bytes;
        let mut read = BytesMut::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| connect(format!("reading the response failed: {}", error_chain(&e))))?;
            if let Ok(data) = frame.into_data() {
                if read.len() + data.len() > limit {
                    return Err(RemoteError::TooLarge { provider: self.label.clone(), limit });
                }
                read.extend_from_slice(&data);
            }
        }
        Ok((parts.status, parts.headers, read.freeze()))
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
fn error_message(body: &[u8], status: StatusCode) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
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

/// The credential values a request carries in its headers (`Authorization` and its token, API-key
/// headers, cookies, anything marked sensitive), to keep out of messages: some services echo the request
/// headers in their error bodies, and error messages reach logs and reports.
fn secrets_of(headers: &HeaderMap) -> Vec<String> {
    const CREDENTIAL_HEADERS: [&str; 8] = [
        "authorization",
        "x-goog-api-key",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "cookie",
        "ocp-apim-subscription-key",
        "x-amz-security-token",
    ];
    let mut secrets = Vec::new();
    for (name, value) in headers {
        let credential = value.is_sensitive() || CREDENTIAL_HEADERS.contains(&name.as_str());
        let Ok(text) = value.to_str() else { continue };
        if !credential || text.len() < 4 {
            continue;
        }
        secrets.push(text.to_owned());
        // `Bearer TOKEN`, `AWS4-HMAC-SHA256 Credential=…, Signature=…`: the parts alone leak too.
        secrets.extend(text.split([' ', ',', '=']).filter(|part| part.len() >= 8).map(str::to_owned));
    }
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets
}

/// `message` with every one of `secrets` replaced by `***`.
fn scrub(mut message: String, secrets: &[String]) -> String {
    for secret in secrets {
        if message.contains(secret.as_str()) {
            message = message.replace(secret.as_str(), "***");
        }
    }
    message
}

/// `Retry-After` in delta-seconds (HTTP dates are ignored: the backoff applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}
