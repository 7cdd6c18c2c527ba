//! From evidence to detections: each distinct pattern contributes once (its strength decides how much),
//! implications carry confidence to the implied technology, `requires`/`requiresCategory` drop a
//! technology whose prerequisite is not detected, `excludes` drops what a detected technology rules out,
//! and what is left is detected (confidence ≥ 50) or possible.

use std::collections::{BTreeMap, HashMap};

use crate::detector::{Detector, Hit};
use crate::pattern::version_cmp;
use crate::result::{DETECTED_AT, Detection, Detections, Evidence, Status, Strength, WEAK_CAP};
use crate::set::Kind;

/// Evidence items kept per technology (the strongest first).
const MAX_EVIDENCE: usize = 20;
/// Rounds of implication propagation; chains in real sets are two or three deep.
const MAX_IMPLY_ROUNDS: usize = 16;

fn contribution(strength: Strength, confidence: u8) -> u8 {
    match strength {
        Strength::Strong | Strength::Implied => confidence,
        Strength::Weak => confidence.min(WEAK_CAP),
        Strength::Mention => 0,
    }
}

pub(crate) fn resolve(d: &Detector, hits: Vec<Hit>) -> Detections {
    // Best contribution of each distinct pattern, over all pages.
    let mut per_pattern: HashMap<u32, u8> = HashMap::new();
    for h in &hits {
        let c = contribution(h.strength, d.patterns[h.pattern as usize].rule.pattern.confidence);
        let e = per_pattern.entry(h.pattern).or_insert(0);
        *e = (*e).max(c);
    }
    let mut direct: HashMap<usize, u32> = HashMap::new();
    for (&pid, &c) in &per_pattern {
        *direct.entry(d.patterns[pid as usize].tech).or_insert(0) += u32::from(c);
    }

    let mut removed: Vec<bool> = vec![false; d.techs.len()];
    let (total, implied_from) = loop {
        let (total, implied_from) = totals(d, &direct, &removed);
        let detected = |t: usize| !removed[t] && total.get(&t).is_some_and(|&c| c >= u32::from(DETECTED_AT));
        let mut drop: Vec<usize> = total
            .keys()
            .copied()
            .filter(|&t| {
                let tech = &d.techs[t];
                let requires_ok = tech.requires.iter().all(|&r| detected(r));
                let category_ok = tech.requires_category.is_empty()
                    || total.keys().any(|&o| {
                        o != t && detected(o) && d.techs[o].cat_ids.iter().any(|c| tech.requires_category.contains(c))
                    });
                !(requires_ok && category_ok)
            })
            .collect();
        if drop.is_empty() {
            // The most confident detected technologies exclude first; an excluded one excludes nothing.
            let mut order: Vec<usize> = total.keys().copied().filter(|&t| detected(t)).collect();
            order.sort_by(|&a, &b| total[&b].cmp(&total[&a]).then_with(|| d.techs[a].name.cmp(&d.techs[b].name)));
            let mut excluded = vec![false; d.techs.len()];
            for t in order {
                if excluded[t] {
                    continue;
                }
                for &x in &d.techs[t].excludes {
                    if total.contains_key(&x) {
                        excluded[x] = true;
                    }
                }
            }
            drop = (0..d.techs.len()).filter(|&t| excluded[t]).collect();
        }
        if drop.is_empty() {
            break (total, implied_from);
        }
        for t in drop {
            removed[t] = true;
        }
    };

    let mut by_tech: BTreeMap<usize, Vec<&Hit>> = BTreeMap::new();
    for h in &hits {
        by_tech.entry(d.patterns[h.pattern as usize].tech).or_default().push(h);
    }
    let mut out = Vec::new();
    for (&t, &confidence) in &total {
        if confidence == 0 {
            continue;
        }
        let tech = &d.techs[t];
        let confidence = confidence.min(100) as u8;
        let mut tech_hits = by_tech.remove(&t).unwrap_or_default();
        tech_hits
            .sort_by_key(|h| (h.strength, std::cmp::Reverse(d.patterns[h.pattern as usize].rule.pattern.confidence)));
        let version = tech_hits
            .iter()
            .filter(|h| h.strength != Strength::Mention)
            .filter_map(|h| h.version.as_deref())
            .max_by(|a, b| version_cmp(a, b))
            .map(str::to_string);
        let mut seen = std::collections::HashSet::new();
        let mut evidence: Vec<Evidence> = tech_hits
            .into_iter()
            .filter(|h| seen.insert((h.pattern, h.page.clone())))
            .take(MAX_EVIDENCE)
            .map(|h| {
                let rule = &d.patterns[h.pattern as usize].rule;
                Evidence {
                    kind: rule.kind,
                    key: rule.key.clone(),
                    pattern: rule.pattern.source.clone(),
                    snippet: h.snippet.clone(),
                    page: h.page.to_string(),
                    strength: h.strength,
                    confidence: contribution(h.strength, rule.pattern.confidence),
                }
            })
            .collect();
        for (&(from, to), &c) in &implied_from {
            if to == t && c > 0 {
                let name = &d.techs[from].name;
                evidence.push(Evidence {
                    kind: Kind::Implied,
                    key: Some(name.clone()),
                    pattern: format!("implied by {name}"),
                    snippet: String::new(),
                    page: String::new(),
                    strength: Strength::Implied,
                    confidence: c.min(100) as u8,
                });
            }
        }
        out.push(Detection {
            name: tech.name.clone(),
            categories: tech.categories.clone(),
            version,
            confidence,
            status: if confidence >= DETECTED_AT { Status::Detected } else { Status::Possible },
            website: tech.website.clone(),
            source: tech.source.clone(),
            evidence,
        });
    }
    out.sort_by(|a, b| {
        (a.status != Status::Detected)
            .cmp(&(b.status != Status::Detected))
            .then(b.confidence.cmp(&a.confidence))
            .then_with(|| a.name.cmp(&b.name))
    });
    Detections { technologies: out }
}

/// Each live technology's confidence with implications propagated (capped at 100), and what each
/// `(implier, implied)` edge carried.
fn totals(
    d: &Detector,
    direct: &HashMap<usize, u32>,
    removed: &[bool],
) -> (BTreeMap<usize, u32>, BTreeMap<(usize, usize), u32>) {
    let mut total: BTreeMap<usize, u32> =
        direct.iter().filter(|(t, c)| !removed[**t] && **c > 0).map(|(&t, &c)| (t, c.min(100))).collect();
    let mut from: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for _ in 0..MAX_IMPLY_ROUNDS {
        let mut changed = false;
        let live: Vec<(usize, u32)> = total.iter().map(|(&t, &c)| (t, c)).collect();
        for (t, c) in live {
            for &(i, ic) in &d.techs[t].implies {
                if removed[i] {
                    continue;
                }
                let carried = c * u32::from(ic) / 100;
                if from.get(&(t, i)) != Some(&carried) {
                    from.insert((t, i), carried);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        let mut next: BTreeMap<usize, u32> =
            direct.iter().filter(|(t, c)| !removed[**t] && **c > 0).map(|(&t, &c)| (t, c)).collect();
        for (&(_, i), &c) in &from {
            *next.entry(i).or_insert(0) += c;
        }
        for c in next.values_mut() {
            *c = (*c).min(100);
        }
        next.retain(|_, c| *c > 0);
        total = next;
    }
    (total, from)
}
