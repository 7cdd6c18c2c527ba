//! Owner/founder/principal candidates in visible text ("Owner: Jane Doe", "Dr. Ann Lee, DDS", "founded by …",
//! "Jane Doe is the owner of …", "Meet Jane Doe, our broker/owner", team cards whose heading names a person
//! and whose role line says owner), with the checks that keep company names, streets, headings and other
//! staff out. Compound, German and French titles count ("Head Chef & Owner", "Inhaber", "Gérant"); the most
//! senior title on a page wins. Names are kept without honorifics or post-nominals; those go into the title.

use std::sync::LazyLock;

use leadsmith_core::FactSource;
use regex::{Captures, Regex};

use super::evidence::Evidence;

/// A person's name: 2–4 capitalised words, optional honorific and middle initial.
const NAME: &str = r"(?P<name>(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof)\.?[ ]+)?\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?(?:[ ]+\p{Lu}\.)?(?:[ ]+(?:\p{Lu}\p{Ll}{0,2}['’]?)?\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?){1,3})";
/// The words that make a job title an owner's (English, German, French), matched case-insensitively.
const OWNER_ROLE: &str = r"(?:co-?owner|owner(?:-operator)?|co-?founder|founder|proprietor|proprietress|ceo|president|managing[ ]+(?:partner|director|member|broker)|founding[ ]+partner|principal(?:[ ]+(?:attorney|dentist|architect|broker|designer|engineer|consultant|accountant|lawyer|partner))?|inhaber(?:in)?|geschäftsführer(?:in)?|(?:mit)?gründer(?:in)?|co-?fondat(?:eur|rice)|fondat(?:eur|rice)|gérante?|propriétaire|pdg)";
/// Joins the parts of a compound title: "Head Chef & Owner", "Founder and CEO", "Broker/Owner".
const JOIN: &str = r"(?:[ ]*[&+/][ ]*|[ ]+and[ ]+)";
/// One word of a title around the owner word ("Head", "Chef", "Lead", "Stylist").
const WORD: &str = r"\p{L}[\p{L}'’]*";
/// Nouns a compound title ends with ("Founder & Chief Executive Officer", "Owner & Master Technician").
const ROLE_NOUN: &str = r"(?:ceo|cfo|coo|cto|president|director|partner|principal|owner|founder|operator|officer|technician|stylist|chef|dentist|attorney|lawyer|broker|realtor|plumber|electrician|designer|engineer|developer|architect|manager|mechanic|baker|artist|photographer|consultant|accountant|advisor|trainer|instructor|therapist|physician|veterinarian|strategist|editor|producer)";

/// An owner's title with the roles joined to it: "Owner", "Chef-Owner", "Master Plumber & Owner",
/// "Founder & Creative Director", "Principal Broker". `tail` is what may follow the owner word.
fn title_re(tail: &str) -> String {
    format!(r"(?P<title>(?i:(?:{WORD}(?:[ ]+{WORD})?{JOIN}|{WORD}[-/])?(?-u:\b){OWNER_ROLE}(?-u:\b)(?:{JOIN}{tail})?))")
}

/// [`title_re`] where anything may follow: the title ends at punctuation or the end of the line.
static TITLE: LazyLock<String> = LazyLock::new(|| title_re(&format!(r"{WORD}(?:[ ]+{WORD}){{0,2}}")));
/// [`title_re`] for a title that a name follows: what follows the owner word ends with a job noun, so that
/// "Founder & CEO Jane Doe Smith" keeps the whole name.
static TITLE_BEFORE_NAME: LazyLock<String> =
    LazyLock::new(|| title_re(&format!(r"(?:{WORD}[ ]+){{0,2}}{ROLE_NOUN}(?-u:\b)")));
const POSTNOMINAL: &str = r"(?P<post>D\.?D\.?S\.?|D\.?M\.?D\.?|Esq\.?|M\.?D\.?|D\.?V\.?M\.?|CPA|D\.?C\.?|O\.?D\.?|Ph\.?D\.?|J\.?D\.?|Zahnärztin|Zahnarzt|Chirurgien-dentiste)(?-u:\b)";

const OWNER_NEEDLES: &[&str] = &[
    "owner",
    "founder",
    "principal",
    "propriet",
    "ceo",
    "president",
    "partner",
    "managing",
    "inhaber",
    "gesch",
    "gründer",
    "fondat",
    "gérant",
    "propriétaire",
    "pdg",
];

