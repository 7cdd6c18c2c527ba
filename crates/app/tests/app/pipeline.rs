//! The pipeline as a library: a run over a small sample web, then a second run inside the cache TTL that
//! re-scores everything without fetching a single page again.

use std::sync::Arc;
use std::time::Duration;

use leadsmith::config::Settings;
use leadsmith::pipeline::crawl::CrawlResult;
use leadsmith::pipeline::stages::StageData;
use leadsmith::pipeline::{Engine, run_file};
use leadsmith_store::{SqliteStore, Store};
use leadsmith_testkit::{SampleWeb, ServeOptions};

fn settings() -> Settings {
    let mut s = Settings::default();
    s.crawl.allow_addresses = vec!["127.0.0.1/32".into()];
    s.crawl.timeouts_secs = vec![0.5, 0.5, 0.5];
    s.crawl.backoff_secs = vec![0.02, 0.02, 0.02];
    s.crawl.per_host_interval_ms = 1;
    s.pipeline.workers = 8;
    s
}

async fn crawl_results(store: &dyn Store) -> Vec<CrawlResult> {
    let mut out = Vec::new();
    for id in 1..=store.count_leads().await.unwrap() as i64 {
        let r = store.stage_result(id, CrawlResult::NAME).await.unwrap().unwrap();
        out.push(serde_json::from_value(r.data).unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_inside_the_ttl_uses_the_page_cache() {
    let dir = tempfile::tempdir().unwrap();
    let web = Arc::new(SampleWeb::generate(3, 24));
    let opts = ServeOptions {
        latency: (Duration::ZERO, Duration::from_millis(2)),
        slow_delay: Duration::from_secs(2),
        port: 0,
    };
    let server = web.clone().serve(opts).await.unwrap();
    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, web.leads_jsonl()).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("p.db")).unwrap());
    let engine = Engine::new(store.clone(), settings(), server.resolve_overrides()).unwrap();

    let first = run_file(&engine, &leads, false).await.unwrap();
    assert_eq!(first.status, "completed");
    assert_eq!(first.lead_ids.len(), web.sites().len());
    let served = server.requests();
    assert!(served > web.sites().len() as u64);
    let fetched_ok: usize = crawl_results(store.as_ref())
        .await
        .iter()
        .flat_map(|c| &c.pages)
        .filter(|p| p.status == leadsmith_core::CrawlStatus::Ok)
        .inspect(|p| assert!(!p.from_cache))
        .count();
    assert!(fetched_ok > 0);

    // The file is unchanged and its run finished: a new run, every lead processed again, pages from cache.
    let second = run_file(&engine, &leads, false).await.unwrap();
    assert_eq!(second.run_id, first.run_id + 1);
    assert!(!second.resumed);
    assert_eq!(second.status, "completed");
    let cached_ok: usize = crawl_results(store.as_ref())
        .await
        .iter()
        .flat_map(|c| &c.pages)
        .filter(|p| p.status == leadsmith_core::CrawlStatus::Ok)
        .inspect(|p| assert!(p.from_cache, "{} was fetched again", p.url))
        .count();
    assert_eq!(cached_ok, fetched_ok);
    // Only pages whose outcome is not cacheable (timeouts, 5xx) and robots.txt (kept per process) are asked again.
    let refetched = server.requests() - served;
    assert!(refetched < served / 3, "{refetched} requests on the second run vs {served} on the first");

    // Scores are stored once per lead, whatever the number of runs.
    let counts = store.queue_counts(None).await.unwrap();
    let score = counts.iter().find(|k| k.kind == "score").unwrap();
    assert_eq!(score.done as usize, 2 * web.sites().len());
    for id in &first.lead_ids {
        let stored = store.stage_results(*id).await.unwrap();
        let crawl = stored.iter().find(|r| r.stage == "crawl").unwrap();
        // assess, crawl, email, facts, score, tech; and audit for a site that answered.
        let answered = crawl.data["pages"][0]["status"] == "ok";
        assert_eq!(
            stored.len(),
            6 + usize::from(answered),
            "{:?}",
            stored.iter().map(|r| &r.stage).collect::<Vec<_>>()
        );
    }
}

