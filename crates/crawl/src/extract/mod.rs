//! HTML → PageFacts in one streaming pass. (Placeholder signature; being implemented.)

use leadsmith_core::PageFacts;
use url::Url;

#[derive(Debug, Clone)]
pub struct ExtractOptions {
    /// ISO 3166 region used to read national-format phone numbers.
    pub default_region: String,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self { default_region: "US".to_string() }
    }
}

pub fn extract(_html: &str, url: &Url, _opts: &ExtractOptions) -> PageFacts {
    PageFacts { url: url.to_string(), ..Default::default() }
}
