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
//! - [`prepare`]: from a table of closed leads to training and holdout datasets — identifier and leakage
//!   columns left out with a note, text columns encoded (one-hot, or out-of-fold won rates) into
//!   [`Encoding`](crate::manifest::Encoding)s the manifest carries to `leadsmith score`.
//! - [`NaiveBayes`]: the CRM-style frequency model over categorical fields, updatable as leads close (a
//!   library model: `leadsmith train` no longer offers it, as `leadsmith score` cannot read it and a
//!   logistic model over encoded columns covers the same ground).
//! - [`report`]: a plain-language summary, then AUC, log-loss, calibration by decile, lift and top features
//!   with their direction on a holdout.
//! - [`train_calibrated`]: trains with a calibration slice carved out of the training rows and fits a
//!   [`Calibration`] (Platt or isotonic) on it ([`fit_calibration`]); [`training_manifest`] is the
//!   [`Manifest`] that carries it to `leadsmith score`.
//!
//! Training refuses a history with fewer than `min_per_class` won or lost examples (20 by default): a model
//! fitted to a handful of outcomes scores noise.

pub mod gbdt;
pub mod logistic;
pub mod naive_bayes;
pub mod prepare;
pub mod report;

pub use gbdt::{GbdtConfig, TrainedGbdt, train_gbdt};
pub use logistic::{LogisticConfig, TrainedLogistic, train_logistic};
pub use naive_bayes::NaiveBayes;
pub use prepare::{ColumnAction, ColumnNote, History, PrepareConfig, Prepared, prepare};
pub use report::Report;

use crate::manifest::{FeatureSpec, FeatureType};
use crate::{Calibration, Manifest, Objective, OutputMapping, Predictor};

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
    /// A calibration could not be fitted (too few of a class on the rows it is fitted on, …).
    #[error("cannot calibrate: {0}")]
    Calibration(String),
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

    /// Per feature, whether some row lacks it (`NaN`): what a model trained on these rows learned to handle.
    pub fn missing_per_feature(&self) -> Vec<bool> {
        let mut missing = vec![false; self.feature_names.len()];
        for row in &self.rows {
            for (m, v) in missing.iter_mut().zip(row) {
                *m |= v.is_nan();
            }
        }
        missing
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
    let (train, test) = split_indices(&data.labels, data.times.as_deref(), holdout_fraction, seed)?;
    Ok((data.subset(&train), data.subset(&test)))
}

/// [`split`] by row index: `(train, holdout)` row indices, each ascending, of rows with these `labels` (and
/// `times`, one per label, for a split by time).
pub fn split_indices(
    labels: &[bool],
    times: Option<&[i64]>,
    holdout_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), TrainError> {
    if holdout_fraction.is_nan() || holdout_fraction <= 0.0 || holdout_fraction >= 1.0 {
        return Err(TrainError::InvalidConfig(format!("holdout fraction must be in (0, 1), got {holdout_fraction}")));
    }
    let n = labels.len();
    if n < 2 {
        return Err(TrainError::InvalidData(format!("{n} row cannot be split into a training set and a holdout")));
    }
    if let Some(times) = times
        && times.len() != n
    {
        return Err(TrainError::InvalidData(format!("{n} rows but {} times", times.len())));
    }
    let portion = |count: usize| ((count as f64 * holdout_fraction).round() as usize).clamp(1, count - 1);
    let mut holdout = vec![false; n];
    match times {
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
                let mut members: Vec<usize> = (0..n).filter(|&i| labels[i] == class).collect();
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
    Ok((train, test))
}

/// Which calibration to fit on a model's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalibrationMethod {
    /// Platt scaling: a logistic curve over the model's margin ([`Calibration::fit_platt`]).
    Platt,
    /// Isotonic regression over the model's probability ([`Calibration::fit_isotonic`]).
    Isotonic,
}

impl CalibrationMethod {
    /// `"platt"` or `"isotonic"`, as [`Calibration`]'s `method` tag spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platt => "platt",
            Self::Isotonic => "isotonic",
        }
    }
}

