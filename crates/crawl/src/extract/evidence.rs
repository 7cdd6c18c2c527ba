//! The evidence ledger every extractor writes to: validated, de-duplicated facts with source and confidence,
//! and the summary (`emails`, `phones`, `address`, `owner`, `socials`, `name`, `description`) derived from it.

use std::collections::BTreeMap;

use leadsmith_core::{Address, Email, Fact, FactKind, FactSource, Owner, PageFacts, Phone, clean_value};
use serde_json::{Value, json};
use url::Url;

use super::links::{social_profile, social_profile_url};
use super::owner::{clean_person_name, is_company_like};

/// Facts of one kind beyond this are dropped (a page listing a thousand emails is a directory, not a lead).
const MAX_FACTS_PER_KIND: usize = 100;

pub(crate) struct Evidence<'a> {
    page_url: &'a str,
    region: &'a str,
    /// Registrable domain of the page, to rank same-domain emails first.
    site_domain: Option<String>,
    facts: Vec<Fact>,
    /// libphonenumber is slow; a page repeats its number in several formats (`tel:` link, header, footer).
    /// Keyed by the digits (and a leading `+`), which is all the parse depends on.
    phone_cache: Vec<(String, Option<Phone>)>,
}

impl<'a> Evidence<'a> {
    pub fn new(page_url: &'a str, region: &'a str, site_domain: Option<String>) -> Self {
        Self { page_url, region, site_domain, facts: Vec::new(), phone_cache: Vec::new() }
    }

    /// Records a fact, merging it into an existing one with the same kind, value and source.
    pub fn add(&mut self, kind: FactKind, value: String, detail: Option<Value>, source: FactSource, confidence: f32) {
        let confidence = round_confidence(confidence);
        // Owners keep one fact per title: "Jane Doe, Owner" and "Jane Doe founded …" are two pieces of evidence.
        let same = |f: &Fact| {
            f.kind == kind && f.source == source && f.value == value && (kind != FactKind::Owner || f.detail == detail)
        };
        if let Some(existing) = self.facts.iter_mut().find(|f| same(f)) {
            if confidence > existing.confidence {
                existing.confidence = confidence;
                existing.detail = detail;
            }
            return;
        }
        if self.facts.iter().filter(|f| f.kind == kind).count() >= MAX_FACTS_PER_KIND {
            return;
        }
        self.facts.push(Fact { kind, value, detail, source, confidence, url: Some(self.page_url.to_string()) });
    }

    pub fn name(&mut self, raw: &str, source: FactSource, confidence: f32) {
        if let Some(name) = clean_value(raw).filter(|n| n.chars().count() <= 200) {
            self.add(FactKind::Name, name, None, source, confidence);
        }
    }

    pub fn description(&mut self, raw: &str, source: FactSource, confidence: f32) {
        if let Some(desc) = clean_value(raw) {
            self.add(FactKind::Description, desc, None, source, confidence);
        }
    }

    /// Validates `raw` with [`Email::parse`]; returns whether it was accepted.
    pub fn email(&mut self, raw: &str, source: FactSource, confidence: f32, detail: Option<Value>) -> bool {
        let Ok(email) = Email::parse(raw) else {
            return false;
        };
        let same_site = self
            .site_domain
            .as_deref()
            .is_some_and(|d| email.domain_part() == d || email.domain_part().ends_with(&format!(".{d}")));
        let bonus = if same_site { 0.04 } else { 0.0 };
        // `Jo@acme.test` and `jo@acme.test` reach the same mailbox: keep the first spelling seen.
        let value = self
            .facts
            .iter()
            .find(|f| f.kind == FactKind::Email && f.value.eq_ignore_ascii_case(email.as_str()))
            .map_or_else(|| email.to_string(), |f| f.value.clone());
        self.add(FactKind::Email, value, detail, source, confidence + bonus);
        true
    }

    /// Normalises `raw` to E.164; a fax number is kept as evidence but labelled and out of `phones`.
    pub fn phone(&mut self, raw: &str, source: FactSource, confidence: f32, fax: bool) -> bool {
        // `Phone::parse` reads a number written with its country code without the default region, so
        // the cache key keeps the `+` to tell `+1 415…` from a national `1 415…`.
        let international = raw.trim_start().starts_with('+');
        let mut key: String = raw.chars().filter(char::is_ascii_digit).collect();
        if international {
            key.insert(0, '+');
        }
        let cached = self.phone_cache.iter().find(|(k, _)| *k == key).map(|(_, p)| p.clone());
        let parsed = cached.unwrap_or_else(|| {
            let parsed = Phone::parse(raw, self.region).ok();
            self.phone_cache.push((key, parsed.clone()));
            parsed
        });
        let Some(phone) = parsed else {
            return false;
        };
        let (detail, confidence) =
            if fax { (Some(json!({"label": "fax"})), confidence.min(0.4)) } else { (None, confidence) };
        self.add(FactKind::Phone, phone.to_string(), detail, source, confidence);
        true
    }

