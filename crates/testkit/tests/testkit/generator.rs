//! The generated web: determinism, coverage of every variation, and ground truth that is consistent with
//! core's parsers and with what the reachable pages actually say.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use leadsmith_core::{CrawlStatus, Domain, Email, Phone};
use leadsmith_testkit::{PageBody, SampleWeb, Site, SiteTrait, VERTICAL_KEYS};

fn web() -> &'static SampleWeb {
    static WEB: OnceLock<SampleWeb> = OnceLock::new();
    WEB.get_or_init(SampleWeb::standard)
}

#[test]
fn same_seed_same_web_and_other_seed_differs() {
    let again = SampleWeb::generate(42, 320);
    assert!(again == *web(), "generate(42, 320) must be reproducible");
    assert_eq!(again.leads_csv(), web().leads_csv());
    assert_eq!(again.leads_jsonl(), web().leads_jsonl());
    let other = SampleWeb::generate(43, 320);
    let domains: HashSet<&str> = web().sites().iter().map(|s| s.domain.as_str()).collect();
    let same = other.sites().iter().filter(|s| domains.contains(s.domain.as_str())).count();
    assert!(same < 160, "seed 43 should give mostly different sites, {same} shared");
    assert_ne!(other.leads_csv(), web().leads_csv());
}

#[test]
fn small_webs_work_too() {
    for count in [0, 1, 7, 40] {
        let small = SampleWeb::generate(9, count);
        assert_eq!(small.sites().len(), count);
        assert_eq!(small.leads_jsonl().lines().count(), count);
    }
}

#[test]
fn standard_web_has_every_variation_and_vertical() {
    let sites = web().sites();
    assert!(sites.len() >= 300);
    let missing: Vec<_> = SiteTrait::ALL.iter().filter(|t| !sites.iter().any(|s| s.has(**t))).collect();
    assert!(missing.is_empty(), "variations missing: {missing:?}");
    for v in VERTICAL_KEYS {
        assert!(sites.iter().filter(|s| s.vertical == *v).count() >= 10, "too few {v}");
    }
    for country in ["US", "GB", "DE", "FR", "AU"] {
        assert!(sites.iter().any(|s| s.country == country), "no site in {country}");
    }
}

#[test]
fn domains_are_unique_lowercase_test_domains() {
    let mut seen = HashSet::new();
    for site in web().sites() {
        let d = &site.domain;
        assert!(d.ends_with(".test") && *d == d.to_ascii_lowercase() && d.is_ascii(), "{d}");
        assert!(seen.insert(d.clone()), "duplicate domain {d}");
        assert_eq!(Domain::from_website(&site.home_url).unwrap().as_str(), d);
        assert!(site.home_url.starts_with("http://") && site.home_url.ends_with('/'), "{}", site.home_url);
        assert!(web().site(&format!("WWW.{}:8080", d.to_uppercase())).is_some_and(|s| s.domain == *d));
        assert!(site.linked_pages.len() <= 3);
    }
    assert!(web().site("nowhere.test").is_none());
}

#[test]
fn truth_values_are_exactly_what_core_parses() {
    let mut phones = HashSet::new();
    for site in web().sites() {
        let t = &site.truth;
        for p in &t.phones {
            assert_eq!(Phone::parse(p, "US").unwrap().as_str(), p, "{}", site.domain);
            assert!(phones.insert(p.clone()), "phone {p} on two sites");
        }
        for e in &t.emails {
            let parsed = Email::parse(e).unwrap();
            assert_eq!(parsed.as_str(), e);
            assert_eq!(parsed.business_domain().unwrap().as_str(), site.domain);
        }
        if let Some(o) = &t.owner {
            assert!(!o.name.starts_with("Dr") && !o.name.contains(',') && o.name.split(' ').count() >= 2, "{o:?}");
            assert!(!o.title.is_empty());
        }
        for (network, url) in &t.socials {
            assert!(["linkedin", "facebook", "instagram", "x", "youtube"].contains(&network.as_str()));
            assert!(url.starts_with("https://"), "{url}");
        }
    }
}

#[test]
fn failure_traits_decide_the_status() {
    let expect = [
        (SiteTrait::BotChallenge, CrawlStatus::Blocked),
        (SiteTrait::Captcha, CrawlStatus::Blocked),
        (SiteTrait::HomeNotFound, CrawlStatus::NotFound),
        (SiteTrait::AlwaysServerError, CrawlStatus::HttpError),
        (SiteTrait::SlowHome, CrawlStatus::Timeout),
        (SiteTrait::TooManyRedirects, CrawlStatus::TooManyRedirects),
        (SiteTrait::NotHtml, CrawlStatus::NotHtml),
        (SiteTrait::Oversized, CrawlStatus::TooLarge),
        (SiteTrait::AboutNotFound, CrawlStatus::Partial),
        (SiteTrait::FlakyHome, CrawlStatus::Ok),
        (SiteTrait::RedirectChain, CrawlStatus::Ok),
        (SiteTrait::RobotsDisallowContact, CrawlStatus::Ok),
    ];
    for site in web().sites() {
        for (t, status) in expect {
            if site.has(t) {
                assert_eq!(site.truth.status, status, "{} has {t:?}", site.domain);
            }
        }
        if !site.truth.status.is_success() {
            let t = &site.truth;
            assert!(t.emails.is_empty() && t.phones.is_empty() && t.owner.is_none() && t.address.is_none());
        }
    }
    let ok = web().sites().iter().filter(|s| s.truth.status == CrawlStatus::Ok).count();
    assert!(ok > 250, "{ok} ok sites");
}

