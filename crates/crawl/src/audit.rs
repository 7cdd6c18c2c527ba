//! The website audit: checks a salesperson can show a business owner, run on the pages the crawl already
//! fetched (their HTML and response headers) — no browser, no extra requests. Each finding has an id, a
//! category, a severity, the evidence and a recommendation; each category gets a 0–100 score. What only a
//! browser can measure (LCP, CLS, INP) is listed as not measured, never guessed. The same pages always give
//! the same audit.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings};
use serde::{Deserialize, Serialize};
use url::Url;

/// A fetched page, as the audit reads it.
#[derive(Debug, Clone)]
pub struct AuditPage<'a> {
    pub url: &'a str,
    /// Response headers, lower-case names.
    pub headers: &'a [(String, String)],
    pub html: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
    fn weight(self) -> u32 {
        match self {
            Self::Critical => 40,
            Self::High => 20,
            Self::Medium => 10,
            Self::Low => 4,
            Self::Info => 0,
        }
    }
}

/// One thing the audit found wanting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id (`no_https`, `missing_meta_description`), for rules and filters.
    pub id: String,
    /// `performance`, `seo`, `security`, `mobile`, `conversion`.
    pub category: String,
    pub severity: Severity,
    /// What was seen, and where (the page, the header or the element).
    pub evidence: String,
    pub recommendation: String,
}

/// The audit of a site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audit {
    pub findings: Vec<Finding>,
    /// 0–100 per category, in the order of [`CATEGORIES`].
    pub scores: Vec<(String, u32)>,
    /// How many checks ran.
    pub checks: usize,
    /// What a browser would measure and this audit does not.
    pub not_measured: Vec<String>,
}

impl Audit {
    pub fn score(&self, category: &str) -> Option<u32> {
        self.scores.iter().find(|(c, _)| c == category).map(|(_, s)| *s)
    }

    pub fn has(&self, id: &str) -> bool {
        self.findings.iter().any(|f| f.id == id)
    }
}

pub const CATEGORIES: [&str; 5] = ["performance", "seo", "security", "mobile", "conversion"];

/// What one page says, collected in one lol_html pass.
#[derive(Debug, Default)]
struct Scan {
    lang: Option<String>,
    titles: Vec<String>,
    meta_description: Option<String>,
    viewport: Option<String>,
    robots: Option<String>,
    canonical: Option<String>,
    h1: usize,
    /// Heading levels in document order.
    headings: Vec<u8>,
    images: usize,
    images_without_alt: usize,
    images_without_size: usize,
    scripts: usize,
    blocking_scripts: usize,
    stylesheets: usize,
    insecure_resources: Vec<String>,
    forms: usize,
    insecure_forms: usize,
    inputs: usize,
    labelled_inputs: usize,
    tel_links: usize,
    mailto_links: usize,
    empty_links: usize,
    structured_data: usize,
    hreflangs: usize,
    in_head: bool,
    elements: usize,
    in_title: bool,
}

fn scan(html: &str) -> Scan {
    let state = Rc::new(RefCell::new(Scan { in_head: true, ..Scan::default() }));
    let any: Selector = match "*".parse() {
        Ok(s) => s,
        Err(_) => return Scan::default(),
    };
    let st = state.clone();
    let text_state = state.clone();
    let title: Selector = match "title".parse() {
        Ok(s) => s,
        Err(_) => return Scan::default(),
    };
    let settings = Settings {
        element_content_handlers: vec![
            (
                std::borrow::Cow::Owned(any),
                ElementContentHandlers::default().element(move |el: &mut Element| {
                    on_element(&mut st.borrow_mut(), el);
                    Ok(())
                }),
            ),
            (
                std::borrow::Cow::Owned(title),
                ElementContentHandlers::default().text(move |t: &mut lol_html::html_content::TextChunk| {
                    let mut s = text_state.borrow_mut();
                    if let Some(last) = s.titles.last_mut() {
                        last.push_str(t.as_str());
                    }
                    Ok(())
                }),
            ),
        ],
        strict: false,
        ..Settings::new()
    };
    {
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        // A parse error ends the scan; what was seen up to there is audited.
        let _ = rewriter.write(html.as_bytes()).and_then(|()| rewriter.end());
    }
    Rc::try_unwrap(state).map(RefCell::into_inner).unwrap_or_default()
}