    /// The region national phone numbers on this page are read in (also the country that decides an
    /// address whose text does not say it).
    pub fn region(&self) -> &str {
        self.region
    }

    pub fn address(&mut self, address: Address, source: FactSource, confidence: f32) {
        let address = tidy_address(address);
        if address.is_empty() {
            return;
        }
        let detail = serde_json::to_value(&address).ok();
        self.add(FactKind::Address, address.one_line(), detail, source, confidence);
    }

    /// An owner candidate; `raw_name` must look like a person's name (honorifics and post-nominals are
    /// removed), checked again against the business name when the summary is built.
    pub fn owner(&mut self, raw_name: &str, title: Option<&str>, source: FactSource, confidence: f32) {
        let Some(name) = clean_person_name(raw_name) else {
            return;
        };
        let detail = title.and_then(clean_value).map(|t| json!({"title": t}));
        self.add(FactKind::Owner, name, detail, source, confidence);
    }

    /// A link to a social profile; share links and the platforms' own pages are ignored.
    pub fn social(&mut self, url: &str, source: FactSource, confidence: f32) {
        if let Some((network, profile)) = social_profile(url) {
            self.add(FactKind::Social, profile, Some(json!({"network": network})), source, confidence);
        }
    }

    /// [`Self::social`] for a link already resolved against the page.
    pub fn social_url(&mut self, url: &Url, source: FactSource, confidence: f32) {
        if let Some((network, profile)) = social_profile_url(url) {
            self.add(FactKind::Social, profile, Some(json!({"network": network})), source, confidence);
        }
    }

    /// Builds the summary fields of `page` from the evidence and moves the facts into it.
    pub fn finish(mut self, page: &mut PageFacts) {
        let names: Vec<String> =
            self.facts.iter().filter(|f| f.kind == FactKind::Name).map(|f| f.value.clone()).collect();
        self.facts.retain(|f| f.kind != FactKind::Owner || !is_company_like(&f.value, &names));

        page.name = best(&self.facts, FactKind::Name, |_| true).first().cloned();
        page.description = best(&self.facts, FactKind::Description, |_| true).first().cloned();
        page.emails = best(&self.facts, FactKind::Email, |_| true);
        let fax_only =
            |value: &str| self.facts.iter().filter(|f| f.kind == FactKind::Phone && f.value == value).all(is_fax);
        page.phones = best(&self.facts, FactKind::Phone, |v| !fax_only(v));
        // `max_by` keeps the later of two equal elements; `then(Greater)` makes ties keep the earlier one.
        page.address = self
            .facts
            .iter()
            .filter(|f| f.kind == FactKind::Address)
            .filter_map(|f| Some((f.confidence, serde_json::from_value::<Address>(f.detail.clone()?).ok()?)))
            .max_by(|(ca, a), (cb, b)| {
                ca.total_cmp(cb).then(a.completeness().cmp(&b.completeness())).then(std::cmp::Ordering::Greater)
            })
            .map(|(_, a)| a);
        page.owner = best_owner(&self.facts);
        page.socials = socials(&self.facts);
        page.facts.append(&mut self.facts);
    }
}

/// Two decimals are all the precision a confidence has; it also keeps `0.84000003` out of the JSON.
fn round_confidence(c: f32) -> f32 {
    (c.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

fn is_fax(f: &Fact) -> bool {
    f.detail.as_ref().and_then(|d| d.get("label")).and_then(Value::as_str) == Some("fax")
}

/// Distinct values of `kind` that pass `keep`, best confidence first, ties in document order.
fn best(facts: &[Fact], kind: FactKind, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut ranked: Vec<(f32, usize, &str)> = Vec::new();
    for (i, f) in facts.iter().enumerate().filter(|(_, f)| f.kind == kind) {
        match ranked.iter_mut().find(|(_, _, v)| *v == f.value) {
            Some(entry) => entry.0 = entry.0.max(f.confidence),
            None => ranked.push((f.confidence, i, &f.value)),
        }
    }
    ranked.retain(|(_, _, v)| keep(v));
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.into_iter().map(|(_, _, v)| v.to_string()).collect()
}

/// The most confident owner; a name seen by several independent patterns gains a little confidence.
fn best_owner(facts: &[Fact]) -> Option<Owner> {
    let mut by_name: Vec<(&str, f32, Option<String>, usize)> = Vec::new();
    for f in facts.iter().filter(|f| f.kind == FactKind::Owner) {
        let title = f.detail.as_ref().and_then(|d| d.get("title")).and_then(Value::as_str).map(str::to_string);
        match by_name.iter_mut().find(|(n, ..)| *n == f.value) {
            Some(entry) => {
                entry.3 += 1;
                if f.confidence > entry.1 || entry.2.is_none() {
                    entry.2 = title.or(entry.2.take());
                }
                entry.1 = entry.1.max(f.confidence);
            }
            None => by_name.push((&f.value, f.confidence, title, 1)),
        }
    }
    by_name
        .into_iter()
        .map(|(name, conf, title, seen)| (name, round_confidence((conf + 0.05 * (seen as f32 - 1.0)).min(0.99)), title))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(std::cmp::Ordering::Greater))
        .map(|(name, confidence, title)| Owner { name: name.to_string(), title, confidence })
}

fn socials(facts: &[Fact]) -> BTreeMap<String, String> {
    let mut chosen: BTreeMap<String, (f32, String)> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.kind == FactKind::Social) {
        let Some(network) = f.detail.as_ref().and_then(|d| d.get("network")).and_then(Value::as_str) else {
            continue;
        };
        let better = chosen.get(network).is_none_or(|(c, _)| f.confidence > *c);
        if better {
            chosen.insert(network.to_string(), (f.confidence, f.value.clone()));
        }
    }
    chosen.into_iter().map(|(k, (_, v))| (k, v)).collect()
}

