//! Recognises pages that answered but are not the site: bot challenges, WAF block pages, captcha walls
//! and login walls. Only strong signals count — a contact form with a reCAPTCHA, a Cloudflare- or
//! Incapsula-fronted page that loads the vendor's scripts, or a "Log in" link must stay ordinary pages.

use http::HeaderMap;

use super::markup::{has_word_pair, inner_text, tag_contains, user_fields, visible_text, word_count};

/// Pages with fewer visible words than this carry "little other content": interstitials and login
/// forms are short, real business pages rarely are.
const LITTLE_CONTENT_WORDS: usize = 250;

/// A captcha widget with no form fields of its own on a page shorter than this is the page's subject:
/// a challenge page says "complete the check" and little more, a business page says much more.
const CAPTCHA_PAGE_WORDS: usize = 100;

/// Cloudflare's "access denied" error codes (IP, ASN, country, browser signature bans and firewall
/// rules); rate limiting (1015) is left to the 429 retry path.
const CLOUDFLARE_BLOCK_CODES: &[&str] = &["1005", "1006", "1007", "1008", "1009", "1010", "1012", "1020"];

/// Statuses that challenge and block pages are usually served with (AWS WAF's captcha answers 405).
pub(crate) fn is_block_status(status: u16) -> bool {
    matches!(status, 403 | 405 | 429 | 503)
}

/// The block reason for an HTML response, or `None` for an ordinary page. `html` may be empty when only
/// the headers could be judged.
pub(crate) fn detect(status: u16, headers: &HeaderMap, html: &str) -> Option<String> {
    // Cloudflare marks its own challenge responses; no need to look at the body.
    if header_value(headers, "cf-mitigated").is_some_and(|v| v.eq_ignore_ascii_case("challenge")) {
        return Some("bot challenge (cloudflare)".to_string());
    }
    let page = Page::new(html);
    let seen = Seen { headers, small: page.words < LITTLE_CONTENT_WORDS, error: is_block_status(status), page };
    waf_block(&seen)
        .or_else(|| challenge(&seen).map(str::to_string))
        .or_else(|| captcha_wall(&seen))
        .or_else(|| login_wall(&seen).map(str::to_string))
}

/// What one response shows the detectors.
struct Seen<'a> {
    /// The response's headers, for vendors that mark their answers.
    headers: &'a HeaderMap,
    /// The body as the detectors read it.
    page: Page,
    /// The page has little visible text.
    small: bool,
    /// The response came with a status block pages use.
    error: bool,
}

impl Seen<'_> {
    /// The lower-cased markup contains `needle`.
    fn has(&self, needle: &str) -> bool {
        self.page.lower.contains(needle)
    }

    /// The title or first `<h1>` contains `needle`.
    fn heading_has(&self, needle: &str) -> bool {
        self.page.title.contains(needle) || self.page.h1.contains(needle)
    }

    /// The response carries header `name` (any value).
    fn header(&self, name: &str) -> bool {
        self.headers.contains_key(name)
    }
}

/// A reason naming the vendor and the evidence seen, e.g. "blocked by Sucuri: x-sucuri-block header".
fn blocked_by(vendor: &str, evidence: &[String]) -> String {
    format!("blocked by {vendor}: {}", evidence.join(", "))
}

/// Web application firewalls' block pages and interstitials, vendor by vendor.
fn waf_block(seen: &Seen) -> Option<String> {
    incapsula(seen).or_else(|| cloudflare_error(seen)).or_else(|| sucuri(seen)).or_else(|| aws_waf(seen))
}

