//! One typed settings struct: defaults, an optional `leadsmith.toml`, and `LEADSMITH_*` environment
//! overrides. Secrets never live here in this slice; nothing here is printed except through `Debug` of
//! non-secret fields.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use leadsmith_crawl::FetchConfig;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub crawl: CrawlSettings,
    pub pipeline: PipelineSettings,
    /// Named scores (models or rule sets) and how they blend into the final score.
    pub scoring: ScoringSettings,
    /// `leadsmith serve`: address, model, limits, CORS, rate limits.
    pub serve: ServeSettings,
    /// How lead lists are read: encoding, delimiter and column mapping.
    pub import: ImportSettings,
    /// How CSV files are written.
    pub export: ExportSettings,
    /// How long the page cache and finished jobs are kept.
    pub retention: RetentionSettings,
    /// Email and domain signals (MX, SPF, DMARC, deliverability) of each crawled lead.
    pub email: EmailSettings,
    /// What the crawl job judges of each site: technology fingerprints and the audit's requests.
    pub assess: AssessSettings,
    /// Lighthouse scores from Google PageSpeed Insights for each crawled home page (off by default).
    pub pagespeed: PageSpeedSettings,
}

/// `[pagespeed]`: Google PageSpeed Insights, for what the audit cannot measure without a browser (LCP,
/// CLS, INP) and Lighthouse's category scores, stored with each lead's audit. The API key is a secret:
/// it is read from an environment variable or a file, never from this file, and never printed.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageSpeedSettings {
    pub enabled: bool,
    /// The environment variable that holds the API key.
    pub api_key_env: String,
    /// A file holding the API key (its first line), used when the variable is not set.
    pub api_key_file: Option<PathBuf>,
    /// `mobile` (Google's default for ranking) or `desktop`.
    pub strategy: leadsmith_remote::Strategy,
    pub endpoint: String,
    /// Seconds per attempt: Lighthouse loads the page in a real browser, 10–30 s is common.
    pub timeout_secs: f64,
    /// Extra attempts after a quota error (429), a timeout or a 5xx.
    pub retries: u32,
    /// Most calls per second (Google's default quota is 400 per 100 seconds).
    pub per_second: u32,
}

impl Default for PageSpeedSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            api_key_env: "LEADSMITH_PAGESPEED_API_KEY".into(),
            api_key_file: None,
            strategy: leadsmith_remote::Strategy::Mobile,
            endpoint: leadsmith_remote::PAGESPEED_ENDPOINT.into(),
            timeout_secs: 60.0,
            retries: 1,
            per_second: 2,
        }
    }
}

impl PageSpeedSettings {
    /// The API key, from the environment variable or else the file.
    fn key(&self) -> Result<leadsmith_remote::Secret> {
        if let Ok(key) = std::env::var(&self.api_key_env)
            && !key.trim().is_empty()
        {
            return Ok(leadsmith_remote::Secret::new(key.trim()));
        }
        if let Some(path) = &self.api_key_file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("[pagespeed] api_key_file: reading {}", path.display()))?;
            let key = text.lines().next().unwrap_or_default().trim();
            if !key.is_empty() {
                return Ok(leadsmith_remote::Secret::new(key));
            }
            bail!("[pagespeed] api_key_file: {} is empty", path.display());
        }
        bail!("[pagespeed] is enabled but no API key: set {} (or api_key_file)", self.api_key_env)
    }

    pub fn validate(&self) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        if !self.timeout_secs.is_finite() || self.timeout_secs <= 0.0 {
            bail!("[pagespeed] timeout_secs must be a positive number of seconds");
        }
        if self.per_second == 0 {
            bail!("[pagespeed] per_second must be at least 1");
        }
        url::Url::parse(&self.endpoint).with_context(|| format!("[pagespeed] endpoint {:?}", self.endpoint))?;
        self.key().map(drop)
    }

    /// The client, when PageSpeed Insights is enabled.
    pub fn client(&self) -> Result<Option<leadsmith_remote::PageSpeed>> {
        if !self.enabled {
            return Ok(None);
        }
        let config = leadsmith_remote::PageSpeedConfig {
            endpoint: url::Url::parse(&self.endpoint)
                .with_context(|| format!("[pagespeed] endpoint {:?}", self.endpoint))?,
            key: self.key()?,
            strategy: self.strategy,
        };
        let options = leadsmith_remote::CallOptions {
            timeout: Duration::from_secs_f64(self.timeout_secs),
            retries: self.retries,
            backoff: Duration::from_secs(1),
            retry_after_cap: Duration::from_secs(30),
            rate_limit: Some(leadsmith_remote::RateLimit { per_second: self.per_second, burst: self.per_second }),
            ..leadsmith_remote::CallOptions::default()
        };
        Ok(Some(leadsmith_remote::PageSpeed::new(config, options).context("[pagespeed]")?))
    }
}

