//! Every integration test of this crate, in one test binary (one link instead of one per file).

mod extract_contacts;
mod extract_links;
mod extract_people_places;
mod extract_robustness;
mod extract_structured;
mod extract_support;
mod fetch_content;
mod fetch_outcomes;
mod fetch_policy;
mod fetch_probe;
mod fetch_retry;
mod fetch_support;
mod site_crawl;
