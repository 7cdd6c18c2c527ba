//! The website audit: checks a salesperson can show a business owner, run on the pages the crawl already
//! fetched (their HTML and response headers), what extraction found on them, and a bounded number of
//! probes (robots.txt, the sitemap, the http:// twin, HEAD requests for linked pages and resources) — no
//! browser. Each finding has an id, a category, a severity, the evidence and a recommendation (the checks
//! are catalogued in [`leadsmith_core::audit::CHECKS`]); each category gets a 0–100 score. What only a
//! browser can measure (LCP, CLS, INP), and what a check's missing inputs leave open, is listed as not
//! measured, never guessed. The same evidence always gives the same audit.

mod checks;
mod probes;
mod scan;

pub use leadsmith_core::audit::{Audit, BROWSER_ONLY, CATEGORIES, CHECKS, Check, Finding, Lighthouse, Severity};
pub use probes::{ProbeBudget, Probes, gather};
pub use scan::Resource;

use scan::{Scan, scan};

/// A fetched page, as the audit reads it.
#[derive(Debug, Clone)]
pub struct AuditPage<'a> {
    pub url: &'a str,
    /// Response headers, lower-case names.
    pub headers: &'a [(String, String)],
    pub html: &'a str,
}

/// What extraction found on the site's pages, for the contact-completeness checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contacts {
    pub phones: usize,
    pub emails: usize,
    pub address: bool,
}

impl Contacts {
    /// What a site's merged facts list.
    pub fn of(facts: &leadsmith_core::PageFacts) -> Self {
        Self {
            phones: facts.phones.len(),
            emails: facts.emails.len(),
            address: facts.address.as_ref().is_some_and(|a| a.completeness() > 0),
        }
    }
}

/// Everything the audit judges.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    /// The fetched pages, home first.
    pub pages: &'a [AuditPage<'a>],
    /// The current year (for a stale copyright).
    pub year: i32,
    /// What extraction found; without it the contact-completeness checks do not run.
    pub contacts: Option<Contacts>,
    /// The network probes; without them the checks that need them do not run.
    pub probes: Option<&'a Probes>,
}

impl<'a> Evidence<'a> {
    /// The pages alone: no contacts, no probes.
    pub fn pages(pages: &'a [AuditPage<'a>], year: i32) -> Self {
        Self { pages, year, contacts: None, probes: None }
    }
}

/// Findings as checks record them.
pub(crate) struct Recorder {
    findings: Vec<Finding>,
    checks: usize,
    skipped: Vec<String>,
}

impl Recorder {
    /// Counts the check `id`; records a finding with `evidence` when `failed`.
    fn check(&mut self, id: &str, failed: bool, evidence: impl FnOnce() -> String) {
        let Some(check) = leadsmith_core::audit::check(id) else {
            debug_assert!(false, "audit check {id} is not in the catalogue");
            return;
        };
        self.checks += 1;
        if failed {
            self.findings.push(Finding {
                id: check.id.into(),
                category: check.category.into(),
                severity: check.severity,
                evidence: evidence(),
                recommendation: check.recommendation.into(),
            });
        }
    }

    /// Notes checks that could not run and why.
    fn skip(&mut self, what: &str) {
        self.skipped.push(what.to_string());
    }
}

/// What one audit reads: the evidence and each page's scan.
pub(crate) struct Site<'a> {
    pub pages: &'a [AuditPage<'a>],
    pub home: &'a AuditPage<'a>,
    pub scans: Vec<Scan>,
    pub https: bool,
    /// The home page, lower-cased.
    pub lower: String,
    /// Every page, lower-cased, joined.
    pub all_lower: String,
    pub year: i32,
}

impl Site<'_> {
    fn home_scan(&self) -> &Scan {
        &self.scans[0]
    }

    fn sum(&self, f: impl Fn(&Scan) -> usize) -> usize {
        self.scans.iter().map(f).sum()
    }
}

