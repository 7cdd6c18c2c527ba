//! robots.txt: fetched once per origin per pool (single-flight), through the same guarded client and
//! pacing as pages, and never retried. Its `Crawl-delay` raises the host's pacing interval.
//!
//! Anything but a readable 2xx means "allow all": 4xx is RFC 9309's rule, and for 5xx or an unreachable
//! host we deliberately depart from its "assume disallow" — we fetch a handful of public pages per site,
//! a flaky robots.txt says nothing about them, and an unreachable host fails the page fetch by itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use http::header::LOCATION;
use tokio::sync::OnceCell;
use url::Url;

use super::Inner;
use super::exchange::{self, header};

/// robots.txt files past this size are treated as absent (RFC 9309 asks parsers to read at least 500 KiB).
const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// Past this many remembered origins the memo is cleared; a long crawl visits each site only briefly.
const MEMO_MAX_ORIGINS: usize = 4096;

pub(crate) enum RobotsRules {
    AllowAll,
    Parsed(texting_robots::Robot),
}

impl RobotsRules {
    pub(crate) fn allowed(&self, url: &Url) -> bool {
        match self {
            Self::AllowAll => true,
            Self::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }
}

type Cell = Arc<OnceCell<Arc<RobotsRules>>>;

#[derive(Default)]
pub(crate) struct RobotsMemo {
    origins: Mutex<HashMap<String, Cell>>,
}

impl RobotsMemo {
    fn cell(&self, origin: &str) -> Cell {
        let Ok(mut origins) = self.origins.lock() else {
            return Cell::default();
        };
        if origins.len() >= MEMO_MAX_ORIGINS {
            // Keep cells someone is still waiting on; the rest are cheap to fetch again.
            origins.retain(|_, cell| Arc::strong_count(cell) > 1);
        }
        Arc::clone(origins.entry(origin.to_string()).or_default())
    }
}

/// The rules for `url`'s origin, fetching robots.txt on first use. Concurrent callers share one fetch.
pub(crate) async fn rules_for(inner: &Inner, url: &Url) -> Arc<RobotsRules> {
    let origin = url.origin().ascii_serialization();
    let cell = inner.robots.cell(&origin);
    Arc::clone(cell.get_or_init(|| async { Arc::new(fetch_rules(inner, url).await) }).await)
}

async fn fetch_rules(inner: &Inner, page_url: &Url) -> RobotsRules {
    let Ok(mut target) = page_url.join("/robots.txt") else {
        return RobotsRules::AllowAll;
    };
    let first_timeout = inner.config.timeouts.first().copied().unwrap_or_default();
    for _ in 0..=inner.config.max_redirects {
        let Some(host) = target.host_str().map(str::to_ascii_lowercase) else {
            return RobotsRules::AllowAll;
        };
        let _permit = inner.gates.acquire(&host).await;
        let step = tokio::time::timeout(first_timeout, async {
            let response = match exchange::send(&inner.client, &inner.user_agent, &target).await {
                Ok(r) => r,
                Err(_) => return Step::Done(RobotsRules::AllowAll),
            };
            let status = response.status().as_u16();
            let (parts, incoming) = response.into_parts();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                return match header(&parts.headers, &LOCATION).and_then(|l| target.join(&l).ok()) {
                    Some(next) if matches!(next.scheme(), "http" | "https") => Step::Follow(next),
                    _ => Step::Done(RobotsRules::AllowAll),
                };
            }
            if !(200..300).contains(&status) {
                return Step::Done(RobotsRules::AllowAll);
            }
            match exchange::read_decoded(&parts.headers, incoming, ROBOTS_MAX_BYTES).await {
                Ok((text, _)) => Step::Body(text),
                Err(_) => Step::Done(RobotsRules::AllowAll),
            }
        })
        .await;
        match step {
            Ok(Step::Follow(next)) => target = next,
            Ok(Step::Body(text)) => return parse(inner, page_url, text).await,
            Ok(Step::Done(rules)) => return rules,
            Err(_elapsed) => return RobotsRules::AllowAll,
        }
    }
    RobotsRules::AllowAll
}

enum Step {
    Follow(Url),
    Body(Vec<u8>),
    Done(RobotsRules),
}

/// Parses off the runtime (texting_robots compiles a regex per rule) and applies `Crawl-delay`.
async fn parse(inner: &Inner, page_url: &Url, text: Vec<u8>) -> RobotsRules {
    let token = inner.config.robots_token.clone();
    let parsed = tokio::task::spawn_blocking(move || texting_robots::Robot::new(&token, &text).ok()).await;
    let Ok(Some(robot)) = parsed else {
        return RobotsRules::AllowAll;
    };
    if let (Some(delay), Some(host)) = (robot.delay, page_url.host_str())
        && delay.is_finite()
        && delay > 0.0
    {
        let cap = inner.config.max_crawl_delay;
        let delay = std::time::Duration::try_from_secs_f32(delay).map_or(cap, |d| d.min(cap));
        inner.gates.host(&host.to_ascii_lowercase()).raise_interval(delay);
    }
    RobotsRules::Parsed(robot)
}