/// `[assess]`: technology fingerprints beyond the defaults, and the website audit's requests.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct AssessSettings {
    /// More fingerprints in the Wappalyzer format: files, or directories of `*.json` files (as the
    /// community sets are split by letter). A technology named like a default one replaces it.
    pub fingerprints: Vec<PathBuf>,
    /// Let the audit make its own requests after the crawl (robots.txt, the sitemap, the http:// twin,
    /// a HEAD of the home page, the canonical target); without them those checks are "not measured".
    pub probes: bool,
    /// Internal links the audit checks with a HEAD request for errors (0: none).
    pub probe_links: usize,
    /// Images and scripts of the home page the audit checks with a HEAD request for their weight.
    pub probe_resources: usize,
}

impl Default for AssessSettings {
    fn default() -> Self {
        Self { fingerprints: Vec::new(), probes: true, probe_links: 6, probe_resources: 6 }
    }
}

impl AssessSettings {
    pub fn validate(&self) -> Result<()> {
        for path in &self.fingerprints {
            if !path.exists() {
                bail!("[assess] fingerprints: {} does not exist", path.display());
            }
        }
        Ok(())
    }
}

/// `[email]`: the DNS lookups behind each lead's email signals.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmailSettings {
    /// Look up the MX, SPF and DMARC records of each lead's domain (and of its addresses' domains).
    /// Special-use names (`.test`, `.example`, `.invalid`, `.localhost`) are never looked up.
    pub dns: bool,
    /// The name server to ask (`IP:port`); empty: the system's (`/etc/resolv.conf`).
    pub resolver: String,
    /// Seconds to wait for each DNS answer (and each SMTP reply).
    pub timeout_secs: f64,
    /// Ask each address's mail server whether it takes mail for it (SMTP RCPT, no mail is sent): the only
    /// way an address becomes `valid`. Off by default: servers rate-limit and blocklist probes, and port 25
    /// is closed on many networks. Needs `smtp_helo`.
    pub smtp_check: bool,
    /// The host name sent in EHLO: one of yours that resolves (and whose IP has reverse DNS).
    pub smtp_helo: String,
    /// The envelope sender (`MAIL FROM`); empty: the null sender.
    pub smtp_from: String,
    /// The mail servers' port.
    pub smtp_port: u16,
    /// Addresses checked per lead, at most.
    pub smtp_max_per_lead: usize,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            dns: true,
            resolver: String::new(),
            timeout_secs: 3.0,
            smtp_check: false,
            smtp_helo: String::new(),
            smtp_from: String::new(),
            smtp_port: 25,
            smtp_max_per_lead: 3,
        }
    }
}

impl EmailSettings {
    /// The configured name server, if one is.
    pub fn resolver(&self) -> Result<Option<SocketAddr>> {
        if self.resolver.trim().is_empty() {
            return Ok(None);
        }
        let addr =
            self.resolver.trim().parse().with_context(|| {
                format!("[email] resolver = {:?}: not an IP:port such as 10.0.0.2:53", self.resolver)
            })?;
        Ok(Some(addr))
    }

