//! Registrable domains (eTLD+1) parsed from URLs, hosts and email addresses.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

/// Why a string could not be turned into a [`Domain`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("empty domain")]
    Empty,
    #[error("unparseable URL {0:?}")]
    BadUrl(String),
    #[error("{0:?} is an IP address, not a domain")]
    IpAddress(String),
    #[error("{0:?} has no registrable domain")]
    NoRegistrableDomain(String),
}

/// A lower-cased registrable domain such as `example.co.uk` (never `www.example.co.uk`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    /// Parses a host name (`www.Example.com`, `example.com.`) into its registrable domain.
    pub fn from_host(host: &str) -> Result<Self, DomainError> {
        let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(DomainError::Empty);
        }
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            return Err(DomainError::IpAddress(host));
        }
        if !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            || !host.contains('.')
            || host.split('.').any(str::is_empty)
        {
            return Err(DomainError::NoRegistrableDomain(host));
        }
        let registrable = psl::domain_str(&host).ok_or_else(|| DomainError::NoRegistrableDomain(host.clone()))?;
        Ok(Self(registrable.to_string()))
    }

    /// Parses a website as people write it: `https://www.x.com/about`, `x.com`, `www.x.com:8080`.
    pub fn from_website(raw: &str) -> Result<Self, DomainError> {
        let url = website_url(raw)?;
        match url.host() {
            Some(url::Host::Domain(h)) => Self::from_host(h),
            Some(url::Host::Ipv4(ip)) => Err(DomainError::IpAddress(ip.to_string())),
            Some(url::Host::Ipv6(ip)) => Err(DomainError::IpAddress(ip.to_string())),
            None => Err(DomainError::BadUrl(raw.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The platform this domain belongs to when it is a social network, a directory, a link-in-bio page,
    /// a map or a link shortener rather than a business's own site (`facebook.com` → `facebook`). A page
    /// there is a business's profile, never its domain: many businesses share it.
    pub fn platform(&self) -> Option<&'static str> {
        let d = self.0.as_str();
        let label = d.split('.').next().unwrap_or(d);
        // Platforms known under one name in many country domains (yelp.co.uk, google.de, amazon.fr).
        const ANY_TLD: &[(&str, &str)] = &[
            ("facebook", "facebook"),
            ("instagram", "instagram"),
            ("linkedin", "linkedin"),
            ("yelp", "yelp"),
            ("google", "google"),
            ("tripadvisor", "tripadvisor"),
            ("amazon", "amazon"),
            ("ebay", "ebay"),
            ("yellowpages", "yellowpages"),
            ("pinterest", "pinterest"),
        ];
        const EXACT: &[(&str, &str)] = &[
            ("fb.com", "facebook"),
            ("fb.me", "facebook"),
            ("twitter.com", "x"),
            ("x.com", "x"),
            ("youtube.com", "youtube"),
            ("youtu.be", "youtube"),
            ("tiktok.com", "tiktok"),
            ("threads.net", "threads"),
            ("snapchat.com", "snapchat"),
            ("tumblr.com", "tumblr"),
            ("whatsapp.com", "whatsapp"),
            ("wa.me", "whatsapp"),
            ("t.me", "telegram"),
            ("linktr.ee", "linktree"),
            ("beacons.ai", "beacons"),
            ("g.page", "google"),
            ("goo.gl", "google"),
            ("bit.ly", "bitly"),
            ("tinyurl.com", "tinyurl"),
            ("nextdoor.com", "nextdoor"),
            ("houzz.com", "houzz"),
            ("angi.com", "angi"),
            ("angieslist.com", "angi"),
            ("homeadvisor.com", "homeadvisor"),
            ("thumbtack.com", "thumbtack"),
            ("bbb.org", "bbb"),
            ("foursquare.com", "foursquare"),
            ("opentable.com", "opentable"),
            ("zocdoc.com", "zocdoc"),
            ("healthgrades.com", "healthgrades"),
            ("avvo.com", "avvo"),
            ("trustpilot.com", "trustpilot"),
            ("etsy.com", "etsy"),
            ("manta.com", "manta"),
            ("yell.com", "yell"),
            ("mapquest.com", "mapquest"),
            ("bing.com", "bing"),
            ("apple.com", "apple"),
            ("doordash.com", "doordash"),
            ("ubereats.com", "ubereats"),
            ("grubhub.com", "grubhub"),
        ];
        if let Some((_, name)) = EXACT.iter().find(|(domain, _)| *domain == d) {
            return Some(name);
        }
        let public_suffix = &d[label.len()..];
        let country_or_com = public_suffix == ".com"
            || public_suffix.len() == 3
            || public_suffix.starts_with(".co.")
            || public_suffix.starts_with(".com.");
        ANY_TLD.iter().find(|(l, _)| *l == label && country_or_com).map(|(_, name)| *name)
    }
}

/// Normalises a website as people write it into an absolute http(s) URL (`x.com` → `http://x.com/`).
pub fn website_url(raw: &str) -> Result<Url, DomainError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(DomainError::Empty);
    }
    let with_scheme = if raw.contains("://") { raw.to_string() } else { format!("http://{raw}") };
    let url = Url::parse(&with_scheme).map_err(|_| DomainError::BadUrl(raw.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(DomainError::BadUrl(raw.to_string()));
    }
    Ok(url)
}

impl TryFrom<String> for Domain {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::from_host(&value)
    }
}

impl From<Domain> for String {
    fn from(d: Domain) -> Self {
        d.0
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_are_told_from_business_sites() {
        for (site, platform) in [
            ("https://www.facebook.com/joes.diner", Some("facebook")),
            ("instagram.com/joes", Some("instagram")),
            ("https://www.yelp.co.uk/biz/joes", Some("yelp")),
            ("linktr.ee/joes", Some("linktree")),
            ("https://maps.google.com/?cid=123", Some("google")),
            ("https://g.page/joes-diner", Some("google")),
            ("https://goo.gl/maps/abc", Some("google")),
            ("https://www.google.de/maps/place/x", Some("google")),
            ("joesdiner.com", None),
            ("facebookfans.com", None),
            ("yelp-reviews.example", None),
        ] {
            assert_eq!(Domain::from_website(site).unwrap().platform(), platform, "{site}");
        }
    }

    #[test]
    fn websites_reduce_to_registrable_domains() {
        for (raw, want) in [
            ("https://www.Example.com/about", "example.com"),
            ("example.com", "example.com"),
            ("shop.example.co.uk:8080/x", "example.co.uk"),
            ("http://bright-smile-dental.test/", "bright-smile-dental.test"),
            ("WWW.ACME.IO.", "acme.io"),
        ] {
            assert_eq!(Domain::from_website(raw).unwrap().as_str(), want, "{raw}");
        }
    }

    #[test]
    fn bad_websites_are_errors() {
        assert_eq!(Domain::from_website(""), Err(DomainError::Empty));
        assert!(matches!(Domain::from_website("http://10.0.0.1/"), Err(DomainError::IpAddress(_))));
        assert!(matches!(Domain::from_website("ftp://x.com"), Err(DomainError::BadUrl(_))));
        assert!(Domain::from_website("not a url at all").is_err());
        assert!(Domain::from_website("localhost").is_err());
    }
}
