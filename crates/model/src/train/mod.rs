//! Training models from a team's won/lost history, in pure Rust and deterministically (the same data, settings
//! and seed always give the same model, bit for bit).
//!
//! - [`Dataset`]: numeric rows (`f64::NAN` = missing) with won/lost labels and, optionally, a time per row
//!   (a close date) so the holdout can be the most recent history ([`split`]).
//! - [`train_logistic`] → [`TrainedLogistic`]: L2-regularised logistic regression on standardised features,
//!   classes balanced by weights, fitted by Newton's method; saved as the `leadsmith-logistic` JSON.
//! - [`train_gbdt`] → [`TrainedGbdt`]: gradient-boosted trees (binary log-loss, second order, histogram split
//!   finding, learned default directions for missing values) with exact TreeSHAP explanations; saved as the
//!   `leadsmith-gbdt` JSON described in [`gbdt`].
//! - [`NaiveBayes`]: the CRM-style frequency model over categorical fields, updatable as leads close.
//! - [`report`]: AUC, log-loss, calibration by decile, lift and top features on a holdout.
//!
//! Training refuses a history with fewer than `min_per_class` won or lost examples (20 by default): a model
//! fitted to a handful of outcomes scores noise.

pub mod gbdt;
pub mod logistic;
pub mod naive_bayes;
pub mod report;
mod shap;

pub use gbdt::{GbdtConfig, TrainedGbdt, train_gbdt};
pub use logistic::{LogisticConfig, TrainedLogistic, train_logistic};
pub use naive_bayes::NaiveBayes;
pub use report::Report;

use crate::Predictor;

/// Why a model could not be trained or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The data is malformed: lengths disagree, a value is infinite, a class is absent…
    #[error("invalid training data: {0}")]
    InvalidData(String),
    /// Cold start: not enough closed leads of one class or the other.
    #[error("too little history to train: {won} won, {lost} lost (need {need} of each)")]
    TooLittleHistory { won: usize, lost: usize, need: usize },
    /// A training setting is out of range.
    #[error("invalid training setting: {0}")]
    InvalidConfig(String),
}

/// The default minimum number of won and of lost examples training needs.
pub const DEFAULT_MIN_PER_CLASS: usize = 20;

/// Numeric training history: one row of feature values per closed lead, whether it was won, and optionally
/// when it closed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    pub feature_names: Vec<String>,
    /// One row per example, each with `feature_names.len()` values; `f64::NAN` is a missing value.
    pub rows: Vec<Vec<f64>>,
    /// `true` = won (the positive class).
    pub labels: Vec<bool>,
    /// A time per row (e.g. the close date as a Unix timestamp), for a time-based [`split`].
    pub times: Option<Vec<i64>>,
}

impl Dataset {
    /// A dataset without times, checked with [`validate`](Self::validate).
    pub fn new(feature_names: Vec<String>, rows: Vec<Vec<f64>>, labels: Vec<bool>) -> Result<Self, TrainError> {
        let data = Self { feature_names, rows, labels, times: None };
        data.validate()?;
        Ok(data)
    }

    /// The same dataset with a time per row, checked with [`validate`](Self::validate).
    pub fn with_times(mut self, times: Vec<i64>) -> Result<Self, TrainError> {
        self.times = Some(times);
        self.validate()?;
        Ok(self)
    }

    pub fn num_rows(&self) -> usize {
        self.rows.len()
    }

    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// `(won, lost)`.
    pub fn class_counts(&self) -> (usize, usize) {
        let won = self.labels.iter().filter(|&&y| y).count();
        (won, self.labels.len() - won)
    }

    /// Checks the shape ([`check_shape`](Self::check_shape)) and that both classes are present.
    pub fn validate(&self) -> Result<(), TrainError> {
        self.check_shape()?;
        let (won, lost) = self.class_counts();
        if won == 0 || lost == 0 {
            return Err(TrainError::InvalidData(format!(
                "both classes are needed, got {won} won and {lost} lost of {} rows",
                self.labels.len()
            )));
        }
        Ok(())
    }

