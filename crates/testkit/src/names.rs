//! Word lists for the sample web: people's names by country, cities with their postal and dialling
//! data, street names, and the ASCII folding that turns a company name into a `.test` domain.

/// Country of a sample business; decides address format, phone numbering and a little of the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Country {
    Us,
    Gb,
    De,
    Fr,
    Au,
}

impl Country {
    /// ISO 3166 code, as `Address::country` and `Phone::parse` use it.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Us => "US",
            Self::Gb => "GB",
            Self::De => "DE",
            Self::Fr => "FR",
            Self::Au => "AU",
        }
    }

    /// How a CRM user might have typed the country.
    pub(crate) fn spellings(self) -> &'static [&'static str] {
        match self {
            Self::Us => &["US", "USA", "United States", "United States of America", "us"],
            Self::Gb => &["GB", "UK", "United Kingdom", "England"],
            Self::De => &["DE", "Germany", "Deutschland"],
            Self::Fr => &["FR", "France"],
            Self::Au => &["AU", "Australia"],
        }
    }

    pub(crate) fn dial_code(self) -> &'static str {
        match self {
            Self::Us => "1",
            Self::Gb => "44",
            Self::De => "49",
            Self::Fr => "33",
            Self::Au => "61",
        }
    }

    pub(crate) fn lang(self) -> &'static str {
        match self {
            Self::Us => "en-US",
            Self::Gb => "en-GB",
            Self::De => "de",
            Self::Fr => "fr",
            Self::Au => "en-AU",
        }
    }
}

/// A city with what its addresses and phone numbers look like.
#[derive(Debug)]
pub(crate) struct City {
    pub name: &'static str,
    /// US state or Australian state abbreviation; `None` where addresses carry no region.
    pub region: Option<&'static str>,
    pub postal_codes: &'static [&'static str],
    /// National area codes without trunk prefix (`415`, `20`, `30`, `1`, `2`).
    pub area_codes: &'static [&'static str],
    /// Digits after the area code.
    pub subscriber_len: usize,
    pub country: Country,
}

const fn us(
    name: &'static str,
    region: &'static str,
    postal_codes: &'static [&'static str],
    area_codes: &'static [&'static str],
) -> City {
    City { name, region: Some(region), postal_codes, area_codes, subscriber_len: 7, country: Country::Us }
}

