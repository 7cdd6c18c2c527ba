//! Helpers: a detector from one inline JSON set.

use leadsmith_tech::{Detections, Detector, FingerprintSet, Page, Warning};

/// A detector over exactly the technologies in `json` (no defaults), panicking on load warnings.
pub fn detector(json: &str) -> Detector {
    let (d, warnings) = detector_with_warnings(json);
    assert!(warnings.is_empty(), "unexpected warnings: {warnings:#?}");
    d
}

pub fn detector_with_warnings(json: &str) -> (Detector, Vec<Warning>) {
    let mut set = FingerprintSet::new();
    let warnings = set.load_json("test.json", json).expect("test set loads");
    (Detector::new(&set), warnings)
}

pub fn page(html: &str) -> Page {
    Page::new("https://www.example.test/", html)
}

pub fn detect(json: &str, page: &Page) -> Detections {
    detector(json).detect(page)
}
