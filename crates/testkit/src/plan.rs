//! Site plans: who a business is, which pages its site has, which facts it publishes, on which page each
//! appears and how it is written, and which crawl behaviour it shows. The pages (`render`) and the ground
//! truth (`truth`) are both derived from the plan, so they cannot disagree.

use std::collections::HashSet;

use leadsmith_core::Address;
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::assign::{Charset, Special};
use crate::contacts::PhoneNumber;
use crate::intel::Intel;
use crate::names::{self, ACCENTED_PEOPLE, City, Country, slugify};
use crate::verticals::{VERTICALS, Vertical};

/// Share of sites with JSON-LD (LocalBusiness / Organization) on the home page.
pub const JSONLD_SHARE: f64 = 0.40;
/// Share of JSON-LD sites that wrap their nodes in `@graph`.
pub const JSONLD_GRAPH_SHARE: f64 = 0.30;
/// Share of sites with microdata (an itemscope LocalBusiness footer); the rest have no structured data.
pub const MICRODATA_SHARE: f64 = 0.20;
/// Shares of sites in the UK, Germany, France and Australia (ISO codes); the rest are in the US.
pub const INTERNATIONAL_SHARES: [(&str, f64); 4] = [("GB", 0.03), ("DE", 0.025), ("FR", 0.02), ("AU", 0.025)];
/// Share of sites that name no owner anywhere.
pub const NO_OWNER_SHARE: f64 = 0.15;
/// Share of sites with no email address at all (a contact form only).
pub const NO_EMAIL_SHARE: f64 = 0.06;
/// Share of sites that publish no street address.
pub const NO_ADDRESS_SHARE: f64 = 0.06;
/// Shares of sites with a contact page, an about page, and (of those with an owner) a team page.
pub const CONTACT_PAGE_SHARE: f64 = 0.92;
pub const ABOUT_PAGE_SHARE: f64 = 0.80;
pub const TEAM_PAGE_SHARE: f64 = 0.35;
/// Share of sites listing a fax number (never part of the truth's phones).
pub const FAX_SHARE: f64 = 0.15;
/// Share of sites with a second phone number (after-hours line, reservations, direct line).
pub const SECOND_PHONE_SHARE: f64 = 0.30;

