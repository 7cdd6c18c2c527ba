//! What a domain publishes for mail: its MX hosts (and from them the mail provider), its SPF record and
//! its DMARC policy, looked up through the system's resolver or a configured one.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::{ResolveError, Resolver, TokioResolver};
use serde::{Deserialize, Serialize};

/// One MX record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mx {
    pub priority: u16,
    /// Lower case, without the trailing dot.
    pub host: String,
}

/// The domain's SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spf {
    pub record: String,
    /// What `all` says of everyone else: `fail` (`-all`), `softfail` (`~all`), `neutral` (`?all`), `pass`
    /// (`+all`, anyone may send) or `none` (no `all`).
    pub policy: String,
    /// The domains it includes (`_spf.google.com`).
    pub includes: Vec<String>,
}

/// The domain's DMARC record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dmarc {
    pub record: String,
    /// `none`, `quarantine` or `reject`.
    pub policy: String,
    /// Whether aggregate reports are asked for (`rua=`).
    pub reports: bool,
}

/// What DNS says of a domain's mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainSignals {
    pub domain: String,
    /// Best (lowest priority) first.
    pub mx: Vec<Mx>,
    /// The domain publishes "no mail here" (RFC 7505: one MX of `.`).
    pub null_mx: bool,
    /// The domain does not exist (NXDOMAIN).
    pub nx_domain: bool,
    /// Without MX, whether the domain has an address (mail then goes there, RFC 5321 §5.1).
    pub has_address: bool,
    /// Who runs the domain's mail, told from its MX hosts (`Google Workspace`, `Microsoft 365`, …).
    pub provider: Option<String>,
    pub spf: Option<Spf>,
    pub dmarc: Option<Dmarc>,
    /// A lookup that failed for another reason than "no such record" (timeout, server failure): the
    /// signals above are then incomplete.
    pub error: Option<String>,
}

/// Mail providers by the suffix of their MX hosts.
const PROVIDERS: &[(&str, &str)] = &[
    ("google.com", "Google Workspace"),
    ("googlemail.com", "Google Workspace"),
    ("mail.protection.outlook.com", "Microsoft 365"),
    ("outlook.com", "Microsoft 365"),
    ("zoho.com", "Zoho Mail"),
    ("zoho.eu", "Zoho Mail"),
    ("zohomail.com", "Zoho Mail"),
    ("secureserver.net", "GoDaddy"),
    ("protonmail.ch", "Proton Mail"),
    ("messagingengine.com", "Fastmail"),
    ("icloud.com", "iCloud Mail"),
    ("mail.me.com", "iCloud Mail"),
    ("yandex.net", "Yandex Mail"),
    ("yandex.ru", "Yandex Mail"),
    ("mimecast.com", "Mimecast"),
    ("pphosted.com", "Proofpoint"),
    ("ppe-hosted.com", "Proofpoint"),
    ("barracudanetworks.com", "Barracuda"),
    ("kundenserver.de", "IONOS"),
    ("ionos.de", "IONOS"),
    ("ionos.com", "IONOS"),
    ("ionos.co.uk", "IONOS"),
    ("rzone.de", "STRATO"),
    ("strato.de", "STRATO"),
    ("ovh.net", "OVHcloud"),
    ("mx.ovh.net", "OVHcloud"),
    ("emailsrvr.com", "Rackspace Email"),
    ("hostinger.com", "Hostinger"),
    ("titan.email", "Titan"),
    ("mailgun.org", "Mailgun"),
    ("amazonaws.com", "Amazon SES / WorkMail"),
    ("gandi.net", "Gandi"),
    ("one.com", "one.com"),
    ("hetzner.com", "Hetzner"),
    ("your-server.de", "Hetzner"),
    ("infomaniak.ch", "Infomaniak"),
    ("web.de", "WEB.DE"),
    ("gmx.net", "GMX"),
    ("t-online.de", "Telekom"),
];

