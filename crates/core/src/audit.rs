//! The website audit's vocabulary: every check it runs ([`CHECKS`]: id, category, severity and the
//! recommendation), its findings and its scores. The checks themselves run in `leadsmith-crawl`; the
//! catalogue lives here so scoring rules can name a finding (`finding: no_https`) or a category score
//! (`audit.seo`) and be checked when they load.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    /// Points a finding of this severity takes off its category's 100.
    pub fn weight(self) -> u32 {
        match self {
            Self::Critical => 40,
            Self::High => 20,
            Self::Medium => 10,
            Self::Low => 4,
            Self::Info => 0,
        }
    }
}

/// The audit's categories, in the order scores are listed.
pub const CATEGORIES: [&str; 5] = ["performance", "seo", "security", "mobile", "conversion"];

/// One check the audit can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Stable id, for rules and filters (`no_https`).
    pub id: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    /// What to do about a finding.
    pub recommendation: &'static str,
}

const fn c(id: &'static str, category: &'static str, severity: Severity, recommendation: &'static str) -> Check {
    Check { id, category, severity, recommendation }
}

use Severity::{Critical, High, Info, Low, Medium};

/// Every check, by category. A finding's category, severity and recommendation come from here.
#[rustfmt::skip]
pub const CHECKS: &[Check] = &[
    // Security.
    c("no_https", "security", Critical, "Serve the site over HTTPS (a free certificate from Let's Encrypt) and redirect http to https."),
    c("no_https_redirect", "security", High, "Redirect every http:// address to its https:// twin with a 301."),
    c("certificate_expiring", "security", High, "Renew the TLS certificate before it expires, and automate renewal (ACME, e.g. Let's Encrypt)."),
    c("no_hsts", "security", Medium, "Send Strict-Transport-Security: max-age=31536000 so browsers never use http again."),
    c("no_csp", "security", Low, "Add a Content-Security-Policy that lists where scripts may come from."),
    c("no_clickjacking_protection", "security", Low, "Send X-Frame-Options: SAMEORIGIN (or CSP frame-ancestors 'self')."),
    c("no_nosniff", "security", Low, "Send X-Content-Type-Options: nosniff."),
    c("no_referrer_policy", "security", Info, "Send Referrer-Policy: strict-origin-when-cross-origin."),
    c("server_version_disclosed", "security", Low, "Hide software versions in Server and X-Powered-By headers."),
    c("mixed_content", "security", High, "Load every script, style and image over https."),
    c("insecure_form", "security", High, "Post forms to https addresses only."),
    c("insecure_cookie", "security", Medium, "Mark cookies Secure (on https) and HttpOnly unless scripts must read them."),
    c("unsafe_target_blank", "security", Info, "Add rel=\"noopener\" to links that open a new window."),
    // SEO.
    c("missing_title", "seo", High, "Give every page a unique title of 30–60 characters naming the business and the service."),
    c("title_length", "seo", Low, "Keep titles between 30 and 60 characters."),
    c("duplicate_titles", "seo", Low, "Give each page its own title."),
    c("missing_meta_description", "seo", Medium, "Write a meta description of 70–160 characters: what you do, where, and why call you."),
    c("meta_description_length", "seo", Low, "Keep meta descriptions between 70 and 160 characters."),
    c("duplicate_meta_descriptions", "seo", Low, "Write a description for each page rather than repeating one."),
    c("missing_h1", "seo", Medium, "Put one <h1> saying what the business does."),
    c("multiple_h1", "seo", Low, "Use one <h1> per page and <h2>–<h3> below it."),
    c("heading_order", "seo", Info, "Do not skip heading levels."),
    c("missing_canonical", "seo", Low, "Add a canonical link so search engines index one address per page."),
    c("canonical_other_host", "seo", Medium, "Point the canonical link at this site's own address."),
    c("canonical_broken", "seo", Medium, "Point the canonical link at the page's final address: not a redirect, not an error."),
    c("noindex", "seo", Critical, "Remove noindex from pages that should be found in search."),
    c("noindex_header", "seo", Critical, "Remove the X-Robots-Tag noindex header."),
    c("meta_refresh", "seo", Low, "Replace the meta refresh with a server-side 301 redirect."),
    c("no_structured_data", "seo", Low, "Add schema.org LocalBusiness JSON-LD with name, address, phone and hours."),
    c("invalid_structured_data", "seo", Medium, "Fix the JSON-LD: it must be valid JSON with an @type (check it with a structured-data validator)."),
    c("images_without_alt", "seo", Low, "Describe each image in its alt attribute."),
    c("hreflang_single", "seo", Info, "List every language version, the page's own included, in hreflang links."),
    c("hreflang_invalid", "seo", Low, "Use ISO language codes (en, en-GB, de-AT or x-default) in hreflang and list the page itself."),
    c("no_open_graph", "seo", Info, "Add og:title and og:image so shared links show a title and a picture."),
    c("no_robots_txt", "seo", Low, "Publish a robots.txt (it may allow everything) that names the sitemap."),
    c("no_sitemap", "seo", Low, "Publish sitemap.xml listing every page, and name it in robots.txt."),
    c("sitemap_not_in_robots", "seo", Info, "Name the sitemap in robots.txt with a Sitemap: line."),
    c("broken_internal_links", "seo", Medium, "Fix or remove links to pages that answer with an error."),
    // Performance.
    c("slow_first_byte", "performance", Medium, "Speed up the server: cache pages or move to faster hosting (aim under 600 ms)."),
    c("heavy_html", "performance", Medium, "Trim inline scripts, styles and markup: aim for under 100 KB of HTML."),
    c("large_html", "performance", Low, "Aim for under 100 KB of HTML."),
    c("render_blocking_scripts", "performance", Medium, "Load scripts with defer or async, or at the end of <body>."),
    c("many_scripts", "performance", Low, "Remove unused plugins and tags; combine the rest."),
    c("many_stylesheets", "performance", Low, "Combine stylesheets."),
    c("many_third_party_hosts", "performance", Low, "Drop tags and widgets nobody uses: each extra host costs a connection."),
    c("no_compression", "performance", Medium, "Turn on gzip or brotli compression on the server."),
    c("no_cache_headers", "performance", Low, "Send cache headers so returning visitors load faster."),
    c("images_without_dimensions", "performance", Low, "Give images width and height so the page does not jump while loading."),
    c("no_lazy_images", "performance", Info, "Add loading=\"lazy\" to images below the first screen."),
    c("heavy_images", "performance", Medium, "Resize and compress images (WebP or AVIF, under 200 KB each)."),
    c("heavy_scripts", "performance", Low, "Ship less JavaScript: under 500 KB in all."),
    c("large_dom", "performance", Low, "Simplify the page: under 1,500 elements is comfortable on phones."),
    // Mobile and accessibility.
    c("no_viewport", "mobile", High, "Add <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"> and a responsive layout."),
    c("zoom_disabled", "mobile", Low, "Let visitors zoom: drop user-scalable=no and maximum-scale=1."),
    c("no_lang", "mobile", Low, "Set <html lang=\"…\"> so screen readers and translators know the language."),
    c("no_doctype", "mobile", Low, "Start pages with <!DOCTYPE html> so browsers leave quirks mode."),
    c("no_charset", "mobile", Low, "Declare the character set (<meta charset=\"utf-8\">) so accented letters show right."),
    c("unlabelled_inputs", "mobile", Low, "Give every form field a label."),
    c("empty_links", "mobile", Info, "Point links somewhere or make them buttons."),
    c("generic_link_text", "mobile", Low, "Say where a link goes (\"See our prices\"), not \"click here\"."),
    c("obsolete_markup", "mobile", Medium, "Replace Flash, <marquee>, <font> and frames with modern HTML and CSS."),
    // Conversion.
    c("no_phone_listed", "conversion", High, "Show a phone number on every page, in the header or footer."),
    c("no_email_listed", "conversion", Low, "Publish an email address for customers who prefer writing."),
    c("no_address_listed", "conversion", Low, "Publish the street address (and a map) so customers can find you."),
    c("no_click_to_call", "conversion", Medium, "Make the phone number a tel: link so a phone call is one tap."),
    c("no_contact_form", "conversion", Medium, "Add a short contact form (name, phone or email, message) on every page's footer or a contact page."),
    c("no_call_to_action", "conversion", Medium, "Put one clear button near the top: call, book, get a quote."),
    c("no_social_proof", "conversion", Low, "Show a few reviews or a rating badge."),
    c("no_booking_widget", "conversion", Info, "Let customers book online (Calendly, Acuity, Square, …)."),
    c("stale_copyright", "conversion", Low, "Update the footer: an old year makes a business look closed."),
    c("intrusive_popup", "conversion", Low, "Delay pop-ups or drop them: they cost first visits on phones."),
    c("no_privacy_policy", "conversion", Low, "Link a privacy policy from every page: forms that collect details need one."),
];

/// The check with this id.
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// One thing the audit found wanting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The check's stable id (`no_https`, `missing_meta_description`).
    pub id: String,
    /// `performance`, `seo`, `security`, `mobile`, `conversion`.
    pub category: String,
    pub severity: Severity,
    /// What was seen, and where (the page, the header or the element).
    pub evidence: String,
    pub recommendation: String,
}

