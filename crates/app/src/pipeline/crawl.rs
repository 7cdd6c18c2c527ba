//! The `crawl` stage: fetches a lead's site (home, contact and about pages), extracts facts from it and
//! judges what it found; stores `crawl` ([`CrawlResult`]), `facts` ([`PageFacts`]) and `assess`
//! ([`Findings`](super::assess::Findings)) and `email` ([`EmailSignals`](super::email::EmailSignals)), then
//! queues the run's next stage.

use std::sync::Arc;

use async_trait::async_trait;
use leadsmith_core::{CrawlStatus, LeadRecord, PageFacts, PageOutcome};
use leadsmith_crawl::audit::{Audit, AuditPage, Contacts, Evidence, ProbeBudget};
use leadsmith_crawl::site::{Document, SiteOptions};
use leadsmith_crawl::{ExtractOptions, HostPool, crawl_site};
use leadsmith_queue::{Handler, JobError, Outcome};
use leadsmith_store::{Job, Store};
use leadsmith_tech::Detections;
use serde::{Deserialize, Serialize};
use url::Url;

use super::email::{EmailChecker, EmailSignals};
use super::stages::{Stage, StageData, new_result, stage_job_then};
use super::{Engine, assess, job_lead, store_err};

/// The stage's registration.
pub const STAGE: Stage = Stage {
    kind: "crawl",
    about: "fetch the lead's site, extract contacts, owner and address, and assess it",
    writes: &[
        CrawlResult::NAME,
        PageFacts::NAME,
        assess::Findings::NAME,
        EmailSignals::NAME,
        Detections::NAME,
        Audit::NAME,
    ],
    handler,
};

fn handler(engine: &Engine) -> Arc<dyn Handler> {
    let site = SiteOptions {
        max_extra_pages: engine.settings.crawl.max_extra_pages,
        extract: ExtractOptions { default_region: engine.settings.pipeline.default_region.clone() },
        keep_documents: true,
    };
    let detector = super::tech::worker_detector(&engine.settings.assess);
    // Validated with the settings: an allow list that does not parse has been refused before a worker starts.
    let allow = engine.settings.allow_list().unwrap_or_default();
    let email = Arc::new(EmailChecker::new(&engine.settings.email, allow));
    let assess = &engine.settings.assess;
    let probes = assess.probes.then_some(ProbeBudget { links: assess.probe_links, resources: assess.probe_resources });
    // Validated with the settings: an enabled [pagespeed] without a key has been refused before.
    let pagespeed = match engine.settings.pagespeed.client() {
        Ok(client) => client.map(Arc::new),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "PageSpeed Insights left out");
            None
        }
    };
    Arc::new(CrawlHandler {
        store: engine.store.clone(),
        pool: engine.pool.clone(),
        site,
        email,
        detector,
        probes,
        pagespeed,
    })
}

/// The `crawl` result: the lead-level outcome and every page's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrawlResult {
    pub status: CrawlStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_url: Option<String>,
    #[serde(default)]
    pub pages: Vec<PageOutcome>,
}

impl CrawlResult {
    /// The outcome for a lead with no crawlable website.
    pub fn without_site(reason: String) -> Self {
        Self { status: CrawlStatus::NoWebsite, reason: Some(reason), home_url: None, pages: Vec::new() }
    }
}

/// The current year, for the audit's stale-copyright check.
fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

/// The home page a successful crawl reached: where it ended up after redirects when that is still the lead's
/// own domain, else the address that was crawled (a parked domain sent elsewhere is not the company's site).
fn crawled_home(lead: &LeadRecord, crawl: &CrawlResult) -> Option<String> {
    if crawl.status != CrawlStatus::Ok {
        return None;
    }
    let crawled = crawl.home_url.clone()?;
    let final_url = crawl.pages.first().and_then(|p| p.final_url.clone());
    let same_domain = |url: &str| {
        leadsmith_core::Domain::from_website(url).ok().is_some_and(|d| Some(&d) == lead.input.domain.as_ref())
    };
    Some(final_url.filter(|u| same_domain(u)).unwrap_or(crawled))
}

/// Works `crawl` jobs.
pub struct CrawlHandler {
    pub store: Arc<dyn Store>,
    pub pool: HostPool,
    pub site: SiteOptions,
    pub email: Arc<EmailChecker>,
    pub detector: Arc<leadsmith_tech::Detector>,
    /// The audit's requests, when `[assess] probes` allows them.
    pub probes: Option<ProbeBudget>,
    /// Lighthouse through PageSpeed Insights, when `[pagespeed]` is enabled.
    pub pagespeed: Option<Arc<leadsmith_remote::PageSpeed>>,
}

