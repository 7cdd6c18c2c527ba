//! Recognises pages that answered but are not the site: bot challenges, captcha walls and login walls.
//! Only strong signals count — a contact form with a reCAPTCHA, a Cloudflare-fronted page that loads
//! Cloudflare's scripts, or a "Log in" link in the navigation must stay ordinary pages.

use http::HeaderMap;

/// Pages with fewer visible words than this carry "little other content": interstitials and login
/// forms are short, real business pages rarely are.
const LITTLE_CONTENT_WORDS: usize = 250;

/// Statuses that challenge and block pages are usually served with.
fn is_block_status(status: u16) -> bool {
    matches!(status, 403 | 429 | 503)
}

/// The block reason for an HTML response, or `None` for an ordinary page.
pub(crate) fn detect(status: u16, headers: &HeaderMap, html: &str) -> Option<&'static str> {
    // Cloudflare marks its own challenge responses; no need to look at the body.
    if headers.get("cf-mitigated").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("challenge")) {
        return Some("bot challenge (cloudflare)");
    }
    let page = Page::new(html);
    let small = page.words < LITTLE_CONTENT_WORDS;
    let error = is_block_status(status);
    let has = |needle: &str| page.lower.contains(needle);
    let heading_has = |needle: &str| page.title.contains(needle) || page.h1.contains(needle);

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
    if heading_has("checking your browser") && small {
        return Some(if has("cloudflare") { "bot challenge (cloudflare)" } else { "bot challenge" });
    }

    // Captcha walls: the challenge is the page's subject, or a widget plus a human check on a short page
    // that is not a contact form (those embed reCAPTCHA next to their fields).
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
    let widget = has("g-recaptcha") || has("h-captcha") || has("cf-turnstile");
    let phrase = CAPTCHA_PHRASES.iter().any(|p| page.text.contains(p));
    let contact_form = has("<textarea") || has("type=\"email\"") || has("type=email") || has("type='email'");
    if CAPTCHA_HEADINGS.iter().any(|h| heading_has(h)) && small {
        return Some("captcha");
    }
    if widget && phrase && small && !contact_form {
        return Some("captcha");
    }
    if error && (widget || phrase) && small {
        return Some("captcha");
    }

    // Login walls: the page is about signing in, asks for a password, and offers little else.
    const LOGIN_WORDS: &[&str] = &["sign in", "log in", "login", "signin", "log-in", "sign-in", "logon"];
    let password = has("type=\"password\"") || has("type=password") || has("type='password'");
    if password && small && LOGIN_WORDS.iter().any(|w| heading_has(w)) {
        return Some("login wall");
    }
    None
}

/// The parts of a page the detector looks at, lower-cased.
struct Page {
    lower: String,
    title: String,
    h1: String,
    /// Visible text (no tags, scripts, styles or comments), words separated by single spaces.
    text: String,
    words: usize,
}

impl Page {
    fn new(html: &str) -> Self {
        let lower = html.to_lowercase();
        let title = inner_text(&lower, "<title", "</title>");
        let h1 = inner_text(&lower, "<h1", "</h1>");
        let text = visible_text(&lower);
        let words = text.split(' ').filter(|w| w.chars().any(char::is_alphanumeric)).count();
        Self { lower, title, h1, text, words }
    }
}

/// The text of the first `open … close` element, tags stripped.
fn inner_text(lower: &str, open: &str, close: &str) -> String {
    let Some(start) = lower.find(open) else {
        return String::new();
    };
    let after = &lower[start..];
    let Some(gt) = after.find('>') else {
        return String::new();
    };
    let body = &after[gt + 1..];
    // An unclosed element: look at a bounded prefix, cut on a character boundary.
    let end = body.find(close).unwrap_or_else(|| body.char_indices().nth(2048).map_or(body.len(), |(i, _)| i));
    visible_text(&body[..end])
}

