//! The compiled [`Detector`]: every pattern indexed by where it looks (header, cookie and meta names, DNS
//! record types) or, for what lives in the HTML (`html`, `text`, `scripts`, `scriptSrc`, `css`, `dom`,
//! `js`), behind one Aho-Corasick automaton of required literals, so a page runs only the patterns whose
//! literals it contains. Per page: one automaton pass, one lol_html pass, then the candidate patterns.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::dom::DomCond;
use crate::error::{Warning, WarningKind};
use crate::page::Page;
use crate::result::{Category, Detections, Provenance, Strength, snippet};
use crate::scan::{DomGroup, Scanned, scan};
use crate::set::{FingerprintSet, Kind, Rule, Source};
use crate::{js, resolve};

/// Matches of one `html` pattern looked at before it is called prose: enough for a page that mentions a
/// product a few times before its markup does.
const MAX_HTML_MATCHES: usize = 16;
/// Up to this many prefilter literals the automaton is a full DFA.
const DFA_LITERALS: usize = 10_000;

/// A technology as the detector needs it: names resolved to indexes.
#[derive(Debug)]
pub(crate) struct Tech {
    pub name: String,
    pub categories: Vec<Category>,
    pub cat_ids: Vec<u32>,
    pub website: Option<String>,
    pub source: Provenance,
    pub implies: Vec<(usize, u8)>,
    pub requires: Vec<usize>,
    pub requires_category: Vec<u32>,
    pub excludes: Vec<usize>,
}

/// One pattern with its owner.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub tech: usize,
    pub rule: Rule,
}

/// One piece of evidence found on one page.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub pattern: u32,
    pub strength: Strength,
    pub snippet: String,
    pub version: Option<String>,
    pub page: Arc<str>,
}

/// Fingerprints compiled for matching. Build once, share across threads (`Send + Sync`).
#[derive(Debug)]
pub struct Detector {
    pub(crate) techs: Vec<Tech>,
    pub(crate) patterns: Vec<Compiled>,
    by_header: HashMap<String, Vec<u32>>,
    by_cookie: HashMap<String, Vec<u32>>,
    /// Cookie names written `prefix*`.
    cookie_prefixes: Vec<(String, u32)>,
    by_meta: HashMap<String, Vec<u32>>,
    by_dns: HashMap<String, Vec<u32>>,
    url: Vec<u32>,
    robots: Vec<u32>,
    /// Literal → the HTML-borne patterns that need it.
    literal_targets: Vec<Vec<u32>>,
    literals: Option<AhoCorasick>,
    /// HTML-borne patterns with no usable literal: run on every page.
    unfiltered: Vec<u32>,
    warnings: Vec<Warning>,
}

