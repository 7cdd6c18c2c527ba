//! HTML building blocks shared by every page: escaping, the page frame (head, header, nav, footer), the
//! boilerplate real small-business sites carry (stylesheets, analytics, cookie banners), and the snippets
//! that write each contact fact in its planned style.

use std::fmt::Write;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::assign::Charset;
use crate::names::Country;
use crate::plan::{AddressPlan, AddressStyle, EmailPlan, EmailStyle, Loc, PhonePlan, PhoneStyle, Plan, Structured};

/// Escapes text for HTML content and attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Per-site boilerplate, generated once and reused on every page of the site.
pub(crate) struct Boilerplate {
    pub css: String,
    pub head_scripts: String,
    pub tail_scripts: String,
}

const CSS_BASE: &str = "*,*::before,*::after{box-sizing:border-box}html{-webkit-text-size-adjust:100%;line-height:1.5}\
body{margin:0;font-family:var(--font-body);color:var(--ink);background:var(--paper)}img{max-width:100%;height:auto}\
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}.container{max-width:1140px;margin:0 auto;padding:0 20px}\
.site-header{position:sticky;top:0;z-index:50;background:#fff;box-shadow:0 1px 4px rgba(0,0,0,.08)}\
.site-header .container{display:flex;align-items:center;justify-content:space-between;min-height:72px}\
.main-nav ul{list-style:none;display:flex;gap:24px;margin:0;padding:0}.main-nav a{font-weight:600;color:var(--ink)}\
.btn{display:inline-block;padding:12px 22px;border-radius:6px;font-weight:700}.btn-primary{background:var(--accent);color:#fff}\
.hero{padding:96px 0;background:linear-gradient(135deg,var(--accent-soft),#fff);background-image:url(/img/hero@2x.jpg)}\
.hero h1{font-size:clamp(2rem,5vw,3.4rem);margin:0 0 16px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:24px}\
.card{background:#fff;border-radius:10px;padding:24px;box-shadow:0 2px 12px rgba(0,0,0,.06)}\
.testimonials blockquote{margin:0;font-style:italic}.site-footer{background:#111;color:#ddd;padding:48px 0 24px;font-size:.95rem}\
.site-footer a{color:#fff}.footer-grid{display:grid;grid-template-columns:repeat(4,1fr);gap:32px}\
.footer-bottom{border-top:1px solid #333;margin-top:32px;padding-top:16px;font-size:.85rem}\
.team-card img{border-radius:50%;width:160px;height:160px;object-fit:cover}.cookie-banner{position:fixed;bottom:0;left:0;right:0}\
@media (max-width:768px){.main-nav{display:none}.footer-grid{grid-template-columns:1fr}}\n";

const CSS_BLOCKS: &[&str] =
    &["wp-block", "elementor", "et_pb", "sqs-block", "wix", "ast", "kadence", "fl-module", "vc_row", "theme"];
const CSS_PARTS: &[&str] = &[
    "button",
    "column",
    "heading",
    "image",
    "text",
    "spacer",
    "gallery",
    "cover",
    "group",
    "list",
    "quote",
    "media",
    "icon",
    "divider",
    "social",
    "menu",
    "widget",
    "section",
    "container",
    "slider",
];

/// Appends one random declaration (`padding:12px 8px`), written directly: this runs ~100k times per web.
fn css_property(css: &mut String, rng: &mut ChaCha8Rng) {
    let n = rng.gen_range(0..64);
    let d = rng.gen_range(1..10);
    let _ = match rng.gen_range(0..15) {
        0 => write!(css, "margin-top:{n}px"),
        1 => write!(css, "padding:{n}px {}px", rng.gen_range(0..48)),
        2 => write!(css, "font-size:{}.{d}rem", n % 3),
        3 => write!(css, "line-height:{}.{d}", n % 3),
        4 => write!(css, "color:#{:06x}", rng.gen_range(0..0x100_0000u32)),
        5 => write!(css, "background-color:#{:06x}", rng.gen_range(0..0x100_0000u32)),
        6 => write!(css, "border:1px solid #{:06x}", rng.gen_range(0..0x100_0000u32)),
        7 => write!(css, "border-radius:{n}px"),
        8 => write!(css, "gap:{n}px"),
        9 => write!(css, "max-width:{}px", rng.gen_range(320..1400)),
        10 => write!(css, "opacity:.{d}"),
        11 => write!(css, "letter-spacing:.0{d}em"),
        12 => write!(css, "transition:all .{d}s ease"),
        13 => write!(css, "box-shadow:0 {n}px {}px rgba(0,0,0,.{d})", rng.gen_range(0..48)),
        _ => write!(css, "z-index:{n}"),
    };
}

