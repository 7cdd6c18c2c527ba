//! One test per evidence key: what each reads, versions and confidence.

use leadsmith_tech::{Kind, Page, Status, Strength};

use crate::support::{detect, detector, page};

#[test]
fn headers_by_name_any_case_with_version() {
    let set = r#"{"Nginx": {"cats": [22], "headers": {"Server": "^nginx(?:/([\\d.]+))?\\;version:\\1"}}}"#;
    let found = detect(set, &page("").header("server", "nginx/1.25.3"));
    let nginx = found.get("Nginx").expect("detected");
    assert_eq!(nginx.version.as_deref(), Some("1.25.3"));
    assert_eq!(nginx.confidence, 100);
    assert_eq!(nginx.status, Status::Detected);
    assert_eq!(nginx.categories[0].name, "Web servers");
    let ev = &nginx.evidence[0];
    assert_eq!((ev.kind, ev.key.as_deref(), ev.snippet.as_str()), (Kind::Headers, Some("server"), "nginx/1.25.3"));
    assert!(detect(set, &page("").header("X-Server", "nginx")).technologies.is_empty(), "other header names");
    assert!(detect(set, &page("").header("Server", "Apache")).technologies.is_empty());
}

#[test]
fn empty_header_pattern_means_present() {
    let set = r#"{"Shopify": {"headers": {"X-ShopId": ""}}}"#;
    assert!(detect(set, &page("").header("x-shopid", "123")).is_detected("Shopify"));
}

#[test]
fn cookies_by_name_exact_and_prefix() {
    let set = r#"{"Shopify": {"cookies": {"_shopify_y": ""}}, "Hotjar": {"cookies": {"_hjSessionUser_*": ""}}}"#;
    let p = Page::from_response("https://a.test/", [("Set-Cookie", "_shopify_y=1; Path=/")], "");
    assert!(detect(set, &p).is_detected("Shopify"));
    let p = page("").cookie("_hjSessionUser_123456", "x");
    assert!(detect(set, &p).is_detected("Hotjar"));
    assert!(detect(set, &page("").cookie("_shopify_yy", "1")).technologies.is_empty());
}

