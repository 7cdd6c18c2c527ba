//! Where each contact fact of a site goes and how it is written: phone numbers (main, second, fax),
//! email addresses (role, owner's own, second role), the street address, social profiles and decoys.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::contacts::{phone_decoys, phone_number, street_address, weighted};
use crate::names::{Country, local_part};
use crate::plan::{
    AddressPlan, AddressStyle, EmailPlan, EmailStyle, FAX_SHARE, Loc, NO_ADDRESS_SHARE, NO_EMAIL_SHARE, OwnerPlace,
    PhonePlan, PhoneStyle, Plan, SECOND_PHONE_SHARE, SocialPlan, Structured,
};

/// Share of SaaS sites that publish no street address (they often have none).
const SAAS_NO_ADDRESS_SHARE: f64 = 0.5;

fn phone_style(rng: &mut ChaCha8Rng) -> PhoneStyle {
    *weighted(rng, &[PhoneStyle::TelLink, PhoneStyle::TelLinkCallText, PhoneStyle::Plain], &[45, 8, 47])
}

fn email_style(rng: &mut ChaCha8Rng) -> EmailStyle {
    *weighted(
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
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl Plan {
    /// The main number, maybe a second one, maybe a fax; `used` keeps numbers unique across the web.
    pub(crate) fn plan_phones(&mut self, rng: &mut ChaCha8Rng, used: &mut HashSet<String>) {
        let contact_loc = self.contact_loc();
        let main_number = phone_number(rng, self.city, used);
        let mut locs = weighted(
            rng,
            &[vec![Loc::Footer], vec![Loc::Home, contact_loc], vec![contact_loc], vec![Loc::Footer, contact_loc]],
            &[55, 15, 20, 10],
        )
        .clone();
        if self.jsonld() && rng.gen_bool(0.8) {
            locs.push(Loc::JsonLd);
        }
        if self.structured == Structured::Microdata && !locs.contains(&Loc::Footer) {
            locs.push(Loc::Footer);
        }
        let label = match self.country {
            Country::De => "Telefon",
            Country::Fr => "Téléphone",
            _ => "Phone",
        };
        self.phones.push(PhonePlan { number: main_number, label: label.to_string(), locs, style: phone_style(rng) });
        if rng.gen_bool(SECOND_PHONE_SHARE) {
            let loc = if self.team.is_some() && rng.gen_bool(0.3) { Loc::Team } else { contact_loc };
            let label = self.vertical.second_phone_labels.choose(rng).copied().unwrap_or("Direct line");
            self.phones.push(PhonePlan {
                number: phone_number(rng, self.city, used),
                label: label.to_string(),
                locs: vec![loc],
                style: phone_style(rng),
            });
        }
        if rng.gen_bool(FAX_SHARE) {
            // Printed next to the main number, never in JSON-LD `telephone`.
            let locs = self.phones[0].locs.iter().copied().filter(|l| *l != Loc::JsonLd).collect();
            self.fax = Some(PhonePlan {
                number: phone_number(rng, self.city, used),
                label: "Fax".to_string(),
                locs,
                style: PhoneStyle::Plain,
            });
        }
    }

    /// A role address, maybe the owner's own, maybe a second role address. Sites whose contact page robots.txt
    /// disallows always keep an address only there, so the rule changes the truth.
    pub(crate) fn plan_emails(&mut self, rng: &mut ChaCha8Rng) {
        let contact_loc = self.contact_loc();
        let domain = self.domain.clone();
        let mut roles: Vec<&str> = self.vertical.role_emails.to_vec();
        roles.shuffle(rng);
        if rng.gen_bool(NO_EMAIL_SHARE) {
            if self.special.robots_contact || self.special.no_website {
                self.emails.push(EmailPlan {
                    addr: format!("{}@{domain}", roles[0]),
                    label: "Email".to_string(),
                    locs: vec![contact_loc],
                    style: EmailStyle::Mailto,
                });
            }
            return;
        }
        let jsonld = self.jsonld();
        let mut locs = weighted(
            rng,
            &[vec![Loc::Footer], vec![Loc::Home], vec![contact_loc], vec![Loc::Footer, contact_loc], vec![Loc::JsonLd]],
            &[35, 10, 30, 15, if jsonld { 10 } else { 0 }],
        )
        .clone();
        if jsonld && !locs.contains(&Loc::JsonLd) && rng.gen_bool(0.6) {
            locs.push(Loc::JsonLd);
        }
        self.emails.push(EmailPlan {
            addr: format!("{}@{domain}", roles[0]),
            label: "Email".to_string(),
            locs,
            style: email_style(rng),
        });
        if let Some(o) = self.owner.as_ref().filter(|_| rng.gen_bool(0.35)) {
            let (first, last) = (local_part(&o.person.first), local_part(&o.person.last));
            let local = match rng.gen_range(0..4) {
                0 => first.clone(),
                1 => format!("{first}.{last}"),
                2 => format!("{}{last}", &first[..1]),
                _ if self.vertical.doctor => format!("dr.{last}"),
                _ => format!("{first}{last}"),
            };
            let loc = if o.places.contains(&OwnerPlace::TeamCard) {
                Loc::Team
            } else if o.places.contains(&OwnerPlace::AboutBio) {
                Loc::About
            } else {
                contact_loc
            };
            let label = format!("Email {}", o.person.first);
            self.emails.push(EmailPlan {
                addr: format!("{local}@{domain}"),
                label,
                locs: vec![loc],
                style: email_style(rng),
            });
        }
        if rng.gen_bool(0.25) || self.special.robots_contact {
            self.emails.push(EmailPlan {
                addr: format!("{}@{domain}", roles[1]),
                label: capitalise(roles[1]),
                locs: vec![contact_loc],
                style: email_style(rng),
            });
        }
    }

    pub(crate) fn plan_address(&mut self, rng: &mut ChaCha8Rng) {
        let none_share = if self.vertical.key == "saas" { SAAS_NO_ADDRESS_SHARE } else { NO_ADDRESS_SHARE };
        if rng.gen_bool(none_share) {
            return;
        }
        let contact_loc = self.contact_loc();
        let (address, line1, line2) = street_address(rng, self.city);
        let (mut locs, style) = match self.structured {
            Structured::Microdata => (vec![Loc::Footer], AddressStyle::Microdata),
            Structured::JsonLd { .. } => weighted(
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
            Structured::None => weighted(
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
        self.address = Some(AddressPlan { address, line1, line2, locs, style });
    }

    /// Zero to five profiles, linked from the footer, listed in JSON-LD `sameAs`, or both.
    pub(crate) fn plan_socials(&mut self, rng: &mut ChaCha8Rng) {
        let slug = self.domain.trim_end_matches(".test").to_string();
        let compact: String = slug.chars().filter(|c| *c != '-').collect();
        let handle: String = compact.chars().take(15).collect();
        let n = *weighted(rng, &[0usize, 1, 2, 3, 4], &[20, 25, 25, 20, 10]);
        let mut networks = ["facebook", "instagram", "linkedin", "x", "youtube"];
        networks.shuffle(rng);
        for network in networks.into_iter().take(n) {
            let url = match network {
                "facebook" => format!("https://www.facebook.com/{compact}"),
                "instagram" => format!("https://www.instagram.com/{}", slug.replace('-', "_")),
                "linkedin" => format!("https://www.linkedin.com/company/{slug}"),
                "x" => format!("https://x.com/{handle}"),
                _ => format!("https://www.youtube.com/@{compact}"),
            };
            let locs = if self.jsonld() {
                weighted(rng, &[vec![Loc::JsonLd], vec![Loc::JsonLd, Loc::Footer], vec![Loc::Footer]], &[30, 55, 15])
                    .clone()
            } else if rng.gen_bool(0.1) {
                vec![self.contact_loc()]
            } else {
                vec![Loc::Footer]
            };
            self.socials.push(SocialPlan { network, url, locs });
        }
    }

    pub(crate) fn plan_decoys(&mut self, rng: &mut ChaCha8Rng) {
        self.decoys.retina_logo = rng.gen_bool(0.6);
        self.decoys.sentry_dsn = rng.gen_bool(0.2);
        self.decoys.placeholder_email = rng.gen_bool(0.45);
        if rng.gen_bool(0.5) {
            self.decoys.phone_texts = phone_decoys(rng, self.city, self.founded);
        }
        self.decoys.share_links = rng.gen_bool(0.1);
    }

    /// Malformed JSON-LD must not decide the truth: every fact in it is also shown on the home page.
    pub(crate) fn make_jsonld_redundant(&mut self) {
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
}