/// Imperva/Incapsula: the interstitial is an iframe onto `_Incapsula_Resource` ("Request unsuccessful.
/// Incapsula incident ID …"), served with 200. Its headers and cookies come with every page Incapsula
/// fronts (and normal pages load an `_Incapsula_Resource` script), so they only corroborate.
fn incapsula(seen: &Seen) -> Option<String> {
    let iframe = tag_contains(&seen.page.lower, "<iframe", "_incapsula_resource");
    let incident = seen.has("incapsula incident id");
    if !(iframe || incident) || !(seen.small || seen.error) {
        return None;
    }
    let mut evidence = Vec::new();
    if iframe {
        evidence.push("_Incapsula_Resource iframe".to_string());
    }
    if incident {
        evidence.push("\"Incapsula incident ID\"".to_string());
    }
    if seen.header("x-iinfo") {
        evidence.push("X-Iinfo header".to_string());
    }
    if header_value(seen.headers, "x-cdn").is_some_and(|v| v.to_ascii_lowercase().contains("incapsula")) {
        evidence.push("X-CDN: Incapsula header".to_string());
    }
    if sets_cookie(seen.headers, &["visid_incap_", "incap_ses_"]) {
        evidence.push("incap_ses_/visid_incap_ cookie".to_string());
    }
    Some(blocked_by("Imperva/Incapsula", &evidence))
}

/// Cloudflare's "Access denied" error pages (1020 and its kin), as opposed to its challenges: an error
/// code on a page Cloudflare served, or the "used Cloudflare to restrict access" title.
fn cloudflare_error(seen: &Seen) -> Option<String> {
    let restricts = seen.page.title.contains("used cloudflare to restrict access");
    let code = CLOUDFLARE_BLOCK_CODES.iter().find(|code| has_word_pair(&seen.page.text, "error", code));
    let ray = seen.header("cf-ray");
    let server = header_value(seen.headers, "server").is_some_and(|v| v.eq_ignore_ascii_case("cloudflare"));
    let from_cloudflare = ray || server || seen.has("cloudflare");
    if !(restricts || (code.is_some() && from_cloudflare)) || !(seen.small || seen.error) {
        return None;
    }
    let mut evidence = Vec::new();
    if let Some(code) = code {
        let what = if seen.page.text.contains("access denied") { " (access denied)" } else { "" };
        evidence.push(format!("error {code} page{what}"));
    }
    if restricts {
        evidence.push("\"used Cloudflare to restrict access\" title".to_string());
    }
    if ray {
        evidence.push("cf-ray header".to_string());
    }
    if server {
        evidence.push("server: cloudflare".to_string());
    }
    Some(blocked_by("Cloudflare", &evidence))
}

/// Sucuri WebSite Firewall: its block header, its "Access Denied - Sucuri Website Firewall" page, or its
/// JavaScript cloud-proxy challenge. `x-sucuri-id` comes with every page Sucuri fronts, so it only
/// corroborates.
fn sucuri(seen: &Seen) -> Option<String> {
    let block_header = seen.header("x-sucuri-block");
    let denied = seen.has("sucuri website firewall")
        && (seen.page.title.contains("access denied") || seen.page.text.contains("access denied"))
        && (seen.small || seen.error);
    let js_challenge = seen.has("sucuri_cloudproxy_js") && seen.small;
    if !(block_header || denied || js_challenge) {
        return None;
    }
    let mut evidence = Vec::new();
    if block_header {
        evidence.push("x-sucuri-block header".to_string());
    }
    if denied {
        evidence.push("\"Access Denied - Sucuri Website Firewall\" page".to_string());
    }
    if js_challenge {
        evidence.push("sucuri_cloudproxy_js challenge".to_string());
    }
    if seen.header("x-sucuri-id") {
        evidence.push("x-sucuri-id header".to_string());
    }
    Some(blocked_by("Sucuri WebSite Firewall", &evidence))
}

