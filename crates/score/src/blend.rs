//! A lead's scores: the rules score, any named scores (one per product or segment, each from a model or
//! its own rule set) and the final score that blends them with configured weights.
//!
//! The final score is `Σ weightᵢ · scoreᵢ / Σ weightᵢ` over the scores that could be computed (0–100 each:
//! a classifier's probability × 100, a rule set's score), tiered by the rules' thresholds; a failed gate
//! keeps the lead FAILED whatever the blend says. Without named scores a lead's score is the rules score.
//!
//! Scoring a lead runs model inference: callers on an async runtime run [`Scoring::score`] on a blocking
//! pool.

use std::collections::BTreeMap;
use std::path::PathBuf;

use leadsmith_core::{Cell, LeadRecord, NamedScore, ScoreBreakdown, Tier};
use leadsmith_model::manifest::FeatureType;
use leadsmith_model::scorer::OpenError;
use leadsmith_model::{Objective, ScoringModel};
use serde_json::Value;

use crate::{Features, Rules, RulesError, feature_info};

/// What to blend: the rules score's weight, the reasons kept per score and the named scores (checked by
/// the caller's settings; see the app's `[scoring]` section).
#[derive(Debug, Clone)]
pub struct BlendSpec {
    pub rules_weight: f64,
    pub reasons: usize,
    pub scores: Vec<NamedSpec>,
}

/// One named score.
#[derive(Debug, Clone)]
pub struct NamedSpec {
    pub name: String,
    /// Its weight in the final score; 0 carries the score without blending it.
    pub weight: f64,
    pub source: Source,
}

/// What computes a named score.
#[derive(Debug, Clone)]
pub enum Source {
    /// A model file and its manifest (default: MODEL.manifest.json beside it, else the model's names).
    Model { path: PathBuf, manifest: Option<PathBuf> },
    /// A rules file of its own.
    Rules(PathBuf),
}

/// A named score whose file does not load.
#[derive(Debug, thiserror::Error)]
pub enum BlendError {
    #[error("scoring.score {name:?}: {source}")]
    Model { name: String, source: Box<OpenError> },
    #[error("scoring.score {name:?}: rules: {source}")]
    Rules { name: String, source: Box<RulesError> },
}

enum By {
    Rules(Rules),
    Model(ScoringModel),
}

struct Named {
    name: String,
    weight: f64,
    by: By,
}

/// Everything a lead is scored with, built once.
pub struct Scoring {
    pub rules: Rules,
    rules_weight: f64,
    reasons: usize,
    named: Vec<Named>,
}

impl Scoring {
    /// The rules alone, weight 1.
    pub fn rules_only(rules: Rules) -> Self {
        Self { rules, rules_weight: 1.0, reasons: 3, named: Vec::new() }
    }

    /// Loads every named score's model or rules; a file that does not load is an error naming the score.
    pub fn load(rules: Rules, spec: &BlendSpec) -> Result<Self, BlendError> {
        let mut named = Vec::with_capacity(spec.scores.len());
        for s in &spec.scores {
            let by = match &s.source {
                Source::Model { path, manifest } => By::Model(
                    ScoringModel::open(path, manifest.as_deref())
                        .map_err(|e| BlendError::Model { name: s.name.clone(), source: Box::new(e) })?,
                ),
                Source::Rules(path) => By::Rules(
                    Rules::from_path(path)
                        .map_err(|e| BlendError::Rules { name: s.name.clone(), source: Box::new(e) })?,
                ),
            };
            named.push(Named { name: s.name.clone(), weight: s.weight, by });
        }
        Ok(Self { rules, rules_weight: spec.rules_weight, reasons: spec.reasons, named })
    }