    pub fn validate(&self) -> Result<()> {
        self.resolver()?;
        if !(self.timeout_secs > 0.0 && self.timeout_secs <= 60.0) {
            bail!("[email] timeout_secs must be more than 0 and at most 60, not {}", self.timeout_secs);
        }
        if self.smtp_check && !self.dns {
            bail!("[email] smtp_check needs dns = true (the mail servers come from MX records)");
        }
        if self.smtp_check && self.smtp_helo.trim().is_empty() {
            bail!("[email] smtp_check needs smtp_helo: a host name of yours that resolves (servers refuse others)");
        }
        Ok(())
    }
}

/// `[export]`: every CSV leadsmith writes (exports, `run --out`, `*.errors.csv`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExportSettings {
    /// Write cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return as they are. Off by
    /// default: such cells are prefixed with `'` so a spreadsheet shows them instead of running them.
    pub keep_formulas: bool,
}

/// `[import]`: what to assume instead of detecting it, and columns to map by hand.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportSettings {
    /// The files' encoding (`utf-8`, `windows-1252`, `utf-16le`, …); detected when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// The CSV delimiter (`,` `;` `|` or `tab`); detected when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Input column → lead field (`"Company / Account" = "company"`), or `extra` to keep a column as an
    /// extra field; applied before the known column names.
    pub columns: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlSettings {
    /// Sent with every request; say who you are and how to reach you.
    pub user_agent: String,
    /// Contact/about/team pages fetched besides the home page.
    pub max_extra_pages: usize,
    /// Per-attempt timeouts in seconds; the number of entries is the number of attempts.
    pub timeouts_secs: Vec<f64>,
    /// Waits between attempts, in seconds.
    pub backoff_secs: Vec<f64>,
    pub max_body_bytes: u64,
    pub max_redirects: u32,
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    pub per_host_interval_ms: u64,
    pub respect_robots: bool,
    pub cache_ttl_hours: f64,
    /// Addresses the SSRF guard lets through (CIDR, e.g. `10.1.2.0/24`). Empty by default: private,
    /// loopback and link-local addresses are refused.
    pub allow_addresses: Vec<String>,
    /// Host → `IP:port` overrides, like curl's `--resolve`: the crawler connects there instead of asking
    /// DNS (the SSRF guard still applies). A `*.suffix` entry covers every host under that suffix
    /// (`"*.test" = "127.0.0.1:8080"`); a host's own entry wins, then the longest wildcard. For staging
    /// sites, the sample web and tests.
    pub resolve: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineSettings {
    /// ISO 3166 region for phone numbers written without a country code.
    pub default_region: String,
    /// Sites crawled at once.
    pub workers: usize,
    /// A rules file (YAML or TOML) replacing the shipped default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<PathBuf>,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        let f = FetchConfig::default();
        Self {
            user_agent: f.user_agent,
            max_extra_pages: 3,
            timeouts_secs: f.timeouts.iter().map(Duration::as_secs_f64).collect(),
            backoff_secs: f.backoff.iter().map(Duration::as_secs_f64).collect(),
            max_body_bytes: f.max_body_bytes,
            max_redirects: f.max_redirects,
            concurrency: f.global_concurrency,
            per_host_concurrency: f.per_host_concurrency,
            per_host_interval_ms: f.per_host_interval.as_millis() as u64,
            respect_robots: f.respect_robots,
            cache_ttl_hours: f.cache_ttl.as_secs_f64() / 3600.0,
            allow_addresses: Vec::new(),
            resolve: Default::default(),
        }
    }
}

impl Default for PipelineSettings {
    fn default() -> Self {
        Self { default_region: "US".to_string(), workers: 16, rules: None }
    }
}