/// AWS WAF: its action header (block, captcha, challenge), CloudFront's "Request blocked." error page,
/// or a short error page that is only the WAF's captcha/challenge script.
fn aws_waf(seen: &Seen) -> Option<String> {
    let action = header_value(seen.headers, "x-amzn-waf-action").map(|v| v.trim().to_ascii_lowercase());
    let text = &seen.page.text;
    let cloudfront = text.contains("request blocked")
        && (text.contains("generated by cloudfront") || text.contains("the request could not be satisfied"))
        && (seen.small || seen.error);
    let script = (seen.has("awswaf.com") || seen.has("awswafintegration")) && seen.small && seen.error;
    if action.is_none() && !cloudfront && !script {
        return None;
    }
    let mut evidence = Vec::new();
    if let Some(action) = action {
        let action: String = action.chars().filter(char::is_ascii_graphic).take(32).collect();
        evidence.push(format!("x-amzn-waf-action: {action}"));
    }
    if cloudfront {
        evidence.push("\"Request blocked.\" CloudFront error page".to_string());
    }
    if script {
        evidence.push("AWS WAF captcha/challenge script".to_string());
    }
    if seen.header("x-amz-cf-id") {
        evidence.push("x-amz-cf-id header".to_string());
    }
    Some(blocked_by("AWS WAF", &evidence))
}

/// Bot-protection interstitials ("Just a moment…", "Checking your browser") by vendor.
fn challenge(seen: &Seen) -> Option<&'static str> {
    let (page, small, error) = (&seen.page, seen.small, seen.error);
    let has = |needle: &str| seen.has(needle);
    // Cloudflare: the interstitial's title, or challenge-only markup on a short page. The
    // `challenge-platform` script path alone is not enough: Cloudflare injects it into normal pages.
    let cf_markup = has("cf_chl_opt") || has("cf-challenge") || has("cf-browser-verification") || has("cf-chl-");
    if (page.title.contains("just a moment") && (has("cloudflare") || has("challenge-platform") || cf_markup || error))
        || (cf_markup && (small || error))
        || (has("challenge-platform") && small && error)
        || (page.title.contains("attention required") && has("cloudflare"))
    {
        return Some("bot challenge (cloudflare)");
    }
    if has("ddos-guard") && (page.title.contains("ddos-guard") || (small && (error || has("checking your browser")))) {
        return Some("bot challenge (ddos-guard)");
    }
    if (has("px-captcha") || (has("perimeterx") && has("press & hold"))) && (small || error) {
        return Some("bot challenge (perimeterx)");
    }
    if has("captcha-delivery.com") && (small || error) {
        return Some("bot challenge (datadome)");
    }
    // Akamai's reference page entity-encodes its punctuation ("Reference&#32;&#35;18.…").
    let akamai_reference = (has("reference #") || has("reference&#32;&#35;")) && has("permission to access");
    if page.title.contains("access denied") && (has("edgesuite") || has("akamai") || (akamai_reference && small)) {
        return Some("bot challenge (akamai)");
    }
    if seen.heading_has("checking your browser") && small {
        return Some(if has("cloudflare") { "bot challenge (cloudflare)" } else { "bot challenge" });
    }
    None
}

/// Captcha walls: the challenge is the page's subject, or a widget plus a human check on a short page
/// that is not a contact form (those embed reCAPTCHA next to their fields).
fn captcha_wall(seen: &Seen) -> Option<String> {
    const CAPTCHA_HEADINGS: &[&str] = &[
        "captcha",
        "verify you are human",
        "verify you are a human",
        "are you a robot",
        "are you human",
        "human verification",
        "robot check",
        "bot check",
    ];
    const CAPTCHA_PHRASES: &[&str] = &[
        "verify you are human",
        "verify you are a human",
        "are you a robot",
        "not a robot",
        "unusual traffic",
        "confirm you are human",
    ];
    let (page, small) = (&seen.page, seen.small);
    let widget = seen.has("g-recaptcha") || seen.has("h-captcha") || seen.has("cf-turnstile");
    let phrase = CAPTCHA_PHRASES.iter().any(|p| page.text.contains(p));
    let contact_form =
        seen.has("<textarea") || seen.has("type=\"email\"") || seen.has("type=email") || seen.has("type='email'");
    if (CAPTCHA_HEADINGS.iter().any(|h| seen.heading_has(h)) && small)
        || (widget && phrase && small && !contact_form)
        || (seen.error && (widget || phrase) && small)
    {
        return Some("captcha".to_string());
    }
    captcha_page(seen)
}

