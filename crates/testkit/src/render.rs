//! Turns a site plan into its pages: home, contact, about, team, services and privacy pages, robots.txt,
//! and the failure responses (challenges, captchas, errors, redirects, binary and oversized homes), encoded
//! in the site's charset.

use std::collections::BTreeMap;
use std::fmt::Write;

use bytes::Bytes;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::assign::{Charset, Failure};
use crate::markup::{self, Boilerplate, email_html, esc, fax_html, phone_html};
use crate::names::Country;
use crate::plan::{Loc, OwnerPlace, Plan};
use crate::site::{Page, PageBehavior, PageBody};
use crate::structured::jsonld_script;
use crate::verticals::{STORY_LINES, TESTIMONIALS};

/// How far past 2 MiB the oversized home pages go.
pub const OVERSIZED_BYTES: u64 = 3 * 1024 * 1024;
/// Hops in the redirect chain that should exhaust a crawler's redirect limit.
pub const LONG_REDIRECT_HOPS: usize = 7;

fn html_page(plan: &Plan, status: u16, html: &str) -> Page {
    let (content_type, bytes) = encode(plan, html);
    Page {
        status,
        content_type: Some(content_type),
        headers: Vec::new(),
        body: PageBody::Bytes(bytes),
        behavior: PageBehavior::Normal,
    }
}

/// Encodes `html` in the site's charset; the Content-Type names the charset only where the site does.
fn encode(plan: &Plan, html: &str) -> (String, Bytes) {
    match plan.special.charset {
        Charset::Utf8 => {
            let ct = if plan.founded.is_multiple_of(5) { "text/html" } else { "text/html; charset=utf-8" };
            (ct.to_string(), Bytes::copy_from_slice(html.as_bytes()))
        }
        Charset::Windows1252 => (
            "text/html; charset=windows-1252".to_string(),
            Bytes::from(encoding_rs::WINDOWS_1252.encode(html).0.into_owned()),
        ),
        Charset::Latin1Meta => {
            ("text/html".to_string(), Bytes::from(encoding_rs::WINDOWS_1252.encode(html).0.into_owned()))
        }
        Charset::ShiftJisMeta => {
            ("text/html".to_string(), Bytes::from(encoding_rs::SHIFT_JIS.encode(html).0.into_owned()))
        }
    }
}

fn redirect(status: u16, location: &str) -> Page {
    Page {
        status,
        content_type: Some("text/html; charset=utf-8".to_string()),
        headers: vec![("Location".to_string(), location.to_string())],
        body: PageBody::Bytes(Bytes::from(format!(
            "<html><body>Moved to <a href=\"{location}\">{location}</a></body></html>"
        ))),
        behavior: PageBehavior::Normal,
    }
}