struct Pattern {
    re: Regex,
    /// Lower-case words, one of which must occur in the line for the pattern to be worth running.
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
    let title = TITLE.as_str();
    vec![
        // "Owner: Jane Doe", "Founder – Jane Doe", "Owner & Lead Stylist: Jane Doe"
        p(format!(r"{title}[ ]*[:–—-][ ]*{NAME}"), owner_needles, 0.8, None),
        // "Jane Doe, Owner", "Jane Doe – Founder & CEO", "Jane Doe (Head Chef & Owner)"
        p(format!(r"{NAME}[ ]*(?:,|–|—|-|\||\()[ ]*(?:the[ ]+|our[ ]+)?{title}"), owner_needles, 0.75, None),
        // "Meet Jane Doe, our founder", "Meet Jane Doe, our broker/owner"
        p(format!(r"(?i:meet)[ ]+{NAME}[ ]*,[ ]*(?i:our|the)[ ]+{title}"), &["meet"], 0.8, None),
        // "our founder, Jane Doe"
        p(format!(r"(?i:our|the)[ ]+{title}[ ]*,[ ]+{NAME}"), owner_needles, 0.75, None),
        // "Jane Doe is the owner of …"
        p(format!(r"{NAME}[ ]+is[ ]+(?:the|our)[ ]+(?:proud[ ]+)?{title}"), owner_needles, 0.75, None),
        // "founded by Jane Doe", "founded in 1998 by Jane Doe", "gegründet von …", "fondé par …"
        p(
            format!(
                r"(?i:founded|established|gegründet|fondée?)[ ]+(?:(?:(?i:in|en|im[ ]+jahr)[ ]+)?[0-9]{{4}}[ ]+)?(?i:by|von|par)[ ]+{NAME}"
            ),
            &["founded", "established", "gegründet", "fond"],
            0.75,
            Some("Founder"),
        ),
        // "Jane Doe founded Acme in 1998"
        p(format!(r"{NAME}[ ]+(?:co-)?founded[ ]"), &["founded"], 0.7, Some("Founder")),
        // "Dr. Ann Lee, DDS", "John Smith, Esq."
        p(
            format!(r"{NAME}[ ]*,?[ ]+{POSTNOMINAL}"),
            &[
                "dds", "d.d.s", "dmd", "d.m.d", "esq", "md", "m.d", "dvm", "cpa", "dc", "od", "phd", "jd", "zahn",
                "dentiste",
            ],
            0.65,
            None,
        ),
        // "Attorney John Smith"
        p(format!(r"(?i:attorney|lawyer)[ ]+(?:at[ ]+law[ ]+)?{NAME}"), &["attorney", "lawyer"], 0.6, Some("Attorney")),
        // "CEO Jane Doe", "Principal Jane Doe", "Broker/Owner Jane Doe has led …"
        p(format!(r"{}[ ]+{NAME}", TITLE_BEFORE_NAME.as_str()), owner_needles, 0.6, None),
    ]
});

/// A line that is nothing but an owner's title: the role line of a team card.
static ROLE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^[ ]*(?i:(?:{WORD}(?:[ ]+{WORD})?{JOIN}|{WORD}[-/])?{OWNER_ROLE}(?-u:\b)(?:(?:{JOIN}|[ ]*,[ ]*){WORD}(?:[ ]+{WORD}){{0,2}})?)[ ]*\.?[ ]*$"
    ))
    .expect("valid regex")
});

/// A line that is nothing but a person's name, possibly with post-nominals: the heading of a team card.
static NAME_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^[ ]*{NAME}(?:[ ]*,?[ ]+{POSTNOMINAL})?[ ]*$")).expect("valid regex"));

/// Job words of staff who do not run the business; a team card with one of these (and no owner word) is
/// someone else's.
const STAFF_WORDS: &[&str] = &[
    "associate",
    "assistant",
    "hygienist",
    "technician",
    "paralegal",
    "manager",
    "coordinator",
    "receptionist",
    "stylist",
    "agent",
    "specialist",
    "advisor",
    "intern",
    "apprentice",
    "nurse",
    "clerk",
    "dispatcher",
    "bookkeeper",
    "accountant",
    "developer",
    "designer",
    "engineer",
    "mechanic",
    "colorist",
    "esthetician",
    "dentist",
    "orthodontist",
    "hygiene",
    "attorney",
    "counsel",
    "chef",
    "therapist",
    "trainer",
    "instructor",
    "analyst",
    "consultant",
    "strategist",
    "director",
    "staff",
];

