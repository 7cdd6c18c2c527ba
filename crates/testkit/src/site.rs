//! One generated site as the rest of leadsmith sees it: its identity, the variations it shows, its ground
//! truth, and its pages as response specs the sample server plays back.

use std::collections::BTreeMap;

use bytes::Bytes;
use leadsmith_core::{Address, CrawlStatus};
use serde::Serialize;

use crate::leads::LeadRow;

/// What a correct, polite crawler can learn about a site: it fetches the home page and up to three
/// contact/about/team pages linked from it (found by link text or path), respects robots.txt, retries 5xx
/// up to 3 attempts in all, follows at most 5 redirects, and gives up on a page before `slow_delay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truth {
    /// Addresses as `Email::parse` normalises them; decoys (`logo@2x.png`, DSNs, placeholders) excluded.
    pub emails: Vec<String>,
    /// E.164, exactly as `Phone::parse(raw, "US")` gives it; fax numbers excluded.
    pub phones: Vec<String>,
    pub owner: Option<TruthOwner>,
    pub address: Option<Address>,
    /// Network (`linkedin`, `facebook`, `instagram`, `x`, `youtube`) → profile URL as the site links it.
    pub socials: BTreeMap<String, String>,
    /// The lead-level outcome such a crawler reaches.
    pub status: CrawlStatus,
    /// The technologies a correct detector reports, by their names in our default fingerprints (sorted).
    pub technologies: Vec<String>,
    /// The audit findings among [`CONTROLLED_FINDINGS`](crate::intel::CONTROLLED_FINDINGS) this site
    /// shows (a correct audit reports exactly these of them).
    pub findings: Vec<String>,
}

/// The business owner as the site names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TruthOwner {
    /// Without honorific or post-nominals: `"Maria Lopez"`, never `"Dr. Maria Lopez, DDS"`.
    pub name: String,
    /// As the site writes it: `"DDS"`, `"Owner"`, `"Founder & CEO"`, `"Managing Partner"`, `"Inhaber"`.
    pub title: String,
}

/// The variations a site shows; a site has several at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteTrait {
    // Structured data.
    JsonLd,
    JsonLdGraph,
    /// Trailing commas, `//` comments, raw newlines in strings or `&quot;` entities; every fact in it is
    /// also visible on the home page, so the truth does not depend on repairing it.
    JsonLdMalformed,
    Microdata,
    NoStructuredData,
    // Addresses.
    AddressJsonLd,
    AddressMicrodata,
    AddressTag,
    AddressFooterText,
    /// The address is only plain text in the footer.
    AddressFooterOnly,
    AddressOnContactPage,
    NoAddress,
    /// A UK, German, French or Australian business with its own address format.
    International,
    // Emails.
    EmailMailto,
    EmailPlainText,
    /// `jane [at] site [dot] test`
    EmailObfuscatedAt,
    /// `jane(at)site.test`
    EmailObfuscatedParen,
    /// `&#106;ane&#64;site&#46;test`
    EmailEntities,
    EmailJsonLdOnly,
    NoEmail,
    /// `logo@2x.png` image names.
    ImageNameDecoy,
    /// A Sentry DSN (`…@o123.ingest.sentry.io`) inside a script.
    SentryDsnDecoy,
    /// `you@example.com` as a form placeholder.
    PlaceholderEmailDecoy,
    // Phones.
    TelLink,
    PlainTextPhone,
    /// `+44 20 7946 0123`, `+49 30 …`, `+33 1 …`, `+61 2 …`
    InternationalPhone,
    /// A number labelled "Fax:", not in the truth.
    FaxNumber,
    SecondPhone,
    PhoneOnlyOnContactPage,
    /// Dates, prices, licence and order numbers that are not phones.
    PhoneDecoys,
    // Owners.
    OwnerBio,
    /// `Owner: Tom Baker` on the home or contact page.
    OwnerLine,
    OwnerTeamCard,
    OwnerJsonLd,
    NoOwner,
    // Socials.
    Socials,
    SocialsSameAsOnly,
    /// Share buttons and video embeds that are not the business's profiles.
    SocialShareDecoys,
    // Pages.
    OddContactPath,
    TeamPage,
    NoContactPage,
    // Crawl behaviour.
    RobotsDisallowContact,
    CrawlDelay,
    BotChallenge,
    Captcha,
    HomeNotFound,
    AboutNotFound,
    FlakyHome,
    AlwaysServerError,
    SlowHome,
    RedirectChain,
    TooManyRedirects,
    Windows1252,
    MetaCharsetOnly,
    ShiftJis,
    NotHtml,
    Oversized,
    Gzip,
    /// The lead list gives no website for this business, only an email on its domain.
    NoWebsiteInLeads,
}

