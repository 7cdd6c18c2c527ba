//! Call policy (timeout, retries, backoff) and the circuit breaker.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How one logical call is made: per-attempt timeout, retries on transient failures and the breaker.
#[derive(Debug, Clone, PartialEq)]
pub struct CallOptions {
    /// Limit for one attempt, response body included. Default 2 s.
    pub timeout: Duration,
    /// Extra attempts after a transient failure (connect error, timeout, 408/429/5xx). Default 2.
    pub retries: u32,
    /// First backoff; doubled each retry (100 ms, 200 ms, …). Default 100 ms.
    pub backoff: Duration,
    /// Longest `Retry-After` honoured; longer values are clamped to it. Default 2 s.
    pub retry_after_cap: Duration,
    pub breaker: BreakerSettings,
    /// Largest response body read; a longer one fails the call. Default 4 MiB.
    pub max_response_bytes: usize,
    /// Most calls per second to this service, attempts included (a provider's quota); none by default.
    pub rate_limit: Option<RateLimit>,
}

/// A token bucket: `per_second` calls sustained, `burst` at once after a quiet spell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            retries: 2,
            backoff: Duration::from_millis(100),
            retry_after_cap: Duration::from_secs(2),
            breaker: BreakerSettings::default(),
            max_response_bytes: 4 * 1024 * 1024,
            rate_limit: None,
        }
    }
}

impl CallOptions {
    /// Delay before retry number `retry` (0-based), honouring the server's `Retry-After` up to the cap.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(after) => after.min(self.retry_after_cap),
            None => self.backoff.saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive failed calls (after retries) that open the circuit. Default 5; 0 disables the breaker.
    pub failures: u32,
    /// How long the circuit stays open before one trial call is let through. Default 30 s.
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self { failures: 5, cooldown: Duration::from_secs(30) }
    }
}

/// The breaker's state as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed {
        consecutive_failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cool-down is over and one trial call is in flight; everyone else fails fast.
    HalfOpen,
}

/// Consecutive-failure circuit breaker: closed → open (fail fast for the cool-down) → half-open (a single
/// trial call) → closed on success, open again on failure.
#[derive(Debug)]
pub struct CircuitBreaker {
    settings: BreakerSettings,
    state: Mutex<State>,
}

/// Why the breaker refused a call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rejected {
    pub retry_in: Duration,
}

impl CircuitBreaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self { settings, state: Mutex::new(State::Closed { consecutive_failures: 0 }) }
    }

    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen => BreakerState::HalfOpen,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks to make a call. The returned permit must be resolved with `success` or `failure`; dropping it
    /// unresolved (a cancelled call) frees the half-open trial slot without counting a failure.
    pub(crate) fn acquire(&self) -> Result<Permit<'_>, Rejected> {
        if self.settings.failures == 0 {
            return Ok(Permit { breaker: self, trial: false, resolved: false });
        }
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(Permit { breaker: self, trial: false, resolved: false }),
            State::Open { until } => {
                let now = Instant::now();
                if now < until {
                    Err(Rejected { retry_in: until - now })
                } else {
                    *state = State::HalfOpen;
                    Ok(Permit { breaker: self, trial: true, resolved: false })
                }
            }
            State::HalfOpen => Err(Rejected { retry_in: Duration::ZERO }),
        }
    }

    fn on_success(&self) {
        *self.lock() = State::Closed { consecutive_failures: 0 };
    }

    fn on_failure(&self, trial: bool) {
        if self.settings.failures == 0 {
            return;
        }
        let mut state = self.lock();
        let open = State::Open { until: Instant::now() + self.settings.cooldown };
        match *state {
            State::Closed { consecutive_failures } => {
                let n = consecutive_failures.saturating_add(1);
                *state = if n >= self.settings.failures { open } else { State::Closed { consecutive_failures: n } };
            }
            State::HalfOpen if trial => *state = open,
            // A call admitted before the circuit opened that fails late: the circuit is already open.
            _ => {}
        }
    }
}

pub(crate) struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    resolved: bool,
}

impl Permit<'_> {
    pub(crate) fn success(mut self) {
        self.resolved = true;
        self.breaker.on_success();
    }

    pub(crate) fn failure(mut self) {
        self.resolved = true;
        self.breaker.on_failure(self.trial);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.resolved && self.trial {
            let mut state = self.breaker.lock();
            if matches!(*state, State::HalfOpen) {
                *state = State::Open { until: Instant::now() };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_then_half_opens() {
        let breaker = CircuitBreaker::new(BreakerSettings { failures: 2, cooldown: Duration::from_millis(30) });
        breaker.acquire().unwrap().failure();
        breaker.acquire().unwrap().success();
        breaker.acquire().unwrap().failure();
        assert_eq!(breaker.state(), BreakerState::Closed);
        breaker.acquire().unwrap().failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.acquire().is_err());
        std::thread::sleep(Duration::from_millis(40));
        let trial = breaker.acquire().unwrap();
        assert!(breaker.acquire().is_err(), "only one trial call while half-open");
        trial.failure();
        assert_eq!(breaker.state(), BreakerState::Open);
        std::thread::sleep(Duration::from_millis(40));
        breaker.acquire().unwrap().success();
        assert_eq!(breaker.state(), BreakerState::Closed);
    }

    #[test]
    fn dropped_trial_frees_the_slot() {
        let breaker = CircuitBreaker::new(BreakerSettings { failures: 1, cooldown: Duration::ZERO });
        breaker.acquire().unwrap().failure();
        drop(breaker.acquire().unwrap());
        assert!(breaker.acquire().is_ok());
    }

    #[test]
    fn backoff_doubles_and_retry_after_is_capped() {
        let options = CallOptions::default();
        assert_eq!(options.delay(0, None), Duration::from_millis(100));
        assert_eq!(options.delay(1, None), Duration::from_millis(200));
        assert_eq!(options.delay(0, Some(Duration::from_secs(1))), Duration::from_secs(1));
        assert_eq!(options.delay(0, Some(Duration::from_secs(60))), Duration::from_secs(2));
    }
}
