//! The checks, a function per category. Each calls [`Recorder::check`] once per check it runs, whether
//! or not it fails, so `Audit::checks` counts what was judged.

use super::probes::Probes;
use super::scan::Resource;
use super::{AuditPage, Contacts, Recorder, Site, header};

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
const POPUPS: &[&str] = &[
    "optinmonster",
    "omappapi.com",
    "optmnstr.com",
    "sumo.com/",
    "privy.com",
    "popupsmart",
    "poptin",
    "wisepops",
    "justuno",
    "sleeknote",
];
/// Link texts that say nothing about where the link goes.
const GENERIC_LINK_TEXT: &[&str] =
    &["click here", "here", "click", "this link", "link", "more", "read more...", "hier klicken", "cliquez ici"];
/// Words of a privacy-policy link (or its address).
const PRIVACY: &[&str] = &["privacy", "datenschutz", "confidentialit", "privacidad", "privacybeleid", "gdpr"];

/// Time to first byte past which the server is slow.
const SLOW_FIRST_BYTE_MS: u64 = 800;
/// A certificate with fewer days left than this needs renewing now (ACME clients renew at 30).
const CERTIFICATE_WARN_DAYS: i64 = 21;
/// An image heavier than this is too heavy.
const HEAVY_IMAGE_BYTES: u64 = 500_000;
/// Scripts heavier than this, together, are too heavy.
const HEAVY_SCRIPT_BYTES: u64 = 1_000_000;

pub(super) fn security(r: &mut Recorder, s: &Site<'_>) {
    let home = s.home;
    r.check("no_https", !s.https, || format!("the home page is served over http: {}", home.url));
    let hsts = header(home, "strict-transport-security");
    r.check("no_hsts", s.https && hsts.is_none(), || "no Strict-Transport-Security header".into());
    let csp = header(home, "content-security-policy");
    r.check("no_csp", csp.is_none(), || "no Content-Security-Policy header".into());
    let frames = header(home, "x-frame-options").is_some() || csp.is_some_and(|c| c.contains("frame-ancestors"));
    r.check("no_clickjacking_protection", !frames, || "neither X-Frame-Options nor CSP frame-ancestors".into());
    r.check(
        "no_nosniff",
        header(home, "x-content-type-options").is_none_or(|v| !v.eq_ignore_ascii_case("nosniff")),
        || "no X-Content-Type-Options: nosniff".into(),
    );
    r.check("no_referrer_policy", header(home, "referrer-policy").is_none() && !home.headers.is_empty(), || {
        "no Referrer-Policy header".into()
    });
    let server = header(home, "server").unwrap_or_default();
    let powered = header(home, "x-powered-by").unwrap_or_default();
    let disclosed = [server, powered].into_iter().find(|v| v.chars().any(|c| c.is_ascii_digit()) && v.contains('/'));
    r.check("server_version_disclosed", disclosed.is_some(), || {
        format!("a version in a response header: {}", disclosed.unwrap_or_default())
    });
    let mixed: Vec<&String> = s.scans.iter().flat_map(|x| &x.insecure_resources).collect();
    r.check("mixed_content", s.https && !mixed.is_empty(), || {
        format!(
            "{} resources over http on an https site, e.g. {}",
            mixed.len(),
            mixed.first().map_or("", |m| m.as_str())
        )
    });
    let insecure_forms = s.sum(|x| x.insecure_forms);
    r.check("insecure_form", insecure_forms > 0 || (!s.https && s.scans.iter().any(|x| x.forms > 0)), || {
        format!("{} form(s) send data over http", insecure_forms.max(1))
    });
    let weak_cookie =
        s.pages.iter().flat_map(|p| p.headers).filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).find(|(_, v)| {
            let attrs = v.to_ascii_lowercase();
            (s.https && !attrs.contains("secure")) || !attrs.contains("httponly")
        });
    r.check("insecure_cookie", weak_cookie.is_some(), || {
        let name = weak_cookie.and_then(|(_, v)| v.split('=').next()).unwrap_or_default();
        format!("the cookie {name:?} is set without Secure or HttpOnly")
    });
    let blank = s.sum(|x| x.unsafe_blank);
    r.check("unsafe_target_blank", blank > 0, || format!("{blank} link(s) open a new window without rel=noopener"));
}

