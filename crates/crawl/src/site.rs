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
}

impl Default for SiteOptions {
    fn default() -> Self {
        Self { max_extra_pages: 3, extract: ExtractOptions::default() }
    }
}

/// The result of crawling a site: the lead-level status, every page's outcome (home first) and the
/// merged facts.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteCrawl {
    pub status: CrawlStatus,
    pub reason: Option<String>,
    pub pages: Vec<PageOutcome>,
    pub facts: PageFacts,
}

/// Fetches `home` and its contact/about pages. The status is the home page's when it failed, `Ok` when
/// every extra page worked (robots-disallowed ones are skipped, not failures), otherwise `Partial`.
pub async fn crawl_site(pool: &HostPool, home: &Url, opts: &SiteOptions) -> SiteCrawl {
    let home_page = pool.fetch(home).await;
    let outcome = home_page.outcome;
    let Some(html) = home_page.html.filter(|_| outcome.status == CrawlStatus::Ok) else {
        return SiteCrawl {
            status: outcome.status,
            reason: outcome.reason.clone(),
            facts: PageFacts { url: home.to_string(), ..PageFacts::default() },
            pages: vec![outcome],
        };
    };
    let final_url = outcome.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or_else(|| home.clone());
    let mut facts = extract_off_runtime(html, final_url.clone(), opts.extract.clone()).await;
    let extra = extra_pages(&facts, home, &final_url, opts.max_extra_pages);

    let mut tasks = tokio::task::JoinSet::new();
    for (index, url) in extra.iter().cloned().enumerate() {
        let pool = pool.clone();
        let extract_opts = opts.extract.clone();
        tasks.spawn(async move {
            let page = pool.fetch(&url).await;
            let page_facts = match page.html {
                Some(html) if page.outcome.status == CrawlStatus::Ok => {
                    let at = page.outcome.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or(url);
                    Some(extract_off_runtime(html, at, extract_opts).await)
                }
                _ => None,
            };
            (index, page.outcome, page_facts)
        });
    }
    let mut results: Vec<Option<(PageOutcome, Option<PageFacts>)>> = vec![None; extra.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, outcome, page_facts)) = joined {
            results[index] = Some((outcome, page_facts));
        }
    }

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
    SiteCrawl { status, reason, pages, facts }
}

/// HTML parsing is CPU work: it runs on the blocking pool, never on the async runtime.
async fn extract_off_runtime(html: String, url: Url, opts: ExtractOptions) -> PageFacts {
    let fallback_url = url.to_string();
    tokio::task::spawn_blocking(move || extract(&html, &url, &opts)).await.unwrap_or_else(|e| PageFacts {
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
        let Ok(mut url) = final_url.join(link) else { continue };
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
    use leadsmith_core::PageLinks;

    use super::*;

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
