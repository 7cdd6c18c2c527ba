//! Outbound fetching and HTML extraction. `fetch` owns the one [`HostPool`] through which every page
//! request goes; `extract` turns HTML into [`PageFacts`](leadsmith_core::PageFacts) in one streaming pass;
//! `site` crawls a business site (home plus contact/about pages) with both.

pub mod audit;
pub mod extract;
pub mod fetch;
pub mod site;

pub use extract::{ExtractOptions, extract};
pub use fetch::{FetchConfig, FetchError, FetchedPage, HostPool, PageCache};
pub use site::{SiteCrawl, SiteOptions, crawl_site};