/// A lead's findings are the `assess` result its crawl job stored; a stored result that no longer
/// decodes is reported in the view, never shown as "not crawled".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_are_stored_by_the_crawl_job_and_an_undecodable_result_is_reported() {
    use leadsmith::pipeline::assess::Findings;
    use leadsmith::view::LeadView;

    let dir = tempfile::tempdir().unwrap();
    let web = Arc::new(SampleWeb::generate(7, 6));
    let server = web.clone().serve(ServeOptions::default()).await.unwrap();
    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, web.leads_jsonl()).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("t.db")).unwrap());
    let engine = Engine::new(store.clone(), settings(), server.resolve_overrides()).unwrap();
    let summary = run_file(&engine, &leads, false).await.unwrap();
    let id = summary.lead_ids[0];
    let record = store.lead(id).await.unwrap().unwrap();
    let results = store.stage_results(id).await.unwrap();
    let stored: Findings =
        serde_json::from_value(results.iter().find(|r| r.stage == Findings::NAME).unwrap().data.clone()).unwrap();
    let view = LeadView::from_results(store.as_ref(), record.clone(), results.clone()).await.unwrap();
    assert_eq!(view.findings, stored.findings);
    assert!(view.crawl.is_some());

    let mut broken = results;
    let crawl = broken.iter_mut().find(|r| r.stage == CrawlResult::NAME).unwrap();
    crawl.data = serde_json::json!({"status": 7});
    let view = LeadView::from_results(store.as_ref(), record, broken).await.unwrap();
    assert!(view.crawl.is_none());
    assert!(
        view.findings.iter().any(|f| f.starts_with("the stored `crawl` result does not decode")),
        "{:?}",
        view.findings
    );
    assert_eq!(view.score.map(|s| s.score), Some(summary_score(store.as_ref(), id).await));
}

async fn summary_score(store: &dyn Store, id: i64) -> f64 {
    let r = store.stage_result(id, "score").await.unwrap().unwrap();
    r.data["score"].as_f64().unwrap()
}

/// A lead that came with only an email is crawled at its email's domain; the home page that answered
/// becomes its website, and a lead whose site failed keeps none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_found_by_its_email_gets_the_crawled_home_page_as_its_website() {
    let dir = tempfile::tempdir().unwrap();
    let web = Arc::new(SampleWeb::generate(11, 16));
    let server = web.clone().serve(ServeOptions::default()).await.unwrap();
    let leads = dir.path().join("leads.jsonl");
    let lines: Vec<String> = web
        .sites()
        .iter()
        .map(|s| serde_json::json!({"company": s.company, "email": format!("office@{}", s.domain)}).to_string())
        .collect();
    std::fs::write(&leads, lines.join("\n")).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("w.db")).unwrap());
    let engine = Engine::new(store.clone(), settings(), server.resolve_overrides()).unwrap();
    let summary = run_file(&engine, &leads, false).await.unwrap();
    assert_eq!(summary.lead_ids.len(), web.sites().len());
    let mut filled = 0;
    for id in summary.lead_ids {
        let lead = store.lead(id).await.unwrap().unwrap();
        let crawl: CrawlResult =
            serde_json::from_value(store.stage_result(id, CrawlResult::NAME).await.unwrap().unwrap().data).unwrap();
        let domain = lead.input.domain.as_ref().unwrap().to_string();
        match lead.input.website.as_deref() {
            Some(website) => {
                assert_eq!(crawl.status, leadsmith_core::CrawlStatus::Ok, "{website}");
                let host = url::Url::parse(website).unwrap().host_str().unwrap().to_string();
                assert!(host == domain || host.ends_with(&format!(".{domain}")), "{website} for {domain}");
                filled += 1;
            }
            None => assert_ne!(crawl.status, leadsmith_core::CrawlStatus::Ok, "{domain} crawled but no website"),
        }
    }
    assert!(filled > 0);
}