impl Settings {
    /// Loads `path` if given, else `./leadsmith.toml` if it exists, else the defaults; then applies
    /// environment overrides and validates.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let mut settings = match path {
            Some(p) => Self::from_file(p)?,
            None if Path::new("leadsmith.toml").exists() => Self::from_file(Path::new("leadsmith.toml"))?,
            None => Self::default(),
        };
        settings.apply_env()?;
        settings.validate()?;
        Ok(settings)
    }

    fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config {}", path.display()))?;
        parse_toml(&text).with_context(|| format!("parsing config {}", path.display()))
    }

    fn apply_env(&mut self) -> Result<()> {
        if let Ok(ua) = std::env::var("LEADSMITH_USER_AGENT") {
            self.crawl.user_agent = ua;
        }
        if let Ok(region) = std::env::var("LEADSMITH_DEFAULT_REGION") {
            self.pipeline.default_region = region;
        }
        if let Ok(rules) = std::env::var("LEADSMITH_RULES") {
            self.pipeline.rules = Some(PathBuf::from(rules));
        }
        if let Ok(w) = std::env::var("LEADSMITH_WORKERS") {
            self.pipeline.workers = w.parse().context("LEADSMITH_WORKERS must be a number")?;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<()> {
        let c = &self.crawl;
        if c.timeouts_secs.is_empty() {
            bail!("crawl.timeouts_secs needs at least one entry (one per attempt)");
        }
        if c.timeouts_secs.iter().chain(&c.backoff_secs).any(|s| !s.is_finite() || *s < 0.0) {
            bail!("crawl.timeouts_secs and crawl.backoff_secs must be non-negative numbers of seconds");
        }
        if c.concurrency == 0 || c.per_host_concurrency == 0 || self.pipeline.workers == 0 {
            bail!("crawl.concurrency, crawl.per_host_concurrency and pipeline.workers must be at least 1");
        }
        self.allow_list()?;
        self.resolve_overrides()?;
        crate::pipeline::import::ImportOptions::from_settings(self).context("[import]")?;
        self.scoring.validate()?;
        self.serve.validate()?;
        self.retention.validate()?;
        self.email.validate()?;
        self.assess.validate()?;
        self.pagespeed.validate()?;
        if !leadsmith_core::Phone::is_known_region(&self.pipeline.default_region) {
            bail!(
                "pipeline.default_region: {:?} is not an ISO 3166 region code such as US or GB",
                self.pipeline.default_region
            );
        }
        Ok(())
    }

    /// `crawl.allow_addresses`, parsed: what the SSRF guard lets through, for every outbound connection.
    pub fn allow_list(&self) -> Result<Vec<ipnet::IpNet>> {
        self.crawl
            .allow_addresses
            .iter()
            .map(|a| {
                a.parse::<ipnet::IpNet>()
                    .or_else(|_| a.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| format!("crawl.allow_addresses: {a:?} is not an address or CIDR range"))
            })
            .collect()
    }

    fn resolve_overrides(&self) -> Result<std::collections::HashMap<String, std::net::SocketAddr>> {
        self.crawl
            .resolve
            .iter()
            .map(|(host, addr)| {
                let addr = addr
                    .parse::<std::net::SocketAddr>()
                    .with_context(|| format!("crawl.resolve.{host}: {addr:?} is not an IP:port address"))?;
                Ok((host.to_ascii_lowercase(), addr))
            })
            .collect()
    }

    /// The effective settings as a `leadsmith.toml` would write them.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot render settings: {e}\n"))
    }

    /// The fetcher's configuration.
    pub fn fetch_config(&self) -> Result<FetchConfig> {
        let c = &self.crawl;
        let secs = |v: &[f64]| v.iter().map(|s| Duration::from_secs_f64(*s)).collect::<Vec<_>>();
        Ok(FetchConfig {
            user_agent: c.user_agent.clone(),
            timeouts: secs(&c.timeouts_secs),
            backoff: secs(&c.backoff_secs),
            max_body_bytes: c.max_body_bytes,
            max_redirects: c.max_redirects,
            global_concurrency: c.concurrency,
            per_host_concurrency: c.per_host_concurrency,
            per_host_interval: Duration::from_millis(c.per_host_interval_ms),
            respect_robots: c.respect_robots,
            cache_ttl: Duration::from_secs_f64(c.cache_ttl_hours * 3600.0),
            allow_addresses: self.allow_list()?,
            resolve_overrides: self.resolve_overrides()?,
            ..FetchConfig::default()
        })
    }
}