/// Every word a pattern hinges on (in lower case); lines without one (or a post-nominal) are never searched.
static KEYWORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"owner|founde[rd]|principal|propriet|ceo|president|partner|managing (?:director|broker|member)|meet|attorney|lawyer|established|inhaber|geschäftsführer|gründer|gegründet|fondat|fondé|gérant|propriétaire|pdg|zahnarzt|zahnärztin|dentiste",
    )
    .expect("valid regex")
});

/// Post-nominals, in the case [`POSTNOMINAL`] wants them, searched in the original text: short letter
/// pairs would make the lower-case search of [`KEYWORDS`] stop at every "od" and "md" in running text.
static POSTNOMINAL_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:D\.?D\.?S|D\.?M\.?D|Esq|M\.?D|D\.?V\.?M|CPA|Ph\.?D|J\.?D|D\.?C|O\.?D)(?-u:\b)")
        .expect("valid regex")
});

/// Lines searched at most; a page with more owner-ish lines than this is a directory.
const MAX_LINES: usize = 200;
/// Longer lines are sentences, not the heading or role line of a team card.
const MAX_CARD_LINE: usize = 80;
/// A team card's role line says who its name line is: read with the card's heading above it.
const CARD_CONFIDENCE: f32 = 0.8;
/// A role line above a name (`<p>Founder</p><h3>Jane Doe</h3>`) is a weaker reading.
const CARD_BELOW_CONFIDENCE: f32 = 0.7;

/// Owner candidates in the visible text; `lower` is its ASCII-lowercased copy. The patterns run only on
/// the lines that contain one of their keywords, and the team-card reading looks at the lines next to
/// those.
pub(crate) fn in_text(text: &str, lower: &str, ev: &mut Evidence) {
    let bytes = lower.as_bytes();
    let mut next_line_start = 0;
    let mut lines = 0;
    let mut words = KEYWORDS.find_iter(lower).peekable();
    let mut postnominals = POSTNOMINAL_HINT.find_iter(text).peekable();
    // Both searches' hits in text order (`text` and `lower` share their byte offsets).
    let hits = std::iter::from_fn(|| match (words.peek(), postnominals.peek()) {
        (Some(w), Some(p)) if p.start() < w.start() => postnominals.next(),
        (Some(_), _) => words.next(),
        (None, _) => postnominals.next(),
    });
    for hit in hits {
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
        if line.len() <= MAX_CARD_LINE {
            if ROLE_LINE.is_match(line) {
                team_card(text, start, end, line, ev);
                continue;
            }
            // "Dr. Ann Lee, DMD" over "Associate Dentist" is on the staff, whatever the post-nominal says.
            if next_line(text, end).is_some_and(is_staff_role) && NAME_LINE.is_match(line) {
                continue;
            }
        }
        for pattern in PATTERNS.iter().filter(|p| p.needles.iter().any(|n| line_lower.contains(n))) {
            for caps in pattern.re.captures_iter(line).take(20) {
                let Some(name) = caps.name("name") else {
                    continue;
                };
                if caps.name("title").is_some_and(|t| follows_lesser_word(&line[..t.start()])) {
                    continue;
                }
                let title = title_of(&caps).or(pattern.default_title.map(str::to_string));
                let Some(weight) = title.as_deref().map_or(Some(1.0), title_seniority) else {
                    continue;
                };
                ev.owner(name.as_str(), title.as_deref(), FactSource::Text, pattern.confidence * weight);
            }
        }
    }
}

/// A role line (`line`, at `start..end` of `text`) names the person on the line above it, as in a team
/// card (`<h3>Jane Doe</h3><p class="role">Founder</p>`), or failing that the one below it.
fn team_card(text: &str, start: usize, end: usize, line: &str, ev: &mut Evidence) {
    let Some(weight) = title_seniority(line) else {
        return;
    };
    // The whole heading must be the name: "Golden Gate Realty" is not "Golden Gate".
    let name_on = |l: Option<&str>| {
        let caps = NAME_LINE.captures(l?)?;
        let raw = caps.name("name")?.as_str();
        let name = clean_person_name(raw)?;
        let unprefixed = raw.split_once(". ").filter(|(h, _)| HONORIFICS.contains(&h.to_lowercase().as_str()));
        (unprefixed.map_or(raw, |(_, rest)| rest) == name).then_some(name)
    };
    let (name, confidence) = match name_on(previous_line(text, start)) {
        Some(name) => (name, CARD_CONFIDENCE),
        None => match name_on(next_line(text, end)) {
            Some(name) => (name, CARD_BELOW_CONFIDENCE),
            None => return,
        },
    };
    let title = canonical_title(line.trim().trim_end_matches('.'));
    ev.owner(&name, Some(&title), FactSource::Text, confidence * weight);
}

