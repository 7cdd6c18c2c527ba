//! The owner's likely address: the local-part pattern a business uses (`first.last@`, `flast@`, …), learnt
//! from personal addresses found on its site whose people are named there too, applied to the owner's
//! name. Always an inference, never a verified address: the confidence says how many examples agree.

use serde::{Deserialize, Serialize};

/// The patterns tried, most common first (ties in the examples go to the earlier one).
const PATTERNS: &[&str] = &[
    "first.last",
    "first",
    "flast",
    "firstlast",
    "f.last",
    "first_last",
    "first-last",
    "last",
    "firstl",
    "last.first",
    "lastf",
];

/// An inferred address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inferred {
    pub address: String,
    /// `first.last`, `flast`, …
    pub pattern: String,
    /// 0–1: the share of examples that follow the pattern, discounted when there are few.
    pub confidence: f64,
    /// How many examples the pattern was learnt from, and how many follow it.
    pub examples: usize,
    pub agreeing: usize,
    /// Always true: this address was made up from a pattern, not seen or checked.
    pub inferred: bool,
}

/// A name's parts for addresses: lower case, accents folded (`Jörg` → `joerg` and `jorg` both tried), only
/// letters.
fn spellings(part: &str) -> Vec<String> {
    let lower = part.to_lowercase();
    let german: String = lower
        .chars()
        .flat_map(|c| match c {
            'ä' => vec!['a', 'e'],
            'ö' => vec!['o', 'e'],
            'ü' => vec!['u', 'e'],
            'ß' => vec!['s', 's'],
            c => vec![c],
        })
        .filter(char::is_ascii_alphabetic)
        .collect();
    let plain: String = lower.chars().map(fold).filter(char::is_ascii_alphabetic).collect();
    let mut out = vec![plain];
    if !out.contains(&german) {
        out.push(german);
    }
    out.retain(|s| !s.is_empty());
    out
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        c => c,
    }
}

/// `first` and `last` of a person's name (middle names dropped); `None` for a single word.
fn first_last(name: &str) -> Option<(&str, &str)> {
    let words: Vec<&str> = name.split_whitespace().collect();
    (words.len() >= 2).then(|| (words[0], words[words.len() - 1]))
}

fn apply(pattern: &str, first: &str, last: &str) -> String {
    let f = &first[..first.chars().next().map_or(0, char::len_utf8)];
    let l = &last[..last.chars().next().map_or(0, char::len_utf8)];
    match pattern {
        "first.last" => format!("{first}.{last}"),
        "first" => first.to_string(),
        "flast" => format!("{f}{last}"),
        "firstlast" => format!("{first}{last}"),
        "f.last" => format!("{f}.{last}"),
        "first_last" => format!("{first}_{last}"),
        "first-last" => format!("{first}-{last}"),
        "last" => last.to_string(),
        "firstl" => format!("{first}{l}"),
        "last.first" => format!("{last}.{first}"),
        _ => format!("{last}{f}"),
    }
}

/// The patterns `local` follows for the person `name`.
fn patterns_of(local: &str, name: &str) -> Vec<&'static str> {
    let Some((first, last)) = first_last(name) else { return Vec::new() };
    let local = local.to_lowercase();
    PATTERNS
        .iter()
        .copied()
        .filter(|p| spellings(first).iter().any(|f| spellings(last).iter().any(|l| apply(p, f, l) == local)))
        .collect()
}

/// Whether `local` (an address's local part) is made from the person `name` by one of the patterns.
pub fn fits(local: &str, name: &str) -> bool {
    !patterns_of(local, name).is_empty()
}

/// The owner's likely address at `domain`, from `examples` (a person's name and their address found on the
/// site, any domain: only those at `domain` count). `None` without an example that fits a pattern.
pub fn infer_address(owner: &str, domain: &str, examples: &[(String, String)]) -> Option<Inferred> {
    let (first, last) = first_last(owner)?;
    let domain = domain.to_ascii_lowercase();
    let learnt: Vec<Vec<&'static str>> = examples
        .iter()
        .filter_map(|(name, address)| {
            let (local, d) = address.rsplit_once('@')?;
            (d.eq_ignore_ascii_case(&domain) && first_last(name).is_some()).then(|| patterns_of(local, name))
        })
        .collect();
    let examples_n = learnt.len();
    let (pattern, agreeing) = PATTERNS
        .iter()
        .map(|p| (*p, learnt.iter().filter(|ps| ps.contains(p)).count()))
        .filter(|(_, n)| *n > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| rank(b.0).cmp(&rank(a.0))))?;
    let share = agreeing as f64 / examples_n as f64;
    // One example is a hint, three agreeing ones a habit.
    let support = 1.0 - 0.5_f64.powi(agreeing as i32);
    let confidence = (share * support * 0.9 * 100.0).round() / 100.0;
    // `Jörg Weiß` → `joerg.weiss`, as German-speaking businesses write umlauts in addresses.
    let (f, l) = (spellings(first).into_iter().last()?, spellings(last).into_iter().last()?);
    Some(Inferred {
        address: format!("{}@{domain}", apply(pattern, &f, &l)),
        pattern: pattern.to_string(),
        confidence,
        examples: examples_n,
        agreeing,
        inferred: true,
    })
}

fn rank(pattern: &str) -> usize {
    PATTERNS.iter().position(|p| *p == pattern).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, a)| (n.to_string(), a.to_string())).collect()
    }

    #[test]
    fn the_sites_pattern_is_applied_to_the_owner() {
        let examples = ex(&[("Anna Schmidt", "anna.schmidt@acme.test"), ("Tom Baker", "tom.baker@acme.test")]);
        let got = infer_address("Jörg Weiß", "acme.test", &examples).unwrap();
        assert_eq!(
            (got.address.as_str(), got.pattern.as_str(), got.inferred),
            ("joerg.weiss@acme.test", "first.last", true)
        );
        assert_eq!((got.examples, got.agreeing), (2, 2));
        let flast = ex(&[
            ("Anna Schmidt", "aschmidt@acme.test"),
            ("Tom Baker", "tbaker@acme.test"),
            ("Li Wu", "lwu@acme.test"),
        ]);
        let got = infer_address("Mary Jo Bennett", "acme.test", &flast).unwrap();
        assert_eq!((got.address.as_str(), got.pattern.as_str()), ("mbennett@acme.test", "flast"));
        assert!(got.confidence > infer_address("Mary Bennett", "acme.test", &flast[..1]).unwrap().confidence);
    }

    #[test]
    fn umlauts_match_either_spelling_and_disagreement_lowers_confidence() {
        let examples = ex(&[("Jürgen Krüger", "juergen.krueger@acme.test"), ("Li Wu", "li@acme.test")]);
        let got = infer_address("Lena Becker", "acme.test", &examples).unwrap();
        assert_eq!(got.agreeing, 1);
        assert!(got.confidence < 0.5, "{got:?}");
    }

    #[test]
    fn no_inference_without_fitting_examples() {
        assert_eq!(infer_address("Lena Becker", "acme.test", &[]), None);
        let other_domain = ex(&[("Anna Schmidt", "anna.schmidt@gmail.com")]);
        assert_eq!(infer_address("Lena Becker", "acme.test", &other_domain), None);
        let roles = ex(&[("Anna Schmidt", "info@acme.test")]);
        assert_eq!(infer_address("Lena Becker", "acme.test", &roles), None);
        assert_eq!(infer_address("Cher", "acme.test", &ex(&[("Anna Schmidt", "anna@acme.test")])), None);
    }
}