/// Where on a site a fact appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Loc {
    /// In the footer, so on every page.
    Footer,
    Home,
    Contact,
    About,
    Team,
    /// In the home page's JSON-LD only.
    JsonLd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EmailStyle {
    Mailto,
    /// A mailto link whose text is "Email us": the address is only in the href.
    MailtoText,
    Plain,
    /// `jane [at] site [dot] test`
    AtDot,
    /// `jane(at)site.test`
    ParenAt,
    /// `&#106;ane&#64;site&#46;test`
    Entities,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhoneStyle {
    TelLink,
    /// A tel link whose text is "Call us": the number is only in the href.
    TelLinkCallText,
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressStyle {
    FooterText,
    AddressTag,
    Microdata,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OwnerPlace {
    AboutBio,
    TeamCard,
    HomeLine,
    ContactLine,
    JsonLdFounder,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Structured {
    None,
    JsonLd { graph: bool },
    Microdata,
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub first: String,
    pub last: String,
}

impl Person {
    pub(crate) fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct OwnerPlan {
    pub person: Person,
    pub title: String,
    pub places: Vec<OwnerPlace>,
    pub bio: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct EmailPlan {
    pub addr: String,
    pub label: String,
    pub locs: Vec<Loc>,
    pub style: EmailStyle,
}

#[derive(Debug, Clone)]
pub(crate) struct PhonePlan {
    pub number: PhoneNumber,
    pub label: String,
    pub locs: Vec<Loc>,
    pub style: PhoneStyle,
}

#[derive(Debug, Clone)]
pub(crate) struct AddressPlan {
    pub address: Address,
    pub line1: String,
    pub line2: String,
    pub locs: Vec<Loc>,
    pub style: AddressStyle,
}

#[derive(Debug, Clone)]
pub(crate) struct SocialPlan {
    pub network: &'static str,
    pub url: String,
    pub locs: Vec<Loc>,
}

/// A page linked from the home page that a crawler looks for by link text or path.
#[derive(Debug, Clone)]
pub(crate) struct PageRef {
    pub path: String,
    pub link_text: String,
    pub heading: String,
}

/// Strings that look like contact facts but are not.
#[derive(Debug, Clone, Default)]
pub(crate) struct Decoys {
    pub retina_logo: bool,
    pub sentry_dsn: bool,
    pub placeholder_email: bool,
    pub phone_texts: Vec<String>,
    pub share_links: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub vertical: &'static Vertical,
    pub country: Country,
    pub city: &'static City,
    pub company: String,
    pub domain: String,
    pub tagline: &'static str,
    pub founded: u16,
    pub japanese: bool,
    pub structured: Structured,
    pub owner: Option<OwnerPlan>,
    pub staff: Vec<(Person, &'static str)>,
    pub emails: Vec<EmailPlan>,
    pub phones: Vec<PhonePlan>,
    pub fax: Option<PhonePlan>,
    pub address: Option<AddressPlan>,
    pub socials: Vec<SocialPlan>,
    pub contact: Option<PageRef>,
    pub about: Option<PageRef>,
    pub team: Option<PageRef>,
    pub special: Special,
    pub decoys: Decoys,
    /// Technologies and upkeep (its own random stream).
    pub intel: Intel,
}

/// Values that must be unique across the whole sample web.
#[derive(Debug, Default)]
pub(crate) struct Used {
    pub domains: HashSet<String>,
    pub phones: HashSet<String>,
    pub ids: HashSet<String>,
}

const JAPANESE_WORDS: &[&str] = &["Sakura", "Kaze", "Hoshi", "Tsuki", "Yama", "Umi", "Hana", "Kumo"];
const JAPANESE_PEOPLE: &[(&str, &str)] =
    &[("Kenji", "Tanaka"), ("Yumi", "Watanabe"), ("Hiroshi", "Sato"), ("Aiko", "Suzuki"), ("Takeshi", "Ito")];

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    *items.choose(rng).expect("non-empty word list")
}

fn random_person(rng: &mut ChaCha8Rng, country: Country) -> Person {
    let (firsts, lasts) = match country {
        Country::De => (names::DE_FIRST_NAMES, names::DE_LAST_NAMES),
        Country::Fr => (names::FR_FIRST_NAMES, names::FR_LAST_NAMES),
        _ => (names::FIRST_NAMES, names::LAST_NAMES),
    };
    Person { first: pick(rng, firsts).to_string(), last: pick(rng, lasts).to_string() }
}

fn company_name(rng: &mut ChaCha8Rng, v: &Vertical, country: Country, city: &City, owner: &Person) -> String {
    let local: &[&str] = match (country, v.key) {
        (Country::De, "dentist") => &["Zahnarztpraxis Dr. {last}"],
        (Country::De, "plumber") => &["{last} Sanitär GmbH", "Sanitär {last}"],
        (Country::De, "law_firm") => &["Kanzlei {last} & {last2}"],
        (Country::De, "restaurant") => &["Gasthaus zum {noun}", "Café {last}"],
        (Country::Fr, "dentist") => &["Cabinet Dentaire {last}"],
        (Country::Fr, "restaurant") => &["Bistrot {last}", "Café {city}"],
        (Country::Fr, "law_firm") => &["Cabinet {last} Avocats"],
        (Country::Fr, "salon") => &["Salon {first}", "Coiffure {first}"],
        _ => &[],
    };
    let pattern = if !local.is_empty() && rng.gen_bool(0.7) { pick(rng, local) } else { pick(rng, v.name_patterns) };
    let lasts = match country {
        Country::De => names::DE_LAST_NAMES,
        Country::Fr => names::FR_LAST_NAMES,
        _ => names::LAST_NAMES,
    };
    let last2 = pick(rng, lasts);
    let last3 = pick(rng, lasts);
    let noun = pick(rng, v.nouns);
    let mut noun2 = pick(rng, v.nouns);
    if noun2 == noun {
        noun2 = v.nouns[(v.nouns.iter().position(|n| *n == noun).unwrap_or(0) + 1) % v.nouns.len()];
    }
    pattern
        .replace("{last}", &owner.last)
        .replace("{last2}", last2)
        .replace("{last3}", last3)
        .replace("{first}", &owner.first)
        .replace("{adj}", pick(rng, v.adjectives))
        .replace("{noun2}", noun2)
        .replace("{noun}", noun)
        .replace("{word}", noun)
        .replace("{city}", city.name)
}

fn owner_title(rng: &mut ChaCha8Rng, v: &Vertical, country: Country) -> String {
    let title = match (country, v.doctor) {
        (Country::De, true) => "Zahnarzt",
        (Country::De, false) => pick(rng, &["Inhaber", "Geschäftsführer"]),
        (Country::Fr, true) => "Chirurgien-dentiste",
        (Country::Fr, false) => pick(rng, &["Gérant", "Fondateur"]),
        _ => pick(rng, v.owner_titles),
    };
    title.to_string()
}

fn page_refs(rng: &mut ChaCha8Rng, country: Country, owner: Option<&Person>, doctor: bool) -> [PageRef; 3] {
    let page = |path: &str, text: &str, heading: &str| PageRef {
        path: path.to_string(),
        link_text: text.to_string(),
        heading: heading.to_string(),
    };
    let (contact, about) = match country {
        Country::De => (page("/kontakt", "Kontakt", "Kontakt"), page("/ueber-uns", "Über uns", "Über uns")),
        Country::Fr => {
            (page("/contactez-nous", "Contactez-nous", "Contactez-nous"), page("/a-propos", "À propos", "À propos"))
        }
        _ => {
            let contacts = [
                ("/contact", "Contact", "Contact Us"),
                ("/contact-us", "Contact Us", "Contact Us"),
                ("/contact-us.html", "Contact Us", "Contact Us"),
                ("/get-in-touch", "Get in Touch", "Get in Touch"),
                ("/reach-us", "Reach Us", "Reach Us"),
                ("/about/contact", "Contact", "Contact"),
                ("/pages/contact", "Contact", "Contact Us"),
            ];
            let (p, t, h) = *crate::contacts::weighted(rng, &contacts, &[30, 20, 12, 12, 10, 8, 8]);
            let abouts = [
                ("/about", "About", "About Us"),
                ("/about-us", "About Us", "About Us"),
                ("/our-story", "Our Story", "Our Story"),
            ];
            let (ap, at, ah) = pick(rng, &abouts);
            (page(p, t, h), page(ap, at, ah))
        }
    };
    let team = match owner {
        Some(o) if doctor && rng.gen_bool(0.5) => {
            let slug = slugify(&o.last);
            let text = format!("Meet Dr. {}", o.last);
            page(&format!("/meet-dr-{slug}"), &text, &text)
        }
        _ => {
            let (p, t, h) = pick(rng, &[("/our-team", "Our Team", "Our Team"), ("/team", "Team", "Meet the Team")]);
            page(p, t, h)
        }
    };
    [contact, about, team]
}

/// Plans one site. `used` keeps domains and phone numbers unique across the web.
pub(crate) fn plan_site(rng: &mut ChaCha8Rng, special: Special, used: &mut Used) -> Plan {
    let japanese = special.charset == Charset::ShiftJisMeta;
    let vertical = if japanese { &VERTICALS[1] } else { VERTICALS.choose(rng).expect("verticals") };
    let mut country = Country::Us;
    let roll: f64 = rng.r#gen();
    let mut acc = 0.0;
    for (code, share) in INTERNATIONAL_SHARES {
        acc += share;
        if roll < acc {
            country = [Country::Gb, Country::De, Country::Fr, Country::Au]
                .into_iter()
                .find(|c| c.code() == code)
                .unwrap_or(Country::Us);
            break;
        }
    }
    if special.charset == Charset::Latin1Meta {
        country = Country::Fr;
    }
    if japanese {
        country = Country::Us;
    }
    let city = *names::cities_of(country).choose(rng).expect("cities");
    let non_utf8 = special.charset != Charset::Utf8;

    let person = if japanese {
        let (f, l) = pick(rng, JAPANESE_PEOPLE);
        Person { first: f.to_string(), last: l.to_string() }
    } else if special.charset == Charset::Windows1252 || special.charset == Charset::Latin1Meta {
        let (f, l) = pick(rng, ACCENTED_PEOPLE);
        Person { first: f.to_string(), last: l.to_string() }
    } else {
        random_person(rng, country)
    };
    let has_owner = non_utf8 || !rng.gen_bool(NO_OWNER_SHARE);

    let (company, domain) = loop {
        let name = if japanese {
            format!("{} {}", pick(rng, JAPANESE_WORDS), pick(rng, &["Izakaya", "Sushi Bar", "Ramen House"]))
        } else {
            company_name(rng, vertical, country, city, &person)
        };
        let domain = format!("{}.test", slugify(&name));
        if used.domains.insert(domain.clone()) {
            break (name, domain);
        }
    };

    let structured = if special.malformed.is_some() || rng.gen_bool(JSONLD_SHARE) {
        Structured::JsonLd { graph: rng.gen_bool(JSONLD_GRAPH_SHARE) }
    } else if rng.gen_bool(MICRODATA_SHARE / (1.0 - JSONLD_SHARE)) {
        Structured::Microdata
    } else {
        Structured::None
    };
    let jsonld = matches!(structured, Structured::JsonLd { .. });

    let [contact_ref, about_ref, team_ref] = page_refs(rng, country, has_owner.then_some(&person), vertical.doctor);
    let contact = (special.robots_contact || rng.gen_bool(CONTACT_PAGE_SHARE)).then_some(contact_ref);
    let about = (special.about_404 || rng.gen_bool(ABOUT_PAGE_SHARE)).then_some(about_ref);
    let team = (has_owner && rng.gen_bool(TEAM_PAGE_SHARE)).then_some(team_ref);

    let owner = has_owner.then(|| {
        let mut places = Vec::new();
        if about.is_some() && rng.gen_bool(0.6) {
            places.push(OwnerPlace::AboutBio);
        }
        if team.is_some() {
            places.push(OwnerPlace::TeamCard);
        }
        if jsonld && rng.gen_bool(0.5) {
            places.push(OwnerPlace::JsonLdFounder);
        }
        if rng.gen_bool(0.12) || non_utf8 {
            places.push(OwnerPlace::HomeLine);
        }
        if contact.is_some() && rng.gen_bool(0.1) {
            places.push(OwnerPlace::ContactLine);
        }
        if places.is_empty() {
            places.push(if about.is_some() { OwnerPlace::AboutBio } else { OwnerPlace::HomeLine });
        }
        OwnerPlan {
            person: person.clone(),
            title: owner_title(rng, vertical, country),
            places,
            bio: rng.gen_range(0..4),
        }
    });
    let staff = if team.is_some() {
        let n = rng.gen_range(2..5);
        let mut roles: Vec<&'static str> = vertical.staff_roles.to_vec();
        roles.shuffle(rng);
        roles.into_iter().take(n).map(|role| (random_person(rng, country), role)).collect()
    } else {
        Vec::new()
    };

    let founded = rng.gen_range(1968..2021);
    let mut plan = Plan {
        vertical,
        country,
        city,
        tagline: pick(rng, vertical.taglines),
        founded,
        japanese,
        company,
        domain,
        structured,
        owner,
        staff,
        emails: Vec::new(),
        phones: Vec::new(),
        fax: None,
        address: None,
        socials: Vec::new(),
        contact,
        about,
        team,
        special,
        decoys: Decoys::default(),
        intel: Intel::default(),
    };
    plan.plan_phones(rng, &mut used.phones);
    plan.plan_emails(rng);
    plan.plan_address(rng);
    plan.plan_socials(rng);
    plan.plan_decoys(rng);
    if plan.special.malformed.is_some() {
        plan.make_jsonld_redundant();
    }
    plan.intel = crate::intel::draw(&plan.domain, plan.country == Country::Us);
    plan
}

impl Plan {
    pub(crate) fn jsonld(&self) -> bool {
        matches!(self.structured, Structured::JsonLd { .. })
    }

    /// Where facts meant for the contact page go: the home page, when the site has no contact page.
    pub(crate) fn contact_loc(&self) -> Loc {
        if self.contact.is_some() { Loc::Contact } else { Loc::Home }
    }
}