/// A page whose main content is a reCAPTCHA/hCaptcha form: the widget with no form fields of its own on
/// a page with little other text, or under the "Attention Required!" title. A business page's contact
/// form has fields next to its widget, and a reCAPTCHA v3 script alone (loaded site-wide) is no widget.
fn captcha_page(seen: &Seen) -> Option<String> {
    let page = &seen.page;
    let (vendor, widget) = if seen.has("h-captcha") {
        ("an hCaptcha", "h-captcha widget")
    } else if seen.has("g-recaptcha") {
        ("a reCAPTCHA", "g-recaptcha widget")
    } else if seen.has("hcaptcha.com/1/api.js") {
        ("an hCaptcha", "hcaptcha.com/1/api.js script")
    } else if seen.has("google.com/recaptcha/api.js") || seen.has("recaptcha.net/recaptcha/api.js") {
        ("a reCAPTCHA", "recaptcha/api.js script")
    } else {
        return None;
    };
    let widget_element = widget.ends_with("widget");
    let fields = user_fields(&page.lower);
    let attention = page.title.contains("attention required");
    let bare = widget_element && fields == 0 && page.words < CAPTCHA_PAGE_WORDS;
    if !(bare || (attention && fields == 0 && seen.small)) {
        return None;
    }
    let mut evidence = vec![widget.to_string()];
    if attention {
        evidence.push("\"Attention Required!\" title".to_string());
    }
    evidence.push(format!("no form fields, {} words of text", page.words));
    Some(blocked_by(&format!("{vendor} challenge"), &evidence))
}

/// Login walls: the page is about signing in, asks for a password, and offers little else.
fn login_wall(seen: &Seen) -> Option<&'static str> {
    const LOGIN_WORDS: &[&str] = &["sign in", "log in", "login", "signin", "log-in", "sign-in", "logon"];
    let password = seen.has("type=\"password\"") || seen.has("type=password") || seen.has("type='password'");
    (password && seen.small && LOGIN_WORDS.iter().any(|w| seen.heading_has(w))).then_some("login wall")
}

/// A header's value, when it is visible ASCII.
fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// True when a `Set-Cookie` header sets a cookie whose name starts with one of `prefixes`.
fn sets_cookie(headers: &HeaderMap, prefixes: &[&str]) -> bool {
    headers
        .get_all(http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|cookie| prefixes.iter().any(|p| cookie.trim_start().starts_with(p)))
}

/// The parts of a page the detector looks at, lower-cased.
struct Page {
    /// The whole markup.
    lower: String,
    /// The `<title>`'s text.
    title: String,
    /// The first `<h1>`'s text.
    h1: String,
    /// Visible text (no tags, scripts, styles or comments), words separated by single spaces.
    text: String,
    /// Words in `text` with a letter or digit.
    words: usize,
}

