//! Which sites get which crawl behaviour: failure modes, robots rules, redirects, charsets, compression and
//! malformed JSON-LD. Every proportion is a named constant; counts are exact (at least one each when the web
//! is big enough) so every variation exists for any seed, and the sites that get them are drawn at random.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Home page answers with a Cloudflare-style "Just a moment..." challenge (403 or 503) → `Blocked`.
pub const BOT_CHALLENGE_SHARE: f64 = 0.02;
/// Home page is a captcha wall served with 200 → `Blocked`.
pub const CAPTCHA_SHARE: f64 = 0.01;
/// Home page answers 404 → `NotFound`.
pub const HOME_NOT_FOUND_SHARE: f64 = 0.02;
/// Home page always answers 500 → `HttpError`.
pub const ALWAYS_ERROR_SHARE: f64 = 0.015;
/// Home page stalls `ServeOptions::slow_delay` before answering → `Timeout`.
pub const SLOW_HOME_SHARE: f64 = 0.015;
/// Home page is a PDF or a JPEG → `NotHtml`.
pub const NOT_HTML_SHARE: f64 = 0.02;
/// Home pages over 2 MiB (one with Content-Length, one chunked) → `TooLarge`.
pub const OVERSIZED_SITES: usize = 2;
/// Home pages behind a 7-hop redirect chain → `TooManyRedirects`.
pub const TOO_MANY_REDIRECTS_SITES: usize = 1;
/// Home page answers 500 to odd-numbered requests and 200 to the others → `Ok` after one retry.
pub const FLAKY_HOME_SHARE: f64 = 0.03;
/// The linked about page answers 404 → `Partial`.
pub const ABOUT_NOT_FOUND_SHARE: f64 = 0.03;
/// robots.txt disallows the contact page: its facts are not in the truth, status stays `Ok`.
pub const ROBOTS_DISALLOW_CONTACT_SHARE: f64 = 0.04;
/// `http://domain/` → `http://www.domain/` → `/home` (2 hops) → `Ok`.
pub const REDIRECT_CHAIN_SHARE: f64 = 0.06;
/// Pages in windows-1252, declared in the Content-Type header.
pub const WINDOWS_1252_SHARE: f64 = 0.03;
/// Pages whose charset is declared only in `<meta>`: one ISO-8859-1, one Shift_JIS.
pub const META_CHARSET_SITES: usize = 2;
/// JSON-LD that strict parsers reject (trailing commas, comments, raw newlines, `&quot;`).
pub const MALFORMED_JSONLD_SHARE: f64 = 0.05;
/// Sites whose lead-list row has no website, only an email on the business domain.
pub const NO_WEBSITE_LEADS: usize = 4;
/// robots.txt asks for `Crawl-delay: 1` (may overlap the above).
pub const CRAWL_DELAY_SHARE: f64 = 0.03;
/// Responses are gzip-encoded when the request accepts it (may overlap the above).
pub const GZIP_SHARE: f64 = 0.10;

/// What goes wrong with a site's home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    BotChallenge { status: u16 },
    Captcha,
    HomeNotFound,
    AlwaysError,
    SlowHome,
    TooManyRedirects,
    NotHtml { pdf: bool },
    Oversized { chunked: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Charset {
    #[default]
    Utf8,
    Windows1252,
    Latin1Meta,
    ShiftJisMeta,
}

/// Ways a JSON-LD block is broken in the wild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformation {
    TrailingComma,
    Comment,
    RawNewline,
    QuotEntities,
}

/// The crawl behaviour assigned to one site.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Special {
    pub failure: Option<Failure>,
    pub flaky_home: bool,
    pub about_404: bool,
    pub robots_contact: bool,
    pub redirect_chain: bool,
    pub crawl_delay: bool,
    pub gzip: bool,
    pub charset: Charset,
    pub malformed: Option<Malformation>,
    pub no_website: bool,
}

fn share(count: usize, fraction: f64) -> usize {
    ((count as f64 * fraction).round() as usize).max(1)
}

/// Draws the behaviours for `count` sites. Home-page failures and the per-site flags are given to
/// disjoint sites so each site shows one thing going wrong; crawl delay and gzip overlap freely.
pub(crate) fn assign(rng: &mut ChaCha8Rng, count: usize) -> Vec<Special> {
    let mut specials = vec![Special::default(); count];
    let mut pool: Vec<usize> = (0..count).collect();
    pool.shuffle(rng);

    let mut failures: Vec<Failure> = Vec::new();
    for k in 0..share(count, BOT_CHALLENGE_SHARE) {
        failures.push(Failure::BotChallenge { status: if k % 2 == 0 { 403 } else { 503 } });
    }
    failures.extend(std::iter::repeat_n(Failure::Captcha, share(count, CAPTCHA_SHARE)));
    failures.extend(std::iter::repeat_n(Failure::HomeNotFound, share(count, HOME_NOT_FOUND_SHARE)));
    failures.extend(std::iter::repeat_n(Failure::AlwaysError, share(count, ALWAYS_ERROR_SHARE)));
    failures.extend(std::iter::repeat_n(Failure::SlowHome, share(count, SLOW_HOME_SHARE)));
    for k in 0..share(count, NOT_HTML_SHARE) {
        failures.push(Failure::NotHtml { pdf: k % 2 == 0 });
    }
    for k in 0..OVERSIZED_SITES {
        failures.push(Failure::Oversized { chunked: k % 2 == 1 });
    }
    failures.extend(std::iter::repeat_n(Failure::TooManyRedirects, TOO_MANY_REDIRECTS_SITES));
    for failure in failures {
        let Some(i) = pool.pop() else { break };
        specials[i].failure = Some(failure);
    }
    let healthy = pool.clone();

    type Setter = fn(&mut Special, usize);
    let flags: [(usize, Setter); 9] = [
        (share(count, FLAKY_HOME_SHARE), |s, _| s.flaky_home = true),
        (share(count, ABOUT_NOT_FOUND_SHARE), |s, _| s.about_404 = true),
        (share(count, ROBOTS_DISALLOW_CONTACT_SHARE), |s, _| s.robots_contact = true),
        (share(count, REDIRECT_CHAIN_SHARE), |s, _| s.redirect_chain = true),
        (share(count, WINDOWS_1252_SHARE), |s, _| s.charset = Charset::Windows1252),
        (META_CHARSET_SITES / 2, |s, _| s.charset = Charset::Latin1Meta),
        (META_CHARSET_SITES - META_CHARSET_SITES / 2, |s, _| s.charset = Charset::ShiftJisMeta),
        (share(count, MALFORMED_JSONLD_SHARE), |s, k| {
            s.malformed = Some(
                [
                    Malformation::TrailingComma,
                    Malformation::Comment,
                    Malformation::RawNewline,
                    Malformation::QuotEntities,
                ][k % 4],
            );
        }),
        (NO_WEBSITE_LEADS, |s, _| s.no_website = true),
    ];
    for (n, set) in flags {
        for k in 0..n {
            let Some(i) = pool.pop() else { break };
            set(&mut specials[i], k);
        }
    }

    for (fraction, gzip) in [(CRAWL_DELAY_SHARE, false), (GZIP_SHARE, true)] {
        let mut picks = healthy.clone();
        picks.shuffle(rng);
        for &i in picks.iter().take(share(count, fraction)) {
            if gzip {
                specials[i].gzip = true;
            } else {
                specials[i].crawl_delay = true;
            }
        }
    }
    specials
}