/// Renders every page of a site.
pub(crate) fn render_site(plan: &Plan, rng: &mut ChaCha8Rng) -> BTreeMap<String, Page> {
    let bp = markup::boilerplate(rng, plan);
    let mut pages = BTreeMap::new();
    pages.insert("/robots.txt".to_string(), robots(plan, rng));

    let home_html = markup::page(plan, &bp, "/", plan.tagline, &home_main(plan, rng), &jsonld_script(plan));
    let mut home = html_page(plan, 200, &home_html);
    if plan.special.flaky_home {
        home.behavior = PageBehavior::FlakyOddRequests;
    }
    match plan.special.failure {
        None if plan.special.redirect_chain => {
            pages.insert("/home".to_string(), home);
            let mut root = redirect(302, "/home");
            root.behavior = PageBehavior::ApexToWww;
            pages.insert("/".to_string(), root);
        }
        None => {
            pages.insert("/".to_string(), home);
        }
        Some(Failure::TooManyRedirects) => {
            for hop in 0..LONG_REDIRECT_HOPS {
                let from = if hop == 0 { "/".to_string() } else { format!("/r/{hop}") };
                let to = if hop + 1 == LONG_REDIRECT_HOPS { "/home".to_string() } else { format!("/r/{}", hop + 1) };
                pages.insert(from, redirect(if hop % 2 == 0 { 302 } else { 301 }, &to));
            }
            pages.insert("/home".to_string(), home);
        }
        Some(Failure::SlowHome) => {
            home.behavior = PageBehavior::Stall;
            pages.insert("/".to_string(), home);
        }
        Some(Failure::Oversized { chunked }) => {
            let cut = home_html.rfind("</body>").unwrap_or(home_html.len());
            let head = format!("{}<!-- layout cache: ", &home_html[..cut]);
            let tail = format!(" -->\n{}", &home_html[cut..]);
            home.body = PageBody::Padded {
                head: encode(plan, &head).1,
                padding: OVERSIZED_BYTES,
                tail: encode(plan, &tail).1,
                chunked,
            };
            pages.insert("/".to_string(), home);
        }
        Some(Failure::BotChallenge { status }) => {
            pages.insert("/".to_string(), challenge_page(plan, status, rng));
        }
        Some(Failure::Captcha) => {
            pages.insert("/".to_string(), captcha_page(plan));
        }
        Some(Failure::HomeNotFound) => {
            pages.insert("/".to_string(), html_page(plan, 404, &not_found_html(plan, &bp)));
        }
        Some(Failure::AlwaysError) => {
            let body = "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>\
<h1>Internal Server Error</h1><p>The server encountered an internal error or misconfiguration and was unable to complete your request.</p>\
<hr><address>Apache/2.4.41 (Ubuntu) Server</address></body></html>";
            pages.insert("/".to_string(), html_page(plan, 500, body));
        }
        Some(Failure::NotHtml { pdf }) => {
            pages.insert("/".to_string(), binary_page(pdf, plan, rng));
        }
    }

    if let Some(c) = &plan.contact {
        let html = markup::page(plan, &bp, &c.path, &c.heading, &contact_main(plan), "");
        pages.insert(c.path.clone(), html_page(plan, 200, &html));
    }
    if let Some(a) = plan.about.as_ref().filter(|_| !plan.special.about_404) {
        let html = markup::page(plan, &bp, &a.path, &a.heading, &about_main(plan, rng), "");
        pages.insert(a.path.clone(), html_page(plan, 200, &html));
    }
    if let Some(t) = &plan.team {
        let html = markup::page(plan, &bp, &t.path, &t.heading, &team_main(plan), "");
        pages.insert(t.path.clone(), html_page(plan, 200, &html));
    }
    let services = markup::page(plan, &bp, "/services", "Services", &services_main(plan, rng), "");
    pages.insert("/services".to_string(), html_page(plan, 200, &services));
    let privacy = markup::page(plan, &bp, "/privacy", "Privacy Policy", PRIVACY, "");
    pages.insert("/privacy".to_string(), html_page(plan, 200, &privacy));
    if plan.vertical.key == "restaurant" {
        pages.insert("/menu.pdf".to_string(), binary_page(true, plan, rng));
    }
    if !plan.intel.upkeep.no_sitemap {
        pages.insert("/sitemap.xml".to_string(), sitemap(plan, &pages));
    }
    let headers = plan.intel.headers();
    for page in pages.values_mut() {
        if page.status == 200 && page.content_type.as_deref().is_some_and(|t| t.starts_with("text/html")) {
            page.headers.extend(headers.iter().cloned());
        }
    }
    pages
}

/// A sitemap listing the site's HTML pages.
fn sitemap(plan: &Plan, pages: &BTreeMap<String, Page>) -> Page {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, page) in pages {
        if page.status == 200 && page.content_type.as_deref().is_some_and(|t| t.starts_with("text/html")) {
            let _ = writeln!(xml, "<url><loc>http://www.{}{path}</loc></url>", plan.domain);
        }
    }
    xml.push_str("</urlset>\n");
    Page {
        status: 200,
        content_type: Some("application/xml".to_string()),
        headers: Vec::new(),
        body: PageBody::Bytes(Bytes::from(xml)),
        behavior: PageBehavior::Normal,
    }
}

