//! Lead features: the flat name → value map that rules test, built from an imported lead and what its
//! site said. A feature we know nothing about is absent, never a placeholder such as `0` or `""`.

use std::collections::BTreeMap;
use std::collections::btree_map;

use leadsmith_core::audit::{Audit, Severity};
use leadsmith_core::{CrawlStatus, Domain, Email, LeadInput, PageFacts};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The JSON type a feature always has; rules are type-checked against it when they load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    Bool,
    Number,
    String,
    /// A list of lower-cased names (technologies, findings), tested with `technology:`, `finding:`, …
    List,
}

impl FeatureKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::Number => "number",
            Self::String => "string",
            Self::List => "list",
        }
    }
}

/// One feature [`lead_features`] can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureInfo {
    pub name: &'static str,
    pub kind: FeatureKind,
    /// What it means, in a line (for `leadsmith rules` help and error messages).
    pub about: &'static str,
}

const fn f(name: &'static str, kind: FeatureKind, about: &'static str) -> FeatureInfo {
    FeatureInfo { name, kind, about }
}

use FeatureKind::{Bool, List, Number, String as Str};

/// Every feature [`lead_features`] can produce. Rules that name anything else are rejected at load.
#[rustfmt::skip]
pub const KNOWN_FEATURES: &[FeatureInfo] = &[
    f("has_website", Bool, "the lead has a website (imported, or a crawl was attempted)"),
    f("crawl_status", Str, "how the lead's crawl ended: ok, partial, blocked, timeout, dns_error, no_website, …"),
    f("site_reachable", Bool, "the crawl succeeded (status ok or partial)"),
    f("pages_ok", Number, "pages fetched successfully"),
    f("pages_total", Number, "pages attempted"),
    f("email_count", Number, "distinct valid emails, imported or found on the site"),
    f("has_email", Bool, "at least one valid email, imported or found"),
    f("has_personal_email", Bool, "an email that is not a role address such as info@"),
    f("email_on_domain", Bool, "an email on the lead's own domain (absent when the domain is unknown)"),
    f("phone_count", Number, "distinct phone numbers, imported or found"),
    f("has_phone", Bool, "at least one phone number, imported or found"),
    f("has_address", Bool, "any part of a postal address, imported or found"),
    f("address_completeness", Number, "parts of the best address present (street, city, region, postal code, country): 0–5"),
    f("has_owner", Bool, "an owner or decision maker is known (site, or an imported contact with a senior title)"),
    f("owner_confidence", Number, "confidence in the owner, 0–1 (absent without an owner)"),
    f("owner_title", Str, "the owner's title, e.g. Owner, Founder, DDS (absent when unknown)"),
    f("owner_source", Str, "where the owner came from: site or import"),
    f("social_count", Number, "social profiles linked from the site (absent when the site was not read)"),
    f("has_linkedin", Bool, "the site links a LinkedIn profile"),
    f("has_facebook", Bool, "the site links a Facebook page"),
    f("has_instagram", Bool, "the site links an Instagram profile"),
    f("has_structured_data", Bool, "the site has JSON-LD or microdata"),
    f("has_description", Bool, "the site has a description"),
    f("title_length", Number, "characters in the site's <title> (absent without a title)"),
    f("has_contact_page", Bool, "the site links a contact page"),
    f("vertical", Str, "the lead's vertical, lower-cased (absent when not given)"),
    f("country", Str, "ISO country code or name from the best address, upper-cased (absent when unknown)"),
    f("imported_email", Bool, "the imported row had an email"),
    f("imported_phone", Bool, "the imported row had a phone"),
    f("has_contact_name", Bool, "the imported row named a contact person"),
    f("has_title", Bool, "the imported row gave the contact's job title"),
    f("contact_title", Str, "the imported contact's job title (absent when not given)"),
    f("technologies", List, "detected technologies, lower-cased; test with `technology: WordPress` (absent when detection did not run)"),
    f("technology_categories", List, "categories of the detected technologies; test with `technology_category: Ecommerce`"),
    f("technology_count", Number, "how many technologies were detected"),
    f("findings", List, "ids of the website audit's findings; test with `finding: no_https` (absent without an audit)"),
    f("audit_findings", Number, "the audit's findings that are not merely informational"),
    f("audit.performance", Number, "the audit's performance score, 0–100"),
    f("audit.seo", Number, "the audit's SEO score, 0–100"),
    f("audit.security", Number, "the audit's security score, 0–100"),
    f("audit.mobile", Number, "the audit's mobile and accessibility score, 0–100"),
    f("audit.conversion", Number, "the audit's conversion score, 0–100"),
    f("lighthouse.performance", Number, "Lighthouse's performance score, 0–100 (with [pagespeed] configured)"),
    f("lighthouse.accessibility", Number, "Lighthouse's accessibility score, 0–100"),
    f("lighthouse.best_practices", Number, "Lighthouse's best-practices score, 0–100"),
    f("lighthouse.seo", Number, "Lighthouse's SEO score, 0–100"),
    f("lighthouse.lcp_ms", Number, "largest contentful paint in Lighthouse's lab run, milliseconds"),
];