pub(crate) fn header<'a>(page: &'a AuditPage<'_>, name: &str) -> Option<&'a str> {
    page.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// Audits a site.
pub fn audit(evidence: &Evidence<'_>) -> Audit {
    let Some(home) = evidence.pages.first() else {
        return Audit { not_measured: browser_only(), ..Audit::default() };
    };
    let site = Site {
        pages: evidence.pages,
        home,
        scans: evidence.pages.iter().map(|p| scan(p.html)).collect(),
        https: url::Url::parse(home.url).is_ok_and(|u| u.scheme() == "https"),
        lower: home.html.to_ascii_lowercase(),
        all_lower: evidence.pages.iter().map(|p| p.html.to_ascii_lowercase()).collect::<Vec<_>>().join("\n"),
        year: evidence.year,
    };
    let mut r = Recorder { findings: Vec::new(), checks: 0, skipped: Vec::new() };
    checks::security(&mut r, &site);
    checks::seo(&mut r, &site);
    checks::performance(&mut r, &site);
    checks::mobile(&mut r, &site);
    checks::conversion(&mut r, &site);
    match evidence.contacts {
        Some(c) => checks::contacts(&mut r, c),
        None => r.skip("contact completeness (phone, email, address): no extraction results"),
    }
    match evidence.probes {
        Some(p) => checks::network(&mut r, p),
        None => r.skip(
            "robots.txt, sitemap, http→https redirect, canonical target, broken links, resource weights and time to first byte: no requests made",
        ),
    }
    let mut scores = Vec::new();
    for c in CATEGORIES {
        let lost: u32 = r.findings.iter().filter(|x| x.category == c).map(|x| x.severity.weight()).sum();
        scores.push((c.to_string(), 100u32.saturating_sub(lost)));
    }
    r.findings.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.id.cmp(&b.id)));
    let mut not_measured = browser_only();
    not_measured.extend(r.skipped);
    Audit { findings: r.findings, scores, checks: r.checks, not_measured, lighthouse: None }
}