pub(super) fn seo(r: &mut Recorder, s: &Site<'_>) {
    let (home, h) = (s.home, s.home_scan());
    let title = h.titles.first().map(|t| t.trim().to_string()).unwrap_or_default();
    r.check("missing_title", title.is_empty(), || format!("no <title> on {}", home.url));
    let title_len = title.chars().count();
    r.check("title_length", !title.is_empty() && !(10..=65).contains(&title_len), || {
        format!("the title is {title_len} characters: {title:?}")
    });
    let mut titles: Vec<&str> =
        s.scans.iter().filter_map(|x| x.titles.first()).map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
    let (repeats, all) = repeated(&mut titles);
    r.check("duplicate_titles", repeats > 0, || format!("{} of {all} pages share a title", repeats + 1));
    let description = h.meta_description.as_deref().map(str::trim).unwrap_or_default();
    r.check("missing_meta_description", description.is_empty(), || "no meta description on the home page".into());
    let desc_len = description.chars().count();
    r.check("meta_description_length", !description.is_empty() && !(50..=170).contains(&desc_len), || {
        format!("the meta description is {desc_len} characters")
    });
    let mut descriptions: Vec<&str> =
        s.scans.iter().filter_map(|x| x.meta_description.as_deref()).map(str::trim).filter(|d| !d.is_empty()).collect();
    let (repeats, all) = repeated(&mut descriptions);
    r.check("duplicate_meta_descriptions", repeats > 0, || {
        format!("{} of {all} pages share a meta description", repeats + 1)
    });
    r.check("missing_h1", h.h1 == 0, || "no <h1> on the home page".into());
    r.check("multiple_h1", h.h1 > 1, || format!("{} <h1> elements on the home page", h.h1));
    let skipped = h.headings.windows(2).find(|w| w[1] > w[0] + 1);
    r.check("heading_order", skipped.is_some(), || {
        skipped.map(|w| format!("an <h{}> follows an <h{}>", w[1], w[0])).unwrap_or_default()
    });
    r.check("missing_canonical", h.canonical.is_none(), || "no <link rel=canonical> on the home page".into());
    let elsewhere = h.canonical.as_deref().and_then(|c| {
        let target = url::Url::parse(home.url).ok()?.join(c).ok()?;
        let here = url::Url::parse(home.url).ok()?;
        (site_host(&target) != site_host(&here)).then(|| target.to_string())
    });
    r.check("canonical_other_host", elsewhere.is_some(), || {
        format!("the canonical link points at another site: {}", elsewhere.clone().unwrap_or_default())
    });
    let noindex = s.scans.iter().zip(s.pages).find(|(x, _)| x.robots.as_deref().is_some_and(|r| r.contains("noindex")));
    r.check("noindex", noindex.is_some(), || format!("robots noindex on {}", noindex.map_or("", |(_, p)| p.url)));
    let no_index_header = header(home, "x-robots-tag").is_some_and(|v| v.to_ascii_lowercase().contains("noindex"));
    r.check("noindex_header", no_index_header, || "X-Robots-Tag: noindex on the home page".into());
    let refresh = s.scans.iter().zip(s.pages).find(|(x, _)| x.meta_refresh);
    r.check("meta_refresh", refresh.is_some(), || {
        format!("a <meta http-equiv=refresh> on {}", refresh.map_or("", |(_, p)| p.url))
    });
    let blocks: Vec<&String> = s.scans.iter().flat_map(|x| &x.jsonld).collect();
    r.check("no_structured_data", blocks.is_empty(), || "no JSON-LD structured data on any page".into());
    let invalid = blocks.iter().find_map(|b| jsonld_problem(b));
    r.check("invalid_structured_data", invalid.is_some(), || invalid.clone().unwrap_or_default());
    let images = s.sum(|x| x.images);
    let no_alt = s.sum(|x| x.images_without_alt);
    r.check("images_without_alt", images > 0 && no_alt * 4 > images, || {
        format!("{no_alt} of {images} images have no alt text")
    });
    r.check("hreflang_single", s.scans.iter().any(|x| x.hreflangs.len() == 1), || {
        "a page declares a single hreflang alternate".into()
    });
    let bad_hreflang = s.scans.iter().zip(s.pages).find_map(|(x, p)| hreflang_problem(&x.hreflangs, p));
    r.check("hreflang_invalid", bad_hreflang.is_some(), || bad_hreflang.clone().unwrap_or_default());
    r.check("no_open_graph", !h.open_graph, || "no og:title or og:image on the home page".into());
}

/// How many entries repeat an earlier one, and how many there were.
fn repeated(items: &mut Vec<&str>) -> (usize, usize) {
    let all = items.len();
    items.sort_unstable();
    items.dedup();
    (all - items.len(), all)
}