fn robots(plan: &Plan, rng: &mut ChaCha8Rng) -> Page {
    let mut txt = String::new();
    if rng.gen_bool(0.15) {
        txt.push_str("User-agent: GPTBot\nDisallow: /\n\n");
    }
    txt.push_str("User-agent: *\n");
    let mut disallowed = false;
    if rng.gen_bool(0.3) {
        txt.push_str("Disallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n");
        disallowed = true;
    }
    if let Some(c) = plan.contact.as_ref().filter(|_| plan.special.robots_contact) {
        let _ = writeln!(txt, "Disallow: {}", c.path);
        disallowed = true;
    }
    if !disallowed {
        txt.push_str("Disallow:\n");
    }
    if plan.special.crawl_delay {
        txt.push_str("Crawl-delay: 1\n");
    }
    let _ = writeln!(txt, "\nSitemap: http://www.{}/sitemap.xml", plan.domain);
    Page {
        status: 200,
        content_type: Some("text/plain; charset=utf-8".to_string()),
        headers: Vec::new(),
        body: PageBody::Bytes(Bytes::from(txt)),
        behavior: PageBehavior::Normal,
    }
}

fn owner_sentence_title(plan: &Plan, title: &str) -> String {
    if plan.country == Country::De {
        return title.to_string();
    }
    title
        .split(' ')
        .map(
            |w| {
                if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase()) { w.to_string() } else { w.to_lowercase() }
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `Owner: Name` style line, for the home or contact page.
fn owner_line(plan: &Plan, on_contact: bool) -> String {
    let Some(o) = &plan.owner else {
        return String::new();
    };
    let (name, title) = (esc(&o.person.name()), esc(&o.title));
    match (plan.vertical.doctor, on_contact) {
        (true, false) => format!("<p class=\"owner-line\">Your dentist: Dr. {name}, {title}</p>\n"),
        (true, true) => format!("<p>Questions about treatment? Ask for Dr. {name}, {title}.</p>\n"),
        (false, false) => format!("<p class=\"owner-line\">{title}: {name}</p>\n"),
        (false, true) => format!("<p>Questions? Ask for {name} ({title}).</p>\n"),
    }
}

fn contacts_at(plan: &Plan, loc: Loc) -> String {
    let mut out = String::new();
    for p in plan.phones.iter().filter(|p| p.locs.contains(&loc)) {
        let _ = writeln!(out, "<li><strong>{}:</strong> {}</li>", esc(&p.label), phone_html(p, false));
    }
    if let Some(fax) = plan.fax.as_ref().filter(|f| f.locs.contains(&loc)) {
        let _ = writeln!(out, "<li>{}</li>", fax_html(fax));
    }
    for e in plan.emails.iter().filter(|e| e.locs.contains(&loc)) {
        let _ = writeln!(out, "<li><strong>{}:</strong> {}</li>", esc(&e.label), email_html(e, false));
    }
    if let Some(a) = plan.address.as_ref().filter(|a| a.locs.contains(&loc)) {
        let _ = writeln!(out, "<li>{}</li>", markup::address_html(a));
    }
    let socials: Vec<_> = plan.socials.iter().filter(|s| s.locs.contains(&loc)).collect();
    if !socials.is_empty() {
        out.push_str("<li>Follow us: ");
        for s in socials {
            out.push_str(&markup::social_link(s.network, &s.url));
        }
        out.push_str("</li>\n");
    }
    if out.is_empty() { out } else { format!("<ul class=\"contact-list\">\n{out}</ul>\n") }
}

fn fill(template: &str, plan: &Plan) -> String {
    template
        .replace("{company}", &esc(&plan.company))
        .replace("{city}", plan.city.name)
        .replace("{year}", &plan.founded.to_string())
        .replace("{customer}", plan.vertical.customer)
}

fn testimonial_author(rng: &mut ChaCha8Rng) -> String {
    let first = crate::names::FIRST_NAMES.choose(rng).unwrap_or(&"Sam");
    let initial = char::from(b'A' + rng.gen_range(0..26u8));
    format!("{first} {initial}.")
}

fn share_links(plan: &Plan) -> String {
    let url = format!("http%3A%2F%2Fwww.{}%2F", plan.domain);
    format!(
        "<div class=\"share\">Share: <a href=\"https://www.facebook.com/sharer/sharer.php?u={url}\">Facebook</a> · \
<a href=\"https://twitter.com/intent/tweet?url={url}\">X</a> · <a href=\"https://www.linkedin.com/shareArticle?mini=true&amp;url={url}\">LinkedIn</a></div>\n\
<iframe width=\"560\" height=\"315\" src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\" title=\"Video tour\" allowfullscreen></iframe>\n"
    )
}

const JAPANESE_MENU: &str = "<section class=\"menu-jp\"><h2>お品書き (Menu)</h2><ul><li>寿司盛り合わせ — Chef's sushi selection</li>\
<li>醤油ラーメン — Shoyu ramen</li><li>焼き鳥 — Yakitori skewers</li><li>抹茶アイス — Matcha ice cream</li></ul>\
<p>いらっしゃいませ！ Welcome to our izakaya.</p></section>\n";

fn home_main(plan: &Plan, rng: &mut ChaCha8Rng) -> String {
    let v = plan.vertical;
    let cta_href = plan.contact.as_ref().map_or("/services", |c| c.path.as_str());
    let mut m = format!(
        "<section class=\"hero\"><div class=\"container\"><{h} class=\"hero-title\">{}</{h}><p>{} has served {} since {}.</p>\
<a class=\"btn btn-primary\" href=\"{cta_href}\">{}</a></div></section>\n",
        esc(plan.tagline),
        esc(&plan.company),
        plan.city.name,
        plan.founded,
        v.cta,
        h = if plan.intel.upkeep.no_h1 { "p" } else { "h1" },
    );
    m.push_str(&plan.intel.home_extras());
    if plan.japanese {
        m.push_str(JAPANESE_MENU);
    }
    m.push_str("<section class=\"services\"><div class=\"container\"><h2>What we do</h2><div class=\"grid\">\n");
    let mut services: Vec<_> = v.services.to_vec();
    services.shuffle(rng);
    for (name, blurb) in services.iter().take(6) {
        let _ =
            writeln!(m, "<div class=\"card\"><h3>{name}</h3><p>{blurb}</p><a href=\"/services\">Learn more</a></div>");
    }
    m.push_str("</div></div></section>\n<section class=\"why\"><div class=\"container\"><h2>Why choose us</h2><ul>");
    for line in STORY_LINES.choose_multiple(rng, 3) {
        let _ = write!(m, "<li>{}</li>", fill(line, plan));
    }
    m.push_str("</ul></div></section>\n<section class=\"testimonials\"><div class=\"container\"><h2>What our customers say</h2>\n");
    for quote in TESTIMONIALS.choose_multiple(rng, 3) {
        let _ = writeln!(
            m,
            "<blockquote><p>“{}”</p><cite>— {}</cite></blockquote>",
            fill(quote, plan),
            testimonial_author(rng)
        );
    }
    m.push_str("</div></section>\n");
    let home_contacts = contacts_at(plan, Loc::Home);
    let owner =
        plan.owner.as_ref().filter(|o| o.places.contains(&OwnerPlace::HomeLine)).map(|_| owner_line(plan, false));
    if !home_contacts.is_empty() || owner.is_some() {
        let _ = writeln!(
            m,
            "<section class=\"home-contact\" id=\"contact\"><div class=\"container\"><h2>Get in touch</h2>\n{}{home_contacts}</div></section>",
            owner.unwrap_or_default()
        );
    }
    if !plan.decoys.phone_texts.is_empty() {
        let _ = writeln!(
            m,
            "<section class=\"facts\"><div class=\"container\"><p>{}</p></div></section>",
            plan.decoys.phone_texts.join(" · ")
        );
    }
    if plan.decoys.share_links {
        m.push_str(&share_links(plan));
    }
    m.push_str("<section class=\"newsletter\"><div class=\"container\"><h2>Stay in the loop</h2><form action=\"/subscribe\" method=\"post\">");
    if plan.decoys.placeholder_email {
        m.push_str("<input type=\"email\" name=\"email\" placeholder=\"you@example.com\" required>");
    } else {
        m.push_str("<input type=\"email\" name=\"email\" placeholder=\"Your email address\" required>");
    }
    m.push_str("<button type=\"submit\">Subscribe</button></form></div></section>\n");
    m
}

fn contact_main(plan: &Plan) -> String {
    let heading = plan.contact.as_ref().map_or("Contact", |c| c.heading.as_str());
    let mut m = format!(
        "<section class=\"page-hero\"><div class=\"container\"><h1>{}</h1><p>We usually reply within one business day.</p></div></section>\n\
<section class=\"contact-details\"><div class=\"container\">\n",
        esc(heading)
    );
    m.push_str(&contacts_at(plan, Loc::Contact));
    if plan.owner.as_ref().is_some_and(|o| o.places.contains(&OwnerPlace::ContactLine)) {
        m.push_str(&owner_line(plan, true));
    }
    let _ = write!(
        m,
        "</div></section>\n<section class=\"contact-form\"><div class=\"container\"><h2>Send us a message</h2>\
<form action=\"/contact/submit\" method=\"post\"><label>Name <input name=\"name\" required></label>\
<label>Email <input type=\"email\" name=\"email\" placeholder=\"{}\"></label><label>Message <textarea name=\"message\" rows=\"5\"></textarea></label>\
<button type=\"submit\">Send</button></form></div></section>\n\
<section class=\"map\"><iframe src=\"https://www.google.com/maps/embed?pb=!1m18!1m12!1m3!1d3022.{}!2d-89.650{}!3d39.781{}\" width=\"600\" height=\"450\" loading=\"lazy\"></iframe></section>\n",
        if plan.decoys.placeholder_email { "you@example.com" } else { "Email address" },
        plan.founded,
        plan.founded % 97,
        plan.founded % 89
    );
    m
}

fn about_main(plan: &Plan, rng: &mut ChaCha8Rng) -> String {
    let heading = plan.about.as_ref().map_or("About", |a| a.heading.as_str());
    let mut m = format!(
        "<section class=\"page-hero\"><div class=\"container\"><h1>{}</h1></div></section>\n<section class=\"story\"><div class=\"container\">\n",
        esc(heading)
    );
    for line in STORY_LINES.choose_multiple(rng, 3) {
        let _ = writeln!(m, "<p>{}</p>", fill(line, plan));
    }
    if let Some(o) = plan.owner.as_ref().filter(|o| o.places.contains(&OwnerPlace::AboutBio)) {
        let name = esc(&o.person.name());
        let first = esc(&o.person.first);
        let title = esc(&o.title);
        let title_lc = esc(&owner_sentence_title(plan, &o.title));
        let company = esc(&plan.company);
        let (city, year) = (plan.city.name, plan.founded);
        let bio = if plan.vertical.doctor {
            match o.bio {
                0 => format!(
                    "<p><strong>Dr. {name}, {title}</strong> founded {company} in {year} after completing a residency in {city}.</p>"
                ),
                1 => format!("<p>Dr. {name}, {title}, has cared for {city} families since {year}.</p>"),
                2 => format!(
                    "<h3>Dr. {name}, {title}</h3><p>Dr. {} opened the practice in {year} and still sees patients four days a week.</p>",
                    esc(&o.person.last)
                ),
                _ => {
                    format!("<p>Meet Dr. {name}, {title}, who founded the practice in {year}.</p>")
                }
            }
        } else {
            match o.bio {
                0 => format!(
                    "<p>Meet <strong>{name}</strong>, our {title_lc}. {first} started {company} in {year} and still answers the phone most mornings.</p>"
                ),
                1 => format!(
                    "<p>{company} was founded in {year} by <strong>{name}</strong>, who still leads the team as {title_lc}.</p>"
                ),
                2 => format!(
                    "<h3>{name}, {title}</h3><p>{first} grew up near {city} and opened {company} in {year}.</p>"
                ),
                _ => format!("<p>{title} <strong>{name}</strong> has led {company} since {year}.</p>"),
            }
        };
        let _ = writeln!(m, "<div class=\"owner-bio\">{bio}</div>");
    }
    m.push_str(&contacts_at(plan, Loc::About));
    if plan.decoys.share_links {
        m.push_str(&share_links(plan));
    }
    m.push_str("<h2>Our values</h2><ul><li>Honesty first</li><li>Do it right the first time</li><li>Leave every place better than we found it</li></ul>\n</div></section>\n");
    m
}

fn team_main(plan: &Plan) -> String {
    let heading = plan.team.as_ref().map_or("Our Team", |t| t.heading.as_str());
    let mut m = format!(
        "<section class=\"page-hero\"><div class=\"container\"><h1>{}</h1><p>The people behind {}.</p></div></section>\n<section class=\"team\"><div class=\"container grid\">\n",
        esc(heading),
        esc(&plan.company)
    );
    if let Some(o) = &plan.owner {
        let name = esc(&o.person.name());
        let (h3, role) = if plan.vertical.doctor {
            (format!("Dr. {name}, {}", esc(&o.title)), "Founder &amp; Lead Dentist".to_string())
        } else {
            (name.clone(), esc(&o.title))
        };
        let _ = writeln!(
            m,
            "<div class=\"team-card owner\"><img src=\"/img/team/{}.jpg\" alt=\"Portrait of {name}\" loading=\"lazy\"><h3>{h3}</h3>\
<p class=\"role\">{role}</p><p>{} founded {} in {}.</p>{}</div>",
            crate::names::slugify(&o.person.name()),
            esc(&o.person.first),
            esc(&plan.company),
            plan.founded,
            contacts_at(plan, Loc::Team)
        );
    }
    for (person, role) in &plan.staff {
        let name = esc(&person.name());
        let _ = writeln!(
            m,
            "<div class=\"team-card\"><img src=\"/img/team/{}.jpg\" alt=\"Portrait of {name}\" loading=\"lazy\"><h3>{name}</h3><p class=\"role\">{role}</p></div>",
            crate::names::slugify(&person.name())
        );
    }
    m.push_str("</div></section>\n");
    m
}

fn services_main(plan: &Plan, rng: &mut ChaCha8Rng) -> String {
    let mut m = String::from(
        "<section class=\"page-hero\"><div class=\"container\"><h1>Services</h1></div></section>\n<section><div class=\"container\">\n",
    );
    for (name, blurb) in plan.vertical.services {
        let _ = writeln!(
            m,
            "<div class=\"service\"><h2>{name}</h2><p>{blurb}</p><p class=\"price\">From ${}</p></div>",
            rng.gen_range(2..90) * 10
        );
    }
    m.push_str("</div></section>\n");
    m
}

const PRIVACY: &str = "<section class=\"legal\"><div class=\"container\"><h1>Privacy Policy</h1>\
<p>We collect only the information you give us through our forms and use it to answer your request. We never sell personal data.</p>\
<p>Our site uses cookies for analytics. You can disable cookies in your browser settings at any time.</p></div></section>\n";

fn not_found_html(plan: &Plan, bp: &Boilerplate) -> String {
    let main = "<section class=\"page-hero\"><div class=\"container\"><h1>Page not found</h1><p>Sorry, we couldn't find that page. <a href=\"/\">Go home</a></p></div></section>\n";
    markup::page(plan, bp, "/404", "Page not found", main, "")
}

fn challenge_page(plan: &Plan, status: u16, rng: &mut ChaCha8Rng) -> Page {
    let ray: String = (0..16).map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)])).collect();
    let body = format!(
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title><meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\
<meta http-equiv=\"X-UA-Compatible\" content=\"IE=Edge\"><meta name=\"robots\" content=\"noindex,nofollow\">\
<style>*{{box-sizing:border-box;margin:0;padding:0}}html{{line-height:1.15}}body{{display:flex;flex-direction:column;height:100vh}}</style>\
<meta http-equiv=\"refresh\" content=\"390\"></head><body class=\"no-js\"><div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">\
<h1 class=\"zone-name-title h1\">www.{domain}</h1><h2 id=\"challenge-running\" class=\"h2\">Checking if the site connection is secure</h2>\
<div id=\"cf-challenge-stage\" class=\"cf-challenge\"></div><noscript><div id=\"challenge-error-title\">Enable JavaScript and cookies to continue</div></noscript>\
<div id=\"challenge-body-text\" class=\"core-msg spacer\">www.{domain} needs to review the security of your connection before proceeding.</div></div></div>\
<script>(function(){{window._cf_chl_opt={{cvId:'2',cZone:'www.{domain}',cType:'managed',cNounce:'{n}',cRay:'{ray}',cHash:'{ray}'}};\
var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/g/orchestrate/managed/v1?ray={ray}';\
window._cf_chl_opt.cOgUHash=location.hash;document.getElementsByTagName('head')[0].appendChild(cpo);}}());</script>\
<div class=\"footer\" role=\"contentinfo\"><div class=\"footer-inner\"><div class=\"ray-id\">Ray ID: <code>{ray}</code></div>\
<div class=\"text-center\" id=\"footer-text\">Performance &amp; security by Cloudflare</div></div></div></body></html>",
        domain = plan.domain,
        n = rng.gen_range(10_000..99_999),
    );
    Page {
        status,
        content_type: Some("text/html; charset=UTF-8".to_string()),
        headers: vec![
            ("Server".to_string(), "cloudflare".to_string()),
            ("cf-mitigated".to_string(), "challenge".to_string()),
            ("cf-ray".to_string(), format!("{ray}-SJC")),
            ("Cache-Control".to_string(), "private, max-age=0, no-store, no-cache, must-revalidate".to_string()),
        ],
        body: PageBody::Bytes(Bytes::from(body)),
        behavior: PageBehavior::Normal,
    }
}

