//! Email addresses: syntax-checked, domain lower-cased, with a filter for strings that only look like emails.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Domain;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("{0:?} is not an email address")]
    Syntax(String),
    #[error("{0:?} looks like a file name or tracking id, not an email address")]
    NotAnAddress(String),
}

/// A syntactically valid email address with a lower-cased domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

const FILE_SUFFIXES: &[&str] = &[
    ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".ico", ".css", ".js", ".mjs", ".woff", ".woff2",
    ".ttf", ".map", ".json", ".php", ".html",
];

/// Domains of error trackers and the like whose DSNs look like emails (`abc123@o123.ingest.sentry.io`).
const TRACKING_DOMAINS: &[&str] = &["sentry.io", "sentry-next.wixpress.com", "wixpress.com", "sentry.wixpress.com"];

/// RFC 2606 documentation domains: an address there is always a placeholder in a form or a template.
const DOCUMENTATION_DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];
const PLACEHOLDER_LOCALS: &[&str] = &["example", "yourname", "your-email", "youremail", "name", "email", "user", "you"];
const PLACEHOLDER_DOMAINS: &[&str] = &["domain.com", "email.com", "yourdomain.com", "yourcompany.com", "company.com"];

impl Email {
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let raw = raw.trim().trim_matches(|c: char| matches!(c, '<' | '>' | '"' | '\'' | '.' | ',' | ';' | ':'));
        let raw = raw.strip_prefix("mailto:").unwrap_or(raw);
        let raw = raw.split('?').next().unwrap_or(raw);
        let (local, domain) = raw.rsplit_once('@').ok_or_else(|| EmailError::Syntax(raw.to_string()))?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        let domain = domain.to_ascii_lowercase();
        let labels_ok = domain.contains('.')
            && domain.len() <= 253
            && domain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        let tld_ok =
            domain.rsplit('.').next().is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()));
        if !local_ok || !labels_ok || !tld_ok {
            return Err(EmailError::Syntax(raw.to_string()));
        }
        let lower = raw.to_ascii_lowercase();
        if FILE_SUFFIXES.iter().any(|s| lower.ends_with(s)) || local.contains("@2x") {
            return Err(EmailError::NotAnAddress(raw.to_string()));
        }
        if TRACKING_DOMAINS.iter().any(|t| domain == *t || domain.ends_with(&format!(".{t}"))) {
            return Err(EmailError::NotAnAddress(raw.to_string()));
        }
        // Hex ids as local parts are DSNs and tracking pixels, not people.
        if local.len() >= 24 && local.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(EmailError::NotAnAddress(raw.to_string()));
        }
        let placeholder_pair = PLACEHOLDER_DOMAINS.contains(&domain.as_str())
            && PLACEHOLDER_LOCALS.contains(&local.to_ascii_lowercase().as_str());
        if placeholder_pair || DOCUMENTATION_DOMAINS.contains(&domain.as_str()) {
            return Err(EmailError::NotAnAddress(raw.to_string()));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or_default()
    }

    pub fn domain_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or_default()
    }

    /// The registrable domain of a business address; `None` for free-mail providers, which say nothing
    /// about the business.
    pub fn business_domain(&self) -> Option<Domain> {
        const FREEMAIL: &[&str] = &[
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "hotmail.com",
            "outlook.com",
            "live.com",
            "aol.com",
            "icloud.com",
            "me.com",
            "msn.com",
            "proton.me",
            "protonmail.com",
            "gmx.com",
            "gmx.de",
            "web.de",
            "yandex.ru",
            "mail.com",
            "zoho.com",
            "yahoo.co.uk",
            "hotmail.co.uk",
        ];
        let d = Domain::from_host(self.domain_part()).ok()?;
        (!FREEMAIL.contains(&d.as_str())).then_some(d)
    }

    /// Generic role addresses (`info@`, `contact@`) rank below named people when choosing a best email.
    pub fn is_role_address(&self) -> bool {
        const ROLES: &[&str] = &[
            "info",
            "contact",
            "contactus",
            "hello",
            "hi",
            "office",
            "admin",
            "support",
            "sales",
            "enquiries",
            "enquiry",
            "inquiries",
            "inquiry",
            "team",
            "mail",
            "email",
            "reception",
            "frontdesk",
            "front-desk",
            "booking",
            "bookings",
            "book",
            "reservations",
            "reservation",
            "help",
            "service",
            "services",
            "events",
            "catering",
            "orders",
            "order",
            "listings",
            "homes",
            "studio",
            "hr",
            "jobs",
            "careers",
            "billing",
            "accounts",
            "accounting",
            "press",
            "media",
            "marketing",
            "appointments",
            "appointment",
            "schedule",
            "scheduling",
            "dispatch",
            "emergency",
            "newsletter",
            "noreply",
            "no-reply",
            "webmaster",
            "feedback",
            "general",
            "legal",
            "privacy",
            "partners",
            "projects",
            "quotes",
            "quote",
            "intake",
            "clients",
            "hola",
            "kontakt",
            "bonjour",
            "welcome",
            "care",
            "patients",
        ];
        let local = self.local_part().to_ascii_lowercase();
        ROLES.contains(&local.as_str())
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_parse_and_normalise() {
        assert_eq!(Email::parse("Jane.Doe@Acme-Dental.COM").unwrap().as_str(), "Jane.Doe@acme-dental.com");
        assert_eq!(Email::parse("mailto:info@acme.io?subject=hi").unwrap().as_str(), "info@acme.io");
        assert_eq!(Email::parse("<sales@acme.co.uk>.").unwrap().as_str(), "sales@acme.co.uk");
    }

    #[test]
    fn lookalikes_are_not_emails() {
        for raw in [
            "logo@2x.png",
            "icon@3x.webp",
            "a3f9c2e1b4d5f60718293a4b5c6d7e8f@o123456.ingest.sentry.io",
            "abc@sentry.wixpress.com",
            "you@example.com",
            "no-at-sign.com",
            "a@b",
            "a@b.c0",
            "x..y@acme.com",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }

    #[test]
    fn business_domain_skips_freemail() {
        assert_eq!(Email::parse("bob@gmail.com").unwrap().business_domain(), None);
        assert_eq!(Email::parse("bob@mail.acme.co.uk").unwrap().business_domain().unwrap().as_str(), "acme.co.uk");
    }
}