/// The provider behind these MX hosts.
pub fn provider_of(mx: &[Mx]) -> Option<&'static str> {
    mx.iter().find_map(|m| {
        PROVIDERS
            .iter()
            .find(|(suffix, _)| m.host == *suffix || m.host.ends_with(&format!(".{suffix}")))
            .map(|(_, p)| *p)
    })
}

/// Reads an SPF record (`v=spf1 …`).
pub fn parse_spf(record: &str) -> Option<Spf> {
    let mut terms = record.split_whitespace();
    if !terms.next()?.eq_ignore_ascii_case("v=spf1") {
        return None;
    }
    let mut policy = "none";
    let mut includes = Vec::new();
    for term in terms {
        let lower = term.to_ascii_lowercase();
        if let Some(domain) = lower.strip_prefix("include:") {
            includes.push(domain.to_string());
        }
        policy = match lower.as_str() {
            "-all" => "fail",
            "~all" => "softfail",
            "?all" => "neutral",
            "all" | "+all" => "pass",
            _ => policy,
        };
    }
    Some(Spf { record: record.to_string(), policy: policy.to_string(), includes })
}

/// Reads a DMARC record (`v=DMARC1; p=…`).
pub fn parse_dmarc(record: &str) -> Option<Dmarc> {
    let mut tags = record.split(';').map(str::trim).filter(|t| !t.is_empty());
    if !tags.next()?.replace(' ', "").eq_ignore_ascii_case("v=DMARC1") {
        return None;
    }
    let (mut policy, mut reports) = (None, false);
    for tag in tags {
        let Some((k, v)) = tag.split_once('=') else { continue };
        match k.trim().to_ascii_lowercase().as_str() {
            "p" => policy = Some(v.trim().to_ascii_lowercase()),
            "rua" => reports = !v.trim().is_empty(),
            _ => {}
        }
    }
    // A record without `p` is invalid; receivers then treat the domain as having none.
    Some(Dmarc { record: record.to_string(), policy: policy?, reports })
}

/// Looks up domain signals through one resolver.
#[derive(Clone)]
pub struct DnsChecker {
    resolver: TokioResolver,
}

impl std::fmt::Debug for DnsChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsChecker").finish_non_exhaustive()
    }
}

/// Why a resolver could not be made.
#[derive(Debug, thiserror::Error)]
#[error("DNS resolver: {0}")]
pub struct ResolverError(String);

impl DnsChecker {
    /// Asks the name servers of the system's configuration (`/etc/resolv.conf`).
    pub fn system(timeout: Duration) -> Result<Self, ResolverError> {
        let mut builder = Resolver::builder_tokio().map_err(|e| ResolverError(e.to_string()))?;
        *builder.options_mut() = options(timeout);
        Ok(Self { resolver: builder.build() })
    }

    /// Asks only `server` (UDP, then TCP for long answers): a company resolver, or a test's on loopback.
    pub fn with_server(server: SocketAddr, timeout: Duration) -> Self {
        let group = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
        let config = ResolverConfig::from_parts(None, vec![], group);
        let mut builder = Resolver::builder_with_config(config, TokioConnectionProvider::default());
        *builder.options_mut() = options(timeout);
        Self { resolver: builder.build() }
    }