/// `[scoring]` in leadsmith.toml.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringSettings {
    /// The rules score's weight in the final score.
    pub rules_weight: f64,
    /// Reasons kept with each named score.
    pub reasons: usize,
    /// Named scores (`[[scoring.score]]`).
    #[serde(rename = "score", skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<NamedScoreSettings>,
}

impl Default for ScoringSettings {
    fn default() -> Self {
        Self { rules_weight: 1.0, reasons: 3, scores: Vec::new() }
    }
}

/// One `[[scoring.score]]`: a name and either a model (with an optional manifest) or a rules file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedScoreSettings {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// Default: MODEL.manifest.json beside the model when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<PathBuf>,
    /// Its weight in the final score; 0 (the default) carries the score without blending it.
    #[serde(default)]
    pub weight: f64,
}

impl ScoringSettings {
    /// The blend to load, after [`validate`](Self::validate).
    pub fn spec(&self) -> Result<leadsmith_score::BlendSpec> {
        use leadsmith_score::{NamedSpec, Source};
        self.validate()?;
        let scores = self
            .scores
            .iter()
            .map(|s| NamedSpec {
                name: s.name.clone(),
                weight: s.weight,
                source: match (&s.model, &s.rules) {
                    (Some(path), _) => Source::Model { path: path.clone(), manifest: s.manifest.clone() },
                    (None, Some(path)) => Source::Rules(path.clone()),
                    (None, None) => unreachable!("validated: a score has a model or rules"),
                },
            })
            .collect();
        Ok(leadsmith_score::BlendSpec { rules_weight: self.rules_weight, reasons: self.reasons, scores })
    }

    /// Checks what can be checked without opening files.
    pub fn validate(&self) -> Result<()> {
        let bad_weight = |w: f64| !w.is_finite() || w < 0.0;
        if bad_weight(self.rules_weight) {
            bail!("scoring.rules_weight must be a number ≥ 0, not {}", self.rules_weight);
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.scores {
            let at = format!("scoring.score {:?}", s.name);
            if s.name.trim().is_empty() || s.name.contains(char::is_whitespace) {
                bail!("{at}: a score needs a name without spaces");
            }
            if s.name == "rules" {
                bail!("{at}: `rules` is the rules score's own name; pick another");
            }
            if !seen.insert(s.name.as_str()) {
                bail!("{at}: named twice");
            }
            match (&s.model, &s.rules) {
                (Some(_), Some(_)) => bail!("{at}: give `model` or `rules`, not both"),
                (None, None) => bail!("{at}: needs `model = \"PATH\"` or `rules = \"PATH\"`"),
                (None, Some(_)) if s.manifest.is_some() => bail!("{at}: `manifest` goes with a model"),
                _ => {}
            }
            if bad_weight(s.weight) {
                bail!("{at}: weight must be a number ≥ 0, not {}", s.weight);
            }
        }
        if self.rules_weight + self.scores.iter().map(|s| s.weight).sum::<f64>() <= 0.0 {
            bail!("scoring: every weight is 0; give the rules or a named score a weight");
        }
        Ok(())
    }
}

/// `[retention]` in leadsmith.toml: what every process running the scheduler (`worker` unless
/// `--no-scheduler`, `serve` unless `--no-workers`) deletes, at start and then every `every`. Ages are
/// durations (`30d`, `12h`) or `"off"`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionSettings {
    /// Cached pages fetched longer ago than this are deleted (`leadsmith cache prune`).
    pub cache_max_age: String,
    /// Done and cancelled jobs of ended runs, and ended runs with no job left, older than this are deleted
    /// (`leadsmith jobs purge`). Dead letters, leads and their results are kept.
    pub jobs_max_age: String,
    /// How often retention is applied.
    pub every: String,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        Self { cache_max_age: "30d".into(), jobs_max_age: "90d".into(), every: "1h".into() }
    }
}

