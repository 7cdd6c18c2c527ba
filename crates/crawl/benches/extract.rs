//! Throughput of `extract` (every extractor on) over generated, realistic pages: a ~30 KB small-business
//! home page, a ~12 KB contact page and a ~200 KB markup-heavy listing page; next to it, the bare lol_html
//! pass with no-op handlers that any one-pass design pays.
//!
//! `cargo bench -p leadsmith-crawl --bench extract -- --quick`

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leadsmith_crawl::{ExtractOptions, extract};
use lol_html::{HtmlRewriter, Settings, doc_text, element};
use url::Url;

const CSS_RULE: &str =
    ".btn-primary{display:inline-block;padding:.75rem 1.5rem;border-radius:4px;background:#0a6;color:#fff}\n";
const JS_LINE: &str = "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}gtag('js',new Date());gtag('config','G-ABC123');\n";

fn head(title: &str, extra: &str) -> String {
    let mut h = String::new();
    write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta name="description" content="Bright Smile Dental offers family, cosmetic and emergency dentistry in Springfield, IL. Call (217) 555-0100 to book.">
<meta property="og:site_name" content="Bright Smile Dental"><meta property="og:title" content="{title}">
<meta property="og:description" content="Gentle family dentistry in Springfield."><meta property="og:image" content="https://brightsmile.test/img/og.jpg">
<meta name="twitter:card" content="summary_large_image"><meta name="twitter:site" content="@brightsmile">
<link rel="stylesheet" href="/css/main.css?v=3"><link rel="icon" href="/favicon.ico">
<style>"#
    )
    .unwrap();
    for _ in 0..40 {
        h.push_str(CSS_RULE);
    }
    h.push_str("</style><script>");
    for _ in 0..20 {
        h.push_str(JS_LINE);
    }
    h.push_str("var dsn='a3f9c2e1b4d5f60718293a4b5c6d7e8f@o123456.ingest.sentry.io/42';</script>");
    h.push_str(extra);
    h.push_str("</head>");
    h
}

const JSONLD: &str = r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"Bright Smile Dental","url":"https://brightsmile.test/"},{"@type":["Dentist","LocalBusiness"],"name":"Bright Smile Dental","telephone":"+1-217-555-0100","email":"hello@brightsmile.test","address":{"@type":"PostalAddress","streetAddress":"123 Main St, Suite 4","addressLocality":"Springfield","addressRegion":"IL","postalCode":"62704","addressCountry":"US"},"founder":{"@type":"Person","name":"Dr. Ann Lee"},"sameAs":["https://www.facebook.com/brightsmile","https://www.instagram.com/brightsmile/"],"openingHoursSpecification":[{"@type":"OpeningHoursSpecification","dayOfWeek":["Monday","Tuesday"],"opens":"08:00","closes":"17:00"}]}]}</script>"#;

