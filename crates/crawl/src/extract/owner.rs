//! Owner/founder/principal candidates in visible text ("Owner: Jane Doe", "Dr. Ann Lee, DDS", "founded by …",
//! "Jane Doe is the owner of …"), with the checks that keep company names, streets and headings out. Names
//! are kept without honorifics or post-nominals; those go into the title.

use std::sync::LazyLock;

use leadsmith_core::FactSource;
use regex::{Captures, Regex};

use super::evidence::Evidence;

/// A person's name: 2–4 capitalised words, optional honorific and middle initial.
const NAME: &str = r"(?P<name>(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?[ ]+)?\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?(?:[ ]+\p{Lu}\.)?(?:[ ]+(?:\p{Lu}\p{Ll}{0,2}['’]?)?\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?){1,3})";
const TITLE: &str = r"(?P<title>(?i:co-?owner|owner(?:[ ]*(?:&|and)[ ]*(?:founder|operator|ceo|president))?|co-?founder|founder(?:[ ]*(?:&|and)[ ]*(?:ceo|owner|president|principal))?|principal(?:[ ]+(?:attorney|dentist|architect))?|proprietor|ceo|president|managing[ ]+partner|founding[ ]+partner|managing[ ]+director|owner-operator))(?-u:\b)";
const POSTNOMINAL: &str = r"(?P<post>D\.?D\.?S\.?|D\.?M\.?D\.?|Esq\.?|M\.?D\.?|D\.?V\.?M\.?|CPA|D\.?C\.?|O\.?D\.?|Ph\.?D\.?|J\.?D\.?)(?-u:\b)";

const OWNER_NEEDLES: &[&str] =
    &["owner", "founder", "principal", "proprietor", "ceo", "president", "partner", "managing director"];

struct Pattern {
    re: Regex,
    /// Lower-case words, one of which must occur in the page for the pattern to be worth running.
    needles: &'static [&'static str],
    confidence: f32,
    /// Title when the pattern does not capture one.
    default_title: Option<&'static str>,
}

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let p = |re: String, needles: &'static [&'static str], confidence: f32, default_title: Option<&'static str>| {
        Pattern { re: Regex::new(&re).expect("valid regex"), needles, confidence, default_title }
    };
    let owner_needles = OWNER_NEEDLES;
    vec![
        // "Owner: Jane Doe", "Founder – Jane Doe"
        p(format!(r"{TITLE}[ ]*[:–—-][ ]*{NAME}"), owner_needles, 0.8, None),
        // "Jane Doe, Owner", "Jane Doe – Founder & CEO", "Jane Doe (Owner)"
        p(format!(r"{NAME}[ ]*(?:,|–|—|-|\||\()[ ]*(?:the[ ]+|our[ ]+)?{TITLE}"), owner_needles, 0.75, None),
        // "Meet Jane Doe, our founder"
        p(format!(r"(?i:meet)[ ]+{NAME}[ ]*,[ ]*(?i:our|the)[ ]+{TITLE}"), &["meet"], 0.8, None),
        // "Jane Doe is the owner of …"
        p(format!(r"{NAME}[ ]+is[ ]+(?:the|our)[ ]+(?:proud[ ]+)?{TITLE}"), owner_needles, 0.75, None),
        // "founded by Jane Doe", "founded in 1998 by Jane Doe"
        p(format!(r"(?i:founded)[ ]+(?:in[ ]+[0-9]{{4}}[ ]+)?(?i:by)[ ]+{NAME}"), &["founded"], 0.75, Some("Founder")),
        // "Jane Doe founded Acme in 1998"
        p(format!(r"{NAME}[ ]+(?:co-)?founded[ ]"), &["founded"], 0.7, Some("Founder")),
        // "Dr. Ann Lee, DDS", "John Smith, Esq."
        p(
            format!(r"{NAME}[ ]*,?[ ]+{POSTNOMINAL}"),
            &["dds", "d.d.s", "dmd", "d.m.d", "esq", "md", "m.d", "dvm", "cpa", "dc", "od", "phd", "jd"],
            0.65,
            None,
        ),
        // "Attorney John Smith"
        p(format!(r"(?i:attorney|lawyer)[ ]+(?:at[ ]+law[ ]+)?{NAME}"), &["attorney", "lawyer"], 0.6, Some("Attorney")),
        // "CEO Jane Doe", "Principal Jane Doe"
        p(format!(r"{TITLE}[ ]+{NAME}"), owner_needles, 0.6, None),
    ]
});