/// The host without a leading `www.`.
fn site_host(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    host.strip_prefix("www.").map(str::to_string).unwrap_or(host)
}

/// Why a JSON-LD block is not valid structured data, if it is not.
fn jsonld_problem(block: &str) -> Option<String> {
    let text = block.trim();
    if text.is_empty() {
        return Some("an empty JSON-LD block".into());
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(e) => Some(format!("a JSON-LD block is not valid JSON ({e})")),
        Ok(value) => {
            let typed = |v: &serde_json::Value| v.get("@type").is_some() || v.get("@graph").is_some();
            let ok = match &value {
                serde_json::Value::Array(items) => !items.is_empty() && items.iter().all(typed),
                other => typed(other),
            };
            (!ok).then(|| "a JSON-LD block has no @type".into())
        }
    }
}

/// What is wrong with a page's hreflang links, if anything: a code that is not a language, or a set that
/// leaves out the page itself.
fn hreflang_problem(links: &[(String, String)], page: &AuditPage<'_>) -> Option<String> {
    if links.len() < 2 {
        return None;
    }
    let valid = |code: &str| {
        if code.eq_ignore_ascii_case("x-default") {
            return true;
        }
        let mut parts = code.split(['-', '_']);
        let lang = parts.next().unwrap_or_default();
        let region = parts.next();
        (2..=3).contains(&lang.len())
            && lang.bytes().all(|b| b.is_ascii_alphabetic())
            && region.is_none_or(|r| (r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic())) || r.len() == 4)
            && parts.next().is_none()
    };
    if let Some((code, _)) = links.iter().find(|(code, _)| !valid(code.trim())) {
        return Some(format!("hreflang {code:?} is not a language code"));
    }
    let here = url::Url::parse(page.url).ok()?;
    let lists_itself = links.iter().any(|(_, href)| here.join(href).is_ok_and(|u| u.path() == here.path()));
    (!lists_itself).then(|| format!("the hreflang links on {} leave out the page itself", page.url))
}

pub(super) fn performance(r: &mut Recorder, s: &Site<'_>) {
    let (home, h) = (s.home, s.home_scan());
    let bytes = home.html.len();
    r.check("heavy_html", bytes > 500_000, || format!("the home page's HTML is {} KB", bytes / 1000));
    r.check("large_html", bytes > 100_000 && bytes <= 500_000, || {
        format!("the home page's HTML is {} KB", bytes / 1000)
    });
    r.check("render_blocking_scripts", h.blocking_scripts > 2, || {
        format!("{} scripts in <head> without async or defer", h.blocking_scripts)
    });
    r.check("many_scripts", h.scripts > 25, || format!("{} external scripts on the home page", h.scripts));
    r.check("many_stylesheets", h.stylesheets > 10, || format!("{} stylesheets on the home page", h.stylesheets));
    let mut hosts: Vec<&str> = h.third_party.iter().map(String::as_str).collect();
    let own = url::Url::parse(home.url).map(|u| site_host(&u)).unwrap_or_default();
    hosts.retain(|host| host.strip_prefix("www.").unwrap_or(host) != own);
    hosts.sort_unstable();
    hosts.dedup();
    r.check("many_third_party_hosts", hosts.len() > 10, || {
        format!(
            "resources from {} other hosts, e.g. {}",
            hosts.len(),
            hosts.iter().take(3).copied().collect::<Vec<_>>().join(", ")
        )
    });
    let encoding = header(home, "content-encoding").unwrap_or_default();
    r.check("no_compression", bytes > 20_000 && encoding.is_empty() && !home.headers.is_empty(), || {
        "the home page is sent without gzip or brotli".into()
    });
    let cache = header(home, "cache-control").is_some()
        || header(home, "etag").is_some()
        || header(home, "last-modified").is_some();
    r.check("no_cache_headers", !cache && !home.headers.is_empty(), || {
        "no Cache-Control, ETag or Last-Modified on the home page".into()
    });
    r.check("images_without_dimensions", h.images_without_size > 5, || {
        format!("{} images without width and height", h.images_without_size)
    });
    r.check("no_lazy_images", h.images > 10 && h.lazy_images == 0, || {
        format!("{} images on the home page, none loading=lazy", h.images)
    });
    r.check("large_dom", h.elements > 3_000, || format!("{} elements on the home page", h.elements));
}

