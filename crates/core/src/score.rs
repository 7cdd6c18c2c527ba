//! Scores, tiers and the breakdown that says which factor gave which points.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tier {
    A,
    B,
    C,
    D,
    /// A gate failed (for example the site was unreachable): the lead is not worth contacting as is.
    #[serde(rename = "FAILED")]
    Failed,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "A" => Some(Self::A),
            "B" => Some(Self::B),
            "C" => Some(Self::C),
            "D" => Some(Self::D),
            "FAILED" => Some(Self::Failed),
            _ => None,
        }
    }

    /// A tier as a user wrote it (any case), or an error naming the valid ones.
    pub fn parse_named(s: &str) -> Result<Self, String> {
        Self::parse(s).ok_or_else(|| format!("unknown tier {:?}: the tiers are A, B, C, D and FAILED", s.trim()))
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One weighted component of a score: its own 0–100 value and what it adds to the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentScore {
    pub name: String,
    pub weight: f64,
    /// The component's own score, 0–100.
    pub score: f64,
    /// `weight × score`: its share of the total.
    pub contribution: f64,
    /// The factors' points before the component was held to 0–100, when they fell outside it (`135`: the
    /// component is capped at 100 and 35 points count for nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncapped: Option<f64>,
}

/// A factor whose condition did not hold, and what it would add to the final score if it did (its points,
/// as far as its component has room below 100, times the component's weight).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gain {
    pub component: String,
    pub factor: String,
    /// The factor in words: `has a named owner`.
    pub what: String,
    /// Final-score points it would add, at most, to one decimal.
    pub points: f64,
}

impl Gain {
    /// In words: `missing: has a named owner (up to +7.5)`.
    pub fn reason(&self) -> String {
        format!("missing: {} (up to +{})", self.what, self.points)
    }

    /// The gain when the score it lifts is `share` of the final score (a blend).
    pub fn scaled(mut self, share: f64) -> Self {
        self.points = (self.points * share * 10.0).round() / 10.0;
        self
    }
}

/// A factor whose condition held, and the points it gave its component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorHit {
    pub component: String,
    pub factor: String,
    pub points: f64,
    /// In words: `has_email exists (+20)`.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreBreakdown {
    /// 0–100.
    pub score: f64,
    pub tier: Tier,
    /// The gate that failed, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gate: Option<String>,
    pub components: Vec<ComponentScore>,
    pub factors: Vec<FactorHit>,
    /// Which rules produced this score (`default` or a file path) and the vertical override applied.
    pub rules: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vertical: Option<String>,
    /// Every named score the lead carries (the rules' own as `rules`, then each configured model or rule
    /// set), with its weight in the final `score`. Empty when only the rules score: then `score` is theirs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<NamedScore>,
    /// What the lead lacks that would raise its score most, largest gain first (a few at most).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gains: Vec<Gain>,
}

/// One named score of a lead (one per product or segment, each from a model or a rule set), and its
/// share of the final score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedScore {
    pub name: String,
    /// What produced it: `rules default`, `rules path/to.yaml`, `model NAME VERSION (format)`.
    pub by: String,
    /// 0–100 (a model's probability × 100). Absent when it could not be computed (see `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// A classifier's probability, as the model (and its calibration) gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<u8>,
    pub tier: String,
    /// Its weight in the final score; 0 for a score carried but not blended.
    pub weight: f64,
    /// The top reasons in words, largest effect first.
    #[serde(default)]
    pub reasons: Vec<String>,
    /// Why there is no score (a feature the model needs is missing or out of range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ScoreBreakdown {
    /// The factors that gave the most points, in words, best first.
    pub fn top_reasons(&self, n: usize) -> Vec<String> {
        let mut hits: Vec<&FactorHit> = self.factors.iter().collect();
        hits.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));
        let mut out: Vec<String> = self.gate.iter().map(|g| format!("gate: {g}")).collect();
        out.extend(hits.into_iter().take(n).map(|h| h.reason.clone()));
        out.truncate(n.max(1));
        out
    }
}