fn nav() -> String {
    let mut n = String::from(
        r#"<body class="home page-template"><header class="site-header"><nav class="main-nav"><ul class="menu">"#,
    );
    for (href, text) in [
        ("/", "Home"),
        ("/about-us/", "About Us"),
        ("/our-team/", "Our Team"),
        ("/services/", "Services"),
        ("/services/cleanings/", "Cleanings"),
        ("/services/implants/", "Implants"),
        ("/services/whitening/", "Whitening"),
        ("/new-patients/", "New Patients"),
        ("/blog/", "Blog"),
        ("/contact/", "Contact"),
    ] {
        write!(
            n,
            r#"<li class="menu-item menu-item-type-post_type"><a href="{href}" class="nav-link">{text}</a></li>"#
        )
        .unwrap();
    }
    n.push_str(r#"</ul></nav><a class="btn btn-primary" href="tel:+12175550100">Call (217) 555-0100</a></header>"#);
    n
}

fn footer() -> String {
    r#"<footer class="site-footer"><div class="container"><div class="col"><h4>Visit Us</h4>
<p>Bright Smile Dental<br>123 Main St, Suite 4<br>Springfield, IL 62704</p>
<p>Phone: <a href="tel:2175550100">(217) 555-0100</a><br>Fax: (217) 555-0101<br>Email: <a href="mailto:hello@brightsmile.test">hello@brightsmile.test</a></p></div>
<div class="col social"><a href="https://www.facebook.com/brightsmile"><svg viewBox="0 0 24 24"><path d="M12 2C6.5 2 2 6.5 2 12s4.5 10 10 10 10-4.5 10-10S17.5 2 12 2z"/></svg></a>
<a href="https://www.instagram.com/brightsmile/">Instagram</a><a href="https://www.linkedin.com/company/bright-smile-dental/">LinkedIn</a>
<a href="https://www.facebook.com/sharer/sharer.php?u=https://brightsmile.test/">Share</a></div>
<p class="copyright">&copy; 2024 Bright Smile Dental. All rights reserved. <a href="/privacy-policy/">Privacy Policy</a></p></div></footer>
<script src="/js/jquery.min.js"></script><script>jQuery(function($){$('.menu').on('click',function(){$(this).toggleClass('open')})});</script></body></html>"#
        .to_string()
}

/// ~30 KB home page: nav, hero, services, testimonials, team blurb, footer with contact details.
fn home_page() -> String {
    let mut p = head("Home | Bright Smile Dental", JSONLD);
    p.push_str(&nav());
    p.push_str(r#"<main id="content"><section class="hero"><div class="container"><h1>Gentle, modern dentistry for the whole family</h1><p>Serving Springfield since 1998.</p><a class="btn" href="/book-appointment/">Book an appointment</a></div></section><section class="services"><div class="container"><div class="row">"#);
    for i in 0..24 {
        write!(
            p,
            r#"<div class="col-md-4 service-card" data-aos="fade-up" data-aos-delay="{d}"><div class="card-inner"><img src="/img/service-{i}.jpg" srcset="/img/service-{i}@2x.jpg 2x" alt="Service {i}" loading="lazy" width="400" height="300"><h3 class="card-title">Service number {i}</h3><p class="card-text">Our team provides comprehensive care with the latest technology, from routine cleanings to advanced restorative treatments. Appointments start at $99 and most insurance plans are accepted.</p><a href="/services/service-{i}/" class="read-more">Learn more</a></div></div>"#,
            d = i * 50
        )
        .unwrap();
    }
    p.push_str(r#"</div></div></section><section class="testimonials"><div class="container">"#);
    for i in 0..10 {
        write!(p, r#"<blockquote class="testimonial"><p>“Dr. Lee and her staff are wonderful. I have been a patient for {i} years and would never go anywhere else!”</p><cite>— Patient {i}, 2023-0{m}-1{i}</cite></blockquote>"#, m = i % 9 + 1).unwrap();
    }
    p.push_str(r#"</div></section><section class="faq"><div class="container"><h2>Frequently asked questions</h2>"#);
    for i in 0..8 {
        write!(p, r#"<details class="faq-item" id="faq-{i}"><summary>Question {i}: do you accept my insurance plan?</summary><div class="faq-answer"><p>We accept most PPO plans and offer an in-house membership for patients without insurance. Call the office or email hello [at] brightsmile [dot] test and our front desk will check your benefits before your first visit.</p></div></details>"#).unwrap();
    }
    p.push_str(r#"</div></section><section class="team"><div class="container"><h2>Meet Dr. Ann Lee, our founder</h2><p>Dr. Ann Lee, DDS founded Bright Smile Dental in 1998 after graduating from dental school. She lives in Springfield with her family.</p></div></section></main>"#);
    p.push_str(&footer());
    p
}

/// ~12 KB contact page with a form, hours table and an obfuscated email.
fn contact_page() -> String {
    let mut p = head("Contact Us - Bright Smile Dental", "");
    p.push_str(&nav());
    p.push_str(r#"<main><h1>Contact Us</h1><address>123 Main St, Suite 4<br>Springfield, IL 62704</address><p>Call us: (217) 555-0100 · Fax: (217) 555-0101 · Email: hello [at] brightsmile [dot] test</p><table class="hours">"#);
    for day in ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] {
        write!(p, "<tr><td>{day}</td><td>8:00 am - 5:00 pm</td></tr>").unwrap();
    }
    p.push_str(r#"</table><form action="/contact/" method="post"><label>Name<input name="name" type="text" required></label><label>Email<input name="email" type="email"></label><label>Message<textarea name="message"></textarea></label><button type="submit">Send</button></form></main>"#);
    p.push_str(&footer());
    p
}

/// ~200 KB listing page: deep, attribute-heavy markup with SVG icons, prices, dates and many links.
fn heavy_page() -> String {
    let mut p = head("Blog Archive | Bright Smile Dental", JSONLD);
    p.push_str(&nav());
    p.push_str(r#"<main class="archive"><div class="container"><div class="row"><div class="col-lg-8">"#);
    let mut i = 0;
    while p.len() < 195_000 {
        write!(
            p,
            r#"<article id="post-{i}" class="post-{i} post type-post status-publish format-standard has-post-thumbnail hentry category-news tag-dental" data-id="{i}" data-track='{{"event":"view","id":{i}}}'><div class="entry-wrap"><div class="entry-thumb"><a href="/blog/post-{i}/" aria-label="Read post {i}"><picture><source srcset="/img/p{i}.webp" type="image/webp"><img src="/img/p{i}.jpg" alt="" width="800" height="450" decoding="async"></picture></a></div><header class="entry-header"><h2 class="entry-title"><a href="/blog/post-{i}/" rel="bookmark">Five tips for healthier teeth, part {i}</a></h2><div class="entry-meta"><span class="posted-on"><svg class="icon" aria-hidden="true" viewBox="0 0 16 16"><path d="M3 1v2H1v12h14V3h-2V1h-2v2H5V1z"/></svg><time datetime="2024-01-{d:02}T09:00:00+00:00">January {d}, 2024</time></span><span class="byline"> by <a class="url fn n" href="/author/staff/">Staff</a></span><span class="price">From $1,299.00</span></div></header><div class="entry-summary"><p>Brushing twice a day and flossing once a day keeps most problems away. Order #{order} shipped on 2024-01-{d:02}; reference 4815162342. Read on for the rest of our advice on diet, sleep and regular check-ups.</p></div><footer class="entry-footer"><span class="cat-links"><a href="/category/news/" rel="category tag">News</a></span><span class="tags-links"><a href="/tag/dental/" rel="tag">dental</a></span></footer></div></article>"#,
            d = i % 28 + 1,
            order = 100_000 + i
        )
        .unwrap();
        i += 1;
    }
    p.push_str(r#"</div></div></div></main>"#);
    p.push_str(&footer());
    p
}

fn pages() -> [(&'static str, String); 3] {
    [("home_30k", home_page()), ("contact_12k", contact_page()), ("heavy_200k", heavy_page())]
}

fn bench_extract(c: &mut Criterion) {
    let url = Url::parse("https://brightsmile.test/").unwrap();
    let opts = ExtractOptions::default();
    let mut group = c.benchmark_group("extract");
    for (name, html) in pages() {
        group.throughput(Throughput::Bytes(html.len() as u64));
        group.bench_function(format!("{name}_{}b", html.len()), |b| b.iter(|| extract(black_box(&html), &url, &opts)));
    }
    group.finish();
}

/// The floor for any one-pass lol_html extractor: every element and every text chunk handed to a no-op
/// handler. This machine's speed drifts between runs; `extract` is best read against this number.
fn bench_lol_html_floor(c: &mut Criterion) {
    let mut group = c.benchmark_group("lol_html_floor");
    for (name, html) in pages() {
        group.throughput(Throughput::Bytes(html.len() as u64));
        group.bench_function(format!("{name}_{}b", html.len()), |b| {
            b.iter(|| {
                let settings = Settings {
                    element_content_handlers: vec![element!("*", |_el| Ok(()))],
                    document_content_handlers: vec![doc_text!(|_t| Ok(()))],
                    strict: false,
                    ..Settings::new()
                };
                let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
                rewriter.write(black_box(html.as_bytes())).and_then(|()| rewriter.end()).unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_extract, bench_lol_html_floor);
criterion_main!(benches);
