//! What an address is, from its text alone: free-mail and disposable domains, role mailboxes.

use serde::{Deserialize, Serialize};

/// Free-mail providers: an address there is a person's own, not the business's domain.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.es",
    "yahoo.it",
    "ymail.com",
    "rocketmail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.it",
    "hotmail.es",
    "live.com",
    "live.co.uk",
    "live.fr",
    "msn.com",
    "aol.com",
    "aim.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "freenet.de",
    "posteo.de",
    "mailbox.org",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "alice.it",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "talktalk.net",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "bigpond.com",
    "optusnet.com.au",
    "xtra.co.nz",
    "yandex.ru",
    "yandex.com",
    "mail.ru",
    "zoho.com",
    "fastmail.com",
    "hey.com",
    "tutanota.com",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "telenet.be",
    "skynet.be",
    "ziggo.nl",
    "kpnmail.nl",
    "bluewin.ch",
    "hotmail.nl",
    "live.nl",
    "qq.com",
    "163.com",
    "126.com",
    "naver.com",
];

/// Disposable-address services: an address there is thrown away within hours.
const DISPOSABLE: &[&str] = &[
    "mailinator.com",
    "guerrillamail.com",
    "guerrillamail.net",
    "guerrillamail.org",
    "sharklasers.com",
    "10minutemail.com",
    "10minutemail.net",
    "temp-mail.org",
    "tempmail.com",
    "tempmail.net",
    "tempmailo.com",
    "throwawaymail.com",
    "yopmail.com",
    "yopmail.fr",
    "yopmail.net",
    "trashmail.com",
    "trashmail.de",
    "getnada.com",
    "nada.email",
    "dispostable.com",
    "maildrop.cc",
    "mailnesia.com",
    "mintemail.com",
    "mohmal.com",
    "moakt.com",
    "fakeinbox.com",
    "emailondeck.com",
    "getairmail.com",
    "spambox.us",
    "spamgourmet.com",
    "mytemp.email",
    "tempr.email",
    "discard.email",
    "burnermail.io",
    "inboxkitten.com",
    "mailcatch.com",
    "mail-temp.com",
    "tmpmail.org",
    "tmpmail.net",
    "emailfake.com",
    "crazymailing.com",
    "mailpoof.com",
    "33mail.com",
    "anonaddy.me",
    "harakirimail.com",
    "incognitomail.org",
    "jetable.org",
    "mailexpire.com",
    "meltmail.com",
    "mvrht.com",
    "spam4.me",
    "trbvm.com",
    "wegwerfmail.de",
    "wegwerfmail.net",
    "einrot.com",
    "byom.de",
    "muellmail.com",
    "0815.ru",
    "mailforspam.com",
    "tempinbox.com",
    "fakemail.net",
    "grr.la",
    "pokemail.net",
    "guerrillamailblock.com",
];

/// Local parts of shared mailboxes (a role, not a person), in several languages.
const ROLES: &[&str] = &[
    "info",
    "information",
    "contact",
    "contacts",
    "hello",
    "hi",
    "office",
    "admin",
    "administrator",
    "sales",
    "support",
    "help",
    "helpdesk",
    "service",
    "services",
    "team",
    "enquiries",
    "enquiry",
    "inquiries",
    "inquiry",
    "mail",
    "email",
    "marketing",
    "billing",
    "accounts",
    "accounting",
    "finance",
    "invoices",
    "hr",
    "jobs",
    "careers",
    "recruiting",
    "press",
    "media",
    "pr",
    "legal",
    "privacy",
    "webmaster",
    "postmaster",
    "hostmaster",
    "abuse",
    "noreply",
    "no-reply",
    "donotreply",
    "booking",
    "bookings",
    "reservations",
    "reception",
    "frontdesk",
    "orders",
    "shop",
    "store",
    "general",
    "kontakt",
    "buero",
    "büro",
    "verwaltung",
    "anfrage",
    "bestellung",
    "service-team",
    "bonjour",
    "accueil",
    "commercial",
    "hola",
    "ventas",
    "contatti",
    "ciao",
    "team",
    "studio",
    "praxis",
    "kanzlei",
];

/// What an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressKind {
    pub free_mail: bool,
    pub disposable: bool,
    /// A shared mailbox (`info@`, `sales@`), not a person's.
    pub role: bool,
}

impl AddressKind {
    /// A person's own address at a business domain: what an outreach wants.
    pub fn personal_business(&self) -> bool {
        !self.free_mail && !self.disposable && !self.role
    }
}

/// Classifies `local@domain` (case-insensitive; subdomains of a listed domain count as it).
pub fn classify(local: &str, domain: &str) -> AddressKind {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let listed = |list: &[&str]| list.iter().any(|d| domain == *d || domain.ends_with(&format!(".{d}")));
    let local = local.to_lowercase();
    // `sales.team@` and `info-de@` are roles too.
    let head = local.split(['.', '-', '_', '+']).next().unwrap_or_default();
    AddressKind {
        free_mail: listed(FREE_MAIL),
        disposable: listed(DISPOSABLE),
        role: ROLES.contains(&local.as_str()) || ROLES.contains(&head),
    }
}

/// Whether `domain` is a free-mail provider.
pub fn is_free_mail(domain: &str) -> bool {
    classify("x", domain).free_mail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_disposable_role_and_personal() {
        let k = classify("jane.doe", "Acme.test");
        assert!(k.personal_business());
        assert!(classify("jane", "gmail.com").free_mail);
        assert!(classify("jane", "mail.yahoo.co.uk").free_mail, "subdomains count");
        assert!(classify("x", "mailinator.com").disposable);
        for role in ["info", "Sales", "kontakt", "info-de", "sales.team", "noreply"] {
            assert!(classify(role, "acme.test").role, "{role}");
        }
        assert!(!classify("information.officer", "acme.test").personal_business());
        assert!(!classify("ina", "acme.test").role);
        assert!(is_free_mail("web.de") && !is_free_mail("acme.de"));
    }
}