/// What Google Lighthouse measured on the home page, through the PageSpeed Insights API (when
/// `[pagespeed]` is configured): what this audit cannot measure without a browser.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lighthouse {
    /// `mobile` or `desktop`.
    pub strategy: String,
    /// 0–100 per Lighthouse category (`performance`, `accessibility`, `best-practices`, `seo`), as returned.
    pub scores: Vec<(String, u32)>,
    /// Largest contentful paint in the lab run, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lcp_ms: Option<f64>,
    /// Cumulative layout shift in the lab run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cls: Option<f64>,
    /// Total blocking time in the lab run (the lab's stand-in for responsiveness), milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tbt_ms: Option<f64>,
    /// Interaction to next paint at the 75th percentile of real Chrome users, when Google has field data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inp_ms: Option<f64>,
}

impl Lighthouse {
    pub fn score(&self, category: &str) -> Option<u32> {
        self.scores.iter().find(|(c, _)| c == category).map(|(_, s)| *s)
    }
}

/// The audit of a site.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    /// Worst first, then by id.
    pub findings: Vec<Finding>,
    /// 0–100 per category, in the order of [`CATEGORIES`].
    pub scores: Vec<(String, u32)>,
    /// How many checks ran.
    pub checks: usize,
    /// What this audit did not measure: what only a browser can, and checks whose inputs were missing.
    pub not_measured: Vec<String>,
    /// Lighthouse's scores and metrics, when PageSpeed Insights is configured and answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lighthouse: Option<Lighthouse>,
}