pub(crate) const US_CITIES: &[City] = &[
    us("Springfield", "IL", &["62701", "62702", "62703", "62704"], &["217"]),
    us("Austin", "TX", &["78701", "78702", "78704", "78705"], &["512", "737"]),
    us("Denver", "CO", &["80202", "80203", "80205", "80206"], &["303", "720"]),
    us("Portland", "OR", &["97201", "97202", "97205", "97209"], &["503", "971"]),
    us("Seattle", "WA", &["98101", "98103", "98109", "98122"], &["206"]),
    us("Chicago", "IL", &["60601", "60607", "60614", "60622"], &["312", "773"]),
    us("Boston", "MA", &["02108", "02114", "02116", "02118"], &["617", "857"]),
    us("Atlanta", "GA", &["30303", "30305", "30308", "30309"], &["404", "678"]),
    us("Phoenix", "AZ", &["85003", "85004", "85006", "85008"], &["602", "480"]),
    us("San Francisco", "CA", &["94102", "94103", "94107", "94110"], &["415", "628"]),
    us("San Diego", "CA", &["92101", "92103", "92104", "92116"], &["619", "858"]),
    us("Nashville", "TN", &["37203", "37204", "37206", "37208"], &["615", "629"]),
    us("Columbus", "OH", &["43201", "43206", "43212", "43215"], &["614"]),
    us("Minneapolis", "MN", &["55401", "55403", "55405", "55408"], &["612"]),
    us("Raleigh", "NC", &["27601", "27603", "27605", "27608"], &["919", "984"]),
    us("Tampa", "FL", &["33602", "33606", "33609", "33611"], &["813"]),
    us("Sacramento", "CA", &["95811", "95814", "95816", "95818"], &["916"]),
    us("Madison", "WI", &["53703", "53704", "53705", "53711"], &["608"]),
    us("Boise", "ID", &["83702", "83704", "83706"], &["208"]),
    us("Charlotte", "NC", &["28202", "28203", "28204", "28205"], &["704", "980"]),
    us("Pittsburgh", "PA", &["15212", "15213", "15222", "15232"], &["412"]),
    us("Kansas City", "MO", &["64105", "64108", "64111", "64112"], &["816"]),
    us("Salt Lake City", "UT", &["84101", "84102", "84105", "84111"], &["801", "385"]),
    us("Albuquerque", "NM", &["87102", "87104", "87106", "87110"], &["505"]),
    us("Richmond", "VA", &["23219", "23220", "23221", "23223"], &["804"]),
    us("Omaha", "NE", &["68102", "68105", "68131", "68132"], &["402"]),
    us("Louisville", "KY", &["40202", "40203", "40204", "40206"], &["502"]),
    us("Burlington", "VT", &["05401", "05408"], &["802"]),
    us("Asheville", "NC", &["28801", "28803", "28804"], &["828"]),
    us("Ann Arbor", "MI", &["48103", "48104", "48105"], &["734"]),
    us("Savannah", "GA", &["31401", "31404", "31405"], &["912"]),
    us("Tucson", "AZ", &["85701", "85705", "85716", "85719"], &["520"]),
    us("Spokane", "WA", &["99201", "99203", "99205"], &["509"]),
    us("Des Moines", "IA", &["50309", "50310", "50312"], &["515"]),
    us("Portland", "ME", &["04101", "04102", "04103"], &["207"]),
    us("Brooklyn", "NY", &["11201", "11211", "11215", "11222"], &["718", "347"]),
];

/// Only cities whose numbers `Phone::parse` (phonenumber 0.3 metadata) accepts: it rejects valid UK
/// numbers outside London (0161, 0117 …) and Paris 01 numbers, so those cities are left out.
pub(crate) const INTL_CITIES: &[City] = &[
    City {
        name: "London",
        region: None,
        postal_codes: &["EC1A 1BB", "W1D 3QF", "SE1 9SG", "N1 9GU", "E1 6AN", "NW1 8NH"],
        area_codes: &["20"],
        subscriber_len: 8,
        country: Country::Gb,
    },
    City {
        name: "Berlin",
        region: None,
        postal_codes: &["10115", "10117", "10178", "10969"],
        area_codes: &["30"],
        subscriber_len: 8,
        country: Country::De,
    },
    City {
        name: "München",
        region: None,
        postal_codes: &["80331", "80333", "80469"],
        area_codes: &["89"],
        subscriber_len: 8,
        country: Country::De,
    },
    City {
        name: "Köln",
        region: None,
        postal_codes: &["50667", "50672", "50823"],
        area_codes: &["221"],
        subscriber_len: 7,
        country: Country::De,
    },
    City {
        name: "Marseille",
        region: None,
        postal_codes: &["13001", "13006", "13008"],
        area_codes: &["4"],
        subscriber_len: 8,
        country: Country::Fr,
    },
    City {
        name: "Bordeaux",
        region: None,
        postal_codes: &["33000", "33800"],
        area_codes: &["5"],
        subscriber_len: 8,
        country: Country::Fr,
    },
    City {
        name: "Lyon",
        region: None,
        postal_codes: &["69001", "69002", "69003"],
        area_codes: &["4"],
        subscriber_len: 8,
        country: Country::Fr,
    },
    City {
        name: "Sydney",
        region: Some("NSW"),
        postal_codes: &["2000", "2010", "2037"],
        area_codes: &["2"],
        subscriber_len: 8,
        country: Country::Au,
    },
    City {
        name: "Melbourne",
        region: Some("VIC"),
        postal_codes: &["3000", "3065", "3121"],
        area_codes: &["3"],
        subscriber_len: 8,
        country: Country::Au,
    },
];

