//! The shipped rules: they load, reference only known features, and spread typical leads across tiers.

use std::collections::BTreeMap;

use leadsmith_core::audit::{Audit, CATEGORIES, Finding, check};
use leadsmith_core::{Address, CrawlStatus, Domain, Email, LeadInput, Owner, PageFacts, PageLinks, Tier};
use leadsmith_score::features::feature_info;
use leadsmith_score::{Features, Rules, RulesFormat, TechnologyName, add_site_signals, lead_features};
use serde_json::json;

fn lead(vertical: &str) -> LeadInput {
    LeadInput {
        company: Some("Acme Plumbing".into()),
        website: Some("http://acme-plumbing.com/".into()),
        domain: Some(Domain::from_host("acme-plumbing.com").unwrap()),
        vertical: Some(vertical.into()),
        ..Default::default()
    }
}

fn full_site() -> PageFacts {
    PageFacts {
        url: "http://acme-plumbing.com/".into(),
        title: Some("Acme Plumbing — 24/7 plumbers in Austin".into()),
        description: Some("Family-run plumbing since 1990.".into()),
        emails: vec!["joe@acme-plumbing.com".into(), "info@acme-plumbing.com".into()],
        phones: vec!["+15125550100".into()],
        address: Some(Address {
            street: Some("1 Main St".into()),
            city: Some("Austin".into()),
            region: Some("TX".into()),
            postal_code: Some("78701".into()),
            country: Some("US".into()),
        }),
        owner: Some(Owner { name: "Joe Acme".into(), title: Some("Owner".into()), confidence: 0.9 }),
        socials: BTreeMap::from([
            ("facebook".to_string(), "https://facebook.com/acme".to_string()),
            ("instagram".to_string(), "https://instagram.com/acme".to_string()),
        ]),
        links: PageLinks { contact: vec!["http://acme-plumbing.com/contact".into()], about: vec![] },
        jsonld: vec![json!({"@type": "Plumber"})],
        ..Default::default()
    }
}

#[test]
fn default_rules_load_and_validate() {
    let rules = Rules::default_rules();
    assert_eq!(rules.origin(), "default");
    assert_eq!(rules.component_names(), ["contactability", "decision_maker", "web_presence", "data_quality", "need"]);
    assert_eq!(rules.vertical_names(), ["dentists", "law_firms"]);
    for name in rules.feature_names() {
        assert!(feature_info(&name).is_some(), "{name}");
    }
    assert!(Rules::default_source().starts_with("# leadsmith default scoring rules"));
    // The source parses the same way from the outside.
    Rules::parse(Rules::default_source(), RulesFormat::Yaml, "copy.yaml").unwrap();
}

/// An audit of a neglected site: not set up for phones, weak SEO, no booking, a stale footer.
fn neglected_audit() -> Audit {
    audit_with(&["no_https", "no_viewport", "no_booking_widget", "stale_copyright", "no_click_to_call"], 40)
}

fn audit_with(ids: &[&str], seo: u32) -> Audit {
    let findings = ids
        .iter()
        .map(|id| {
            let c = check(id).unwrap();
            Finding {
                id: (*id).into(),
                category: c.category.into(),
                severity: c.severity,
                evidence: "seen".into(),
                recommendation: c.recommendation.into(),
            }
        })
        .collect();
    let scores = CATEGORIES.iter().map(|c| (c.to_string(), if *c == "seo" { seo } else { 90 })).collect();
    Audit { findings, scores, checks: 71, not_measured: Vec::new(), lighthouse: None }
}

fn with_signals(mut f: Features, tech: &[&str], audit: &Audit) -> Features {
    let names: Vec<TechnologyName> = tech
        .iter()
        .map(|name| TechnologyName {
            name,
            categories: if *name == "Google Analytics" { &["Analytics"] } else { &["CMS"] },
        })
        .collect();
    add_site_signals(&mut f, Some(&names), Some(audit));
    f
}

#[test]
fn complete_site_that_needs_work_is_a() {
    let f = lead_features(&lead("plumbers"), Some(&full_site()), CrawlStatus::Ok, 5, 5);
    let f = with_signals(f, &["Wix"], &neglected_audit());
    let b = Rules::default_rules().score(&f, None);
    assert_eq!(b.tier, Tier::A, "{b:#?}");
    assert_eq!(b.rules, "default");
    assert!(b.score >= 90.0, "{}", b.score);
    for factor in
        ["not_mobile_ready", "weak_seo", "no_online_booking", "looks_neglected", "no_analytics", "site_builder"]
    {
        assert!(b.factors.iter().any(|h| h.factor == factor), "{factor} missing: {b:#?}");
    }
}

