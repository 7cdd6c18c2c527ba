//! What the extractor learns from pages: facts with their source and confidence, and the per-page summary
//! that `leadsmith extract` prints and the JSONL export carries as `facts`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Where on a page a fact came from; ordered roughly from most to least structured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactSource {
    Jsonld,
    Microdata,
    Opengraph,
    Meta,
    Mailto,
    Tel,
    Text,
    /// Given in the imported lead list rather than found on the web.
    Import,
}

impl FactSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Jsonld => "jsonld",
            Self::Microdata => "microdata",
            Self::Opengraph => "opengraph",
            Self::Meta => "meta",
            Self::Mailto => "mailto",
            Self::Tel => "tel",
            Self::Text => "text",
            Self::Import => "import",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Name,
    Description,
    Email,
    Phone,
    Address,
    Social,
    Owner,
}

/// One piece of evidence: a value, where it was found and how sure we are of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    /// The value in its canonical text form (E.164 phone, lower-cased email domain, one-line address,
    /// owner's name, social profile URL).
    pub value: String,
    /// Extra structure: the owner's title, the social network, the address parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    pub source: FactSource,
    pub confidence: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        self.street.is_none()
            && self.city.is_none()
            && self.region.is_none()
            && self.postal_code.is_none()
            && self.country.is_none()
    }

    /// Number of parts present; used to prefer the more complete of two addresses.
    pub fn completeness(&self) -> usize {
        [&self.street, &self.city, &self.region, &self.postal_code, &self.country]
            .iter()
            .filter(|p| p.is_some())
            .count()
    }

    /// One line: `12 Main St, Springfield, IL 62704, US`.
    pub fn one_line(&self) -> String {
        let region_postal = match (&self.region, &self.postal_code) {
            (Some(r), Some(p)) => Some(format!("{r} {p}")),
            (Some(r), None) => Some(r.clone()),
            (None, Some(p)) => Some(p.clone()),
            (None, None) => None,
        };
        [self.street.clone(), self.city.clone(), region_postal, self.country.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub confidence: f32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageLinks {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub about: Vec<String>,
}

/// What a legal notice says of the business behind a site: the legal name, the commercial register entry,
/// the VAT id and who represents the company.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalNotice {
    /// The page it was read from.
    pub url: String,
    /// The company's legal name with its legal form (`Krüger Backwaren GmbH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// The register entry: `HRB 123456` (Germany), `FN 123456a` (Austria), `CHE-123.456.789` (Switzerland).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_number: Option<String>,
    /// The court keeping the register (`Amtsgericht München`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_court: Option<String>,
    /// The VAT identification number, without spaces (`DE123456789`, `ATU12345678`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_id: Option<String>,
    /// Managing directors or the owner, as the notice names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub representatives: Vec<String>,
}

impl LegalNotice {
    /// How many of its fields the notice fills.
    pub fn completeness(&self) -> usize {
        [self.company.is_some(), self.register_number.is_some(), self.register_court.is_some(), self.vat_id.is_some()]
            .into_iter()
            .filter(|b| *b)
            .count()
            + usize::from(!self.representatives.is_empty())
    }
}

/// Everything extracted from one page (or, merged, from all pages of a lead).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageFacts {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(default)]
    pub socials: BTreeMap<String, String>,
    #[serde(default)]
    pub links: PageLinks,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jsonld: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub opengraph: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub microdata: Vec<serde_json::Value>,
    /// The site's legal notice (a German or Austrian *Impressum*, a French *mentions légales*), when a page
    /// was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal: Option<LegalNotice>,
    /// Every piece of evidence behind the summary fields, with source and confidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<Fact>,
    /// Problems met while extracting (malformed JSON-LD skipped, …); never fatal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl PageFacts {
    /// Folds another page of the same site into this summary: lists are unioned in order, the first name,
    /// title and description win, and the more complete address and the more confident owner win.
    pub fn merge(&mut self, other: PageFacts) {
        fn union(into: &mut Vec<String>, from: Vec<String>) {
            for v in from {
                if !into.contains(&v) {
                    into.push(v);
                }
            }
        }
        if self.url.is_empty() {
            self.url = other.url;
        }
        self.title = self.title.take().or(other.title);
        self.name = self.name.take().or(other.name);
        self.description = self.description.take().or(other.description);
        union(&mut self.emails, other.emails);
        union(&mut self.phones, other.phones);
        self.address = match (self.address.take(), other.address) {
            (Some(a), Some(b)) => Some(if b.completeness() > a.completeness() { b } else { a }),
            (a, b) => a.or(b),
        };
        self.owner = match (self.owner.take(), other.owner) {
            (Some(a), Some(b)) => Some(if b.confidence > a.confidence { b } else { a }),
            (a, b) => a.or(b),
        };
        self.legal = match (self.legal.take(), other.legal) {
            (Some(a), Some(b)) => Some(if b.completeness() > a.completeness() { b } else { a }),
            (a, b) => a.or(b),
        };
        for (k, v) in other.socials {
            self.socials.entry(k).or_insert(v);
        }
        union(&mut self.links.contact, other.links.contact);
        union(&mut self.links.about, other.links.about);
        self.jsonld.extend(other.jsonld);
        for (k, v) in other.opengraph {
            self.opengraph.entry(k).or_insert(v);
        }
        self.microdata.extend(other.microdata);
        self.facts.extend(other.facts);
        self.warnings.extend(other.warnings);
    }

    /// The best email: a named person's address on the business domain beats a role address, and
    /// structured sources beat free text.
    pub fn best_fact(&self, kind: FactKind) -> Option<&Fact> {
        self.facts.iter().filter(|f| f.kind == kind).max_by(|a, b| a.confidence.total_cmp(&b.confidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_unions_and_prefers_better_values() {
        let mut home = PageFacts {
            url: "http://a.test/".into(),
            emails: vec!["info@a.test".into()],
            address: Some(Address { city: Some("Austin".into()), ..Default::default() }),
            owner: Some(Owner { name: "A B".into(), title: None, confidence: 0.5 }),
            ..Default::default()
        };
        let contact = PageFacts {
            url: "http://a.test/contact".into(),
            title: Some("Contact".into()),
            emails: vec!["info@a.test".into(), "jo@a.test".into()],
            address: Some(Address {
                street: Some("1 Main St".into()),
                city: Some("Austin".into()),
                ..Default::default()
            }),
            owner: Some(Owner { name: "Jo B".into(), title: Some("Owner".into()), confidence: 0.9 }),
            ..Default::default()
        };
        home.merge(contact);
        assert_eq!(home.url, "http://a.test/");
        assert_eq!(home.emails, vec!["info@a.test", "jo@a.test"]);
        assert_eq!(home.address.unwrap().street.as_deref(), Some("1 Main St"));
        assert_eq!(home.owner.unwrap().name, "Jo B");
        assert_eq!(home.title.as_deref(), Some("Contact"));
    }

    #[test]
    fn address_one_line() {
        let a = Address {
            street: Some("12 Main St".into()),
            city: Some("Springfield".into()),
            region: Some("IL".into()),
            postal_code: Some("62704".into()),
            country: Some("US".into()),
        };
        assert_eq!(a.one_line(), "12 Main St, Springfield, IL 62704, US");
        assert_eq!(a.completeness(), 5);
    }
}