pub(crate) fn cities_of(country: Country) -> Vec<&'static City> {
    if country == Country::Us {
        return US_CITIES.iter().collect();
    }
    INTL_CITIES.iter().filter(|c| c.country == country).collect()
}

pub(crate) const US_STREETS: &[&str] = &[
    "Main St",
    "Oak Ave",
    "Maple Dr",
    "Elm St",
    "Market St",
    "Broadway",
    "Washington Blvd",
    "Cedar Ln",
    "Park Ave",
    "Lake St",
    "Mill Rd",
    "Church St",
    "Pine St",
    "2nd Ave",
    "Sunset Blvd",
    "Highland Ave",
    "Grand Ave",
    "Lincoln Way",
    "Jefferson St",
    "Riverside Dr",
    "Franklin St",
    "Spring St",
    "Willow Rd",
    "Chestnut St",
];
pub(crate) const GB_STREETS: &[&str] =
    &["High Street", "Station Road", "Church Lane", "Victoria Road", "King Street", "Queen's Road", "Mill Lane"];
pub(crate) const DE_STREETS: &[&str] =
    &["Hauptstraße", "Friedrichstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Kantstraße"];
pub(crate) const FR_STREETS: &[&str] = &[
    "Rue de Rivoli",
    "Rue de la République",
    "Avenue Victor Hugo",
    "Boulevard Saint-Germain",
    "Rue du Faubourg Saint-Honoré",
    "Rue Mercière",
];
pub(crate) const AU_STREETS: &[&str] = &["George St", "Collins St", "Pitt St", "Bourke St", "Oxford St", "Chapel St"];

/// First names drawn from many backgrounds, for US, UK and Australian sites.
pub(crate) const FIRST_NAMES: &[&str] = &[
    "James",
    "Maria",
    "Wei",
    "Priya",
    "Oluwaseun",
    "Fatima",
    "Carlos",
    "Mei",
    "Ahmed",
    "Sofia",
    "Dmitri",
    "Aisha",
    "Kenji",
    "Grace",
    "Luis",
    "Hannah",
    "Rahul",
    "Chloe",
    "Tomasz",
    "Linh",
    "Jamal",
    "Emily",
    "Diego",
    "Yuki",
    "Samuel",
    "Leila",
    "Andre",
    "Ingrid",
    "Kwame",
    "Rosa",
    "Daniel",
    "Anjali",
    "Michael",
    "Elena",
    "Hassan",
    "Olivia",
    "Mateo",
    "Sana",
    "Benjamin",
    "Amara",
    "Ethan",
    "Isabella",
    "Omar",
    "Zoe",
    "Nathan",
    "Valentina",
    "Marcus",
    "Naomi",
    "Ravi",
    "Clara",
    "Tyrone",
    "Julia",
    "Haruto",
    "Camila",
    "Patrick",
    "Ayesha",
    "Victor",
    "Lauren",
    "Jin",
    "Sarah",
    "Tom",
    "Rachel",
    "David",
    "Laura",
    "Minh",
    "Chidi",
    "Ana",
    "Hyun",
    "Nadia",
    "Kofi",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Lopez",
    "Baker",
    "Chen",
    "Patel",
    "Okafor",
    "Haddad",
    "Garcia",
    "Wong",
    "Khan",
    "Rossi",
    "Ivanov",
    "Mensah",
    "Tanaka",
    "Kim",
    "Nguyen",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Hill",
    "Green",
    "Adams",
    "Nelson",
    "Carter",
    "Mitchell",
    "Perez",
    "Roberts",
    "Turner",
    "Campbell",
    "Parker",
    "Evans",
    "Collins",
    "Stewart",
    "Murphy",
    "Cooper",
    "Reed",
    "Bailey",
    "Bell",
    "Gomez",
    "Kelly",
    "Ward",
    "Diaz",
    "Brooks",
    "Bennett",
    "Reyes",
    "Cruz",
    "Hughes",
    "Foster",
    "Ross",
    "Morales",
    "Sullivan",
    "Ortiz",
    "Jenkins",
    "Fisher",
    "Coleman",
    "Kowalski",
    "Novak",
    "Singh",
    "Sharma",
    "Gupta",
    "Ali",
    "Hassan",
    "Adeyemi",
    "Osei",
    "Park",
    "Choi",
    "Yamamoto",
    "Sato",
    "Tran",
    "Pham",
    "Silva",
    "Santos",
    "Oliveira",
    "Costa",
    "O'Brien",
    "McAllister",
    "Abubakar",
    "Nakamura",
];