fn on_element(s: &mut Scan, el: &mut Element) {
    s.elements += 1;
    let tag = el.tag_name();
    let attr = |name: &str| el.get_attribute(name);
    match tag.as_str() {
        "html" => s.lang = attr("lang").filter(|l| !l.trim().is_empty()),
        "body" => s.in_head = false,
        "title" if s.in_head || s.titles.is_empty() => {
            s.titles.push(String::new());
            s.in_title = true;
        }
        "meta" => {
            let name = attr("name").unwrap_or_default().to_ascii_lowercase();
            let content = attr("content");
            match name.as_str() {
                "description" => s.meta_description = content.or(Some(String::new())),
                "viewport" => s.viewport = content,
                "robots" => s.robots = content.map(|c| c.to_ascii_lowercase()),
                _ => {}
            }
        }
        "link" => {
            let rel = attr("rel").unwrap_or_default().to_ascii_lowercase();
            let href = attr("href").unwrap_or_default();
            if rel.split_whitespace().any(|r| r == "canonical") {
                s.canonical = Some(href.clone());
            }
            if rel.split_whitespace().any(|r| r == "stylesheet") {
                s.stylesheets += 1;
                if href.starts_with("http://") {
                    s.insecure_resources.push(href.clone());
                }
            }
            if attr("hreflang").is_some() {
                s.hreflangs += 1;
            }
        }
        "script" => {
            if attr("type").is_some_and(|t| t.to_ascii_lowercase().contains("ld+json")) {
                s.structured_data += 1;
                return;
            }
            if let Some(src) = attr("src") {
                s.scripts += 1;
                if s.in_head
                    && attr("async").is_none()
                    && attr("defer").is_none()
                    && attr("type").as_deref() != Some("module")
                {
                    s.blocking_scripts += 1;
                }
                if src.starts_with("http://") {
                    s.insecure_resources.push(src);
                }
            }
        }
        "img" => {
            s.images += 1;
            if attr("alt").is_none() {
                s.images_without_alt += 1;
            }
            if attr("width").is_none() || attr("height").is_none() {
                s.images_without_size += 1;
            }
            if let Some(src) = attr("src").filter(|u| u.starts_with("http://")) {
                s.insecure_resources.push(src);
            }
        }
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            let level = tag.as_bytes()[1] - b'0';
            if level == 1 {
                s.h1 += 1;
            }
            s.headings.push(level);
        }
        "form" => {
            s.forms += 1;
            if attr("action").is_some_and(|a| a.starts_with("http://")) {
                s.insecure_forms += 1;
            }
        }
        "input" | "select" | "textarea" => {
            let kind = attr("type").unwrap_or_default().to_ascii_lowercase();
            if !matches!(kind.as_str(), "hidden" | "submit" | "button" | "image" | "reset") {
                s.inputs += 1;
                if attr("aria-label").is_some()
                    || attr("aria-labelledby").is_some()
                    || attr("id").is_some()
                    || attr("title").is_some()
                {
                    s.labelled_inputs += 1;
                }
            }
        }
        "a" => {
            let href = attr("href").unwrap_or_default().to_ascii_lowercase();
            if href.starts_with("tel:") {
                s.tel_links += 1;
            } else if href.starts_with("mailto:") {
                s.mailto_links += 1;
            }
            if href.is_empty() || href == "#" {
                s.empty_links += 1;
            }
        }
        _ => {}
    }
}