/// The line that ends just before `start` (a line start), if it is short enough to be a card's heading.
fn previous_line(text: &str, start: usize) -> Option<&str> {
    let end = start.checked_sub(1)?;
    let from = memchr::memrchr(b'\n', &text.as_bytes()[..end]).map_or(0, |i| i + 1);
    (end - from <= MAX_CARD_LINE).then(|| &text[from..end])
}

/// The line that starts just after `end` (a line end), if it is short enough to be a card's line.
fn next_line(text: &str, end: usize) -> Option<&str> {
    let from = end + 1;
    let rest = text.as_bytes().get(from..)?;
    let to = memchr::memchr(b'\n', rest).map_or(text.len(), |i| from + i);
    (to - from <= MAX_CARD_LINE).then(|| &text[from..to])
}

/// A short line naming a staff job and no owner's: "Associate Dentist", "Office Manager".
fn is_staff_role(line: &str) -> bool {
    let lower = line.to_lowercase();
    lower.split(|c: char| !c.is_alphanumeric()).any(|w| STAFF_WORDS.contains(&w)) && !ROLE_LINE.is_match(line)
}

/// Words that make the owner's title after them someone else's: "Vice President", "Assistant to the Owner".
const LESSER_WORDS: &[&str] = &["vice", "assistant", "associate", "deputy", "former", "ex", "junior", "acting"];

/// True when one of the last few words before a title, in the same clause, is one of [`LESSER_WORDS`]:
/// "Vice President", "Assistant to the Owner".
fn follows_lesser_word(before: &str) -> bool {
    let clause = before.rsplit([',', '.', ';', ':', '(', ')', '|', '–', '—']).next().unwrap_or_default();
    clause.rsplit([' ', '-']).filter(|w| !w.is_empty()).take(3).any(|w| {
        let w = w.to_ascii_lowercase();
        LESSER_WORDS.contains(&w.as_str())
    })
}

/// How senior an owner's title is, to rank the people of one page: 1.0 for owners and founders, 0.95 for
/// the chief executive, managing partner or principal, 0.9 for co-founders and co-owners. An owner word
/// after a lesser one ("Vice President", "Assistant to the Owner") does not count, and a title with only
/// such words is `None`. Titles without an owner word (DDS, Attorney) weigh 1.0: their pattern's
/// confidence says enough.
fn title_seniority(title: &str) -> Option<f32> {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let mut best: Option<f32> = None;
    let mut lesser = false;
    for (i, w) in words.iter().enumerate() {
        if LESSER_WORDS.contains(w) {
            lesser = true;
            continue;
        }
        let after = |prev: &[&str]| i > 0 && prev.contains(&words[i - 1]);
        let weight = match *w {
            "owner" | "founder" | "proprietor" | "proprietress" | "inhaber" | "inhaberin" | "gründer" | "gründerin"
            | "fondateur" | "fondatrice" | "propriétaire" => {
                if after(&["co"]) {
                    0.9
                } else {
                    1.0
                }
            }
            "cofounder" | "coowner" | "mitgründer" | "mitgründerin" | "cofondateur" | "cofondatrice" => 0.9,
            "ceo"
            | "president"
            | "principal"
            | "geschäftsführer"
            | "geschäftsführerin"
            | "gérant"
            | "gérante"
            | "pdg" => 0.95,
            "partner" | "director" | "member" | "broker" if after(&["managing", "founding"]) => 0.95,
            _ => continue,
        };
        if !lesser {
            best = Some(best.map_or(weight, |b: f32| b.max(weight)));
        }
    }
    match best {
        Some(weight) => Some(weight),
        None if lesser => None,
        None => Some(1.0),
    }
}

fn title_of(caps: &Captures) -> Option<String> {
    if let Some(post) = caps.name("post") {
        return Some(canonical_postnominal(post.as_str()));
    }
    caps.name("title").map(|t| canonical_title(t.as_str()))
}

