//! Loading: files, directories, categories, licence fields, and warnings for what was skipped.

use leadsmith_tech::{Detector, FingerprintSet, Page, TechError, WarningKind};

use crate::support::detector_with_warnings;

#[test]
fn a_bad_pattern_is_reported_and_skipped() {
    let (d, warnings) = detector_with_warnings(
        r#"{"Broken": {"html": ["foo(?=bar)", "unclosed(group", "fine-marker"], "headers": {"X-A": "x\\;confidence:abc"}},
            "Other": {"html": "<div id=\"other-marker\""}}"#,
    );
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings.iter().all(|w| w.kind == WarningKind::BadPattern && w.file == "test.json"));
    assert!(warnings.iter().all(|w| w.technology.as_deref() == Some("Broken")));
    let shown: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    // Keys in name order: `headers` before `html`.
    assert_eq!(warnings[0].key.as_deref(), Some("headers.x-a"));
    assert!(
        shown[1].contains("test.json: Broken: html: `foo(?=bar)`: unsupported regex syntax (lookahead)"),
        "{shown:?}"
    );
    assert_eq!(warnings[2].pattern.as_deref(), Some("unclosed(group"));
    // The rest of the set works.
    let found = d.detect(&Page::new("https://a.test/", r#"<div id="other-marker"></div><img src="/fine-marker.png">"#));
    assert!(found.is_detected("Other"));
    assert!(found.get("Broken").is_some(), "the good pattern of the same technology still runs");
}

#[test]
fn bad_values_warn_and_bad_files_fail() {
    let (_, warnings) =
        detector_with_warnings(r#"{"A": {"html": 42, "headers": "nope", "cats": ["x"]}, "B": "not an object"}"#);
    assert!(warnings.iter().all(|w| w.kind == WarningKind::BadValue), "{warnings:#?}");
    assert_eq!(warnings.len(), 4);
    let mut set = FingerprintSet::new();
    let err = set.load_json("broken.json", "{ not json").unwrap_err();
    assert!(matches!(err, TechError::Json { .. }) && err.to_string().contains("broken.json"), "{err}");
    assert!(matches!(set.load_json("list.json", "[1, 2]"), Err(TechError::Format { .. })));
    assert!(matches!(set.load_path("/nonexistent/fingerprints"), Err(TechError::Io { .. })));
}

#[test]
fn unsupported_keys_are_reported() {
    let (_, warnings) = detector_with_warnings(
        r#"{"A": {"xhr": "api\\.a\\.test", "certIssuer": "A CA", "sparkle": 1, "website": "https://a.test"}}"#,
    );
    let keys: Vec<_> = warnings.iter().map(|w| (w.kind, w.key.clone().unwrap_or_default())).collect();
    assert_eq!(
        keys,
        [
            (WarningKind::Unsupported, "certIssuer".to_string()),
            (WarningKind::Unsupported, "sparkle".to_string()),
            (WarningKind::Unsupported, "xhr".to_string())
        ]
    );
}

#[test]
fn a_directory_split_by_letter_with_categories() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("categories.json"), r#"{"500": {"name": "Widgets of note", "priority": 9}}"#)
        .unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        r#"{"$license": "GPL-3.0", "Alpha": {"cats": [500], "headers": {"X-Alpha": ""}, "implies": "Beta"}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("b.json"), r#"{"Beta": {"cats": [1], "meta": {"generator": "^Beta"}}}"#).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a fingerprint file").unwrap();
    let mut set = FingerprintSet::new();
    let warnings = set.load_path(dir.path()).unwrap();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert_eq!(set.len(), 2);
    let d = Detector::new(&set);
    assert!(d.warnings().is_empty());
    let found = d.detect(&Page::new("https://a.test/", "").header("X-Alpha", "1"));
    let alpha = found.get("Alpha").unwrap();
    assert_eq!(alpha.categories[0].name, "Widgets of note");
    assert!(alpha.source.file.ends_with("a.json"), "{}", alpha.source.file);
    assert_eq!(alpha.source.license.as_deref(), Some("GPL-3.0"));
    let beta = found.get("Beta").unwrap();
    assert!(beta.source.file.ends_with("b.json"));
    assert_eq!(beta.source.license, None);
    // A single file loads the same way.
    let mut one = FingerprintSet::new();
    one.load_path(dir.path().join("b.json")).unwrap();
    assert_eq!(one.len(), 1);
}

#[test]
fn wrapped_form_and_later_files_override() {
    let mut set = FingerprintSet::builtin();
    let before = set.len();
    let warnings = set
        .load_json(
            "mine.json",
            r#"{"license": "CC0-1.0", "categories": {"900": {"name": "Ours"}},
                "technologies": {"Nginx": {"cats": [900], "headers": {"X-Custom-Nginx": ""}}}}"#,
        )
        .unwrap();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert_eq!(set.len(), before, "replaced, not added");
    let d = Detector::new(&set);
    let found = d.detect(&Page::new("https://a.test/", "").header("X-Custom-Nginx", "1").header("Server", "nginx"));
    let nginx = found.get("Nginx").unwrap();
    assert_eq!(nginx.source.file, "mine.json");
    assert_eq!(nginx.source.license.as_deref(), Some("CC0-1.0"));
    assert_eq!(nginx.categories[0].name, "Ours");
    assert_eq!(nginx.evidence.len(), 1, "the builtin definition is gone");
}

#[test]
fn unknown_references_warn_at_build() {
    let (d, _) = detector_with_warnings(
        r#"{"A": {"headers": {"X-A": ""}, "implies": ["Nope\\;confidence:50"], "requires": "Missing"}}"#,
    );
    let kinds: Vec<_> = d.warnings().iter().map(|w| (w.kind, w.pattern.clone().unwrap_or_default())).collect();
    assert_eq!(
        kinds,
        [(WarningKind::UnknownReference, "Nope".into()), (WarningKind::UnknownReference, "Missing".into())]
    );
}