/// The share of the training rows [`train_calibrated`] carves out to fit the calibration on.
pub const CALIBRATION_FRACTION: f64 = 0.2;

/// The fewest won and the fewest lost rows a calibration is fitted on: with fewer, Platt's curve and the
/// isotonic steps are set by a handful of outcomes.
pub const MIN_CALIBRATION_PER_CLASS: usize = 5;

/// A calibration fitted on a set of rows, with the log-loss on those rows before and after it.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedCalibration {
    pub method: CalibrationMethod,
    pub calibration: Calibration,
    /// The rows it was fitted on.
    pub rows: report::ClassCounts,
    /// Mean log-loss of the model's own probabilities on those rows.
    pub log_loss_before: f64,
    /// Mean log-loss of the calibrated probabilities on those rows.
    pub log_loss_after: f64,
}

impl FittedCalibration {
    /// The calibrated probability of one row.
    pub fn predict(&self, model: &dyn Predictor, row: &[f64]) -> f64 {
        self.calibration.apply(model.predict_margin(row), model.predict(row))
    }
}

/// Fits a `method` calibration of `model`'s outputs on `data` (rows the model was not trained on): Platt on
/// the margins, isotonic on the probabilities, exactly what [`Calibration::apply`] is later given.
///
/// Errors: a regression model, a dataset of the wrong shape, fewer than [`MIN_CALIBRATION_PER_CLASS`] won
/// or lost rows ([`TrainError::Calibration`], naming the counts), or a fit that fails.
pub fn fit_calibration(
    model: &dyn Predictor,
    data: &Dataset,
    method: CalibrationMethod,
) -> Result<FittedCalibration, TrainError> {
    if model.objective() != Objective::Probability {
        return Err(TrainError::Calibration("the model is a regression; calibration is for probabilities".into()));
    }
    data.check_shape()?;
    if data.num_features() != model.num_features() {
        return Err(TrainError::InvalidData(format!(
            "the calibration rows have {} features, the model {}",
            data.num_features(),
            model.num_features()
        )));
    }
    let (won, lost) = data.class_counts();
    if won < MIN_CALIBRATION_PER_CLASS || lost < MIN_CALIBRATION_PER_CLASS {
        return Err(TrainError::Calibration(format!(
            "the calibration rows have {won} won and {lost} lost; at least {MIN_CALIBRATION_PER_CLASS} of each are \
             needed"
        )));
    }
    let margins: Vec<f64> = data.rows.iter().map(|r| model.predict_margin(r)).collect();
    let probabilities: Vec<f64> = data.rows.iter().map(|r| model.predict(r)).collect();
    let calibration = match method {
        CalibrationMethod::Platt => Calibration::fit_platt(&margins, &data.labels),
        CalibrationMethod::Isotonic => Calibration::fit_isotonic(&probabilities, &data.labels),
    }
    .map_err(TrainError::Calibration)?;
    let calibrated: Vec<f64> = margins.iter().zip(&probabilities).map(|(&m, &p)| calibration.apply(m, p)).collect();
    Ok(FittedCalibration {
        method,
        rows: report::ClassCounts::of(data),
        log_loss_before: report::log_loss(&probabilities, &data.labels),
        log_loss_after: report::log_loss(&calibrated, &data.labels),
        calibration,
    })
}

/// A model trained by [`train_calibrated`].
#[derive(Debug, Clone)]
pub struct CalibratedTraining<M> {
    pub model: M,
    /// The rows the model was fitted on: the training rows less the calibration slice, or all of them
    /// when there is no calibration.
    pub fitted_on: Dataset,
    /// The calibration fitted on the slice, when one was asked for and could be fitted.
    pub calibration: Option<FittedCalibration>,
    /// Why the calibration asked for was not fitted (the model is then uncalibrated and fitted on every
    /// training row).
    pub warning: Option<String>,
}

