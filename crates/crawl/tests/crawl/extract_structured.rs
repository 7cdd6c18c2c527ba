//! Structured data: JSON-LD (LocalBusiness, `@graph`, repaired and unrepairable scripts), microdata,
//! OpenGraph/meta, and placeholders that must never be stored.

use leadsmith_core::{FactKind, FactSource, PageFacts};

use crate::extract_support::{fixture, page_at};

#[test]
fn local_business_jsonld() {
    let page = page_at(&fixture("dental_home.html"), "https://www.brightsmile.test/");
    assert_eq!(page.name.as_deref(), Some("Bright Smile Dental"));
    assert_eq!(page.title.as_deref(), Some("Bright Smile Dental | Family & Cosmetic Dentist in Springfield, IL"));
    assert_eq!(
        page.description.as_deref(),
        Some("Gentle family and cosmetic dentistry in Springfield, IL. New patients welcome.")
    );
    let address = page.address.clone().unwrap();
    assert_eq!(address.one_line(), "123 Main St, Suite 4, Springfield, IL 62704, US");
    let owner = page.owner.clone().unwrap();
    assert_eq!(owner.name, "Ann Lee");
    assert_eq!(owner.title.as_deref(), Some("Founder & Lead Dentist"));
    assert!(owner.confidence >= 0.9);
    assert_eq!(page.socials["facebook"], "https://www.facebook.com/brightsmiledental");
    assert_eq!(page.socials["instagram"], "https://www.instagram.com/brightsmiledental");
    assert_eq!(page.socials["linkedin"], "https://www.linkedin.com/company/bright-smile-dental");
    assert_eq!(page.jsonld.len(), 1);
    assert_eq!(page.jsonld[0]["@type"][0], "Dentist");
    assert_eq!(page.opengraph["og:site_name"], "Bright Smile Dental");
    assert_eq!(page.opengraph["twitter:card"], "summary");
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);
    for kind in [FactKind::Name, FactKind::Address, FactKind::Owner, FactKind::Social, FactKind::Email, FactKind::Phone]
    {
        assert!(
            page.facts.iter().any(|f| f.kind == kind && f.source == FactSource::Jsonld),
            "no JSON-LD {kind:?} fact"
        );
    }
}

#[test]
fn graph_is_flattened_and_read() {
    let page = page_at(&fixture("graph_jsonld.html"), "https://acmeplumbing.test/");
    let types: Vec<&str> = page.jsonld.iter().filter_map(|n| n["@type"].as_str()).collect();
    assert_eq!(types, ["WebPage", "WebSite", "Plumber"]);
    assert_eq!(page.name.as_deref(), Some("Acme Plumbing LLC"));
    assert_eq!(page.emails, ["service@acmeplumbing.test"]);
    assert_eq!(page.phones, ["+15125550142"]);
    let address = page.address.clone().unwrap();
    assert_eq!(address.street.as_deref(), Some("4500 S Congress Ave"));
    assert_eq!(address.country.as_deref(), Some("US"));
    let owner = page.owner.clone().unwrap();
    assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Carlos Mendez", Some("Owner & Master Plumber")));
    assert!(
        !page.facts.iter().any(|f| f.kind == FactKind::Owner && f.value == "Dana Reyes"),
        "an office manager is not an owner"
    );
    assert_eq!(page.socials["x"], "https://x.com/acmeplumbing");
}

#[test]
fn malformed_jsonld_is_repaired_or_skipped_with_a_warning() {
    let page = page_at(&fixture("malformed_jsonld.html"), "https://repair.test/");
    let names: Vec<&str> = page.jsonld.iter().filter_map(|n| n["name"].as_str()).collect();
    assert_eq!(names, ["Comment Co", "Newline Co", "Entity & Co", "Wrapped Co", "Cdata Co"]);
    assert_eq!(page.jsonld[1]["description"], "Line one\nline two");
    assert_eq!(page.warnings.len(), 2, "{:?}", page.warnings);
    assert!(page.warnings.iter().all(|w| w.contains("JSON-LD")), "{:?}", page.warnings);
    assert!(page.warnings[0].contains("script 6") && page.warnings[1].contains("script 7"), "{:?}", page.warnings);
    assert_eq!(page.phones, ["+14155552671"]);
    assert_eq!(page.emails, ["info@newline.test"]);
    assert_eq!(page.socials["instagram"], "https://www.instagram.com/wrappedco");
}

