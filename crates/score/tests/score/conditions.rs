//! Every condition operator, true and false, with type mismatches; composites; negative points,
//! clamping, and the breakdown adding up.

use leadsmith_score::{Features, Rules, RulesFormat};
use serde_json::json;

/// Rules with one component (weight 1) holding one factor worth 10 points under `when` (YAML flow map).
fn one_factor(when: &str) -> Rules {
    let text = format!(
        "version: 1\ncomponents:\n  only:\n    weight: 1\n    factors:\n      - {{ name: f, when: {when}, points: 10 }}\n"
    );
    Rules::parse(&text, RulesFormat::Yaml, "test.yaml").unwrap_or_else(|e| panic!("{when}: {e}"))
}

fn features() -> Features {
    [
        ("has_email", json!(true)),
        ("has_phone", json!(false)),
        ("pages_ok", json!(3)),
        ("owner_confidence", json!(0.75)),
        ("owner_title", json!("Owner, DDS")),
        ("vertical", json!("dentists")),
        ("country", json!("US")),
        ("crawl_status", json!("ok")),
    ]
    .into_iter()
    .collect()
}

fn matches(when: &str, f: &Features) -> bool {
    let b = one_factor(when).score(f, None);
    assert_eq!(b.factors.is_empty(), b.score == 0.0, "{when}");
    !b.factors.is_empty()
}

#[test]
fn each_operator_matches_and_misses() {
    let f = features();
    let cases: &[(&str, bool)] = &[
        ("{ feature: has_email, exists: true }", true),
        ("{ feature: owner_source, exists: true }", false),
        ("{ feature: owner_source, missing: true }", true),
        ("{ feature: has_email, missing: true }", false),
        ("{ feature: has_email, exists: false }", false),
        ("{ feature: has_email, equals: true }", true),
        ("{ feature: has_phone, equals: true }", false),
        ("{ feature: country, equals: us }", true), // strings compare case-insensitively
        ("{ feature: pages_ok, equals: 3 }", true),
        ("{ feature: pages_ok, equals: 3.0 }", true),
        ("{ feature: pages_ok, not_equals: 3 }", false),
        ("{ feature: pages_ok, not_equals: 4 }", true),
        ("{ feature: vertical, in: [dentists, dental] }", true),
        ("{ feature: vertical, in: [lawyers] }", false),
        ("{ feature: vertical, not_in: [lawyers] }", true),
        ("{ feature: vertical, not_in: [Dentists] }", false),
        ("{ feature: pages_ok, gt: 2 }", true),
        ("{ feature: pages_ok, gt: 3 }", false),
        ("{ feature: pages_ok, '>': 2.5 }", true),
        ("{ feature: pages_ok, gte: 3 }", true),
        ("{ feature: pages_ok, '>=': 4 }", false),
        ("{ feature: pages_ok, lt: 4 }", true),
        ("{ feature: pages_ok, '<': 3 }", false),
        ("{ feature: pages_ok, lte: 3 }", true),
        ("{ feature: pages_ok, '<=': 2 }", false),
        ("{ feature: owner_confidence, gte: 0.7, lt: 0.8 }", true), // several operators: all must hold
        ("{ feature: owner_confidence, gte: 0.7, lt: 0.75 }", false),
        ("{ feature: owner_title, regex: '(?i)\\bdds\\b' }", true),
        ("{ feature: owner_title, regex: '^DDS' }", false),
    ];
    for (when, want) in cases {
        assert_eq!(matches(when, &f), *want, "{when}");
    }
}

#[test]
fn absent_features_match_nothing_but_missing() {
    let empty = Features::new();
    for when in [
        "{ feature: has_email, equals: true }",
        "{ feature: has_email, not_equals: true }",
        "{ feature: vertical, not_in: [lawyers] }",
        "{ feature: pages_ok, lt: 100 }",
        "{ feature: owner_title, regex: '.*' }",
        "{ feature: has_email, exists: true }",
    ] {
        assert!(!matches(when, &empty), "{when}");
    }
    assert!(matches("{ feature: has_email, missing: true }", &empty));
    // Null counts as absent.
    let null: Features = [("owner_title", json!(null))].into_iter().collect();
    assert!(matches("{ feature: owner_title, missing: true }", &null));
}

