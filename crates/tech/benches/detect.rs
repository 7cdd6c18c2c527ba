//! Technology detection throughput in pages per second on one core, over the sample web's HTML pages
//! (10–60 KB small-business pages with analytics, maps and video embeds, inline CSS and scripts) plus a
//! ~30 KB WordPress/WooCommerce page dense with markers: with our default set, and with the default set
//! plus 5,000 generated technologies in the same format (every key kind, distinct literals, so the
//! prefilter automaton is as large as a full community set's).
//!
//! `cargo bench -p leadsmith-tech --bench detect -- --quick`

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leadsmith_tech::{Detector, FingerprintSet, Page};
use leadsmith_testkit::SampleWeb;

/// Pages from the sample web (every HTML page of its first sites) and one marker-dense shop page.
fn pages() -> Vec<Page> {
    let web = SampleWeb::generate(42, 24);
    let mut out = Vec::new();
    for site in web.sites() {
        for (path, raw) in &site.pages {
            if let Some(html) = site.html(path) {
                let headers = raw.headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                let page = Page::from_response(format!("http://www.{}{path}", site.domain), headers, html)
                    .header("Server", "nginx/1.24.0")
                    .header("Content-Type", "text/html; charset=utf-8");
                out.push(page);
            }
        }
    }
    out.push(shop_page());
    out
}

fn shop_page() -> Page {
    let mut h = String::from(
        r#"<!DOCTYPE html><html><head><meta name="generator" content="WordPress 6.5.2"><meta name="generator" content="WooCommerce 8.8.2">
<link rel="stylesheet" href="/wp-content/themes/astra/style.css?ver=4.6"><link rel="stylesheet" href="/wp-content/plugins/woocommerce/assets/css/woocommerce.css">
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script><script src="https://js.stripe.com/v3/"></script>
<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script><script>gtag('config', 'G-ABC123');</script>
<script>!function(f,b,e,v){}(window,document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init','1');</script>
<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js"></script><style>.elementor-widget{margin:0}</style></head>
<body class="home woocommerce-page"><div class="elementor-section">"#,
    );
    for i in 0..80 {
        let _ = write!(
            h,
            r#"<div class="product-card"><img src="/wp-content/uploads/2024/0{m}/p{i}.jpg" loading="lazy"><h3>Product {i}</h3><p>Hand-made, ships in two days. Pay with Klarna or PayPal.</p><a class="button add_to_cart_button" href="/?add-to-cart={i}">Add to cart</a></div>"#,
            m = i % 9 + 1
        );
    }
    h.push_str(r#"</div><div class="trustpilot-widget" data-locale="en-US"></div><script src="//widget.trustpilot.com/bootstrap/v5/tp.widget.bootstrap.min.js"></script><script src="https://widget.intercom.io/widget/abc"></script></body></html>"#);
    Page::new("https://shop.example.test/", h).header("Server", "cloudflare").cookie("woocommerce_items_in_cart", "1")
}

/// `n` technologies in the format, each with a pattern of most kinds and literals of its own.
fn synthetic(n: usize) -> String {
    let mut s = String::from("{\n");
    for i in 0..n {
        if i > 0 {
            s.push_str(",\n");
        }
        let _ = write!(
            s,
            r##""Synthetic {i}": {{"cats": [{cat}], "website": "https://synth{i}.example/",
 "scriptSrc": ["cdn\\.synth{i}\\.example/v([\\d.]+)/\\;version:\\1"],
 "html": ["<div[^>]+class=\"synth{i}-widget"],
 "headers": {{"X-Synth{i}-Id": ""}}, "cookies": {{"_synth{i}_sid": ""}}, "meta": {{"synth{i}-app": ""}},
 "js": {{"Synth{i}.version": "^([\\d.]+)$\\;version:\\1"}},
 "dom": {{"#synth{i}-root": {{"exists": ""}}}}{extra}}}"##,
            cat = [1, 6, 10, 36, 52, 72][i % 6],
            extra = match i % 5 {
                0 => format!(r#", "css": ["\\.synth{i}-button"]"#),
                1 => format!(r#", "text": ["Powered by Synth{i}"]"#),
                2 => format!(r#", "scripts": ["synth{i}\\.init\\("]"#),
                3 => format!(r#", "implies": "Synthetic {}""#, (i + 1) % n),
                _ => String::new(),
            }
        );
    }
    s.push_str("\n}\n");
    s
}

fn bench_detect(c: &mut Criterion) {
    let pages = pages();
    let builtin = Detector::builtin();
    let mut big = FingerprintSet::builtin();
    let warnings = big.load_json("synthetic.json", &synthetic(5_000)).expect("synthetic set loads");
    assert!(warnings.is_empty(), "{warnings:?}");
    let big = Detector::new(&big);
    let bytes: usize = pages.iter().map(|p| p.html.len()).sum();
    eprintln!("{} pages, {} bytes; builtin {} technologies, large {}", pages.len(), bytes, builtin.len(), big.len());

    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(pages.len() as u64));
    for (name, detector) in [("builtin", &builtin), ("builtin_plus_5000", &big)] {
        group.bench_function(format!("{name}_{}_pages", pages.len()), |b| {
            b.iter(|| {
                for page in &pages {
                    black_box(detector.detect(black_box(page)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_detect);
criterion_main!(benches);
