//! The SSRF guard: which addresses and host names a fetch may never reach, and which names are never
//! looked up in DNS. The connector applies it to every resolved address, so redirects are covered too.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use ipnet::IpNet;

/// Ranges a crawler must not reach unless the operator allows them, most specific first so the reason
/// names the narrowest range (the metadata address before link-local).
const FORBIDDEN: &[(&str, &str)] = &[
    ("0.0.0.0/32", "unspecified address"),
    ("0.0.0.0/8", "\"this network\" address"),
    ("10.0.0.0/8", "private address"),
    ("100.64.0.0/10", "carrier-grade NAT address"),
    ("127.0.0.0/8", "loopback address"),
    ("169.254.169.254/32", "cloud metadata address"),
    ("169.254.0.0/16", "link-local address"),
    ("172.16.0.0/12", "private address"),
    ("192.0.0.0/24", "IETF protocol assignment address"),
    ("192.0.2.0/24", "documentation address"),
    ("192.168.0.0/16", "private address"),
    ("198.18.0.0/15", "benchmarking address"),
    ("198.51.100.0/24", "documentation address"),
    ("203.0.113.0/24", "documentation address"),
    ("224.0.0.0/4", "multicast address"),
    ("255.255.255.255/32", "broadcast address"),
    ("240.0.0.0/4", "reserved address"),
    ("::/128", "unspecified address"),
    ("::1/128", "loopback address"),
    ("fc00::/7", "private address"),
    ("fe80::/10", "link-local address"),
    ("fec0::/10", "site-local address"),
    ("ff00::/8", "multicast address"),
    ("2001:db8::/32", "documentation address"),
];

static TABLE: LazyLock<Vec<(IpNet, &'static str)>> =
    LazyLock::new(|| FORBIDDEN.iter().filter_map(|(net, label)| net.parse().ok().map(|n| (n, *label))).collect());

/// Host names of cloud metadata services; refused whatever they resolve to.
const METADATA_HOSTS: &[&str] = &["metadata.google.internal", "metadata"];

/// RFC 6761 special-use names: never registered, so a DNS query for them can only leak or mislead.
const SPECIAL_USE_SUFFIXES: &[&str] = &[".test", ".example", ".invalid", ".localhost"];

/// Why the guard refused a destination; its `Display` is the outcome's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    Address { addr: IpAddr, range: String },
    MetadataHost(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Address { addr, range } => {
                write!(f, "refused {addr}: {range}; add it to crawl.allow_addresses to allow")
            }
            Self::MetadataHost(host) => write!(f, "refused {host}: cloud metadata host name"),
        }
    }
}

impl std::error::Error for Refusal {}

/// The IPv4 address embedded in an IPv6 transition form (mapped, compatible, NAT64, 6to4), if any.
fn embedded_v4(ip: Ipv6Addr) -> Option<(Ipv4Addr, &'static str)> {
    let s = ip.segments();
    let o = ip.octets();
    let tail = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    if s[..5] == [0; 5] && s[5] == 0xffff {
        return Some((tail, "IPv4-mapped"));
    }
    // `::` and `::1` are in the table themselves; other `::/96` addresses are the deprecated compatible form.
    if s[..6] == [0; 6] && u32::from(tail) > 1 {
        return Some((tail, "IPv4-compatible"));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some((tail, "NAT64"));
    }
    if s[0] == 0x2002 {
        return Some((Ipv4Addr::new(o[2], o[3], o[4], o[5]), "6to4"));
    }
    None
}

/// The forbidden range `ip` falls in, in words with its CIDR ("private address (10.0.0.0/8)").
pub(crate) fn forbidden_range(ip: IpAddr) -> Option<String> {
    if let Some((net, label)) = TABLE.iter().find(|(net, _)| net.contains(&ip)) {
        return Some(format!("{label} ({net})"));
    }
    if let IpAddr::V6(v6) = ip
        && let Some((v4, form)) = embedded_v4(v6)
        && let Some(range) = forbidden_range(IpAddr::V4(v4))
    {
        return Some(format!("{range} in {form} form"));
    }
    None
}