#[test]
fn runtime_type_mismatches_simply_do_not_match() {
    // Features built by hand can hold the wrong type; conditions then fail quietly.
    let odd: Features =
        [("pages_ok", json!("3")), ("owner_title", json!(42)), ("has_email", json!("true")), ("vertical", json!(7))]
            .into_iter()
            .collect();
    for when in [
        "{ feature: pages_ok, gt: 2 }",
        "{ feature: pages_ok, equals: 3 }",
        "{ feature: pages_ok, not_equals: 4 }",
        "{ feature: owner_title, regex: '4' }",
        "{ feature: has_email, equals: true }",
        "{ feature: has_email, not_equals: false }",
        "{ feature: vertical, not_in: [dentists] }",
    ] {
        assert!(!matches(when, &odd), "{when}");
    }
    assert!(matches("{ feature: pages_ok, exists: true }", &odd));
}

#[test]
fn composites_combine_conditions() {
    let f = features();
    let t = "{ feature: has_email, equals: true }";
    let no = "{ feature: has_phone, equals: true }";
    assert!(matches(&format!("{{ all: [{t}, {t}] }}"), &f));
    assert!(!matches(&format!("{{ all: [{t}, {no}] }}"), &f));
    assert!(matches(&format!("{{ any: [{no}, {t}] }}"), &f));
    assert!(!matches(&format!("{{ any: [{no}, {no}] }}"), &f));
    assert!(matches(&format!("{{ not: {no} }}"), &f));
    assert!(!matches(&format!("{{ not: {t} }}"), &f));
    // Nested: email and not (phone or pages_ok < 2).
    let nested = format!("{{ all: [{t}, {{ not: {{ any: [{no}, {{ feature: pages_ok, lt: 2 }}] }} }}] }}");
    assert!(matches(&nested, &f));
}

const POINTS: &str = r#"
version: 1
components:
  reach:
    weight: 0.5
    factors:
      - { name: email, when: { feature: has_email, equals: true }, points: 70 }
      - { name: phone, when: { feature: has_phone, equals: true }, points: 50 }
      - { name: no_owner, when: { feature: has_owner, equals: false }, points: -15 }
  people:
    weight: 0.5
    factors:
      - { name: owner, when: { feature: has_owner, equals: true }, points: 30 }
      - { name: no_title, when: { feature: owner_title, missing: true }, points: -45.5 }
"#;

#[test]
fn negative_points_subtract_and_components_clamp() {
    let rules = Rules::parse(POINTS, RulesFormat::Yaml, "points.yaml").unwrap();
    let f: Features =
        [("has_email", json!(true)), ("has_phone", json!(true)), ("has_owner", json!(true))].into_iter().collect();
    let b = rules.score(&f, None);
    // reach: 70 + 50 = 120 → 100; people: 30 − 45.5 = −15.5 → 0.
    assert_eq!(b.components[0].score, 100.0);
    assert_eq!(b.components[1].score, 0.0);
    assert_eq!(b.score, 50.0);
    let reasons: Vec<&str> = b.factors.iter().map(|h| h.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "has_email equals true (+70)",
            "has_phone equals true (+50)",
            "has_owner equals true (+30)",
            "owner_title is missing (-45.5)"
        ]
    );

    let f: Features = [("has_email", json!(true)), ("has_owner", json!(false))].into_iter().collect();
    let b = rules.score(&f, None);
    // reach: 70 − 15 = 55; people: −45.5 → 0.
    assert_eq!(b.components[0].score, 55.0);
    assert_eq!(b.components[0].contribution, 27.5);
    assert_eq!(b.score, 27.5);
}