/// Text outside tags, skipping `<script>`, `<style>` and comments; whitespace collapsed.
fn visible_text(lower: &str) -> String {
    let mut out = String::new();
    let mut rest = lower;
    let push = |out: &mut String, s: &str| {
        for word in s.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    };
    while let Some(lt) = rest.find('<') {
        push(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        let past_close = |close: &str| {
            let at = rest.find(close)?;
            rest[at..].find('>').map(|gt| at + gt + 1)
        };
        let skip_to = if rest.starts_with("<!--") {
            rest.find("-->").map(|i| i + 3)
        } else if rest.starts_with("<script") {
            past_close("</script")
        } else if rest.starts_with("<style") {
            past_close("</style")
        } else {
            rest.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(i) => rest = &rest[i..],
            None => return out,
        }
    }
    push(&mut out, rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str) -> Option<&'static str> {
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
        assert_eq!(detect(403, &HeaderMap::new(), page), Some("bot challenge (cloudflare)"));
        assert_eq!(check(page), Some("bot challenge (cloudflare)"));

        let attention = "<title>Attention Required! | Cloudflare</title><h1>Sorry, you have been blocked</h1>";
        assert_eq!(check(attention), Some("bot challenge (cloudflare)"));

        let mut headers = HeaderMap::new();
        headers.insert("cf-mitigated", "challenge".parse().unwrap());
        assert_eq!(detect(403, &headers, "<html></html>"), Some("bot challenge (cloudflare)"));

        let checking =
            "<title>Checking your browser before accessing acme.com</title><p>This process is automatic.</p>";
        assert_eq!(check(checking), Some("bot challenge"));
    }

    #[test]
    fn other_vendors() {
        let ddos = "<title>DDoS-Guard</title><p>Checking your browser before accessing</p>";
        assert_eq!(check(ddos), Some("bot challenge (ddos-guard)"));
        let px = r#"<title>Access to this page has been denied</title><div id="px-captcha"></div>
            <p>Press &amp; Hold to confirm you are a human (and not a bot).</p>"#;
        assert_eq!(detect(403, &HeaderMap::new(), px), Some("bot challenge (perimeterx)"));
        let akamai = "<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
            You don't have permission to access \"http://www.acme.com/\" on this server.<P>
            Reference&#32;&#35;18.5e1e1002.1700000000.1a2b3c<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net</BODY></HTML>";
        assert_eq!(detect(403, &HeaderMap::new(), akamai), Some("bot challenge (akamai)"));
    }

    #[test]
    fn captcha_walls() {
        let wall = r#"<title>Are you a robot?</title><div class="g-recaptcha" data-sitekey="x"></div>"#;
        assert_eq!(check(wall), Some("captcha"));
        let widget = r#"<title>Acme</title><p>Please verify you are human to continue.</p>
            <div class="h-captcha" data-sitekey="x"></div>"#;
        assert_eq!(check(widget), Some("captcha"));
        let unusual = "<p>Our systems have detected unusual traffic from your network.</p>";
        assert_eq!(detect(429, &HeaderMap::new(), unusual), Some("captcha"));
    }

    #[test]
    fn login_walls() {
        let login = r#"<title>Sign in - Acme Portal</title><form><input name=user>
            <input type="password" name=pw><button>Sign in</button></form><a href=/forgot>Forgot password?</a>"#;
        assert_eq!(check(login), Some("login wall"));
    }

    #[test]
    fn ordinary_pages_stay_ordinary() {
        let mentions = format!(
            "<title>Acme Plumbing</title><h1>Welcome</h1><p>{}</p><p>Our forms use a captcha to stop spam; \
             are you a robot? No? Then call us.</p>",
            long_text(400)
        );
        assert_eq!(check(&mentions), None);

        let contact = r#"<title>Contact us</title><h1>Get in touch</h1><form>
            <input type="email" name="email"><textarea name="msg"></textarea>
            <div class="g-recaptcha" data-sitekey="x"></div><p>Please verify you are human.</p></form>"#;
        assert_eq!(check(contact), None);

        let nav_login = format!(
            r#"<title>Acme</title><nav><a href="/login">Log in</a></nav><form class=login>
               <input type="password"></form><p>{}</p>"#,
            long_text(400)
        );
        assert_eq!(check(&nav_login), None);

        let short_with_login_link =
            r#"<title>Acme Dental</title><a href="/login">Patient login</a><p>Call 555-0100.</p>"#;
        assert_eq!(check(short_with_login_link), None);

        let cloudflare_fronted = format!(
            r#"<title>Acme</title><p>{}</p><script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>"#,
            long_text(50)
        );
        assert_eq!(check(&cloudflare_fronted), None);
        assert_eq!(detect(403, &HeaderMap::new(), "<title>Forbidden</title><h1>403 Forbidden</h1>"), None);
        assert_eq!(check("<title>Access denied</title><p>Members only area.</p>"), None);
    }

    #[test]
    fn visible_text_skips_markup() {
        assert_eq!(
            visible_text("<p>a <b>b</b></p><script>var x='<p>no</p>';</script><!-- c --><style>p{}</style> d"),
            "a b d"
        );
    }
}
