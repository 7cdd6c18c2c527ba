//! What follows from a plan: which locations a correct, polite crawler reaches, the lead-level status
//! it ends in, the ground truth it can find, and the list of variations the site shows.

use std::collections::{BTreeMap, BTreeSet};

use leadsmith_core::CrawlStatus;

use crate::assign::{Charset, Failure};
use crate::names::Country;
use crate::plan::{AddressStyle, EmailStyle, Loc, OwnerPlace, PhoneStyle, Plan, Structured};
use crate::{SiteTrait, Truth, TruthOwner};

impl Plan {
    /// Whether a correct, polite crawler sees what is at `loc`.
    pub(crate) fn reachable(&self, loc: Loc) -> bool {
        if self.special.failure.is_some() {
            return false;
        }
        match loc {
            Loc::Footer | Loc::Home | Loc::JsonLd => true,
            Loc::Contact => self.contact.is_some() && !self.special.robots_contact,
            Loc::About => self.about.is_some() && !self.special.about_404,
            Loc::Team => self.team.is_some(),
        }
    }

    fn any_reachable(&self, locs: &[Loc]) -> bool {
        locs.iter().any(|l| self.reachable(*l))
    }

    pub(crate) fn status(&self) -> CrawlStatus {
        match self.special.failure {
            Some(Failure::BotChallenge { .. } | Failure::Captcha) => CrawlStatus::Blocked,
            Some(Failure::HomeNotFound) => CrawlStatus::NotFound,
            Some(Failure::AlwaysError) => CrawlStatus::HttpError,
            Some(Failure::SlowHome) => CrawlStatus::Timeout,
            Some(Failure::TooManyRedirects) => CrawlStatus::TooManyRedirects,
            Some(Failure::NotHtml { .. }) => CrawlStatus::NotHtml,
            Some(Failure::Oversized { .. }) => CrawlStatus::TooLarge,
            None if self.special.about_404 => CrawlStatus::Partial,
            None => CrawlStatus::Ok,
        }
    }

    pub(crate) fn truth(&self) -> Truth {
        let mut emails = Vec::new();
        for e in self.emails.iter().filter(|e| self.any_reachable(&e.locs)) {
            if !emails.contains(&e.addr) {
                emails.push(e.addr.clone());
            }
        }
        let phones =
            self.phones.iter().filter(|p| self.any_reachable(&p.locs)).map(|p| p.number.e164.clone()).collect();
        let owner = self.owner.as_ref().and_then(|o| {
            let seen = o.places.iter().any(|place| {
                self.reachable(match place {
                    OwnerPlace::AboutBio => Loc::About,
                    OwnerPlace::TeamCard => Loc::Team,
                    OwnerPlace::HomeLine => Loc::Home,
                    OwnerPlace::ContactLine => Loc::Contact,
                    OwnerPlace::JsonLdFounder => Loc::JsonLd,
                })
            });
            seen.then(|| TruthOwner { name: o.person.name(), title: o.title.clone() })
        });
        let address = self.address.as_ref().filter(|a| self.any_reachable(&a.locs)).map(|a| a.address.clone());
        let socials: BTreeMap<String, String> = self
            .socials
            .iter()
            .filter(|s| self.any_reachable(&s.locs))
            .map(|s| (s.network.to_string(), s.url.clone()))
            .collect();
        Truth {
            emails,
            phones,
            owner,
            address,
            socials,
            status: self.status(),
            technologies: self.technologies(),
            findings: self.findings(),
        }
    }

    /// What every sample site runs (Google Analytics), what some decoys bring (Sentry, a YouTube
    /// embed), and the site's own stack.
    fn technologies(&self) -> Vec<String> {
        let mut out = self.intel.technologies();
        out.push("Google Analytics".into());
        if self.decoys.sentry_dsn {
            out.push("Sentry".into());
        }
        if self.decoys.share_links {
            out.push("YouTube".into());
        }
        // Every contact page embeds a map.
        if self.reachable(Loc::Contact) {
            out.push(crate::intel::GOOGLE_MAPS_NAME.into());
        }
        out.sort();
        out.dedup();
        out
    }

