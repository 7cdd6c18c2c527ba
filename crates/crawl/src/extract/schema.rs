//! Reads schema.org nodes (JSON-LD objects, or microdata items in the same shape) into evidence: business
//! name and description, emails, telephones, postal addresses, `sameAs` profiles, founders and staff with
//! job titles.

use std::borrow::Cow;

use leadsmith_core::{Address, FactSource};
use serde_json::{Map, Value};

use super::address::parse_address_text;
use super::evidence::Evidence;
use super::owner::{canonical_title, owner_title_weight};
use super::text::decode_entities;

const MAX_DEPTH: usize = 12;

/// Types that are certainly not the business itself.
const NOT_BUSINESS: &[&str] = &[
    "WebSite",
    "WebPage",
    "BreadcrumbList",
    "ListItem",
    "Person",
    "PostalAddress",
    "ImageObject",
    "SearchAction",
    "Article",
    "BlogPosting",
    "NewsArticle",
    "FAQPage",
    "Question",
    "Answer",
    "Product",
    "Offer",
    "Review",
    "AggregateRating",
    "Rating",
    "OpeningHoursSpecification",
    "GeoCoordinates",
    "ContactPoint",
    "VideoObject",
    "Event",
    "ReadAction",
    "EntryPoint",
    "SiteNavigationElement",
    "CollectionPage",
    "AboutPage",
    "ContactPage",
    "ItemList",
    "HowTo",
    "Recipe",
    "Service",
    "Offer",
    "PropertyValue",
    "Country",
    "City",
    "State",
    "Place",
    "MonetaryAmount",
    "QuantitativeValue",
    "WPHeader",
    "WPFooter",
    "WPSideBar",
    "CreativeWork",
    "Thing",
];

/// Suffixes and names of schema.org types for businesses (`LocalBusiness` has hundreds of subtypes).
fn is_business_type(t: &str) -> bool {
    const EXACT: &[&str] = &[
        "Organization",
        "Corporation",
        "LocalBusiness",
        "Dentist",
        "Physician",
        "Attorney",
        "Restaurant",
        "Plumber",
        "Electrician",
        "Locksmith",
        "Bakery",
        "CafeOrCoffeeShop",
        "BarOrPub",
        "Brewery",
        "Winery",
        "Hotel",
        "Motel",
        "Optician",
        "Pharmacy",
        "RealEstateAgent",
        "TravelAgency",
        "Library",
        "Notary",
        "HairSalon",
        "BeautySalon",
        "DaySpa",
        "NailSalon",
        "TattooParlor",
        "AutoDealer",
        "AutoRepair",
        "AutoBodyShop",
        "GasStation",
        "ChildCare",
        "DryCleaningOrLaundry",
        "HVACBusiness",
        "RoofingContractor",
        "GeneralContractor",
        "HousePainter",
        "MovingCompany",
        "VeterinaryCare",
        "ExerciseGym",
        "SportsClub",
        "Florist",
        "Hospital",
        "NGO",
        "School",
        "Preschool",
        "CollegeOrUniversity",
    ];
    EXACT.contains(&t)
        || ["Business", "Service", "Store", "Organization", "Clinic", "Contractor", "Agency", "Office", "Practice"]
            .iter()
            .any(|s| t.ends_with(s) && t != "Service")
}

fn short_type(s: &str) -> &str {
    s.trim_end_matches('/').rsplit(['/', '#', ':']).next().unwrap_or(s)
}

fn types(obj: &Map<String, Value>) -> Vec<&str> {
    let short = short_type;
    match obj.get("@type").or_else(|| obj.get("type")) {
        Some(Value::String(s)) => vec![short(s)],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(short).collect(),
        _ => Vec::new(),
    }
}

/// The text of a schema.org value: a string, the first string of an array, or an object's `name`/`@value`.
fn raw_text_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Array(a) => a.iter().find_map(raw_text_of),
        Value::Object(o) => o.get("name").or_else(|| o.get("@value")).and_then(raw_text_of),
        _ => None,
    }
}

/// [`raw_text_of`] with HTML entities decoded: CMSs often write `Smith &amp; Partners` into JSON-LD.
fn text_of(v: &Value) -> Option<Cow<'_, str>> {
    raw_text_of(v).map(decode_entities)
}

fn texts_of(v: &Value) -> Vec<Cow<'_, str>> {
    match v {
        Value::Array(a) => a.iter().filter_map(text_of).collect(),
        other => text_of(other).into_iter().collect(),
    }
}