fn stylesheet(rng: &mut ChaCha8Rng, target: usize) -> String {
    let accent = format!("#{:06x}", rng.gen_range(0..0x100_0000u32));
    let mut css = format!(
        ":root{{--accent:{accent};--accent-soft:{accent}22;--ink:#1d2327;--paper:#fafafa;--font-body:{}}}\n{CSS_BASE}",
        ["system-ui,sans-serif", "'Inter',sans-serif", "Georgia,serif", "'Lato',Helvetica,Arial,sans-serif"]
            .choose(rng)
            .unwrap_or(&"sans-serif")
    );
    let block = *CSS_BLOCKS.choose(rng).unwrap_or(&"theme");
    while css.len() < target {
        let part = CSS_PARTS.choose(rng).unwrap_or(&"text");
        let _ = write!(css, ".{block}-{part}");
        if rng.gen_bool(0.4) {
            let _ =
                write!(css, "--{}", ["large", "small", "alt", "dark", "wide", "center"].choose(rng).unwrap_or(&"alt"));
        }
        css.push('{');
        for k in 0..rng.gen_range(1..5) {
            if k > 0 {
                css.push(';');
            }
            css_property(&mut css, rng);
        }
        css.push_str("}\n");
    }
    css
}

const COOKIE_SCRIPT: &str = r#"(function(){var k='cookie_consent_v2';function set(v){try{localStorage.setItem(k,v)}catch(e){}}
function get(){try{return localStorage.getItem(k)}catch(e){return null}}
document.addEventListener('DOMContentLoaded',function(){if(get())return;var b=document.createElement('div');
b.className='cookie-banner';b.innerHTML='<p>We use cookies to improve your experience. <a href="/privacy">Learn more</a></p><button type="button">Accept</button>';
b.querySelector('button').addEventListener('click',function(){set('yes');b.remove()});document.body.appendChild(b)});})();"#;

fn hex(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)])).collect()
}

/// Builds the stylesheet and scripts for a site; sizes vary so pages weigh 10–60 KB like real sites.
pub(crate) fn boilerplate(rng: &mut ChaCha8Rng, plan: &Plan) -> Boilerplate {
    let css_len = rng.gen_range(6_000..30_000);
    let css = stylesheet(rng, css_len);
    let tag = format!("G-{}", hex(rng, 10).to_uppercase());
    let mut head_scripts = format!(
        "<script async src=\"https://www.googletagmanager.com/gtag/js?id={tag}\"></script>\n<script>window.dataLayer=window.dataLayer||[];\
function gtag(){{dataLayer.push(arguments);}}gtag('js',new Date());gtag('config','{tag}');</script>\n"
    );
    if rng.gen_bool(0.5) {
        // A page-builder settings blob: lots of bytes, short numbers only (no accidental phone numbers).
        head_scripts.push_str("<script id=\"theme-settings\">window.__THEME__={\"breakpoints\":{\"sm\":576,\"md\":768,\"lg\":992},\"widgets\":[");
        for k in 0..rng.gen_range(20..120) {
            if k > 0 {
                head_scripts.push(',');
            }
            let _ = write!(
                head_scripts,
                "{{\"id\":\"w{}\",\"type\":\"{}\",\"cols\":{},\"visible\":{}}}",
                hex(rng, 6),
                CSS_PARTS.choose(rng).unwrap_or(&"text"),
                rng.gen_range(1..13),
                rng.gen_bool(0.8)
            );
        }
        head_scripts.push_str("]};</script>\n");
    }
    let mut tail_scripts = format!("<script>{COOKIE_SCRIPT}</script>\n");
    if plan.decoys.sentry_dsn {
        let _ = writeln!(
            tail_scripts,
            "<script src=\"https://browser.sentry-cdn.com/7.64.0/bundle.min.js\" crossorigin=\"anonymous\"></script>\n\
<script>Sentry.init({{dsn:\"https://{}@o{}.ingest.sentry.io/{}\",release:\"site@1.4.{}\",tracesSampleRate:0.2}});</script>",
            hex(rng, 32),
            rng.gen_range(100_000..999_999),
            rng.gen_range(1_000..99_999),
            rng.gen_range(0..9)
        );
    }
    Boilerplate { css, head_scripts, tail_scripts }
}

