//! Rules: a YAML or TOML file of weighted components, factors with real conditions, gates, tiers and
//! vertical overrides — parsed and validated once, then used to score any number of leads.
//!
//! Scoring: a factor whose condition holds adds its points (which may be negative) to its component; a
//! component's score is that sum clamped to 0–100; the lead's score is Σ weight × component score, rounded
//! to one decimal, and its tier comes from the thresholds. A gate whose condition holds makes the tier
//! `FAILED` but keeps the score and breakdown, so a lead that fails only because its site was down still
//! shows what its data is worth; order by tier, then score.

mod build;
mod condition;
mod error;
mod raw;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;

use leadsmith_core::{ComponentScore, FactorHit, Gain, ScoreBreakdown, Tier};

use self::condition::Condition;
use self::error::Num;
pub use self::error::RulesError;
use crate::features::Features;

/// The shipped rules, used when no rules file is given.
const DEFAULT_SOURCE: &str = include_str!("../../rules/default.yaml");

static DEFAULT_RULES: LazyLock<Rules> = LazyLock::new(|| {
    Rules::parse(DEFAULT_SOURCE, RulesFormat::Yaml, "default")
        .unwrap_or_else(|e| panic!("the shipped default rules are invalid: {e}"))
});

/// The syntax of a rules file; both express the same structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RulesFormat {
    Yaml,
    Toml,
}

impl RulesFormat {
    /// The format a file's extension names: `.yaml`/`.yml` or `.toml` (any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Self::Yaml),
            "toml" => Some(Self::Toml),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Yaml => "YAML",
            Self::Toml => "TOML",
        }
    }
}

impl fmt::Display for RulesFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RulesFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "yaml" | "yml" => Ok(Self::Yaml),
            "toml" => Ok(Self::Toml),
            other => Err(format!("unknown rules format {other:?} (yaml or toml)")),
        }
    }
}

/// Validated, compiled scoring rules.
#[derive(Debug, Clone)]
pub struct Rules {
    origin: String,
    description: Option<String>,
    base: Profile,
    verticals: Vec<Vertical>,
}

/// Everything one lead is scored with: the base rules, or the base merged with a vertical override.
#[derive(Debug, Clone)]
struct Profile {
    tiers: Tiers,
    gates: Vec<Gate>,
    components: Vec<Component>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Tiers {
    a: f64,
    b: f64,
    c: f64,
}

impl Tiers {
    fn tier(&self, score: f64) -> Tier {
        if score >= self.a {
            Tier::A
        } else if score >= self.b {
            Tier::B
        } else if score >= self.c {
            Tier::C
        } else {
            Tier::D
        }
    }
}

#[derive(Debug, Clone)]
struct Gate {
    name: String,
    when: Condition,
}

#[derive(Debug, Clone)]
struct Component {
    name: String,
    weight: f64,
    factors: Vec<Factor>,
}

#[derive(Debug, Clone)]
struct Factor {
    name: String,
    description: Option<String>,
    when: Condition,
    points: f64,
}

impl Factor {
    /// `has a personal email (+20)`, or the condition in words when the factor has no description.
    fn reason(&self) -> String {
        let sign = if self.points < 0.0 { "" } else { "+" };
        format!("{} ({sign}{})", self.words(), Num(self.points))
    }

