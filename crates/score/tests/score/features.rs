//! `lead_features` on realistic leads: import and site combined, absent features left out.

use std::collections::BTreeMap;

use leadsmith_core::{Address, CrawlStatus, Domain, Email, LeadInput, Owner, PageFacts, PageLinks, Phone};
use leadsmith_score::features::{KNOWN_FEATURES, feature_info};
use leadsmith_score::{Features, lead_features};
use serde_json::{Value, json};

fn dental_lead() -> LeadInput {
    LeadInput {
        company: Some("Bright Smile Dental".into()),
        website: Some("http://bright-smile-dental.com/".into()),
        domain: Some(Domain::from_host("bright-smile-dental.com").unwrap()),
        email: Some(Email::parse("info@bright-smile-dental.com").unwrap()),
        phone: Some(Phone::parse("(415) 555-2671", "US").unwrap()),
        address: Address { city: Some("San Francisco".into()), country: Some("us".into()), ..Default::default() },
        first_name: Some("Jane".into()),
        last_name: Some("Roe".into()),
        title: Some("Office Manager".into()),
        vertical: Some("  Dental ".into()),
        ..Default::default()
    }
}

fn dental_site() -> PageFacts {
    PageFacts {
        url: "http://bright-smile-dental.com/".into(),
        title: Some("Bright Smile Dental — Family Dentist in San Francisco".into()),
        description: Some("Gentle family dentistry since 1998.".into()),
        // The import's info@ again (different case) plus a named person's address.
        emails: vec!["INFO@bright-smile-dental.com".into(), "dr.lee@bright-smile-dental.com".into()],
        // The import's phone again, and a second line.
        phones: vec!["+14155552671".into(), "+14155550123".into()],
        address: Some(Address {
            street: Some("12 Main St".into()),
            city: Some("San Francisco".into()),
            region: Some("CA".into()),
            postal_code: Some("94105".into()),
            country: Some("US".into()),
        }),
        owner: Some(Owner { name: "Dr. Sam Lee".into(), title: Some("Owner, DDS".into()), confidence: 0.9 }),
        socials: BTreeMap::from([
            ("facebook".to_string(), "https://facebook.com/brightsmile".to_string()),
            ("linkedin".to_string(), "https://www.linkedin.com/company/brightsmile".to_string()),
        ]),
        links: PageLinks { contact: vec!["http://bright-smile-dental.com/contact".into()], about: vec![] },
        jsonld: vec![json!({"@type": "Dentist", "name": "Bright Smile Dental"})],
        ..Default::default()
    }
}

#[test]
fn realistic_lead_and_site_combine() {
    let f = lead_features(&dental_lead(), Some(&dental_site()), CrawlStatus::Partial, 4, 5);
    let expect = json!({
        "has_website": true,
        "crawl_status": "partial",
        "site_reachable": true,
        "pages_ok": 4,
        "pages_total": 5,
        "email_count": 2,
        "has_email": true,
        "has_personal_email": true,
        "email_on_domain": true,
        "phone_count": 2,
        "has_phone": true,
        "has_address": true,
        "address_completeness": 5,
        "has_owner": true,
        "owner_source": "site",
        "owner_confidence": 0.9,
        "owner_title": "Owner, DDS",
        "social_count": 2,
        "has_linkedin": true,
        "has_facebook": true,
        "has_instagram": false,
        "has_structured_data": true,
        "has_description": true,
        "title_length": 53,
        "has_contact_page": true,
        "vertical": "dental",
        "country": "US",
        "imported_email": true,
        "imported_phone": true,
        "has_contact_name": true,
        "has_title": true,
        "contact_title": "Office Manager",
    });
    assert_eq!(serde_json::to_value(&f).unwrap(), expect);
}

#[test]
fn every_produced_feature_is_known_with_its_type() {
    let mut f = lead_features(&dental_lead(), Some(&dental_site()), CrawlStatus::Ok, 1, 1);
    let wordpress = leadsmith_score::TechnologyName { name: "WordPress", categories: &["CMS", "Blogs"] };
    leadsmith_score::add_site_signals(&mut f, Some(&[wordpress]), Some(&site_audit()));
    for (name, value) in &f {
        let info = feature_info(name).unwrap_or_else(|| panic!("{name} is not in KNOWN_FEATURES"));
        let kind_ok = match info.kind {
            leadsmith_score::features::FeatureKind::Bool => value.is_boolean(),
            leadsmith_score::features::FeatureKind::Number => value.is_number(),
            leadsmith_score::features::FeatureKind::String => value.is_string(),
            leadsmith_score::features::FeatureKind::List => value
                .as_array()
                .is_some_and(|items| items.iter().all(|i| i.as_str().is_some_and(|s| s == s.to_lowercase()))),
        };
        assert!(kind_ok, "{name} = {value} is not a {:?}", info.kind);
    }
    // And the realistic lead exercises all of them.
    assert_eq!(f.len(), KNOWN_FEATURES.len());
}

#[test]
fn unknown_facts_are_absent_not_placeholders() {
    let lead = LeadInput { company: Some("Corner Cafe".into()), ..Default::default() };
    let f = lead_features(&lead, None, CrawlStatus::NoWebsite, 0, 0);
    assert_eq!(f.get("has_website"), Some(&Value::Bool(false)));
    assert_eq!(f.get("site_reachable"), Some(&Value::Bool(false)));
    assert_eq!(f.get("has_email"), Some(&Value::Bool(false)));
    assert_eq!(f.get("address_completeness"), Some(&json!(0)));
    assert_eq!(f.get("has_owner"), Some(&Value::Bool(false)));
    for absent in [
        "email_on_domain",
        "owner_confidence",
        "owner_title",
        "owner_source",
        "social_count",
        "has_structured_data",
        "title_length",
        "has_contact_page",
        "vertical",
        "country",
        "contact_title",
    ] {
        assert_eq!(f.get(absent), None, "{absent} should be absent");
    }
}

