//! The builtin set over the sample web's pages (`leadsmith-testkit`). The generator puts a few real
//! technology markers on its pages — Google Analytics (gtag.js) on every page, Sentry on some sites,
//! Google Maps and YouTube embeds on some pages, reCAPTCHA on captcha pages, Cloudflare headers on bot
//! challenges — and page-builder class names
//! (`.elementor-…`, `.wp-block-…`, `.et_pb_…`) in inline CSS only, a decoy that must stay below detection.
//! Each site also runs its own stack (its truth's `technologies`: a CMS, widgets, a web server), and some
//! mention products they do not run; nothing outside the stack and the markers above is detected.

use leadsmith_tech::{Detector, Page, Status};
use leadsmith_testkit::{SampleWeb, SiteTrait};

#[test]
fn sample_web_markers_detected_and_css_decoys_not() {
    let web = SampleWeb::generate(7, 40);
    let d = Detector::builtin();
    let allowed = ["Google Analytics", "Sentry", "Google Maps", "YouTube", "Google reCAPTCHA", "Cloudflare"];
    let (mut pages, mut with_sentry, mut decoys_seen) = (0, 0, 0);
    for site in web.sites() {
        for (path, raw) in &site.pages {
            let Some(html) = site.html(path) else { continue };
            let url = format!("http://www.{}{path}", site.domain);
            let page =
                Page::from_response(url, raw.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())), html.as_str());
            let found = d.detect(&page);
            pages += 1;
            for t in found.detected() {
                assert!(
                    allowed.contains(&t.name.as_str()) || site.truth.technologies.contains(&t.name),
                    "{} detected on {}{path}: {:?}",
                    t.name,
                    site.domain,
                    t.evidence
                );
            }
            if html.contains("googletagmanager.com/gtag/js?id=G-") {
                let ga = found.get("Google Analytics").expect("GA on a gtag page");
                assert_eq!((ga.status, ga.version.as_deref()), (Status::Detected, Some("GA4")));
            }
            if html.contains("browser.sentry-cdn.com") {
                with_sentry += 1;
                assert!(found.is_detected("Sentry"));
            }
            if html.contains("recaptcha/api.js") {
                assert!(found.is_detected("Google reCAPTCHA"), "{}{path}", site.domain);
            }
            if raw.headers.iter().any(|(k, v)| k == "Server" && v == "cloudflare") {
                assert!(found.is_detected("Cloudflare"));
            }
            let wordpress = site.truth.technologies.iter().any(|t| t == "WordPress");
            for decoy in ["Elementor", "Divi", "WPBakery", "Beaver Builder", "Astra"] {
                if found.get(decoy).is_some() && !wordpress {
                    decoys_seen += 1;
                }
                assert!(!found.is_detected(decoy), "{decoy} detected from CSS alone on {}{path}", site.domain);
            }
            if site.has(SiteTrait::BotChallenge) && path == "/" {
                assert!(found.is_detected("Cloudflare"), "{}", site.domain);
            }
        }
    }
    assert!(pages > 100, "{pages} pages");
    assert!(with_sentry > 0, "the web carries Sentry somewhere");
    // Page builders named only in CSS need WordPress detected (`requires`), so off WordPress sites they
    // are not even possible (and on them, never detected).
    assert_eq!(decoys_seen, 0);
}