impl RetentionSettings {
    /// `cache_max_age`; `None` when off.
    pub fn cache_max_age(&self) -> Result<Option<Duration>> {
        parse_age("retention.cache_max_age", &self.cache_max_age)
    }

    /// `jobs_max_age`; `None` when off.
    pub fn jobs_max_age(&self) -> Result<Option<Duration>> {
        parse_age("retention.jobs_max_age", &self.jobs_max_age)
    }

    /// `every`.
    pub fn every(&self) -> Result<Duration> {
        let every = parse_age("retention.every", &self.every)?
            .context("retention.every cannot be off (turn the ages off instead)")?;
        if every < Duration::from_secs(60) {
            bail!("retention.every = {:?}: at least 1m", self.every);
        }
        Ok(every)
    }

    pub fn validate(&self) -> Result<()> {
        self.cache_max_age()?;
        self.jobs_max_age()?;
        self.every()?;
        Ok(())
    }
}

/// A duration such as `30d` or `12h`, or `off`.
fn parse_age(field: &str, text: &str) -> Result<Option<Duration>> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let age = humantime::parse_duration(text.trim())
        .with_context(|| format!("{field} = {text:?}: expected a duration such as 30d or 12h, or \"off\""))?;
    if age.is_zero() {
        bail!("{field} = {text:?}: must be longer than 0 (\"off\" turns it off)");
    }
    Ok(Some(age))
}

/// `[serve]` in leadsmith.toml; `leadsmith serve`'s flags override it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeSettings {
    /// Address to listen on.
    pub bind: String,
    /// The scoring model (XGBoost JSON, LightGBM text, ONNX, logistic JSON, leadsmith GBDT JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// The model's manifest; default MODEL.manifest.json beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest: Option<PathBuf>,
    /// Most leads in one `POST /api/v1/score/batch`.
    pub batch_limit: usize,
    /// Most leads in one `POST /api/v1/leads/batch`.
    pub leads_batch_limit: usize,
    /// Largest request body, in bytes (uploads have their own limit).
    pub max_body_bytes: usize,
    /// Largest `POST /api/v1/leads/upload` body, in bytes.
    pub max_upload_bytes: usize,
    /// Origins browsers may call the API from (`https://crm.example.com`); empty: no cross-origin access.
    pub cors_origins: Vec<String>,
    /// Whether `/metrics` needs a read key (Prometheus sends one with `authorization: {credentials: …}`).
    pub metrics_auth: bool,
    /// How long a checked API key is trusted before the store is asked again: a revoked key stops working
    /// within this many seconds.
    pub key_cache_secs: f64,
    /// Seconds a client has to send a request's line and headers, from when it connects or, on a kept-alive
    /// connection, from the request's first byte; a slower connection is closed.
    pub header_read_timeout_secs: f64,
    /// Seconds a kept-alive connection may wait for its next request before it is closed.
    pub idle_timeout_secs: f64,
    /// Seconds a request may take, its body read and its answer made (uploads have their own): 503 after.
    pub request_timeout_secs: f64,
    /// Seconds a `POST /api/v1/leads/upload` may take, its body read and imported.
    pub upload_timeout_secs: f64,
    /// Connections served at once; more wait to be accepted until one closes.
    pub max_connections: usize,
    /// Seconds a stop (SIGTERM, Ctrl-C) waits for requests in flight; connections still open are dropped.
    pub shutdown_timeout_secs: f64,
    /// Directories `POST /api/v1/runs {"source": "file", "path": …}` may read files from (a relative path is
    /// looked up in each, in order). Empty (the default): runs over server files are refused.
    pub import_dirs: Vec<PathBuf>,
    /// Where the reports of rejected rows of runs started over the API go (`FILE.TIME.errors.csv`), never
    /// beside the file. Default: `leadsmith-reports/` beside the SQLite store, or in the working directory
    /// with PostgreSQL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reports_dir: Option<PathBuf>,
    pub rate_limit: RateLimitSettings,
}

