//! A lead with everything the pipeline learnt about it, assembled from its stage results; what `leads
//! show` prints, the API returns and the exports write. Also picks the best email, phone, address and
//! owner, and tallies a set of leads.

use std::collections::BTreeMap;

use leadsmith_core::{Address, Email, LeadRecord, Owner, PageFacts, ScoreBreakdown};
use leadsmith_store::{SourceRow, StageResult, Store};
use serde::Serialize;

use crate::pipeline::assess::{Findings, assess};
use crate::pipeline::email::EmailSignals;
use crate::pipeline::stages::{Undecodable, find};

pub use crate::pipeline::crawl::CrawlResult;

#[derive(Debug, Clone, Serialize)]
pub struct LeadView {
    /// The record's id (serialized once, by the flattened record).
    #[serde(skip)]
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
    /// What each address is and whether mail to it would arrive; the domain's MX, SPF and DMARC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailSignals>,
    /// The technologies the site runs, each with its evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub technologies: Option<leadsmith_tech::Detections>,
    /// The website audit: findings with evidence and a score per category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<leadsmith_crawl::audit::Audit>,
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
        results: Vec<StageResult>,
    ) -> anyhow::Result<Self> {
        let sources = store.lead_sources(record.id).await?;
        Ok(Self::from_stored(record, results, sources))
    }

    /// The view from everything stored about the lead, read by the caller (a streamed export reads it all
    /// with the listing).
    pub fn from_stored(record: LeadRecord, results: Vec<StageResult>, sources: Vec<SourceRow>) -> Self {
        let id = record.id;
        // A stored result that no longer decodes is shown as a finding and logged, never taken for none.
        let mut unreadable = Vec::new();
        let mut keep = |e: Undecodable| {
            tracing::warn!(lead_id = id, result = e.name, error = %e.error, "a stored stage result does not decode");
            unreadable.push(format!("{e}"));
        };
        let crawl: Option<CrawlResult> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let facts: Option<PageFacts> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let score: Option<ScoreBreakdown> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let stored: Option<Findings> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let email: Option<EmailSignals> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let technologies: Option<leadsmith_tech::Detections> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let audit: Option<leadsmith_crawl::audit::Audit> = find(&results).unwrap_or_else(|e| {
            keep(e);
            None
        });
        let best = best_of(&record, facts.as_ref());
        let mut findings = match (&crawl, stored) {
            (None, _) => vec!["not crawled yet".to_string()],
            (Some(_), Some(stored)) => stored.findings,
            // Crawled before the `assess` result existed: judged now from what was stored.
            (Some(c), None) => assess(&record, c, facts.as_ref()).findings,
        };
        findings.extend(unreadable);
        Self { id, record, sources, crawl, facts, score, best, findings, email, technologies, audit }
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

/// One-paragraph tallies of a set of leads: by tier and by crawl outcome.
pub fn tally(views: &[LeadView]) -> String {
    let mut tiers: BTreeMap<String, usize> = BTreeMap::new();
    let mut crawl: BTreeMap<String, usize> = BTreeMap::new();
    for v in views {
        *tiers.entry(v.tier()).or_default() += 1;
        *crawl.entry(v.crawl_status()).or_default() += 1;
    }
    let join = |m: &BTreeMap<String, usize>| m.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(" · ");
    format!("tiers: {}\ncrawl: {}", join(&tiers), join(&crawl))
}
