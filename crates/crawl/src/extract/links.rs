//! Links: social profiles (LinkedIn, Facebook, Instagram, X, YouTube; share/intent links and the platforms'
//! own pages ignored) and same-site contact/about pages worth crawling next.

use std::sync::LazyLock;

use leadsmith_core::{Domain, PageLinks};
use regex::Regex;
use url::Url;

use super::scan::Anchor;

/// Classifies `url` as a profile on a known network: `(network, canonical profile URL)`.
pub(crate) fn social_profile(url: &str) -> Option<(&'static str, String)> {
    social_profile_url(&Url::parse(url.trim()).ok()?)
}

/// [`social_profile`] for an already parsed URL.
pub(crate) fn social_profile_url(url: &Url) -> Option<(&'static str, String)> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("m.").or_else(|| host.strip_prefix("mobile.")).unwrap_or(&host).to_string();
    let bare = host.strip_prefix("www.").unwrap_or(&host);
    let segments: Vec<&str> = url.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default();
    let first = segments.first().map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    let network = if bare == "linkedin.com" || bare.ends_with(".linkedin.com") {
        let profile_kind = matches!(first.as_str(), "company" | "in" | "school" | "showcase" | "pub");
        (profile_kind && segments.len() >= 2).then_some("linkedin")?
    } else if matches!(bare, "facebook.com" | "fb.com" | "fb.me") || bare.ends_with(".facebook.com") {
        const NOT_PROFILES: &[&str] = &[
            "sharer",
            "sharer.php",
            "share",
            "share.php",
            "dialog",
            "plugins",
            "tr",
            "login",
            "login.php",
            "policies",
            "privacy",
            "help",
            "watch",
            "hashtag",
            "events",
            "groups",
            "legal",
            "about",
            "business",
            "gaming",
            "marketplace",
            "l.php",
            "v2.0",
            "photo.php",
            "story.php",
            "permalink.php",
            "search",
            "home.php",
        ];
        (!first.is_empty() && !NOT_PROFILES.contains(&first.as_str())).then_some("facebook")?
    } else if bare == "instagram.com" || bare == "instagr.am" {
        const NOT_PROFILES: &[&str] =
            &["p", "reel", "reels", "tv", "explore", "accounts", "about", "legal", "developer", "stories", "share"];
        (!first.is_empty() && !NOT_PROFILES.contains(&first.as_str())).then_some("instagram")?
    } else if matches!(bare, "twitter.com" | "x.com") {
        const NOT_PROFILES: &[&str] = &[
            "intent",
            "share",
            "home",
            "hashtag",
            "search",
            "i",
            "explore",
            "login",
            "signup",
            "settings",
            "tos",
            "privacy",
            "messages",
            "notifications",
            "compose",
            "widgets.js",
            "share.php",
        ];
        let handle_ok = first.len() <= 15 && first.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        (!first.is_empty() && handle_ok && !NOT_PROFILES.contains(&first.as_str())).then_some("x")?
    } else if bare == "youtube.com" {
        let channel = matches!(first.as_str(), "channel" | "c" | "user") && segments.len() >= 2;
        (channel || (first.starts_with('@') && first.len() > 1)).then_some("youtube")?
    } else {
        return None;
    };
    let keep = match network {
        "linkedin" | "youtube" => 2.min(segments.len()),
        _ => 1,
    };
    let mut canonical = format!("https://{host}/{}", segments[..keep].join("/"));
    if network == "facebook"
        && first == "profile.php"
        && let Some((_, id)) = url.query_pairs().find(|(k, _)| k == "id")
    {
        canonical.push_str(&format!("?id={id}"));
    } else if network == "facebook" && first == "pages" {
        canonical = format!("https://{host}/{}", segments.join("/"));
    }
    Some((network, canonical))
}

/// Resolves an anchor's `href` against the page; `None` for non-http(s) links and same-page fragments.
pub(crate) fn resolve(href: &str, base: &Url) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let mut url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Contact,
    About,
    /// A legal notice (*Impressum*): the richest page of a German-speaking business site, fetched first.
    LegalNotice,
}

const LEGAL_NOTICE_WORDS: &[&str] = &["impressum", "imprint", "offenlegung", "legalnotice"];
const LEGAL_NOTICE_PHRASES: &[&[&str]] = &[&["legal", "notice"], &["mentions", "légales"], &["mentions", "legales"]];

const CONTACT_WORDS: &[&str] = &[
    "contact",
    "contacts",
    "contactus",
    "kontakt",
    "contacto",
    "contato",
    "contatti",
    "contactez",
    "contactenos",
    "location",
    "locations",
    "directions",
    "appointment",
    "appointments",
    "booking",
    "book",
    "enquiry",
    "enquiries",
    "inquiry",
    "inquiries",
    "getintouch",
    "reachus",
    "findus",
    "visitus",
];
const CONTACT_PHRASES: &[&[&str]] = &[&["get", "in", "touch"], &["reach", "us"], &["find", "us"], &["visit", "us"]];
const ABOUT_WORDS: &[&str] = &[
    "about",
    "aboutus",
    "team",
    "ourteam",
    "staff",
    "people",
    "story",
    "ourstory",
    "leadership",
    "doctors",
    "dentists",
    "attorneys",
    "lawyers",
    "providers",
    "founder",
    "founders",
    "history",
    "company",
    "meet",
    "management",
    "bio",
    "bios",
    "whoweare",
    "nosotros",
    "equipo",
    "equipe",
    "ueber",
    "uber",
    "über",
    "équipe",
    "apropos",
];
const ABOUT_PHRASES: &[&[&str]] =
    &[&["who", "we", "are"], &["quienes", "somos"], &["a", "propos"], &["à", "propos"], &["qui", "sommes", "nous"]];