pub(super) fn mobile(r: &mut Recorder, s: &Site<'_>) {
    let (home, h) = (s.home, s.home_scan());
    r.check("no_viewport", h.viewport.is_none(), || {
        "no <meta name=viewport>: the site is not set up for phones".into()
    });
    r.check(
        "zoom_disabled",
        h.viewport
            .as_deref()
            .is_some_and(|v| v.replace(' ', "").contains("user-scalable=no") || v.contains("maximum-scale=1")),
        || "the viewport forbids zooming".into(),
    );
    r.check("no_lang", h.lang.is_none(), || "<html> has no lang attribute".into());
    let doctype = s.lower.trim_start_matches(['\u{feff}', ' ', '\n', '\r', '\t']).starts_with("<!doctype");
    r.check("no_doctype", !doctype, || "the home page has no <!DOCTYPE html>".into());
    let charset_header = header(home, "content-type").is_some_and(|v| v.to_ascii_lowercase().contains("charset="));
    r.check("no_charset", !charset_header && !h.meta_charset && !home.headers.is_empty(), || {
        "neither the Content-Type header nor a <meta> names the character set".into()
    });
    let inputs = s.sum(|x| x.inputs);
    let labelled = s.sum(|x| x.labelled_inputs);
    r.check("unlabelled_inputs", inputs > 0 && labelled < inputs, || {
        format!("{} of {inputs} form fields have no label", inputs - labelled)
    });
    let empty_links = s.sum(|x| x.empty_links);
    r.check("empty_links", empty_links > 3, || format!("{empty_links} links go nowhere (href empty or #)"));
    let generic = s.scans.iter().flat_map(|x| &x.links).find(|(_, text)| {
        let t = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        GENERIC_LINK_TEXT.contains(&t.as_str())
    });
    r.check("generic_link_text", generic.is_some(), || {
        generic.map(|(href, text)| format!("a link reads {:?} ({href})", text.trim())).unwrap_or_default()
    });
    let obsolete = s.scans.iter().flat_map(|x| &x.obsolete).next();
    r.check("obsolete_markup", obsolete.is_some(), || {
        format!("obsolete markup: {}", obsolete.cloned().unwrap_or_default())
    });
}

pub(super) fn conversion(r: &mut Recorder, s: &Site<'_>) {
    let lower = &s.lower;
    let head_end = lower.find("</head>").unwrap_or(lower.len().min(20_000));
    let top = &lower[..lower.floor_char_boundary(head_end + 8_000)];
    r.check("no_click_to_call", s.scans.iter().all(|x| x.tel_links == 0), || "no tel: link on any page".into());
    r.check("no_contact_form", s.scans.iter().all(|x| x.forms == 0 && x.mailto_links == 0), || {
        "no contact form and no mailto link".into()
    });
    let body_start = lower.find("<body").unwrap_or(0);
    let first_screen = &lower[body_start..lower.floor_char_boundary(body_start + 6_000)];
    r.check("no_call_to_action", !CALLS_TO_ACTION.iter().any(|w| first_screen.contains(w)), || {
        "no call to action near the top of the home page".into()
    });
    r.check("no_social_proof", !SOCIAL_PROOF.iter().any(|w| s.all_lower.contains(w)), || {
        "no reviews, testimonials or ratings on the pages".into()
    });
    r.check("no_booking_widget", !BOOKING.iter().any(|w| s.all_lower.contains(w)), || {
        "no online booking or scheduling widget".into()
    });
    let copyright = copyright_year(&s.all_lower);
    r.check("stale_copyright", copyright.is_some_and(|y| y < s.year - 1), || {
        format!("the copyright says {}", copyright.unwrap_or_default())
    });
    r.check("intrusive_popup", POPUPS.iter().any(|w| top.contains(w) || s.all_lower.contains(w)), || {
        "a pop-up script on the site".into()
    });
    let privacy = s.scans.iter().flat_map(|x| &x.links).any(|(href, text)| {
        let (href, text) = (href.to_lowercase(), text.to_lowercase());
        PRIVACY.iter().any(|w| href.contains(w) || text.contains(w))
    });
    r.check("no_privacy_policy", !privacy, || "no link to a privacy policy".into());
}

pub(super) fn contacts(r: &mut Recorder, c: Contacts) {
    r.check("no_phone_listed", c.phones == 0, || "no phone number on the pages read".into());
    r.check("no_email_listed", c.emails == 0, || "no email address on the pages read".into());
    r.check("no_address_listed", !c.address, || "no postal address on the pages read".into());
}