#[test]
fn microdata_business_address_and_founder() {
    let page = page_at(&fixture("microdata.html"), "https://joesbakery.test/");
    assert_eq!(page.microdata.len(), 1);
    let item = &page.microdata[0];
    assert_eq!(item["type"], "https://schema.org/Bakery");
    assert_eq!(item["properties"]["name"][0], "Joe's Bakery");
    assert_eq!(item["properties"]["address"][0]["properties"]["postalCode"][0], "97205");
    assert_eq!(page.name.as_deref(), Some("Joe's Bakery"));
    assert_eq!(page.description.as_deref(), Some("Sourdough and pastries baked daily."));
    let address = page.address.clone().unwrap();
    assert_eq!(address.one_line(), "77 Elm Street, Portland, OR 97205, US");
    assert!(page.facts.iter().any(|f| f.kind == FactKind::Address && f.source == FactSource::Microdata));
    assert_eq!(page.phones, ["+15035550188"]);
    assert_eq!(page.emails, ["orders@joesbakery.test"]);
    let owner = page.owner.clone().unwrap();
    assert_eq!((owner.name.as_str(), owner.title.as_deref()), ("Joe Carter", Some("Owner & Head Baker")));
    assert_eq!(page.socials["instagram"], "https://www.instagram.com/joesbakerypdx");
}

#[test]
fn placeholders_are_never_stored() {
    let page = page_at(&fixture("placeholders.html"), "https://placeholder.test/");
    assert_eq!(page.title, None);
    assert_eq!(page.name, None);
    assert_eq!(page.description, None);
    assert!(page.emails.is_empty() && page.phones.is_empty());
    assert_eq!(page.address, None);
    assert_eq!(page.owner, None);
    assert!(page.socials.is_empty());
    assert!(page.facts.is_empty(), "{:?}", page.facts);
    assert!(page.opengraph.is_empty(), "{:?}", page.opengraph);
    let json = serde_json::to_string(&page).unwrap().to_lowercase();
    for placeholder in ["\"n/a\"", "not found", "\"unknown\"", "\"null\"", "\"\""] {
        // The raw JSON-LD is kept as parsed; the summary and facts never carry placeholders.
        let summary = json.split("\"jsonld\"").next().unwrap();
        assert!(!summary.contains(placeholder), "{placeholder} in {summary}");
    }
}

#[test]
fn meta_and_opengraph_fill_gaps() {
    let html = r#"<html><head><title>Home</title>
        <meta property="og:site_name" content="Cafe Luna"><meta name="description" content="Coffee &amp; cake.">
        <meta property="og:description" content="OG description"><meta name="twitter:site" content="@cafeluna">
        <meta property="business:contact_data:street_address" content="5 Pier Rd">
        <meta property="business:contact_data:locality" content="Santa Cruz">
        <meta property="business:contact_data:postal_code" content="95060">
        <meta property="business:contact_data:phone_number" content="+1 831 555 0123">
        </head><body></body></html>"#;
    let page = page_at(html, "https://cafeluna.test/");
    assert_eq!(page.name.as_deref(), Some("Cafe Luna"));
    assert_eq!(page.description.as_deref(), Some("Coffee & cake."));
    assert_eq!(page.socials["x"], "https://x.com/cafeluna");
    assert_eq!(page.opengraph["og:description"], "OG description");
    assert_eq!(page.address.clone().unwrap().street.as_deref(), Some("5 Pier Rd"));
    assert_eq!(page.phones, ["+18315550123"]);
    assert!(page.facts.iter().any(|f| f.kind == FactKind::Phone && f.source == FactSource::Opengraph));
}

#[test]
fn name_falls_back_to_a_cleaned_title() {
    let page = page_at("<title>Home | Green Leaf Landscaping</title>", "https://greenleaf.test/");
    assert_eq!(page.name.as_deref(), Some("Green Leaf Landscaping"));
    let fact = page.facts.iter().find(|f| f.kind == FactKind::Name).unwrap();
    assert!(fact.confidence <= 0.5);
}

#[test]
fn output_serialises_to_the_documented_shape() {
    let page = page_at(&fixture("dental_home.html"), "https://www.brightsmile.test/");
    let json = serde_json::to_value(&page).unwrap();
    for key in ["url", "title", "name", "description", "emails", "phones", "address", "owner", "socials", "links"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["owner"]["name"], "Ann Lee");
    assert!(json["facts"].as_array().unwrap().iter().all(|f| f["source"].is_string() && f["confidence"].is_number()));
    assert_eq!(serde_json::from_value::<PageFacts>(json).unwrap(), page);
}