/// Trains a model with `fit` and, when `method` asks for one, a calibration on rows it did not see.
///
/// [`CALIBRATION_FRACTION`] of `train` is carved out with [`split`] (the latest rows when `train` has times,
/// else a stratified random slice reproducible from `seed`); the model is fitted on the rest and the
/// calibration on the slice ([`fit_calibration`]). When the slice cannot be carved, has fewer than
/// [`MIN_CALIBRATION_PER_CLASS`] of a class, leaves the rest with too little history to train on, or the fit
/// fails, the model is fitted on every row of `train`, uncalibrated, and `warning` says why: a calibration
/// that cannot be fitted never stops training. Errors are `fit`'s: on the whole of `train`, or on the rest
/// for any reason but too little history.
pub fn train_calibrated<M: Predictor>(
    train: &Dataset,
    method: Option<CalibrationMethod>,
    seed: u64,
    fit: impl Fn(&Dataset) -> Result<M, TrainError>,
) -> Result<CalibratedTraining<M>, TrainError> {
    let uncalibrated = |warning: Option<String>| -> Result<CalibratedTraining<M>, TrainError> {
        Ok(CalibratedTraining { model: fit(train)?, fitted_on: train.clone(), calibration: None, warning })
    };
    let Some(method) = method else { return uncalibrated(None) };
    let not_calibrated =
        |why: String| Some(format!("{} calibration not fitted: {why}; the model is uncalibrated", method.as_str()));
    let (rest, slice) = match split(train, CALIBRATION_FRACTION, seed) {
        Ok(parts) => parts,
        Err(e) => return uncalibrated(not_calibrated(format!("no calibration slice could be carved ({e})"))),
    };
    let (won, lost) = slice.class_counts();
    if won < MIN_CALIBRATION_PER_CLASS || lost < MIN_CALIBRATION_PER_CLASS {
        return uncalibrated(not_calibrated(format!(
            "the calibration slice ({} % of the training rows) has {won} won and {lost} lost, and at least \
             {MIN_CALIBRATION_PER_CLASS} of each are needed",
            CALIBRATION_FRACTION * 100.0
        )));
    }
    let model = match fit(&rest) {
        Ok(model) => model,
        Err(e @ TrainError::TooLittleHistory { .. }) => {
            return uncalibrated(not_calibrated(format!("without the calibration slice there is {e}")));
        }
        Err(e) => return Err(e),
    };
    match fit_calibration(&model, &slice, method) {
        Ok(fitted) => Ok(CalibratedTraining { model, fitted_on: rest, calibration: Some(fitted), warning: None }),
        Err(e) => uncalibrated(not_calibrated(e.to_string())),
    }
}