/// The description of a known feature, or `None` for a name [`lead_features`] never produces.
pub fn feature_info(name: &str) -> Option<&'static FeatureInfo> {
    KNOWN_FEATURES.iter().find(|f| f.name == name)
}

/// A lead's features by name. Serialises as a plain JSON object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Features(BTreeMap<String, Value>);

impl Features {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Sets a feature, replacing any earlier value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(name.into(), value.into());
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
    }

    /// Features in name order.
    pub fn iter(&self) -> btree_map::Iter<'_, String, Value> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The lead's vertical feature, if it has one.
    pub fn vertical(&self) -> Option<&str> {
        self.get("vertical").and_then(Value::as_str)
    }
}

impl<'a> IntoIterator for &'a Features {
    type Item = (&'a String, &'a Value);
    type IntoIter = btree_map::Iter<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Features {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// Titles that make an imported contact a decision maker.
const DECISION_MAKER_WORDS: &[&str] = &[
    "owner",
    "co-owner",
    "founder",
    "co-founder",
    "cofounder",
    "president",
    "ceo",
    "principal",
    "partner",
    "proprietor",
    "managing director",
    "director",
    "chief",
    "dds",
    "dmd",
];

/// Builds the features of a lead from its imported row, the merged facts of its site (if it was read)
/// and how its crawl went. Import and site are combined: `has_email` holds if either gave one.
pub fn lead_features(
    lead: &LeadInput,
    facts: Option<&PageFacts>,
    crawl_status: CrawlStatus,
    pages_ok: usize,
    pages_total: usize,
) -> Features {
    let mut out = Features::new();
    let has_website = lead.website.is_some() || crawl_status != CrawlStatus::NoWebsite;
    out.insert("has_website", has_website);
    out.insert("crawl_status", crawl_status.as_str());
    out.insert("site_reachable", crawl_status.is_success());
    out.insert("pages_ok", pages_ok);
    out.insert("pages_total", pages_total);

    let domain = lead_domain(lead, facts);
    contact_features(&mut out, lead, facts, domain.as_ref());
    owner_features(&mut out, lead, facts);
    if let Some(facts) = facts {
        site_features(&mut out, facts);
    }

    if let Some(vertical) = clean(lead.vertical.as_deref()) {
        out.insert("vertical", vertical.to_lowercase());
    }
    let site_address = facts.and_then(|f| f.address.as_ref());
    let country = clean(lead.address.country.as_deref()).or_else(|| clean(site_address?.country.as_deref()));
    if let Some(country) = country {
        out.insert("country", country.to_uppercase());
    }

    out.insert("imported_email", lead.email.is_some());
    out.insert("imported_phone", lead.phone.is_some());
    let has_contact_name = clean(lead.first_name.as_deref()).is_some() || clean(lead.last_name.as_deref()).is_some();
    out.insert("has_contact_name", has_contact_name);
    let contact_title = clean(lead.title.as_deref());
    out.insert("has_title", contact_title.is_some());
    if let Some(title) = contact_title {
        out.insert("contact_title", title);
    }
    out
}

/// The lead's own domain: imported, else from its website, else from the crawled site's URL.
fn lead_domain(lead: &LeadInput, facts: Option<&PageFacts>) -> Option<Domain> {
    lead.domain
        .clone()
        .or_else(|| Domain::from_website(lead.website.as_deref()?).ok())
        .or_else(|| Domain::from_website(&facts?.url).ok())
}

fn contact_features(out: &mut Features, lead: &LeadInput, facts: Option<&PageFacts>, domain: Option<&Domain>) {
    let mut emails: Vec<Email> = lead.email.iter().cloned().collect();
    for raw in facts.map(|f| f.emails.as_slice()).unwrap_or_default() {
        // Compare case-insensitively: `Jo@x.com` on the site is the imported `jo@x.com`.
        if let Ok(email) = Email::parse(raw)
            && !emails.iter().any(|e| e.as_str().eq_ignore_ascii_case(email.as_str()))
        {
            emails.push(email);
        }
    }
    out.insert("email_count", emails.len());
    out.insert("has_email", !emails.is_empty());
    out.insert("has_personal_email", emails.iter().any(|e| !e.is_role_address()));
    if let Some(domain) = domain {
        let on_domain = emails.iter().any(|e| e.business_domain().as_ref() == Some(domain));
        out.insert("email_on_domain", on_domain);
    }

    // Phones from the site are E.164 already; compare by digits so formatting differences do not count twice.
    let mut phones: Vec<String> = lead.phone.iter().map(|p| digits(p.as_str())).collect();
    for raw in facts.map(|f| f.phones.as_slice()).unwrap_or_default() {
        let d = digits(raw);
        if !d.is_empty() && !phones.contains(&d) {
            phones.push(d);
        }
    }
    out.insert("phone_count", phones.len());
    out.insert("has_phone", !phones.is_empty());

    let imported = lead.address.completeness();
    let found = facts.and_then(|f| f.address.as_ref()).map_or(0, |a| a.completeness());
    let completeness = imported.max(found);
    out.insert("has_address", completeness > 0);
    out.insert("address_completeness", completeness);
}

/// The site's owner wins; an imported contact with a decision-maker title stands in when the site named none.
fn owner_features(out: &mut Features, lead: &LeadInput, facts: Option<&PageFacts>) {
    if let Some(owner) = facts.and_then(|f| f.owner.as_ref()).filter(|o| !o.name.trim().is_empty()) {
        out.insert("has_owner", true);
        out.insert("owner_source", "site");
        out.insert("owner_confidence", round2(f64::from(owner.confidence)));
        if let Some(title) = clean(owner.title.as_deref()) {
            out.insert("owner_title", title);
        }
        return;
    }
    let named = clean(lead.first_name.as_deref()).is_some() || clean(lead.last_name.as_deref()).is_some();
    let title = clean(lead.title.as_deref()).filter(|t| is_decision_maker_title(t));
    match (named, title) {
        (true, Some(title)) => {
            out.insert("has_owner", true);
            out.insert("owner_source", "import");
            // The user's own list says so; trust it a little less than a site that states it outright.
            out.insert("owner_confidence", 0.8);
            out.insert("owner_title", title);
        }
        _ => out.insert("has_owner", false),
    }
}

fn site_features(out: &mut Features, facts: &PageFacts) {
    let socials: Vec<(String, &str)> = facts
        .socials
        .iter()
        .filter(|(_, url)| !url.trim().is_empty())
        .map(|(network, url)| (network.to_ascii_lowercase(), url.as_str()))
        .collect();
    let has_network = |network: &str, host: &str| {
        socials.iter().any(|(n, url)| n == network || url.to_ascii_lowercase().contains(host))
    };
    out.insert("social_count", socials.len());
    out.insert("has_linkedin", has_network("linkedin", "linkedin.com"));
    out.insert("has_facebook", has_network("facebook", "facebook.com"));
    out.insert("has_instagram", has_network("instagram", "instagram.com"));
    out.insert("has_structured_data", !facts.jsonld.is_empty() || !facts.microdata.is_empty());
    out.insert("has_description", clean(facts.description.as_deref()).is_some());
    if let Some(title) = clean(facts.title.as_deref()) {
        out.insert("title_length", title.chars().count());
    }
    out.insert("has_contact_page", !facts.links.contact.is_empty());
}

/// A detected technology, as rules see it.
#[derive(Debug, Clone, Copy)]
pub struct TechnologyName<'a> {
    pub name: &'a str,
    pub categories: &'a [&'a str],
}