/// Trims separators off every part and drops placeholder parts.
fn tidy_address(a: Address) -> Address {
    let clean = |p: Option<String>| p.and_then(|v| clean_value(v.trim_matches([',', ';', ' '])));
    Address {
        street: clean(a.street),
        city: clean(a.city),
        region: clean(a.region),
        postal_code: clean(a.postal_code),
        country: clean(a.country).map(leadsmith_core::normalise_country),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev() -> Evidence<'static> {
        Evidence::new("https://acme.test/", "US", Some("acme.test".into()))
    }

    #[test]
    fn facts_merge_and_summary_ranks() {
        let mut e = ev();
        assert!(e.email("info@gmail.com", FactSource::Text, 0.8, None));
        assert!(e.email("Jo@ACME.test", FactSource::Text, 0.8, None));
        assert!(e.email("jo@acme.test", FactSource::Text, 0.5, None));
        assert!(!e.email("logo@2x.png", FactSource::Text, 0.8, None));
        assert!(e.phone("(415) 555-2671", FactSource::Text, 0.6, false));
        assert!(e.phone("tel:+14155552671", FactSource::Tel, 0.95, false));
        assert!(e.phone("+1 415 555 2672", FactSource::Text, 0.8, true));
        e.name("n/a", FactSource::Meta, 0.9);
        e.name("Acme Dental", FactSource::Jsonld, 0.95);
        e.owner("Acme Dental", Some("Owner"), FactSource::Text, 0.9);
        e.owner("Dr. Jane Doe, DDS", Some("DDS"), FactSource::Text, 0.7);
        e.owner("Jane Doe", Some("Owner"), FactSource::Jsonld, 0.85);
        e.social("https://www.facebook.com/sharer/sharer.php?u=x", FactSource::Text, 0.8);
        e.social("https://facebook.com/acmedental/", FactSource::Text, 0.8);
        let mut page = PageFacts::default();
        e.finish(&mut page);
        assert_eq!(page.emails, vec!["Jo@acme.test", "info@gmail.com"]);
        assert_eq!(page.phones, vec!["+14155552671"]);
        assert_eq!(page.name.as_deref(), Some("Acme Dental"));
        let owner = page.owner.unwrap();
        assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Jane Doe", Some("Owner")));
        assert!((owner.confidence - 0.9).abs() < 1e-6);
        assert_eq!(page.socials.get("facebook").map(String::as_str), Some("https://facebook.com/acmedental"));
        assert!(page.facts.iter().any(|f| f.kind == FactKind::Phone && f.value == "+14155552672" && is_fax(f)));
        assert_eq!(page.facts.iter().filter(|f| f.kind == FactKind::Email).count(), 2);
        assert!(page.facts.iter().all(|f| f.url.as_deref() == Some("https://acme.test/")));
    }

    #[test]
    fn address_prefers_confidence_then_completeness() {
        let mut e = ev();
        let a = |street: &str, city: Option<&str>| Address {
            street: Some(street.into()),
            city: city.map(Into::into),
            ..Default::default()
        };
        e.address(a("1 Main St", None), FactSource::Text, 0.6);
        e.address(a("2 Main St", Some("Austin")), FactSource::Text, 0.6);
        e.address(a("unknown", Some("N/A")), FactSource::Jsonld, 0.95);
        let mut page = PageFacts::default();
        e.finish(&mut page);
        assert_eq!(page.address.unwrap().street.as_deref(), Some("2 Main St"));
    }
}