/// What only a browser measures, as [`Audit::not_measured`] names it until Lighthouse does.
pub const BROWSER_ONLY: [&str; 3] =
    ["largest contentful paint (LCP)", "cumulative layout shift (CLS)", "interaction to next paint (INP)"];

impl Audit {
    /// Adds what Lighthouse measured; the browser metrics it measured leave [`Audit::not_measured`].
    pub fn with_lighthouse(mut self, lighthouse: Lighthouse) -> Self {
        let measured = [lighthouse.lcp_ms.is_some(), lighthouse.cls.is_some(), lighthouse.inp_ms.is_some()];
        for (name, done) in BROWSER_ONLY.iter().zip(measured) {
            if done {
                self.not_measured.retain(|m| m != name);
            }
        }
        self.lighthouse = Some(lighthouse);
        self
    }

    pub fn score(&self, category: &str) -> Option<u32> {
        self.scores.iter().find(|(c, _)| c == category).map(|(_, s)| *s)
    }

    pub fn has(&self, id: &str) -> bool {
        self.findings.iter().any(|f| f.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_are_unique_and_in_known_categories() {
        let mut ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
        assert!(CHECKS.len() >= 60, "{} checks", CHECKS.len());
        assert!(CHECKS.iter().all(|c| CATEGORIES.contains(&c.category)));
    }
}
