//! API keys on the HTTP API: checked against the store (only hashes are stored and compared), trusted for
//! `[serve] key_cache_secs` so a busy client costs no store round trip per request, and rate-limited per
//! key with a token bucket (`[serve.rate_limit]`). Handlers take [`Read`], [`Write`] or [`Admin`]: the
//! extractor refuses the request (401, 403, 429 with `Retry-After`, 503) before the body is read.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use leadsmith_store::api_keys::{Authorized, authorize, needs_touch};
use leadsmith_store::{ApiKey, KeyRejection, Scope, StoreError, presented_key};
use serde_json::json;

use super::{AppState, RequestId, now_ms, problem};
use crate::config::{KeyLimit, RateLimitSettings};

/// The token bucket's quota for a key; `None` when its rate is unlimited.
fn quota_for(limits: &RateLimitSettings, key_name: &str) -> Option<Quota> {
    let limit =
        limits.keys.get(key_name).copied().unwrap_or(KeyLimit { per_second: limits.per_second, burst: limits.burst });
    let per_second = NonZeroU32::new(limit.per_second)?;
    Some(Quota::per_second(per_second).allow_burst(NonZeroU32::new(limit.burst).unwrap_or(per_second)))
}

struct Cached {
    key: ApiKey,
    fetched: Instant,
}

/// Checked keys, their buckets and when each was last recorded as used.
pub(super) struct Keys {
    ttl: Duration,
    limits: RateLimitSettings,
    cache: RwLock<HashMap<String, Cached>>,
    /// Per key id: its bucket, or `None` for a key without a limit.
    buckets: Mutex<HashMap<i64, Option<Arc<DefaultDirectRateLimiter>>>>,
}

impl Keys {
    pub(super) fn new(config: &crate::config::ServeSettings) -> Self {
        Self {
            ttl: Duration::from_secs_f64(config.key_cache_secs),
            limits: config.rate_limit.clone(),
            cache: RwLock::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The stored key with this hash: from the cache while fresh, else from the store.
    async fn lookup(&self, state: &AppState, hash: &str) -> Result<Option<ApiKey>, StoreError> {
        if let Some(c) = self.cache.read().expect("key cache").get(hash)
            && c.fetched.elapsed() < self.ttl
        {
            return Ok(Some(c.key.clone()));
        }
        let key = state.store.api_key_by_hash(hash).await?;
        let mut cache = self.cache.write().expect("key cache");
        match &key {
            Some(key) => {
                cache.insert(hash.to_string(), Cached { key: key.clone(), fetched: Instant::now() });
            }
            None => {
                cache.remove(hash);
            }
        }
        Ok(key)
    }

    /// Takes a token from the key's bucket; how long to wait when it is empty.
    fn take_token(&self, key: &ApiKey) -> Result<(), Duration> {
        let bucket = {
            let mut buckets = self.buckets.lock().expect("rate limit buckets");
            buckets
                .entry(key.id)
                .or_insert_with(|| quota_for(&self.limits, &key.name).map(|q| Arc::new(RateLimiter::direct(q))))
                .clone()
        };
        match bucket {
            None => Ok(()),
            Some(bucket) => bucket.check().map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
        }
    }

    /// Records the key's use in the store when the policy says so ([`needs_touch`]), off the request's path.
    fn touch(&self, state: &Arc<AppState>, hash: &str, key: &ApiKey, now: i64) {
        if !needs_touch(key, now) {
            return;
        }
        if let Some(c) = self.cache.write().expect("key cache").get_mut(hash) {
            c.key.last_used_at_ms = Some(now);
        }
        let (state, id, name) = (state.clone(), key.id, key.name.clone());
        tokio::spawn(async move {
            if let Err(e) = state.store.touch_api_key(id, now).await {
                tracing::warn!(key = name, error = %e, "could not record an API key's last use");
            }
        });
    }
}

/// Checks the request's key for `needed` and takes a token from its bucket; the response to send otherwise.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub(super) async fn authenticate(
    state: &Arc<AppState>,
    headers: &HeaderMap,
    needed: Scope,
) -> Result<ApiKey, Response> {
    let refuse = |rejection: KeyRejection| {
        if let KeyRejection::Store(e) = &rejection {
            tracing::warn!(error = %e, "API key check failed");
        }
        let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let mut response = problem(status, rejection.to_string(), Some(json!({"code": rejection.code()})));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    };
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let presented = presented_key(value("x-api-key"), value("authorization"));
    let now = now_ms();
    let lookup = |hash: String| async move { state.keys.lookup(state, &hash).await };
    let Authorized { key, hash } = authorize(presented, needed, now, lookup).await.map_err(refuse)?;
    if let Err(wait) = state.keys.take_token(&key) {
        crate::telemetry::global().rate_limited();
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let detail = format!("rate limit of API key {:?} reached; retry in {secs} s", key.name);
        let mut response = problem(StatusCode::TOO_MANY_REQUESTS, detail, Some(json!({"code": "rate_limited"})));
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Err(response);
    }
    state.keys.touch(state, &hash, &key, now);
    Ok(key)
}

/// What an authenticated handler gets: the state, the request id and the caller's key.
pub struct Ctx {
    pub state: Arc<AppState>,
    pub id: String,
    pub key: ApiKey,
}

impl Ctx {
    async fn extract(parts: &Parts, state: &Arc<AppState>, needed: Scope) -> Result<Self, Response> {
        let id = parts.extensions.get::<RequestId>().map_or_else(super::middleware::new_request_id, |r| r.0.clone());
        let key = authenticate(state, &parts.headers, needed).await?;
        Ok(Self { state: state.clone(), id, key })
    }
}

macro_rules! scoped_extractor {
    ($(#[$doc:meta])* $name:ident, $scope:expr) => {
        $(#[$doc])*
        pub struct $name(pub Ctx);

        impl FromRequestParts<Arc<AppState>> for $name {
            type Rejection = Response;

            async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Response> {
                Ctx::extract(parts, state, $scope).await.map($name)
            }
        }
    };
}

scoped_extractor!(
    /// A request from a key that may read.
    Read,
    Scope::Read
);
scoped_extractor!(
    /// A request from a key that may write (create, change, start).
    Write,
    Scope::Write
);
scoped_extractor!(
    /// A request from an admin key (destructive queue operations, server-side files).
    Admin,
    Scope::Admin
);
