//! Why a rules file was refused: every error names the file (or `default`) and the place in it, and
//! suggests the name that was probably meant.

use std::fmt;

use super::RulesFormat;

/// A rules file that could not be read, parsed or validated. Every message starts with the file's path
/// (or `default`) and names the component, factor, gate or vertical at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RulesError {
    #[error("reading rules file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: unknown rules format (name the file .yaml, .yml or .toml)")]
    UnknownFormat { path: String },

    /// The text is not valid YAML/TOML, or does not have the shape of a rules file (unknown key, wrong type).
    #[error("{origin}{loc}: invalid {format} rules: {message}", loc = location(*.line, *.column))]
    Parse {
        origin: String,
        format: RulesFormat,
        /// 1-based, when the parser knows it.
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },

    #[error("{origin}: unsupported rules version {version} (this leadsmith reads version 1)")]
    UnsupportedVersion { origin: String, version: u64 },

    #[error("{origin}: no components: a rules file needs at least one weighted component")]
    NoComponents { origin: String },

    #[error("{origin}: component `{component}` has no factors")]
    EmptyComponent { origin: String, component: String },

    #[error("{origin}: {scope}: weight of `{component}` is {weight}, not between 0 and 1", weight = Num(*.weight))]
    WeightOutOfRange { origin: String, scope: String, component: String, weight: f64 },

    /// `terms` lists each weight: `contactability 0.35 + decision_maker 0.25 + …`.
    #[error("{origin}: {scope} weights sum to {sum}, not 1 ({terms})", sum = Num(*.sum))]
    WeightSum { origin: String, scope: String, sum: f64, terms: String },

    #[error("{origin}: {scope}: {message}")]
    Tiers { origin: String, scope: String, message: String },

    #[error("{origin}: vertical `{vertical}` overrides unknown component `{component}`{hint}", hint = Hint(.suggestion))]
    UnknownComponent { origin: String, vertical: String, component: String, suggestion: Option<String> },

    #[error("{origin}: {place}: unknown condition operator `{operator}`{hint}", hint = Hint(.suggestion))]
    UnknownOperator { origin: String, place: String, operator: String, suggestion: Option<String> },

    #[error("{origin}: {place}: unknown feature `{feature}`{hint}", hint = Hint(.suggestion))]
    UnknownFeature { origin: String, place: String, feature: String, suggestion: Option<String> },

    #[error("{origin}: {place}: invalid regex {pattern:?}: {message}")]
    InvalidRegex { origin: String, place: String, pattern: String, message: String },

    /// A condition of the wrong shape or type: `gt: "3"`, `in: []`, `regex` on a number feature, ….
    #[error("{origin}: {place}: {message}")]
    InvalidCondition { origin: String, place: String, message: String },

    #[error("{origin}: {scope}: factor `{factor}` appears twice in component `{component}`")]
    DuplicateFactor { origin: String, scope: String, component: String, factor: String },

    /// Anything else that is wrong with a named part: a duplicate gate, a gate tier other than FAILED,
    /// a vertical match shared by two verticals, non-finite points.
    #[error("{origin}: {place}: {message}")]
    Invalid { origin: String, place: String, message: String },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// ` (did you mean `x`?)`, or nothing.
struct Hint<'a>(&'a Option<String>);

impl fmt::Display for Hint<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(s) => write!(f, " (did you mean `{s}`?)"),
            None => Ok(()),
        }
    }
}

/// A number as people write it: `0.35`, `1`, `-10`, `2.5` — no float noise such as `0.9500000000000001`.
pub(crate) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = (self.0 * 1e6).round() / 1e6;
        if rounded == 0.0 {
            // Avoid printing `-0`.
            return f.write_str("0");
        }
        let text = format!("{rounded:.6}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        f.write_str(text)
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let word_lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(&word_lower, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_float_noise() {
        assert_eq!(Num(0.35 + 0.25 + 0.2 + 0.15).to_string(), "0.95");
        assert_eq!(Num(1.0).to_string(), "1");
        assert_eq!(Num(-10.0).to_string(), "-10");
        assert_eq!(Num(2.5).to_string(), "2.5");
        assert_eq!(Num(-0.0000001).to_string(), "0");
    }

    #[test]
    fn suggestions_find_near_misses_only() {
        let names = ["has_email", "has_phone", "site_reachable"];
        assert_eq!(did_you_mean("has_emial", names).as_deref(), Some("has_email"));
        assert_eq!(did_you_mean("Site_Reachable", names).as_deref(), Some("site_reachable"));
        assert_eq!(did_you_mean("revenue", names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
