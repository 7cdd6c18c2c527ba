//! Logistic-regression models in leadsmith's own plain JSON format, the one logistic format: what
//! `leadsmith train --model logistic` writes ([`TrainedLogistic::to_json`](crate::train::TrainedLogistic::to_json)
//! goes through [`write_json`]) and what [`crate::load`] reads, with one reader ([`LogisticModel::from_json`]):
//!
//! ```json
//! {
//!   "format": "leadsmith-logistic",
//!   "version": 1,
//!   "features": ["a", "b"],
//!   "coefficients": [0.5, -1.25],
//!   "intercept": -0.3,
//!   "standardize": {"mean": [10.0, 0.2], "std": [4.0, 0.1]}
//! }
//! ```
//!
//! The margin (log-odds) is `intercept + Σ coefficients[i] · (x[i] − mean[i]) / std[i]`; without
//! `standardize` the features are used as they are (mean 0, std 1). This is scikit-learn's
//! `make_pipeline(StandardScaler(), LogisticRegression())` with `mean = scaler.mean_`, `std = scaler.scale_`,
//! `coefficients = clf.coef_[0]`, `intercept = clf.intercept_[0]` (`fixtures/make_logistic_fixtures.py`).
//!
//! **Missing values:** a NaN feature contributes 0 to the margin, i.e. it is imputed at its training mean
//! (its standardised value is 0). A row shorter than the feature list reads its missing trailing features
//! as NaN. Infinite values are not missing: they give an infinite margin (probability 0 or 1).
//!
//! [`contributions`](Predictor::contributions) are `coefficients[i] × standardised x[i]` per feature (0 for a
//! missing value), then the intercept as the bias; they sum to the margin exactly as computed.
//!
//! Files: `load.rs` reads and writes the JSON document; this file holds the model and its predictions.

mod load;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::{ModelError, Objective, Predictor};

pub(crate) use load::write_json;

const FORMAT: &str = "logistic";
/// The `format` tag of the JSON document.
pub const FORMAT_TAG: &str = "leadsmith-logistic";
/// The document version this code reads and writes.
pub const VERSION: u32 = 1;

/// Per-feature standardisation: `(x − mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standardize {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

/// A loaded, validated logistic-regression model.
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticModel {
    features: Vec<String>,
    coefficients: Vec<f64>,
    intercept: f64,
    standardize: Option<Standardize>,
}

fn field_error(at: impl Into<String>, message: impl Into<String>) -> ModelError {
    ModelError::Parse { format: FORMAT, at: at.into(), message: message.into() }
}

impl LogisticModel {
    /// Builds a model, checking it as [`from_json`](Self::from_json) does: one coefficient (and one mean and
    /// std, when standardising) per feature, all finite, every std > 0, feature names non-empty and unique.
    pub fn new(
        features: Vec<String>,
        coefficients: Vec<f64>,
        intercept: f64,
        standardize: Option<Standardize>,
    ) -> Result<Self, ModelError> {
        if features.is_empty() {
            return Err(field_error("features", "the model has no features"));
        }
        let mut seen = HashSet::new();
        for (i, name) in features.iter().enumerate() {
            if name.is_empty() {
                return Err(field_error(format!("features[{i}]"), "a feature name is empty"));
            }
            if !seen.insert(name.as_str()) {
                return Err(field_error(format!("features[{i}]"), format!("feature `{name}` is listed twice")));
            }
        }
        let n = features.len();
        check_values("coefficients", &coefficients, n, |_| true, "a finite number")?;
        if !intercept.is_finite() {
            return Err(field_error("intercept", format!("{intercept} is not a finite number")));
        }
        if let Some(s) = &standardize {
            check_values("standardize.mean", &s.mean, n, |_| true, "a finite number")?;
            check_values("standardize.std", &s.std, n, |v| v > 0.0, "a finite number > 0")?;
        }
        Ok(LogisticModel { features, coefficients, intercept, standardize })
    }

    /// `(features, coefficients, intercept, standardize)`.
    pub(crate) fn into_parts(self) -> (Vec<String>, Vec<f64>, f64, Option<Standardize>) {
        (self.features, self.coefficients, self.intercept, self.standardize)
    }

    pub fn coefficients(&self) -> &[f64] {
        &self.coefficients
    }

    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    pub fn standardize(&self) -> Option<&Standardize> {
        self.standardize.as_ref()
    }

    /// Feature `i`'s term of the margin: coefficient × standardised value, 0 when the value is missing.
    #[inline]
    fn term(&self, i: usize, row: &[f64]) -> f64 {
        let x = row.get(i).copied().unwrap_or(f64::NAN);
        if x.is_nan() {
            return 0.0;
        }
        let z = match &self.standardize {
            Some(s) => (x - s.mean[i]) / s.std[i],
            None => x,
        };
        self.coefficients[i] * z
    }
}

fn check_values(
    field: &str,
    values: &[f64],
    expected_len: usize,
    ok: impl Fn(f64) -> bool,
    expected: &str,
) -> Result<(), ModelError> {
    if values.len() != expected_len {
        return Err(field_error(
            field,
            format!("has {} values, expected {expected_len} (one per feature)", values.len()),
        ));
    }
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !(v.is_finite() && ok(**v))) {
        return Err(field_error(format!("{field}[{i}]"), format!("{v} is not {expected}")));
    }
    Ok(())
}

impl Predictor for LogisticModel {
    fn num_features(&self) -> usize {
        self.features.len()
    }

    fn feature_names(&self) -> Option<&[String]> {
        Some(&self.features)
    }

    fn objective(&self) -> Objective {
        Objective::Probability
    }

    fn predict_margin(&self, row: &[f64]) -> f64 {
        let mut sum = 0.0;
        for i in 0..self.features.len() {
            sum += self.term(i, row);
        }
        sum + self.intercept
    }

    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut out: Vec<f64> = (0..self.features.len()).map(|i| self.term(i, row)).collect();
        out.push(self.intercept);
        out
    }
}
