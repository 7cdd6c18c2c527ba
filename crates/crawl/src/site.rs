//! Crawls one business site: the home page, then up to a few same-site contact/about pages it links to,
//! fetched concurrently through the shared [`HostPool`] and merged into one [`PageFacts`].

use leadsmith_core::{CrawlStatus, Domain, PageFacts, PageOutcome};
use url::Url;

use crate::{ExtractOptions, HostPool, extract};

#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// How many contact/about pages to fetch besides the home page.
    pub max_extra_pages: usize,
    pub extract: ExtractOptions,
    /// Return the fetched pages themselves ([`SiteCrawl::documents`]) for readers beyond extraction
    /// (technology detection).
    pub keep_documents: bool,
}

impl Default for SiteOptions {
    fn default() -> Self {
        Self { max_extra_pages: 3, extract: ExtractOptions::default(), keep_documents: false }
    }
}

/// A page that was fetched: where it ended up, its response headers and its decoded HTML.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub html: String,
}

/// The result of crawling a site: the lead-level status, every page's outcome (home first) and the
/// merged facts.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteCrawl {
    pub status: CrawlStatus,
    pub reason: Option<String>,
    pub pages: Vec<PageOutcome>,
    pub facts: PageFacts,
    /// The pages fetched, home first, when [`SiteOptions::keep_documents`] asked for them.
    pub documents: Vec<Document>,
}

/// Fetches `home` and its contact/about pages. The status is the home page's when it failed, `Ok` when
/// every extra page worked (robots-disallowed ones are skipped, not failures), otherwise `Partial`.
pub async fn crawl_site(pool: &HostPool, home: &Url, opts: &SiteOptions) -> SiteCrawl {
    crawl_with(pool, home, opts, extract).await
}

/// The extractor as a parameter, so the crawl logic can be tested apart from the real extractor.
type Extractor = fn(&str, &Url, &ExtractOptions) -> PageFacts;

async fn crawl_with(pool: &HostPool, home: &Url, opts: &SiteOptions, extractor: Extractor) -> SiteCrawl {
    let home_page = pool.fetch(home).await;
    let outcome = home_page.outcome;
    let Some(html) = home_page.html.filter(|_| outcome.status == CrawlStatus::Ok) else {
        return SiteCrawl {
            status: outcome.status,
            reason: outcome.reason.clone(),
            facts: PageFacts { url: home.to_string(), ..PageFacts::default() },
            pages: vec![outcome],
            documents: Vec::new(),
        };
    };
    let final_url = outcome.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or_else(|| home.clone());
    let mut documents = Vec::new();
    if opts.keep_documents {
        documents.push(Document { url: final_url.to_string(), headers: home_page.headers, html: html.clone() });
    }
    let mut facts = extract_off_runtime(extractor, html, final_url.clone(), opts.extract.clone()).await;
    let extra = extra_pages(&facts, home, &final_url, opts.max_extra_pages);

    let mut tasks = tokio::task::JoinSet::new();
    for (index, url) in extra.iter().cloned().enumerate() {
        let pool = pool.clone();
        let extract_opts = opts.extract.clone();
        let keep = opts.keep_documents;
        tasks.spawn(async move {
            let page = pool.fetch(&url).await;
            let mut document = None;
            let page_facts = match page.html {
                Some(html) if page.outcome.status == CrawlStatus::Ok => {
                    let at = page.outcome.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or(url);
                    if keep {
                        document = Some(Document { url: at.to_string(), headers: page.headers, html: html.clone() });
                    }
                    Some(extract_off_runtime(extractor, html, at, extract_opts).await)
                }
                _ => None,
            };
            (index, page.outcome, page_facts, document)
        });
    }
    let mut results: Vec<Option<(PageOutcome, Option<PageFacts>)>> = vec![None; extra.len()];
    let mut extra_documents: Vec<Option<Document>> = vec![None; extra.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, outcome, page_facts, document)) = joined {
            results[index] = Some((outcome, page_facts));
            extra_documents[index] = document;
        }
    }
    documents.extend(extra_documents.into_iter().flatten());

    let mut pages = vec![outcome];
    let mut failures = Vec::new();
    for (url, result) in extra.iter().zip(results) {
        // A task can only be missing if it panicked; report it rather than lose the page silently.
        let (outcome, page_facts) = result.unwrap_or_else(|| {
            let outcome = PageOutcome {
                url: url.to_string(),
                final_url: None,
                status: CrawlStatus::ConnectError,
                http_status: None,
                reason: Some("the fetch task failed".to_string()),
                attempts: 0,
                elapsed_ms: 0,
                bytes: 0,
                from_cache: false,
            };
            (outcome, None)
        });
        if !matches!(outcome.status, CrawlStatus::Ok | CrawlStatus::RobotsDisallowed) {
            let why = outcome.reason.as_deref().unwrap_or("no reason given");
            failures.push(format!("{} ({}: {why})", outcome.url, outcome.status));
        }
        if let Some(page_facts) = page_facts {
            facts.merge(page_facts);
        }
        pages.push(outcome);
    }

    let (status, reason) = if failures.is_empty() {
        (CrawlStatus::Ok, None)
    } else {
        let fetched = pages.len() - 1;
        let reason = format!("{} of {fetched} extra pages failed: {}", failures.len(), failures.join("; "));
        (CrawlStatus::Partial, Some(reason))
    };
    SiteCrawl { status, reason, pages, facts, documents }
}