/// A German site's Impressum is crawled first among its extra pages and read as its legal notice: the
/// lead gets the legal name, register entry, VAT id and managing director, and `leads show` shows them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impressum_is_crawled_and_shown_as_the_legal_notice() {
    use leadsmith_testkit::fake::{FakeServer, Reply};
    let server = FakeServer::start(|req, _| match req.path.as_str() {
        "/" => Reply::ok(
            "<html lang=\"de\"><body><h1>Bäckerei Krüger</h1><a href=\"/kontakt\">Kontakt</a>\
             <a href=\"/ueber-uns\">Über uns</a><a href=\"/galerie\">Galerie</a><footer><a href=\"/impressum\">Impressum</a></footer></body></html>",
        )
        .header("content-type", "text/html; charset=utf-8"),
        "/impressum" => Reply::ok(
            "<html lang=\"de\"><body><h1>Impressum</h1><p>Angaben gemäß § 5 DDG</p>\
             <p>Krüger Backwaren GmbH<br>Hauptstraße 12<br>10115 Berlin</p>\
             <p>Geschäftsführer: Jörg Weiß</p><p>Registergericht: Amtsgericht Charlottenburg<br>HRB 123456 B</p>\
             <p>USt-IdNr.: DE123456789</p></body></html>",
        )
        .header("content-type", "text/html; charset=utf-8"),
        "/robots.txt" => Reply::new(404, ""),
        _ => Reply::ok("<html><body><p>Willkommen</p></body></html>").header("content-type", "text/html"),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, r#"{"company": "Bäckerei Krüger", "website": "http://krueger.test/"}"#).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("i.db")).unwrap());
    let overrides = [("krueger.test".to_string(), server.addr)].into_iter().collect();
    let mut s = settings();
    s.crawl.max_extra_pages = 1;
    let engine = Engine::new(store.clone(), s, overrides).unwrap();
    let run = run_file(&engine, &leads, false).await.unwrap();
    let view = leadsmith::view::LeadView::load(store.as_ref(), store.lead(run.lead_ids[0]).await.unwrap().unwrap())
        .await
        .unwrap();
    let legal = view.facts.as_ref().and_then(|f| f.legal.clone()).expect("the Impressum was crawled");
    assert_eq!(legal.url, "http://krueger.test/impressum");
    assert_eq!(legal.company.as_deref(), Some("Krüger Backwaren GmbH"));
    assert_eq!(legal.vat_id.as_deref(), Some("DE123456789"));
    let text = leadsmith::cli::leads::render(&view);
    for line in ["legal notice (http://krueger.test/impressum)", "register   HRB 123456 B", "directors  Jörg Weiß"] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
}

/// Email signals: the lead's domain is looked up in DNS (a zone on loopback), each address is classified
/// and judged, the owner's address is inferred from the site's pattern, and `leads show` shows it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_signals_come_from_dns_and_the_site() {
    use leadsmith::pipeline::email::EmailSignals;
    use leadsmith_testkit::fake::{FakeServer, Reply};
    use leadsmith_testkit::fake_dns::{FakeDns, Rec, Zone};
    let site = FakeServer::start(|req, _| match req.path.as_str() {
        "/" => Reply::ok(
            "<html lang=\"de\"><head><meta name=\"generator\" content=\"WordPress 6.4.2\"></head>\
             <body><h1>Bäckerei Krüger</h1><p>Inhaberin: Lena Krüger</p>\
             <p>Anna Schmidt, Sales Director: anna.schmidt@krueger-backwaren.de</p>\
             <p>Bestellungen: info@krueger-backwaren.de</p></body></html>",
        )
        .header("content-type", "text/html; charset=utf-8")
        .header("x-powered-by", "PHP/8.2.1"),
        _ => Reply::new(404, ""),
    })
    .await;
    let mut zone = Zone::new();
    zone.insert(
        "krueger-backwaren.de".into(),
        vec![Rec::Mx(10, "mx00.ionos.de"), Rec::Txt("v=spf1 include:_spf-eu.ionos.com -all")],
    );
    let dns = FakeDns::start(zone).await;
    let dir = tempfile::tempdir().unwrap();
    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, r#"{"company": "Bäckerei Krüger", "website": "http://krueger-backwaren.de/"}"#).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("e.db")).unwrap());
    let overrides = [("krueger-backwaren.de".to_string(), site.addr)].into_iter().collect();
    let mut s = settings();
    s.email.resolver = dns.addr.to_string();
    let engine = Engine::new(store.clone(), s, overrides).unwrap();
    let run = run_file(&engine, &leads, false).await.unwrap();
    let id = run.lead_ids[0];
    let stored: EmailSignals =
        serde_json::from_value(store.stage_result(id, EmailSignals::NAME).await.unwrap().unwrap().data).unwrap();
    let domain = &stored.domains[0];
    assert_eq!((domain.domain.as_str(), domain.provider.as_deref()), ("krueger-backwaren.de", Some("IONOS")));
    assert_eq!(domain.spf.as_ref().map(|s| s.policy.as_str()), Some("fail"));
    assert!(domain.dmarc.is_none());
    let roles: Vec<(&str, bool)> = stored.addresses.iter().map(|a| (a.address.as_str(), a.kind.role)).collect();
    assert_eq!(roles, [("anna.schmidt@krueger-backwaren.de", false), ("info@krueger-backwaren.de", true)]);
    assert!(stored.addresses.iter().all(|a| a.deliverability.status == leadsmith_email::Status::Unknown));
    let inferred = stored.owner_address.as_ref().expect("the owner's address is inferred");
    assert_eq!(inferred.address, "lena.krueger@krueger-backwaren.de");
    // The technologies: from the page's markup, its response headers and the domain's MX record.
    let tech: leadsmith_tech::Detections =
        serde_json::from_value(store.stage_result(id, "tech").await.unwrap().unwrap().data).unwrap();
    let wordpress = tech.get("WordPress").expect("WordPress from the generator tag");
    assert_eq!(wordpress.version.as_deref(), Some("6.4.2"));
    let php = tech.get("PHP").expect("PHP from X-Powered-By");
    assert!(php.evidence.iter().any(|e| e.kind.as_str() == "headers"), "{php:?}");
    let view = leadsmith::view::LeadView::load(store.as_ref(), store.lead(id).await.unwrap().unwrap()).await.unwrap();
    let text = leadsmith::cli::leads::render(&view);
    assert!(text.contains("technologies (confidence · evidence)") && text.contains("WordPress 6.4.2"), "{text}");
    // The website audit of the same pages: a plain-http site without a viewport.
    let audit = view.audit.as_ref().expect("the site was audited");
    assert!(audit.has("no_https") && audit.has("no_viewport"), "{:?}", audit.findings);
    assert!(audit.score("security").unwrap() < 100);
    assert!(text.contains("website audit (") && text.contains("critical no_https"), "{text}");
    for line in [
        "krueger-backwaren.de         IONOS (MX mx00.ionos.de) · SPF fail · DMARC none",
        "info@krueger-backwaren.de    role       unknown: the domain takes mail; the recipient was not checked",
        "lena.krueger@krueger-backwaren.de owner's address, inferred (first.last",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
}

/// With `[email] smtp_check`, each business address is asked of its domain's mail server (found through
/// MX, reached only through the SSRF guard): accepted and unknown recipients told apart, so `valid` and
/// `invalid` mean what they say; without the guard opened, a loopback mail server is refused, not asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rcpt_check_makes_addresses_valid_or_invalid_through_the_ssrf_guard() {
    use leadsmith::pipeline::email::EmailChecker;
    use leadsmith_core::{Domain, Email, LeadInput, LeadRecord, PageFacts};
    use leadsmith_email::Status;
    use leadsmith_testkit::fake_dns::{FakeDns, Rec, Zone};
    use leadsmith_testkit::fake_smtp::FakeSmtp;
    let smtp = FakeSmtp::start(
        (220, "mx.krueger-backwaren.de ESMTP"),
        Box::new(|rcpt| match rcpt {
            "anna.schmidt@krueger-backwaren.de" | "info@krueger-backwaren.de" => (250, "OK".into()),
            _ => (550, "5.1.1 unknown user".into()),
        }),
    )
    .await;
    let mut zone = Zone::new();
    zone.insert("krueger-backwaren.de".into(), vec![Rec::Mx(10, "mx.krueger-backwaren.de")]);
    zone.insert("mx.krueger-backwaren.de".into(), vec![Rec::Addr("127.0.0.1".parse().unwrap())]);
    let dns = FakeDns::start(zone).await;
    let mut s = settings();
    s.email.resolver = dns.addr.to_string();
    s.email.smtp_check = true;
    s.email.smtp_helo = "probe.leadsmith.test".into();
    s.email.smtp_port = smtp.addr.port();
    s.validate().unwrap();
    let lead = LeadRecord {
        id: 1,
        input: LeadInput {
            domain: Some(Domain::from_website("krueger-backwaren.de").unwrap()),
            email: Some(Email::parse("info@krueger-backwaren.de").unwrap()),
            ..Default::default()
        },
        source_rows: 1,
        created_at: String::new(),
    };
    let facts = PageFacts {
        emails: vec!["anna.schmidt@krueger-backwaren.de".into(), "old.account@krueger-backwaren.de".into()],
        ..Default::default()
    };
    let checker = EmailChecker::new(&s.email, s.allow_list().unwrap());
    let got = checker.signals(&lead, Some(&facts)).await;
    let statuses: Vec<(&str, Status)> =
        got.addresses.iter().map(|a| (a.address.as_str(), a.deliverability.status)).collect();
    assert_eq!(
        statuses,
        [
            ("info@krueger-backwaren.de", Status::Valid),
            ("anna.schmidt@krueger-backwaren.de", Status::Valid),
            ("old.account@krueger-backwaren.de", Status::Invalid),
        ]
    );
    assert!(smtp.commands.lock().unwrap().iter().any(|c| c == "EHLO probe.leadsmith.test"));

    // The guard closed: the loopback mail server is never contacted.
    let asked = smtp.commands.lock().unwrap().len();
    let guarded = EmailChecker::new(&s.email, Vec::new());
    let got = guarded.signals(&lead, Some(&facts)).await;
    let first = &got.addresses[0].deliverability;
    assert_eq!(first.status, Status::Unknown);
    assert!(first.reason.contains("refused 127.0.0.1: loopback address"), "{}", first.reason);
    assert_eq!(smtp.commands.lock().unwrap().len(), asked);

    s.email.smtp_helo.clear();
    assert!(s.validate().unwrap_err().to_string().contains("smtp_check needs smtp_helo"));
}