fn browser_only() -> Vec<String> {
    BROWSER_ONLY.map(String::from).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::Probe;

    fn page<'a>(url: &'a str, headers: &'a [(String, String)], html: &'a str) -> AuditPage<'a> {
        AuditPage { url, headers, html }
    }

    const GOOD: &str = r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bright Smile Dental · Dentist in Austin, TX</title>
        <meta property="og:title" content="Bright Smile Dental">
        <meta name="description" content="Family and cosmetic dentistry in Austin. Same-week appointments, evening hours, most insurance accepted.">
        <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="canonical" href="https://brightsmile.example/">
        <script type="application/ld+json">{"@type":"Dentist","name":"Bright Smile"}</script><script src="/app.js" defer></script></head>
        <body><h1>Dentist in Austin</h1><a href="https://calendly.com/brightsmile">Book an appointment</a><a href="tel:+15125550100">Call</a>
        <h2>Reviews</h2><p>★★★★★ "Best dentist" — 120 reviews</p><form action="/contact"><input id="n" name="n"><label for="n">Name</label></form>
        <footer>© 2026 Bright Smile Dental · <a href="/privacy">Privacy</a></footer></body></html>"#;

    fn good_headers() -> Vec<(String, String)> {
        [
            ("strict-transport-security", "max-age=31536000"),
            ("content-security-policy", "default-src 'self'; frame-ancestors 'self'"),
            ("x-content-type-options", "nosniff"),
            ("content-encoding", "br"),
            ("cache-control", "max-age=600"),
            ("server", "nginx"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec()
    }

    #[test]
    fn windows_cut_through_a_multibyte_character_are_moved_to_its_start() {
        // Every byte offset where a window ends (head + 8,000; body + 6,000; 30 bytes after "©") lands inside
        // a two-byte "·" for one of these paddings.
        for pad in 0..2 {
            let filler = "·".repeat(5_000);
            let html = format!(
                "<html><head><title>T</title>{}</head><body>{}{filler}<p>© ·{filler}</p></body></html>",
                "x".repeat(pad),
                "y".repeat(pad)
            );
            let audit = audit(&Evidence::pages(&[page("https://example.test/", &[], &html)], 2026));
            assert!(audit.checks >= 40, "{} checks", audit.checks);
        }
    }

    #[test]
    fn a_well_kept_site_passes_every_check() {
        let headers = good_headers();
        let audit = audit(&Evidence::pages(&[page("https://brightsmile.example/", &headers, GOOD)], 2026));
        assert!(audit.findings.is_empty(), "{:#?}", audit.findings);
        assert!(audit.checks >= 40, "{} checks", audit.checks);
        assert!(audit.scores.iter().all(|(_, s)| *s == 100), "{:?}", audit.scores);
        assert_eq!(
            audit.not_measured.len(),
            5,
            "the browser-only three, then contacts and probes: {:?}",
            audit.not_measured
        );
    }

    #[test]
    fn a_neglected_site_gets_findings_with_evidence_and_low_scores() {
        let html = r#"<html><head><title>Home</title><script src="http://cdn.example/jquery.js"></script><script src="/a.js"></script>
            <script src="/b.js"></script><meta name="robots" content="noindex"></head><body><h3>Welcome</h3><h1>Joe's Plumbing</h1><h1>Since 1990</h1>
            <img src="/van.jpg"><form action="http://joesplumbing.example/send"><input name="q"></form><p>Copyright 2015 Joe's</p></body></html>"#;
        let headers: Vec<(String, String)> =
            vec![("server".into(), "Apache/2.4.41 (Ubuntu)".into()), ("x-powered-by".into(), "PHP/7.2.1".into())];
        let audit = audit(&Evidence::pages(&[page("https://joesplumbing.example/", &headers, html)], 2026));
        for id in [
            "no_hsts",
            "no_csp",
            "server_version_disclosed",
            "mixed_content",
            "insecure_form",
            "missing_meta_description",
            "multiple_h1",
            "missing_canonical",
            "noindex",
            "no_viewport",
            "no_lang",
            "no_click_to_call",
            "stale_copyright",
            "render_blocking_scripts",
            "no_structured_data",
            "images_without_alt",
            "title_length",
            "unlabelled_inputs",
        ] {
            assert!(audit.has(id), "{id} missing from {:#?}", audit.findings.iter().map(|f| &f.id).collect::<Vec<_>>());
        }
        let disclosed = audit.findings.iter().find(|f| f.id == "server_version_disclosed").unwrap();
        assert!(disclosed.evidence.contains("Apache/2.4.41"), "{}", disclosed.evidence);
        assert_eq!(audit.findings[0].severity, Severity::Critical, "worst first");
        assert!(audit.score("security").unwrap() < 50 && audit.score("seo").unwrap() < 50, "{:?}", audit.scores);
        // The same pages, the same audit.
        assert_eq!(
            audit,
            super::audit(&Evidence::pages(&[page("https://joesplumbing.example/", &headers, html)], 2026))
        );
    }

    fn probe(url: &str, status: u16) -> Probe {
        Probe { url: url.into(), http_status: Some(status), first_byte_ms: 120, ..Probe::default() }
    }

    /// Probes of a well-kept https site: http redirects to https, robots.txt names a sitemap, links work.
    fn good_probes() -> Probes {
        let robots = "User-agent: *\nDisallow:\nSitemap: https://brightsmile.example/sitemap.xml\n";
        Probes {
            home: Some(Probe { certificate_days_left: Some(300), ..probe("https://brightsmile.example/", 200) }),
            http_home: Some(Probe {
                location: Some("https://brightsmile.example/".into()),
                ..probe("http://brightsmile.example/", 301)
            }),
            robots: Some(Probe { body: Some(robots.into()), ..probe("https://brightsmile.example/robots.txt", 200) }),
            sitemap: Some(Probe {
                body: Some("<urlset><url><loc>https://brightsmile.example/</loc></url></urlset>".into()),
                ..probe("https://brightsmile.example/sitemap.xml", 200)
            }),
            canonical: None,
            links: vec![probe("https://brightsmile.example/contact", 200)],
            resources: vec![
                (
                    Resource::Image,
                    Probe { content_length: Some(80_000), ..probe("https://brightsmile.example/a.jpg", 200) },
                ),
                (
                    Resource::Script,
                    Probe { content_length: Some(40_000), ..probe("https://brightsmile.example/app.js", 200) },
                ),
            ],
        }
    }

    #[test]
    fn with_contacts_and_probes_every_check_runs() {
        let headers = good_headers();
        let pages = [page("https://brightsmile.example/", &headers, GOOD)];
        let probes = good_probes();
        let contacts = Some(Contacts { phones: 1, emails: 1, address: true });
        let audit = audit(&Evidence { pages: &pages, year: 2026, contacts, probes: Some(&probes) });
        assert!(audit.findings.is_empty(), "{:#?}", audit.findings);
        // canonical_broken needs a canonical elsewhere; the rest all ran.
        assert_eq!(audit.checks, CHECKS.len() - 1, "{} of {} checks", audit.checks, CHECKS.len());
        assert!(audit.checks >= 60);
        assert_eq!(audit.not_measured.len(), 3, "{:?}", audit.not_measured);

        let without = super::audit(&Evidence::pages(&pages, 2026));
        assert_eq!(without.checks + 12, audit.checks, "contacts and probes add their checks");
        assert!(without.not_measured.iter().any(|m| m.contains("no requests made")), "{:?}", without.not_measured);
    }

    #[test]
    fn network_evidence_gives_its_findings() {
        let headers = good_headers();
        let pages = [page("https://brightsmile.example/", &headers, GOOD)];
        let mut probes = good_probes();
        probes.home = Some(Probe { first_byte_ms: 2_300, ..probe("https://brightsmile.example/", 200) });
        probes.http_home = Some(probe("http://brightsmile.example/", 200));
        probes.robots = Some(probe("https://brightsmile.example/robots.txt", 404));
        probes.sitemap = Some(probe("https://brightsmile.example/sitemap.xml", 404));
        probes.canonical = Some(Probe {
            location: Some("https://brightsmile.example/home".into()),
            ..probe("https://brightsmile.example/index", 301)
        });
        probes.links =
            vec![probe("https://brightsmile.example/contact", 200), probe("https://brightsmile.example/old", 404)];
        probes.resources = vec![
            (
                Resource::Image,
                Probe { content_length: Some(2_400_000), ..probe("https://brightsmile.example/hero.jpg", 200) },
            ),
            (
                Resource::Script,
                Probe { content_length: Some(1_800_000), ..probe("https://brightsmile.example/app.js", 200) },
            ),
        ];
        let contacts = Some(Contacts { phones: 0, emails: 0, address: false });
        let audit = audit(&Evidence { pages: &pages, year: 2026, contacts, probes: Some(&probes) });
        for id in [
            "slow_first_byte",
            "no_https_redirect",
            "no_robots_txt",
            "no_sitemap",
            "canonical_broken",
            "broken_internal_links",
            "heavy_images",
            "heavy_scripts",
            "no_phone_listed",
            "no_email_listed",
            "no_address_listed",
        ] {
            assert!(audit.has(id), "{id} missing from {:?}", audit.findings.iter().map(|f| &f.id).collect::<Vec<_>>());
        }
        assert!(!audit.has("sitemap_not_in_robots"), "no robots.txt: nothing to name the sitemap in");
        let broken = audit.findings.iter().find(|f| f.id == "broken_internal_links").unwrap();
        assert!(
            broken.evidence.contains("1 of 2") && broken.evidence.contains("/old (HTTP 404)"),
            "{}",
            broken.evidence
        );
        let slow = audit.findings.iter().find(|f| f.id == "slow_first_byte").unwrap();
        assert!(slow.evidence.contains("2300 ms"), "{}", slow.evidence);
    }

    #[test]
    fn markup_checks_beyond_the_basics() {
        let html = r#"<html><head><title>Acme Plumbing Services</title><meta http-equiv="refresh" content="5; url=/new">
            <meta name="description" content="Plumbing in Springfield since 1990, same-day repairs and free quotes for every home.">
            <link rel="canonical" href="https://other.example/acme"><link rel="alternate" hreflang="english" href="/en">
            <link rel="alternate" hreflang="de" href="/de">
            <script type="application/ld+json">{"name": "Acme", }</script></head>
            <body><h1>Acme</h1><marquee>Call now!</marquee><a href="/prices">click here</a>
            <a href="https://facebook.com/acme" target="_blank">Facebook</a></body></html>"#;
        let contact = r#"<html><head><title>Contact</title>
            <meta name="description" content="Plumbing in Springfield since 1990, same-day repairs and free quotes for every home."></head>
            <body><h1>Contact</h1></body></html>"#;
        let headers: Vec<(String, String)> =
            vec![("content-type".into(), "text/html".into()), ("set-cookie".into(), "session=abc123; Path=/".into())];
        let pages =
            [page("https://acme.example/", &headers, html), page("https://acme.example/contact", &headers, contact)];
        let audit = audit(&Evidence::pages(&pages, 2026));
        for id in [
            "no_doctype",
            "no_charset",
            "meta_refresh",
            "canonical_other_host",
            "invalid_structured_data",
            "hreflang_invalid",
            "duplicate_meta_descriptions",
            "generic_link_text",
            "obsolete_markup",
            "unsafe_target_blank",
            "insecure_cookie",
            "no_open_graph",
            "no_privacy_policy",
        ] {
            assert!(audit.has(id), "{id} missing from {:?}", audit.findings.iter().map(|f| &f.id).collect::<Vec<_>>());
        }
        let generic = audit.findings.iter().find(|f| f.id == "generic_link_text").unwrap();
        assert!(generic.evidence.contains("\"click here\" (/prices)"), "{}", generic.evidence);
        let cookie = audit.findings.iter().find(|f| f.id == "insecure_cookie").unwrap();
        assert!(cookie.evidence.contains("\"session\""), "{}", cookie.evidence);
    }

    #[test]
    fn plain_http_and_duplicate_titles_across_pages() {
        let a = "<html lang=en><head><title>Acme</title></head><body><h1>A</h1></body></html>";
        let audit = audit(&Evidence::pages(
            &[page("http://acme.example/", &[], a), page("http://acme.example/contact", &[], a)],
            2026,
        ));
        assert!(audit.has("no_https") && audit.has("duplicate_titles"));
        assert!(!audit.has("no_compression"), "no headers known (a cached page): not judged");
        assert_eq!(checks::copyright_year("© 2019–2024 acme"), Some(2024));
        assert_eq!(checks::copyright_year("no year"), None);
    }
}