/// HTML parsing is CPU work: it runs on the blocking pool, never on the async runtime.
async fn extract_off_runtime(extractor: Extractor, html: String, url: Url, opts: ExtractOptions) -> PageFacts {
    let fallback_url = url.to_string();
    tokio::task::spawn_blocking(move || extractor(&html, &url, &opts)).await.unwrap_or_else(|e| PageFacts {
        url: fallback_url,
        warnings: vec![format!("extraction failed: {e}")],
        ..PageFacts::default()
    })
}

/// Contact links first, then about links: same registrable domain as the home page's final URL, http(s)
/// only, no fragments, no duplicates, never the home page itself.
fn extra_pages(facts: &PageFacts, home: &Url, final_url: &Url, max: usize) -> Vec<Url> {
    let site = final_url.host_str().map(site_key);
    let same_page = |a: &Url, b: &Url| a.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/');
    let mut out: Vec<Url> = Vec::new();
    for link in facts.links.contact.iter().chain(&facts.links.about) {
        if out.len() >= max {
            break;
        }
        let Ok(mut url) = final_url.join(link) else {
            continue;
        };
        url.set_fragment(None);
        if !matches!(url.scheme(), "http" | "https") || url.host_str().map(site_key) != site {
            continue;
        }
        if same_page(&url, home) || same_page(&url, final_url) || out.iter().any(|seen| same_page(seen, &url)) {
            continue;
        }
        out.push(url);
    }
    out
}