/// The `<meta>` that declares the charset, if the page declares it in markup.
fn meta_charset(charset: Charset) -> &'static str {
    match charset {
        Charset::Utf8 => "<meta charset=\"utf-8\">\n",
        Charset::Windows1252 => "",
        Charset::Latin1Meta => "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">\n",
        Charset::ShiftJisMeta => "<meta charset=\"Shift_JIS\">\n",
    }
}

const ICON_SPRITE: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" style=\"display:none\">\
<symbol id=\"icon-facebook\" viewBox=\"0 0 24 24\"><path d=\"M22 12a10 10 0 1 0-11.6 9.9v-7H7.9V12h2.5V9.8c0-2.5 1.5-3.9 3.8-3.9 1.1 0 2.2.2 2.2.2v2.5h-1.3c-1.2 0-1.6.8-1.6 1.6V12h2.8l-.4 2.9h-2.3v7A10 10 0 0 0 22 12z\"/></symbol>\
<symbol id=\"icon-instagram\" viewBox=\"0 0 24 24\"><path d=\"M12 2.2c3.2 0 3.6 0 4.8.1 3.2.1 4.8 1.7 4.9 4.9.1 1.3.1 1.6.1 4.8s0 3.6-.1 4.8c-.1 3.2-1.7 4.8-4.9 4.9-1.3.1-1.6.1-4.8.1s-3.6 0-4.8-.1c-3.3-.1-4.8-1.7-4.9-4.9C2.2 15.6 2.2 15.2 2.2 12s0-3.6.1-4.8C2.4 3.9 3.9 2.4 7.2 2.3 8.4 2.2 8.8 2.2 12 2.2z\"/></symbol>\
<symbol id=\"icon-linkedin\" viewBox=\"0 0 24 24\"><path d=\"M20.4 20.5h-3.6v-5.6c0-1.3 0-3-1.8-3s-2.1 1.4-2.1 2.9v5.7H9.4V9h3.4v1.6c.5-.9 1.6-1.8 3.4-1.8 3.6 0 4.3 2.4 4.3 5.5v6.2zM5.3 7.4a2.1 2.1 0 1 1 0-4.2 2.1 2.1 0 0 1 0 4.2zM7.1 20.5H3.6V9h3.5v11.5z\"/></symbol>\
<symbol id=\"icon-x\" viewBox=\"0 0 24 24\"><path d=\"M18.2 2.3h3.3l-7.2 8.3 8.5 11.2h-6.7l-5.2-6.8-6 6.8H1.7l7.7-8.8L1.3 2.3H8l4.7 6.2 5.5-6.2z\"/></symbol>\
<symbol id=\"icon-youtube\" viewBox=\"0 0 24 24\"><path d=\"M23.5 6.2a3 3 0 0 0-2.1-2.1C19.5 3.6 12 3.6 12 3.6s-7.5 0-9.4.5A3 3 0 0 0 .5 6.2 31 31 0 0 0 0 12a31 31 0 0 0 .5 5.8 3 3 0 0 0 2.1 2.1c1.9.5 9.4.5 9.4.5s7.5 0 9.4-.5a3 3 0 0 0 2.1-2.1A31 31 0 0 0 24 12a31 31 0 0 0-.5-5.8zM9.6 15.6V8.4l6.3 3.6-6.3 3.6z\"/></symbol>\
</svg>\n";

