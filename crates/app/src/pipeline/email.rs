//! A lead's email signals, worked out in the crawl job next to its assessment and stored as the `email`
//! result: what each address is (free-mail, disposable, role, personal) and whether mail to it would arrive
//! (valid / invalid / unknown, with the reason), what the domain publishes (MX and the mail provider, SPF,
//! DMARC), and the owner's likely address inferred from the site's own personal addresses.

use std::time::Duration;

use leadsmith_core::{Email, FactKind, LeadRecord, PageFacts};
use leadsmith_email::{
    AddressKind, Deliverability, DnsChecker, DomainSignals, Inferred, SmtpOptions, SmtpVerdict, classify, judge, probe,
};
use serde::{Deserialize, Serialize};

use crate::config::EmailSettings;

/// Addresses judged per lead, at most.
const MAX_ADDRESSES: usize = 10;
/// Distinct domains looked up per lead, at most.
const MAX_DOMAINS: usize = 3;

/// The `email` result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailSignals {
    /// What DNS says of each domain looked up (the lead's first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<DomainSignals>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<AddressSignals>,
    /// The owner's likely address, made from the site's pattern; never verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_address: Option<Inferred>,
    /// Why DNS was not asked (turned off, a special-use name), when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One address of the lead's (imported or found on its site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressSignals {
    pub address: String,
    pub kind: AddressKind,
    pub deliverability: Deliverability,
}

/// Works out email signals; built once per worker.
pub struct EmailChecker {
    dns: Option<DnsChecker>,
    off: Option<String>,
    /// The RCPT check's settings, when it is on.
    smtp: Option<Smtp>,
}

struct Smtp {
    options: SmtpOptions,
    port: u16,
    max_per_lead: usize,
    /// What the SSRF guard lets through (`crawl.allow_addresses`).
    allow: Vec<ipnet::IpNet>,
}