/// With `[pagespeed]` enabled, each crawled lead's audit carries Lighthouse's scores and metrics from
/// the API (a local fake speaking it), the browser metrics leave "not measured", and a lead whose
/// Lighthouse run failed keeps its audit with the reason. The key comes from a file and is sent in the
/// header; rules can read the scores.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagespeed_scores_are_stored_with_the_audit() {
    use leadsmith_testkit::fake::{FakeServer, Reply};
    let dir = tempfile::tempdir().unwrap();
    let web = Arc::new(SampleWeb::generate(3, 24));
    let opts = ServeOptions {
        latency: (Duration::ZERO, Duration::from_millis(2)),
        slow_delay: Duration::from_secs(3),
        port: 0,
    };
    let server = web.clone().serve(opts).await.unwrap();
    let healthy = web.sites().iter().find(|s| s.truth.status == leadsmith_core::CrawlStatus::Ok).unwrap();
    let failing = healthy.domain.clone();
    let answer = r#"{"lighthouseResult":{"categories":{"performance":{"score":0.31},"accessibility":{"score":0.8},
        "best-practices":{"score":0.7},"seo":{"score":0.6}},"audits":{"largest-contentful-paint":{"numericValue":6100.0},
        "cumulative-layout-shift":{"numericValue":0.3}}},"loadingExperience":{"metrics":{"INTERACTION_TO_NEXT_PAINT":{"percentile":280}}}}"#;
    let psi = FakeServer::start(move |request, _| {
        if request.query.as_deref().is_some_and(|q| q.contains(&failing)) {
            Reply::new(400, r#"{"error":{"code":400,"message":"Lighthouse returned error: NO_FCP"}}"#)
        } else {
            Reply::ok(answer)
        }
    })
    .await;
    let key_file = dir.path().join("pagespeed.key");
    std::fs::write(&key_file, "AIza-test-key\n").unwrap();
    let mut s = settings();
    s.pagespeed.enabled = true;
    s.pagespeed.api_key_env = "LEADSMITH_TEST_PAGESPEED_KEY_UNSET".into();
    s.pagespeed.api_key_file = Some(key_file);
    s.pagespeed.endpoint = psi.url("/pagespeedonline/v5/runPagespeed").to_string();
    s.pagespeed.per_second = 50;
    s.validate().unwrap();

    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, web.leads_jsonl()).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("p.db")).unwrap());
    let engine = Engine::new(store.clone(), s, server.resolve_overrides()).unwrap();
    let run = run_file(&engine, &leads, false).await.unwrap();
    assert_eq!(run.status, "completed");

    let (mut measured, mut failed) = (0, 0);
    for id in &run.lead_ids {
        let Some(r) = store.stage_result(*id, "audit").await.unwrap() else { continue };
        let audit: leadsmith_crawl::audit::Audit = serde_json::from_value(r.data).unwrap();
        match &audit.lighthouse {
            Some(l) => {
                measured += 1;
                assert_eq!((l.score("performance"), l.lcp_ms, l.inp_ms), (Some(31), Some(6100.0), Some(280.0)));
                assert!(
                    !audit.not_measured.iter().any(|m| m.contains("LCP") || m.contains("INP")),
                    "{:?}",
                    audit.not_measured
                );
            }
            None => {
                failed += 1;
                assert!(
                    audit.not_measured.iter().any(|m| m.contains("PageSpeed") && m.contains("NO_FCP")),
                    "{:?}",
                    audit.not_measured
                );
            }
        }
    }
    assert!(measured >= 3 && failed == 1, "measured {measured}, failed {failed}");
    let requests = psi.requests();
    assert!(requests.iter().all(|r| r.header("x-goog-api-key") == Some("AIza-test-key")));
}

#[test]
fn an_enabled_pagespeed_without_a_key_is_refused() {
    let mut s = settings();
    s.pagespeed.enabled = true;
    s.pagespeed.api_key_env = "LEADSMITH_TEST_PAGESPEED_KEY_UNSET".into();
    let e = format!("{:#}", s.validate().unwrap_err());
    assert!(e.contains("LEADSMITH_TEST_PAGESPEED_KEY_UNSET"), "{e}");
}
