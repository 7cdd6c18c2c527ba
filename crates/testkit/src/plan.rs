//! Site plans: which facts a business has, on which page each appears and how it is written, and which
//! crawl behaviour it shows. The ground truth and the trait list are derived from the plan, so the pages
//! and the truth can never disagree.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use leadsmith_core::{Address, CrawlStatus};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::assign::{Charset, Failure, Special};
use crate::contacts::{PhoneNumber, phone_decoys, phone_number, street_address};
use crate::names::{self, ACCENTED_PEOPLE, City, Country, local_part, slugify};
use crate::verticals::{VERTICALS, Vertical};
use crate::{SiteTrait, Truth, TruthOwner};

/// Share of sites with JSON-LD (LocalBusiness / Organization) on the home page.
pub const JSONLD_SHARE: f64 = 0.40;
/// Share of JSON-LD sites that wrap their nodes in `@graph`.
pub const JSONLD_GRAPH_SHARE: f64 = 0.30;
/// Share of sites with microdata (an itemscope LocalBusiness footer); the rest have no structured data.
pub const MICRODATA_SHARE: f64 = 0.20;
/// Shares of sites in the UK, Germany, France and Australia; the rest are in the US.
pub const INTERNATIONAL_SHARES: [(Country, f64); 4] =
    [(Country::Gb, 0.03), (Country::De, 0.025), (Country::Fr, 0.02), (Country::Au, 0.025)];
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
            let abouts =
                [("/about", "About", "About Us"), ("/about-us", "About Us", "About Us"), ("/our-story", "Our Story", "Our Story")];
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
    for (c, share) in INTERNATIONAL_SHARES {
        acc += share;
        if roll < acc {
            country = c;
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
    // Facts planned for a page the site does not have go on the home page instead.
    let on_page = |loc: Loc, exists: bool| if exists { loc } else { Loc::Home };
    let contact_loc = on_page(Loc::Contact, contact.is_some());

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
        OwnerPlan { person: person.clone(), title: owner_title(rng, vertical, country), places, bio: rng.gen_range(0..4) }
    });
    let staff = if team.is_some() {
        let n = rng.gen_range(2..5);
        let mut roles: Vec<&'static str> = vertical.staff_roles.to_vec();
        roles.shuffle(rng);
        roles.into_iter().take(n).map(|role| (random_person(rng, country), role)).collect()
    } else {
        Vec::new()
    };

    // Phones: the main number, maybe a second one, maybe a fax.
    let main_number = phone_number(rng, city, &mut used.phones);
    let mut main_locs = crate::contacts::weighted(
        rng,
        &[vec![Loc::Footer], vec![Loc::Home, contact_loc], vec![contact_loc], vec![Loc::Footer, contact_loc]],
        &[55, 15, 20, 10],
    )
    .clone();
    if jsonld && rng.gen_bool(0.8) {
        main_locs.push(Loc::JsonLd);
    }
    if structured == Structured::Microdata && !main_locs.contains(&Loc::Footer) {
        main_locs.push(Loc::Footer);
    }
    let phone_style = |rng: &mut ChaCha8Rng| {
        *crate::contacts::weighted(rng, &[PhoneStyle::TelLink, PhoneStyle::TelLinkCallText, PhoneStyle::Plain], &[45, 8, 47])
    };
    let mut phones = vec![PhonePlan {
        number: main_number,
        label: match country {
            Country::De => "Telefon".to_string(),
            Country::Fr => "Téléphone".to_string(),
            _ => "Phone".to_string(),
        },
        locs: main_locs,
        style: phone_style(rng),
    }];
    if rng.gen_bool(SECOND_PHONE_SHARE) {
        let loc = if team.is_some() && rng.gen_bool(0.3) { Loc::Team } else { contact_loc };
        phones.push(PhonePlan {
            number: phone_number(rng, city, &mut used.phones),
            label: pick(rng, vertical.second_phone_labels).to_string(),
            locs: vec![loc],
            style: phone_style(rng),
        });
    }
    let fax = rng.gen_bool(FAX_SHARE).then(|| PhonePlan {
        number: phone_number(rng, city, &mut used.phones),
        label: "Fax".to_string(),
        locs: phones[0].locs.iter().copied().filter(|l| *l != Loc::JsonLd).collect(),
        style: PhoneStyle::Plain,
    });

    // Emails: a role address, maybe the owner's own, maybe a second role address.
    let mut emails = Vec::new();
    let email_style = |rng: &mut ChaCha8Rng| {
        *crate::contacts::weighted(
            rng,
            &[
                EmailStyle::Mailto,
                EmailStyle::MailtoText,
                EmailStyle::Plain,
                EmailStyle::AtDot,
                EmailStyle::ParenAt,
                EmailStyle::Entities,
            ],
            &[38, 7, 25, 10, 8, 12],
        )
    };
    let mut roles: Vec<&str> = vertical.role_emails.to_vec();
    roles.shuffle(rng);
    if !rng.gen_bool(NO_EMAIL_SHARE) {
        let mut locs = crate::contacts::weighted(
            rng,
            &[vec![Loc::Footer], vec![Loc::Home], vec![contact_loc], vec![Loc::Footer, contact_loc], vec![Loc::JsonLd]],
            &[35, 10, 30, 15, if jsonld { 10 } else { 0 }],
        )
        .clone();
        if jsonld && !locs.contains(&Loc::JsonLd) && rng.gen_bool(0.6) {
            locs.push(Loc::JsonLd);
        }
        emails.push(EmailPlan {
            addr: format!("{}@{domain}", roles[0]),
            label: "Email".to_string(),
            locs,
            style: email_style(rng),
        });
        if let Some(o) = owner.as_ref().filter(|_| rng.gen_bool(0.35)) {
            let (first, last) = (local_part(&o.person.first), local_part(&o.person.last));
            let local = match rng.gen_range(0..4) {
                0 => first.clone(),
                1 => format!("{first}.{last}"),
                2 => format!("{}{last}", &first[..1]),
                _ if vertical.doctor => format!("dr.{last}"),
                _ => format!("{first}{last}"),
            };
            let loc = if o.places.contains(&OwnerPlace::TeamCard) {
                Loc::Team
            } else if o.places.contains(&OwnerPlace::AboutBio) {
                Loc::About
            } else {
                contact_loc
            };
            emails.push(EmailPlan {
                addr: format!("{local}@{domain}"),
                label: format!("Email {}", o.person.first),
                locs: vec![loc],
                style: email_style(rng),
            });
        }
        if rng.gen_bool(0.25) || special.robots_contact {
            emails.push(EmailPlan {
                addr: format!("{}@{domain}", roles[1]),
                label: capitalise(roles[1]),
                locs: vec![contact_loc],
                style: email_style(rng),
            });
        }
    } else if special.robots_contact || special.no_website {
        emails.push(EmailPlan {
            addr: format!("{}@{domain}", roles[0]),
            label: "Email".to_string(),
            locs: vec![contact_loc],
            style: EmailStyle::Mailto,
        });
    }

    let address = (!rng.gen_bool(if vertical.key == "saas" { 0.5 } else { NO_ADDRESS_SHARE })).then(|| {
        let (address, line1, line2) = street_address(rng, city);
        let (mut locs, style) = match structured {
            Structured::Microdata => (vec![Loc::Footer], AddressStyle::Microdata),
            Structured::JsonLd { .. } => crate::contacts::weighted(
                rng,
                &[
                    (vec![Loc::JsonLd], AddressStyle::FooterText),
                    (vec![Loc::JsonLd, Loc::Footer], AddressStyle::FooterText),
                    (vec![Loc::JsonLd, Loc::Footer], AddressStyle::AddressTag),
                    (vec![Loc::JsonLd, contact_loc], AddressStyle::AddressTag),
                ],
                &[30, 30, 20, 20],
            )
            .clone(),
            Structured::None => crate::contacts::weighted(
                rng,
                &[
                    (vec![Loc::Footer], AddressStyle::FooterText),
                    (vec![Loc::Footer], AddressStyle::AddressTag),
                    (vec![contact_loc], AddressStyle::AddressTag),
                ],
                &[50, 30, 20],
            )
            .clone(),
        };
        locs.dedup();
        AddressPlan { address, line1, line2, locs, style }
    });

    let socials = plan_socials(rng, &domain, jsonld, contact_loc);
    let founded = rng.gen_range(1968..2021);
    let decoys = Decoys {
        retina_logo: rng.gen_bool(0.6),
        sentry_dsn: rng.gen_bool(0.2),
        placeholder_email: rng.gen_bool(0.45),
        phone_texts: if rng.gen_bool(0.5) { phone_decoys(rng, city, founded) } else { Vec::new() },
        share_links: rng.gen_bool(0.1),
    };

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
        emails,
        phones,
        fax,
        address,
        socials,
        contact,
        about,
        team,
        special,
        decoys,
    };
    if plan.special.malformed.is_some() {
        plan.make_jsonld_redundant();
    }
    plan
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn plan_socials(rng: &mut ChaCha8Rng, domain: &str, jsonld: bool, contact_loc: Loc) -> Vec<SocialPlan> {
    let slug = domain.trim_end_matches(".test");
    let compact: String = slug.chars().filter(|c| *c != '-').collect();
    let handle: String = compact.chars().take(15).collect();
    let n = *crate::contacts::weighted(rng, &[0usize, 1, 2, 3, 4], &[20, 25, 25, 20, 10]);
    let mut networks = ["facebook", "instagram", "linkedin", "x", "youtube"];
    networks.shuffle(rng);
    networks
        .into_iter()
        .take(n)
        .map(|network| {
            let url = match network {
                "facebook" => format!("https://www.facebook.com/{compact}"),
                "instagram" => format!("https://www.instagram.com/{}", slug.replace('-', "_")),
                "linkedin" => format!("https://www.linkedin.com/company/{slug}"),
                "x" => format!("https://x.com/{handle}"),
                _ => format!("https://www.youtube.com/@{compact}"),
            };
            let locs = if jsonld {
                crate::contacts::weighted(rng, &[vec![Loc::JsonLd], vec![Loc::JsonLd, Loc::Footer], vec![Loc::Footer]], &[30, 55, 15])
                    .clone()
            } else if rng.gen_bool(0.1) {
                vec![contact_loc]
            } else {
                vec![Loc::Footer]
            };
            SocialPlan { network, url, locs }
        })
        .collect()
}

impl Plan {
    /// Malformed JSON-LD must not decide the truth: every fact in it is also shown on the home page.
    fn make_jsonld_redundant(&mut self) {
        fn ensure_visible(locs: &mut Vec<Loc>) {
            if locs.contains(&Loc::JsonLd) && !locs.contains(&Loc::Footer) && !locs.contains(&Loc::Home) {
                locs.push(Loc::Footer);
            }
        }
        self.emails.iter_mut().for_each(|e| ensure_visible(&mut e.locs));
        self.phones.iter_mut().for_each(|p| ensure_visible(&mut p.locs));
        self.socials.iter_mut().for_each(|s| ensure_visible(&mut s.locs));
        if let Some(a) = self.address.as_mut() {
            ensure_visible(&mut a.locs);
        }
        if let Some(o) = self.owner.as_mut()
            && o.places.contains(&OwnerPlace::JsonLdFounder)
            && !o.places.contains(&OwnerPlace::HomeLine)
        {
            o.places.push(OwnerPlace::HomeLine);
        }
    }

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
        Truth { emails, phones, owner, address, socials, status: self.status() }
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
            (self.contact.as_ref().is_some_and(|c| !["/contact", "/contact-us"].contains(&c.path.as_str())), T::OddContactPath),
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