/// Every word a pattern hinges on (in lower case); lines without one are never searched.
static KEYWORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"owner|founde[rd]|principal|proprietor|ceo|president|partner|managing director|meet|attorney|lawyer|d\.?d\.?s|d\.?m\.?d|esq|(?-u:\b)(?:md|m\.d|dvm|d\.v\.m|cpa|phd|ph\.d|jd|j\.d|dc|d\.c|od|o\.d)(?-u:\b)",
    )
    .expect("valid regex")
});

/// Lines searched at most; a page with more owner-ish lines than this is a directory.
const MAX_LINES: usize = 200;

/// Owner candidates in the visible text; `lower` is its ASCII-lowercased copy. The patterns run only on
/// the lines that contain one of their keywords.
pub(crate) fn in_text(text: &str, lower: &str, ev: &mut Evidence) {
    let bytes = lower.as_bytes();
    let mut next_line_start = 0;
    let mut lines = 0;
    for hit in KEYWORDS.find_iter(lower) {
        if hit.start() < next_line_start {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..hit.start()]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[hit.end()..]).map_or(bytes.len(), |i| hit.end() + i);
        next_line_start = end;
        lines += 1;
        if lines > MAX_LINES {
            break;
        }
        let (line, line_lower) = (&text[start..end], &lower[start..end]);
        for pattern in PATTERNS.iter().filter(|p| p.needles.iter().any(|n| line_lower.contains(n))) {
            for caps in pattern.re.captures_iter(line).take(20) {
                let Some(name) = caps.name("name") else {
                    continue;
                };
                let title = title_of(&caps).or(pattern.default_title.map(str::to_string));
                ev.owner(name.as_str(), title.as_deref(), FactSource::Text, pattern.confidence);
            }
        }
    }
}

fn title_of(caps: &Captures) -> Option<String> {
    if let Some(post) = caps.name("post") {
        return Some(canonical_postnominal(post.as_str()));
    }
    caps.name("title").map(|t| canonical_title(t.as_str()))
}

fn canonical_postnominal(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    match compact.to_ascii_uppercase().as_str() {
        "ESQ" => "Esq.".to_string(),
        "PHD" => "PhD".to_string(),
        other => other.to_string(),
    }
}