impl SiteTrait {
    /// Every variation; the standard web shows each at least once.
    pub const ALL: &'static [SiteTrait] = &[
        Self::JsonLd,
        Self::JsonLdGraph,
        Self::JsonLdMalformed,
        Self::Microdata,
        Self::NoStructuredData,
        Self::AddressJsonLd,
        Self::AddressMicrodata,
        Self::AddressTag,
        Self::AddressFooterText,
        Self::AddressFooterOnly,
        Self::AddressOnContactPage,
        Self::NoAddress,
        Self::International,
        Self::EmailMailto,
        Self::EmailPlainText,
        Self::EmailObfuscatedAt,
        Self::EmailObfuscatedParen,
        Self::EmailEntities,
        Self::EmailJsonLdOnly,
        Self::NoEmail,
        Self::ImageNameDecoy,
        Self::SentryDsnDecoy,
        Self::PlaceholderEmailDecoy,
        Self::TelLink,
        Self::PlainTextPhone,
        Self::InternationalPhone,
        Self::FaxNumber,
        Self::SecondPhone,
        Self::PhoneOnlyOnContactPage,
        Self::PhoneDecoys,
        Self::OwnerBio,
        Self::OwnerLine,
        Self::OwnerTeamCard,
        Self::OwnerJsonLd,
        Self::NoOwner,
        Self::Socials,
        Self::SocialsSameAsOnly,
        Self::SocialShareDecoys,
        Self::OddContactPath,
        Self::TeamPage,
        Self::NoContactPage,
        Self::RobotsDisallowContact,
        Self::CrawlDelay,
        Self::BotChallenge,
        Self::Captcha,
        Self::HomeNotFound,
        Self::AboutNotFound,
        Self::FlakyHome,
        Self::AlwaysServerError,
        Self::SlowHome,
        Self::RedirectChain,
        Self::TooManyRedirects,
        Self::Windows1252,
        Self::MetaCharsetOnly,
        Self::ShiftJis,
        Self::NotHtml,
        Self::Oversized,
        Self::Gzip,
        Self::NoWebsiteInLeads,
    ];
}

/// How the server answers one path of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub status: u16,
    /// `Content-Type` header, when the response has one.
    pub content_type: Option<String>,
    /// Other headers (`Location`, `Server`, `cf-mitigated`, `Retry-After`).
    pub headers: Vec<(String, String)>,
    pub body: PageBody,
    pub behavior: PageBehavior,
}

/// A response body: bytes already in the page's charset, or a huge page generated while streaming.
#[derive(Clone, PartialEq, Eq)]
pub enum PageBody {
    Bytes(Bytes),
    /// `head`, then `padding` bytes of HTML comment filler, then `tail`; sent with a Content-Length unless
    /// `chunked`.
    Padded {
        head: Bytes,
        padding: u64,
        tail: Bytes,
        chunked: bool,
    },
}

/// Lengths only: a web holds tens of megabytes of pages, too much for a failing assertion to print.
impl std::fmt::Debug for PageBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Self::Padded { chunked, .. } => {
                write!(f, "Padded({} bytes, chunked: {chunked})", self.len())
            }
        }
    }
}

impl PageBody {
    pub fn len(&self) -> u64 {
        match self {
            Self::Bytes(b) => b.len() as u64,
            Self::Padded { head, padding, tail, .. } => head.len() as u64 + padding + tail.len() as u64,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the server does besides playing back the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageBehavior {
    Normal,
    /// Odd-numbered requests for this (site, path) answer 500; even-numbered ones get the page.
    FlakyOddRequests,
    /// Waits `ServeOptions::slow_delay` before answering.
    Stall,
    /// On the bare domain, a 301 to `http://www.<domain>/`; on `www.` the page itself.
    ApexToWww,
}

/// One generated company site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// Lower-case `.test` domain built from the company name: `bright-smile-dental.test`.
    pub domain: String,
    pub company: String,
    /// One of [`VERTICAL_KEYS`](crate::VERTICAL_KEYS).
    pub vertical: String,
    /// ISO 3166 country of the business (`US`, `GB`, `DE`, `FR`, `AU`).
    pub country: String,
    /// Where a crawler starts for this lead: the lead list's website made absolute
    /// (`http://www.bright-smile-dental.test/`), or `http://<domain>/` when the list gives only an email.
    pub home_url: String,
    pub traits: Vec<SiteTrait>,
    pub truth: Truth,
    /// Paths of the contact/about/team pages the home page links to (at most three).
    pub linked_pages: Vec<String>,
    /// Path → response, including `/robots.txt`; anything else is a 404.
    pub pages: BTreeMap<String, Page>,
    pub(crate) lead: LeadRow,
    /// Other spellings of the main phone number, for duplicate lead rows.
    pub(crate) lead_phones: Vec<String>,
    /// Whether responses are gzip-encoded for clients that accept it.
    pub(crate) gzip: bool,
}

impl Site {
    pub fn has(&self, t: SiteTrait) -> bool {
        self.traits.contains(&t)
    }

    pub fn page(&self, path: &str) -> Option<&Page> {
        self.pages.get(path)
    }

    /// The decoded text of an HTML page held in memory (charset from the Content-Type or `<meta>`), for
    /// extraction benchmarks that skip the network. `None` for streamed, binary or missing pages.
    pub fn html(&self, path: &str) -> Option<String> {
        let page = self.pages.get(path)?;
        let PageBody::Bytes(bytes) = &page.body else {
            return None;
        };
        let content_type = page.content_type.as_deref()?;
        if !content_type.starts_with("text/html") {
            return None;
        }
        let label = charset_label(content_type).or_else(|| meta_charset(bytes)).unwrap_or("utf-8");
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
        Some(encoding.decode(bytes).0.into_owned())
    }
}

fn charset_label(content_type: &str) -> Option<&str> {
    content_type.split(';').find_map(|part| part.trim().strip_prefix("charset=")).map(str::trim)
}

fn meta_charset(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(2048)];
    let text = std::str::from_utf8(head).ok().or_else(|| {
        let valid = std::str::from_utf8(head).err()?.valid_up_to();
        std::str::from_utf8(&head[..valid]).ok()
    })?;
    let at = text.find("charset=")? + "charset=".len();
    let rest = text[at..].trim_start_matches('"');
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
    Some(&rest[..end])
}