fn captcha_page(plan: &Plan) -> Page {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Security check</title>\
<script src=\"https://www.google.com/recaptcha/api.js\" async defer></script></head><body>\
<div class=\"captcha-wrapper\"><h1>Please verify you are a human</h1><p>Access to {} has been limited after unusual traffic from your network.</p>\
<form action=\"/captcha/verify\" method=\"post\"><div class=\"g-recaptcha\" data-sitekey=\"6LcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"></div>\
<button type=\"submit\">Continue</button></form></div></body></html>",
        esc(&plan.company)
    );
    Page {
        status: 200,
        content_type: Some("text/html; charset=utf-8".to_string()),
        headers: Vec::new(),
        body: PageBody::Bytes(Bytes::from(body)),
        behavior: PageBehavior::Normal,
    }
}

fn binary_page(pdf: bool, plan: &Plan, rng: &mut ChaCha8Rng) -> Page {
    let mut bytes: Vec<u8> = if pdf {
        format!(
            "%PDF-1.4\n%\u{e2}\u{e3}\u{cf}\u{d3}\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n4 0 obj\n<< /Length 44 >>\nstream\n\
BT /F1 24 Tf 72 720 Td ({}) Tj ET\nendstream\nendobj\n",
            plan.company.replace(['(', ')'], "")
        )
        .into_bytes()
    } else {
        vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00, 0x48,
            0x00, 0x00,
        ]
    };
    let filler = rng.gen_range(2_000..6_000);
    bytes.extend((0..filler).map(|_| rng.r#gen::<u8>()));
    if pdf {
        bytes.extend_from_slice(b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    } else {
        bytes.extend_from_slice(&[0xFF, 0xD9]);
    }
    Page {
        status: 200,
        content_type: Some(if pdf { "application/pdf" } else { "image/jpeg" }.to_string()),
        headers: Vec::new(),
        body: PageBody::Bytes(Bytes::from(bytes)),
        behavior: PageBehavior::Normal,
    }
}
