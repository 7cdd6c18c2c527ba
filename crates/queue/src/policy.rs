//! Retry timing: exponential backoff with jitter, capped.

use std::time::Duration;

use rand::Rng;

/// How long to wait before attempt `n + 1` after attempt `n` failed: `base × 2^(n-1)`, ± `jitter`, capped at `max`.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
    /// Fraction of the delay added or removed at random (0.2 = ±20 %) so retries of many jobs spread out.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::from_secs(5), max: Duration::from_secs(600), jitter: 0.2 }
    }
}

impl RetryPolicy {
    /// Delay after the `attempt`-th failed attempt (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let raw = self.base.saturating_mul(1u32 << exp).min(self.max);
        if self.jitter <= 0.0 {
            return raw;
        }
        let factor = 1.0 + rand::thread_rng().gen_range(-self.jitter..=self.jitter);
        raw.mul_f64(factor.max(0.0)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy { base: Duration::from_secs(1), max: Duration::from_secs(10), jitter: 0.0 };
        let delays: Vec<u64> = (1..=6).map(|a| p.delay(a).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let p = RetryPolicy { base: Duration::from_secs(10), max: Duration::from_secs(100), jitter: 0.2 };
        for _ in 0..200 {
            let d = p.delay(2).as_secs_f64();
            assert!((16.0..=24.0).contains(&d), "{d}");
        }
    }
}
