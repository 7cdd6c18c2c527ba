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