impl Default for ServeSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            model: None,
            manifest: None,
            batch_limit: 100,
            leads_batch_limit: 1000,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 64 * 1024 * 1024,
            cors_origins: Vec::new(),
            metrics_auth: true,
            key_cache_secs: 5.0,
            header_read_timeout_secs: 10.0,
            idle_timeout_secs: 60.0,
            request_timeout_secs: 60.0,
            upload_timeout_secs: 600.0,
            max_connections: 1024,
            shutdown_timeout_secs: 10.0,
            import_dirs: Vec::new(),
            reports_dir: None,
            rate_limit: RateLimitSettings::default(),
        }
    }
}

impl ServeSettings {
    pub fn validate(&self) -> Result<()> {
        self.bind
            .parse::<SocketAddr>()
            .with_context(|| format!("[serve] bind = {:?}: not an address:port", self.bind))?;
        for (name, v) in [("batch_limit", self.batch_limit), ("leads_batch_limit", self.leads_batch_limit)] {
            if v == 0 {
                bail!("[serve] {name} must be at least 1");
            }
        }
        if self.max_body_bytes < 1024 || self.max_upload_bytes < 1024 {
            bail!("[serve] max_body_bytes and max_upload_bytes must be at least 1024");
        }
        if !(self.key_cache_secs >= 0.0 && self.key_cache_secs <= 3600.0) {
            bail!("[serve] key_cache_secs must be between 0 and 3600");
        }
        for (name, secs) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("idle_timeout_secs", self.idle_timeout_secs),
            ("request_timeout_secs", self.request_timeout_secs),
            ("upload_timeout_secs", self.upload_timeout_secs),
            ("shutdown_timeout_secs", self.shutdown_timeout_secs),
        ] {
            if !(secs > 0.0 && secs <= 86_400.0) {
                bail!("[serve] {name} must be more than 0 and at most 86400 seconds, not {secs}");
            }
        }
        if self.max_connections == 0 {
            bail!("[serve] max_connections must be at least 1");
        }
        for origin in &self.cors_origins {
            let ok = origin.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
                && url::Url::parse(origin).is_ok_and(|u| u.has_host() && u.path() == "/" && !origin.ends_with('/'));
            if !ok {
                bail!("[serve] cors_origins: {origin:?} is not an origin like https://app.example.com");
            }
        }
        for dir in &self.import_dirs {
            if !dir.is_dir() {
                bail!("[serve] import_dirs: {} is not a directory", dir.display());
            }
        }
        self.rate_limit.validate()
    }
}

/// `[serve.rate_limit]`: a token bucket per API key.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests per second a key may make, sustained; 0 turns rate limiting off.
    pub per_second: u32,
    /// Requests a key may make at once after being idle (the bucket's size).
    pub burst: u32,
    /// Limits of their own for some keys, by key name: `[serve.rate_limit.keys.crm-sync]`.
    pub keys: BTreeMap<String, KeyLimit>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self { per_second: 100, burst: 200, keys: BTreeMap::new() }
    }
}

impl RateLimitSettings {
    pub fn validate(&self) -> Result<()> {
        let all = std::iter::once((None, KeyLimit { per_second: self.per_second, burst: self.burst }))
            .chain(self.keys.iter().map(|(k, l)| (Some(k), *l)));
        for (key, limit) in all {
            if limit.per_second > 0 && limit.burst == 0 {
                let at = key.map_or("[serve.rate_limit]".to_string(), |k| format!("[serve.rate_limit.keys.{k}]"));
                bail!("{at}: burst must be at least 1 when per_second is set (per_second = 0 turns the limit off)");
            }
        }
        Ok(())
    }
}

