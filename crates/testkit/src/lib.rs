//! The sample web: reproducible synthetic company sites in many verticals, each with its ground truth,
//! served by one loopback server that picks the site from the Host header. Used by `leadsmith demo`,
//! by tests that measure extraction precision and recall, and by benchmarks.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::sync::Arc;
//! use leadsmith_testkit::{SampleWeb, ServeOptions};
//!
//! let web = Arc::new(SampleWeb::standard());
//! let server = Arc::clone(&web).serve(ServeOptions::default()).await?;
//! let overrides = server.resolve_overrides(); // give these to the crawler's resolver
//! # let _ = overrides;
//! server.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Domains are under `.test` (RFC 6761), so nothing here can reach the real internet; a crawler reaches
//! the sites only through [`SampleServer::resolve_overrides`].

mod assign;
mod contacts;
mod facts;
pub mod fake;
pub mod fake_dns;
pub mod fake_smtp;
pub mod intel;
mod leads;
mod markup;
mod names;
pub mod pg;
mod plan;
mod render;
mod server;
mod site;
mod structured;
mod truth;
mod verticals;

use std::collections::HashMap;
use std::sync::Arc;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use assign::{
    ABOUT_NOT_FOUND_SHARE, ALWAYS_ERROR_SHARE, BOT_CHALLENGE_SHARE, CAPTCHA_SHARE, CRAWL_DELAY_SHARE, FLAKY_HOME_SHARE,
    GZIP_SHARE, HOME_NOT_FOUND_SHARE, MALFORMED_JSONLD_SHARE, META_CHARSET_SITES, NO_WEBSITE_LEADS, NOT_HTML_SHARE,
    OVERSIZED_SITES, REDIRECT_CHAIN_SHARE, ROBOTS_DISALLOW_CONTACT_SHARE, SLOW_HOME_SHARE, TOO_MANY_REDIRECTS_SITES,
    WINDOWS_1252_SHARE,
};
pub use leads::{BAD_URL_ROWS, DUPLICATE_SHARE, LeadListStats, NO_IDENTITY_ROWS, WRONG_COLUMN_ROWS};
pub use plan::{
    ABOUT_PAGE_SHARE, CONTACT_PAGE_SHARE, FAX_SHARE, INTERNATIONAL_SHARES, JSONLD_GRAPH_SHARE, JSONLD_SHARE,
    MICRODATA_SHARE, NO_ADDRESS_SHARE, NO_EMAIL_SHARE, NO_OWNER_SHARE, SECOND_PHONE_SHARE, TEAM_PAGE_SHARE,
};
pub use render::{LONG_REDIRECT_HOPS, OVERSIZED_BYTES};
pub use server::{SampleServer, ServeOptions};
pub use site::{Page, PageBehavior, PageBody, Site, SiteTrait, Truth, TruthOwner};
pub use verticals::VERTICAL_KEYS;

/// Seed and size of [`SampleWeb::standard`].
pub const STANDARD_SEED: u64 = 42;
pub const STANDARD_COUNT: usize = 320;

/// A generated set of company sites with their ground truth and lead list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleWeb {
    seed: u64,
    sites: Vec<Site>,
    by_domain: HashMap<String, usize>,
}

impl SampleWeb {
    /// Generates `count` sites; the same `(seed, count)` always gives the same sites, pages and lead list.
    pub fn generate(seed: u64, count: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let specials = assign::assign(&mut rng, count);
        let mut used = plan::Used::default();
        let mut sites = Vec::with_capacity(count);
        for special in specials {
            // Each site draws from its own stream, so changing one site's copy does not reshuffle the rest.
            let mut site_rng = ChaCha8Rng::seed_from_u64(rng.next_u64());
            let plan = plan::plan_site(&mut site_rng, special, &mut used);
            let pages = render::render_site(&plan, &mut site_rng);
            let lead = leads::primary_row(&mut site_rng, &plan, &mut used);
            let linked_pages =
                [&plan.contact, &plan.about, &plan.team].into_iter().flatten().map(|p| p.path.clone()).collect();
            sites.push(Site {
                domain: plan.domain.clone(),
                company: plan.company.clone(),
                vertical: plan.vertical.key.to_string(),
                country: plan.country.code().to_string(),
                home_url: leads::home_url(&lead.website, &plan.domain),
                traits: plan.traits(),
                truth: plan.truth(),
                linked_pages,
                pages,
                lead_phones: plan.phones[0].number.alternates.clone(),
                lead,
                gzip: plan.special.gzip,
            });
        }
        let by_domain = sites.iter().enumerate().map(|(i, s)| (s.domain.clone(), i)).collect();
        Self { seed, sites, by_domain }
    }

    /// The web the demo, tests and benchmarks share: `generate(42, 320)`.
    pub fn standard() -> Self {
        Self::generate(STANDARD_SEED, STANDARD_COUNT)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// The site for a host: `x.test`, `www.x.test`, `WWW.X.TEST:8080` and `x.test.` all find `x.test`.
    pub fn site(&self, host: &str) -> Option<&Site> {
        self.site_index(host).map(|i| &self.sites[i])
    }

    pub(crate) fn site_index(&self, host: &str) -> Option<usize> {
        let host = host.trim();
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let domain = host.strip_prefix("www.").unwrap_or(&host);
        self.by_domain.get(domain).copied()
    }

    /// The demo's messy lead list as a CRM export would give it, with the header
    /// `Id,Company,Website,Email,Phone,Street,City,State,PostalCode,Country,FirstName,LastName,Title,Industry`.
    ///
    /// One row per site, plus [`DUPLICATE_SHARE`] extra rows for businesses already listed (the same record
    /// exported twice, a new record with the website written differently, one with only the phone in
    /// another format, one with the company in capitals and an email on the domain), bad rows an
    /// import must reject: [`NO_IDENTITY_ROWS`] with no company, website or email and [`WRONG_COLUMN_ROWS`]
    /// with the wrong number of columns, and [`BAD_URL_ROWS`] companies whose website does not parse
    /// (`http://exa mple..test`), leads that cannot be crawled. [`NO_WEBSITE_LEADS`] businesses have no website, only an email on their domain.
    ///
    /// For [`standard`](Self::standard): 342 rows, of which 16 duplicates, 4 bad rows and 2 broken
    /// websites, so a correct import keeps 322 leads, one per site and the two with broken websites. [`lead_list_stats`](Self::lead_list_stats) gives the counts
    /// for any web.
    pub fn leads_csv(&self) -> String {
        leads::build_csv(self.seed, &self.sites).0
    }

    /// The counts behind [`leads_csv`](Self::leads_csv).
    pub fn lead_list_stats(&self) -> LeadListStats {
        leads::build_csv(self.seed, &self.sites).1
    }

    /// The same businesses as JSON lines (one per site, no duplicates or junk) with plain field names:
    /// `id, company, website, email, phone, street, city, state, postal_code, country, first_name,
    /// last_name, title, industry`; blank fields are left out.
    pub fn leads_jsonl(&self) -> String {
        leads::build_jsonl(&self.sites)
    }

    /// Serves every site on `127.0.0.1:<ephemeral port>` until the server is shut down or dropped.
    pub async fn serve(self: Arc<Self>, opts: ServeOptions) -> std::io::Result<SampleServer> {
        server::serve(self, opts).await
    }
}