pub(super) fn network(r: &mut Recorder, p: &Probes) {
    match &p.home {
        Some(home) if home.http_status.is_some() => {
            r.check("slow_first_byte", home.first_byte_ms > SLOW_FIRST_BYTE_MS, || {
                format!("the home page's first byte came after {} ms", home.first_byte_ms)
            });
        }
        _ => r.skip("time to first byte: the home page did not answer a HEAD request"),
    }
    if let Some(http) = p.http_home.as_ref().filter(|h| h.http_status.is_some()) {
        let to_https = http.redirected() && http.location.as_deref().is_some_and(|l| l.starts_with("https://"));
        r.check("no_https_redirect", !to_https, || match &http.location {
            Some(l) => format!("{} redirects to {l}, not to https", http.url),
            None => {
                format!("{} answers HTTP {} instead of redirecting to https", http.url, http.http_status.unwrap_or(0))
            }
        });
    }
    if let Some(home) = p.home.as_ref().filter(|h| h.url.starts_with("https://") && h.http_status.is_some()) {
        match home.certificate_days_left {
            Some(days) => r.check("certificate_expiring", days < CERTIFICATE_WARN_DAYS, || {
                if days < 0 {
                    format!("the TLS certificate expired {} days ago", -days)
                } else {
                    format!("the TLS certificate expires in {days} days")
                }
            }),
            None => r.skip("certificate expiry: no certificate was recorded for the home page's connection"),
        }
    }
    if let Some(robots) = p.robots.as_ref().filter(|x| x.http_status.is_some()) {
        r.check("no_robots_txt", !robots.ok(), || {
            format!("{} answers HTTP {}", robots.url, robots.http_status.unwrap_or(0))
        });
        let names_sitemap = robots.ok()
            && robots
                .body
                .as_deref()
                .is_some_and(|b| b.lines().any(|l| l.trim().to_ascii_lowercase().starts_with("sitemap:")));
        r.check("sitemap_not_in_robots", robots.ok() && !names_sitemap, || "robots.txt has no Sitemap: line".into());
    }
    if let Some(sitemap) = p.sitemap.as_ref().filter(|x| x.http_status.is_some() || x.error.is_some()) {
        let is_sitemap = sitemap.ok()
            && sitemap.body.as_deref().is_some_and(|b| b.contains("<urlset") || b.contains("<sitemapindex"));
        r.check("no_sitemap", !is_sitemap, || match sitemap.http_status {
            Some(status) if !sitemap.ok() => format!("{} answers HTTP {status}", sitemap.url),
            _ => format!("{} is not a sitemap", sitemap.url),
        });
    }
    if let Some(canonical) = p.canonical.as_ref().filter(|c| c.http_status.is_some()) {
        r.check("canonical_broken", !canonical.ok(), || {
            format!("the canonical {} answers HTTP {}", canonical.url, canonical.http_status.unwrap_or(0))
        });
    }
    let judged: Vec<_> = p.links.iter().filter(|l| l.http_status.is_some()).collect();
    if !judged.is_empty() {
        let broken: Vec<_> = judged
            .iter()
            .filter(|l| matches!(l.http_status, Some(404 | 410)) || l.http_status.is_some_and(|c| c >= 500 && c != 501))
            .collect();
        r.check("broken_internal_links", !broken.is_empty(), || {
            let first = broken.first().map(|l| format!("{} (HTTP {})", l.url, l.http_status.unwrap_or(0)));
            format!("{} of {} links checked are broken, e.g. {}", broken.len(), judged.len(), first.unwrap_or_default())
        });
    }
    let sized = |kind: Resource| {
        p.resources
            .iter()
            .filter(move |(k, x)| *k == kind && x.ok())
            .filter_map(|(_, x)| x.content_length.map(|n| (x, n)))
    };
    if p.resources.iter().any(|(k, x)| *k == Resource::Image && x.content_length.is_some()) {
        let heavy: Vec<_> = sized(Resource::Image).filter(|(_, n)| *n > HEAVY_IMAGE_BYTES).collect();
        r.check("heavy_images", !heavy.is_empty(), || {
            let (x, n) = heavy[0];
            format!("{} image(s) over {} KB, e.g. {} ({} KB)", heavy.len(), HEAVY_IMAGE_BYTES / 1000, x.url, n / 1000)
        });
    }
    if p.resources.iter().any(|(k, x)| *k == Resource::Script && x.content_length.is_some()) {
        let total: u64 = sized(Resource::Script).map(|(_, n)| n).sum();
        r.check("heavy_scripts", total > HEAVY_SCRIPT_BYTES, || {
            format!("the scripts checked weigh {} KB together", total / 1000)
        });
    }
}

/// The latest year after "©" or "copyright".
pub(super) fn copyright_year(lower: &str) -> Option<i32> {
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