/// Path words of archives, shops and legal pages: an "about" or "contact" word there is incidental
/// (`/author/staff/`, `/tag/contact-lenses/`).
const NOT_A_PAGE_WORDS: &[&str] = &[
    "author",
    "tag",
    "tags",
    "category",
    "categories",
    "blog",
    "news",
    "feed",
    "wp",
    "cart",
    "checkout",
    "product",
    "products",
    "shop",
    "login",
    "privacy",
    "terms",
    "cookie",
    "cookies",
    "uploads",
];

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

fn has_phrase(words: &[String], phrase: &[&str]) -> bool {
    words.windows(phrase.len()).any(|w| w.iter().zip(phrase).all(|(a, b)| a == b))
}

fn kind_of(words: &[String]) -> Option<LinkKind> {
    let any = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if any(LEGAL_NOTICE_WORDS) || LEGAL_NOTICE_PHRASES.iter().any(|p| has_phrase(words, p)) {
        return Some(LinkKind::LegalNotice);
    }
    if any(CONTACT_WORDS) || CONTACT_PHRASES.iter().any(|p| has_phrase(words, p)) {
        Some(LinkKind::Contact)
    } else if any(ABOUT_WORDS) || ABOUT_PHRASES.iter().any(|p| has_phrase(words, p)) {
        Some(LinkKind::About)
    } else {
        None
    }
}

fn classify(url: &Url, text: &str) -> Option<LinkKind> {
    let path_words = words(url.path());
    if path_words.iter().any(|w| NOT_A_PAGE_WORDS.contains(&w.as_str())) {
        return None;
    }
    let from_path = kind_of(&path_words);
    // Only short link texts are labels; a sentence that mentions "about" is not an about link.
    let text_words = words(text);
    let from_text = if text_words.len() <= 5 { kind_of(&text_words) } else { None };
    match (from_path, from_text) {
        (Some(LinkKind::LegalNotice), _) | (_, Some(LinkKind::LegalNotice)) => Some(LinkKind::LegalNotice),
        (Some(LinkKind::Contact), _) | (_, Some(LinkKind::Contact)) => Some(LinkKind::Contact),
        (a, b) => a.or(b),
    }
}

fn same_site(page: &Url, link: &Url) -> bool {
    let (Some(a), Some(b)) = (page.host_str(), link.host_str()) else {
        return false;
    };
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    matches!((Domain::from_host(a), Domain::from_host(b)), (Ok(x), Ok(y)) if x == y)
}

/// Any word that may make a link a contact or about link; links without one are skipped before the costly
/// URL resolution.
static LINK_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(?i)contact|kontakt|contat|location|direction|appointment|book|enquir|inquir|touch|reach|find|visit|\
         about|team|staff|people|story|leadership|doctor|dentist|attorney|lawyer|provider|founder|history|company|\
         meet|management|bio|who|nosotros|equip|quipe|ueber|uber|über|quienes|propos|sommes|impressum|imprint|\
         offenlegung|legal|mentions",
    )
    .expect("valid regex")
});

