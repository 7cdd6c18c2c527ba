//! The assessment of a lead's site: observations worth a salesperson's or an operator's attention, in
//! words, stored as the `assess` result so readers show them instead of recomputing them. It runs as the
//! last step of the crawl stage's job today (the facts it judges are in hand there); site audits and
//! technology detection land here next, and can become a job kind of their own with one registration in
//! `stages.rs` when they need their own retries.

use leadsmith_core::{CrawlStatus, LeadRecord, PageFacts};
use serde::{Deserialize, Serialize};

use super::crawl::CrawlResult;

/// The `assess` result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    pub findings: Vec<String>,
}

/// The findings for a lead from its crawl outcome and the facts extracted from its pages.
pub fn assess(record: &LeadRecord, crawl: &CrawlResult, facts: Option<&PageFacts>) -> Findings {
    let mut out = Vec::new();
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
    Findings { findings: out }
}
