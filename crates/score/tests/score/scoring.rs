//! Scoring end to end: gates, tier boundaries, vertical overrides, and YAML and TOML giving the same result.

use leadsmith_core::Tier;
use leadsmith_score::{Features, Rules, RulesFormat};
use serde_json::json;

fn feats(pairs: &[(&str, serde_json::Value)]) -> Features {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// One component, weight 1, whose single factor gives `points` when `pages_ok` exists.
fn fixed_score(points: f64, tiers: &str) -> Rules {
    let text = format!(
        "version: 1\n{tiers}components:\n  only:\n    weight: 1\n    factors:\n      \
         - {{ name: p, when: {{ feature: pages_ok, exists: true }}, points: {points} }}\n"
    );
    Rules::parse(&text, RulesFormat::Yaml, "fixed.yaml").unwrap()
}

#[test]
fn tier_thresholds_at_the_boundaries() {
    let f = feats(&[("pages_ok", json!(1))]);
    for (points, tier) in [
        (100.0, Tier::A),
        (80.0, Tier::A),
        (79.9, Tier::B),
        (60.0, Tier::B),
        (59.9, Tier::C),
        (40.0, Tier::C),
        (39.9, Tier::D),
        (0.0, Tier::D),
    ] {
        let b = fixed_score(points, "").score(&f, None);
        assert_eq!((b.score, b.tier), (points, tier), "{points}");
    }
    // Scores are rounded to one decimal before the tier is chosen: what you see is what was tiered.
    assert_eq!(fixed_score(79.96, "").score(&f, None).tier, Tier::A);
    assert_eq!(fixed_score(79.94, "").score(&f, None).tier, Tier::B);
    // Configurable thresholds.
    let strict = "tiers: { A: 90, B: 70, C: 50 }\n";
    assert_eq!(fixed_score(89.9, strict).score(&f, None).tier, Tier::B);
    assert_eq!(fixed_score(90.0, strict).score(&f, None).tier, Tier::A);
    assert_eq!(fixed_score(49.9, strict).score(&f, None).tier, Tier::D);
}

const RULES_YAML: &str = r#"
version: 1
tiers: { A: 80, B: 60, C: 40 }
gates:
  - name: site_unreachable
    when:
      all:
        - { feature: has_website, equals: true }
        - { feature: site_reachable, equals: false }
components:
  contactability:
    weight: 0.5
    factors:
      - { name: email, description: has an email, when: { feature: has_email, equals: true }, points: 60 }
      - { name: phone, when: { feature: has_phone, equals: true }, points: 40 }
      - name: role_only
        when: { all: [ { feature: has_email, equals: true }, { not: { feature: has_personal_email, equals: true } } ] }
        points: -20
  decision_maker:
    weight: 0.3
    factors:
      - { name: owner, when: { feature: has_owner, equals: true }, points: 70 }
      - { name: sure, when: { feature: owner_confidence, ">=": 0.8 }, points: 30 }
  web_presence:
    weight: 0.2
    factors:
      - { name: pages, when: { feature: pages_ok, gt: 2, "<": 50 }, points: 50 }
      - { name: social, when: { any: [ { feature: has_linkedin, equals: true }, { feature: has_facebook, equals: true } ] }, points: 50 }
verticals:
  dentists:
    match: [dental, Dentist]
    weights: { contactability: 0.3, decision_maker: 0.5 }
    factors:
      decision_maker:
        - { name: dds, when: { feature: owner_title, regex: "(?i)\\b(dds|dmd)\\b" }, points: 25 }
    tiers: { A: 85, B: 65, C: 45 }
    gates:
      - { name: no_phone, when: { feature: has_phone, equals: false } }
"#;

const RULES_TOML: &str = r#"
version = 1
tiers = { A = 80, B = 60, C = 40 }

[[gates]]
name = "site_unreachable"
when = { all = [ { feature = "has_website", equals = true }, { feature = "site_reachable", equals = false } ] }

[components.contactability]
weight = 0.5
factors = [
  { name = "email", description = "has an email", when = { feature = "has_email", equals = true }, points = 60 },
  { name = "phone", when = { feature = "has_phone", equals = true }, points = 40 },
  { name = "role_only", when = { all = [ { feature = "has_email", equals = true }, { not = { feature = "has_personal_email", equals = true } } ] }, points = -20 },
]

[components.decision_maker]
weight = 0.3
[[components.decision_maker.factors]]
name = "owner"
when = { feature = "has_owner", equals = true }
points = 70
[[components.decision_maker.factors]]
name = "sure"
when = { feature = "owner_confidence", ">=" = 0.8 }
points = 30

[components.web_presence]
weight = 0.2
factors = [
  { name = "pages", when = { feature = "pages_ok", gt = 2, "<" = 50 }, points = 50 },
  { name = "social", when = { any = [ { feature = "has_linkedin", equals = true }, { feature = "has_facebook", equals = true } ] }, points = 50 },
]

[verticals.dentists]
match = ["dental", "Dentist"]
weights = { contactability = 0.3, decision_maker = 0.5 }
tiers = { A = 85, B = 65, C = 45 }
factors.decision_maker = [
  { name = "dds", when = { feature = "owner_title", regex = '(?i)\b(dds|dmd)\b' }, points = 25 },
]
gates = [ { name = "no_phone", when = { feature = "has_phone", equals = false } } ]
"#;

fn strong_lead() -> Features {
    feats(&[
        ("has_website", json!(true)),
        ("site_reachable", json!(true)),
        ("has_email", json!(true)),
        ("has_personal_email", json!(true)),
        ("has_phone", json!(true)),
        ("has_owner", json!(true)),
        ("owner_confidence", json!(0.9)),
        ("owner_title", json!("Owner, DMD")),
        ("pages_ok", json!(4)),
        ("has_linkedin", json!(false)),
        ("has_facebook", json!(true)),
    ])
}

#[test]
fn gate_makes_the_tier_failed_but_keeps_the_score() {
    let rules = Rules::parse(RULES_YAML, RulesFormat::Yaml, "r.yaml").unwrap();
    let mut f = strong_lead();
    let ok = rules.score(&f, None);
    assert_eq!((ok.score, ok.tier, ok.gate.as_deref()), (100.0, Tier::A, None));

    f.insert("site_reachable", false);
    let failed = rules.score(&f, None);
    assert_eq!(failed.tier, Tier::Failed);
    assert_eq!(failed.gate.as_deref(), Some("site_unreachable"));
    assert_eq!(failed.score, 100.0, "the score is kept");
    assert_eq!(failed.top_reasons(3)[0], "gate: site_unreachable");

    // No website at all is not "unreachable".
    f.insert("has_website", false);
    assert_eq!(rules.score(&f, None).gate, None);
}

#[test]
fn vertical_override_changes_weights_factors_tiers_and_gates() {
    let rules = Rules::parse(RULES_YAML, RulesFormat::Yaml, "r.yaml").unwrap();
    // contactability 100, decision_maker 70 (owner, not sure), web_presence 50 (pages only).
    let mut f = strong_lead();
    f.insert("owner_confidence", 0.5);
    f.insert("has_facebook", false);

    let base = rules.score(&f, None);
    assert_eq!(base.vertical, None);
    assert_eq!(base.score, 0.5 * 100.0 + 0.3 * 70.0 + 0.2 * 50.0); // 81
    assert_eq!(base.tier, Tier::A);
    assert!(!base.factors.iter().any(|h| h.factor == "dds"));

    // Same lead as a dentist: the dds factor adds 25 to decision_maker (95), weights 0.3/0.5/0.2.
    let dental = rules.score(&f, Some("Dental"));
    assert_eq!(dental.vertical.as_deref(), Some("dentists"));
    let dm = dental.components.iter().find(|c| c.name == "decision_maker").unwrap();
    assert_eq!((dm.weight, dm.score), (0.5, 95.0));
    assert_eq!(dental.score, 0.3 * 100.0 + 0.5 * 95.0 + 0.2 * 50.0); // 87.5
    assert_eq!(dental.tier, Tier::A);
    let hit = dental.factors.iter().find(|h| h.factor == "dds").unwrap();
    assert_eq!((hit.component.as_str(), hit.points), ("decision_maker", 25.0));

    // Its stricter tiers: without the dds title, 0.3·100 + 0.5·70 + 0.2·50 = 75 → B here (A ≥ 85), A in base.
    f.remove("owner_title");
    let dental = rules.score(&f, Some("dentist"));
    assert_eq!((dental.score, dental.tier), (75.0, Tier::B));

    // The vertical falls back to the `vertical` feature; matches are case-insensitive and word-wise.
    f.insert("vertical", "family dental clinic");
    assert_eq!(rules.score(&f, None).vertical.as_deref(), Some("dentists"));
    f.insert("vertical", "plumbers");
    assert_eq!(rules.score(&f, None).vertical, None);

    // And its extra gate applies only to it.
    f.insert("has_phone", false);
    assert_eq!(rules.score(&f, None).gate, None);
    assert_eq!(rules.score(&f, Some("dentists")).gate.as_deref(), Some("no_phone"));
}

#[test]
fn toml_and_yaml_forms_score_the_same() {
    let yaml = Rules::parse(RULES_YAML, RulesFormat::Yaml, "r").unwrap();
    let toml = Rules::parse(RULES_TOML, RulesFormat::Toml, "r").unwrap();
    assert_eq!(yaml.feature_names(), toml.feature_names());
    assert_eq!(yaml.component_names(), toml.component_names());
    let mut leads = vec![strong_lead(), Features::new()];
    let mut weak = strong_lead();
    weak.insert("has_personal_email", false);
    weak.insert("site_reachable", false);
    weak.insert("owner_confidence", 0.1);
    leads.push(weak);
    for f in &leads {
        for vertical in [None, Some("dental"), Some("bakery")] {
            assert_eq!(yaml.score(f, vertical), toml.score(f, vertical), "{vertical:?}");
        }
    }
}

#[test]
fn feature_names_cover_gates_factors_and_verticals() {
    let rules = Rules::parse(RULES_YAML, RulesFormat::Yaml, "r.yaml").unwrap();
    let names: Vec<String> = rules.feature_names().into_iter().collect();
    assert_eq!(
        names,
        [
            "has_email",
            "has_facebook",
            "has_linkedin",
            "has_owner",
            "has_personal_email",
            "has_phone",
            "has_website",
            "owner_confidence",
            "owner_title",
            "pages_ok",
            "site_reachable",
        ]
    );
}

#[test]
fn breakdown_records_origin_and_serialises() {
    let rules = Rules::parse(RULES_YAML, RulesFormat::Yaml, "rules/custom.yaml").unwrap();
    let b = rules.score(&strong_lead(), Some("dental"));
    assert_eq!(b.rules, "rules/custom.yaml");
    let json = serde_json::to_value(&b).unwrap();
    assert_eq!(json["tier"], "A");
    assert_eq!(json["vertical"], "dentists");
    assert_eq!(json["factors"][0]["reason"], "has an email (+60)");
    assert_eq!(json["components"].as_array().unwrap().len(), 3);
}

/// A probability p reads as the score 100·p wherever it is shown: a trained model's manifest (what `train`
/// writes) gives it the tier the shipped rules give that score, the tier a blended score gets.
#[test]
fn a_probability_is_tiered_as_the_rules_tier_its_score() {
    let rules = Rules::default();
    let manifest = leadsmith_model::Manifest {
        name: "m".into(),
        version: "1".into(),
        features: Vec::new(),
        output: leadsmith_model::OutputMapping::rules_tiers(),
        calibration: None,
        encodings: Vec::new(),
    };
    for k in 0..=1000 {
        let p = f64::from(k) / 1000.0;
        let (_, score, model_tier) = manifest.place(p);
        let rules_tier = rules.tier_for(p * 100.0, &Features::new(), None);
        assert_eq!(score, Some(p * 100.0));
        assert_eq!(model_tier, rules_tier.to_string(), "p = {p}");
    }
}

/// What a lead lacks is named with the final-score points it would add, as far as its component has room
/// below 100; a component whose factors give more than 100 says it is capped.
#[test]
fn missed_factors_read_as_gains_and_caps_are_noted() {
    let text = r#"
version: 1
components:
  reach:
    weight: 0.5
    factors:
      - { name: email, description: has an email, when: { feature: has_email, equals: true }, points: 60 }
      - { name: phone, description: has a phone, when: { feature: has_phone, equals: true }, points: 30 }
      - { name: owner, description: has a named owner, when: { feature: has_owner, equals: true }, points: 70 }
      - { name: penalty, when: { feature: has_phone, equals: false }, points: -10 }
  fit:
    weight: 0.5
    factors:
      - { name: sized, description: a crawled site, when: { feature: pages_ok, exists: true }, points: 100 }
"#;
    let rules = Rules::parse(text, RulesFormat::Yaml, "gains.yaml").unwrap();
    let f = feats(&[("has_email", json!(true)), ("has_phone", json!(true)), ("has_owner", json!(false))]);
    let b = rules.score(&f, None);
    // reach: 60 + 30 = 90, so the owner's 70 can lift it by 10 → 0.5 × 10 = 5 final points; fit lacks 100 → 50.
    let gains: Vec<(String, f64)> = b.gains.iter().map(|g| (g.factor.clone(), g.points)).collect();
    assert_eq!(gains, [("sized".to_string(), 50.0), ("owner".to_string(), 5.0)]);
    assert_eq!(b.gains[1].reason(), "missing: has a named owner (up to +5)");
    assert!(b.components.iter().all(|c| c.uncapped.is_none()), "{:?}", b.components);
    // Everything present: reach's factors give 160, held to 100 and said so; nothing left to gain.
    let all = feats(&[
        ("has_email", json!(true)),
        ("has_phone", json!(true)),
        ("has_owner", json!(true)),
        ("pages_ok", json!(3)),
    ]);
    let b = rules.score(&all, None);
    assert!(b.gains.is_empty(), "{:?}", b.gains);
    assert_eq!(b.components[0].uncapped, Some(160.0));
    assert_eq!((b.components[0].score, b.components[1].uncapped), (100.0, None));
    assert_eq!(b.score, 100.0);
}