fn address_of(obj: &Map<String, Value>) -> Address {
    let get = |k: &str| obj.get(k).and_then(text_of).map(Cow::into_owned);
    let street = get("streetAddress").or_else(|| get("postOfficeBoxNumber").map(|b| format!("PO Box {b}")));
    Address {
        street,
        city: get("addressLocality"),
        region: get("addressRegion"),
        postal_code: get("postalCode"),
        country: get("addressCountry"),
    }
}

fn is_postal_address(obj: &Map<String, Value>, types: &[&str]) -> bool {
    types.contains(&"PostalAddress")
        || (types.is_empty() && ["streetAddress", "addressLocality", "postalCode"].iter().any(|k| obj.contains_key(*k)))
}

/// Keys under which a `Person` is handled by its business node; such persons are not read twice.
const PERSON_KEYS: &[&str] =
    &["founder", "founders", "employee", "employees", "member", "members", "author", "reviewer"];

/// Interprets every node; `source` is `Jsonld` or `Microdata`.
pub(crate) fn interpret(nodes: &[Value], source: FactSource, ev: &mut Evidence) {
    let base = if source == FactSource::Jsonld { 0.95 } else { 0.9 };
    for node in nodes {
        walk(node, None, 0, source, base, ev);
    }
}

fn walk(v: &Value, parent_key: Option<&str>, depth: usize, source: FactSource, base: f32, ev: &mut Evidence) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items.iter().take(100) {
                walk(item, parent_key, depth + 1, source, base, ev);
            }
        }
        Value::Object(obj) => node(obj, parent_key, depth, source, base, ev),
        _ => {}
    }
}

fn node(
    obj: &Map<String, Value>,
    parent_key: Option<&str>,
    depth: usize,
    source: FactSource,
    base: f32,
    ev: &mut Evidence,
) {
    let types = types(obj);
    let is_person = types.contains(&"Person");
    if is_postal_address(obj, &types) {
        ev.address(address_of(obj), source, base);
    }
    let has_contact = obj.contains_key("telephone") || obj.contains_key("address");
    let is_business = !is_person
        && (types.iter().any(|t| is_business_type(t))
            || (has_contact && !types.iter().any(|t| NOT_BUSINESS.contains(t)) && !is_postal_address(obj, &types)));
    // A business nested somewhere (a page's `publisher`) is less certainly this site's business.
    let nested_penalty = if depth == 0 { 0.0 } else { 0.1 };

    if is_business {
        if let Some(name) = obj.get("name").and_then(text_of) {
            ev.name(&name, source, base - nested_penalty);
        }
        if let Some(desc) = obj.get("description").and_then(text_of) {
            ev.description(&desc, source, 0.75 - nested_penalty);
        }
        if let Some(same_as) = obj.get("sameAs") {
            for url in texts_of(same_as) {
                ev.social(&url, source, 0.9);
            }
        }
        if let Some(Value::String(address)) = obj.get("address") {
            let address = decode_entities(address);
            let parsed = parse_address_text(&address)
                .unwrap_or_else(|| Address { street: Some(address.into_owned()), ..Default::default() });
            ev.address(parsed, source, base - 0.1);
        }
        for key in ["founder", "founders"] {
            for person in obj.get(key).map(as_list).unwrap_or_default() {
                if let Some(name) = text_of(person) {
                    let title = person.get("jobTitle").and_then(text_of).map(|t| canonical_title(&t));
                    ev.owner(&name, Some(title.as_deref().unwrap_or("Founder")), source, 0.9);
                }
            }
        }
        for key in ["employee", "employees", "member", "members"] {
            for person in obj.get(key).map(as_list).unwrap_or_default() {
                staff_member(person, source, 0.85, ev);
            }
        }
    }
    if is_person && !parent_key.is_some_and(|k| PERSON_KEYS.contains(&k)) {
        staff_member(&Value::Object(obj.clone()), source, 0.8, ev);
    }

    let contact_conf = base - nested_penalty.min(0.05);
    for (key, value) in obj {
        match key.as_str() {
            "email" => {
                for raw in texts_of(value) {
                    ev.email(&raw, source, contact_conf, None);
                }
            }
            "telephone" => {
                for raw in texts_of(value) {
                    ev.phone(&raw, source, contact_conf, false);
                }
            }
            "faxNumber" => {
                for raw in texts_of(value) {
                    ev.phone(&raw, source, contact_conf, true);
                }
            }
            "@context" | "potentialAction" | "breadcrumb" => {}
            _ if value.is_object() || value.is_array() => walk(value, Some(key), depth + 1, source, base, ev),
            _ => {}
        }
    }
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(a) => a.iter().take(50).collect(),
        other => vec![other],
    }
}