    /// Checks that there is at least one feature (names unique and non-empty) and one row, that every row has
    /// one value per feature, that values are finite or NaN, and that labels and times have one entry per row.
    pub fn check_shape(&self) -> Result<(), TrainError> {
        let bad = |message: String| Err(TrainError::InvalidData(message));
        if self.feature_names.is_empty() {
            return bad("at least one feature is needed".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in &self.feature_names {
            if name.is_empty() {
                return bad("a feature name is empty".into());
            }
            if !seen.insert(name.as_str()) {
                return bad(format!("feature `{name}` appears twice"));
            }
        }
        if self.rows.is_empty() {
            return bad("no rows".into());
        }
        if self.labels.len() != self.rows.len() {
            return bad(format!("{} rows but {} labels", self.rows.len(), self.labels.len()));
        }
        if let Some(times) = &self.times
            && times.len() != self.rows.len()
        {
            return bad(format!("{} rows but {} times", self.rows.len(), times.len()));
        }
        for (i, row) in self.rows.iter().enumerate() {
            if row.len() != self.feature_names.len() {
                return bad(format!(
                    "row {i} has {} values, expected {} (one per feature)",
                    row.len(),
                    self.num_features()
                ));
            }
            if let Some(j) = row.iter().position(|v| v.is_infinite()) {
                return bad(format!("row {i}, feature `{}`: infinite value", self.feature_names[j]));
            }
        }
        Ok(())
    }

    /// The rows at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        Dataset {
            feature_names: self.feature_names.clone(),
            rows: indices.iter().map(|&i| self.rows[i].clone()).collect(),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            times: self.times.as_ref().map(|t| indices.iter().map(|&i| t[i]).collect()),
        }
    }
}

/// The cold-start check: at least `need` won and `need` lost examples.
pub fn check_history(won: usize, lost: usize, need: usize) -> Result<(), TrainError> {
    if won < need || lost < need {
        return Err(TrainError::TooLittleHistory { won, lost, need });
    }
    Ok(())
}

/// Shape, then the cold-start minimum, then both classes present (for `min_per_class == 0`).
fn check_trainable(data: &Dataset, min_per_class: usize) -> Result<(), TrainError> {
    data.check_shape()?;
    let (won, lost) = data.class_counts();
    check_history(won, lost, min_per_class)?;
    data.validate()
}

/// Splits `data` into `(train, holdout)` with about `holdout_fraction` of the rows in the holdout (at least one
/// row in each part).
///
/// With `times`, the split is by time: the holdout is the latest rows (ties in time broken by row order), as a
/// model is used on leads that close after the history it learned from. Without, it is a random split
/// stratified by class (each class keeps its proportion), reproducible from `seed`. Both parts keep the
/// original row order.
pub fn split(data: &Dataset, holdout_fraction: f64, seed: u64) -> Result<(Dataset, Dataset), TrainError> {
    data.check_shape()?;
    if holdout_fraction.is_nan() || holdout_fraction <= 0.0 || holdout_fraction >= 1.0 {
        return Err(TrainError::InvalidConfig(format!("holdout fraction must be in (0, 1), got {holdout_fraction}")));
    }
    let n = data.num_rows();
    if n < 2 {
        return Err(TrainError::InvalidData(format!("{n} row cannot be split into a training set and a holdout")));
    }
    let portion = |count: usize| ((count as f64 * holdout_fraction).round() as usize).clamp(1, count - 1);
    let mut holdout = vec![false; n];
    match &data.times {
        Some(times) => {
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| (times[i], i));
            for &i in &order[n - portion(n)..] {
                holdout[i] = true;
            }
        }
        None => {
            let mut rng = SplitMix64::new(seed);
            for class in [true, false] {
                let mut members: Vec<usize> = (0..n).filter(|&i| data.labels[i] == class).collect();
                let take = match members.len() {
                    0 => 0,
                    1 => usize::from(rng.next_f64() < holdout_fraction),
                    count => portion(count),
                };
                rng.shuffle(&mut members);
                for &i in &members[..take] {
                    holdout[i] = true;
                }
            }
            // A lone class member may have left one part empty.
            if holdout.iter().all(|&h| h) || holdout.iter().all(|&h| !h) {
                holdout[n - 1] = !holdout[n - 1];
            }
        }
    }
    let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| holdout[i]);
    Ok((data.subset(&train), data.subset(&test)))
}

