//! Unit tests for the private helpers of the rules engine.

use super::*;

#[test]
fn verticals_normalise() {
    assert_eq!(normalize_vertical("  Law_Firms "), "law firms");
    assert_eq!(normalize_vertical("Family-Dental  Clinic"), "family dental clinic");
    assert_eq!(normalize_vertical(""), "");
}

#[test]
fn vertical_lookup_prefers_exact_then_words() {
    let rules = Rules::default_rules();
    let name = |v: &str| rules.vertical_for(v).map(|v| v.name.as_str());
    assert_eq!(name("dentists"), Some("dentists"));
    assert_eq!(name("DENTAL"), Some("dentists"));
    assert_eq!(name("Pediatric Dentistry"), Some("dentists"));
    assert_eq!(name("law-firm"), Some("law_firms"));
    assert_eq!(name("personal injury attorneys"), Some("law_firms"));
    assert_eq!(name("dentalwork"), None, "whole words only");
    assert_eq!(name("plumbers"), None);
    assert_eq!(name("  "), None);
}

#[test]
fn tiers_choose_by_threshold() {
    let t = Tiers { a: 80.0, b: 60.0, c: 40.0 };
    assert_eq!(t.tier(80.0), Tier::A);
    assert_eq!(t.tier(79.9), Tier::B);
    assert_eq!(t.tier(40.0), Tier::C);
    assert_eq!(t.tier(0.0), Tier::D);
}

#[test]
fn parse_locations() {
    assert_eq!(line_column("ab\ncd\nef", 4), (2, 2));
    assert_eq!(line_column("ab", 0), (1, 1));
    assert_eq!(line_column("ab", 99), (1, 3));
    assert_eq!(strip_yaml_location("unknown field `x` at line 4 column 5"), "unknown field `x`");
    assert_eq!(strip_yaml_location("missing field `version`"), "missing field `version`");
    assert_eq!(one_line("invalid array\nexpected `]`\n"), "invalid array, expected `]`");
}

#[test]
fn formats_from_paths_and_names() {
    assert_eq!(RulesFormat::from_path(Path::new("a/b.YAML")), Some(RulesFormat::Yaml));
    assert_eq!(RulesFormat::from_path(Path::new("b.yml")), Some(RulesFormat::Yaml));
    assert_eq!(RulesFormat::from_path(Path::new("b.toml")), Some(RulesFormat::Toml));
    assert_eq!(RulesFormat::from_path(Path::new("b.json")), None);
    assert_eq!(RulesFormat::from_path(Path::new("toml")), None);
    assert_eq!("TOML".parse::<RulesFormat>(), Ok(RulesFormat::Toml));
    assert!("ini".parse::<RulesFormat>().is_err());
}

#[test]
fn reasons_read_as_words() {
    let text = r#"
version: 1
components:
  c:
    weight: 1
    factors:
      - { name: a, when: { feature: owner_title, regex: "(?i)owner" }, points: 20 }
      - { name: b, when: { any: [ { feature: country, in: [US, CA] }, { feature: email_count, gt: 1 } ] }, points: -5 }
      - { name: c, description: "no owner yet", when: { not: { feature: has_owner, equals: true } }, points: 2.5 }
"#;
    let rules = Rules::parse(text, RulesFormat::Yaml, "t").unwrap();
    let reasons: Vec<String> = rules.base.components[0].factors.iter().map(Factor::reason).collect();
    assert_eq!(
        reasons,
        [
            "owner_title matches /(?i)owner/ (+20)",
            "(country is one of [\"US\", \"CA\"] or email_count > 1) (-5)",
            "no owner yet (+2.5)",
        ]
    );
}
