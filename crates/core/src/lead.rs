//! Leads: what an import row says about a business, and the stored lead it becomes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Address, Domain, Email, Phone};

/// Store-assigned lead id.
pub type LeadId = i64;

/// One imported row after column mapping and normalisation; what dedupe and the store work with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The website URL as normalised from the input (`http://x.com/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Registrable domain from the website, or else from a business email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    #[serde(default, skip_serializing_if = "Address::is_empty")]
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// An id in the system the row came from (a Salesforce Id, a HubSpot Record ID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<String>,
    /// The business's pages on platforms (social networks, directories, maps), by platform, from a
    /// website column that pointed there: kept as profiles, never as the lead's domain.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, String>,
    /// Columns we do not map, kept so nothing the user gave us is lost.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl LeadInput {
    /// The normalised company name used for matching, when there is a company.
    pub fn company_key(&self) -> Option<String> {
        self.company.as_deref().map(crate::normalize_company_name).filter(|k| !k.is_empty())
    }

    /// Fills gaps in `self` from `other` (a duplicate row of the same business); never overwrites.
    pub fn fill_from(&mut self, other: &LeadInput) {
        fn fill<T: Clone>(a: &mut Option<T>, b: &Option<T>) {
            if a.is_none() {
                a.clone_from(b);
            }
        }
        fill(&mut self.company, &other.company);
        fill(&mut self.website, &other.website);
        fill(&mut self.domain, &other.domain);
        fill(&mut self.email, &other.email);
        fill(&mut self.phone, &other.phone);
        fill(&mut self.first_name, &other.first_name);
        fill(&mut self.last_name, &other.last_name);
        fill(&mut self.title, &other.title);
        fill(&mut self.external_id, &other.external_id);
        fill(&mut self.vertical, &other.vertical);
        if self.address.completeness() < other.address.completeness() {
            self.address = other.address.clone();
        }
        for (k, v) in &other.profiles {
            self.profiles.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for (k, v) in &other.extra {
            self.extra.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// A stored lead: the merged input plus its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadRecord {
    pub id: LeadId,
    #[serde(flatten)]
    pub input: LeadInput,
    /// How many imported rows were merged into this lead.
    pub source_rows: u32,
    pub created_at: String,
}