/// Refuses `ip` when it is in a forbidden range and no `allow` net contains it (or the IPv4 address it
/// embeds, so allowing `127.0.0.1/32` also allows `::ffff:127.0.0.1`).
pub(crate) fn check_ip(ip: IpAddr, allow: &[IpNet]) -> Result<(), Refusal> {
    let allowed = |candidate: IpAddr| allow.iter().any(|net| net.contains(&candidate));
    if allowed(ip) {
        return Ok(());
    }
    if let IpAddr::V6(v6) = ip
        && let Some((v4, _)) = embedded_v4(v6)
        && allowed(IpAddr::V4(v4))
    {
        return Ok(());
    }
    match forbidden_range(ip) {
        Some(range) => Err(Refusal::Address { addr: ip, range }),
        None => Ok(()),
    }
}

/// True for cloud metadata host names (`host` lower-cased, without a trailing dot).
pub(crate) fn is_metadata_host(host: &str) -> bool {
    METADATA_HOSTS.contains(&host)
}

/// True for `localhost` and names under the RFC 6761 special-use TLDs (`acme.test`, `x.example`).
pub(crate) fn is_special_use_name(host: &str) -> bool {
    host == "localhost" || SPECIAL_USE_SUFFIXES.iter().any(|s| host.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str) -> Option<String> {
        check_ip(ip.parse().unwrap(), &[]).err().map(|r| r.to_string())
    }

    #[test]
    fn forbidden_ranges_are_refused_with_their_name() {
        for (ip, words) in [
            ("127.0.0.1", "loopback address (127.0.0.0/8)"),
            ("127.255.0.9", "loopback"),
            ("10.0.0.5", "private address (10.0.0.0/8)"),
            ("172.16.0.1", "private address (172.16.0.0/12)"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private address (192.168.0.0/16)"),
            ("169.254.169.254", "cloud metadata address"),
            ("169.254.3.4", "link-local address"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.255", "carrier-grade NAT"),
            ("0.0.0.0", "unspecified address"),
            ("0.1.2.3", "this network"),
            ("255.255.255.255", "broadcast address"),
            ("224.0.0.1", "multicast address"),
            ("239.255.255.250", "multicast address"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("::1", "loopback address (::1/128)"),
            ("::", "unspecified address"),
            ("fc00::1", "private address (fc00::/7)"),
            ("fd12:3456::1", "private address"),
            ("fe80::1", "link-local address"),
            ("ff02::1", "multicast address"),
            ("::ffff:127.0.0.1", "loopback address (127.0.0.0/8) in IPv4-mapped form"),
            ("::ffff:10.1.2.3", "private address (10.0.0.0/8) in IPv4-mapped form"),
            ("::ffff:169.254.169.254", "cloud metadata address"),
            ("::10.0.0.1", "IPv4-compatible"),
            ("64:ff9b::a9fe:a9fe", "cloud metadata address (169.254.169.254/32) in NAT64 form"),
            ("2002:7f00:1::", "loopback address (127.0.0.0/8) in 6to4 form"),
        ] {
            let reason = refused(ip).unwrap_or_else(|| panic!("{ip} should be refused"));
            assert!(reason.contains(words), "{ip}: {reason:?} should mention {words:?}");
            assert!(reason.starts_with(&format!("refused {}", ip.parse::<IpAddr>().unwrap())), "{reason}");
            assert!(reason.ends_with("add it to crawl.allow_addresses to allow"), "{reason}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "198.20.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::",
        ] {
            assert_eq!(refused(ip), None, "{ip} is public");
        }
    }

    #[test]
    fn the_allow_list_wins_including_mapped_forms() {
        let allow: Vec<IpNet> = vec!["127.0.0.1/32".parse().unwrap(), "10.1.0.0/16".parse().unwrap()];
        for ip in ["127.0.0.1", "::ffff:127.0.0.1", "10.1.2.3"] {
            assert_eq!(check_ip(ip.parse().unwrap(), &allow), Ok(()), "{ip}");
        }
        for ip in ["127.0.0.2", "10.2.0.1", "::1"] {
            assert!(check_ip(ip.parse().unwrap(), &allow).is_err(), "{ip}");
        }
    }

    #[test]
    fn special_names() {
        assert!(is_metadata_host("metadata.google.internal"));
        assert!(is_metadata_host("metadata"));
        assert!(!is_metadata_host("metadata.example.com"));
        for host in ["localhost", "acme.test", "x.example", "a.b.invalid", "app.localhost"] {
            assert!(is_special_use_name(host), "{host}");
        }
        for host in ["acme.com", "testing.com", "example.com", "mytest"] {
            assert!(!is_special_use_name(host), "{host}");
        }
        assert_eq!(Refusal::MetadataHost("metadata".into()).to_string(), "refused metadata: cloud metadata host name");
    }
}