#[test]
fn the_need_component_spreads_leads_with_the_same_data() {
    let rules = Rules::default_rules();
    let base = || lead_features(&lead("plumbers"), Some(&full_site()), CrawlStatus::Ok, 5, 5);
    let neglected = rules.score(&with_signals(base(), &["Wix"], &neglected_audit()), None);
    let kept = rules.score(&with_signals(base(), &["WordPress", "Google Analytics"], &audit_with(&[], 95)), None);
    let unread = rules.score(&base(), None);
    let need = |b: &leadsmith_core::ScoreBreakdown| b.components.iter().find(|c| c.name == "need").unwrap().score;
    assert!(
        need(&neglected) >= 90.0 && need(&kept) == 0.0 && need(&unread) == 0.0,
        "{} {} {}",
        need(&neglected),
        need(&kept),
        need(&unread)
    );
    assert!(neglected.score - kept.score >= 15.0, "{} vs {}", neglected.score, kept.score);
    assert_eq!(
        kept.tier,
        Tier::B,
        "complete data on a site that lacks nothing: worth a call, not first: {}",
        kept.score
    );

    // No website at all is the biggest need there is.
    let mut l = lead("plumbers");
    l.website = None;
    l.domain = None;
    let b = rules.score(&lead_features(&l, None, CrawlStatus::NoWebsite, 0, 0), None);
    assert!(b.factors.iter().any(|h| h.factor == "no_website"), "{b:#?}");
}

#[test]
fn phone_only_site_is_c_or_d() {
    let site = PageFacts {
        url: "http://acme-plumbing.com/".into(),
        phones: vec!["+15125550100".into()],
        ..Default::default()
    };
    let f = lead_features(&lead("plumbers"), Some(&site), CrawlStatus::Ok, 1, 1);
    let b = Rules::default_rules().score(&f, None);
    assert!(matches!(b.tier, Tier::C | Tier::D), "{b:#?}");
}

#[test]
fn typical_role_email_site_without_owner_is_b_or_c() {
    let mut site = full_site();
    site.owner = None;
    site.emails = vec!["info@acme-plumbing.com".into()];
    site.jsonld.clear();
    site.socials.clear();
    let f = lead_features(&lead("plumbers"), Some(&site), CrawlStatus::Ok, 3, 3);
    let b = Rules::default_rules().score(&f, None);
    assert!(matches!(b.tier, Tier::B | Tier::C), "{b:#?}");
    assert!(b.factors.iter().any(|h| h.factor == "role_email_only" && h.points < 0.0));
}

#[test]
fn unreachable_site_fails_but_a_missing_website_does_not() {
    let rules = Rules::default_rules();
    let mut l = lead("plumbers");
    l.email = Some(Email::parse("joe@acme-plumbing.com").unwrap());
    let f = lead_features(&l, None, CrawlStatus::Timeout, 0, 1);
    let b = rules.score(&f, None);
    assert_eq!((b.tier, b.gate.as_deref()), (Tier::Failed, Some("site_unreachable")));

    l.website = None;
    let f = lead_features(&l, None, CrawlStatus::NoWebsite, 0, 0);
    let b = rules.score(&f, None);
    assert_eq!(b.gate, None);
    assert_eq!(b.tier, Tier::D);
}

#[test]
fn dentist_and_law_firm_overrides_apply() {
    let rules = Rules::default_rules();
    let mut site = full_site();
    site.owner = Some(Owner { name: "Dr. Lee".into(), title: Some("Dentist, DDS".into()), confidence: 0.6 });
    let f = lead_features(&lead("Dental Practice"), Some(&site), CrawlStatus::Ok, 5, 5);
    let b = rules.score(&f, None);
    assert_eq!(b.vertical.as_deref(), Some("dentists"));
    assert!(b.factors.iter().any(|h| h.factor == "dentist_owner"));

    site.owner = Some(Owner { name: "Ann Fox".into(), title: Some("Managing Partner".into()), confidence: 0.9 });
    let f = lead_features(&lead("Law Firm"), Some(&site), CrawlStatus::Ok, 5, 5);
    let b = rules.score(&f, None);
    assert_eq!(b.vertical.as_deref(), Some("law_firms"));
    assert!(b.factors.iter().any(|h| h.factor == "partner_or_attorney"));
    let dm = b.components.iter().find(|c| c.name == "decision_maker").unwrap();
    assert_eq!(dm.weight, 0.25);
}

#[test]
fn default_rules_as_toml_score_the_same() {
    // Convert the shipped YAML into TOML mechanically and check both score alike.
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(Rules::default_source()).unwrap();
    let toml_text = toml::to_string(&value).unwrap();
    let from_toml = Rules::parse(&toml_text, RulesFormat::Toml, "default").unwrap();
    let from_yaml = Rules::default_rules();
    assert_eq!(from_toml.component_names(), from_yaml.component_names());
    for (vertical, status) in
        [("plumbers", CrawlStatus::Ok), ("dentist", CrawlStatus::Ok), ("law firm", CrawlStatus::Blocked)]
    {
        let f = lead_features(&lead(vertical), Some(&full_site()), status, 2, 3);
        assert_eq!(from_toml.score(&f, None), from_yaml.score(&f, None), "{vertical}");
    }
}