/// A trained model the [`report`] can describe: a [`Predictor`] that can rank its features.
pub trait TrainedModel: Predictor {
    /// What kind of model it is, for people ("logistic regression").
    fn kind(&self) -> &'static str;
    /// What [`feature_importance`](Self::feature_importance) measures ("|coefficient|").
    fn importance_measure(&self) -> &'static str;
    /// Every feature with its importance, most important first (ties in feature order).
    fn feature_importance(&self) -> Vec<(String, f64)>;
}

/// Sorts `(name, importance)` most important first, keeping feature order among ties.
fn rank_importance(mut features: Vec<(String, f64)>) -> Vec<(String, f64)> {
    features.sort_by(|a, b| b.1.total_cmp(&a.1));
    features
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose stream depends only on the seed, so
/// splits stay reproducible whatever library versions are in use.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`), without modulo bias.
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return (x % n) as usize;
            }
        }
    }

    /// Fisher–Yates.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(n: usize, won_every: usize) -> Dataset {
        Dataset {
            feature_names: vec!["a".into(), "b".into()],
            rows: (0..n).map(|i| vec![i as f64, f64::NAN]).collect(),
            labels: (0..n).map(|i| i % won_every == 0).collect(),
            times: None,
        }
    }

    #[test]
    fn validation_names_the_problem() {
        let mut d = data(10, 2);
        assert!(d.validate().is_ok());
        d.labels.pop();
        assert_eq!(d.validate().unwrap_err().to_string(), "invalid training data: 10 rows but 9 labels");
        let mut d = data(10, 2);
        d.rows[3].push(1.0);
        assert!(d.validate().unwrap_err().to_string().contains("row 3 has 3 values, expected 2"));
        let mut d = data(10, 2);
        d.rows[4][1] = f64::INFINITY;
        assert!(d.validate().unwrap_err().to_string().contains("row 4, feature `b`: infinite"));
        let mut d = data(10, 2);
        d.labels = vec![false; 10];
        assert!(d.validate().unwrap_err().to_string().contains("both classes are needed, got 0 won and 10 lost"));
        let mut d = data(10, 2);
        d.feature_names.clear();
        d.rows = vec![vec![]; 10];
        assert!(d.validate().unwrap_err().to_string().contains("at least one feature"));
        let mut d = data(10, 2);
        d.feature_names[1] = "a".into();
        assert!(d.validate().unwrap_err().to_string().contains("`a` appears twice"));
        let mut d = data(10, 2);
        d.times = Some(vec![0; 3]);
        assert!(d.validate().unwrap_err().to_string().contains("10 rows but 3 times"));
    }

    #[test]
    fn stratified_split_is_seeded_and_keeps_proportions() {
        let d = data(1000, 10);
        let (train, test) = split(&d, 0.2, 7).unwrap();
        assert_eq!((train.num_rows(), test.num_rows()), (800, 200));
        assert_eq!(test.class_counts(), (20, 180));
        assert_eq!(train.class_counts(), (80, 720));
        let again = split(&d, 0.2, 7).unwrap();
        assert_eq!(
            again.1.rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
            test.rows.iter().map(|r| r[0]).collect::<Vec<_>>()
        );
        let other = split(&d, 0.2, 8).unwrap();
        assert_ne!(
            other.1.rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
            test.rows.iter().map(|r| r[0]).collect::<Vec<_>>()
        );
        // every row lands in exactly one part
        let mut all: Vec<f64> = train.rows.iter().chain(&test.rows).map(|r| r[0]).collect();
        all.sort_by(f64::total_cmp);
        assert_eq!(all, (0..1000).map(|i| i as f64).collect::<Vec<_>>());
    }

    #[test]
    fn split_rejects_bad_fractions() {
        let d = data(10, 2);
        for f in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(matches!(split(&d, f, 1), Err(TrainError::InvalidConfig(_))));
        }
        let tiny = data(2, 2);
        let (a, b) = split(&tiny, 0.01, 1).unwrap();
        assert_eq!((a.num_rows(), b.num_rows()), (1, 1));
    }

    #[test]
    fn cold_start_message() {
        assert_eq!(
            check_history(7, 40, 20).unwrap_err().to_string(),
            "too little history to train: 7 won, 40 lost (need 20 of each)"
        );
        assert!(check_history(20, 20, 20).is_ok());
    }
}