fn canonical_postnominal(raw: &str) -> String {
    // Spelled-out professions ("Zahnarzt", "Chirurgien-dentiste") stay as written.
    if raw.chars().any(char::is_lowercase) && raw.len() > 5 {
        return raw.to_string();
    }
    let compact: String = raw.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    match compact.to_ascii_uppercase().as_str() {
        "ESQ" => "Esq.".to_string(),
        "PHD" => "PhD".to_string(),
        other => other.to_string(),
    }
}

/// `co-founder & ceo` → `Co-Founder & CEO`, `broker/owner` → `Broker/Owner`.
pub(crate) fn canonical_title(raw: &str) -> String {
    let squished = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(squished.len());
    for piece in squished.split_inclusive([' ', '-', '/']) {
        let word = piece.trim_end_matches([' ', '-', '/']);
        let lower = word.to_lowercase();
        match lower.as_str() {
            "ceo" | "coo" | "cfo" | "cto" | "dds" | "dmd" | "md" | "pdg" | "vp" | "cpa" => {
                out.push_str(&word.to_uppercase());
            }
            "and" | "of" | "at" => out.push_str(&lower),
            _ => {
                let mut chars = lower.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            }
        }
        out.push_str(&piece[word.len()..]);
    }
    out
}

/// How strongly a job title (JSON-LD `jobTitle`) says "runs the business": `None` for other staff.
pub(crate) fn owner_title_weight(title: &str) -> Option<f32> {
    let t = title.to_lowercase();
    let has = |w: &str| {
        if w.contains(' ') { t.contains(w) } else { t.split(|c: char| !c.is_alphanumeric()).any(|word| word == w) }
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
        "inhaber",
        "inhaberin",
        "geschäftsführer",
        "geschäftsführerin",
        "gründer",
        "gründerin",
        "fondateur",
        "fondatrice",
        "gérant",
        "gérante",
        "propriétaire",
    ]
    .iter()
    .any(|w| has(w))
    {
        // "Vice President", "Assistant to the Owner" are someone else's.
        title_seniority(title).map(|_| 1.0)
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
    "broker",
    "chef",
    "head",
    "master",
    "lead",
    "managing",
    "founding",
    "creative",
    "director",
    "plumber",
    "technician",
    "stylist",
    "questions",
    "inhaber",
    "inhaberin",
    "geschäftsführer",
    "geschäftsführerin",
    "gründer",
    "gründerin",
    "gérant",
    "gérante",
    "fondateur",
    "fondatrice",
    "propriétaire",
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
    fn compound_and_foreign_titles() {
        for (text, name, title) in [
            ("Owner & Lead Stylist: Elena Kowalski", "Elena Kowalski", "Owner & Lead Stylist"),
            ("Head Chef & Owner: Chidi Mensah", "Chidi Mensah", "Head Chef & Owner"),
            ("Questions? Ask for Chidi Mensah (Head Chef & Owner).", "Chidi Mensah", "Head Chef & Owner"),
            ("Ana Jackson, Master Plumber & Owner", "Ana Jackson", "Master Plumber & Owner"),
            (
                "Meet Camila Ivanov, our broker/owner. Camila started Ivanov Realty in 1997.",
                "Camila Ivanov",
                "Broker/Owner",
            ),
            ("Meet Sarah Rodriguez, our chef-owner.", "Sarah Rodriguez", "Chef-Owner"),
            ("Meet Ethan Roberts, our co-founder & CEO.", "Ethan Roberts", "Co-Founder & CEO"),
            ("Principal Broker Laura Pham has led Red Door Realty since 1985.", "Laura Pham", "Principal Broker"),
            (
                "Owner & Master Technician Oluwaseun Bailey has led Main Street Auto.",
                "Oluwaseun Bailey",
                "Owner & Master Technician",
            ),
            ("Founder & CEO Mary Jo Bennett", "Mary Jo Bennett", "Founder & CEO"),
            ("Our founder, Priya Green, still bakes every morning.", "Priya Green", "Founder"),
            ("Acme Labs was established in 1990 by Tom Baker.", "Tom Baker", "Founder"),
            ("Inhaber Lena Becker führt das Gasthaus seit 1973.", "Lena Becker", "Inhaber"),
            ("Geschäftsführer: Jörg Weiß", "Jörg Weiß", "Geschäftsführer"),
            ("Meet Katrin Schäfer, our Geschäftsführer.", "Katrin Schäfer", "Geschäftsführer"),
            ("Gegründet 1998 von Jürgen Krüger.", "Jürgen Krüger", "Founder"),
            ("Fondateur : Zoë Andersson", "Zoë Andersson", "Fondateur"),
            ("Gérante : Renée Dubois", "Renée Dubois", "Gérante"),
            ("Cabinet fondé en 1999 par Jérôme Dubois.", "Jérôme Dubois", "Founder"),
            ("Dr. José Müller, Zahnarzt", "José Müller", "Zahnarzt"),
        ] {
            let got = owners_in(text);
            assert!(got.iter().any(|(n, t)| n == name && t.as_deref() == Some(title)), "{text:?}: {got:?}");
            assert!(got.iter().all(|(n, _)| n == name), "{text:?}: {got:?}");
        }
    }

    #[test]
    fn team_cards() {
        let text = "Our Team\nThe people behind Reyes, Park & Parker.\nLaura Kim\nAssociate Attorney\nDiego Reyes\n\
                    Managing Partner\nDiego founded Reyes, Park & Parker in 2004.\nSam Lee\nParalegal\nAnn Fox\nOffice Manager";
        assert_eq!(owners_in(text), [("Diego Reyes".to_string(), Some("Managing Partner".to_string()))]);
        // The role above the name.
        let text = "Leadership\nFounder & CEO\nJosé Núñez\nHead of Sales\nMia Park";
        assert_eq!(owners_in(text), [("José Núñez".to_string(), Some("Founder & CEO".to_string()))]);
        // Post-nominals in the heading, an owner's role under it.
        let text = "Dr. Maria Lopez, DDS\nFounder & Lead Dentist\nDr. Ann Lee, DMD\nAssociate Dentist";
        assert_eq!(
            owners_in(text),
            [
                ("Maria Lopez".to_string(), Some("DDS".to_string())),
                ("Maria Lopez".to_string(), Some("Founder & Lead Dentist".to_string()))
            ]
        );
    }

    #[test]
    fn the_most_senior_card_wins() {
        let mut ev = Evidence::new("https://acme.test/team", "US", None);
        let text =
            "Bo Chen\nCo-founder & CTO\nZoë Andersson\nCo-founder & CEO\nJim Hill\nVice President\nAl Roy\nPartner";
        in_text(text, &text.to_ascii_lowercase(), &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        let owner = page.owner.unwrap();
        assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Zoë Andersson", Some("Co-Founder & CEO")));
        let names: Vec<_> = page.facts.iter().filter(|f| f.kind == FactKind::Owner).map(|f| f.value.as_str()).collect();
        assert_eq!(names, ["Bo Chen", "Zoë Andersson"]);
    }

    #[test]
    fn staff_only_teams_have_no_owner() {
        for text in [
            "Meet the Team\nLaura Kim\nAssociate Attorney\nSam Lee\nParalegal\nAnn Fox\nOffice Manager",
            "Dr. Ann Lee, DMD\nAssociate Dentist\nDr. Raj Patel, DDS\nDental Hygienist",
            "Jim Hill\nVice President\nKate Moss\nAssistant to the Owner\nTom Ng\nVice-President",
            "Emergency Repairs\nOwner-operated since 1990\nFree Estimates\nOwner operated",
            "Home\nAbout Us\nOwner\nServices\nCall Today\nOwner Login\nNorth Park\nOwner",
            "Golden Gate Realty\nBroker/Owner\n“Great job!”\n— Mike Brown, Homeowner\nMeet Our Founder\nFounder's Day Sale",
            "Vice President: Jane Doe\nAssistant to the Owner: Tom Baker\nMike Smith, Vice President",
        ] {
            assert!(owners_in(text).is_empty(), "{text:?}: {:?}", owners_in(text));
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
        assert_eq!(canonical_title("broker/owner"), "Broker/Owner");
        assert_eq!(canonical_title("GÉRANT"), "Gérant");
        assert_eq!(title_seniority("Founder & CEO"), Some(1.0));
        assert_eq!(title_seniority("Co-founder & CTO"), Some(0.9));
        assert_eq!(title_seniority("Managing Partner"), Some(0.95));
        assert_eq!(title_seniority("Vice President"), None);
        assert_eq!(title_seniority("DDS"), Some(1.0));
        assert_eq!(owner_title_weight("Owner & Lead Dentist"), Some(1.0));
        assert_eq!(owner_title_weight("Associate Dentist"), Some(0.8));
        assert_eq!(owner_title_weight("Hygienist"), None);
        assert_eq!(owner_title_weight("Vice President"), None);
        assert_eq!(owner_title_weight("Geschäftsführerin"), Some(1.0));
    }
}
