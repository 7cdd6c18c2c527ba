//! Extraction quality on the sample web, measured against each site's ground truth: precision and recall
//! of emails, phones and owners (aim ≥ 0.95), and every site's crawl outcome.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use leadsmith_crawl::site::SiteOptions;
use leadsmith_crawl::{FetchConfig, HostPool, crawl_site};
use leadsmith_testkit::{SampleWeb, ServeOptions};
use url::Url;

#[derive(Default, Debug)]
struct Tally {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Tally {
    fn add(&mut self, found: &BTreeSet<String>, truth: &BTreeSet<String>) {
        self.tp += found.intersection(truth).count();
        self.fp += found.difference(truth).count();
        self.fn_ += truth.difference(found).count();
    }
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

/// The crawl policy with test-sized timeouts: the sample web's slow pages stall longer than all attempts.
fn test_fetch_config(server: &leadsmith_testkit::SampleServer) -> FetchConfig {
    FetchConfig {
        timeouts: vec![Duration::from_millis(800); 3],
        backoff: vec![Duration::from_millis(20), Duration::from_millis(40), Duration::from_millis(80)],
        allow_addresses: vec!["127.0.0.1/32".parse().unwrap()],
        resolve_overrides: server.resolve_overrides(),
        per_host_interval: Duration::from_millis(5),
        max_crawl_delay: Duration::from_millis(200),
        global_concurrency: 64,
        ..FetchConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extraction_meets_ground_truth_on_the_sample_web() {
    let web = Arc::new(SampleWeb::standard());
    let opts = ServeOptions {
        latency: (Duration::ZERO, Duration::from_millis(2)),
        slow_delay: Duration::from_secs(3),
        port: 0,
    };
    let server = web.clone().serve(opts).await.unwrap();
    let pool = HostPool::new(test_fetch_config(&server), None).unwrap();
    let site_opts = Arc::new(SiteOptions::default());

    let mut tasks = tokio::task::JoinSet::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(48));
    for (i, site) in web.sites().iter().enumerate() {
        let (pool, site_opts, limit) = (pool.clone(), site_opts.clone(), limit.clone());
        let url = Url::parse(&site.home_url).unwrap();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            (i, crawl_site(&pool, &url, &site_opts).await)
        });
    }
    let (mut emails, mut phones, mut owners) = (Tally::default(), Tally::default(), Tally::default());
    let mut wrong_status = Vec::new();
    let mut misses = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (i, crawl) = done.unwrap();
        let site = &web.sites()[i];
        let truth = &site.truth;
        if crawl.status != truth.status {
            wrong_status
                .push(format!("{}: got {} ({:?}), want {}", site.domain, crawl.status, crawl.reason, truth.status));
        }
        let found_emails: BTreeSet<String> = crawl.facts.emails.iter().map(|e| e.to_lowercase()).collect();
        let truth_emails: BTreeSet<String> = truth.emails.iter().map(|e| e.to_lowercase()).collect();
        emails.add(&found_emails, &truth_emails);
        let found_phones: BTreeSet<String> = crawl.facts.phones.iter().cloned().collect();
        let truth_phones: BTreeSet<String> = truth.phones.iter().cloned().collect();
        phones.add(&found_phones, &truth_phones);
        let found_owner: BTreeSet<String> = crawl.facts.owner.iter().map(|o| o.name.to_lowercase()).collect();
        let truth_owner: BTreeSet<String> = truth.owner.iter().map(|o| o.name.to_lowercase()).collect();
        owners.add(&found_owner, &truth_owner);
        if found_emails != truth_emails || found_phones != truth_phones || found_owner != truth_owner {
            misses.push(format!(
                "{} [{:?}]\n  emails {found_emails:?} want {truth_emails:?}\n  phones {found_phones:?} want {truth_phones:?}\n  owner {found_owner:?} want {truth_owner:?}",
                site.domain, site.traits
            ));
        }
    }
    let report = format!(
        "emails P {:.3} R {:.3} · phones P {:.3} R {:.3} · owners P {:.3} R {:.3}\nfirst misses:\n{}",
        emails.precision(),
        emails.recall(),
        phones.precision(),
        phones.recall(),
        owners.precision(),
        owners.recall(),
        misses.iter().take(12).cloned().collect::<Vec<_>>().join("\n")
    );
    eprintln!("{report}");
    assert!(
        wrong_status.is_empty(),
        "{} sites ended in the wrong state:\n{}",
        wrong_status.len(),
        wrong_status.join("\n")
    );
    for (name, t) in [("emails", &emails), ("phones", &phones), ("owners", &owners)] {
        assert!(t.tp > 100, "{name}: too little truth to measure ({t:?})");
        assert!(t.precision() >= 0.95 && t.recall() >= 0.95, "{name} below 0.95: {t:?}\n{report}");
    }
    let statuses: BTreeSet<&str> = web.sites().iter().map(|s| s.truth.status.as_str()).collect();
    assert!(statuses.len() >= 8, "the sample web exercises many outcomes: {statuses:?}");
}

/// Per-signal tallies: a signal (a technology, a finding id) is a true positive on a site where both the
/// truth and the finding have it.
#[derive(Default, Debug)]
struct Signals(std::collections::BTreeMap<String, Tally>);

impl Signals {
    fn add(&mut self, found: &BTreeSet<String>, truth: &BTreeSet<String>, universe: &BTreeSet<String>) {
        for signal in universe {
            let t = self.0.entry(signal.clone()).or_default();
            match (found.contains(signal), truth.contains(signal)) {
                (true, true) => t.tp += 1,
                (true, false) => t.fp += 1,
                (false, true) => t.fn_ += 1,
                (false, false) => {}
            }
        }
    }