#[test]
fn unreachable_site_keeps_import_data() {
    let lead = dental_lead();
    let f = lead_features(&lead, None, CrawlStatus::Timeout, 0, 1);
    assert_eq!(f.get("has_website"), Some(&json!(true)));
    assert_eq!(f.get("crawl_status"), Some(&json!("timeout")));
    assert_eq!(f.get("site_reachable"), Some(&json!(false)));
    assert_eq!(f.get("has_email"), Some(&json!(true)));
    assert_eq!(f.get("has_personal_email"), Some(&json!(false)), "info@ is a role address");
    assert_eq!(f.get("email_on_domain"), Some(&json!(true)));
    assert_eq!(f.get("has_phone"), Some(&json!(true)));
    // An office manager is not a decision maker.
    assert_eq!(f.get("has_owner"), Some(&json!(false)));
}

#[test]
fn imported_decision_maker_stands_in_for_a_missing_site_owner() {
    let lead = LeadInput {
        first_name: Some("Ann".into()),
        last_name: Some("Fox".into()),
        title: Some("Founder & CEO".into()),
        email: Some(Email::parse("ann@gmail.com").unwrap()),
        domain: Some(Domain::from_host("fox.law").unwrap()),
        ..Default::default()
    };
    let f = lead_features(&lead, Some(&PageFacts::default()), CrawlStatus::Ok, 1, 1);
    assert_eq!(f.get("has_owner"), Some(&json!(true)));
    assert_eq!(f.get("owner_source"), Some(&json!("import")));
    assert_eq!(f.get("owner_title"), Some(&json!("Founder & CEO")));
    assert_eq!(f.get("has_personal_email"), Some(&json!(true)));
    // Free mail says nothing about the business domain.
    assert_eq!(f.get("email_on_domain"), Some(&json!(false)));
    assert_eq!(f.get("social_count"), Some(&json!(0)));
}

#[test]
fn features_behave_like_a_map() {
    let mut f: Features = [("has_email", json!(true))].into_iter().collect();
    f.insert("pages_ok", 3);
    assert_eq!(f.get("pages_ok"), Some(&json!(3)));
    assert_eq!(f.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["has_email", "pages_ok"]);
    assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"has_email":true,"pages_ok":3}"#);
    let back: Features = serde_json::from_str(r#"{"has_email":true,"pages_ok":3}"#).unwrap();
    assert_eq!(back, f);
}

/// An audit with one finding of each weight and a score per category.
pub(crate) fn site_audit() -> leadsmith_core::audit::Audit {
    use leadsmith_core::audit::{Audit, CATEGORIES, Finding, check};
    let finding = |id: &str| {
        let c = check(id).unwrap();
        Finding {
            id: id.into(),
            category: c.category.into(),
            severity: c.severity,
            evidence: "seen".into(),
            recommendation: c.recommendation.into(),
        }
    };
    Audit {
        findings: vec![finding("no_https"), finding("no_viewport"), finding("heading_order")],
        scores: CATEGORIES.iter().map(|c| (c.to_string(), if *c == "seo" { 45 } else { 80 })).collect(),
        checks: 71,
        not_measured: Vec::new(),
        lighthouse: Some(leadsmith_core::audit::Lighthouse {
            strategy: "mobile".into(),
            scores: [("performance", 38), ("accessibility", 81), ("best-practices", 74), ("seo", 90)]
                .map(|(c, s)| (c.to_string(), s))
                .to_vec(),
            lcp_ms: Some(5_400.0),
            cls: Some(0.21),
            tbt_ms: Some(640.0),
            inp_ms: None,
        }),
    }
}

#[test]
fn site_signals_become_features() {
    let mut f = lead_features(&dental_lead(), None, CrawlStatus::Ok, 1, 1);
    assert!(f.get("technologies").is_none() && f.get("findings").is_none(), "absent until detection and the audit ran");
    let shop = [
        leadsmith_score::TechnologyName { name: "WooCommerce", categories: &["Ecommerce"] },
        leadsmith_score::TechnologyName { name: "WordPress", categories: &["CMS"] },
    ];
    leadsmith_score::add_site_signals(&mut f, Some(&shop), Some(&site_audit()));
    assert_eq!(f.get("technologies"), Some(&serde_json::json!(["woocommerce", "wordpress"])));
    assert_eq!(f.get("technology_categories"), Some(&serde_json::json!(["cms", "ecommerce"])));
    assert_eq!(f.get("technology_count"), Some(&serde_json::json!(2)));
    assert_eq!(f.get("findings"), Some(&serde_json::json!(["no_https", "no_viewport", "heading_order"])));
    assert_eq!(f.get("audit_findings"), Some(&serde_json::json!(2)), "the informational one is not counted");
    assert_eq!(f.get("audit.seo"), Some(&serde_json::json!(45)));
    assert_eq!(f.get("lighthouse.performance"), Some(&serde_json::json!(38)));
    assert_eq!(f.get("lighthouse.best_practices"), Some(&serde_json::json!(74)));
    assert_eq!(f.get("lighthouse.lcp_ms"), Some(&serde_json::json!(5400.0)));
}
