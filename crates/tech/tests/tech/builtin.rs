//! Our default fingerprints: they load cleanly, cover the categories small-business and B2B sites need,
//! and detect each product from the markers it really puts on a page.

use std::collections::BTreeMap;

use leadsmith_tech::{Detector, FingerprintSet, Page};

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fingerprints")
}

#[test]
fn load_without_a_warning_and_resolve_every_reference() {
    let mut set = FingerprintSet::new();
    let warnings = set.load_path(dir()).unwrap();
    assert!(warnings.is_empty(), "{:#?}", warnings.iter().map(ToString::to_string).collect::<Vec<_>>());
    let d = Detector::new(&set);
    assert!(d.warnings().is_empty(), "{:#?}", d.warnings());
    assert_eq!(FingerprintSet::builtin().len(), set.len(), "every file in fingerprints/ is embedded");
    assert!(Detector::builtin().warnings().is_empty());
}

#[test]
fn at_least_200_technologies_each_with_a_website_categories_and_our_licence() {
    let set = FingerprintSet::builtin();
    assert!(set.len() >= 200, "{} technologies", set.len());
    for t in set.technologies() {
        assert!(t.website().is_some_and(|w| w.starts_with("https://")), "{} has no website", t.name());
        assert!(!t.category_ids().is_empty(), "{} has no category", t.name());
        assert!(t.source().file.starts_with("builtin/"), "{}", t.source().file);
        assert_eq!(t.source().license.as_deref(), Some("Apache-2.0"));
    }
}

#[test]
fn every_category_the_issue_names_is_covered() {
    let set = FingerprintSet::builtin();
    let mut per_cat: BTreeMap<u32, usize> = BTreeMap::new();
    for t in set.technologies() {
        for c in t.category_ids() {
            *per_cat.entry(*c).or_default() += 1;
        }
    }
    // CMS, page builders, e-commerce, analytics, advertising, retargeting, tag managers, marketing
    // automation, CRM, forms, live chat, scheduling, reservations, payments, BNPL, reviews, CDN, hosting,
    // PaaS, web servers, languages, web frameworks, JS frameworks, JS libraries, UI frameworks, fonts,
    // consent, email, security.
    for (cat, at_least) in [
        (1, 10),
        (51, 5),
        (6, 10),
        (10, 15),
        (36, 10),
        (77, 5),
        (42, 3),
        (32, 15),
        (53, 5),
        (110, 5),
        (52, 15),
        (72, 15),
        (93, 5),
        (41, 15),
        (91, 3),
        (90, 10),
        (31, 8),
        (88, 5),
        (62, 5),
        (22, 8),
        (27, 5),
        (18, 5),
        (12, 8),
        (59, 8),
        (66, 3),
        (17, 3),
        (67, 10),
        (75, 15),
        (16, 3),
    ] {
        let n = per_cat.get(&cat).copied().unwrap_or(0);
        assert!(n >= at_least, "category {cat}: {n} technologies, want {at_least}");
    }
}