    fn findings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.intel.findings().into_iter().map(String::from).collect();
        if !self.jsonld() {
            out.push("no_structured_data".into());
        }
        if self.special.malformed.is_some() {
            out.push("invalid_structured_data".into());
        }
        // The about page the home page links to answers 404.
        if self.special.about_404 && !out.iter().any(|f| f == "broken_internal_links") {
            out.push("broken_internal_links".into());
        }
        out.sort();
        out
    }

    /// The variations this site shows, for tests and reports.
    pub(crate) fn traits(&self) -> Vec<SiteTrait> {
        use SiteTrait as T;
        let mut t = BTreeSet::new();
        match self.structured {
            Structured::JsonLd { graph } => {
                t.insert(T::JsonLd);
                if graph {
                    t.insert(T::JsonLdGraph);
                }
            }
            Structured::Microdata => {
                t.insert(T::Microdata);
            }
            Structured::None => {
                t.insert(T::NoStructuredData);
            }
        }
        if self.special.malformed.is_some() {
            t.insert(T::JsonLdMalformed);
        }
        if self.country != Country::Us {
            t.insert(T::International);
            t.insert(T::InternationalPhone);
        }
        match &self.address {
            None => {
                t.insert(T::NoAddress);
            }
            Some(a) => {
                if a.locs.contains(&Loc::JsonLd) {
                    t.insert(T::AddressJsonLd);
                }
                match a.style {
                    AddressStyle::Microdata => t.insert(T::AddressMicrodata),
                    AddressStyle::AddressTag => t.insert(T::AddressTag),
                    AddressStyle::FooterText if a.locs == [Loc::Footer] => t.insert(T::AddressFooterOnly),
                    AddressStyle::FooterText => t.insert(T::AddressFooterText),
                };
                if a.locs.contains(&Loc::Contact) {
                    t.insert(T::AddressOnContactPage);
                }
            }
        }
        if self.emails.is_empty() {
            t.insert(T::NoEmail);
        }
        for e in &self.emails {
            if e.locs == [Loc::JsonLd] {
                t.insert(T::EmailJsonLdOnly);
                continue;
            }
            t.insert(match e.style {
                EmailStyle::Mailto | EmailStyle::MailtoText => T::EmailMailto,
                EmailStyle::Plain => T::EmailPlainText,
                EmailStyle::AtDot => T::EmailObfuscatedAt,
                EmailStyle::ParenAt => T::EmailObfuscatedParen,
                EmailStyle::Entities => T::EmailEntities,
            });
        }
        let d = &self.decoys;
        for (on, tr) in [
            (d.retina_logo, T::ImageNameDecoy),
            (d.sentry_dsn, T::SentryDsnDecoy),
            (d.placeholder_email, T::PlaceholderEmailDecoy),
            (!d.phone_texts.is_empty(), T::PhoneDecoys),
            (d.share_links, T::SocialShareDecoys),
            (self.fax.is_some(), T::FaxNumber),
            (self.phones.len() > 1, T::SecondPhone),
            (self.phones[0].locs.iter().all(|l| *l == Loc::Contact), T::PhoneOnlyOnContactPage),
            (self.owner.is_none(), T::NoOwner),
            (self.team.is_some(), T::TeamPage),
            (self.contact.is_none(), T::NoContactPage),
            (
                self.contact.as_ref().is_some_and(|c| !["/contact", "/contact-us"].contains(&c.path.as_str())),
                T::OddContactPath,
            ),
            (!self.socials.is_empty(), T::Socials),
            (!self.socials.is_empty() && self.socials.iter().all(|s| s.locs == [Loc::JsonLd]), T::SocialsSameAsOnly),
            (self.special.robots_contact, T::RobotsDisallowContact),
            (self.special.crawl_delay, T::CrawlDelay),
            (self.special.about_404, T::AboutNotFound),
            (self.special.flaky_home, T::FlakyHome),
            (self.special.redirect_chain, T::RedirectChain),
            (self.special.gzip, T::Gzip),
            (self.special.no_website, T::NoWebsiteInLeads),
            (self.special.charset == Charset::Windows1252, T::Windows1252),
            (matches!(self.special.charset, Charset::Latin1Meta | Charset::ShiftJisMeta), T::MetaCharsetOnly),
            (self.special.charset == Charset::ShiftJisMeta, T::ShiftJis),
        ] {
            if on {
                t.insert(tr);
            }
        }
        for p in &self.phones {
            t.insert(match p.style {
                PhoneStyle::TelLink | PhoneStyle::TelLinkCallText => T::TelLink,
                PhoneStyle::Plain => T::PlainTextPhone,
            });
        }
        if let Some(o) = &self.owner {
            for place in &o.places {
                t.insert(match place {
                    OwnerPlace::AboutBio => T::OwnerBio,
                    OwnerPlace::TeamCard => T::OwnerTeamCard,
                    OwnerPlace::HomeLine | OwnerPlace::ContactLine => T::OwnerLine,
                    OwnerPlace::JsonLdFounder => T::OwnerJsonLd,
                });
            }
        }
        if let Some(f) = self.special.failure {
            t.insert(match f {
                Failure::BotChallenge { .. } => T::BotChallenge,
                Failure::Captcha => T::Captcha,
                Failure::HomeNotFound => T::HomeNotFound,
                Failure::AlwaysError => T::AlwaysServerError,
                Failure::SlowHome => T::SlowHome,
                Failure::TooManyRedirects => T::TooManyRedirects,
                Failure::NotHtml { .. } => T::NotHtml,
                Failure::Oversized { .. } => T::Oversized,
            });
        }
        t.into_iter().collect()
    }
}
