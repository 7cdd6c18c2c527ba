//! Rules files that must be refused at load, each with a clear message naming the file and the place.

use leadsmith_score::{Rules, RulesError, RulesFormat};

fn yaml_err(text: &str) -> RulesError {
    match Rules::parse(text, RulesFormat::Yaml, "rules.yaml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

fn toml_err(text: &str) -> RulesError {
    match Rules::parse(text, RulesFormat::Toml, "rules.toml") {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e,
    }
}

/// Four components whose weights are given; each has one trivial factor.
fn four_components(weights: [f64; 4]) -> String {
    let names = ["contactability", "decision_maker", "web_presence", "data_quality"];
    let mut text = String::from("version: 1\ncomponents:\n");
    for (name, w) in names.iter().zip(weights) {
        text.push_str(&format!(
            "  {name}:\n    weight: {w}\n    factors:\n      - {{ name: f, when: {{ feature: has_email, equals: true }}, points: 10 }}\n"
        ));
    }
    text
}

fn with_component(when: &str) -> String {
    format!(
        "version: 1\ncomponents:\n  reach:\n    weight: 1\n    factors:\n      - {{ name: email, when: {when}, points: 10 }}\n"
    )
}

#[test]
fn weights_not_summing_to_one_is_the_exact_error() {
    let e = yaml_err(&four_components([0.35, 0.25, 0.2, 0.15]));
    assert!(matches!(e, RulesError::WeightSum { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "rules.yaml: component weights sum to 0.95, not 1 \
         (contactability 0.35 + decision_maker 0.25 + web_presence 0.2 + data_quality 0.15)"
    );
    // Within 1e-6 is fine.
    Rules::parse(&four_components([0.35, 0.25, 0.2, 0.2000001]), RulesFormat::Yaml, "ok.yaml").unwrap();
}

#[test]
fn weights_must_lie_between_zero_and_one() {
    let e = yaml_err(&four_components([1.5, -0.5, 0.0, 0.0]));
    assert_eq!(e.to_string(), "rules.yaml: components: weight of `contactability` is 1.5, not between 0 and 1");
}

#[test]
fn tiers_must_descend_within_range() {
    let base = with_component("{ feature: has_email, equals: true }");
    let e = yaml_err(&format!("{base}tiers: {{ A: 60, B: 80, C: 40 }}\n"));
    assert_eq!(e.to_string(), "rules.yaml: tiers: thresholds must descend (A > B > C), got A 60, B 80, C 40");
    let e = yaml_err(&format!("{base}tiers: {{ A: 120, B: 80, C: 40 }}\n"));
    assert_eq!(e.to_string(), "rules.yaml: tiers: tier A starts at 120, not in (0, 100]");
    let e = yaml_err(&format!("{base}tiers: {{ A: 80, B: 60, C: 0 }}\n"));
    assert_eq!(e.to_string(), "rules.yaml: tiers: tier C starts at 0, not in (0, 100]");
}

#[test]
fn invalid_regex_names_the_factor() {
    let e = yaml_err(&with_component("{ feature: owner_title, regex: '(owner' }"));
    let RulesError::InvalidRegex { place, pattern, .. } = &e else { panic!("{e:?}") };
    assert_eq!(place, "factor `email` in component `reach`");
    assert_eq!(pattern, "(owner");
    assert_eq!(
        e.to_string(),
        "rules.yaml: factor `email` in component `reach`: invalid regex \"(owner\": unclosed group"
    );
}

#[test]
fn unknown_feature_suggests_the_near_miss() {
    let e = yaml_err(&with_component("{ feature: has_emial, equals: true }"));
    assert_eq!(
        e.to_string(),
        "rules.yaml: factor `email` in component `reach`: unknown feature `has_emial` (did you mean `has_email`?)"
    );
    let e = yaml_err(&with_component("{ feature: revenue, gt: 10 }"));
    assert_eq!(e.to_string(), "rules.yaml: factor `email` in component `reach`: unknown feature `revenue`");
}

#[test]
fn unknown_operator_suggests_the_near_miss() {
    let e = yaml_err(&with_component("{ all: [ { feature: has_email, equal: true } ] }"));
    assert_eq!(
        e.to_string(),
        "rules.yaml: factor `email` in component `reach` (when.all[0]): unknown condition operator `equal` \
         (did you mean `equals`?)"
    );
    assert!(matches!(e, RulesError::UnknownOperator { .. }));
}

#[test]
fn values_must_fit_the_operator_and_feature() {
    for (when, message) in [
        ("{ feature: pages_ok, gt: '3' }", "`gt` compares numbers, got \"3\""),
        ("{ feature: owner_title, gt: 3 }", "`gt` compares numbers, but `owner_title` is a string feature"),
        ("{ feature: pages_ok, regex: '3' }", "`regex` matches text, but `pages_ok` is a number feature"),
        ("{ feature: has_email, equals: 'yes' }", "`equals` on `has_email` (a bool feature) needs a bool, got \"yes\""),
        ("{ feature: vertical, in: [] }", "`in` needs at least one value"),
        ("{ feature: vertical, in: dentists }", "`in` takes a list of values, got \"dentists\""),
        (
            "{ feature: vertical, not_in: [dentists, 3] }",
            "`not_in` on `vertical` (a string feature) needs a string, got 3",
        ),
        ("{ feature: has_email, exists: 1 }", "`exists` takes true or false, got 1"),
        ("{ feature: has_email }", "condition on `has_email` has no operator (equals, gt, regex, …)"),
        ("{ equals: true }", "a condition names a `feature` (or is an `all`, `any` or `not`)"),
        ("{ all: [] }", "`all` needs at least one condition"),
        ("{ any: { feature: has_email, equals: true } }", "`any` takes a list of conditions"),
        (
            "{ not: { feature: has_email, equals: true }, feature: has_phone }",
            "`not` must stand alone in its condition; nest other tests inside it",
        ),
        ("has_email", "a condition is a map such as { feature: has_email, equals: true }"),
    ] {
        let e = yaml_err(&with_component(when));
        assert!(matches!(e, RulesError::InvalidCondition { .. }), "{when}: {e:?}");
        let text = e.to_string();
        assert!(text.ends_with(message), "{when}: {text}");
        assert!(text.starts_with("rules.yaml: factor `email` in component `reach`"), "{text}");
    }
}

#[test]
fn empty_components_and_duplicates_are_refused() {
    let e = yaml_err("version: 1\ncomponents:\n  reach:\n    weight: 1\n    factors: []\n");
    assert_eq!(e.to_string(), "rules.yaml: component `reach` has no factors");
    let e = yaml_err("version: 1\ncomponents: {}\n");
    assert!(matches!(e, RulesError::NoComponents { .. }));
    let dup = "version: 1\ncomponents:\n  reach:\n    weight: 1\n    factors:\n\
               \x20     - { name: email, when: { feature: has_email, equals: true }, points: 10 }\n\
               \x20     - { name: email, when: { feature: has_phone, equals: true }, points: 10 }\n";
    let e = yaml_err(dup);
    assert_eq!(e.to_string(), "rules.yaml: components: factor `email` appears twice in component `reach`");
}

const BASE: &str = r#"
version: 1
components:
  contactability:
    weight: 0.6
    factors:
      - { name: email, when: { feature: has_email, equals: true }, points: 60 }
  decision_maker:
    weight: 0.4
    factors:
      - { name: owner, when: { feature: has_owner, equals: true }, points: 60 }
"#;

#[test]
fn vertical_overrides_are_checked() {
    let e = yaml_err(&format!(
        "{BASE}verticals:\n  dentists:\n    weights: {{ contactabilty: 0.5, decision_maker: 0.5 }}\n"
    ));
    assert_eq!(
        e.to_string(),
        "rules.yaml: vertical `dentists` overrides unknown component `contactabilty` (did you mean `contactability`?)"
    );
    let e = yaml_err(&format!("{BASE}verticals:\n  dentists:\n    factors: {{ reputation: [] }}\n"));
    assert!(matches!(&e, RulesError::UnknownComponent { component, .. } if component == "reputation"), "{e:?}");

    // Partial weights merge with the base: 0.5 + 0.4 ≠ 1.
    let e = yaml_err(&format!("{BASE}verticals:\n  dentists:\n    weights: {{ contactability: 0.5 }}\n"));
    assert_eq!(
        e.to_string(),
        "rules.yaml: vertical `dentists` weights sum to 0.9, not 1 (contactability 0.5 + decision_maker 0.4)"
    );

    let e = yaml_err(&format!(
        "{BASE}verticals:\n  dentists:\n    factors:\n      contactability:\n        \
         - {{ name: email, when: {{ feature: has_phone, equals: true }}, points: 5 }}\n"
    ));
    assert_eq!(
        e.to_string(),
        "rules.yaml: vertical `dentists`: factor `email` appears twice in component `contactability`"
    );

    let e = yaml_err(&format!("{BASE}verticals:\n  dentists:\n    tiers: {{ A: 50, B: 60, C: 40 }}\n"));
    assert!(e.to_string().starts_with("rules.yaml: vertical `dentists` tiers: thresholds must descend"), "{e}");

    let e = yaml_err(&format!(
        "{BASE}verticals:\n  dentists:\n    match: [dental]\n  orthodontists:\n    match: [Dental]\n"
    ));
    assert_eq!(
        e.to_string(),
        "rules.yaml: vertical `orthodontists`: vertical \"dental\" is already matched by vertical `dentists`"
    );

    let e = yaml_err(&format!(
        "{BASE}verticals:\n  dentists:\n    factors:\n      decision_maker:\n        \
         - {{ name: dds, when: {{ feature: owner_titel, regex: dds }}, points: 5 }}\n"
    ));
    assert_eq!(
        e.to_string(),
        "rules.yaml: factor `dds` in component `decision_maker` in vertical `dentists`: unknown feature `owner_titel` \
         (did you mean `owner_title`?)"
    );
}

#[test]
fn gates_are_checked() {
    let e = yaml_err(&format!(
        "{BASE}gates:\n  - {{ name: down, when: {{ feature: site_reachable, equals: false }}, tier: D }}\n"
    ));
    assert_eq!(e.to_string(), "rules.yaml: gate `down`: a gate can only set tier FAILED, not \"D\"");
    let gate = "  - { name: down, when: { feature: site_reachable, equals: false } }\n";
    let e = yaml_err(&format!("{BASE}gates:\n{gate}{gate}"));
    assert_eq!(e.to_string(), "rules.yaml: gate `down`: a gate with this name already exists");
    let e = yaml_err(&format!("{BASE}gates:\n  - {{ name: down, when: {{ feature: site_reachable, eq: false }} }}\n"));
    assert!(matches!(e, RulesError::UnknownOperator { .. }), "{e:?}");
}

#[test]
fn parse_errors_carry_line_and_column() {
    // A typo in a key: serde names it and the line.
    let text = "version: 1\ncomponents:\n  reach:\n    wieght: 1\n    factors: []\n";
    let e = yaml_err(text);
    let RulesError::Parse { line, column, format, .. } = &e else { panic!("{e:?}") };
    assert_eq!((*line, *format), (Some(4), RulesFormat::Yaml));
    assert!(column.is_some());
    let text = e.to_string();
    assert!(text.starts_with("rules.yaml:4:"), "{text}");
    assert!(text.contains("unknown field `wieght`"), "{text}");

    let e = toml_err("version = 1\n[components.reach]\nweight = 1\nfactors = [\n");
    let RulesError::Parse { line, format, .. } = &e else { panic!("{e:?}") };
    assert_eq!(*format, RulesFormat::Toml);
    assert!(line.is_some(), "{e}");
    assert!(e.to_string().starts_with("rules.toml:"), "{e}");

    let e = toml_err("version = 2\n[components.reach]\nweight = 1\nfactors = []\n");
    assert_eq!(e.to_string(), "rules.toml: unsupported rules version 2 (this leadsmith reads version 1)");
}

#[test]
fn from_path_reads_by_extension() {
    let dir = std::env::temp_dir().join(format!("leadsmith-score-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ini = dir.join("rules.ini");
    std::fs::write(&ini, "x").unwrap();
    let e = Rules::from_path(&ini).unwrap_err();
    assert!(matches!(e, RulesError::UnknownFormat { .. }), "{e:?}");
    let missing = dir.join("missing.yaml");
    assert!(matches!(Rules::from_path(&missing), Err(RulesError::Io { .. })));
    let yml = dir.join("Rules.YML");
    std::fs::write(&yml, BASE).unwrap();
    let rules = Rules::from_path(&yml).unwrap();
    assert_eq!(rules.origin(), yml.display().to_string());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_finding_is_refused_with_a_suggestion() {
    let e = yaml_err(&with_component("{ finding: no_htps }"));
    let text = e.to_string();
    assert!(text.contains("`no_htps` is not an audit finding") && text.contains("did you mean `no_https`"), "{text}");
}

#[test]
fn list_features_are_tested_by_membership_only() {
    let e = yaml_err(&with_component("{ feature: technologies, equals: wordpress }"));
    assert!(e.to_string().contains("test it with { technology: NAME }"), "{e}");
    let e = yaml_err(&with_component("{ technology: WordPress, feature: has_email }"));
    assert!(e.to_string().contains("stands alone"), "{e}");
    let e = yaml_err(&with_component("{ technology: 3 }"));
    assert!(e.to_string().contains("takes a name"), "{e}");
}
