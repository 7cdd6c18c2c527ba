//! A lead with everything the pipeline learnt about it, assembled from its stage results; what `leads
//! show` prints and the exports write. Also picks the best email, phone, address and owner.

use leadsmith_core::{Address, CrawlStatus, Email, LeadRecord, Owner, PageFacts, PageOutcome, ScoreBreakdown};
use leadsmith_store::{SourceRow, Store};
use serde::{Deserialize, Serialize};

pub const STAGE_CRAWL: &str = "crawl";
pub const STAGE_FACTS: &str = "facts";
pub const STAGE_SCORE: &str = "score";

/// The `crawl` stage result: the lead-level outcome and every page's.
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

#[derive(Debug, Clone, Serialize)]
pub struct LeadView {
    pub id: i64,
    #[serde(flatten)]
    pub record: LeadRecord,
    pub sources: Vec<SourceRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl: Option<CrawlResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts: Option<PageFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreBreakdown>,
    pub best: Best,
    pub findings: Vec<String>,
}

/// The one value per field a salesperson would use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Best {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

impl LeadView {
    pub async fn load(store: &dyn Store, record: LeadRecord) -> anyhow::Result<Self> {
        let results = store.stage_results(record.id).await?;
        Self::from_results(store, record, results).await
    }

    /// The view from stage results the caller has already read (the API shows them in the history too).
    pub async fn from_results(
        store: &dyn Store,
        record: LeadRecord,
        results: Vec<leadsmith_store::StageResult>,
    ) -> anyhow::Result<Self> {
        let id = record.id;
        let mut crawl = None;
        let mut facts = None;
        let mut score = None;
        for r in results {
            match r.stage.as_str() {
                STAGE_CRAWL => crawl = serde_json::from_value(r.data).ok(),
                STAGE_FACTS => facts = serde_json::from_value(r.data).ok(),
                STAGE_SCORE => score = serde_json::from_value(r.data).ok(),
                _ => {}
            }
        }
        let sources = store.lead_sources(id).await?;
        let best = best_of(&record, facts.as_ref());
        let findings = findings(&record, crawl.as_ref(), facts.as_ref());
        Ok(Self { id, record, sources, crawl, facts, score, best, findings })
    }

    pub fn company(&self) -> &str {
        self.record.input.company.as_deref().or(self.facts.as_ref().and_then(|f| f.name.as_deref())).unwrap_or("")
    }

    pub fn domain(&self) -> String {
        self.record.input.domain.as_ref().map(|d| d.to_string()).unwrap_or_default()
    }

    pub fn tier(&self) -> String {
        self.score.as_ref().map(|s| s.tier.to_string()).unwrap_or_else(|| "-".into())
    }

    pub fn crawl_status(&self) -> String {
        self.crawl.as_ref().map(|c| c.status.to_string()).unwrap_or_else(|| "pending".into())
    }
}

fn best_of(record: &LeadRecord, facts: Option<&PageFacts>) -> Best {
    let input = &record.input;
    let site_emails: Vec<Email> =
        facts.map(|f| f.emails.iter().filter_map(|e| Email::parse(e).ok()).collect()).unwrap_or_default();
    let on_domain = |e: &Email| input.domain.as_ref().is_some_and(|d| e.business_domain().as_ref() == Some(d));
    // A named person on the business's own domain, then any address on the domain, then what the list gave.
    let email = site_emails
        .iter()
        .find(|e| on_domain(e) && !e.is_role_address())
        .or_else(|| site_emails.iter().find(|e| on_domain(e)))
        .map(|e| e.to_string())
        .or_else(|| input.email.as_ref().map(|e| e.to_string()))
        .or_else(|| site_emails.first().map(|e| e.to_string()));
    let phone = input.phone.as_ref().map(|p| p.to_string()).or_else(|| facts.and_then(|f| f.phones.first().cloned()));
    let address = facts
        .and_then(|f| f.address.clone())
        .filter(|a| a.completeness() >= input.address.completeness())
        .or_else(|| (!input.address.is_empty()).then(|| input.address.clone()));
    let owner = facts.and_then(|f| f.owner.clone()).or_else(|| {
        let name = [input.first_name.as_deref(), input.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        (!name.is_empty()).then(|| Owner { name, title: input.title.clone(), confidence: 1.0 })
    });
    Best { email, phone, address, owner }
}

/// Observations worth a salesperson's or an operator's attention, in words.
fn findings(record: &LeadRecord, crawl: Option<&CrawlResult>, facts: Option<&PageFacts>) -> Vec<String> {
    let mut out = Vec::new();
    let Some(crawl) = crawl else {
        out.push("not crawled yet".to_string());
        return out;
    };
    if crawl.status != CrawlStatus::Ok {
        out.push(format!("crawl {}: {}", crawl.status, crawl.reason.as_deref().unwrap_or("no reason given")));
    }
    for p in crawl.pages.iter().filter(|p| p.status != CrawlStatus::Ok) {
        out.push(format!("page {} {}: {}", p.url, p.status, p.reason.as_deref().unwrap_or("")));
    }
    if let Some(f) = facts
        && crawl.status.is_success()
    {
        if f.emails.is_empty() {
            out.push("no email address on the site".into());
        }
        if f.phones.is_empty() {
            out.push("no phone number on the site".into());
        }
        if f.owner.is_none() {
            out.push("no owner or decision maker named on the site".into());
        }
        if f.jsonld.is_empty() && f.microdata.is_empty() {
            out.push("no structured data (schema.org) for search engines".into());
        }
        if f.links.contact.is_empty() {
            out.push("no contact page linked from the home page".into());
        }
        if f.description.is_none() {
            out.push("no meta description".into());
        }
        if let (Some(listed), false) = (&record.input.phone, f.phones.is_empty())
            && !f.phones.iter().any(|p| p == listed.as_str())
        {
            out.push(format!("the listed phone {listed} is not on the site"));
        }
        out.extend(f.warnings.iter().map(|w| format!("extraction: {w}")));
    }
    out
}