impl Detector {
    /// Compiles a set. References (`implies`, `requires`, `excludes`) to technologies not in the set
    /// are dropped and reported in [`warnings`](Self::warnings).
    pub fn new(set: &FingerprintSet) -> Self {
        let index: HashMap<&str, usize> = set.techs.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
        let mut warnings = Vec::new();
        let mut techs = Vec::with_capacity(set.techs.len());
        let mut patterns = Vec::new();
        for (ti, t) in set.techs.iter().enumerate() {
            let mut resolve_names = |names: &[String], key: &str| -> Vec<usize> {
                names
                    .iter()
                    .filter_map(|n| {
                        let found = index.get(n.as_str()).copied();
                        if found.is_none() {
                            warnings.push(reference_warning(&t.source, &t.name, key, n));
                        }
                        found
                    })
                    .collect()
            };
            let implies_names: Vec<String> = t.implies.iter().map(|(n, _)| n.clone()).collect();
            // Resolved below with their confidences; this reports the unknown ones.
            resolve_names(&implies_names, "implies");
            let implies = t
                .implies
                .iter()
                .filter_map(|(n, c)| index.get(n.as_str()).map(|&i| (i, *c)))
                .filter(|(i, _)| *i != ti)
                .collect();
            let requires = resolve_names(&t.requires, "requires");
            let excludes = resolve_names(&t.excludes, "excludes");
            techs.push(Tech {
                name: t.name.clone(),
                categories: t
                    .cats
                    .iter()
                    .map(|id| Category {
                        id: *id,
                        name: set.categories.get(id).cloned().unwrap_or_else(|| format!("category {id}")),
                    })
                    .collect(),
                cat_ids: t.cats.clone(),
                website: t.website.clone(),
                source: provenance(&t.source),
                implies,
                requires,
                requires_category: t.requires_category.clone(),
                excludes,
            });
            patterns.extend(t.rules.iter().map(|r| Compiled { tech: ti, rule: r.clone() }));
        }
        let mut d = Self {
            techs,
            patterns: Vec::new(),
            by_header: HashMap::new(),
            by_cookie: HashMap::new(),
            cookie_prefixes: Vec::new(),
            by_meta: HashMap::new(),
            by_dns: HashMap::new(),
            url: Vec::new(),
            robots: Vec::new(),
            literal_targets: Vec::new(),
            literals: None,
            unfiltered: Vec::new(),
            warnings,
        };
        let mut literal_ids: HashMap<String, usize> = HashMap::new();
        for (id, c) in patterns.iter().enumerate() {
            let id = id as u32;
            let key = c.rule.key.clone().unwrap_or_default();
            match c.rule.kind {
                Kind::Headers => d.by_header.entry(key).or_default().push(id),
                Kind::Cookies => match key.strip_suffix('*') {
                    Some(prefix) => d.cookie_prefixes.push((prefix.to_string(), id)),
                    None => d.by_cookie.entry(key).or_default().push(id),
                },
                Kind::Meta => d.by_meta.entry(key).or_default().push(id),
                Kind::Dns => d.by_dns.entry(key).or_default().push(id),
                Kind::Url => d.url.push(id),
                Kind::Robots => d.robots.push(id),
                Kind::Implied => {}
                Kind::Html | Kind::Text | Kind::Scripts | Kind::ScriptSrc | Kind::Css | Kind::Dom | Kind::Js => {
                    match prefilter(&c.rule) {
                        Some(lits) => {
                            for lit in lits {
                                let next = literal_ids.len();
                                let li = *literal_ids.entry(lit).or_insert(next);
                                if li == d.literal_targets.len() {
                                    d.literal_targets.push(Vec::new());
                                }
                                d.literal_targets[li].push(id);
                            }
                        }
                        None => d.unfiltered.push(id),
                    }
                }
            }
        }
        let mut by_id: Vec<(String, usize)> = literal_ids.into_iter().collect();
        by_id.sort_by_key(|(_, i)| *i);
        if !by_id.is_empty() {
            // A full DFA scans several times faster than the NFAs the builder picks for large sets on its
            // own (the overlapping search is most of a page's time); past a few thousand literals its
            // memory grows too much, and the contiguous NFA takes over.
            let kind = if by_id.len() <= DFA_LITERALS { AhoCorasickKind::DFA } else { AhoCorasickKind::ContiguousNFA };
            d.literals = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(kind))
                .build(by_id.iter().map(|(l, _)| l.as_str()))
                .ok();
        }
        d.patterns = patterns;
        d
    }

    /// Our default fingerprints, compiled.
    pub fn builtin() -> Self {
        Self::new(&FingerprintSet::builtin())
    }

    /// What building skipped: references to technologies not in the set.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// How many technologies the detector knows.
    pub fn len(&self) -> usize {
        self.techs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.techs.is_empty()
    }

    /// Detects technologies on one page.
    pub fn detect(&self, page: &Page) -> Detections {
        let mut site = self.site();
        site.add(page);
        site.finish()
    }

    /// Starts a site: add its pages, then [`finish`](SiteScan::finish) for detections merged over them.
    pub fn site(&self) -> SiteScan<'_> {
        SiteScan { detector: self, hits: Vec::new() }
    }

    /// The evidence on one page.
    pub(crate) fn page_hits(&self, page: &Page, out: &mut Vec<Hit>) {
        let url: Arc<str> = Arc::from(page.url.as_str());
        let mut push = |pattern: u32, strength: Strength, matched: &str, version: Option<String>| {
            out.push(Hit { pattern, strength, snippet: snippet(matched), version, page: Arc::clone(&url) });
        };
        for (name, value) in &page.headers {
            self.by_name(&self.by_header, &name.to_ascii_lowercase(), value, &mut push);
        }
        for (name, value) in &page.cookies {
            self.by_name(&self.by_cookie, &name.to_ascii_lowercase(), value, &mut push);
            let lower = name.to_ascii_lowercase();
            for (prefix, id) in &self.cookie_prefixes {
                if lower.starts_with(prefix.as_str()) {
                    self.eval(*id, name, Strength::Strong, &mut push);
                }
            }
        }
        for record in &page.dns {
            self.by_name(&self.by_dns, &record.kind.to_ascii_uppercase(), &record.value, &mut push);
        }
        for &id in &self.url {
            self.eval(id, &page.url, Strength::Strong, &mut push);
        }
        if let Some(robots) = &page.robots {
            for &id in &self.robots {
                self.eval(id, robots, Strength::Strong, &mut push);
            }
        }

        let html = page.html.as_str();
        let candidates = self.candidates(html);
        let mut groups: Vec<DomGroup<'_>> = Vec::new();
        let mut group_of: HashMap<*const lol_html::Selector, usize> = HashMap::new();
        for &id in &candidates {
            let rule = &self.patterns[id as usize].rule;
            if let Some(dom) = &rule.dom {
                let key = Arc::as_ptr(&dom.selector);
                let gi = *group_of.entry(key).or_insert_with(|| {
                    groups.push(DomGroup { selector: &dom.selector, conds: Vec::new() });
                    groups.len() - 1
                });
                groups[gi].conds.push((id, &dom.cond, &rule.pattern));
            }
        }
        let scanned = scan(html, &groups);
        for (name, content) in &scanned.metas {
            self.by_name(&self.by_meta, name, content, &mut push);
        }
        for hit in &scanned.dom_hits {
            push(hit.pattern, Strength::Strong, &hit.snippet, hit.version.clone());
        }
        let mut text: Option<String> = None;
        for &id in &candidates {
            let rule = &self.patterns[id as usize].rule;
            match rule.kind {
                Kind::ScriptSrc => {
                    for src in &scanned.script_srcs {
                        if self.eval(id, src, Strength::Strong, &mut push) {
                            break;
                        }
                    }
                }
                Kind::Scripts => {
                    for r in &scanned.inline_scripts {
                        if self.eval(id, &html[r.clone()], Strength::Strong, &mut push) {
                            break;
                        }
                    }
                }
                Kind::Css => {
                    let in_links =
                        scanned.stylesheets.iter().any(|href| self.eval(id, href, Strength::Strong, &mut push));
                    if !in_links {
                        for r in &scanned.styles {
                            if self.eval(id, &html[r.clone()], Strength::Weak, &mut push) {
                                break;
                            }
                        }
                    }
                }
                Kind::Html => self.eval_html(id, html, &scanned, &mut push),
                Kind::Text => {
                    let text = text.get_or_insert_with(|| scanned.text(html));
                    self.eval(id, text, Strength::Mention, &mut push);
                }
                Kind::Js => {
                    let chain = rule.key.as_deref().unwrap_or_default();
                    for r in &scanned.inline_scripts {
                        if let Some((_, value)) = js::find_assignment(&html[r.clone()], chain) {
                            match (&rule.pattern.regex, value) {
                                (None, v) => {
                                    let shown = v.map_or_else(|| chain.to_string(), |v| format!("{chain} = {v}"));
                                    let version = rule.pattern.find("").and_then(|m| m.version);
                                    push(id, Strength::Strong, &shown, version);
                                }
                                (Some(_), Some(v)) => {
                                    if let Some(m) = rule.pattern.find(&v) {
                                        push(id, Strength::Strong, &format!("{chain} = {v}"), m.version);
                                    }
                                }
                                (Some(_), None) => continue,
                            }
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// HTML-borne patterns whose literals occur in `html`, plus those without literals; sorted, unique.
    fn candidates(&self, html: &str) -> Vec<u32> {
        let mut ids = self.unfiltered.clone();
        if let Some(ac) = &self.literals {
            let mut seen = vec![false; self.literal_targets.len()];
            for m in ac.find_overlapping_iter(html) {
                let li = m.pattern().as_usize();
                if !seen[li] {
                    seen[li] = true;
                    ids.extend_from_slice(&self.literal_targets[li]);
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn by_name(
        &self,
        index: &HashMap<String, Vec<u32>>,
        name: &str,
        value: &str,
        push: &mut impl FnMut(u32, Strength, &str, Option<String>),
    ) {
        if let Some(ids) = index.get(name) {
            for &id in ids {
                self.eval(id, value, Strength::Strong, push);
            }
        }
    }

    /// Runs pattern `id` on `hay`; records and returns whether it matched.
    fn eval(
        &self,
        id: u32,
        hay: &str,
        strength: Strength,
        push: &mut impl FnMut(u32, Strength, &str, Option<String>),
    ) -> bool {
        let pattern = &self.patterns[id as usize].rule.pattern;
        match pattern.find(hay) {
            Some(m) => {
                push(id, strength, &hay[m.start..m.end], m.version);
                true
            }
            None => false,
        }
    }

    /// An `html` pattern: the first match outside visible prose counts (weak if the pattern is a bare
    /// literal); if every match is prose, the pattern is recorded as a mention.
    fn eval_html(
        &self,
        id: u32,
        html: &str,
        scanned: &Scanned,
        push: &mut impl FnMut(u32, Strength, &str, Option<String>),
    ) {
        let pattern = &self.patterns[id as usize].rule.pattern;
        let mut mention = None;
        for m in pattern.find_iter(html, MAX_HTML_MATCHES) {
            if scanned.in_prose(&(m.start..m.end)) {
                mention.get_or_insert(m);
                continue;
            }
            let strength = if pattern.bare_literal { Strength::Weak } else { Strength::Strong };
            push(id, strength, &html[m.start..m.end], m.version);
            return;
        }
        if let Some(m) = mention {
            push(id, Strength::Mention, &html[m.start..m.end], m.version);
        }
    }
}

/// The literals that gate a pattern living in the HTML; `None` runs it on every page.
fn prefilter(rule: &Rule) -> Option<Vec<String>> {
    // Decoded values (script URLs, attribute values) may spell `&` as `&amp;` in the raw HTML.
    let raw_safe =
        |lits: Option<Vec<String>>| lits.filter(|l| l.iter().all(|s| !s.contains(['&', '<', '>', '"', '\''])));
    match (&rule.dom, rule.kind) {
        (Some(dom), _) => match dom.cond {
            DomCond::Exists => dom.literals.clone(),
            DomCond::Text => words(rule.pattern.literals.clone()).or_else(|| dom.literals.clone()),
            DomCond::Attribute(_) => raw_safe(rule.pattern.literals.clone()).or_else(|| dom.literals.clone()),
        },
        (None, Kind::Js) => rule.key.as_ref().map(|chain| vec![chain.to_ascii_lowercase()]),
        (None, Kind::Html) => rule.pattern.literals.clone(),
        (None, Kind::Text) => words(rule.pattern.literals.clone()),
        (None, _) => raw_safe(rule.pattern.literals.clone()),
    }
}

/// Text runs across inline tags (`Made with <b>Wix</b>`): gate on each literal's longest word, which
/// the raw HTML must contain.
fn words(lits: Option<Vec<String>>) -> Option<Vec<String>> {
    let lits = lits?;
    let mut out = Vec::with_capacity(lits.len());
    for lit in lits {
        let word = lit.split(|c: char| c.is_whitespace() || "&<>\"'".contains(c)).max_by_key(|w| w.len())?;
        if word.len() < 3 {
            return None;
        }
        out.push(word.to_string());
    }
    Some(out)
}

fn provenance(s: &Source) -> Provenance {
    Provenance { file: s.file.clone(), license: s.license.clone() }
}

fn reference_warning(source: &Source, tech: &str, key: &str, name: &str) -> Warning {
    Warning {
        kind: WarningKind::UnknownReference,
        file: source.file.clone(),
        technology: Some(tech.to_string()),
        key: Some(key.to_string()),
        pattern: Some(name.to_string()),
        message: format!("`{name}` is not in the set; ignored"),
    }
}

/// A site being scanned: pages added one at a time, detections merged over all of them.
pub struct SiteScan<'d> {
    detector: &'d Detector,
    hits: Vec<Hit>,
}

impl SiteScan<'_> {
    pub fn add(&mut self, page: &Page) {
        self.detector.page_hits(page, &mut self.hits);
    }

    /// The merged detections: each distinct pattern counts once however many pages it matched on.
    pub fn finish(self) -> Detections {
        resolve::resolve(self.detector, self.hits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detector_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Detector>();
    }
}