/// `co-founder & ceo` → `Co-Founder & CEO`.
pub(crate) fn canonical_title(raw: &str) -> String {
    let squished = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    squished
        .split(' ')
        .map(|word| {
            word.split('-')
                .map(|part| match part.to_ascii_lowercase().as_str() {
                    "ceo" | "coo" | "cfo" | "cto" | "dds" | "dmd" | "md" => part.to_ascii_uppercase(),
                    "and" | "of" | "at" => part.to_ascii_lowercase(),
                    lower => {
                        let mut chars = lower.chars();
                        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
                    }
                })
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How strongly a job title (JSON-LD `jobTitle`) says "runs the business": `None` for other staff.
pub(crate) fn owner_title_weight(title: &str) -> Option<f32> {
    let t = title.to_ascii_lowercase();
    let has = |w: &str| {
        if w.contains(' ') {
            t.contains(w)
        } else {
            t.split(|c: char| !c.is_ascii_alphanumeric()).any(|word| word == w)
        }
    };
    if [
        "owner",
        "founder",
        "cofounder",
        "proprietor",
        "ceo",
        "president",
        "principal",
        "managing partner",
        "founding partner",
    ]
    .iter()
    .any(|w| has(w))
    {
        Some(1.0)
    } else if ["dds", "dmd", "dentist", "attorney", "lawyer", "esq", "partner", "director", "dvm", "md", "physician"]
        .iter()
        .any(|w| has(w))
    {
        Some(0.8)
    } else {
        None
    }
}

const HONORIFICS: &[&str] = &["dr", "mr", "mrs", "ms", "mx", "prof"];

/// Capitalised words that are not parts of people's names (headings, business words, places, streets).
const NOT_NAME_WORDS: &[&str] = &[
    "about",
    "our",
    "the",
    "team",
    "meet",
    "contact",
    "us",
    "home",
    "services",
    "service",
    "dental",
    "dentistry",
    "law",
    "legal",
    "group",
    "company",
    "inc",
    "llc",
    "ltd",
    "co",
    "corp",
    "firm",
    "office",
    "offices",
    "clinic",
    "center",
    "centre",
    "studio",
    "family",
    "care",
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "suite",
    "drive",
    "lane",
    "boulevard",
    "blvd",
    "call",
    "email",
    "phone",
    "book",
    "online",
    "appointment",
    "read",
    "more",
    "learn",
    "click",
    "here",
    "view",
    "welcome",
    "since",
    "operated",
    "owned",
    "new",
    "city",
    "county",
    "state",
    "united",
    "states",
    "north",
    "south",
    "east",
    "west",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "privacy",
    "policy",
    "terms",
    "copyright",
    "all",
    "rights",
    "reserved",
    "hours",
    "location",
    "locations",
    "open",
    "closed",
    "today",
    "free",
    "best",
    "top",
    "award",
    "winning",
    "local",
    "professional",
    "general",
    "practice",
    "medical",
    "health",
    "dentist",
    "attorney",
    "attorneys",
    "lawyer",
    "plumbing",
    "roofing",
    "electric",
    "restaurant",
    "bakery",
    "salon",
    "spa",
    "and",
    "of",
    "for",
    "with",
    "at",
    "by",
    "in",
    "on",
    "owner",
    "founder",
    "ceo",
    "president",
    "principal",
    "proprietor",
    "partner",
    "partners",
    "associates",
    "solutions",
    "consulting",
    "agency",
    "shop",
    "store",
    "market",
    "kitchen",
    "cafe",
    "bar",
    "grill",
    "house",
    "hotel",
    "school",
    "academy",
    "church",
    "hospital",
    "university",
    "college",
    "insurance",
    "realty",
    "properties",
    "construction",
    "builders",
    "contractors",
    "landscaping",
    "cleaning",
    "repair",
    "auto",
    "motors",
    "fitness",
    "gym",
    "yoga",
    "pizza",
    "coffee",
    "wellness",
    "therapy",
    "vision",
    "eye",
    "animal",
    "pet",
    "vet",
    "veterinary",
    "smile",
    "smiles",
    "orthodontics",
    "pediatric",
    "cosmetic",
    "general",
    "how",
    "why",
    "what",
    "who",
    "when",
    "where",
    "your",
    "my",
    "we",
    "you",
    "they",
    "this",
    "that",
    "get",
    "started",
    "request",
    "schedule",
    "now",
    "story",
    "mission",
    "values",
    "history",
    "testimonials",
    "reviews",
    "blog",
    "news",
    "faq",
    "careers",
    "jobs",
    "staff",
    "people",
    "leadership",
    "management",
];

/// Cleans a candidate name: strips honorifics and post-nominals, drops heading words around it, and
/// accepts it only if 2–4 name-like words remain.
pub(crate) fn clean_person_name(raw: &str) -> Option<String> {
    let raw = raw.split(',').next().unwrap_or(raw);
    let mut words: Vec<&str> = raw.split_whitespace().collect();
    // Leading heading words ("Meet Jane Doe", "Welcome Jane Doe") and honorifics go.
    while let Some(first) = words.first() {
        let key = first.trim_end_matches('.').to_lowercase();
        if HONORIFICS.contains(&key.as_str()) || NOT_NAME_WORDS.contains(&key.as_str()) {
            words.remove(0);
        } else {
            break;
        }
    }
    // The name ends at the first word that cannot be part of it ("Jane Doe Call Today").
    if let Some(cut) = words.iter().position(|w| {
        let key = w.trim_end_matches('.').to_lowercase();
        NOT_NAME_WORDS.contains(&key.as_str()) || HONORIFICS.contains(&key.as_str())
    }) {
        words.truncate(cut);
    }
    while words.last().is_some_and(|w| is_postnominal(w)) {
        words.pop();
    }
    let real_words = words.iter().filter(|w| !is_initial(w)).count();
    if !(2..=4).contains(&real_words) || words.len() > 5 {
        return None;
    }
    let name_like = words.iter().all(|w| {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && w.chars().all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
            && (is_initial(w) || w.chars().any(char::is_lowercase))
    });
    name_like.then(|| words.join(" "))
}

fn is_initial(w: &str) -> bool {
    w.len() == 2 && w.ends_with('.') && w.starts_with(|c: char| c.is_ascii_uppercase())
}

fn is_postnominal(w: &str) -> bool {
    let compact: String = w.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    matches!(
        compact.to_ascii_uppercase().as_str(),
        "DDS" | "DMD" | "ESQ" | "MD" | "DVM" | "CPA" | "PHD" | "JD" | "JR" | "SR" | "II" | "III"
    )
}

/// True when an owner candidate is really the business's name (or part of it).
pub(crate) fn is_company_like(candidate: &str, business_names: &[String]) -> bool {
    let c = candidate.to_lowercase();
    business_names.iter().any(|n| {
        let n = n.to_lowercase();
        n == c || (n.contains(&c) && !n.contains(&format!("{c}'s")) && !n.contains(&format!("{c},")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::{FactKind, PageFacts};

    fn owners_in(text: &str) -> Vec<(String, Option<String>)> {
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        in_text(text, &text.to_ascii_lowercase(), &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        page.facts
            .into_iter()
            .filter(|f| f.kind == FactKind::Owner)
            .map(|f| (f.value, f.detail.and_then(|d| d["title"].as_str().map(str::to_string))))
            .collect()
    }

    #[test]
    fn each_pattern() {
        for (text, name, title) in [
            ("Owner: Jane Doe", "Jane Doe", "Owner"),
            ("Principal: Robert J. Smith", "Robert J. Smith", "Principal"),
            ("Jane Doe, Owner", "Jane Doe", "Owner"),
            ("Maria Garcia – Founder & CEO", "Maria Garcia", "Founder & CEO"),
            ("Dr. Ann Lee, DDS", "Ann Lee", "DDS"),
            ("Dr. Ann Lee D.M.D.", "Ann Lee", "DMD"),
            ("John Smith, Esq.", "John Smith", "Esq."),
            ("Attorney John Smith", "John Smith", "Attorney"),
            ("The firm was founded by Jane O'Neil in 1990.", "Jane O'Neil", "Founder"),
            ("Founded in 1998 by Tom McDonald.", "Tom McDonald", "Founder"),
            ("Jane Doe founded the bakery in 2001.", "Jane Doe", "Founder"),
            ("Meet Jane Doe, our founder", "Jane Doe", "Founder"),
            ("Meet Dr. Ann Lee, our owner", "Ann Lee", "Owner"),
            ("CEO Jane Doe", "Jane Doe", "CEO"),
            ("Jane Doe is the owner of Acme Bakery.", "Jane Doe", "Owner"),
            ("José Núñez is the co-founder of Acme.", "José Núñez", "Co-Founder"),
        ] {
            let got = owners_in(text);
            assert!(got.iter().any(|(n, t)| n == name && t.as_deref() == Some(title)), "{text:?}: {got:?}");
        }
    }

    #[test]
    fn non_people_are_rejected() {
        for text in [
            "Owner Operated Since 1990",
            "Owner: Acme Dental Group",
            "Founded by Smile Dental LLC",
            "123 Main Street, Owner",
            "Our Team, Owner",
            "Owner: jane doe",
        ] {
            assert!(owners_in(text).is_empty(), "{text:?}: {:?}", owners_in(text));
        }
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_person_name("Dr. Jane Q. Doe, DDS").as_deref(), Some("Jane Q. Doe"));
        assert_eq!(clean_person_name("Meet Jane Doe Call Today").as_deref(), Some("Jane Doe"));
        assert_eq!(clean_person_name("Jane"), None);
        assert_eq!(clean_person_name("Jane Doe Smith Jones Brown"), None);
        assert_eq!(clean_person_name("JANE DOE"), None);
    }

    #[test]
    fn company_names_are_not_owners() {
        let names = vec!["Bright Smile Dental".to_string(), "Jane Doe's Bakery".to_string()];
        assert!(is_company_like("Bright Smile", &names));
        assert!(!is_company_like("Jane Doe", &names));
        assert!(!is_company_like("Ann Lee", &names));
    }

    #[test]
    fn titles() {
        assert_eq!(canonical_title("co-founder  &  ceo"), "Co-Founder & CEO");
        assert_eq!(owner_title_weight("Owner & Lead Dentist"), Some(1.0));
        assert_eq!(owner_title_weight("Associate Dentist"), Some(0.8));
        assert_eq!(owner_title_weight("Hygienist"), None);
    }
}