/// Same-site contact and about links, absolute, fragment-free, de-duplicated, in document order.
pub(crate) fn page_links(anchors: &[Anchor], page: &Url) -> PageLinks {
    let mut links = PageLinks::default();
    let mut page_no_fragment = page.clone();
    page_no_fragment.set_fragment(None);
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let mut legal_first = 0;
    for anchor in anchors {
        let short_text = if anchor.text.len() <= 60 { anchor.text.as_str() } else { "" };
        if !(LINK_HINT.is_match(&anchor.href) || LINK_HINT.is_match(short_text)) {
            continue;
        }
        // Menus repeat the same links in header, body and footer.
        let key = (anchor.href.as_str(), short_text);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let Some(url) = resolve(&anchor.href, page) else {
            continue;
        };
        if url == page_no_fragment || !same_site(page, &url) {
            continue;
        }
        let kind = classify(&url, &anchor.text);
        let list = match kind {
            Some(LinkKind::Contact | LinkKind::LegalNotice) => &mut links.contact,
            Some(LinkKind::About) => &mut links.about,
            None => continue,
        };
        let url = url.to_string();
        if !list.contains(&url) {
            if kind == Some(LinkKind::LegalNotice) {
                // Crawled first: the notice names the company, its register entry and its directors.
                list.insert(legal_first, url);
                legal_first += 1;
            } else {
                list.push(url);
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn social_profiles() {
        for (raw, want) in [
            (
                "https://www.linkedin.com/company/acme-dental/about/",
                Some(("linkedin", "https://www.linkedin.com/company/acme-dental")),
            ),
            ("https://uk.linkedin.com/in/jane-doe", Some(("linkedin", "https://uk.linkedin.com/in/jane-doe"))),
            ("https://m.facebook.com/acmedental?ref=x#top", Some(("facebook", "https://facebook.com/acmedental"))),
            (
                "https://www.facebook.com/profile.php?id=1234",
                Some(("facebook", "https://www.facebook.com/profile.php?id=1234")),
            ),
            ("http://instagram.com/acme.dental/", Some(("instagram", "https://instagram.com/acme.dental"))),
            ("https://twitter.com/AcmeDental", Some(("x", "https://twitter.com/AcmeDental"))),
            ("https://x.com/acme_dental", Some(("x", "https://x.com/acme_dental"))),
            ("https://www.youtube.com/@acmedental", Some(("youtube", "https://www.youtube.com/@acmedental"))),
            ("https://youtube.com/channel/UC123/videos", Some(("youtube", "https://youtube.com/channel/UC123"))),
        ] {
            let got = social_profile(raw);
            assert_eq!(got.as_ref().map(|(n, u)| (*n, u.as_str())), want, "{raw}");
        }
        for raw in [
            "https://www.facebook.com/sharer/sharer.php?u=https://acme.test",
            "https://www.facebook.com/sharer.php?u=x",
            "https://www.facebook.com/",
            "https://twitter.com/intent/tweet?text=hi",
            "https://twitter.com/share?url=x",
            "https://x.com/",
            "https://www.linkedin.com/shareArticle?mini=true",
            "https://www.linkedin.com/sharing/share-offsite/?url=x",
            "https://www.linkedin.com/",
            "https://www.instagram.com/",
            "https://www.instagram.com/p/Cx123/",
            "https://www.youtube.com/watch?v=abc",
            "https://www.youtube.com/",
            "https://youtu.be/abc",
            "mailto:a@b.com",
            "not a url",
        ] {
            assert_eq!(social_profile(raw), None, "{raw}");
        }
    }

    fn anchor(href: &str, text: &str) -> Anchor {
        Anchor { href: href.into(), text: text.into() }
    }

    #[test]
    fn contact_and_about_links() {
        let page = Url::parse("https://www.acme.test/index.html#top").unwrap();
        let anchors = [
            anchor("/contact-us/#form", "Contact"),
            anchor("/get-in-touch", "Say hi"),
            anchor("reach-us.html", ""),
            anchor("https://acme.test/practice/meet-dr-smith", "Dr. Smith"),
            anchor("https://blog.acme.test/our-story", "Story"),
            anchor("/x", "About Us"),
            anchor("/blog/post", "Read more about how we care for our patients every day"),
            anchor("https://other.test/contact", "Contact"),
            anchor("mailto:info@acme.test", "Contact us"),
            anchor("#contact", "Contact"),
            anchor("/contact-us", "Contact again"),
            anchor("/books", "Books"),
            anchor("/book-online", "Book now"),
            anchor("javascript:void(0)", "Contact"),
            anchor("/author/staff/", "Staff"),
            anchor("/tag/contact-lenses/", "contact lenses"),
            anchor("/a-propos", "À propos"),
            anchor("/ueber-uns", "Über uns"),
            anchor("/notre-équipe", "Notre équipe"),
        ];
        let links = page_links(&anchors, &page);
        assert_eq!(
            links.contact,
            [
                "https://www.acme.test/contact-us/",
                "https://www.acme.test/get-in-touch",
                "https://www.acme.test/reach-us.html",
                "https://www.acme.test/contact-us",
                "https://www.acme.test/book-online",
            ]
        );
        assert_eq!(
            links.about,
            [
                "https://acme.test/practice/meet-dr-smith",
                "https://blog.acme.test/our-story",
                "https://www.acme.test/x",
                "https://www.acme.test/a-propos",
                "https://www.acme.test/ueber-uns",
                "https://www.acme.test/notre-%C3%A9quipe",
            ]
        );
    }

    #[test]
    fn legal_notices_come_first() {
        let page = Url::parse("https://www.krueger.de/").unwrap();
        let anchors = [
            anchor("/kontakt", "Kontakt"),
            anchor("/ueber-uns", "Über uns"),
            anchor("/impressum", "Impressum"),
            anchor("/rechtliches", "Legal notice"),
            anchor("/datenschutz", "Datenschutz"),
        ];
        let links = page_links(&anchors, &page);
        assert_eq!(
            links.contact,
            [
                "https://www.krueger.de/impressum",
                "https://www.krueger.de/rechtliches",
                "https://www.krueger.de/kontakt"
            ]
        );
        assert_eq!(links.about, ["https://www.krueger.de/ueber-uns"]);
    }

    #[test]
    fn ip_hosts_need_the_same_host() {
        let page = Url::parse("http://127.0.0.1:8080/").unwrap();
        let links = page_links(&[anchor("/about", ""), anchor("http://127.0.0.2/about", "")], &page);
        assert_eq!(links.about, ["http://127.0.0.1:8080/about"]);
    }
}