    fn report(&self) -> String {
        self.0
            .iter()
            .map(|(name, t)| {
                format!("{name:<28} P {:.3} R {:.3} (tp {} fp {} fn {})", t.precision(), t.recall(), t.tp, t.fp, t.fn_)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every signal with something to measure meets `floor` on both counts.
    fn below(&self, floor: f64) -> Vec<String> {
        self.0
            .iter()
            .filter(|(_, t)| t.tp + t.fn_ + t.fp > 0 && (t.precision() < floor || t.recall() < floor))
            .map(|(name, t)| format!("{name}: {t:?}"))
            .collect()
    }
}

/// Technology detection and the website audit on the sample web, measured against each site's ground
/// truth: per technology and per audit finding the web controls, precision and recall (aim ≥ 0.95).
/// Sites mention products they do not run, so a mention-only detection costs precision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn site_intelligence_meets_ground_truth_on_the_sample_web() {
    use leadsmith_crawl::audit::{AuditPage, Evidence, ProbeBudget, audit, gather};
    use leadsmith_testkit::intel::CONTROLLED_FINDINGS;

    let web = Arc::new(SampleWeb::standard());
    let opts = ServeOptions {
        latency: (Duration::ZERO, Duration::from_millis(2)),
        slow_delay: Duration::from_secs(3),
        port: 0,
    };
    let server = web.clone().serve(opts).await.unwrap();
    let pool = HostPool::new(test_fetch_config(&server), None).unwrap();
    let site_opts = Arc::new(SiteOptions { keep_documents: true, ..SiteOptions::default() });
    let detector = Arc::new(leadsmith_tech::Detector::builtin());

    let mut tasks = tokio::task::JoinSet::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(48));
    for (i, site) in web.sites().iter().enumerate() {
        let (pool, site_opts, limit, detector) = (pool.clone(), site_opts.clone(), limit.clone(), detector.clone());
        let url = Url::parse(&site.home_url).unwrap();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            let crawl = crawl_site(&pool, &url, &site_opts).await;
            if !crawl.status.is_success() {
                return (i, None);
            }
            let pages: Vec<AuditPage> =
                crawl.documents.iter().map(|d| AuditPage { url: &d.url, headers: &d.headers, html: &d.html }).collect();
            let probes = gather(&pool, &pages, ProbeBudget::default()).await;
            let found = audit(&Evidence { pages: &pages, year: 2026, contacts: None, probes: Some(&probes) });
            let mut scan = detector.site();
            for d in &crawl.documents {
                scan.add(&leadsmith_tech::Page::from_response(&d.url, d.headers.iter().map(|(k, v)| (k, v)), &d.html));
            }
            let tech: BTreeSet<String> = scan.finish().names().into_iter().map(String::from).collect();
            let findings: BTreeSet<String> = found.findings.iter().map(|f| f.id.clone()).collect();
            (i, Some((tech, findings)))
        });
    }
    let (mut tech, mut findings) = (Signals::default(), Signals::default());
    let controlled: BTreeSet<String> = CONTROLLED_FINDINGS.iter().map(|s| s.to_string()).collect();
    let mut every_tech = BTreeSet::new();
    let mut results = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (i, result) = done.unwrap();
        if let Some(r) = result {
            every_tech.extend(r.0.iter().cloned());
            every_tech.extend(web.sites()[i].truth.technologies.iter().cloned());
            results.push((i, r));
        }
    }
    let mut misses = Vec::new();
    for (i, (found_tech, found_findings)) in &results {
        let site = &web.sites()[*i];
        let truth_tech: BTreeSet<String> = site.truth.technologies.iter().cloned().collect();
        let truth_findings: BTreeSet<String> = site.truth.findings.iter().cloned().collect();
        let found_controlled: BTreeSet<String> = found_findings.intersection(&controlled).cloned().collect();
        tech.add(found_tech, &truth_tech, &every_tech);
        findings.add(&found_controlled, &truth_findings, &controlled);
        if *found_tech != truth_tech || found_controlled != truth_findings {
            misses.push(format!(
                "{}\n  tech     {:?} want {:?}\n  findings +{:?} -{:?}",
                site.domain,
                found_tech.difference(&truth_tech).collect::<Vec<_>>(),
                truth_tech.difference(found_tech).collect::<Vec<_>>(),
                found_controlled.difference(&truth_findings).collect::<Vec<_>>(),
                truth_findings.difference(&found_controlled).collect::<Vec<_>>(),
            ));
        }
    }
    let report = format!(
        "technologies:\n{}\naudit findings:\n{}\nfirst misses:\n{}",
        tech.report(),
        findings.report(),
        misses.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
    eprintln!("{report}");
    assert!(results.len() > 250, "most sites are read: {}", results.len());
    assert!(tech.0.len() >= 20, "the web shows many technologies: {:?}", tech.0.keys());
    let below: Vec<String> = tech.below(0.95).into_iter().chain(findings.below(0.95)).collect();
    assert!(below.is_empty(), "signals below 0.95:\n{}\n{report}", below.join("\n"));
    for signal in CONTROLLED_FINDINGS {
        let t = &findings.0[*signal];
        assert!(t.tp >= 3, "{signal}: the sample web shows it on too few sites to measure ({t:?})");
    }
}