/// A page carrying one product's real markers, and what must be detected on it.
fn cases() -> Vec<(Page, &'static [&'static str])> {
    let p = |html: &str| Page::new("https://www.acme-plumbing.test/", html);
    vec![
        (
            p(r#"<meta name="generator" content="WordPress 6.5.2"><link rel="stylesheet" href="/wp-content/themes/astra/style.css?ver=4.6"><script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script>"#),
            &["WordPress", "Astra", "jQuery", "PHP", "MySQL"],
        ),
        (
            p(r#"<meta name="generator" content="Elementor 3.21.0; features: e_optimized_assets_loading"><meta name="generator" content="WordPress 6.5"><div class="elementor-section elementor-top-section"></div>"#),
            &["Elementor", "WordPress"],
        ),
        (
            p(r#"<meta name="generator" content="Wix.com Website Builder"><script src="https://static.parastorage.com/services/wix-thunderbolt/dist/main.js"></script>"#),
            &["Wix"],
        ),
        (
            p(r#"<!-- This is Squarespace. --><script src="https://static1.squarespace.com/static/vta/5c5a519771c10ba3470d8101/scripts/site-bundle.js"></script>"#),
            &["Squarespace"],
        ),
        (
            p(r#"<html data-wf-page="64a1" data-wf-site="64a0"><script src="https://assets.website-files.com/64a0/js/webflow.8d2a.js"></script></html>"#),
            &["Webflow"],
        ),
        (
            p(r#"<script>window.Shopify = window.Shopify || {}; Shopify.shop = "acme.myshopify.com";</script><link rel="stylesheet" href="//cdn.shopify.com/s/files/1/0/t/1/assets/theme.css">"#)
                .cookie("_shopify_y", "abc"),
            &["Shopify"],
        ),
        (
            p(r#"<meta name="generator" content="WooCommerce 8.8.2"><body class="home woocommerce-page"><link rel='stylesheet' href='/wp-content/plugins/woocommerce/assets/css/woocommerce.css?ver=8.8.2'>"#),
            &["WooCommerce", "WordPress"],
        ),
        (
            p(r#"<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script><script>gtag('config', 'G-ABC123');</script>"#),
            &["Google Analytics"],
        ),
        (
            p(r#"<script>(function(w,d,s,l,i){w[l]=w[l]||[];j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;})(window,document,'script','dataLayer','GTM-AB12CD');</script><noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-AB12CD" height="0" width="0"></iframe></noscript>"#),
            &["Google Tag Manager"],
        ),
        (
            p(r#"<script>!function(f,b,e,v,n,t,s){t.src=v;}(window, document,'script','https://connect.facebook.net/en_US/fbevents.js');fbq('init', '1234567890');</script>"#),
            &["Meta Pixel"],
        ),
        (
            p(r#"<script type="text/javascript">_linkedin_partner_id = "123456";</script><script src="https://snap.licdn.com/li.lms-analytics/insight.min.js"></script>"#),
            &["LinkedIn Insight Tag"],
        ),
        (
            p(r#"<script>(function(h,o,t,j,a,r){h._hjSettings={hjid:123,hjsv:6};r.src=t+h._hjSettings.hjid+j;})(window,document,'https://static.hotjar.com/c/hotjar-','.js?sv=');</script>"#),
            &["Hotjar"],
        ),
        (
            p(r#"<script type="text/javascript" id="hs-script-loader" async defer src="//js.hs-scripts.com/1234567.js"></script>"#),
            &["HubSpot"],
        ),
        (
            p(r#"<div id="mc_embed_signup"><form action="https://acme.us21.list-manage.com/subscribe/post?u=1&amp;id=2" method="post"></form></div>"#),
            &["Mailchimp"],
        ),
        (
            p(r#"<script src="//munchkin.marketo.net/munchkin.js"></script><form id="mktoForm_1234"></form>"#),
            &["Marketo"],
        ),
        (
            p(r#"<script src="https://widget.intercom.io/widget/abc123"></script>"#),
            &["Intercom"],
        ),
        (
            p(r#"<script>var Tawk_API=Tawk_API||{}, Tawk_LoadStart=new Date();(function(){s1.src='https://embed.tawk.to/5f0/default';})();</script>"#),
            &["Tawk.to"],
        ),
        (
            p(r#"<div class="calendly-inline-widget" data-url="https://calendly.com/acme/30min"></div><script src="https://assets.calendly.com/assets/external/widget.js" async></script>"#),
            &["Calendly"],
        ),
        (
            p(r#"<iframe src="https://app.acuityscheduling.com/schedule.php?owner=123" width="100%"></iframe><script src="https://embed.acuityscheduling.com/js/embed.js"></script>"#),
            &["Acuity Scheduling"],
        ),
        (
            p(r#"<script src="//www.opentable.com/widget/reservation/loader?rid=1&amp;type=standard"></script>"#),
            &["OpenTable"],
        ),
        (
            p(r#"<script src="https://js.stripe.com/v3/"></script><stripe-buy-button buy-button-id="buy_btn_1"></stripe-buy-button>"#),
            &["Stripe"],
        ),
        (
            p(r#"<script src="https://www.paypal.com/sdk/js?client-id=abc&currency=USD"></script>"#),
            &["PayPal"],
        ),
        (
            p(r#"<div class="trustpilot-widget" data-locale="en-US"></div><script src="//widget.trustpilot.com/bootstrap/v5/tp.widget.bootstrap.min.js" async></script>"#),
            &["Trustpilot"],
        ),
        (
            p(r#"<script src="https://cdn.cookielaw.org/scripttemplates/otSDKStub.js" data-domain-script="abc"></script>"#),
            &["OneTrust"],
        ),
        (
            p(r#"<script id="Cookiebot" src="https://consent.cookiebot.com/uc.js" data-cbid="abc"></script>"#),
            &["Cookiebot"],
        ),
        (
            p(r#"<script src="https://www.google.com/recaptcha/api.js" async defer></script><div class="g-recaptcha" data-sitekey="x"></div>"#),
            &["Google reCAPTCHA"],
        ),
        (
            p(r#"<iframe src="https://www.google.com/maps/embed?pb=!1m18" width="600"></iframe>"#),
            &["Google Maps"],
        ),
        (
            p(r#"<script id="__NEXT_DATA__" type="application/json">{"props":{}}</script><script src="/_next/static/chunks/main-abc.js"></script>"#)
                .header("X-Powered-By", "Next.js"),
            &["Next.js", "React", "Node.js"],
        ),
        (
            p("").header("Server", "cloudflare").header("CF-RAY", "8a1b2c3d4e5f-SJC"),
            &["Cloudflare"],
        ),
        (
            p("").header("Server", "Microsoft-IIS/10.0").header("X-Powered-By", "ASP.NET").cookie("ASP.NET_SessionId", "x"),
            &["Microsoft IIS", "Windows Server", "Microsoft ASP.NET"],
        ),
        (
            p("").header("Server", "Apache/2.4.57 (Debian)").header("X-Powered-By", "PHP/8.2.7"),
            &["Apache HTTP Server", "PHP"],
        ),
        (p("").dns("MX", "1 aspmx.l.google.com."), &["Google Workspace"]),
        (p("").dns("MX", "0 acme-test.mail.protection.outlook.com."), &["Microsoft 365"]),
        (p("").dns("MX", "10 mx.zoho.com."), &["Zoho Mail"]),
        (p("").dns("MX", "10 smtp.secureserver.net."), &["GoDaddy Email"]),
        (p("").dns("MX", "10 mail.protonmail.ch."), &["Proton Mail"]),
    ]
}

#[test]
fn each_product_is_detected_from_its_markers() {
    let d = Detector::builtin();
    for (page, expected) in cases() {
        let found = d.detect(&page);
        for name in expected {
            assert!(
                found.is_detected(name),
                "{name} not detected on {:?} {:?}: {:?}",
                page.html,
                page.headers,
                found.technologies.iter().map(|t| (&t.name, t.confidence)).collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn versions_from_the_defaults() {
    let d = Detector::builtin();
    let page = Page::new(
        "https://a.test/",
        r#"<meta name="generator" content="WordPress 6.5.2"><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>"#,
    )
    .header("Server", "nginx/1.25.3");
    let found = d.detect(&page);
    assert_eq!(found.get("WordPress").unwrap().version.as_deref(), Some("6.5.2"));
    assert_eq!(found.get("jQuery").unwrap().version.as_deref(), Some("3.7.1"));
    assert_eq!(found.get("Nginx").unwrap().version.as_deref(), Some("1.25.3"));
}

#[test]
fn a_wordpress_plugin_without_wordpress_is_not_reported() {
    let d = Detector::builtin();
    let found = d.detect(&Page::new("https://a.test/", r#"<div class="wpcf7"><form></form></div>"#));
    assert!(found.get("Contact Form 7").is_none(), "{found:?}");
    assert_eq!(found.detected().count(), 0);
}
