//! The audit's network evidence: a bounded number of requests made after the crawl, through the same
//! [`HostPool`] (SSRF guard, pacing, robots.txt) — robots.txt and the sitemap, the http:// twin of an
//! https site, a HEAD of the home page for the time to first byte, the canonical target, and HEADs of
//! internal links and of the home page's images and scripts. What they found is kept in [`Probes`], so the
//! audit itself stays a pure function of its evidence.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use url::Url;

use super::AuditPage;
use super::scan::{Resource, scan};
use crate::HostPool;
use crate::fetch::Probe;

/// How many HEAD requests one site may cost beyond the fixed few (robots.txt, sitemap, http twin, home,
/// canonical).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeBudget {
    /// Internal links checked for errors.
    pub links: usize,
    /// Images and scripts checked for their weight.
    pub resources: usize,
}

impl Default for ProbeBudget {
    fn default() -> Self {
        Self { links: 6, resources: 6 }
    }
}

impl ProbeBudget {
    /// No probes beyond the fixed few.
    pub fn none() -> Self {
        Self { links: 0, resources: 0 }
    }
}

/// What the probes found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Probes {
    /// A HEAD of the home page (its time to first byte).
    pub home: Option<Probe>,
    /// The http:// address of an https home page, without following its redirect.
    pub http_home: Option<Probe>,
    pub robots: Option<Probe>,
    pub sitemap: Option<Probe>,
    /// The home page's canonical target, when it names another address.
    pub canonical: Option<Probe>,
    /// Internal links not fetched by the crawl, in address order.
    pub links: Vec<Probe>,
    /// The home page's images and scripts, in address order.
    pub resources: Vec<(Resource, Probe)>,
}

/// Makes the probes for a site whose pages (home first) were fetched; up to a few requests at a time.
pub async fn gather(pool: &HostPool, pages: &[AuditPage<'_>], budget: ProbeBudget) -> Probes {
    let Some(home) = pages.first() else {
        return Probes::default();
    };
    let Ok(home_url) = Url::parse(home.url) else {
        return Probes::default();
    };
    let scanned = scan(home.html);
    let fetched: BTreeSet<String> = pages.iter().map(|p| without_fragment(p.url)).collect();

    let robots_url = home_url.join("/robots.txt").ok();
    let http_twin = (home_url.scheme() == "https")
        .then(|| {
            let mut twin = home_url.clone();
            twin.set_scheme("http").ok().map(|()| twin)
        })
        .flatten();
    let canonical = scanned
        .canonical
        .as_deref()
        .and_then(|c| home_url.join(c).ok())
        .filter(|c| same_site(c, &home_url) && without_fragment(c.as_str()) != without_fragment(home_url.as_str()));

    let mut links = BTreeSet::new();
    for (href, _) in &scanned.links {
        if let Ok(target) = home_url.join(href)
            && matches!(target.scheme(), "http" | "https")
            && same_site(&target, &home_url)
            && !fetched.contains(&without_fragment(target.as_str()))
            && target.path() != "/"
        {
            links.insert(without_fragment(target.as_str()));
        }
    }
    let mut resources = BTreeSet::new();
    for (kind, src) in &scanned.resources {
        if matches!(kind, Resource::Image | Resource::Script)
            && let Ok(target) = home_url.join(src)
            && matches!(target.scheme(), "http" | "https")
            && same_site(&target, &home_url)
        {
            resources.insert((without_fragment(target.as_str()), *kind));
        }
    }

    let head = |url: Url| async move { pool.head(&url).await };
    let home_probe = head(home_url.clone());
    let http_probe = async {
        match http_twin {
            Some(u) => Some(pool.head(&u).await),
            None => None,
        }
    };
    let robots_probe = async {
        match &robots_url {
            Some(u) => Some(pool.get_small(u, true).await),
            None => None,
        }
    };
    let canonical_probe = async {
        match &canonical {
            Some(u) => Some(pool.head(u).await),
            None => None,
        }
    };
    let (home_probe, http_home, robots, canonical) =
        tokio::join!(home_probe, http_probe, robots_probe, canonical_probe);

    // The sitemap robots.txt names on this site, else the conventional address.
    let named = robots.as_ref().and_then(|r| r.body.as_deref()).and_then(|body| {
        body.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case("sitemap").then(|| value.trim().to_string())
        })
    });
    let sitemap_url = named
        .and_then(|n| home_url.join(&n).ok())
        .filter(|u| same_site(u, &home_url))
        .or_else(|| home_url.join("/sitemap.xml").ok());

    let link_urls: Vec<Url> = links.iter().filter_map(|u| Url::parse(u).ok()).take(budget.links).collect();
    let resource_urls: Vec<(Resource, Url)> =
        resources.iter().filter_map(|(u, kind)| Some((*kind, Url::parse(u).ok()?))).take(budget.resources).collect();
    let sitemap = async {
        match &sitemap_url {
            Some(u) => Some(pool.get_small(u, true).await),
            None => None,
        }
    };
    let links = join_all(link_urls.iter().map(|u| pool.head(u)));
    let resource_probes = join_all(resource_urls.iter().map(|(_, u)| pool.head(u)));
    let (sitemap, links, resource_probes) = tokio::join!(sitemap, links, resource_probes);
    let resources = resource_urls.iter().map(|(k, _)| *k).zip(resource_probes).collect();
    Probes { home: Some(home_probe), http_home, robots, sitemap, canonical, links, resources }
}

fn without_fragment(url: &str) -> String {
    url.split('#').next().unwrap_or(url).to_string()
}

/// Same host, `www.` or not.
fn same_site(a: &Url, b: &Url) -> bool {
    let host = |u: &Url| u.host_str().unwrap_or_default().trim_start_matches("www.").to_ascii_lowercase();
    host(a) == host(b)
}
