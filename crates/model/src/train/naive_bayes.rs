//! The naive-Bayes frequency model of CRM predictive lead scoring: for each categorical field and value
//! ("industry" = "software"), how many closed leads with it were won and lost.
//!
//! A record's log-odds of being won are
//! `ln((won + α) / (lost + α)) + Σ ln(P(value | won) / P(value | lost))` over its (field, value) pairs, with
//! Laplace smoothing `P(value | won) = (won with value + α) / (won with the field + α · K)`, `K` the number of
//! distinct values the field has been seen with (likewise for lost). A value never seen (or a field never
//! seen) contributes 0. A pair repeated in a record counts each time.
//!
//! The model stores only counts and derives every probability from them when scoring, so
//! [`observe`](NaiveBayes::observe)-ing leads one by one as they close gives exactly (bit for bit) the model
//! rebuilt from the same history, in any order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{TrainError, check_history};
use crate::ModelError;

const FORMAT: &str = "leadsmith-naive-bayes";

/// Won and lost counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub won: u64,
    pub lost: u64,
}

impl Counts {
    fn add(&mut self, won: bool) {
        if won {
            self.won += 1;
        } else {
            self.lost += 1;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Field {
    /// Σ over `values`.
    totals: Counts,
    values: BTreeMap<String, Counts>,
}

/// Per (field, value) won/lost counts with Laplace smoothing.
#[derive(Debug, Clone, PartialEq)]
pub struct NaiveBayes {
    alpha: f64,
    classes: Counts,
    fields: BTreeMap<String, Field>,
}

impl Default for NaiveBayes {
    /// An empty model with α = 1.
    fn default() -> Self {
        Self { alpha: 1.0, classes: Counts::default(), fields: BTreeMap::new() }
    }
}

impl NaiveBayes {
    /// An empty model with smoothing `alpha` (> 0).
    pub fn new(alpha: f64) -> Result<Self, TrainError> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(TrainError::InvalidConfig(format!("alpha must be finite and > 0, got {alpha}")));
        }
        Ok(Self { alpha, ..Self::default() })
    }

    /// The model of a whole history of `(record, won)` examples.
    pub fn fit<F: AsRef<str>, V: AsRef<str>>(examples: &[(Vec<(F, V)>, bool)], alpha: f64) -> Result<Self, TrainError> {
        let mut model = Self::new(alpha)?;
        for (record, won) in examples {
            model.observe(record, *won);
        }
        Ok(model)
    }

    /// Adds one closed lead.
    pub fn observe<F: AsRef<str>, V: AsRef<str>>(&mut self, record: &[(F, V)], won: bool) {
        self.classes.add(won);
        for (field, value) in record {
            let field = self.fields.entry(field.as_ref().to_owned()).or_default();
            field.totals.add(won);
            field.values.entry(value.as_ref().to_owned()).or_default().add(won);
        }
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Closed leads observed.
    pub fn class_counts(&self) -> Counts {
        self.classes
    }

    /// The counts for one (field, value).
    pub fn counts(&self, field: &str, value: &str) -> Counts {
        self.fields.get(field).and_then(|f| f.values.get(value)).copied().unwrap_or_default()
    }

    /// The cold-start check: at least `need` won and `need` lost leads observed.
    pub fn check_history(&self, need: usize) -> Result<(), TrainError> {
        let count = |c: u64| usize::try_from(c).unwrap_or(usize::MAX);
        check_history(count(self.classes.won), count(self.classes.lost), need)
    }

    /// `ln((won + α) / (lost + α))`.
    pub fn prior_log_odds(&self) -> f64 {
        ((self.classes.won as f64 + self.alpha) / (self.classes.lost as f64 + self.alpha)).ln()
    }

    /// `ln(P(value | won) / P(value | lost))`, 0 for an unseen field or value.
    pub fn value_log_odds(&self, field: &str, value: &str) -> f64 {
        let Some(f) = self.fields.get(field) else { return 0.0 };
        let Some(c) = f.values.get(value) else { return 0.0 };
        let k = f.values.len() as f64;
        let p_won = (c.won as f64 + self.alpha) / (f.totals.won as f64 + self.alpha * k);
        let p_lost = (c.lost as f64 + self.alpha) / (f.totals.lost as f64 + self.alpha * k);
        (p_won / p_lost).ln()
    }

    /// The record's log-odds of being won.
    pub fn log_odds<F: AsRef<str>, V: AsRef<str>>(&self, record: &[(F, V)]) -> f64 {
        self.prior_log_odds() + record.iter().map(|(f, v)| self.value_log_odds(f.as_ref(), v.as_ref())).sum::<f64>()
    }

    /// The probability that the record is won.
    pub fn score<F: AsRef<str>, V: AsRef<str>>(&self, record: &[(F, V)]) -> f64 {
        crate::sigmoid(self.log_odds(record))
    }

    /// Each (field, value) of the record with its log-odds contribution, in record order; with
    /// [`prior_log_odds`](Self::prior_log_odds) they sum to [`log_odds`](Self::log_odds).
    pub fn contributions<F: AsRef<str>, V: AsRef<str>>(&self, record: &[(F, V)]) -> Vec<(String, String, f64)> {
        record
            .iter()
            .map(|(f, v)| (f.as_ref().to_owned(), v.as_ref().to_owned(), self.value_log_odds(f.as_ref(), v.as_ref())))
            .collect()
    }

    /// The model as JSON: `{"format": "leadsmith-naive-bayes", "version": 1, "alpha": 1.0, "won": 40,
    /// "lost": 160, "fields": {"industry": {"software": {"won": 12, "lost": 20}, ...}, ...}}`.
    pub fn to_json(&self) -> String {
        let file = NaiveBayesFile {
            format: FORMAT.into(),
            version: 1,
            alpha: self.alpha,
            won: self.classes.won,
            lost: self.classes.lost,
            fields: self.fields.iter().map(|(name, f)| (name.clone(), f.values.clone())).collect(),
        };
        serde_json::to_string_pretty(&file).expect("a naive-Bayes model serialises")
    }

    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let parse = |at: String, message: String| ModelError::Parse { format: FORMAT, at, message };
        let file: NaiveBayesFile = serde_json::from_str(text).map_err(|e| parse("$".into(), e.to_string()))?;
        if file.format != FORMAT {
            return Err(parse("format".into(), format!("expected \"{FORMAT}\", got \"{}\"", file.format)));
        }
        if file.version != 1 {
            return Err(ModelError::Unsupported { format: FORMAT, message: format!("version {}", file.version) });
        }
        let mut model = Self::new(file.alpha).map_err(|e| parse("alpha".into(), e.to_string()))?;
        model.classes = Counts { won: file.won, lost: file.lost };
        for (name, values) in file.fields {
            let mut totals = Counts::default();
            for c in values.values() {
                totals.won =
                    totals.won.checked_add(c.won).ok_or_else(|| parse(format!("fields.{name}"), "overflow".into()))?;
                totals.lost = totals
                    .lost
                    .checked_add(c.lost)
                    .ok_or_else(|| parse(format!("fields.{name}"), "overflow".into()))?;
            }
            model.fields.insert(name, Field { totals, values });
        }
        Ok(model)
    }
}

#[derive(Serialize, Deserialize)]
struct NaiveBayesFile {
    format: String,
    version: u32,
    alpha: f64,
    won: u64,
    lost: u64,
    fields: BTreeMap<String, BTreeMap<String, Counts>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_hand() {
        let examples = vec![
            (vec![("industry", "saas")], true),
            (vec![("industry", "saas")], false),
            (vec![("industry", "retail")], false),
            (vec![("industry", "retail")], false),
        ];
        let model = NaiveBayes::fit(&examples, 1.0).unwrap();
        // prior: ln((1+1)/(3+1)); P(saas|won) = (1+1)/(1+2), P(saas|lost) = (1+1)/(3+2)
        let expected = (2.0f64 / 4.0).ln() + ((2.0 / 3.0) / (2.0 / 5.0f64)).ln();
        assert!((model.log_odds(&[("industry", "saas")]) - expected).abs() < 1e-15);
        assert_eq!(model.contributions(&[("industry", "unknown"), ("size", "big")])[0].2, 0.0);
        assert_eq!(model.log_odds(&[("size", "big")]), model.prior_log_odds());
        assert!(NaiveBayes::new(0.0).is_err());
    }
}