impl Page {
    /// Lower-cases `html` once and takes out what the detectors read.
    fn new(html: &str) -> Self {
        let lower = html.to_lowercase();
        let title = inner_text(&lower, "<title", "</title>");
        let h1 = inner_text(&lower, "<h1", "</h1>");
        let text = visible_text(&lower);
        let words = word_count(&text);
        Self { lower, title, h1, text, words }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn check(html: &str) -> Option<String> {
        detect(200, &HeaderMap::new(), html)
    }

    fn long_text(words: usize) -> String {
        "We repair boilers and fit bathrooms across the county since 1987. ".repeat(words / 11 + 1)
    }

    #[test]
    fn cloudflare_interstitials() {
        let page = r#"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>
            <noscript>Enable JavaScript and cookies to continue</noscript>
            <script>window._cf_chl_opt={cvId:'3'};</script>
            <script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>"#;
        assert_eq!(detect(403, &HeaderMap::new(), page).as_deref(), Some("bot challenge (cloudflare)"));
        assert_eq!(check(page).as_deref(), Some("bot challenge (cloudflare)"));

        let attention = "<title>Attention Required! | Cloudflare</title><h1>Sorry, you have been blocked</h1>";
        assert_eq!(check(attention).as_deref(), Some("bot challenge (cloudflare)"));

        let mut headers = HeaderMap::new();
        headers.insert("cf-mitigated", "challenge".parse().unwrap());
        assert_eq!(detect(403, &headers, "<html></html>").as_deref(), Some("bot challenge (cloudflare)"));

        let checking =
            "<title>Checking your browser before accessing acme.com</title><p>This process is automatic.</p>";
        assert_eq!(check(checking).as_deref(), Some("bot challenge"));
    }

    #[test]
    fn other_vendors() {
        let ddos = "<title>DDoS-Guard</title><p>Checking your browser before accessing</p>";
        assert_eq!(check(ddos).as_deref(), Some("bot challenge (ddos-guard)"));
        let px = r#"<title>Access to this page has been denied</title><div id="px-captcha"></div>
            <p>Press &amp; Hold to confirm you are a human (and not a bot).</p>"#;
        assert_eq!(detect(403, &HeaderMap::new(), px).as_deref(), Some("bot challenge (perimeterx)"));
        let akamai = "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
            You don't have permission to access \"http://www.acme.com/\" on this server.<P>
            Reference&#32;&#35;18.5e1e1002.1700000000.1a2b3c<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net</BODY></HTML>";
        assert_eq!(detect(403, &HeaderMap::new(), akamai).as_deref(), Some("bot challenge (akamai)"));
    }

    #[test]
    fn captcha_walls() {
        let wall = r#"<title>Are you a robot?</title><div class="g-recaptcha" data-sitekey="x"></div>"#;
        assert_eq!(check(wall).as_deref(), Some("captcha"));
        let widget = r#"<title>Acme</title><p>Please verify you are human to continue.</p>
            <div class="h-captcha" data-sitekey="x"></div>"#;
        assert_eq!(check(widget).as_deref(), Some("captcha"));
        let unusual = "<p>Our systems have detected unusual traffic from your network.</p>";
        assert_eq!(detect(429, &HeaderMap::new(), unusual).as_deref(), Some("captcha"));
    }

    #[test]
    fn login_walls() {
        let login = r#"<title>Sign in - Acme Portal</title><form><input name=user>
            <input type="password" name=pw><button>Sign in</button></form><a href=/forgot>Forgot password?</a>"#;
        assert_eq!(check(login).as_deref(), Some("login wall"));
    }

    #[test]
    fn ordinary_pages_stay_ordinary() {
        let mentions = format!(
            "<title>Acme Plumbing</title><h1>Welcome</h1><p>{}</p><p>Our forms use a captcha to stop spam; \
             are you a robot? No? Then call us.</p>",
            long_text(400)
        );
        assert_eq!(check(&mentions).as_deref(), None);

        let contact = r#"<title>Contact us</title><h1>Get in touch</h1><form>
            <input type="email" name="email"><textarea name="msg"></textarea>
            <div class="g-recaptcha" data-sitekey="x"></div><p>Please verify you are human.</p></form>"#;
        assert_eq!(check(contact).as_deref(), None);

        let nav_login = format!(
            r#"<title>Acme</title><nav><a href="/login">Log in</a></nav><form class=login>
               <input type="password"></form><p>{}</p>"#,
            long_text(400)
        );
        assert_eq!(check(&nav_login).as_deref(), None);

        let short_with_login_link =
            r#"<title>Acme Dental</title><a href="/login">Patient login</a><p>Call 555-0100.</p>"#;
        assert_eq!(check(short_with_login_link).as_deref(), None);

        let cloudflare_fronted = format!(
            r#"<title>Acme</title><p>{}</p><script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>"#,
            long_text(50)
        );
        assert_eq!(check(&cloudflare_fronted).as_deref(), None);
        assert_eq!(detect(403, &HeaderMap::new(), "<title>Forbidden</title><h1>403 Forbidden</h1>").as_deref(), None);
        assert_eq!(check("<title>Access denied</title><p>Members only area.</p>").as_deref(), None);
    }

    /// A header map from `(name, value)` pairs; a name given twice keeps both values.
    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for &(name, value) in pairs {
            map.append(name, HeaderValue::from_static(value));
        }
        map
    }