#[test]
fn meta_by_name_or_property() {
    let set = r#"{"WordPress": {"meta": {"generator": "^WordPress(?: ([\\d.]+))?\\;version:\\1"}},
                  "OG": {"meta": {"og:site_name": "Acme"}}}"#;
    let html = r#"<head><meta name="Generator" content="WordPress 6.4.2"><meta property="og:site_name" content="Acme Inc"></head>"#;
    let found = detect(set, &page(html));
    assert_eq!(found.get("WordPress").unwrap().version.as_deref(), Some("6.4.2"));
    assert!(found.is_detected("OG"));
    assert!(detect(set, &page(r#"<meta name="description" content="WordPress 6.4">"#)).technologies.is_empty());
}

#[test]
fn script_src_on_script_urls_only() {
    let set = r#"{"jQuery": {"scriptSrc": "jquery[.-]([\\d.]+)(?:\\.min)?\\.js\\;version:\\1"}}"#;
    let found = detect(set, &page(r#"<script src="/assets/jquery-3.7.1.min.js?ver=1&amp;x=2"></script>"#));
    let jq = found.get("jQuery").unwrap();
    assert_eq!(jq.version.as_deref(), Some("3.7.1"));
    assert_eq!(jq.evidence[0].kind, Kind::ScriptSrc);
    assert_eq!(jq.evidence[0].snippet, "jquery-3.7.1.min.js");
    // The same URL in a link or in text is not a script source.
    let found = detect(set, &page(r#"<a href="/jquery-3.7.1.min.js">download</a>"#));
    assert!(found.technologies.is_empty(), "{found:?}");
}

#[test]
fn scripts_on_inline_script_bodies() {
    let set = r#"{"Matomo": {"scripts": "_paq\\.push\\(\\[['\"]trackPageView"}}"#;
    let found = detect(set, &page(r#"<script>var _paq = window._paq || []; _paq.push(['trackPageView']);</script>"#));
    assert!(found.is_detected("Matomo"));
    assert_eq!(found.get("Matomo").unwrap().evidence[0].kind, Kind::Scripts);
    assert!(detect(set, &page("<p>_paq.push(['trackPageView'])</p>")).technologies.is_empty());
}

#[test]
fn html_in_markup() {
    let set = r#"{"Elementor": {"html": "<div[^>]+class=\"[^\"]*elementor-section"}}"#;
    let found = detect(set, &page(r#"<div class="elementor-section elementor-top">x</div>"#));
    let e = found.get("Elementor").unwrap();
    assert_eq!((e.status, e.evidence[0].strength), (Status::Detected, Strength::Strong));
}

#[test]
fn url_of_the_page() {
    let set = r#"{"Shopify": {"url": "^https?://[^/]+\\.myshopify\\.com"}}"#;
    let found = detector(set).detect(&Page::new("https://acme.myshopify.com/products/x", ""));
    assert!(found.is_detected("Shopify"));
    assert_eq!(found.get("Shopify").unwrap().evidence[0].kind, Kind::Url);
    assert!(detector(set).detect(&Page::new("https://acme.test/?ref=x.myshopify.com", "")).technologies.is_empty());
}

#[test]
fn confidence_sums_distinct_patterns_and_caps_at_100() {
    let set = r#"{"X": {"headers": {"X-A": "\\;confidence:30", "X-B": "\\;confidence:30"},
                        "cookies": {"xc": "\\;confidence:60"}}}"#;
    let one = detect(set, &page("").header("X-A", "1"));
    assert_eq!((one.get("X").unwrap().confidence, one.get("X").unwrap().status), (30, Status::Possible));
    let two = detect(set, &page("").header("X-A", "1").header("X-B", "1"));
    assert_eq!((two.get("X").unwrap().confidence, two.get("X").unwrap().status), (60, Status::Detected));
    let all = detect(set, &page("").header("X-A", "1").header("X-B", "1").cookie("xc", "1"));
    assert_eq!(all.get("X").unwrap().confidence, 100);
    // The same pattern twice counts once.
    let twice = detect(set, &page("").header("X-A", "1").header("X-A", "2"));
    assert_eq!(twice.get("X").unwrap().confidence, 30);
}

#[test]
fn highest_version_wins_and_ternary_versions() {
    let set = r#"{"Lib": {"scriptSrc": ["lib-([\\d.]+)\\.js\\;version:\\1"],
                          "headers": {"X-Lib": "(next)?\\;version:\\1?9.0:1.0"}}}"#;
    let html = r#"<script src="/lib-1.9.js"></script><script src="/lib-1.10.js"></script>"#;
    let found = detect(set, &page(html));
    assert_eq!(found.get("Lib").unwrap().version.as_deref(), Some("1.9"), "first matching src per pattern");
    let found = detect(set, &page(html).header("X-Lib", "next"));
    assert_eq!(found.get("Lib").unwrap().version.as_deref(), Some("9.0"));
    let found = detect(set, &page("").header("X-Lib", "old"));
    assert_eq!(found.get("Lib").unwrap().version.as_deref(), Some("1.0"));
}

#[test]
fn dom_exists_text_and_attributes() {
    let set = r##"{
        "WP Admin Bar": {"dom": "#wpadminbar"},
        "Calendly": {"dom": {"iframe[src*='calendly.com']": {"attributes": {"src": "calendly\\.com/([a-z-]+)\\;version:\\1"}}}},
        "Trustpilot": {"dom": {"div.trustpilot-widget": {"exists": "\\;confidence:60"}}},
        "Wix Footer": {"dom": {"footer .wix-credit": {"text": "Made with Wix"}}},
        "Listed": {"dom": ["span.listed-one", "span.listed-two"]}
    }"##;
    let html = r#"<body><div id="wpadminbar"></div>
<iframe src="https://calendly.com/acme-sales/30min?embed=true" width="100%"></iframe>
<div class="x trustpilot-widget" data-locale="en-US"></div>
<footer><p class="wix-credit">Made with <b>Wix</b></p></footer>
<span class="listed-two">x</span></body>"#;
    let found = detect(set, &page(html));
    assert!(found.is_detected("WP Admin Bar"));
    let cal = found.get("Calendly").unwrap();
    assert_eq!(cal.version.as_deref(), Some("acme-sales"));
    assert_eq!(cal.evidence[0].kind, Kind::Dom);
    assert_eq!(cal.evidence[0].key.as_deref(), Some("iframe[src*='calendly.com']"));
    assert_eq!(cal.evidence[0].snippet, "src=\"calendly.com/acme-sales\"");
    assert_eq!(found.get("Trustpilot").unwrap().confidence, 60);
    let wix = found.get("Wix Footer").unwrap();
    assert_eq!(wix.evidence[0].snippet, "Made with Wix", "text of the element and its descendants");
    assert!(found.is_detected("Listed"));
    // Nothing matches on a page without those elements, even when the words are there.
    let other = detect(set, &page(r#"<p>wpadminbar trustpilot-widget Made with Wix calendly.com</p>"#));
    assert!(other.technologies.is_empty(), "{other:?}");
}

#[test]
fn dom_selectors_the_static_evaluator_cannot_run_are_reported() {
    let (d, warnings) = crate::support::detector_with_warnings(
        r##"{"A": {"dom": {"h1 + p.a-marker": {"exists": ""}, "div.react-root": {"properties": {"_reactRootContainer": ""}}, "#a-ok": {"exists": ""}}}}"##,
    );
    let kinds: Vec<_> = warnings.iter().map(|w| (w.kind, w.pattern.clone().unwrap_or_default())).collect();
    assert_eq!(
        kinds,
        [
            (leadsmith_tech::WarningKind::Unsupported, "div.react-root".to_string()),
            (leadsmith_tech::WarningKind::BadSelector, "h1 + p.a-marker".to_string())
        ]
    );
    assert!(d.detect(&page(r#"<b id="a-ok"></b>"#)).is_detected("A"));
}

#[test]
fn js_globals_assigned_by_inline_scripts() {
    let set = r#"{"Shopify": {"js": {"Shopify.shop": "\\.myshopify\\.com$"}},
                  "HubSpot": {"js": {"_hsq": ""}},
                  "Wix": {"js": {"wixBiSession.version": "^([\\d.]+)$\\;version:\\1"}}}"#;
    let html = r#"<script>window.Shopify = window.Shopify || {}; Shopify.shop = "acme.myshopify.com";</script>
<script>var _hsq = window._hsq = window._hsq || [];</script><script>wixBiSession.version = '1.2.3';</script>"#;
    let found = detect(set, &page(html));
    let shop = found.get("Shopify").unwrap();
    assert_eq!((shop.evidence[0].kind, shop.evidence[0].key.as_deref()), (Kind::Js, Some("Shopify.shop")));
    assert_eq!(shop.evidence[0].snippet, "Shopify.shop = acme.myshopify.com");
    assert!(found.is_detected("HubSpot"));
    assert_eq!(found.get("Wix").unwrap().version.as_deref(), Some("1.2.3"));
    // Reading, comparing or mentioning a global is not assigning it.
    let html =
        r#"<script>if (window.Shopify == null) { console.log("Shopify.shop _hsq"); }</script><p>var _hsq = 1</p>"#;
    assert!(detect(set, &page(html)).technologies.is_empty());
    // A value the pattern needs but the script does not give as a literal.
    assert!(detect(set, &page("<script>Shopify.shop = getShop();</script>")).technologies.is_empty());
}

#[test]
fn text_alone_never_detects_but_corroborates() {
    let set = r#"{"Squarespace": {"text": "Powered by Squarespace", "meta": {"generator": "Squarespace"}}}"#;
    let prose = page("<footer><p>Powered by Squarespace</p></footer>");
    assert!(detect(set, &prose).technologies.is_empty());
    let both = detect(set, &page(r#"<meta name="generator" content="Squarespace"><p>Powered by Squarespace</p>"#));
    let sq = both.get("Squarespace").unwrap();
    assert_eq!(sq.confidence, 100);
    let text = sq.evidence.iter().find(|e| e.kind == Kind::Text).expect("listed");
    assert_eq!((text.strength, text.confidence), (Strength::Mention, 0));
}

#[test]
fn css_in_stylesheet_urls_is_strong_in_inline_styles_weak() {
    let set = r#"{"Bootstrap": {"css": "bootstrap(?:\\.min)?\\.css|\\.navbar-expand-lg"}}"#;
    let linked = detect(set, &page(r#"<link rel="stylesheet" href="/css/bootstrap.min.css">"#));
    assert_eq!(linked.get("Bootstrap").unwrap().status, Status::Detected);
    let inline = detect(set, &page("<style>.navbar-expand-lg{display:flex}</style>"));
    let b = inline.get("Bootstrap").unwrap();
    assert_eq!((b.status, b.confidence, b.evidence[0].strength), (Status::Possible, 25, Strength::Weak));
    assert!(detect(set, &page(r#"<a href="/css/bootstrap.min.css">css</a>"#)).technologies.is_empty());
}

#[test]
fn robots_txt() {
    let set = r#"{"WordPress": {"robots": "Disallow: /wp-admin/"}}"#;
    let found = detect(set, &page("").robots("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"));
    assert_eq!(found.get("WordPress").unwrap().evidence[0].kind, Kind::Robots);
    assert!(detect(set, &page("")).technologies.is_empty());
}

#[test]
fn dns_records_by_type() {
    let set = r#"{"Google Workspace": {"cats": [75], "dns": {"MX": ["aspmx\\.l\\.google\\.com", "googlemail\\.com"], "TXT": "google-site-verification"}}}"#;
    let found = detect(set, &page("").dns("mx", "1 ASPMX.L.GOOGLE.COM."));
    let g = found.get("Google Workspace").unwrap();
    assert_eq!((g.evidence[0].kind, g.evidence[0].key.as_deref()), (Kind::Dns, Some("MX")));
    assert_eq!(g.categories[0].name, "Email");
    assert!(
        detect(set, &page("").dns("TXT", "aspmx.l.google.com")).technologies.is_empty(),
        "MX pattern on a TXT record"
    );
}