/// Wraps `main` in the full page: head, header with navigation, footer and scripts.
pub(crate) fn page(plan: &Plan, bp: &Boilerplate, path: &str, title: &str, main: &str, head_extra: &str) -> String {
    let company = esc(&plan.company);
    let domain = &plan.domain;
    let mut html = String::with_capacity(bp.css.len() + main.len() + 8_000);
    html.push_str("<!DOCTYPE html>\n<html");
    if !plan.intel.upkeep.no_lang {
        let _ = write!(html, " lang=\"{}\"", plan.country.lang());
    }
    let _ = write!(
        html,
        ">\n<head>\n{meta}{viewport}<title>{title} | {company}</title>\n",
        meta = meta_charset(plan.special.charset),
        viewport = plan.intel.viewport(),
        title = esc(title),
    );
    if !plan.intel.upkeep.no_description {
        let _ = writeln!(html, "<meta name=\"description\" content=\"{}\">", esc(plan.tagline));
    }
    let _ = write!(
        html,
        "<meta property=\"og:type\" content=\"website\">\n<meta property=\"og:site_name\" content=\"{company}\">\n\
<meta property=\"og:title\" content=\"{title}\">\n<meta property=\"og:url\" content=\"http://www.{domain}{path}\">\n\
<link rel=\"canonical\" href=\"http://www.{domain}{path}\">\n<link rel=\"icon\" href=\"/favicon.ico\">\n<style>\n{css}</style>\n{head_extra}{scripts}{stack}</head>\n",
        title = esc(title),
        css = bp.css,
        scripts = bp.head_scripts,
        stack = plan.intel.head(),
    );
    let slug = if path == "/" { "home".to_string() } else { path.trim_matches('/').replace(['/', '.'], "-") };
    let _ = write!(
        html,
        "<body class=\"page page-{slug}\">\n{ICON_SPRITE}<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n"
    );
    html.push_str(&header(plan));
    let _ = write!(html, "<main id=\"main\">\n{main}</main>\n");
    html.push_str(&footer(plan));
    html.push_str(&bp.tail_scripts);
    html.push_str(&plan.intel.body());
    html.push_str("</body>\n</html>\n");
    html
}

fn header(plan: &Plan) -> String {
    let company = esc(&plan.company);
    let logo = if plan.decoys.retina_logo {
        format!(
            "<img src=\"/img/logo.png\" srcset=\"/img/logo.png 1x, /img/logo@2x.png 2x\" alt=\"{company} logo\" width=\"180\" height=\"48\">"
        )
    } else {
        format!("<img src=\"/img/logo.svg\" alt=\"{company}\" width=\"180\" height=\"48\">")
    };
    let (home, services) = match plan.country {
        Country::De => ("Start", "Leistungen"),
        Country::Fr => ("Accueil", "Services"),
        _ => ("Home", "Services"),
    };
    let mut nav = format!("<li><a href=\"/\">{home}</a></li><li><a href=\"/services\">{services}</a></li>");
    for page in [&plan.about, &plan.team, &plan.contact].into_iter().flatten() {
        let _ = write!(nav, "<li><a href=\"{}\">{}</a></li>", page.path, esc(&page.link_text));
    }
    let cta_href = plan.contact.as_ref().map_or("/services", |c| c.path.as_str());
    format!(
        "<header class=\"site-header\"><div class=\"container\">\n<a class=\"logo\" href=\"/\">{logo}</a>\n\
<nav class=\"main-nav\" aria-label=\"Main\"><ul>{nav}</ul></nav>\n<a class=\"btn btn-primary header-cta\" href=\"{cta_href}\">{cta}</a>\n</div></header>\n",
        cta = plan.vertical.cta
    )
}