    /// Imperva's interstitial as served (200) to a crawler it does not trust.
    const INCAPSULA: &str = r#"<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW">
        <meta name="format-detection" content="telephone=no"><meta name="viewport" content="initial-scale=1.0">
        <meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
        <script type="text/javascript" src="/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3"></script>
        </head><body style="margin:0px;height:100%"><iframe id="main-iframe"
        src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=5-12345678-0%200NNN%20RT%281700000000000%20127%29&incident_id=1234000010012345678-123456789012345678&edet=12&cinfo=04000000&rpinfo=0&mth=GET"
        frameborder=0 width="100%" height="100%" marginheight="0px" marginwidth="0px">Request unsuccessful.
        Incapsula incident ID: 1234000010012345678-123456789012345678</iframe></body></html>"#;

    #[test]
    fn incapsula_interstitial() {
        let h = headers(&[
            ("x-cdn", "Incapsula"),
            ("x-iinfo", "5-12345678-0 0NNN RT(1700000000000 127) q(0 -1 -1 0) r(0 -1)"),
            ("set-cookie", "visid_incap_123456=abc; expires=Thu, 01 Jan 2026 00:00:00 GMT; path=/"),
            ("set-cookie", "incap_ses_1234_123456=def; path=/; Domain=.acme.com"),
        ]);
        assert_eq!(
            detect(200, &h, INCAPSULA).as_deref(),
            Some(
                "blocked by Imperva/Incapsula: _Incapsula_Resource iframe, \"Incapsula incident ID\", \
                 X-Iinfo header, X-CDN: Incapsula header, incap_ses_/visid_incap_ cookie"
            )
        );
        // Without the headers the page alone still says it.
        let bare = check(INCAPSULA).unwrap();
        assert!(bare.starts_with("blocked by Imperva/Incapsula: _Incapsula_Resource iframe"), "{bare}");
    }

    #[test]
    fn incapsula_fronted_pages_stay_ordinary() {
        // Incapsula injects its resource script and sets its cookies on every page it fronts.
        let page = r#"<html><head><title>Acme Plumbing</title>
            <script src="/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3"></script></head>
            <body><h1>Acme Plumbing</h1><p>Call 555-0100.</p><iframe src="https://maps.example.com/embed"></iframe></body></html>"#;
        let h = headers(&[("x-cdn", "Incapsula"), ("x-iinfo", "1-2-3"), ("set-cookie", "incap_ses_1=x; path=/")]);
        assert_eq!(detect(200, &h, page), None);
    }

    /// A generic captcha interstitial: no vendor named, the widget is the page.
    const ATTENTION: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
        <title>Attention Required!</title>
        <script src="https://www.google.com/recaptcha/api.js" async defer></script>
        <style>body{font-family:sans-serif}.box{margin:10% auto;width:400px}</style></head>
        <body><div class="box"><h1>One more step</h1><h2>Please complete the security check to access acme.com</h2>
        <form id="challenge-form" action="/verify?__token=abc" method="POST">
        <input type="hidden" name="r" value="8f0c2a"><div class="g-recaptcha" data-sitekey="6LfAbCdEAAAAAExample"
        data-callback="onSubmit"></div><noscript>Please enable JavaScript.</noscript></form>
        <h2>Why do I have to complete a CAPTCHA?</h2>
        <p>Completing the CAPTCHA proves you are a human and gives you temporary access to the web property.</p>
        </div></body></html>"#;

    #[test]
    fn recaptcha_challenge_page() {
        assert_eq!(
            check(ATTENTION).as_deref(),
            Some(
                "blocked by a reCAPTCHA challenge: g-recaptcha widget, \"Attention Required!\" title, \
                 no form fields, 41 words of text"
            )
        );
        // The same page under a neutral title is still nothing but the widget.
        let untitled = ATTENTION.replace("Attention Required!", "acme.com");
        assert!(check(&untitled).is_some_and(|r| r.starts_with("blocked by a reCAPTCHA challenge")));
    }

