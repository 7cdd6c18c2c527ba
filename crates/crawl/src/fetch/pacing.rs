//! Politeness and backpressure: a global semaphore, and per host a semaphore plus a minimum gap between
//! request starts (raised by robots.txt `Crawl-delay`, pushed back by 429s). Hosts are created lazily.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Past this many idle hosts the map is pruned, so a long crawl over many sites does not grow forever.
const PRUNE_ABOVE: usize = 4096;

pub(crate) struct Gates {
    global: Arc<Semaphore>,
    per_host: usize,
    interval: Duration,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
}

/// One host's pacing state.
pub(crate) struct HostGate {
    permits: Arc<Semaphore>,
    schedule: Mutex<Schedule>,
}

struct Schedule {
    /// Earliest moment the next request to this host may start.
    next_start: Instant,
    interval: Duration,
}

/// Held for the duration of one request; dropping it frees the host and global slots.
pub(crate) struct Permit {
    _host: Option<OwnedSemaphorePermit>,
    _global: Option<OwnedSemaphorePermit>,
}

impl Gates {
    pub(crate) fn new(global: usize, per_host: usize, interval: Duration) -> Self {
        Self { global: Arc::new(Semaphore::new(global)), per_host, interval, hosts: Mutex::default() }
    }

    /// The gate for `host` (lower-cased), created on first use.
    pub(crate) fn host(&self, host: &str) -> Arc<HostGate> {
        let Ok(mut hosts) = self.hosts.lock() else {
            // A poisoned map only means another task panicked mid-insert; pace this request on its own.
            return Arc::new(HostGate::new(self.per_host, self.interval));
        };
        if hosts.len() > PRUNE_ABOVE {
            let now = Instant::now();
            hosts.retain(|_, gate| Arc::strong_count(gate) > 1 || gate.next_start() > now);
        }
        Arc::clone(
            hosts.entry(host.to_string()).or_insert_with(|| Arc::new(HostGate::new(self.per_host, self.interval))),
        )
    }

    /// Waits for a host slot, the host's next start time and a global slot, in that order, so a request
    /// waiting out a long crawl delay never holds one of the global slots.
    pub(crate) async fn acquire(&self, host: &str) -> Permit {
        let gate = self.host(host);
        let host_permit = Arc::clone(&gate.permits).acquire_owned().await.ok();
        loop {
            tokio::time::sleep_until(gate.next_start()).await;
            let global = Arc::clone(&self.global).acquire_owned().await.ok();
            // Another request to this host may have started while we waited for the global slot.
            if gate.try_claim(Instant::now()) {
                return Permit { _host: host_permit, _global: global };
            }
        }
    }
}

impl HostGate {
    fn new(per_host: usize, interval: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(per_host)),
            schedule: Mutex::new(Schedule { next_start: Instant::now(), interval }),
        }
    }

    fn next_start(&self) -> Instant {
        self.schedule.lock().map(|s| s.next_start).unwrap_or_else(|_| Instant::now())
    }

    fn try_claim(&self, now: Instant) -> bool {
        let Ok(mut s) = self.schedule.lock() else {
            return true;
        };
        if now < s.next_start {
            return false;
        }
        s.next_start = now + s.interval;
        true
    }

    /// Raises the gap between request starts (robots.txt `Crawl-delay`); never lowers it.
    pub(crate) fn raise_interval(&self, interval: Duration) {
        if let Ok(mut s) = self.schedule.lock()
            && interval > s.interval
        {
            // The request that just started was paced with the old gap; the next one gets the new one.
            let extra = interval - s.interval;
            s.next_start += extra;
            s.interval = interval;
        }
    }

    /// Keeps every request to this host waiting until `until` (a 429's Retry-After).
    pub(crate) fn hold_off(&self, until: Instant) {
        if let Ok(mut s) = self.schedule.lock() {
            s.next_start = s.next_start.max(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_and_crawl_delay_raises_the_gap() {
        let gates = Gates::new(8, 4, Duration::from_millis(250));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..3 {
            let _p = gates.acquire("a.test").await;
            starts.push(t0.elapsed());
        }
        assert_eq!(starts, [0, 250, 500].map(Duration::from_millis));
        // Another host is not held back by the first.
        let _p = gates.acquire("b.test").await;
        assert_eq!(t0.elapsed(), Duration::from_millis(500));

        gates.host("a.test").raise_interval(Duration::from_secs(5));
        let _p = gates.acquire("a.test").await;
        assert_eq!(t0.elapsed(), Duration::from_millis(5500));
    }

    #[tokio::test(start_paused = true)]
    async fn host_slots_bound_concurrency() {
        let gates = Arc::new(Gates::new(8, 1, Duration::ZERO));
        let held = gates.acquire("a.test").await;
        let g = Arc::clone(&gates);
        let waiter = tokio::spawn(async move {
            let _p = g.acquire("a.test").await;
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!waiter.is_finished());
        drop(held);
        waiter.await.unwrap();
    }
}