/// Decodes numeric entities and the common `[at]`/`(at)` obfuscations, as an extractor would.
fn deobfuscate(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        match tail.find(';').and_then(|end| Some((end, tail[..end].parse::<u32>().ok()?))) {
            Some((end, code)) => {
                out.push(char::from_u32(code).unwrap_or('?'));
                rest = &tail[end + 1..];
            }
            None => {
                out.push_str("&#");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out.replace(" [at] ", "@").replace(" [dot] ", ".").replace("(at)", "@").replace("&quot;", "\"")
}

fn disallowed(site: &Site) -> Vec<String> {
    let Some(PageBody::Bytes(bytes)) = site.page("/robots.txt").map(|p| &p.body) else { panic!("no robots.txt") };
    let robots = String::from_utf8_lossy(bytes);
    let group = robots.split("User-agent: *").nth(1).unwrap_or_default();
    group
        .lines()
        .filter_map(|l| l.strip_prefix("Disallow:"))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// The decoded text of the pages a polite crawler reads: home (after redirects) and linked pages that
/// exist and robots.txt allows.
fn reachable_text(site: &Site) -> String {
    let home = if site.pages.contains_key("/home") { "/home" } else { "/" };
    let blocked = disallowed(site);
    let mut text = site.html(home).unwrap_or_default();
    for path in &site.linked_pages {
        if blocked.iter().any(|b| path.starts_with(b.as_str())) {
            continue;
        }
        text.push_str(&site.html(path).unwrap_or_default());
    }
    deobfuscate(&text)
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[test]
fn truth_facts_are_on_the_reachable_pages() {
    for site in web().sites().iter().filter(|s| s.truth.status.is_success()) {
        let text = reachable_text(site);
        let all_digits = digits(&text);
        let t = &site.truth;
        for e in &t.emails {
            assert!(text.contains(e.as_str()), "{}: {e} not on reachable pages", site.domain);
        }
        for p in &t.phones {
            let national = p.trim_start_matches("+1");
            assert!(
                all_digits.contains(national.trim_start_matches('+')) || text.contains(p.as_str()),
                "{}: {p}",
                site.domain
            );
        }
        if let Some(o) = &t.owner {
            assert!(text.contains(&o.name), "{}: owner {} not on reachable pages", site.domain, o.name);
        }
        if let Some(a) = &t.address {
            assert!(text.contains(a.street.as_deref().unwrap()), "{}: {a:?}", site.domain);
        }
        for url in t.socials.values() {
            assert!(text.contains(url.as_str()), "{}: {url}", site.domain);
        }
        for e in ["logo@2x.png", "you@example.com"] {
            assert!(!t.emails.iter().any(|x| x == e));
        }
    }
}

#[test]
fn robots_disallowed_contact_pages_hide_facts_from_the_truth() {
    let sites: Vec<&Site> = web().sites().iter().filter(|s| s.has(SiteTrait::RobotsDisallowContact)).collect();
    assert!(!sites.is_empty());
    for site in sites {
        let contact = &site.linked_pages[0];
        assert!(disallowed(site).contains(contact), "{}: {contact} not disallowed", site.domain);
        let text = deobfuscate(&site.html(contact).unwrap());
        let hidden = text
            .split(|c: char| c.is_whitespace() || "<>\":?".contains(c))
            .filter(|w| w.contains('@') && w.ends_with(&site.domain))
            .any(|w| !site.truth.emails.iter().any(|e| e == w));
        assert!(hidden, "{}: the contact page holds nothing outside the truth", site.domain);
    }
}

#[test]
fn decoys_look_like_contacts_but_are_not() {
    let sites = web().sites();
    let home = |s: &Site| s.html(if s.pages.contains_key("/home") { "/home" } else { "/" }).unwrap_or_default();
    let retina = sites.iter().find(|s| s.has(SiteTrait::ImageNameDecoy) && s.truth.status.is_success()).unwrap();
    assert!(home(retina).contains("logo@2x.png"));
    assert!(Email::parse("logo@2x.png").is_err());
    let sentry = sites.iter().find(|s| s.has(SiteTrait::SentryDsnDecoy) && s.truth.status.is_success()).unwrap();
    let html = home(sentry);
    let dsn_end = html.find(".ingest.sentry.io").unwrap();
    let dsn_start = html[..dsn_end].rfind("//").unwrap() + 2;
    assert!(Email::parse(&html[dsn_start..dsn_end + ".ingest.sentry.io".len()]).is_err());
    let placeholder =
        sites.iter().find(|s| s.has(SiteTrait::PlaceholderEmailDecoy) && s.truth.status.is_success()).unwrap();
    assert!(home(placeholder).contains("placeholder=\"you@example.com\""));
    let fax = sites.iter().find(|s| s.has(SiteTrait::FaxNumber) && s.truth.status.is_success()).unwrap();
    let text = reachable_text(fax);
    let at = text.find("Fax: ").expect("fax label");
    let fax_number = &text[at + 5..at + 5 + text[at + 5..].find('<').unwrap()];
    let e164 = Phone::parse(fax_number, "US").unwrap();
    assert!(!fax.truth.phones.contains(&e164.as_str().to_string()), "fax {fax_number} is in the truth");
}

#[test]
fn non_utf8_pages_decode_to_the_truth() {
    let sites = web().sites();
    let cp1252: Vec<&Site> = sites.iter().filter(|s| s.has(SiteTrait::Windows1252)).collect();
    assert!(!cp1252.is_empty());
    for site in cp1252.iter().filter(|s| s.truth.status.is_success()) {
        let home = site.page(if site.pages.contains_key("/home") { "/home" } else { "/" }).unwrap();
        assert_eq!(home.content_type.as_deref(), Some("text/html; charset=windows-1252"));
        let PageBody::Bytes(bytes) = &home.body else { panic!("in-memory page") };
        let owner = site.truth.owner.as_ref().expect("non-UTF-8 sites name their owner");
        assert!(!owner.name.is_ascii(), "{} should have an accented owner", site.domain);
        assert!(std::str::from_utf8(bytes).is_err(), "{} is valid UTF-8", site.domain);
        assert!(site.html("/").unwrap().contains(&owner.name));
    }
    for site in sites.iter().filter(|s| s.has(SiteTrait::MetaCharsetOnly)) {
        let home = site.page("/").unwrap();
        assert_eq!(home.content_type.as_deref(), Some("text/html"));
        let html = site.html("/").unwrap();
        assert!(html.contains("charset=iso-8859-1") || html.contains("charset=\"Shift_JIS\""));
        if site.has(SiteTrait::ShiftJis) {
            assert!(html.contains("寿司"), "Shift_JIS text did not round-trip");
        }
    }
}

#[test]
fn malformed_jsonld_really_is_malformed() {
    for site in web().sites().iter().filter(|s| s.has(SiteTrait::JsonLdMalformed)) {
        let html = site.html(if site.pages.contains_key("/home") { "/home" } else { "/" }).unwrap();
        let start = html.find("application/ld+json\">").unwrap() + "application/ld+json\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(&html[start..end]).is_err(), "{}", site.domain);
    }
}

#[test]
fn pages_weigh_what_small_business_pages_weigh() {
    let mut sizes: Vec<u64> = web()
        .sites()
        .iter()
        .filter(|s| s.truth.status == CrawlStatus::Ok)
        .flat_map(|s| s.pages.iter().filter(|(p, _)| *p != "/robots.txt").map(|(_, page)| page))
        .filter(|p| p.status == 200 && p.content_type.as_deref().is_some_and(|c| c.starts_with("text/html")))
        .map(|p| p.body.len())
        .collect();
    sizes.sort_unstable();
    let (p5, median, p95) = (sizes[sizes.len() / 20], sizes[sizes.len() / 2], sizes[sizes.len() * 19 / 20]);
    assert!(p5 >= 10_000 && p95 <= 60_000 && (15_000..40_000).contains(&median), "p5 {p5} median {median} p95 {p95}");
}

#[test]
fn trait_proportions_are_roughly_as_documented() {
    let n = web().sites().len() as f64;
    let share = |t: SiteTrait| web().sites().iter().filter(|s| s.has(t)).count() as f64 / n;
    let checks: BTreeMap<&str, (f64, f64)> = [
        ("jsonld", (share(SiteTrait::JsonLd), leadsmith_testkit::JSONLD_SHARE)),
        ("microdata", (share(SiteTrait::Microdata), leadsmith_testkit::MICRODATA_SHARE)),
        ("no_owner", (share(SiteTrait::NoOwner), leadsmith_testkit::NO_OWNER_SHARE)),
        ("gzip", (share(SiteTrait::Gzip), leadsmith_testkit::GZIP_SHARE)),
    ]
    .into_iter()
    .collect();
    for (name, (got, want)) in checks {
        assert!((got - want).abs() < 0.08, "{name}: {got:.3} vs {want}");
    }
}
