//! The email signals against a DNS server and an SMTP server on loopback that speak the real protocols.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use leadsmith_email::{DnsChecker, SmtpOptions, SmtpVerdict, Status, judge, probe};
use leadsmith_testkit::fake_dns::{FakeDns, Rec, Zone};
use leadsmith_testkit::fake_smtp::FakeSmtp;

fn zone() -> Zone {
    let mut z = Zone::new();
    z.insert(
        "acme.test".into(),
        vec![
            Rec::Mx(10, "alt1.aspmx.l.google.com"),
            Rec::Mx(1, "aspmx.l.google.com"),
            Rec::Txt("google-site-verification=abc123"),
            Rec::Txt("v=spf1 include:_spf.google.com ~all"),
        ],
    );
    z.insert("_dmarc.acme.test".into(), vec![Rec::Txt("v=DMARC1; p=quarantine; rua=mailto:dmarc@acme.test")]);
    z.insert("nomail.test".into(), vec![Rec::Mx(0, "")]);
    z.insert("bare.test".into(), vec![Rec::Addr(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)))]);
    z.insert("empty.test".into(), vec![Rec::Txt("hello")]);
    z
}

#[tokio::test]
async fn mx_spf_dmarc_and_the_provider_come_from_dns() {
    let dns = FakeDns::start(zone()).await;
    let checker = DnsChecker::with_server(dns.addr, Duration::from_secs(2));
    let acme = checker.lookup("Acme.test").await;
    assert_eq!(acme.error, None);
    let hosts: Vec<&str> = acme.mx.iter().map(|m| m.host.as_str()).collect();
    assert_eq!(hosts, ["aspmx.l.google.com", "alt1.aspmx.l.google.com"], "best first");
    assert_eq!(acme.provider.as_deref(), Some("Google Workspace"));
    let spf = acme.spf.as_ref().unwrap();
    assert_eq!((spf.policy.as_str(), spf.includes.as_slice()), ("softfail", &["_spf.google.com".to_string()][..]));
    let dmarc = acme.dmarc.as_ref().unwrap();
    assert_eq!((dmarc.policy.as_str(), dmarc.reports), ("quarantine", true));
    assert_eq!(judge("jo@acme.test", Some(&acme), None).status, Status::Unknown, "unchecked is never valid");

    let nomail = checker.lookup("nomail.test").await;
    assert!(nomail.null_mx && nomail.mx.is_empty());
    assert_eq!(judge("jo@nomail.test", Some(&nomail), None).status, Status::Invalid);
    let bare = checker.lookup("bare.test").await;
    assert!(bare.mx.is_empty() && bare.has_address && bare.spf.is_none() && bare.dmarc.is_none());
    assert_eq!(judge("jo@bare.test", Some(&bare), None).status, Status::Unknown);
    let missing = checker.lookup("nowhere.test").await;
    assert!(missing.nx_domain, "{missing:?}");
    assert_eq!(judge("jo@nowhere.test", Some(&missing), None).reason, "the domain does not exist");
    let empty = checker.lookup("empty.test").await;
    assert!(!empty.nx_domain && empty.mx.is_empty() && !empty.has_address && empty.error.is_none());
    assert_eq!(judge("jo@empty.test", Some(&empty), None).status, Status::Invalid);
}

#[tokio::test]
async fn an_unanswering_resolver_leaves_the_address_unknown() {
    // A bound UDP socket that never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let checker = DnsChecker::with_server(silent.local_addr().unwrap(), Duration::from_millis(200));
    let signals = checker.lookup("acme.test").await;
    assert!(signals.error.is_some(), "{signals:?}");
    assert_eq!(judge("jo@acme.test", Some(&signals), None).status, Status::Unknown);
}

fn opts() -> SmtpOptions {
    SmtpOptions { helo: "probe.leadsmith.test".into(), from: String::new(), timeout: Duration::from_secs(2) }
}

#[tokio::test]
async fn the_rcpt_check_tells_valid_invalid_and_catch_all() {
    let strict = FakeSmtp::start(
        (220, "mx.acme.test ESMTP"),
        Box::new(|rcpt| if rcpt == "jo@acme.test" { (250, "OK".into()) } else { (550, "5.1.1 no such user".into()) }),
    )
    .await;
    let v = probe(strict.addr, "jo@acme.test", &opts()).await;
    assert_eq!(v, SmtpVerdict::Accepted { catch_all: false });
    assert_eq!(judge("jo@acme.test", None, Some(&v)).status, Status::Valid);
    let commands = strict.commands.lock().unwrap().clone();
    assert_eq!(&commands[..3], ["EHLO probe.leadsmith.test", "MAIL FROM:<>", "RCPT TO:<jo@acme.test>"]);
    assert!(commands[3].starts_with("RCPT TO:<") && commands[3].ends_with("@acme.test>"), "a random recipient");
    assert_eq!(commands.last().map(String::as_str), Some("QUIT"));
    let v = probe(strict.addr, "nobody@acme.test", &opts()).await;
    assert_eq!(v, SmtpVerdict::Rejected { code: 550, message: "5.1.1 no such user".into() });
    assert_eq!(judge("nobody@acme.test", None, Some(&v)).status, Status::Invalid);

    let catch_all = FakeSmtp::start((220, "mx ESMTP"), Box::new(|_| (250, "OK".into()))).await;
    let v = probe(catch_all.addr, "jo@acme.test", &opts()).await;
    assert_eq!(v, SmtpVerdict::Accepted { catch_all: true });
    assert_eq!(judge("jo@acme.test", None, Some(&v)).status, Status::Unknown);

    let grey = FakeSmtp::start((220, "mx ESMTP"), Box::new(|_| (451, "4.7.1 greylisted".into()))).await;
    let v = probe(grey.addr, "jo@acme.test", &opts()).await;
    assert_eq!(judge("jo@acme.test", None, Some(&v)).status, Status::Unknown);
    let busy = FakeSmtp::start((554, "no service"), Box::new(|_| (250, "OK".into()))).await;
    assert!(matches!(probe(busy.addr, "jo@acme.test", &opts()).await, SmtpVerdict::Inconclusive { code: 554, .. }));

    // Nothing listening: unreachable, never valid.
    let closed = { tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap() };
    let v = probe(closed, "jo@acme.test", &opts()).await;
    assert!(matches!(v, SmtpVerdict::Unreachable { .. }), "{v:?}");
    assert_eq!(judge("jo@acme.test", None, Some(&v)).status, Status::Unknown);
}