    /// Model features no lead feature provides: they must come from imported columns, or their
    /// manifest default applies (shown by `config check`).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for n in &self.named {
            if let By::Model(m) = &n.by {
                let outside: Vec<&str> =
                    m.features().iter().map(|f| f.name.as_str()).filter(|f| feature_info(f).is_none()).collect();
                if !outside.is_empty() {
                    out.push(format!(
                        "score {:?}: model features that are not lead features, read from imported columns of the \
                         same name: {}",
                        n.name,
                        outside.join(", ")
                    ));
                }
            }
        }
        out
    }

    /// One line per score: name, weight and what computes it.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![format!("rules  weight {}  rules {}", self.rules_weight, self.rules.origin())];
        for n in &self.named {
            let by = match &n.by {
                By::Rules(r) => format!("rules {}", r.origin()),
                By::Model(m) => format!("model {} from {}", m.describe(), m.path.display()),
            };
            out.push(format!("{}  weight {}  {by}", n.name, n.weight));
        }
        out
    }

    /// Scores a lead whose features are `features`; model features not among them are read from the
    /// lead's imported extra columns.
    pub fn score(&self, lead: &LeadRecord, features: &Features) -> ScoreBreakdown {
        let vertical = lead.input.vertical.as_deref();
        let mut breakdown = self.rules.score(features, vertical);
        if self.named.is_empty() {
            return breakdown;
        }
        let inputs = model_inputs(lead, features);
        let mut scores = Vec::with_capacity(self.named.len() + 1);
        scores.push(NamedScore {
            name: "rules".into(),
            by: format!("rules {}", breakdown.rules),
            score: Some(breakdown.score),
            probability: None,
            bucket: None,
            tier: breakdown.tier.to_string(),
            weight: self.rules_weight,
            reasons: breakdown.top_reasons(self.reasons),
            error: None,
        });
        for n in &self.named {
            scores.push(match &n.by {
                By::Rules(rules) => {
                    let b = rules.score(features, vertical);
                    NamedScore {
                        name: n.name.clone(),
                        by: format!("rules {}", b.rules),
                        score: Some(b.score),
                        probability: None,
                        bucket: None,
                        tier: b.tier.to_string(),
                        weight: n.weight,
                        reasons: b.top_reasons(self.reasons),
                        error: None,
                    }
                }
                By::Model(model) => self.model_score(n, model, &inputs),
            });
        }
        let (sum, weights) = scores
            .iter()
            .filter_map(|s| s.score.map(|x| (x * s.weight, s.weight)))
            .fold((0.0, 0.0), |(a, b), (x, w)| (a + x, b + w));
        // With nothing blendable (every weighted model failed and the rules weigh 0) the rules score stands.
        if weights > 0.0 {
            breakdown.score = (sum / weights * 10.0).round() / 10.0;
            // What the rules score misses lifts the final score by the rules' share of it.
            let share = self.rules_weight / weights;
            breakdown.gains = std::mem::take(&mut breakdown.gains)
                .into_iter()
                .map(|g| g.scaled(share))
                .filter(|g| g.points > 0.0)
                .collect();
            if breakdown.tier != Tier::Failed {
                breakdown.tier = self.rules.tier_for(breakdown.score, features, vertical);
            }
        }
        breakdown.scores = scores;
        breakdown
    }

    fn model_score(&self, n: &Named, model: &ScoringModel, inputs: &BTreeMap<String, Value>) -> NamedScore {
        let mut out = NamedScore {
            name: n.name.clone(),
            by: format!("model {}", model.describe()),
            score: None,
            probability: None,
            bucket: None,
            tier: "-".into(),
            weight: n.weight,
            reasons: Vec::new(),
            error: None,
        };
        let row = match model.row_from(&coerced(model, inputs)) {
            Ok(row) => row,
            Err(errors) => {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                out.error = Some(list.join("; "));
                return out;
            }
        };
        let scored = model.score(&row);
        match model.objective() {
            Objective::Probability => {
                out.probability = Some(scored.value);
                out.score = Some(round1(scored.value * 100.0));
            }
            Objective::Regression => out.score = Some(round1(scored.value.clamp(0.0, 100.0))),
        }
        if let Some(shown) = scored.shown {
            out.bucket = shown.bucket;
            out.tier = shown.tier;
        }
        out.reasons = model.reasons(&row, self.reasons).iter().map(ToString::to_string).collect();
        out
    }
}

/// Lead features are typed by leadsmith, not by the model's authors: a yes/no feature feeds a numeric model
/// feature as 1/0, and a lead feature that is absent (unknown for this lead, by design) is a missing value.
/// An imported column a lead lacks stays absent: required unless the manifest gives a default.
fn coerced(model: &ScoringModel, inputs: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for spec in model.features() {
        if !inputs.contains_key(&spec.name) && feature_info(&spec.name).is_some() {
            out.insert(spec.name.clone(), Value::Null);
        }
        if let Some(v) = inputs.get(&spec.name) {
            let v = match (spec.kind, v) {
                (FeatureType::Number | FeatureType::Integer, Value::Bool(b)) => Value::from(u8::from(*b)),
                _ => v.clone(),
            };
            out.insert(spec.name.clone(), v);
        }
    }
    out
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A lead's model inputs: its features, then imported extra columns (numbers and true/false) under
/// their column names for whatever the features do not cover.
fn model_inputs(lead: &LeadRecord, features: &Features) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Value> = features.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (k, v) in &lead.input.extra {
        if out.contains_key(k) {
            continue;
        }
        match Cell::parse(v) {
            Cell::Empty => {}
            cell => {
                out.insert(k.clone(), cell.to_json());
            }
        }
    }
    out
}