/// The registrable domain of a host, or the host itself when it has none (an IP address, `localhost`).
fn site_key(host: &str) -> String {
    Domain::from_host(host).map_or_else(|_| host.to_ascii_lowercase(), |d| d.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use leadsmith_core::PageLinks;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::FetchConfig;

    /// Reads `contact: URL`, `about: URL` and `email: X` lines, standing in for the real extractor.
    fn fake_extract(html: &str, url: &Url, _: &ExtractOptions) -> PageFacts {
        let mut facts = PageFacts { url: url.to_string(), ..PageFacts::default() };
        for line in html.lines() {
            match line.trim().split_once(": ") {
                Some(("contact", v)) => facts.links.contact.push(v.to_string()),
                Some(("about", v)) => facts.links.about.push(v.to_string()),
                Some(("email", v)) => facts.emails.push(v.to_string()),
                _ => {}
            }
        }
        facts
    }

    /// A loopback server answering `(host, path)` from `routes` (404 otherwise); records what it served.
    async fn serve(
        routes: &'static [(&'static str, &'static str, u16, &'static str)],
    ) -> (FetchConfig, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let log = Arc::clone(&log);
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 2048];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&head).to_lowercase();
                    let path = head.split(' ').nth(1).unwrap_or("/").to_string();
                    let host = head.split("\r\nhost: ").nth(1).and_then(|h| h.split("\r\n").next()).unwrap_or("");
                    log.lock().unwrap().push(format!("{host}{path}"));
                    let (status, body) = routes
                        .iter()
                        .find(|(h, p, _, _)| *h == host && *p == path)
                        .map_or((404, ""), |(_, _, s, b)| (*s, *b));
                    let extra =
                        if (300..400).contains(&status) { format!("Location: {body}\r\n") } else { String::new() };
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Type: text/html\r\n{extra}Content-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(reply.as_bytes()).await;
                });
            }
        });
        let mut config =
            FetchConfig { allow_addresses: vec!["127.0.0.1/32".parse().unwrap()], ..FetchConfig::default() };
        for host in ["acme.test", "www.acme.test", "elsewhere.test"] {
            config.resolve_overrides.insert(host.to_string(), addr);
        }
        (config, seen)
    }

    async fn crawl(config: FetchConfig, max_extra_pages: usize) -> SiteCrawl {
        let pool = HostPool::new(config, None).unwrap();
        let opts = SiteOptions { max_extra_pages, ..SiteOptions::default() };
        crawl_with(&pool, &Url::parse("http://acme.test/").unwrap(), &opts, fake_extract).await
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_extra_page_makes_the_crawl_partial() {
        static ROUTES: &[(&str, &str, u16, &str)] = &[
            ("acme.test", "/", 301, "http://www.acme.test/"),
            (
                "www.acme.test",
                "/",
                200,
                "email: info@acme.com\ncontact: /contact\ncontact: https://elsewhere.test/contact\n\
                 contact: /contact#form\nabout: /about\nabout: /\nabout: /team",
            ),
            ("www.acme.test", "/contact", 200, "email: jo@acme.com\nemail: info@acme.com"),
            ("www.acme.test", "/about", 503, "down"),
            ("www.acme.test", "/team", 200, "email: team@acme.com"),
        ];
        let (config, seen) = serve(ROUTES).await;
        let config = FetchConfig { timeouts: vec![Duration::from_secs(5)], ..config };
        let site = crawl(config, 2).await;
        assert_eq!(site.status, CrawlStatus::Partial, "{site:?}");
        assert_eq!(
            site.reason.as_deref(),
            Some("1 of 2 extra pages failed: http://www.acme.test/about (http_error: HTTP 503)")
        );
        let urls: Vec<&str> = site.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["http://acme.test/", "http://www.acme.test/contact", "http://www.acme.test/about"]);
        assert_eq!(site.facts.url, "http://www.acme.test/");
        assert_eq!(site.facts.emails, ["info@acme.com", "jo@acme.com"]);
        let seen = seen.lock().unwrap().clone();
        assert!(!seen.iter().any(|s| s.starts_with("elsewhere.test")), "{seen:?}");
        assert!(!seen.contains(&"www.acme.test/team".to_string()), "max_extra_pages caps the extras");
    }

    #[tokio::test(start_paused = true)]
    async fn robots_disallowed_extras_do_not_count_as_failures() {
        static ROUTES: &[(&str, &str, u16, &str)] = &[
            ("acme.test", "/robots.txt", 200, "User-agent: *\nDisallow: /about"),
            ("acme.test", "/", 200, "contact: /contact\nabout: /about"),
            ("acme.test", "/contact", 200, "email: jo@acme.com"),
        ];
        let (config, _) = serve(ROUTES).await;
        let site = crawl(config, 3).await;
        assert_eq!((site.status, site.reason.as_deref()), (CrawlStatus::Ok, None), "{site:?}");
        let statuses: Vec<CrawlStatus> = site.pages.iter().map(|p| p.status).collect();
        assert_eq!(statuses, [CrawlStatus::Ok, CrawlStatus::Ok, CrawlStatus::RobotsDisallowed]);
        assert_eq!(site.facts.emails, ["jo@acme.com"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_home_page_is_the_sites_status() {
        static ROUTES: &[(&str, &str, u16, &str)] = &[];
        let (config, _) = serve(ROUTES).await;
        let site = crawl(config, 3).await;
        assert_eq!((site.status, site.reason.as_deref()), (CrawlStatus::NotFound, Some("HTTP 404")));
        assert_eq!(site.pages.len(), 1);
        assert_eq!(site.facts.url, "http://acme.test/");
    }

    #[test]
    fn extra_pages_are_same_site_deduped_and_capped() {
        let home = Url::parse("http://acme.test/").unwrap();
        let final_url = Url::parse("https://www.acme.test/").unwrap();
        let facts = PageFacts {
            links: PageLinks {
                contact: vec![
                    "https://www.acme.test/contact".into(),
                    "/contact#form".into(),
                    "https://other.test/contact".into(),
                    "mailto:x@acme.test".into(),
                    "https://shop.acme.test/contact-us".into(),
                    "https://www.acme.test/".into(),
                ],
                about: vec!["/about".into(), "/team".into()],
            },
            ..PageFacts::default()
        };
        let got: Vec<String> = extra_pages(&facts, &home, &final_url, 3).iter().map(Url::to_string).collect();
        assert_eq!(
            got,
            ["https://www.acme.test/contact", "https://shop.acme.test/contact-us", "https://www.acme.test/about"]
        );
        assert!(extra_pages(&facts, &home, &final_url, 0).is_empty());
    }
}