    #[test]
    fn hcaptcha_challenge_page() {
        let page = r#"<html><head><title>Attention Required!</title>
            <script src="https://hcaptcha.com/1/api.js" async defer></script></head><body>
            <main><p>One more step before you continue to shop.acme.com</p>
            <form method="post" action="/.challenge"><div class="h-captcha" data-sitekey="10000000-ffff"></div>
            <input type="submit" value="Continue"></form></main></body></html>"#;
        let reason = check(page).unwrap();
        assert!(
            reason.starts_with("blocked by an hCaptcha challenge: h-captcha widget, \"Attention Required!\" title")
        );
    }

    #[test]
    fn business_pages_with_a_recaptcha_stay_ordinary() {
        // A short contact page: the widget sits in a form with fields of its own.
        let contact = r#"<html><head><title>Contact | Acme Plumbing</title>
            <script src="https://www.google.com/recaptcha/api.js" async defer></script></head>
            <body><h1>Contact us</h1><p>Call 555-0100 or send us a message.</p>
            <form action="/contact" method="post"><input name="name" placeholder="Name">
            <input type=tel name=phone><div class="g-recaptcha" data-sitekey="6Lf"></div>
            <button type="submit">Send</button></form></body></html>"#;
        assert_eq!(check(contact), None);
        // A home page with a callback form and a widget but no input fields nearby: it has text.
        let home = format!(
            r#"<html><head><title>Acme Plumbing</title></head><body><h1>Acme Plumbing</h1><p>{}</p>
            <form action="/brochure"><div class="g-recaptcha" data-sitekey="6Lf"></div><button>Get our brochure</button>
            </form></body></html>"#,
            long_text(120)
        );
        assert_eq!(check(&home), None);
        // reCAPTCHA v3 loads its script on every page of a site, widget-less.
        let v3 = r#"<html><head><title>Acme</title>
            <script src="https://www.google.com/recaptcha/api.js?render=6Lf"></script></head>
            <body><p>Family plumbers since 1987. Call 555-0100.</p></body></html>"#;
        assert_eq!(check(v3), None);
    }

    /// Cloudflare's 1020 page, trimmed of its styles.
    const CLOUDFLARE_1020: &str = r#"<!DOCTYPE html><html class="no-js" lang="en-US"><head>
        <title>Access denied | www.acme.com used Cloudflare to restrict access</title>
        <meta charset="UTF-8" /><meta name="robots" content="noindex, nofollow" />
        <link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" /></head><body>
        <div id="cf-wrapper"><div id="cf-error-details" class="p-0"><header class="mx-auto pt-10 lg:pt-6">
        <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">Error</span><span class="code-label">1020</span></h1>
        <span class="inline-block">Ray ID: 7d1e2f3a4b5c6d7e &bull;</span><span class="inline-block">2024-01-01 00:00:00 UTC</span>
        <h2 class="text-gray-600 leading-1.3 text-3xl font-light">Access denied</h2></header>
        <section class="w-240 lg:w-full mx-auto mb-8 lg:px-8"><div id="what-happened-section" class="w-1/2 md:w-full">
        <h2 class="text-3xl leading-tight font-normal mb-4 text-black-dark antialiased">What happened?</h2>
        <p>This website is using a security service to protect itself from online attacks.</p></div></section>
        <div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto text-center sm:text-left border-solid border-0 border-t border-gray-300">
        <p class="text-13"><span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">7d1e2f3a4b5c6d7e</strong></span>
        <span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing" id="brand_link" target="_blank">Cloudflare</a></span></p>
        </div></div></div></body></html>"#;

    #[test]
    fn cloudflare_access_denied() {
        let h = headers(&[("server", "cloudflare"), ("cf-ray", "7d1e2f3a4b5c6d7e-LHR")]);
        assert_eq!(
            detect(403, &h, CLOUDFLARE_1020).as_deref(),
            Some(
                "blocked by Cloudflare: error 1020 page (access denied), \"used Cloudflare to restrict access\" \
                 title, cf-ray header, server: cloudflare"
            )
        );
        // A business page that mentions an error code is not a Cloudflare error.
        let faq = format!(
            "<title>Acme Boilers</title><p>{} Error 1020 on your boiler means low pressure.</p>",
            long_text(300)
        );
        assert_eq!(detect(200, &h, &faq), None);
    }