impl EmailChecker {
    /// From `[email]`, with `allow` (`crawl.allow_addresses`) opening the SSRF guard for the RCPT check.
    pub fn new(settings: &EmailSettings, allow: Vec<ipnet::IpNet>) -> Self {
        if !settings.dns {
            return Self { dns: None, off: Some("DNS lookups are off ([email] dns = false)".into()), smtp: None };
        }
        let timeout = Duration::from_secs_f64(settings.timeout_secs);
        let smtp = settings.smtp_check.then(|| Smtp {
            options: SmtpOptions { helo: settings.smtp_helo.clone(), from: settings.smtp_from.clone(), timeout },
            port: settings.smtp_port,
            max_per_lead: settings.smtp_max_per_lead,
            allow,
        });
        let (dns, off) = match settings.resolver() {
            Ok(Some(server)) => (Some(DnsChecker::with_server(server, timeout)), None),
            Ok(None) => match DnsChecker::system(timeout) {
                Ok(dns) => (Some(dns), None),
                Err(e) => {
                    tracing::warn!(error = %e, "no system DNS configuration; email signals without DNS");
                    (None, Some(format!("no DNS resolver: {e}")))
                }
            },
            // Validated with the settings; a bad value here means no lookups rather than a crash.
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        Self { dns, off, smtp }
    }

    /// Asks the best mail server of `domain` about `address`, through the SSRF guard.
    async fn rcpt(&self, dns: &DnsChecker, smtp: &Smtp, signals: &DomainSignals, address: &str) -> SmtpVerdict {
        let Some(mx) = signals.mx.first() else {
            return SmtpVerdict::Unreachable { reason: "no MX host".into() };
        };
        let ips = dns.addresses(&mx.host).await;
        let mut refused = None;
        for ip in ips {
            match leadsmith_crawl::fetch::check_outbound(ip, &smtp.allow) {
                Ok(()) => return probe(std::net::SocketAddr::new(ip, smtp.port), address, &smtp.options).await,
                Err(why) => refused = Some(why),
            }
        }
        SmtpVerdict::Unreachable {
            reason: refused.map_or_else(|| format!("{} has no address", mx.host), |why| format!("{}: {why}", mx.host)),
        }
    }

    /// The signals of `lead` and what its site showed.
    pub async fn signals(&self, lead: &LeadRecord, facts: Option<&PageFacts>) -> EmailSignals {
        let mut addresses: Vec<Email> = Vec::new();
        let found = facts.map(|f| f.emails.as_slice()).unwrap_or_default();
        for raw in lead.input.email.iter().map(|e| e.as_str().to_string()).chain(found.iter().cloned()) {
            if let Ok(e) = Email::parse(&raw)
                && !addresses.iter().any(|a| a.as_str().eq_ignore_ascii_case(e.as_str()))
                && addresses.len() < MAX_ADDRESSES
            {
                addresses.push(e);
            }
        }
        // The lead's own domain first, then its addresses' business domains.
        let mut domains: Vec<String> = lead.input.domain.iter().map(|d| d.to_string()).collect();
        for a in &addresses {
            let d = a.domain_part().to_ascii_lowercase();
            if !domains.contains(&d) && !classify(a.local_part(), &d).free_mail && domains.len() < MAX_DOMAINS {
                domains.push(d);
            }
        }
        let mut out = EmailSignals { note: self.off.clone(), ..Default::default() };
        if let Some(dns) = &self.dns {
            let (special, asked): (Vec<String>, Vec<String>) = domains
                .into_iter()
                // RFC 6761 names are never registered: asking DNS about them can only leak or mislead.
                .partition(|d| leadsmith_crawl::fetch::is_special_use_name(d));
            out.domains = futures_util::future::join_all(asked.iter().map(|d| dns.lookup(d))).await;
            if !special.is_empty() {
                out.note = Some(format!("not looked up (special-use names): {}", special.join(", ")));
            }
        }
        let mut probed = 0;
        for a in &addresses {
            let domain = a.domain_part().to_ascii_lowercase();
            let signals = out.domains.iter().find(|d| d.domain == domain);
            let kind = classify(a.local_part(), &domain);
            let verdict = match (&self.dns, &self.smtp, signals) {
                (Some(dns), Some(smtp), Some(s))
                    if !s.mx.is_empty() && !kind.free_mail && !kind.disposable && probed < smtp.max_per_lead =>
                {
                    probed += 1;
                    Some(self.rcpt(dns, smtp, s, a.as_str()).await)
                }
                _ => None,
            };
            out.addresses.push(AddressSignals {
                address: a.as_str().to_string(),
                kind,
                deliverability: judge(a.as_str(), signals, verdict.as_ref()),
            });
        }
        out.owner_address = owner_address(lead, facts, &addresses);
        out
    }
}

/// The owner's address inferred from the site's personal addresses whose people the site names, unless the
/// owner's own address is already known.
fn owner_address(lead: &LeadRecord, facts: Option<&PageFacts>, addresses: &[Email]) -> Option<Inferred> {
    let facts = facts?;
    let owner = facts.owner.as_ref().map(|o| o.name.clone()).or_else(|| {
        let i = &lead.input;
        Some(format!("{} {}", i.first_name.as_deref()?, i.last_name.as_deref()?))
    })?;
    let domain = lead.input.domain.as_ref()?.to_string();
    // People the site names: owner candidates, and the names written just before each address.
    let mut people: Vec<&str> =
        facts.facts.iter().filter(|f| f.kind == FactKind::Owner).map(|f| f.value.as_str()).collect();
    for f in facts.facts.iter().filter(|f| f.kind == FactKind::Email) {
        let near = f.detail.as_ref().and_then(|d| d["people"].as_array());
        people.extend(near.into_iter().flatten().filter_map(|p| p.as_str()));
    }
    let mut examples = Vec::new();
    for a in addresses.iter().filter(|a| a.domain_part().eq_ignore_ascii_case(&domain)) {
        if let Some(person) = people.iter().find(|p| leadsmith_email::pattern::fits(a.local_part(), p)) {
            if person.eq_ignore_ascii_case(&owner) {
                // The owner's own address is on the site: nothing to infer.
                return None;
            }
            examples.push((person.to_string(), a.as_str().to_string()));
        }
    }
    leadsmith_email::infer_address(&owner, &domain, &examples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::{Domain, Fact, FactSource, LeadInput, Owner};

    fn lead() -> LeadRecord {
        LeadRecord {
            id: 1,
            input: LeadInput {
                company: Some("Acme".into()),
                domain: Some(Domain::from_website("acme.test").unwrap()),
                email: Some(Email::parse("Info@acme.test").unwrap()),
                ..Default::default()
            },
            source_rows: 1,
            created_at: "2026-12-07T00:00:00Z".into(),
        }
    }

    fn person(name: &str) -> Fact {
        Fact {
            kind: FactKind::Owner,
            value: name.into(),
            detail: None,
            source: FactSource::Text,
            confidence: 0.8,
            url: None,
        }
    }

    #[tokio::test]
    async fn addresses_are_classified_and_the_owners_address_inferred() {
        let facts = PageFacts {
            emails: vec!["anna.schmidt@acme.test".into(), "info@acme.test".into(), "jo.smith@gmail.com".into()],
            owner: Some(Owner { name: "Lena Becker".into(), title: Some("Owner".into()), confidence: 0.9 }),
            facts: vec![person("Lena Becker"), person("Anna Schmidt")],
            ..Default::default()
        };
        let checker = EmailChecker::new(&EmailSettings::default(), Vec::new());
        let s = checker.signals(&lead(), Some(&facts)).await;
        let listed: Vec<(&str, bool, bool)> =
            s.addresses.iter().map(|a| (a.address.as_str(), a.kind.role, a.kind.free_mail)).collect();
        assert_eq!(
            listed,
            [
                ("Info@acme.test", true, false),
                ("anna.schmidt@acme.test", false, false),
                ("jo.smith@gmail.com", false, true)
            ]
        );
        assert!(s.domains.is_empty(), "special-use names are never looked up");
        assert_eq!(s.note.as_deref(), Some("not looked up (special-use names): acme.test"));
        let inferred = s.owner_address.unwrap();
        assert_eq!((inferred.address.as_str(), inferred.inferred), ("lena.becker@acme.test", true));
        let off = EmailChecker::new(&EmailSettings { dns: false, ..Default::default() }, Vec::new());
        assert_eq!(off.signals(&lead(), None).await.note.as_deref(), Some("DNS lookups are off ([email] dns = false)"));
    }
}