/// The manifest `leadsmith train` writes beside a model: every feature a `number`; a feature that was
/// missing in some training rows may be missing when scoring (`default: null`, the missing-value handling
/// the model learned), one present in every row is required (a model never saw it missing, so a score
/// without it would be a guess); the default bucket mapping, and the calibration when there is one.
/// `missing_in_history` is [`Dataset::missing_per_feature`] over the rows the model learned from.
pub fn training_manifest(
    model: &dyn Predictor,
    feature_names: &[String],
    missing_in_history: &[bool],
    name: &str,
    version: &str,
    calibration: Option<Calibration>,
) -> Result<Manifest, TrainError> {
    if feature_names.len() != model.num_features() {
        return Err(TrainError::InvalidData(format!(
            "{} feature names for a model of {} features",
            feature_names.len(),
            model.num_features()
        )));
    }
    if missing_in_history.len() != feature_names.len() {
        return Err(TrainError::InvalidData(format!(
            "missing-value flags for {} of {} features",
            missing_in_history.len(),
            feature_names.len()
        )));
    }
    let features = feature_names
        .iter()
        .zip(missing_in_history)
        .map(|(n, &missing)| FeatureSpec {
            name: n.clone(),
            kind: FeatureType::Number,
            default: missing.then_some(None),
            min: None,
            max: None,
        })
        .collect();
    let manifest = Manifest {
        name: name.into(),
        version: version.into(),
        features,
        output: OutputMapping::rules_tiers(),
        calibration,
        encodings: Vec::new(),
    };
    manifest.validate().map_err(|errors| {
        TrainError::InvalidData(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
    })?;
    Ok(manifest)
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

    /// `n` rows of one informative feature and one noise feature, won with probability sigmoid(2·x − 5), x
    /// uniform in [−1, 3] (about 16 % won): imbalanced, so class-weighted training skews probabilities up.
    fn imbalanced(n: usize, seed: u64) -> Dataset {
        let mut rng = SplitMix64::new(seed);
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..n {
            let x = 4.0 * rng.next_f64() - 1.0;
            rows.push(vec![x, rng.next_f64()]);
            labels.push(rng.next_f64() < crate::sigmoid(2.0 * x - 5.0));
        }
        Dataset::new(vec!["x".into(), "noise".into()], rows, labels).unwrap()
    }

    fn balanced_logistic(data: &Dataset) -> Result<TrainedLogistic, TrainError> {
        let config = LogisticConfig { balance_classes: true, recalibrate_intercept: false, ..Default::default() };
        train_logistic(data, &config)
    }

    #[test]
    fn calibration_corrects_class_weighted_probabilities() {
        let data = imbalanced(3000, 1);
        let (won, _) = data.class_counts();
        assert!((300..600).contains(&won), "{won} won of 3000");
        let (train, slice) = split(&data, 0.3, 2).unwrap();
        let model = balanced_logistic(&train).unwrap();
        for method in [CalibrationMethod::Platt, CalibrationMethod::Isotonic] {
            let fitted = fit_calibration(&model, &slice, method).unwrap();
            assert_eq!(fitted.method, method);
            assert_eq!(fitted.rows, report::ClassCounts::of(&slice));
            // Weighted as if half were won, the model overstates every probability; calibrated, it does not.
            assert!(
                fitted.log_loss_after < fitted.log_loss_before - 0.05,
                "{method:?}: {} → {}",
                fitted.log_loss_before,
                fitted.log_loss_after
            );
            let row = &slice.rows[0];
            let expected = fitted.calibration.apply(model.predict_margin(row), model.predict(row));
            assert_eq!(fitted.predict(&model, row), expected);
            let mean: f64 = slice.rows.iter().map(|r| fitted.predict(&model, r)).sum::<f64>() / slice.num_rows() as f64;
            assert!((mean - slice.class_counts().0 as f64 / slice.num_rows() as f64).abs() < 0.03, "mean {mean}");
        }
        let Calibration::Platt { a, .. } =
            fit_calibration(&model, &slice, CalibrationMethod::Platt).unwrap().calibration
        else {
            panic!("a Platt fit")
        };
        assert!(a > 0.0, "Platt keeps the ranking: a = {a}");
    }

    #[test]
    fn fit_calibration_refuses_too_few_of_a_class() {
        let data = imbalanced(400, 3);
        let model = balanced_logistic(&data).unwrap();
        let mut few = data.subset(&(0..60).collect::<Vec<_>>());
        // Keep only 4 won rows.
        let mut kept = 0;
        for label in few.labels.iter_mut() {
            if *label {
                kept += 1;
                *label = kept <= 4;
            }
        }
        let err = fit_calibration(&model, &few, CalibrationMethod::Platt).unwrap_err();
        assert!(matches!(err, TrainError::Calibration(_)), "{err}");
        assert!(err.to_string().contains("4 won") && err.to_string().contains("at least 5 of each"), "{err}");
    }

    #[test]
    fn train_calibrated_fits_on_the_rest_and_calibrates_on_the_slice() {
        let data = imbalanced(2000, 4);
        let trained = train_calibrated(&data, Some(CalibrationMethod::Platt), 9, balanced_logistic).unwrap();
        assert!(trained.warning.is_none());
        let fitted = trained.calibration.as_ref().expect("a calibration");
        assert_eq!(trained.fitted_on.num_rows() + fitted.rows.rows, data.num_rows());
        assert_eq!(fitted.rows.rows, 400);
        // The model is exactly the one fitted on the rest, the slice is exactly split's.
        let (rest, slice) = split(&data, CALIBRATION_FRACTION, 9).unwrap();
        assert_eq!(trained.fitted_on, rest);
        assert_eq!(trained.model.to_json(), balanced_logistic(&rest).unwrap().to_json());
        assert_eq!(fitted, &fit_calibration(&trained.model, &slice, CalibrationMethod::Platt).unwrap());

        // No calibration asked for: every row trains the model.
        let plain = train_calibrated(&data, None, 9, balanced_logistic).unwrap();
        assert!(plain.calibration.is_none() && plain.warning.is_none());
        assert_eq!(plain.fitted_on, data);
    }

    #[test]
    fn train_calibrated_falls_back_when_the_slice_lacks_a_class() {
        // Dated history whose won rows are all early: the latest 20 % (the slice) has none.
        let mut data = imbalanced(1000, 5);
        let n = data.num_rows();
        for i in 700..n {
            data.labels[i] = false;
        }
        let data = data.with_times((0..n as i64).collect()).unwrap();
        let trained = train_calibrated(&data, Some(CalibrationMethod::Isotonic), 1, balanced_logistic).unwrap();
        assert!(trained.calibration.is_none());
        assert_eq!(trained.fitted_on, data, "without a calibration the model trains on every row");
        let warning = trained.warning.expect("a warning");
        assert!(
            warning.starts_with("isotonic calibration not fitted")
                && warning.contains("has 0 won and 200 lost")
                && warning.contains("uncalibrated"),
            "{warning}"
        );
        // A training error that is not about the slice is still an error.
        let err = train_calibrated(&data, Some(CalibrationMethod::Platt), 1, |_: &Dataset| {
            Err::<TrainedLogistic, _>(TrainError::InvalidConfig("bad".into()))
        })
        .unwrap_err();
        assert_eq!(err, TrainError::InvalidConfig("bad".into()));
    }

    #[test]
    fn training_manifest_requires_what_history_always_had_and_carries_the_calibration() {
        let mut data = imbalanced(500, 6);
        // "noise" is missing in one row of the history: it may be missing; "x" never was: required.
        data.rows[3][1] = f64::NAN;
        assert_eq!(data.missing_per_feature(), [false, true]);
        let model = balanced_logistic(&data).unwrap();
        let calibration = Calibration::Platt { a: 0.8, b: -1.5 };
        let missing = data.missing_per_feature();
        let manifest = training_manifest(
            &model,
            &data.feature_names,
            &missing,
            "m",
            "2026-01-01T00:00:00Z",
            Some(calibration.clone()),
        )
        .unwrap();
        assert_eq!(manifest.name, "m");
        assert_eq!(manifest.calibration, Some(calibration));
        assert_eq!(manifest.output, OutputMapping::rules_tiers());
        let names: Vec<&str> = manifest.features.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["x", "noise"]);
        assert!(manifest.features.iter().all(|f| f.kind == FeatureType::Number));
        assert_eq!(manifest.features[0].default, None);
        assert_eq!(manifest.features[1].default, Some(None));
        // Leaving out the required feature is refused by name; the other is the model's missing value.
        let errors = manifest.row(&Default::default()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].feature, "x");
        let row = manifest.row(&[("x".to_string(), serde_json::json!(1.5))].into()).unwrap();
        assert_eq!(row[0], 1.5);
        assert!(row[1].is_nan());
        let json = serde_json::to_value(&manifest).unwrap();
        assert_eq!(json["features"][0], serde_json::json!({"name": "x", "type": "number"}));
        assert_eq!(json["features"][1], serde_json::json!({"name": "noise", "type": "number", "default": null}));
        assert_eq!(json["calibration"]["method"], "platt");
        let without = training_manifest(&model, &data.feature_names, &missing, "m", "1", None).unwrap();
        assert!(serde_json::to_value(&without).unwrap().get("calibration").is_none());
        assert!(training_manifest(&model, &data.feature_names[..1], &missing[..1], "m", "1", None).is_err());
        assert!(training_manifest(&model, &data.feature_names, &missing[..1], "m", "1", None).is_err());
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