    #[test]
    fn sucuri_block_page() {
        let page = r#"<!DOCTYPE html><html lang="en"><head><title>Sucuri WebSite Firewall - Access Denied</title>
            <meta name="robots" content="noindex, nofollow"><link rel="icon" href="https://sucuri.net/favicon.ico"></head>
            <body><div id="main-container"><section class="center clearfix"><div class="app-title">
            <h2 class="title">Access Denied - Sucuri Website Firewall</h2></div>
            <table class="property-table overflow-break-all line-height-16"><tr><td>Your IP:</td><td>203.0.113.9</td></tr>
            <tr><td>URL:</td><td>www.acme.com/</td></tr><tr><td>Block reason:</td>
            <td>Access from your Country was disabled by the administrator.</td></tr>
            <tr><td>Block ID:</td><td>GEO01</td></tr></table>
            <p>If you are the site owner (or you manage this site), please whitelist your IP.</p></section></div></body></html>"#;
        let h = headers(&[("server", "Sucuri/Cloudproxy"), ("x-sucuri-id", "17005"), ("x-sucuri-block", "GEO01")]);
        assert_eq!(
            detect(403, &h, page).as_deref(),
            Some(
                "blocked by Sucuri WebSite Firewall: x-sucuri-block header, \
                 \"Access Denied - Sucuri Website Firewall\" page, x-sucuri-id header"
            )
        );
        assert!(detect(403, &HeaderMap::new(), page).is_some_and(|r| r.starts_with("blocked by Sucuri")));
        // Sucuri fronts ordinary pages with its id header too.
        let fronted = headers(&[("x-sucuri-id", "17005"), ("x-sucuri-cache", "HIT")]);
        assert_eq!(detect(200, &fronted, "<title>Acme</title><p>Welcome to Acme Plumbing.</p>"), None);
    }

    #[test]
    fn aws_waf_block_pages() {
        let cloudfront = r#"<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
            <HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
            <TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>
            <H1>403 ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size="1px">
            Request blocked. We can't connect to the server for this app or website at this time. There might be too much
            traffic or a configuration error. Try again later, or contact the app or website owner.
            <BR clear="all">If you provide content to customers through CloudFront, you can find steps to troubleshoot
            and help prevent this error by reviewing the CloudFront documentation.<BR clear="all"><HR noshade size="1px">
            <PRE>Generated by cloudfront (CloudFront)
            Request ID: 3Zq9XvG1Yp2hJ8kLmN0oPqRsTuVwXyZ==</PRE><ADDRESS></ADDRESS></BODY></HTML>"#;
        let h = headers(&[("server", "CloudFront"), ("x-cache", "Error from cloudfront"), ("x-amz-cf-id", "3Zq9==")]);
        assert_eq!(
            detect(403, &h, cloudfront).as_deref(),
            Some("blocked by AWS WAF: \"Request blocked.\" CloudFront error page, x-amz-cf-id header")
        );
        // The captcha action answers 405 with the action header and a script-only page.
        let captcha = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title></title>
            <script type="text/javascript" src="https://3a8b.edge.sdk.awswaf.com/3a8b/1c2d/captcha.js" defer></script>
            </head><body><div id="captcha-container"></div><script>AwsWafIntegration.saveReferrer();</script></body></html>"#;
        let h = headers(&[("x-amzn-waf-action", "captcha")]);
        assert_eq!(
            detect(405, &h, captcha).as_deref(),
            Some("blocked by AWS WAF: x-amzn-waf-action: captcha, AWS WAF captcha/challenge script")
        );
        // CloudFront's other errors (an unreachable origin) are not blocks.
        let origin = cloudfront.replace("Request blocked.", "CloudFront wasn't able to connect to the origin.");
        assert_eq!(detect(502, &HeaderMap::new(), &origin), None);
    }
}