fn hours(plan: &Plan) -> &'static str {
    match plan.vertical.key {
        "restaurant" => {
            "<p>Tue–Thu 5:00 pm – 10:00 pm<br>Fri–Sat 5:00 pm – 11:30 pm<br>Sun brunch 10:00 am – 2:30 pm</p>"
        }
        "saas" => "<p>Support: Mon–Fri, 9 am – 6 pm ET</p>",
        "salon" => "<p>Tue–Fri 10:00 – 19:00<br>Sat 9:00 – 17:00<br>Sun–Mon closed</p>",
        _ => "<p>Mon–Fri 8:00 am – 5:30 pm<br>Sat 9:00 am – 1:00 pm<br>Sun closed</p>",
    }
}

fn footer(plan: &Plan) -> String {
    let microdata = plan.structured == Structured::Microdata;
    let company = esc(&plan.company);
    let mut f = String::with_capacity(2_000);
    if microdata {
        let _ = write!(
            f,
            "<footer class=\"site-footer\" itemscope itemtype=\"https://schema.org/{}\">\n<div class=\"container footer-grid\">\n\
<div class=\"footer-col\"><p class=\"footer-name\" itemprop=\"name\">{company}</p><link itemprop=\"url\" href=\"http://www.{}/\">",
            plan.vertical.schema_type, plan.domain
        );
    } else {
        let _ = write!(
            f,
            "<footer class=\"site-footer\">\n<div class=\"container footer-grid\">\n<div class=\"footer-col\"><p class=\"footer-name\">{company}</p>"
        );
    }
    let _ = write!(
        f,
        "<p class=\"footer-tagline\">{}</p></div>\n<div class=\"footer-col footer-contact\">",
        esc(plan.tagline)
    );
    if let Some(a) = plan.address.as_ref().filter(|a| a.locs.contains(&Loc::Footer)) {
        f.push_str(&address_html(a));
    }
    for p in plan.phones.iter().filter(|p| p.locs.contains(&Loc::Footer)) {
        let _ = write!(f, "<p><strong>{}:</strong> {}</p>", esc(&p.label), phone_html(p, microdata));
    }
    if let Some(fax) = plan.fax.as_ref().filter(|p| p.locs.contains(&Loc::Footer)) {
        f.push_str(&fax_html(fax));
    }
    for e in plan.emails.iter().filter(|e| e.locs.contains(&Loc::Footer)) {
        let _ = write!(f, "<p><strong>{}:</strong> {}</p>", esc(&e.label), email_html(e, microdata));
    }
    let _ = write!(f, "</div>\n<div class=\"footer-col\"><h4>Hours</h4>{}</div>\n", hours(plan));
    let socials: Vec<_> = plan.socials.iter().filter(|s| s.locs.contains(&Loc::Footer)).collect();
    if !socials.is_empty() {
        f.push_str("<div class=\"footer-col footer-social\"><h4>Follow us</h4>");
        for s in socials {
            f.push_str(&social_link(s.network, &s.url));
        }
        f.push_str("</div>\n");
    }
    let _ = write!(
        f,
        "</div>\n<div class=\"container footer-bottom\"><p>&copy; {year} {company}. All rights reserved. · \
<a href=\"/privacy\">Privacy Policy</a> · <a href=\"/services\">Services</a></p></div>\n</footer>\n",
        year = plan.intel.copyright_year()
    );
    f
}

pub(crate) fn social_link(network: &str, url: &str) -> String {
    let label = match network {
        "x" => "X (Twitter)",
        "linkedin" => "LinkedIn",
        "youtube" => "YouTube",
        "facebook" => "Facebook",
        _ => "Instagram",
    };
    format!(
        "<a class=\"social social-{network}\" href=\"{url}\" target=\"_blank\" rel=\"noopener\" aria-label=\"{label}\">\
<svg width=\"20\" height=\"20\" aria-hidden=\"true\"><use href=\"#icon-{network}\"></use></svg></a> "
    )
}