pub(crate) const DE_FIRST_NAMES: &[&str] =
    &["Jürgen", "Anna", "Lukas", "Sophie", "Jörg", "Katrin", "Matthias", "Lena", "Stefan", "Sabine", "Tobias"];
pub(crate) const DE_LAST_NAMES: &[&str] =
    &["Müller", "Schröder", "Weiß", "Becker", "Hoffmann", "Schäfer", "Koch", "Wagner", "Krüger", "Neumann"];
pub(crate) const FR_FIRST_NAMES: &[&str] =
    &["François", "Chloé", "Noémie", "André", "Hélène", "Théo", "Camille", "Jérôme", "Anaïs", "Léa", "Mathis"];
pub(crate) const FR_LAST_NAMES: &[&str] =
    &["Lefèvre", "Dubois", "Béranger", "Fauré", "Lemaître", "Girard", "Moreau", "Rousseau", "Mercier", "Chevalier"];

/// Names with accents that windows-1252 can encode; used on the non-UTF-8 sites so that a crawler that
/// ignores the declared charset gets the owner's name visibly wrong.
pub(crate) const ACCENTED_PEOPLE: &[(&str, &str)] = &[
    ("José", "Müller"),
    ("François", "Lefèvre"),
    ("Zoë", "Andersson"),
    ("Renée", "Dubois"),
    ("Björn", "Sørensen"),
    ("Chloé", "Béranger"),
    ("Jürgen", "Groß"),
    ("Inés", "Peña"),
    ("André", "Gonçalves"),
    ("Noémie", "Fauré"),
    ("Mónica", "Ibáñez"),
    ("Raúl", "Suárez"),
    ("Anaïs", "Lemaître"),
    ("Jörg", "Weiß"),
];

/// Lower-cases and folds Latin accents to ASCII: `"Müller"` → `"muller"`, `"Groß"` → `"gross"`.
pub(crate) fn fold_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'æ' => "ae",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'œ' => "oe",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            'ł' => "l",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(folded);
    }
    out
}

/// A domain label from a company name: `"Tom's Kitchen & Bar"` → `"toms-kitchen-bar"`.
pub(crate) fn slugify(name: &str) -> String {
    let folded = fold_ascii(name).replace(['\'', '’', '.'], "");
    let mut slug = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The letters of a name an email local part can use: `"O'Brien"` → `"obrien"`.
pub(crate) fn local_part(s: &str) -> String {
    fold_ascii(s).chars().filter(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_domain_labels() {
        assert_eq!(slugify("Bright Smile Dental"), "bright-smile-dental");
        assert_eq!(slugify("Tom's Kitchen & Bar"), "toms-kitchen-bar");
        assert_eq!(slugify("Baker, Patel & Kim LLP"), "baker-patel-kim-llp");
        assert_eq!(slugify("Café Lumière"), "cafe-lumiere");
        assert_eq!(slugify("Müller Sanitär GmbH"), "muller-sanitar-gmbh");
        assert_eq!(local_part("O'Brien"), "obrien");
        assert_eq!(local_part("Groß"), "gross");
    }
}