/// Adds what the site-intelligence steps learnt: the detected technologies (when detection ran) and the
/// website audit's findings and scores (when the site was audited). Names are lower-cased, so rules match
/// them case-insensitively.
pub fn add_site_signals(out: &mut Features, technologies: Option<&[TechnologyName<'_>]>, audit: Option<&Audit>) {
    if let Some(found) = technologies {
        let mut names: Vec<String> = found.iter().map(|t| t.name.to_lowercase()).collect();
        names.sort_unstable();
        names.dedup();
        let mut categories: Vec<String> =
            found.iter().flat_map(|t| t.categories.iter().map(|c| c.to_lowercase())).collect();
        categories.sort_unstable();
        categories.dedup();
        out.insert("technology_count", names.len());
        out.insert("technologies", names);
        out.insert("technology_categories", categories);
    }
    if let Some(audit) = audit {
        let ids: Vec<String> = audit.findings.iter().map(|f| f.id.clone()).collect();
        let serious = audit.findings.iter().filter(|f| f.severity != Severity::Info).count();
        out.insert("findings", ids);
        out.insert("audit_findings", serious);
        for (category, score) in &audit.scores {
            out.insert(format!("audit.{category}"), *score);
        }
        if let Some(lighthouse) = &audit.lighthouse {
            for (category, score) in &lighthouse.scores {
                out.insert(format!("lighthouse.{}", category.replace('-', "_")), *score);
            }
            if let Some(lcp) = lighthouse.lcp_ms {
                out.insert("lighthouse.lcp_ms", lcp);
            }
        }
    }
}

/// Whether the list feature `list` holds `value` (lower-cased already).
pub(crate) fn list_holds(features: &Features, list: &str, value: &str) -> bool {
    features.get(list).and_then(Value::as_array).is_some_and(|items| items.iter().any(|v| v.as_str() == Some(value)))
}

fn is_decision_maker_title(title: &str) -> bool {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    DECISION_MAKER_WORDS.iter().any(|dm| {
        let dm_words: Vec<&str> = dm.split(' ').collect();
        words.windows(dm_words.len()).any(|w| w == dm_words.as_slice())
    })
}

fn clean(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_features_are_unique() {
        let mut names: Vec<&str> = KNOWN_FEATURES.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KNOWN_FEATURES.len());
    }

    #[test]
    fn decision_maker_titles() {
        for t in ["Owner", "Co-Founder & CEO", "Managing Director", "Dr. Jane Roe, DDS", "Senior Partner"] {
            assert!(is_decision_maker_title(t), "{t}");
        }
        for t in ["Office Manager", "Receptionist", "Marketing Assistant", "Partnerships lead"] {
            assert!(!is_decision_maker_title(t), "{t}");
        }
    }
}
