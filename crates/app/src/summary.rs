//! One-paragraph tallies of a set of leads: by tier and by crawl outcome.

use std::collections::BTreeMap;

use crate::view::LeadView;

pub fn tally(views: &[LeadView]) -> String {
    let mut tiers: BTreeMap<String, usize> = BTreeMap::new();
    let mut crawl: BTreeMap<String, usize> = BTreeMap::new();
    for v in views {
        *tiers.entry(v.tier()).or_default() += 1;
        *crawl.entry(v.crawl_status()).or_default() += 1;
    }
    let join = |m: &BTreeMap<String, usize>| m.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(" · ");
    format!("tiers: {}\ncrawl: {}", join(&tiers), join(&crawl))
}