    fn words(&self) -> String {
        self.description.clone().unwrap_or_else(|| self.when.to_string())
    }
}

/// How many gains a breakdown keeps: enough to say what would lift the lead, few enough to read.
const GAINS_KEPT: usize = 5;

#[derive(Debug, Clone)]
struct Vertical {
    name: String,
    /// Normalised lead verticals this override applies to, its own name first.
    matches: Vec<String>,
    profile: Profile,
}

/// Lower case, single spaces, `_` and `-` read as spaces: `Law_Firms` and `law  firms` are the same.
fn normalize_vertical(s: &str) -> String {
    s.to_lowercase().replace(['_', '-'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let m = 10f64.powi(decimals);
    (x * m).round() / m
}

impl Rules {
    /// The shipped rules (`crates/score/rules/default.yaml`), parsed once per process.
    pub fn default_rules() -> Rules {
        DEFAULT_RULES.clone()
    }

    /// The shipped rules file's text, comments included (for `leadsmith rules show-default`).
    pub fn default_source() -> &'static str {
        DEFAULT_SOURCE
    }

    /// Reads a rules file; `.yaml`/`.yml` or `.toml` by extension.
    pub fn from_path(path: &Path) -> Result<Rules, RulesError> {
        let shown = path.display().to_string();
        let format = RulesFormat::from_path(path).ok_or_else(|| RulesError::UnknownFormat { path: shown.clone() })?;
        let text = std::fs::read_to_string(path).map_err(|source| RulesError::Io { path: shown.clone(), source })?;
        Self::parse(&text, format, &shown)
    }

    /// Parses and validates rules text. `origin` (a path, or `default`) starts every error message and is
    /// recorded in each [`ScoreBreakdown::rules`].
    pub fn parse(text: &str, format: RulesFormat, origin: &str) -> Result<Rules, RulesError> {
        let raw: raw::RawRules = match format {
            RulesFormat::Yaml => serde_yaml_ng::from_str(text).map_err(|e| {
                let loc = e.location();
                RulesError::Parse {
                    origin: origin.into(),
                    format,
                    line: loc.as_ref().map(|l| l.line()),
                    column: loc.as_ref().map(|l| l.column()),
                    message: strip_yaml_location(&e.to_string()),
                }
            })?,
            RulesFormat::Toml => toml::from_str(text).map_err(|e| {
                let (line, column) = e.span().map(|s| line_column(text, s.start)).unzip();
                RulesError::Parse { origin: origin.into(), format, line, column, message: one_line(e.message()) }
            })?,
        };
        build::build(raw, origin)
    }

    /// Where these rules came from: a file path, or `default`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The file's own top-level `description`, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Component names in file order.
    pub fn component_names(&self) -> Vec<&str> {
        self.base.components.iter().map(|c| c.name.as_str()).collect()
    }

    /// Vertical override names in file order.
    pub fn vertical_names(&self) -> Vec<&str> {
        self.verticals.iter().map(|v| v.name.as_str()).collect()
    }

    /// Every feature the rules reference, in gates, factors and vertical overrides.
    pub fn feature_names(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for profile in std::iter::once(&self.base).chain(self.verticals.iter().map(|v| &v.profile)) {
            for gate in &profile.gates {
                gate.when.collect_features(&mut out);
            }
            for factor in profile.components.iter().flat_map(|c| &c.factors) {
                factor.when.collect_features(&mut out);
            }
        }
        out
    }

    /// The vertical override for a lead's vertical: an exact match (`dental`) first, else the first
    /// override, in file order, one of whose matches appears as whole words in it (`family dental clinic`).
    fn vertical_for(&self, vertical: &str) -> Option<&Vertical> {
        let wanted = normalize_vertical(vertical);
        if wanted.is_empty() {
            return None;
        }
        if let Some(v) = self.verticals.iter().find(|v| v.matches.contains(&wanted)) {
            return Some(v);
        }
        let words: Vec<&str> = wanted.split(' ').collect();
        self.verticals.iter().find(|v| {
            v.matches.iter().any(|m| {
                let m_words: Vec<&str> = m.split(' ').collect();
                words.windows(m_words.len()).any(|w| w == m_words.as_slice())
            })
        })
    }

    /// Scores a lead. `vertical` picks the override (falling back to the `vertical` feature); leads whose
    /// vertical matches no override use the base rules.
    pub fn score(&self, features: &Features, vertical: Option<&str>) -> ScoreBreakdown {
        let applied = vertical.or_else(|| features.vertical()).and_then(|v| self.vertical_for(v));
        let profile = applied.map_or(&self.base, |v| &v.profile);

        let mut total = 0.0;
        let mut components = Vec::with_capacity(profile.components.len());
        let mut hits = Vec::new();
        let mut gains = Vec::new();
        for component in &profile.components {
            let mut points = 0.0;
            let mut missed = Vec::new();
            for factor in &component.factors {
                if factor.when.eval(features) {
                    points += factor.points;
                    hits.push(FactorHit {
                        component: component.name.clone(),
                        factor: factor.name.clone(),
                        points: factor.points,
                        reason: factor.reason(),
                    });
                } else if factor.points > 0.0 {
                    missed.push(factor);
                }
            }
            let score = round_to(points.clamp(0.0, 100.0), 6);
            // A missed factor can lift its component only as far as 100; the final score gains that × weight.
            for factor in missed {
                let gain = round_to(component.weight * factor.points.min(100.0 - score), 1);
                if gain > 0.0 {
                    gains.push(Gain {
                        component: component.name.clone(),
                        factor: factor.name.clone(),
                        what: factor.words(),
                        points: gain,
                    });
                }
            }
            total += component.weight * score;
            components.push(ComponentScore {
                name: component.name.clone(),
                weight: component.weight,
                score,
                contribution: round_to(component.weight * score, 2),
                uncapped: (!(0.0..=100.0).contains(&points)).then(|| round_to(points, 6)),
            });
        }
        gains.sort_by(|a, b| b.points.total_cmp(&a.points));
        gains.truncate(GAINS_KEPT);

        let score = round_to(total.clamp(0.0, 100.0), 1);
        let gate = profile.gates.iter().find(|g| g.when.eval(features));
        let tier = if gate.is_some() { Tier::Failed } else { profile.tiers.tier(score) };
        ScoreBreakdown {
            score,
            tier,
            gate: gate.map(|g| g.name.clone()),
            components,
            factors: hits,
            rules: self.origin.clone(),
            vertical: applied.map(|v| v.name.clone()),
            scores: Vec::new(),
            gains,
        }
    }

    /// The tier a final (blended) score of `score` gets under the profile this lead is scored with; gates
    /// are not re-evaluated (a gated breakdown stays FAILED).
    pub fn tier_for(&self, score: f64, features: &Features, vertical: Option<&str>) -> Tier {
        let applied = vertical.or_else(|| features.vertical()).and_then(|v| self.vertical_for(v));
        applied.map_or(&self.base, |v| &v.profile).tiers.tier(score)
    }
}

impl Default for Rules {
    fn default() -> Self {
        Self::default_rules()
    }
}

/// serde_yaml_ng appends ` at line L column C`; the location is reported separately.
fn strip_yaml_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(" column ") => message[..i].to_string(),
        _ => message.to_string(),
    }
}

fn one_line(message: &str) -> String {
    message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ")
}

/// 1-based line and column (in chars) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests;