    /// MX, SPF and DMARC of `domain`, and its address when it has no MX.
    pub async fn lookup(&self, domain: &str) -> DomainSignals {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let fqdn = format!("{domain}.");
        let mut out = DomainSignals { domain: domain.clone(), ..Default::default() };
        let mut note = |e: &ResolveError, what: &str| {
            if !e.is_no_records_found() && !e.is_nx_domain() && out.error.is_none() {
                out.error = Some(format!("{what}: {e}"));
            }
        };
        // The three lookups go out at once: a slow resolver costs one timeout, not three.
        let dmarc_name = format!("_dmarc.{fqdn}");
        let (mx, spf, dmarc) =
            tokio::join!(self.resolver.mx_lookup(fqdn.as_str()), self.txt(&fqdn), self.txt(&dmarc_name));
        match mx {
            Ok(found) => {
                let mut mx: Vec<Mx> = found
                    .iter()
                    .map(|r| Mx {
                        priority: r.preference(),
                        host: r.exchange().to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                    })
                    .collect();
                mx.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.host.cmp(&b.host)));
                out.null_mx = mx.len() == 1 && mx[0].host.is_empty();
                if !out.null_mx {
                    out.mx = mx;
                }
            }
            Err(e) => {
                out.nx_domain = e.is_nx_domain();
                note(&e, "MX");
            }
        }
        if out.mx.is_empty() && !out.null_mx && !out.nx_domain {
            match self.resolver.lookup_ip(fqdn.as_str()).await {
                Ok(ips) => out.has_address = ips.iter().next().is_some(),
                Err(e) => note(&e, "address"),
            }
        }
        if !out.nx_domain {
            match spf {
                Ok(records) => out.spf = records.iter().find_map(|r| parse_spf(r)),
                Err(e) => note(&e, "SPF"),
            }
            match dmarc {
                Ok(records) => out.dmarc = records.iter().find_map(|r| parse_dmarc(r)),
                Err(e) => note(&e, "DMARC"),
            }
        }
        out.provider = provider_of(&out.mx).map(str::to_string);
        out
    }

    /// The addresses of a host (a mail server from an MX record); none when it has none or the lookup
    /// failed.
    pub async fn addresses(&self, host: &str) -> Vec<std::net::IpAddr> {
        match self.resolver.lookup_ip(format!("{}.", host.trim_end_matches('.'))).await {
            Ok(ips) => ips.iter().collect(),
            Err(_) => Vec::new(),
        }
    }

    /// TXT records of `name`, each one string (its character-strings joined); none when there are none.
    async fn txt(&self, name: &str) -> Result<Vec<String>, ResolveError> {
        match self.resolver.txt_lookup(name).await {
            Ok(found) => Ok(found
                .iter()
                .map(|t| t.txt_data().iter().map(|part| String::from_utf8_lossy(part).into_owned()).collect())
                .collect()),
            Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

fn options(timeout: Duration) -> ResolverOpts {
    let mut opts = ResolverOpts::default();
    opts.timeout = timeout;
    opts.attempts = 2;
    opts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spf_and_dmarc_records() {
        let spf = parse_spf("v=spf1 include:_spf.google.com include:mailgun.org ~all").unwrap();
        assert_eq!(
            (spf.policy.as_str(), spf.includes.as_slice()),
            ("softfail", &["_spf.google.com".to_string(), "mailgun.org".into()][..])
        );
        assert_eq!(parse_spf("v=spf1 mx -all").unwrap().policy, "fail");
        assert_eq!(parse_spf("v=spf1 +all").unwrap().policy, "pass");
        assert_eq!(parse_spf("v=spf1 a mx").unwrap().policy, "none");
        assert_eq!(parse_spf("google-site-verification=abc"), None);
        let d = parse_dmarc("v=DMARC1; p=Reject; rua=mailto:d@acme.test").unwrap();
        assert_eq!((d.policy.as_str(), d.reports), ("reject", true));
        assert!(!parse_dmarc("v=DMARC1; p=none").unwrap().reports);
        assert_eq!(parse_dmarc("v=DMARC1; rua=mailto:x@y"), None, "no policy: not a valid record");
        assert_eq!(parse_dmarc("v=spf1 -all"), None);
    }

    #[test]
    fn providers_from_mx_hosts() {
        let mx = |h: &str| vec![Mx { priority: 1, host: h.into() }];
        assert_eq!(provider_of(&mx("aspmx.l.google.com")), Some("Google Workspace"));
        assert_eq!(provider_of(&mx("acme-test.mail.protection.outlook.com")), Some("Microsoft 365"));
        assert_eq!(provider_of(&mx("mx00.ionos.de")), Some("IONOS"));
        assert_eq!(provider_of(&mx("mail.acme.test")), None);
    }
}