fn entity_encode(s: &str) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| if i == 0 || c == '@' || c == '.' { format!("&#{};", c as u32) } else { c.to_string() })
        .collect()
}

/// An email written in its planned style; `itemprop` marks it for microdata where the style allows.
pub(crate) fn email_html(e: &EmailPlan, itemprop: bool) -> String {
    let a = &e.addr;
    let (local, domain) = a.split_once('@').unwrap_or((a, ""));
    let ip = if itemprop { " itemprop=\"email\"" } else { "" };
    match e.style {
        EmailStyle::Mailto => format!("<a href=\"mailto:{a}\"{ip}>{a}</a>"),
        EmailStyle::MailtoText => {
            format!("<a href=\"mailto:{a}?subject=Website%20inquiry\" class=\"email-link\">Email us</a>")
        }
        EmailStyle::Plain => format!("<span class=\"email\"{ip}>{a}</span>"),
        EmailStyle::AtDot => format!("<span class=\"email\">{local} [at] {}</span>", domain.replace('.', " [dot] ")),
        EmailStyle::ParenAt => format!("<span class=\"email\">{local}(at){domain}</span>"),
        EmailStyle::Entities => {
            let enc = entity_encode(a);
            format!("<a href=\"&#109;&#97;&#105;&#108;&#116;&#111;&#58;{enc}\">{enc}</a>")
        }
    }
}

/// A phone number written in its planned style.
pub(crate) fn phone_html(p: &PhonePlan, itemprop: bool) -> String {
    let n = &p.number;
    let ip = if itemprop { " itemprop=\"telephone\"" } else { "" };
    match p.style {
        PhoneStyle::TelLink => format!("<a href=\"{}\"{ip}>{}</a>", n.tel_href, n.display),
        PhoneStyle::TelLinkCallText => {
            let meta = if itemprop {
                format!("<meta itemprop=\"telephone\" content=\"{}\">", n.display)
            } else {
                String::new()
            };
            format!("<a href=\"{}\" class=\"call-link\">Call us</a>{meta}", n.tel_href)
        }
        PhoneStyle::Plain => format!("<span class=\"phone\"{ip}>{}</span>", n.display),
    }
}

pub(crate) fn fax_html(p: &PhonePlan) -> String {
    format!("<p class=\"fax\">Fax: {}</p>", p.number.display)
}

pub(crate) fn address_html(a: &AddressPlan) -> String {
    let (l1, l2) = (esc(&a.line1), esc(&a.line2));
    match a.style {
        AddressStyle::FooterText => format!("<p class=\"footer-address\">{l1}, {l2}</p>"),
        AddressStyle::AddressTag => format!("<address>{l1}<br>{l2}</address>"),
        AddressStyle::Microdata => {
            let ad = &a.address;
            let city = esc(ad.city.as_deref().unwrap_or_default());
            let postal = esc(ad.postal_code.as_deref().unwrap_or_default());
            let locality = match (a.address.country.as_deref(), ad.region.as_deref()) {
                (Some("US" | "AU"), Some(r)) => format!(
                    "<span itemprop=\"addressLocality\">{city}</span>, <span itemprop=\"addressRegion\">{r}</span> <span itemprop=\"postalCode\">{postal}</span>"
                ),
                (Some("GB"), _) => {
                    format!(
                        "<span itemprop=\"addressLocality\">{city}</span> <span itemprop=\"postalCode\">{postal}</span>"
                    )
                }
                _ => format!(
                    "<span itemprop=\"postalCode\">{postal}</span> <span itemprop=\"addressLocality\">{city}</span>"
                ),
            };
            format!(
                "<p class=\"footer-address\" itemprop=\"address\" itemscope itemtype=\"https://schema.org/PostalAddress\">\
<span itemprop=\"streetAddress\">{l1}</span>, {locality}<meta itemprop=\"addressCountry\" content=\"{}\"></p>",
                ad.country.as_deref().unwrap_or("US")
            )
        }
    }
}