fn header<'a>(page: &'a AuditPage<'_>, name: &str) -> Option<&'a str> {
    page.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

struct Findings(Vec<Finding>, usize);

impl Findings {
    /// Counts a check; records a finding when `failed`.
    fn check(
        &mut self,
        failed: bool,
        id: &str,
        category: &str,
        severity: Severity,
        evidence: impl FnOnce() -> String,
        fix: &str,
    ) {
        self.1 += 1;
        if failed {
            self.0.push(Finding {
                id: id.into(),
                category: category.into(),
                severity,
                evidence: evidence(),
                recommendation: fix.into(),
            });
        }
    }
}

/// Words of a call to action in the first part of a home page.
const CALLS_TO_ACTION: &[&str] = &[
    "book",
    "call",
    "contact",
    "get a quote",
    "quote",
    "schedule",
    "request",
    "order",
    "buy",
    "shop",
    "start",
    "sign up",
    "appointment",
    "termin",
    "anfrage",
    "kontakt",
    "jetzt",
    "réserver",
    "devis",
    "contacto",
    "reservar",
];
/// Words of social proof.
const SOCIAL_PROOF: &[&str] =
    &["review", "testimonial", "rating", "stars", "★", "bewertung", "avis", "reseña", "trustpilot", "clients say"];
/// Booking and scheduling widgets, by a piece of their embed URL.
const BOOKING: &[&str] = &[
    "calendly.com",
    "acuityscheduling",
    "squareup.com/appointments",
    "booksy",
    "simplybook",
    "setmore",
    "opentable",
    "resy.com",
    "zocdoc",
    "fresha",
    "vagaro",
    "doctolib",
    "treatwell",
];
/// Pop-up scripts that interrupt the first visit.
const POPUPS: &[&str] =
    &["optinmonster", "sumo.com/", "privy.com", "popupsmart", "poptin", "wisepops", "justuno", "sleeknote"];

/// Audits a site from its pages, home first; `year` is the current year (for a stale copyright).
pub fn audit(pages: &[AuditPage<'_>], year: i32) -> Audit {
    let mut f = Findings(Vec::new(), 0);
    let Some(home) = pages.first() else {
        return Audit { not_measured: not_measured(), ..Audit::default() };
    };
    let scans: Vec<Scan> = pages.iter().map(|p| scan(p.html)).collect();
    let h = &scans[0];
    let home_url = Url::parse(home.url).ok();
    let https = home_url.as_ref().is_some_and(|u| u.scheme() == "https");
    let lower = home.html.to_ascii_lowercase();
    let head_end = lower.find("</head>").unwrap_or(lower.len().min(20_000));
    let top = &lower[..lower.floor_char_boundary(head_end + 8_000)];

    // Security.
    f.check(
        !https,
        "no_https",
        "security",
        Severity::Critical,
        || format!("the home page is served over http: {}", home.url),
        "Serve the site over HTTPS (a free certificate from Let's Encrypt) and redirect http to https.",
    );
    let hsts = header(home, "strict-transport-security");
    f.check(
        https && hsts.is_none(),
        "no_hsts",
        "security",
        Severity::Medium,
        || "no Strict-Transport-Security header".into(),
        "Send Strict-Transport-Security: max-age=31536000 so browsers never use http again.",
    );
    let csp = header(home, "content-security-policy");
    f.check(
        csp.is_none(),
        "no_csp",
        "security",
        Severity::Low,
        || "no Content-Security-Policy header".into(),
        "Add a Content-Security-Policy that lists where scripts may come from.",
    );
    let frames = header(home, "x-frame-options").is_some() || csp.is_some_and(|c| c.contains("frame-ancestors"));
    f.check(
        !frames,
        "no_clickjacking_protection",
        "security",
        Severity::Low,
        || "neither X-Frame-Options nor CSP frame-ancestors".into(),
        "Send X-Frame-Options: SAMEORIGIN (or CSP frame-ancestors 'self').",
    );
    f.check(
        header(home, "x-content-type-options").is_none_or(|v| !v.eq_ignore_ascii_case("nosniff")),
        "no_nosniff",
        "security",
        Severity::Low,
        || "no X-Content-Type-Options: nosniff".into(),
        "Send X-Content-Type-Options: nosniff.",
    );
    let server = header(home, "server").unwrap_or_default();
    let powered = header(home, "x-powered-by").unwrap_or_default();
    let disclosed = [server, powered].into_iter().find(|v| v.chars().any(|c| c.is_ascii_digit()) && v.contains('/'));
    f.check(
        disclosed.is_some(),
        "server_version_disclosed",
        "security",
        Severity::Low,
        || format!("a version in a response header: {}", disclosed.unwrap_or_default()),
        "Hide software versions in Server and X-Powered-By headers.",
    );
    let mixed: Vec<&String> = scans.iter().flat_map(|s| &s.insecure_resources).collect();
    f.check(
        https && !mixed.is_empty(),
        "mixed_content",
        "security",
        Severity::High,
        || {
            format!(
                "{} resources over http on an https site, e.g. {}",
                mixed.len(),
                mixed.first().map_or("", |s| s.as_str())
            )
        },
        "Load every script, style and image over https.",
    );
    let insecure_forms: usize = scans.iter().map(|s| s.insecure_forms).sum();
    f.check(
        insecure_forms > 0 || (!https && scans.iter().any(|s| s.forms > 0)),
        "insecure_form",
        "security",
        Severity::High,
        || format!("{} form(s) send data over http", insecure_forms.max(1)),
        "Post forms to https addresses only.",
    );

    // SEO.
    let title = h.titles.first().map(|t| t.trim().to_string()).unwrap_or_default();
    f.check(
        title.is_empty(),
        "missing_title",
        "seo",
        Severity::High,
        || format!("no <title> on {}", home.url),
        "Give every page a unique title of 30–60 characters naming the business and the service.",
    );
    let title_len = title.chars().count();
    f.check(
        !title.is_empty() && !(10..=65).contains(&title_len),
        "title_length",
        "seo",
        Severity::Low,
        || format!("the title is {title_len} characters: {title:?}"),
        "Keep titles between 30 and 60 characters.",
    );
    let description = h.meta_description.as_deref().map(str::trim).unwrap_or_default();
    f.check(
        description.is_empty(),
        "missing_meta_description",
        "seo",
        Severity::Medium,
        || "no meta description on the home page".into(),
        "Write a meta description of 70–160 characters: what you do, where, and why call you.",
    );
    let desc_len = description.chars().count();
    f.check(
        !description.is_empty() && !(50..=170).contains(&desc_len),
        "meta_description_length",
        "seo",
        Severity::Low,
        || format!("the meta description is {desc_len} characters"),
        "Keep meta descriptions between 70 and 160 characters.",
    );
    let mut titles: Vec<&str> =
        scans.iter().filter_map(|s| s.titles.first()).map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
    let all = titles.len();
    titles.sort_unstable();
    titles.dedup();
    f.check(
        all > 1 && titles.len() < all,
        "duplicate_titles",
        "seo",
        Severity::Low,
        || format!("{} of {all} pages share a title", all - titles.len() + 1),
        "Give each page its own title.",
    );
    f.check(
        h.h1 == 0,
        "missing_h1",
        "seo",
        Severity::Medium,
        || "no <h1> on the home page".into(),
        "Put one <h1> saying what the business does.",
    );
    f.check(
        h.h1 > 1,
        "multiple_h1",
        "seo",
        Severity::Low,
        || format!("{} <h1> elements on the home page", h.h1),
        "Use one <h1> per page and <h2>–<h3> below it.",
    );
    let skipped = h.headings.windows(2).find(|w| w[1] > w[0] + 1);
    f.check(
        skipped.is_some(),
        "heading_order",
        "seo",
        Severity::Info,
        || skipped.map(|w| format!("an <h{}> follows an <h{}>", w[1], w[0])).unwrap_or_default(),
        "Do not skip heading levels.",
    );
    f.check(
        h.canonical.is_none(),
        "missing_canonical",
        "seo",
        Severity::Low,
        || "no <link rel=canonical> on the home page".into(),
        "Add a canonical link so search engines index one address per page.",
    );
    let noindex = scans.iter().zip(pages).find(|(s, _)| s.robots.as_deref().is_some_and(|r| r.contains("noindex")));
    f.check(
        noindex.is_some(),
        "noindex",
        "seo",
        Severity::Critical,
        || format!("robots noindex on {}", noindex.map_or("", |(_, p)| p.url)),
        "Remove noindex from pages that should be found in search.",
    );
    let no_index_header = header(home, "x-robots-tag").is_some_and(|v| v.to_ascii_lowercase().contains("noindex"));
    f.check(
        no_index_header,
        "noindex_header",
        "seo",
        Severity::Critical,
        || "X-Robots-Tag: noindex on the home page".into(),
        "Remove the X-Robots-Tag noindex header.",
    );
    f.check(
        scans.iter().all(|s| s.structured_data == 0),
        "no_structured_data",
        "seo",
        Severity::Low,
        || "no JSON-LD structured data on any page".into(),
        "Add schema.org LocalBusiness JSON-LD with name, address, phone and hours.",
    );
    let images: usize = scans.iter().map(|s| s.images).sum();
    let no_alt: usize = scans.iter().map(|s| s.images_without_alt).sum();
    f.check(
        images > 0 && no_alt * 4 > images,
        "images_without_alt",
        "seo",
        Severity::Low,
        || format!("{no_alt} of {images} images have no alt text"),
        "Describe each image in its alt attribute.",
    );
    f.check(
        scans.iter().any(|s| s.hreflangs == 1),
        "hreflang_single",
        "seo",
        Severity::Info,
        || "a page declares a single hreflang alternate".into(),
        "List every language version, the page's own included, in hreflang links.",
    );

    // Performance (from the HTML and headers: no browser).
    let bytes = home.html.len();
    f.check(
        bytes > 500_000,
        "heavy_html",
        "performance",
        Severity::Medium,
        || format!("the home page's HTML is {} KB", bytes / 1000),
        "Trim inline scripts, styles and markup: aim for under 100 KB of HTML.",
    );
    f.check(
        bytes > 100_000 && bytes <= 500_000,
        "large_html",
        "performance",
        Severity::Low,
        || format!("the home page's HTML is {} KB", bytes / 1000),
        "Aim for under 100 KB of HTML.",
    );
    f.check(
        h.blocking_scripts > 2,
        "render_blocking_scripts",
        "performance",
        Severity::Medium,
        || format!("{} scripts in <head> without async or defer", h.blocking_scripts),
        "Load scripts with defer or async, or at the end of <body>.",
    );
    f.check(
        h.scripts > 25,
        "many_scripts",
        "performance",
        Severity::Low,
        || format!("{} external scripts on the home page", h.scripts),
        "Remove unused plugins and tags; combine the rest.",
    );
    f.check(
        h.stylesheets > 10,
        "many_stylesheets",
        "performance",
        Severity::Low,
        || format!("{} stylesheets on the home page", h.stylesheets),
        "Combine stylesheets.",
    );
    let encoding = header(home, "content-encoding").unwrap_or_default();
    f.check(
        bytes > 20_000 && encoding.is_empty() && !home.headers.is_empty(),
        "no_compression",
        "performance",
        Severity::Medium,
        || "the home page is sent without gzip or brotli".into(),
        "Turn on gzip or brotli compression on the server.",
    );
    let cache = header(home, "cache-control").is_some()
        || header(home, "etag").is_some()
        || header(home, "last-modified").is_some();
    f.check(
        !cache && !home.headers.is_empty(),
        "no_cache_headers",
        "performance",
        Severity::Low,
        || "no Cache-Control, ETag or Last-Modified on the home page".into(),
        "Send cache headers so returning visitors load faster.",
    );
    f.check(
        h.images_without_size > 5,
        "images_without_dimensions",
        "performance",
        Severity::Low,
        || format!("{} images without width and height", h.images_without_size),
        "Give images width and height so the page does not jump while loading.",
    );
    f.check(
        h.elements > 3_000,
        "large_dom",
        "performance",
        Severity::Low,
        || format!("{} elements on the home page", h.elements),
        "Simplify the page: under 1,500 elements is comfortable on phones.",
    );

    // Mobile and accessibility.
    f.check(
        h.viewport.is_none(),
        "no_viewport",
        "mobile",
        Severity::High,
        || "no <meta name=viewport>: the site is not set up for phones".into(),
        "Add <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"> and a responsive layout.",
    );
    f.check(
        h.viewport
            .as_deref()
            .is_some_and(|v| v.replace(' ', "").contains("user-scalable=no") || v.contains("maximum-scale=1")),
        "zoom_disabled",
        "mobile",
        Severity::Low,
        || "the viewport forbids zooming".into(),
        "Let visitors zoom: drop user-scalable=no and maximum-scale=1.",
    );
    f.check(
        h.lang.is_none(),
        "no_lang",
        "mobile",
        Severity::Low,
        || "<html> has no lang attribute".into(),
        "Set <html lang=\"…\"> so screen readers and translators know the language.",
    );
    let inputs: usize = scans.iter().map(|s| s.inputs).sum();
    let labelled: usize = scans.iter().map(|s| s.labelled_inputs).sum();
    f.check(
        inputs > 0 && labelled < inputs,
        "unlabelled_inputs",
        "mobile",
        Severity::Low,
        || format!("{} of {inputs} form fields have no label", inputs - labelled),
        "Give every form field a label.",
    );
    let empty_links: usize = scans.iter().map(|s| s.empty_links).sum();
    f.check(
        empty_links > 3,
        "empty_links",
        "mobile",
        Severity::Info,
        || format!("{empty_links} links go nowhere (href empty or #)"),
        "Point links somewhere or make them buttons.",
    );

    // Conversion.
    let all_lower: String = pages.iter().map(|p| p.html.to_ascii_lowercase()).collect::<Vec<_>>().join("\n");
    f.check(
        scans.iter().all(|s| s.tel_links == 0),
        "no_click_to_call",
        "conversion",
        Severity::Medium,
        || "no tel: link on any page".into(),
        "Make the phone number a tel: link so a phone call is one tap.",
    );
    f.check(
        scans.iter().all(|s| s.forms == 0) && scans.iter().all(|s| s.mailto_links == 0),
        "no_contact_form",
        "conversion",
        Severity::Medium,
        || "no contact form and no mailto link".into(),
        "Add a short contact form (name, phone or email, message) on every page's footer or a contact page.",
    );
    let body_start = lower.find("<body").unwrap_or(0);
    let first_screen = &lower[body_start..lower.floor_char_boundary(body_start + 6_000)];
    f.check(
        !CALLS_TO_ACTION.iter().any(|w| first_screen.contains(w)),
        "no_call_to_action",
        "conversion",
        Severity::Medium,
        || "no call to action near the top of the home page".into(),
        "Put one clear button near the top: call, book, get a quote.",
    );
    f.check(
        !SOCIAL_PROOF.iter().any(|w| all_lower.contains(w)),
        "no_social_proof",
        "conversion",
        Severity::Low,
        || "no reviews, testimonials or ratings on the pages".into(),
        "Show a few reviews or a rating badge.",
    );
    f.check(
        !BOOKING.iter().any(|w| all_lower.contains(w)),
        "no_booking_widget",
        "conversion",
        Severity::Info,
        || "no online booking or scheduling widget".into(),
        "Let customers book online (Calendly, Acuity, Square, …).",
    );
    let copyright = copyright_year(&all_lower);
    f.check(
        copyright.is_some_and(|y| y < year - 1),
        "stale_copyright",
        "conversion",
        Severity::Low,
        || format!("the copyright says {}", copyright.unwrap_or_default()),
        "Update the footer: an old year makes a business look closed.",
    );
    f.check(
        POPUPS.iter().any(|w| top.contains(w) || all_lower.contains(w)),
        "intrusive_popup",
        "conversion",
        Severity::Low,
        || "a pop-up script on the site".into(),
        "Delay pop-ups or drop them: they cost first visits on phones.",
    );

    let mut scores = Vec::new();
    for c in CATEGORIES {
        let lost: u32 = f.0.iter().filter(|x| x.category == c).map(|x| x.severity.weight()).sum();
        scores.push((c.to_string(), 100u32.saturating_sub(lost)));
    }
    f.0.sort_by(|a, b| a.severity.cmp(&b.severity).then_with(|| a.id.cmp(&b.id)));
    Audit { findings: f.0, scores, checks: f.1, not_measured: not_measured() }
}

fn not_measured() -> Vec<String> {
    ["largest contentful paint (LCP)", "cumulative layout shift (CLS)", "interaction to next paint (INP)"]
        .map(String::from)
        .to_vec()
}

/// The latest year after "©" or "copyright".
fn copyright_year(lower: &str) -> Option<i32> {
    let mut best = None;
    for marker in ["©", "&copy;", "copyright"] {
        for (at, _) in lower.match_indices(marker) {
            let after = &lower[at + marker.len()..lower.floor_char_boundary(at + marker.len() + 30)];
            let digits: Vec<i32> = after
                .split(|c: char| !c.is_ascii_digit())
                .filter(|d| d.len() == 4)
                .filter_map(|d| d.parse().ok())
                .filter(|y| (1990..=2100).contains(y))
                .collect();
            if let Some(y) = digits.into_iter().max() {
                best = best.max(Some(y));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(url: &'a str, headers: &'a [(String, String)], html: &'a str) -> AuditPage<'a> {
        AuditPage { url, headers, html }
    }

    const GOOD: &str = r#"<!doctype html><html lang="en"><head><title>Bright Smile Dental · Dentist in Austin, TX</title>
        <meta name="description" content="Family and cosmetic dentistry in Austin. Same-week appointments, evening hours, most insurance accepted.">
        <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="canonical" href="https://brightsmile.example/">
        <script type="application/ld+json">{"@type":"Dentist","name":"Bright Smile"}</script><script src="/app.js" defer></script></head>
        <body><h1>Dentist in Austin</h1><a href="https://calendly.com/brightsmile">Book an appointment</a><a href="tel:+15125550100">Call</a>
        <h2>Reviews</h2><p>★★★★★ "Best dentist" — 120 reviews</p><form action="/contact"><input id="n" name="n"><label for="n">Name</label></form>
        <footer>© 2026 Bright Smile Dental</footer></body></html>"#;

    fn good_headers() -> Vec<(String, String)> {
        [
            ("strict-transport-security", "max-age=31536000"),
            ("content-security-policy", "default-src 'self'; frame-ancestors 'self'"),
            ("x-content-type-options", "nosniff"),
            ("content-encoding", "br"),
            ("cache-control", "max-age=600"),
            ("server", "nginx"),
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
            let audit = audit(&[page("https://example.test/", &[], &html)], 2026);
            assert!(audit.checks >= 40, "{} checks", audit.checks);
        }
    }

    #[test]
    fn a_well_kept_site_passes_every_check() {
        let headers = good_headers();
        let audit = audit(&[page("https://brightsmile.example/", &headers, GOOD)], 2026);
        assert!(audit.findings.is_empty(), "{:#?}", audit.findings);
        assert!(audit.checks >= 40, "{} checks", audit.checks);
        assert!(audit.scores.iter().all(|(_, s)| *s == 100), "{:?}", audit.scores);
        assert_eq!(audit.not_measured.len(), 3);
    }

    #[test]
    fn a_neglected_site_gets_findings_with_evidence_and_low_scores() {
        let html = r#"<html><head><title>Home</title><script src="http://cdn.example/jquery.js"></script><script src="/a.js"></script>
            <script src="/b.js"></script><meta name="robots" content="noindex"></head><body><h3>Welcome</h3><h1>Joe's Plumbing</h1><h1>Since 1990</h1>
            <img src="/van.jpg"><form action="http://joesplumbing.example/send"><input name="q"></form><p>Copyright 2015 Joe's</p></body></html>"#;
        let headers: Vec<(String, String)> =
            vec![("server".into(), "Apache/2.4.41 (Ubuntu)".into()), ("x-powered-by".into(), "PHP/7.2.1".into())];
        let audit = audit(&[page("https://joesplumbing.example/", &headers, html)], 2026);
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
        assert_eq!(audit, super::audit(&[page("https://joesplumbing.example/", &headers, html)], 2026));
    }

    #[test]
    fn plain_http_and_duplicate_titles_across_pages() {
        let a = "<html lang=en><head><title>Acme</title></head><body><h1>A</h1></body></html>";
        let audit = audit(&[page("http://acme.example/", &[], a), page("http://acme.example/contact", &[], a)], 2026);
        assert!(audit.has("no_https") && audit.has("duplicate_titles"));
        assert!(!audit.has("no_compression"), "no headers known (a cached page): not judged");
        assert_eq!(copyright_year("© 2019–2024 acme"), Some(2024));
        assert_eq!(copyright_year("no year"), None);
    }
}