#[async_trait]
impl Handler for CrawlHandler {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError> {
        let Some(lead) = job_lead(self.store.as_ref(), job).await? else {
            return Ok(Outcome::default());
        };
        let lead_id = lead.id;
        // Without a website, a business email's domain is the next best place to look.
        let website = lead.input.website.clone().or_else(|| lead.input.domain.as_ref().map(|d| format!("http://{d}/")));
        let (crawl, facts, documents) = match website.as_deref().map(Url::parse) {
            None => (CrawlResult::without_site("the lead has no website".into()), PageFacts::default(), Vec::new()),
            Some(Err(e)) => {
                (CrawlResult::without_site(format!("unusable website: {e}")), PageFacts::default(), Vec::new())
            }
            Some(Ok(url)) => {
                let site = crawl_site(&self.pool, &url, &self.site).await;
                let crawl = CrawlResult {
                    status: site.status,
                    reason: site.reason,
                    home_url: Some(url.to_string()),
                    pages: site.pages,
                };
                (crawl, site.facts, site.documents)
            }
        };
        tracing::debug!(lead_id, status = %crawl.status, "crawled");
        if lead.input.website.is_none()
            && let Some(home) = crawled_home(&lead, &crawl)
        {
            // Found through its email's domain: the home page that answered is the lead's website now.
            self.store.fill_website(lead_id, &home).await.map_err(store_err)?;
        }
        let status = crawl.status.as_str().to_string();
        crate::telemetry::global().lead_processed(STAGE.kind, &status);
        if crawl.status != CrawlStatus::Ok {
            crate::telemetry::global().crawl_error(&status);
        }
        let findings = assess::assess(&lead, &crawl, Some(&facts));
        let email = self.email.signals(&lead, crawl.status.is_success().then_some(&facts)).await;
        // Pattern matching over every page is CPU work: off the async runtime.
        let probes = match (&self.probes, documents.is_empty()) {
            (Some(budget), false) => {
                let pages: Vec<AuditPage> = audit_pages(&documents);
                Some(leadsmith_crawl::audit::gather(&self.pool, &pages, *budget).await)
            }
            _ => None,
        };
        let lighthouse = match (&self.pagespeed, documents.first()) {
            (Some(pagespeed), Some(home)) => Some(pagespeed.run(&home.url).await),
            _ => None,
        };
        let contacts = crawl.status.is_success().then(|| Contacts::of(&facts));
        let (detector, signals) = (self.detector.clone(), email.clone());
        let (tech, audit) = tokio::task::spawn_blocking(move || {
            let tech =
                contained(lead_id, "technology detection", || super::tech::detect(&detector, &documents, &signals));
            let pages: Vec<AuditPage> = audit_pages(&documents);
            let audit = if pages.is_empty() {
                None
            } else {
                let evidence = Evidence { pages: &pages, year: this_year(), contacts, probes: probes.as_ref() };
                contained(lead_id, "the website audit", || leadsmith_crawl::audit::audit(&evidence))
            };
            (tech, audit)
        })
        .await
        .map_err(|e| JobError::transient(format!("technology detection or the audit failed: {e}")))?;
        let audit = audit.map(|a| match lighthouse {
            Some(Ok(lighthouse)) => a.with_lighthouse(lighthouse),
            Some(Err(e)) => {
                tracing::warn!(lead_id, error = %e, "PageSpeed Insights did not answer");
                let mut a = a;
                a.not_measured.push(format!("Lighthouse (PageSpeed Insights): {e}"));
                a
            }
            None => a,
        });
        let mut results = vec![
            new_result(lead_id, status.clone(), &crawl),
            new_result(lead_id, status.clone(), &facts),
            new_result(lead_id, status.clone(), &findings),
            new_result(lead_id, status.clone(), &email),
        ];
        if let Some(tech) = &tech {
            results.push(new_result(lead_id, status.clone(), tech));
        }
        if let Some(audit) = &audit {
            results.push(new_result(lead_id, status, audit));
        }
        // The run's later stages travel with the job (`then`); jobs queued before stages were selectable
        // carry none and go on to scoring.
        let then: Vec<String> = match job.payload.get("then") {
            Some(v) => serde_json::from_value(v.clone()).unwrap_or_default(),
            None => vec![super::score::STAGE.kind.to_string()],
        };
        let follow_ups =
            then.iter().take(1).map(|kind| stage_job_then(kind, lead_id, job.run_id, &then[1..])).collect();
        Ok(Outcome { results, follow_ups })
    }
}

fn audit_pages(documents: &[Document]) -> Vec<AuditPage<'_>> {
    documents.iter().map(|d| AuditPage { url: &d.url, headers: &d.headers, html: &d.html }).collect()
}

/// Runs one analysis of the fetched pages; a panic in it (a defect on some page we did not foresee) costs
/// the lead that one signal, logged with the reason, not the whole crawl: retrying would fail the same way.
fn contained<T>(lead_id: i64, what: &str, analysis: impl FnOnce() -> T) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(analysis)) {
        Ok(v) => Some(v),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("a panic without a message");
            let reason: String = reason.chars().take(300).collect();
            tracing::error!(lead_id, "{what} failed on this lead's pages and is left out: {reason}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::contained;

    #[test]
    fn a_panicking_analysis_is_left_out_and_the_rest_goes_on() {
        assert_eq!(contained(1, "an analysis", || 7), Some(7));
        let cut = "a·b";
        let broken: Option<&str> = contained(1, "an analysis", || &cut[..2]);
        assert_eq!(broken, None);
    }
}
