//! Scoring models in pure Rust: XGBoost JSON (`Booster.save_model("m.json")`), LightGBM text
//! (`save_model("m.txt")`) and a plain logistic-regression JSON, each predicting exactly as its originating
//! library (checked against fixtures the libraries produced, see `fixtures/`), and explaining every
//! prediction with exact per-feature contributions (TreeSHAP for tree ensembles, coefficient ×
//! standardised value for linear models).
//!
//! Inputs are one row of feature values in the model's feature order; `f64::NAN` is a missing value.

mod error;
pub mod lightgbm;
pub mod logistic;
pub mod manifest;
pub mod train;
pub mod xgboost;

pub use error::ModelError;
pub use manifest::{Manifest, OutputMapping, Shown};

/// What a model's output means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Binary classification: the margin is log-odds, the output a probability.
    Probability,
    /// Regression: the output is the margin.
    Regression,
}

/// A loaded model.
pub trait Predictor: Send + Sync {
    /// The features a row must have, in order.
    fn num_features(&self) -> usize;
    /// Feature names stored in the model file, when it has them.
    fn feature_names(&self) -> Option<&[String]>;
    fn objective(&self) -> Objective;
    /// The raw score before the link function (log-odds for [`Objective::Probability`]).
    fn predict_margin(&self, row: &[f64]) -> f64;
    /// The model's output: a probability for classifiers, the value for regressors.
    fn predict(&self, row: &[f64]) -> f64 {
        let margin = self.predict_margin(row);
        match self.objective() {
            Objective::Probability => sigmoid(margin),
            Objective::Regression => margin,
        }
    }
    /// Per-feature contributions to the margin, then the bias (expected margin) as the last element: they
    /// sum to [`predict_margin`](Predictor::predict_margin). The layout of XGBoost's `pred_contribs`.
    fn contributions(&self, row: &[f64]) -> Vec<f64>;
}

/// The logistic function, as the libraries compute it.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