/// A person with a job title that says they run the business becomes an owner candidate.
fn staff_member(person: &Value, source: FactSource, confidence: f32, ev: &mut Evidence) {
    let (Some(name), Some(title)) = (person.get("name").and_then(text_of), person.get("jobTitle").and_then(text_of))
    else {
        return;
    };
    if let Some(weight) = owner_title_weight(&title) {
        ev.owner(&name, Some(&canonical_title(&title)), source, confidence * weight);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsmith_core::{FactKind, PageFacts};
    use serde_json::json;

    fn run(nodes: Vec<Value>) -> PageFacts {
        let mut ev = Evidence::new("https://acme.test/", "US", None);
        interpret(&nodes, FactSource::Jsonld, &mut ev);
        let mut page = PageFacts::default();
        ev.finish(&mut page);
        page
    }

    #[test]
    fn local_business_with_everything() {
        let page = run(vec![json!({
            "@context": "https://schema.org",
            "@type": ["Dentist", "LocalBusiness"],
            "name": "Bright Smile Dental",
            "description": "Family &amp; cosmetic dentistry",
            "telephone": "+1-217-555-0100",
            "faxNumber": "+1-217-555-0101",
            "email": "mailto:hello@brightsmile.test",
            "address": [{
                "@type": "PostalAddress",
                "streetAddress": "12 Main St",
                "addressLocality": "Springfield",
                "addressRegion": "IL",
                "postalCode": "62704",
                "addressCountry": {"@type": "Country", "name": "US"}
            }],
            "founder": {"@type": "Person", "name": "Dr. Ann Lee"},
            "employee": [
                {"@type": "Person", "name": "Bob Hall", "jobTitle": "Hygienist"},
                {"@type": "Person", "name": "Cara Diaz", "jobTitle": "Office Manager"}
            ],
            "sameAs": ["https://www.facebook.com/brightsmile", "https://www.instagram.com/brightsmile/", "https://example.test/"]
        })]);
        assert_eq!(page.name.as_deref(), Some("Bright Smile Dental"));
        assert_eq!(page.description.as_deref(), Some("Family & cosmetic dentistry"));
        assert_eq!(page.emails, ["hello@brightsmile.test"]);
        assert_eq!(page.phones, ["+12175550100"]);
        let addr = page.address.unwrap();
        assert_eq!(addr.one_line(), "12 Main St, Springfield, IL 62704, US");
        let owner = page.owner.unwrap();
        assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Ann Lee", Some("Founder")));
        assert_eq!(page.socials.len(), 2);
        assert!(page.facts.iter().all(|f| f.source == FactSource::Jsonld));
        assert_eq!(page.facts.iter().filter(|f| f.kind == FactKind::Owner).count(), 1);
    }

    #[test]
    fn people_with_owner_titles_and_string_addresses() {
        let page = run(vec![
            json!({"@type": "Person", "name": "Jane Doe", "jobTitle": "Owner & Principal Attorney"}),
            json!({"@type": "Attorney", "name": "Doe Law", "address": "77 Elm St, Springfield, IL 62704"}),
            json!({"@type": "WebSite", "name": "Doe Law Website", "publisher": {"@type": "Organization", "name": "Doe Law Group"}}),
            json!({"@type": "Article", "author": {"@type": "Person", "name": "Sam Writer", "jobTitle": "Staff Writer"}}),
        ]);
        let owner = page.owner.unwrap();
        assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Jane Doe", Some("Owner & Principal Attorney")));
        assert_eq!(page.address.unwrap().city.as_deref(), Some("Springfield"));
        assert_eq!(page.name.as_deref(), Some("Doe Law"));
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        let page = run(vec![
            json!({"@type": 5, "name": {"x": 1}, "telephone": [null, 3], "email": {"@value": "x"}}),
            json!({"@type": "Organization", "founder": "Jane Roe", "sameAs": "https://x.com/acme"}),
            json!({"address": {"postalCode": "n/a"}}),
        ]);
        assert_eq!(page.owner.unwrap().name, "Jane Roe");
        assert_eq!(page.socials["x"], "https://x.com/acme");
        assert!(page.address.is_none());
    }
}
