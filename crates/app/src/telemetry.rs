//! The process's Prometheus metrics: HTTP requests, model predictions, pipeline work (leads processed,
//! crawl errors, runs) and, set when scraped, the queue as the store sees it. One registry per process
//! (`global()`), so the pipeline's handlers count into it whether they run under `serve` or not.

use std::sync::OnceLock;

use leadsmith_store::KindStats;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route's template (`/api/v1/leads/{id}`), or `unmatched`: never the raw path, which would make a
    /// series per id.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 50 µs to about 6.5 s.
    Histogram::new(exponential_buckets(0.00005, 2.0, 18))
}

pub struct Metrics {
    registry: Registry,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: HistogramFamily<RequestLabels>,
    model_duration: Histogram,
    model_errors: Counter,
    batch_size: Histogram,
    leads_processed: Family<StageLabels, Counter>,
    crawl_errors: Family<KindLabels, Counter>,
    runs: Family<EventLabels, Counter>,
    rate_limited: Counter,
    queue_jobs: Family<QueueLabels, Gauge>,
    queue_oldest_age: Family<KindLabels, Gauge<f64, std::sync::atomic::AtomicU64>>,
    dead_letters: Family<KindLabels, Gauge>,
}

/// This process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("leadsmith");
        let m = Self {
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_histogram),
            model_duration: latency_histogram(),
            model_errors: Counter::default(),
            batch_size: Histogram::new(exponential_buckets(1.0, 2.0, 11)),
            leads_processed: Family::default(),
            crawl_errors: Family::default(),
            runs: Family::default(),
            rate_limited: Counter::default(),
            queue_jobs: Family::default(),
            queue_oldest_age: Family::default(),
            dead_letters: Family::default(),
            registry: Registry::default(),
        };
        registry.register("http_requests", "HTTP requests answered, by route and status", m.http_requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route and status",
            m.http_duration.clone(),
        );
        registry.register(
            "model_prediction_duration_seconds",
            "Time to score one lead with the served model (explanations included when asked for)",
            m.model_duration.clone(),
        );
        registry.register(
            "model_prediction_errors",
            "Leads the served model could not score (missing or mistyped features)",
            m.model_errors.clone(),
        );
        registry.register("score_batch_size", "Leads per batch scoring request", m.batch_size.clone());
        registry.register(
            "leads_processed",
            "Pipeline stage results this process produced, by stage and status",
            m.leads_processed.clone(),
        );
        registry.register("crawl_errors", "Crawls that did not succeed, by kind of failure", m.crawl_errors.clone());
        registry.register("runs", "Runs started, resumed and cancelled by this process", m.runs.clone());
        registry.register("rate_limited_requests", "Requests refused by a key's rate limit", m.rate_limited.clone());
        registry.register(
            "queue_jobs",
            "Jobs in the store's queue by kind and state (ready, delayed, running, done, dead)",
            m.queue_jobs.clone(),
        );
        registry.register(
            "queue_oldest_ready_age_seconds",
            "How long the oldest due job of each kind has waited",
            m.queue_oldest_age.clone(),
        );
        registry.register("dead_letters", "Dead jobs (out of attempts) by kind", m.dead_letters.clone());
        Self { registry, ..m }
    }

    pub fn request(&self, labels: RequestLabels, seconds: f64) {
        self.http_duration.get_or_create(&labels).observe(seconds);
        self.http_requests.get_or_create(&labels).inc();
    }

    pub fn prediction(&self, seconds: f64) {
        self.model_duration.observe(seconds);
    }

    pub fn prediction_error(&self) {
        self.model_errors.inc();
    }

    pub fn batch(&self, size: usize) {
        self.batch_size.observe(size as f64);
    }

    pub fn lead_processed(&self, stage: &str, status: &str) {
        self.leads_processed.get_or_create(&StageLabels { stage: stage.into(), status: status.into() }).inc();
    }

    pub fn crawl_error(&self, kind: &str) {
        self.crawl_errors.get_or_create(&KindLabels { kind: kind.into() }).inc();
    }

    /// `started`, `resumed`, `cancelled`.
    pub fn run_event(&self, event: &str) {
        self.runs.get_or_create(&EventLabels { event: event.into() }).inc();
    }

    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    /// Replaces the queue gauges with the store's current numbers.
    pub fn set_queue(&self, stats: &[KindStats]) {
        self.queue_jobs.clear();
        self.queue_oldest_age.clear();
        self.dead_letters.clear();
        for k in stats {
            let states = [
                ("ready", k.ready),
                ("delayed", k.delayed),
                ("running", k.running),
                ("done", k.done),
                ("dead", k.dead),
            ];
            for (state, n) in states {
                let labels = QueueLabels { kind: k.kind.clone(), state: state.into() };
                self.queue_jobs.get_or_create(&labels).set(n as i64);
            }
            let kind = KindLabels { kind: k.kind.clone() };
            self.dead_letters.get_or_create(&kind).set(k.dead as i64);
            self.queue_oldest_age.get_or_create(&kind).set(k.oldest_ready_age_ms.unwrap_or(0) as f64 / 1000.0);
        }
    }

    /// The Prometheus text exposition (OpenMetrics text, which Prometheus reads).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Logs to stderr: warnings by default, `-v` info, `-vv` debug; `RUST_LOG` overrides.
pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,leadsmith=info",
        _ => "debug,hyper=info,rustls=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only on a terminal: logs collected into files and log shippers stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}
