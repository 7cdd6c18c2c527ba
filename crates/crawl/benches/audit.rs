//! Throughput of the website audit over stored sites (issue 13's target: ≥ 1,000 pages/s per core): the
//! sample web's healthy sites, each audited from its home, contact, about and team pages with their
//! response headers, as the crawl job does after fetching them (the network probes are not part of it:
//! they are requests, not CPU). One thread.
//!
//! `cargo bench -p leadsmith-crawl --bench audit -- --quick`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leadsmith_crawl::audit::{AuditPage, Contacts, Evidence, audit};
use leadsmith_testkit::{PageBody, SampleWeb};

struct StoredSite {
    urls: Vec<String>,
    headers: Vec<Vec<(String, String)>>,
    html: Vec<String>,
}

fn stored_sites() -> Vec<StoredSite> {
    let web = SampleWeb::standard();
    let mut sites = Vec::new();
    for site in web.sites().iter().filter(|s| s.truth.status.is_success()) {
        let mut stored = StoredSite { urls: Vec::new(), headers: Vec::new(), html: Vec::new() };
        let paths = std::iter::once("/".to_string()).chain(site.linked_pages.iter().cloned());
        for path in paths {
            let Some(page) = site.pages.get(&path) else { continue };
            let PageBody::Bytes(bytes) = &page.body else { continue };
            if page.status != 200 {
                continue;
            }
            stored.urls.push(format!("http://www.{}{path}", site.domain));
            let mut headers: Vec<(String, String)> =
                page.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
            headers.extend(page.content_type.iter().map(|t| ("content-type".to_string(), t.clone())));
            stored.headers.push(headers);
            stored.html.push(String::from_utf8_lossy(bytes).into_owned());
        }
        if !stored.urls.is_empty() {
            sites.push(stored);
        }
    }
    sites
}

fn bench(c: &mut Criterion) {
    let sites = stored_sites();
    let pages: usize = sites.iter().map(|s| s.urls.len()).sum();
    let bytes: usize = sites.iter().flat_map(|s| &s.html).map(String::len).sum();
    eprintln!("{} sites, {pages} pages, {:.1} MB of HTML", sites.len(), bytes as f64 / 1e6);
    let mut group = c.benchmark_group("audit");
    group.throughput(Throughput::Elements(pages as u64));
    group.bench_function("sample web, every healthy site", |b| {
        b.iter(|| {
            let mut findings = 0;
            for s in &sites {
                let pages: Vec<AuditPage> = (0..s.urls.len())
                    .map(|i| AuditPage { url: &s.urls[i], headers: &s.headers[i], html: &s.html[i] })
                    .collect();
                let contacts = Some(Contacts { phones: 1, emails: 1, address: true });
                let result = audit(&Evidence { pages: &pages, year: 2026, contacts, probes: None });
                findings += result.findings.len();
            }
            black_box(findings)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
