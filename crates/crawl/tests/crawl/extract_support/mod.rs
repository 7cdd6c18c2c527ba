//! Helpers shared by the extraction integration tests: fixtures and extracting a page at a URL.

use leadsmith_core::PageFacts;
use leadsmith_crawl::{ExtractOptions, extract};
use url::Url;

/// A fixture from `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Extracts `html` as if fetched from `url`, with the default options.
pub fn page_at(html: &str, url: &str) -> PageFacts {
    extract(html, &Url::parse(url).unwrap(), &ExtractOptions::default())
}