/// Parses TOML settings. The error names the line, column and problem but never quotes the line: a
/// settings file holds passwords and keys, and error output ends up in logs and bug reports.
pub fn parse_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let at = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: ")
        });
        anyhow::anyhow!("{}{}", at.unwrap_or_default(), e.message())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documented_crawl_policy() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(s.crawl.timeouts_secs, vec![20.0, 30.0, 40.0]);
        assert_eq!(s.crawl.backoff_secs, vec![1.0, 2.0, 4.0]);
        assert_eq!(s.crawl.max_extra_pages, 3);
        assert_eq!(s.crawl.max_body_bytes, 2 * 1024 * 1024);
        assert!(s.fetch_config().unwrap().allow_addresses.is_empty());
    }

    #[test]
    fn bad_config_is_a_clear_error() {
        let err = parse_toml::<Settings>("[crawl]\nuser_agnet = 'x'").unwrap_err().to_string();
        assert!(err.contains("user_agnet"), "{err}");
        assert!(err.starts_with("line 2, column 1: "), "{err}");
        // A broken line that holds a secret is located, never quoted.
        let err = parse_toml::<Settings>("[serve]\nbind = \"127.0.0.1:1\"\nadmin_token = hunter2-secret\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 3, column 15: "), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        let mut s = Settings::default();
        s.crawl.allow_addresses = vec!["not-a-net".into()];
        assert!(format!("{:#}", s.validate().unwrap_err()).contains("not-a-net"));
        let mut s = Settings::default();
        s.pipeline.default_region = "XX".into();
        assert!(format!("{:#}", s.validate().unwrap_err()).contains("default_region"));
    }

    #[test]
    fn retention_ages_are_durations_or_off() {
        let r = RetentionSettings::default();
        assert_eq!(r.cache_max_age().unwrap(), Some(Duration::from_secs(30 * 86_400)));
        assert_eq!(r.jobs_max_age().unwrap(), Some(Duration::from_secs(90 * 86_400)));
        assert_eq!(r.every().unwrap(), Duration::from_secs(3600));
        let s: Settings = toml::from_str("[retention]\ncache_max_age = 'off'\njobs_max_age = '12h'\n").unwrap();
        assert_eq!(s.retention.cache_max_age().unwrap(), None);
        assert_eq!(s.retention.jobs_max_age().unwrap(), Some(Duration::from_secs(12 * 3600)));
        for bad in ["jobs_max_age = 'soon'", "cache_max_age = '0s'", "every = 'off'", "every = '5s'"] {
            let s: Settings = toml::from_str(&format!("[retention]\n{bad}\n")).unwrap();
            let err = format!("{:#}", s.validate().unwrap_err());
            assert!(err.contains("retention."), "{bad}: {err}");
        }
    }

    #[test]
    fn effective_settings_round_trip_through_toml() {
        let mut s = Settings::default();
        s.crawl.resolve.insert("shop.test".into(), "127.0.0.1:8080".into());
        let back: Settings = toml::from_str(&s.to_toml()).unwrap();
        assert_eq!(back.crawl.resolve, s.crawl.resolve);
        assert_eq!(back.crawl.timeouts_secs, s.crawl.timeouts_secs);
        assert_eq!(back.pipeline.default_region, "US");
    }

    #[test]
    fn file_settings_override_defaults() {
        let s: Settings = toml::from_str("[crawl]\nmax_extra_pages = 1\nallow_addresses = ['127.0.0.1']\n").unwrap();
        assert_eq!(s.crawl.max_extra_pages, 1);
        assert_eq!(s.fetch_config().unwrap().allow_addresses[0].to_string(), "127.0.0.1/32");
    }

    /// The README's example leadsmith.toml is a valid configuration with the values it shows.
    #[test]
    fn the_readme_configuration_parses_and_validates() {
        let readme = include_str!("../../../README.md");
        let section = &readme[readme.find("## Configuration").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let block = &section[start..start + section[start..].find("```").unwrap()];
        let s: Settings = toml::from_str(block).unwrap();
        s.validate().unwrap();
        assert_eq!(s.serve.rate_limit.keys["crm-sync"].per_second, 1000);
        assert_eq!(s.serve.batch_limit, 100);
        assert!(s.serve.metrics_auth);
        assert_eq!(s.scoring.scores.len(), 2);
    }
}