#[test]
fn breakdown_points_sum_to_component_scores_before_clamping() {
    let rules = Rules::default_rules();
    let leads: Vec<Features> = vec![
        features(),
        Features::new(),
        [("has_email", json!(true)), ("has_personal_email", json!(false)), ("site_reachable", json!(true))]
            .into_iter()
            .collect(),
    ];
    for f in &leads {
        let b = rules.score(f, None);
        let mut total = 0.0;
        for c in &b.components {
            let raw: f64 = b.factors.iter().filter(|h| h.component == c.name).map(|h| h.points).sum();
            assert!((c.score - raw.clamp(0.0, 100.0)).abs() < 1e-9, "{}: {} vs {raw}", c.name, c.score);
            assert!((c.contribution - c.weight * c.score).abs() < 0.01);
            total += c.weight * c.score;
        }
        assert!((b.score - total).abs() <= 0.05 + 1e-9, "{} vs {total}", b.score);
    }
}

#[test]
fn descriptions_give_the_reason_in_words() {
    let text = r#"
version: 1
components:
  c:
    weight: 1
    factors:
      - name: personal
        description: has a named person's email
        when: { feature: has_personal_email, equals: true }
        points: 20
      - name: range
        when: { all: [ { feature: pages_ok, gte: 2, lt: 10 }, { not: { feature: vertical, in: [a, b] } } ] }
        points: 5
"#;
    let rules = Rules::parse(text, RulesFormat::Yaml, "r.yaml").unwrap();
    let f: Features = [("has_personal_email", json!(true)), ("pages_ok", json!(4))].into_iter().collect();
    let b = rules.score(&f, None);
    let reasons: Vec<&str> = b.factors.iter().map(|h| h.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "has a named person's email (+20)",
            "(pages_ok >= 2 and < 10 and not (vertical is one of [\"a\", \"b\"])) (+5)"
        ]
    );
    assert_eq!(b.factors[1].factor, "range");
    assert_eq!(b.factors[1].component, "c");
}

#[test]
fn technologies_categories_and_findings_are_matched_by_name() {
    let mut f = features();
    f.insert("technologies", json!(["wordpress", "woocommerce", "google analytics"]));
    f.insert("technology_categories", json!(["cms", "ecommerce", "analytics"]));
    f.insert("findings", json!(["no_https", "no_viewport"]));
    f.insert("audit.seo", json!(45));
    let cases: &[(&str, bool)] = &[
        ("{ technology: WordPress }", true), // any letter case
        ("{ technology: Google Analytics }", true),
        ("{ technology: Wix }", false),
        ("{ technology_category: Ecommerce }", true),
        ("{ technology_category: Live chat }", false),
        ("{ finding: no_https }", true),
        ("{ finding: missing_h1 }", false),
        ("{ feature: audit.seo, lt: 50 }", true),
        ("{ feature: audit.seo, gte: 50 }", false),
        ("{ not: { finding: missing_h1 } }", true),
        ("{ all: [{ technology: WordPress }, { finding: no_viewport }] }", true),
        ("{ feature: technologies, exists: true }", true),
    ];
    for (when, want) in cases {
        assert_eq!(matches(when, &f), *want, "{when}");
    }
    // Without detection or an audit, nothing matches (and `not` holds).
    let bare = features();
    assert!(!matches("{ technology: WordPress }", &bare));
    assert!(!matches("{ finding: no_https }", &bare));
    assert!(!matches("{ feature: audit.seo, lt: 50 }", &bare));
}

#[test]
fn membership_conditions_read_back_in_words() {
    let rules = one_factor("{ all: [{ technology: WordPress }, { finding: no_viewport }] }");
    let f: Features =
        [("technologies", json!(["wordpress"])), ("findings", json!(["no_viewport"]))].into_iter().collect();
    let b = rules.score(&f, None);
    let reason = &b.factors[0].reason;
    assert!(reason.contains("uses WordPress") && reason.contains("has audit finding no_viewport"), "{reason}");
}
