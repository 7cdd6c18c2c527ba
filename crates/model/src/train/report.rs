//! How well a trained model does on a holdout: AUC, log-loss, calibration by decile, lift in the top 10 %, and
//! the features it leans on most with the direction of their effect. A [`Report`] serialises to JSON and
//! prints as a readable text report that opens with a plain-language summary ([`Report::summary`]: how
//! often it ranks a won lead above a lost one, how much more often its top 10 % win, what pushes a lead
//! up or down) and the notes on columns left out or encoded, then the numbers. Probabilities print with
//! three significant digits.
//!
//! With a calibration ([`evaluate_calibrated`], [`evaluate_training`]) every metric is computed on the
//! calibrated probabilities, which is what `leadsmith score --manifest` shows, and the report keeps the
//! uncalibrated holdout log-loss beside them for comparison. [`evaluate_training`] does not apply a
//! calibration that makes the holdout log-loss worse: the report is then the uncalibrated model's, and
//! says so ([`Report::calibration_rejected`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::prepare::ColumnNote;
use super::{CalibratedTraining, Dataset, FittedCalibration, TrainError, TrainedModel};

/// Rows and classes of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    pub rows: usize,
    pub won: usize,
    pub lost: usize,
}

impl ClassCounts {
    pub fn of(data: &Dataset) -> Self {
        let (won, lost) = data.class_counts();
        Self { rows: data.num_rows(), won, lost }
    }

    /// The won rate (NaN without rows).
    pub fn won_rate(&self) -> f64 {
        self.won as f64 / self.rows as f64
    }
}

/// One group of the calibration table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// 1 for the lowest predictions, up to the number of groups (10 for deciles).
    pub decile: usize,
    pub count: usize,
    pub won: usize,
    /// The mean predicted probability in the group (NaN when empty).
    pub mean_predicted: f64,
    /// `won / count` (NaN when empty).
    pub observed_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeight {
    pub name: String,
    pub importance: f64,
    /// How the feature moves a score as its value rises: `"+"` (more likely to win), `"-"` (less likely)
    /// or `"±"` (either way, or hardly at all), from the correlation of its value with its contribution on
    /// the holdout rows.
    #[serde(default = "either_way")]
    pub direction: String,
}

fn either_way() -> String {
    "±".into()
}

/// A calibration fitted on the calibration slice that made the holdout's log-loss worse, so not applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedCalibration {
    pub method: String,
    /// Holdout log-loss with the calibration.
    pub calibrated_log_loss: f64,
    /// Holdout log-loss of the model's own probabilities (the report's `log_loss`).
    pub uncalibrated_log_loss: f64,
}

/// A model's results on a holdout. Metrics undefined on the holdout (AUC with one class only) are NaN, and
/// `null` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// What kind of model ("logistic regression").
    pub model: String,
    pub features: usize,
    pub train: ClassCounts,
    pub holdout: ClassCounts,
    /// Area under the ROC curve on the holdout (ties count half).
    pub auc: f64,
    /// Mean log-loss on the holdout, probabilities clipped to [1e-15, 1 − 1e-15].
    pub log_loss: f64,
    /// The log-loss of predicting the training won rate for every holdout row: what the model must beat.
    pub baseline_log_loss: f64,
    /// The won rate among the top 10 % of holdout predictions over the holdout's won rate.
    pub lift_top_decile: f64,
    /// Holdout rows in ten equal-count groups by predicted probability, lowest first.
    pub calibration: Vec<CalibrationBin>,
    /// What `top_features` measures ("total gain").
    pub importance_measure: String,
    pub top_features: Vec<FeatureWeight>,
    /// The calibration the probabilities above went through: `"platt"`, `"isotonic"` or `"none"`.
    #[serde(default = "no_calibration")]
    pub calibration_method: String,
    /// The rows the calibration was fitted on: carved out of the training rows, never the holdout's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_rows: Option<ClassCounts>,
    /// The holdout log-loss of the model's own probabilities, before calibration (`log_loss` without one).
    #[serde(default = "not_known")]
    pub uncalibrated_log_loss: f64,
    /// Why a calibration that was asked for was not fitted, or not applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_warning: Option<String>,
    /// A calibration that was fitted but not applied because it worsened the holdout log-loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_rejected: Option<RejectedCalibration>,
    /// The report in plain words, for people who do not read AUCs (see [`summarize`](Self::summarize)).
    #[serde(default)]
    pub summary: Vec<String>,
    /// What training did with columns it did not use as they were: left out (identifiers, leakage, as
    /// asked) or encoded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnNote>,
}

fn no_calibration() -> String {
    "none".into()
}

fn not_known() -> f64 {
    f64::NAN
}

mod summary;
use summary::directions;

/// Evaluates `model` (trained on `train`) on `holdout`, listing its `top` most important features.
pub fn evaluate(
    model: &dyn TrainedModel,
    train: &Dataset,
    holdout: &Dataset,
    top: usize,
) -> Result<Report, TrainError> {
    evaluate_calibrated(model, train, holdout, top, None)
}

/// Evaluates a [`train_calibrated`](super::train_calibrated) model on `holdout`: the training counts are
/// those of the rows the model was fitted on, the metrics those of its calibrated probabilities, and the
/// report carries the calibration's method and rows, or the warning saying why there is none. A calibration
/// whose holdout log-loss is above the uncalibrated model's is not applied: the report is the uncalibrated
/// model's, with [`Report::calibration_rejected`] and a warning (the caller then leaves it out of the
/// manifest; [`Report::applies_calibration`] says whether to keep it).
pub fn evaluate_training<M: TrainedModel>(
    training: &CalibratedTraining<M>,
    holdout: &Dataset,
    top: usize,
) -> Result<Report, TrainError> {
    let mut report =
        evaluate_calibrated(&training.model, &training.fitted_on, holdout, top, training.calibration.as_ref())?;
    report.calibration_warning = training.warning.clone();
    if let Some(fitted) = &training.calibration
        && report.log_loss > report.uncalibrated_log_loss
    {
        let rejected = RejectedCalibration {
            method: fitted.method.as_str().into(),
            calibrated_log_loss: report.log_loss,
            uncalibrated_log_loss: report.uncalibrated_log_loss,
        };
        report = evaluate_calibrated(&training.model, &training.fitted_on, holdout, top, None)?;
        report.calibration_warning = Some(format!(
            "{} calibration not applied: it raised the holdout log-loss from {:.4} to {:.4}; the model is uncalibrated",
            rejected.method, rejected.uncalibrated_log_loss, rejected.calibrated_log_loss
        ));
        report.calibration_rejected = Some(rejected);
        report.summarize();
    }
    Ok(report)
}

/// [`evaluate`] with every holdout probability through `calibrated_by` when there is one: AUC, log-loss,
/// lift and the decile table are then those of the calibrated probabilities, and `uncalibrated_log_loss`
/// that of the model's own.
pub fn evaluate_calibrated(
    model: &dyn TrainedModel,
    train: &Dataset,
    holdout: &Dataset,
    top: usize,
    calibrated_by: Option<&FittedCalibration>,
) -> Result<Report, TrainError> {
    holdout.check_shape()?;
    if holdout.num_features() != model.num_features() {
        return Err(TrainError::InvalidData(format!(
            "the holdout has {} features, the model {}",
            holdout.num_features(),
            model.num_features()
        )));
    }
    if let Some(names) = model.feature_names()
        && names != holdout.feature_names.as_slice()
    {
        return Err(TrainError::InvalidData("the holdout's features are not the model's, in order".into()));
    }
    let raw: Vec<f64> = holdout.rows.iter().map(|r| model.predict(r)).collect();
    let predictions: Vec<f64> = match calibrated_by {
        Some(c) => holdout.rows.iter().map(|r| c.predict(model, r)).collect(),
        None => raw.clone(),
    };
    let train_counts = ClassCounts::of(train);
    let train_rate = train_counts.won_rate();
    let directions = directions(model, holdout);
    let mut report = Report {
        model: model.kind().into(),
        features: model.num_features(),
        train: train_counts,
        holdout: ClassCounts::of(holdout),
        auc: auc(&predictions, &holdout.labels),
        log_loss: log_loss(&predictions, &holdout.labels),
        baseline_log_loss: log_loss(&vec![train_rate; holdout.num_rows()], &holdout.labels),
        lift_top_decile: lift(&predictions, &holdout.labels, 0.1),
        calibration: calibration(&predictions, &holdout.labels, 10),
        importance_measure: model.importance_measure().into(),
        top_features: model
            .feature_importance()
            .into_iter()
            .take(top)
            .map(|(name, importance)| {
                let direction = holdout
                    .feature_names
                    .iter()
                    .position(|n| *n == name)
                    .map_or_else(either_way, |j| directions[j].to_string());
                FeatureWeight { name, importance, direction }
            })
            .collect(),
        calibration_method: calibrated_by.map_or_else(no_calibration, |c| c.method.as_str().into()),
        calibration_rows: calibrated_by.map(|c| c.rows),
        uncalibrated_log_loss: log_loss(&raw, &holdout.labels),
        calibration_warning: None,
        calibration_rejected: None,
        summary: Vec::new(),
        columns: Vec::new(),
    };
    report.summarize();
    Ok(report)
}

/// Row indices sorted by score, ascending (ties in row order).
fn ascending(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    order
}

/// Groups of equal scores in `order`, as ranges of positions.
fn tie_groups<'a>(scores: &'a [f64], order: &'a [usize]) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= order.len() {
            return None;
        }
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let group = start..end;
        start = end;
        Some(group)
    })
}

/// The area under the ROC curve: the probability that a random won row scores above a random lost one, ties
/// counting half (the Mann–Whitney statistic with average ranks). NaN unless both classes are present.
pub fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    assert_eq!(scores.len(), labels.len(), "one label per score");
    let won = labels.iter().filter(|&&l| l).count();
    let lost = labels.len() - won;
    if won == 0 || lost == 0 {
        return f64::NAN;
    }
    let order = ascending(scores);
    let mut won_rank_sum = 0.0;
    for group in tie_groups(scores, &order) {
        // Ranks are 1-based: the group holds ranks start+1 ..= end, averaging (start + end + 1) / 2.
        let rank = (group.start + group.end + 1) as f64 / 2.0;
        won_rank_sum += rank * order[group].iter().filter(|&&i| labels[i]).count() as f64;
    }
    let (won, lost) = (won as f64, lost as f64);
    (won_rank_sum - won * (won + 1.0) / 2.0) / (won * lost)
}

/// Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]. NaN without rows.
pub fn log_loss(probabilities: &[f64], labels: &[bool]) -> f64 {
    assert_eq!(probabilities.len(), labels.len(), "one label per probability");
    let total: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(&p, &won)| {
            let p = p.clamp(1e-15, 1.0 - 1e-15);
            -(if won { p } else { 1.0 - p }).ln()
        })
        .sum();
    total / probabilities.len() as f64
}

/// Rows sorted by predicted probability into `groups` groups of equal count (the first ones one smaller when
/// it does not divide), with their mean prediction and observed won rate (both to 3 significant digits).
/// Counts sum to the rows, won to the won rows.
pub fn calibration(probabilities: &[f64], labels: &[bool], groups: usize) -> Vec<CalibrationBin> {
    assert_eq!(probabilities.len(), labels.len(), "one label per probability");
    let n = probabilities.len();
    let order = ascending(probabilities);
    (0..groups)
        .map(|g| {
            let members = &order[g * n / groups..(g + 1) * n / groups];
            let count = members.len();
            let won = members.iter().filter(|&&i| labels[i]).count();
            let mean_predicted = members.iter().map(|&i| probabilities[i]).sum::<f64>() / count as f64;
            CalibrationBin {
                decile: g + 1,
                count,
                won,
                mean_predicted: round_significant(mean_predicted, 3),
                observed_rate: round_significant(won as f64 / count as f64, 3),
            }
        })
        .collect()
}

/// The won rate among the top `fraction` of rows by score over the overall won rate. Rows tied at the cut
/// count in proportion (a tie group straddling it contributes its mean won rate), so row order never
/// matters. NaN when no row is won.
pub fn lift(scores: &[f64], labels: &[bool], fraction: f64) -> f64 {
    assert_eq!(scores.len(), labels.len(), "one label per score");
    let n = scores.len();
    let total_won = labels.iter().filter(|&&l| l).count();
    if n == 0 || total_won == 0 {
        return f64::NAN;
    }
    let take = ((n as f64 * fraction).ceil() as usize).clamp(1, n);
    let mut order = ascending(scores);
    order.reverse();
    let (mut taken, mut won) = (0usize, 0.0);
    for group in tie_groups(scores, &order) {
        if taken >= take {
            break;
        }
        let size = group.len();
        let group_won = order[group].iter().filter(|&&i| labels[i]).count() as f64;
        let portion = size.min(take - taken);
        won += group_won * portion as f64 / size as f64;
        taken += portion;
    }
    (won / take as f64) / (total_won as f64 / n as f64)
}

impl Report {
    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report serialises")
    }
}

/// `x` rounded to `digits` significant digits (NaN, infinities and 0 as they are).
pub fn round_significant(x: f64, digits: i32) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// `x` printed with `digits` significant digits, no more decimals than that needs ("12.3", "0.0457",
/// "100"); "n/a" for NaN.
pub fn significant(x: f64, digits: i32) -> String {
    if x.is_nan() {
        return "n/a".into();
    }
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let rounded = round_significant(x, digits);
    let decimals = (digits - 1 - rounded.abs().log10().floor() as i32).max(0) as usize;
    format!("{rounded:.decimals$}")
}

/// A probability as a percentage of 3 significant digits ("12.3%", "0.457%").
fn percent(x: f64) -> String {
    if x.is_nan() { "–".into() } else { format!("{}%", significant(100.0 * x, 3)) }
}

fn number(x: f64, decimals: usize) -> String {
    if x.is_nan() { "n/a".into() } else { format!("{x:.decimals$}") }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.summary.is_empty() {
            writeln!(f, "In plain words:")?;
            for line in &self.summary {
                writeln!(f, "  - {line}")?;
            }
            writeln!(f)?;
        }
        if !self.columns.is_empty() {
            writeln!(f, "Columns:")?;
            for note in &self.columns {
                writeln!(f, "  - {note}")?;
            }
            writeln!(f)?;
        }
        writeln!(f, "{}, {} features", self.model, self.features)?;
        let counts = |c: &ClassCounts| format!("{} rows ({} won, {} lost)", c.rows, c.won, c.lost);
        writeln!(f, "training: {}", counts(&self.train))?;
        writeln!(f, "holdout:  {}; won rate {}", counts(&self.holdout), percent(self.holdout.won_rate()))?;
        let calibrated = self.calibration_method != "none";
        match &self.calibration_rows {
            Some(rows) if calibrated => writeln!(
                f,
                "calibration: {}, fitted on {} held out of training; the metrics below are calibrated",
                self.calibration_method,
                counts(rows)
            )?,
            _ => writeln!(f, "calibration: {}", self.calibration_method)?,
        }
        if let Some(warning) = &self.calibration_warning {
            writeln!(f, "warning: {warning}")?;
        }
        writeln!(f)?;
        writeln!(f, "AUC               {}", number(self.auc, 3))?;
        let uncalibrated = if calibrated {
            format!("uncalibrated {}; ", number(self.uncalibrated_log_loss, 4))
        } else {
            String::new()
        };
        writeln!(
            f,
            "log-loss          {}  ({uncalibrated}predicting the training won rate: {})",
            number(self.log_loss, 4),
            number(self.baseline_log_loss, 4)
        )?;
        writeln!(f, "lift in top 10%   {}×", number(self.lift_top_decile, 2))?;
        writeln!(f)?;
        let which = if calibrated { "calibrated probability" } else { "predicted probability" };
        writeln!(f, "calibration on the holdout, by decile of {which} (1 = lowest)")?;
        writeln!(f, "{:>6} {:>7} {:>6} {:>10} {:>9}", "decile", "rows", "won", "predicted", "observed")?;
        for bin in &self.calibration {
            writeln!(
                f,
                "{:>6} {:>7} {:>6} {:>10} {:>9}",
                bin.decile,
                bin.count,
                bin.won,
                percent(bin.mean_predicted),
                percent(bin.observed_rate)
            )?;
        }
        if !self.top_features.is_empty() {
            writeln!(f)?;
            writeln!(
                f,
                "top features by {} (+: a higher value makes a win more likely, −: less likely, ±: either way)",
                self.importance_measure
            )?;
            let width = self.top_features.iter().map(|w| w.name.chars().count()).max().unwrap_or(0);
            for (i, w) in self.top_features.iter().enumerate() {
                let direction = if w.direction == "-" { "−" } else { w.direction.as_str() };
                writeln!(f, "{:>4}. {:<width$}  {direction}  {}", i + 1, w.name, significant(w.importance, 4))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AUC by counting pairs.
    fn pairwise_auc(scores: &[f64], labels: &[bool]) -> f64 {
        let (mut total, mut pairs) = (0.0, 0.0);
        for i in 0..scores.len() {
            for j in 0..scores.len() {
                if labels[i] && !labels[j] {
                    pairs += 1.0;
                    total += if scores[i] > scores[j] {
                        1.0
                    } else if scores[i] == scores[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        total / pairs
    }

    #[test]
    fn auc_counts_ties_half() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.1, 0.9];
        let labels = [false, false, true, true, true, false, true, true];
        assert!((auc(&scores, &labels) - pairwise_auc(&scores, &labels)).abs() < 1e-12);
        assert_eq!(auc(&[0.5; 4], &[true, false, true, false]), 0.5);
        assert_eq!(auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]), 1.0);
        assert_eq!(auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]), 0.0);
        assert!(auc(&[0.1, 0.2], &[true, true]).is_nan());
    }

    #[test]
    fn log_loss_clips() {
        assert!((log_loss(&[0.5, 0.5], &[true, false]) - 2f64.ln()).abs() < 1e-15);
        let clipped = log_loss(&[0.0], &[true]);
        assert!((clipped - -(1e-15f64).ln()).abs() < 1e-9 && clipped.is_finite());
    }

    #[test]
    fn calibration_covers_every_row() {
        let probabilities: Vec<f64> = (0..25).map(|i| f64::from(i) / 25.0).collect();
        let labels: Vec<bool> = (0..25).map(|i| i % 3 == 0).collect();
        let table = calibration(&probabilities, &labels, 10);
        assert_eq!(table.iter().map(|b| b.count).sum::<usize>(), 25);
        assert_eq!(table.iter().map(|b| b.won).sum::<usize>(), 9);
        assert_eq!(table[0].count, 2);
        assert_eq!(table[9].count, 3);
        assert!(table.windows(2).all(|w| w[0].mean_predicted < w[1].mean_predicted));
    }

    #[test]
    fn calibrated_reports_state_the_method_and_compare_log_loss() {
        use crate::train::{CalibrationMethod, LogisticConfig, SplitMix64, split, train_calibrated, train_logistic};
        // About 16 % won; class weights without the intercept refit overstate every probability.
        let mut rng = SplitMix64::new(11);
        let (mut rows, mut labels) = (Vec::new(), Vec::new());
        for _ in 0..2500 {
            let x = 4.0 * rng.next_f64() - 1.0;
            rows.push(vec![x]);
            labels.push(rng.next_f64() < crate::sigmoid(2.0 * x - 5.0));
        }
        let data = Dataset::new(vec!["x".into()], rows, labels).unwrap();
        let config = LogisticConfig { balance_classes: true, recalibrate_intercept: false, ..Default::default() };
        let (train, holdout) = split(&data, 0.2, 1).unwrap();
        let trained =
            train_calibrated(&train, Some(CalibrationMethod::Platt), 2, |d| train_logistic(d, &config)).unwrap();
        let report = evaluate_training(&trained, &holdout, 5).unwrap();
        let plain = evaluate(&trained.model, &trained.fitted_on, &holdout, 5).unwrap();
        assert_eq!(report.calibration_method, "platt");
        assert_eq!(report.train, ClassCounts::of(&trained.fitted_on));
        assert_eq!(report.calibration_rows, Some(trained.calibration.as_ref().unwrap().rows));
        assert_eq!(report.uncalibrated_log_loss, plain.log_loss);
        assert!(report.log_loss < report.uncalibrated_log_loss - 0.05, "{report}");
        // Platt is strictly monotone: the ranking, so AUC and lift, are unchanged.
        assert_eq!(report.auc, plain.auc);
        let fitted = trained.calibration.as_ref().unwrap();
        let calibrated: Vec<f64> = holdout.rows.iter().map(|r| fitted.predict(&trained.model, r)).collect();
        assert_eq!(report.calibration, calibration(&calibrated, &holdout.labels, 10));
        assert_eq!(report.log_loss, log_loss(&calibrated, &holdout.labels));
        assert_eq!(plain.calibration_method, "none");
        assert_eq!(plain.uncalibrated_log_loss, plain.log_loss);

        let text = report.to_string();
        assert!(text.contains("calibration: platt, fitted on 400 rows ("), "{text}");
        assert!(text.contains(&format!("(uncalibrated {:.4};", report.uncalibrated_log_loss)), "{text}");
        assert!(text.contains("by decile of calibrated probability"), "{text}");
        let text = plain.to_string();
        assert!(text.contains("calibration: none\n") && !text.contains("uncalibrated"), "{text}");
        // The JSON carries it, and reads back.
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["calibration_method"], "platt");
        assert_eq!(json["uncalibrated_log_loss"].as_f64(), Some(report.uncalibrated_log_loss));
        assert!(json.get("calibration_warning").is_none());
        let back: Report = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(back, report);
        // The warning of a calibration that could not be fitted is printed.
        let mut warned = plain.clone();
        warned.calibration_warning = Some("platt calibration not fitted: too few won".into());
        assert!(warned.to_string().contains("warning: platt calibration not fitted: too few won\n"));
    }

    /// 2000 rows: won more often as `x` rises and as `y` falls; `noise` does nothing.
    fn two_signals(seed: u64) -> Dataset {
        let mut rng = crate::train::SplitMix64::new(seed);
        let (mut rows, mut labels) = (Vec::new(), Vec::new());
        for _ in 0..2000 {
            let (x, y, noise) = (rng.next_f64() * 4.0, rng.next_f64() * 4.0, rng.next_f64());
            rows.push(vec![x, y, noise]);
            labels.push(rng.next_f64() < crate::sigmoid(1.5 * x - 1.0 * y - 1.5));
        }
        Dataset::new(vec!["demo_views".into(), "days_to_reply".into(), "noise".into()], rows, labels).unwrap()
    }

    #[test]
    fn the_report_opens_in_plain_words_with_directions() {
        use crate::train::prepare::ColumnAction;
        use crate::train::{LogisticConfig, split, train_logistic};
        let data = two_signals(3);
        let (train, holdout) = split(&data, 0.2, 1).unwrap();
        let model = train_logistic(&train, &LogisticConfig::default()).unwrap();
        let report = evaluate(&model, &train, &holdout, 3).unwrap();
        let direction = |name: &str| report.top_features.iter().find(|w| w.name == name).unwrap().direction.clone();
        assert_eq!((direction("demo_views").as_str(), direction("days_to_reply").as_str()), ("+", "-"));
        assert_eq!(
            report.summary[0],
            format!(
                "Ranks a random won lead above a random lost one {:.0} % of the time (50 % is guessing).",
                100.0 * report.auc
            )
        );
        assert!(
            report.summary[1].starts_with(&format!(
                "The top 10 % of leads by score win {}× as often as the average lead (",
                significant(report.lift_top_decile, 2)
            )),
            "{:?}",
            report.summary
        );
        assert!(report.summary[2].contains("More demo views → more likely to win"), "{:?}", report.summary);
        assert!(report.summary[2].contains("more days to reply → less likely to win"), "{:?}", report.summary);
        let report = report.with_columns(vec![
            ColumnNote { column: "lead_id".into(), action: ColumnAction::Identifier, why: "an id-like name".into() },
            ColumnNote { column: "stage".into(), action: ColumnAction::Leakage, why: "AUC 1.000".into() },
        ]);
        assert_eq!(
            report.summary.last().unwrap(),
            "Left out: lead_id (identifies a row), stage (gives the outcome away)."
        );
        let text = report.to_string();
        assert!(text.starts_with("In plain words:\n  - Ranks a random won lead"), "{text}");
        assert!(text.contains("Columns:\n  - lead_id: left out as an identifier (an id-like name)\n"), "{text}");
        assert!(text.contains("  - stage: left out as leakage (AUC 1.000)\n"), "{text}");
        let first = report.top_features[0].name.clone();
        assert!(
            text.lines().any(|l| l.trim_start().starts_with("1. ")
                && l.contains(&first)
                && (l.contains(" + ") || l.contains(" − "))),
            "{text}"
        );
        // The JSON has the summary, the notes and the directions.
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["summary"].as_array().unwrap().len(), report.summary.len());
        assert_eq!(json["columns"][1]["action"], "leakage");
        assert!(json["top_features"].as_array().unwrap().iter().any(|w| w["direction"] == "-"));
        // Probabilities to 3 significant digits, in the table and in the JSON.
        for bin in &report.calibration {
            for p in [bin.mean_predicted, bin.observed_rate] {
                assert_eq!(p, round_significant(p, 3), "{p}");
            }
        }
        assert!(text.lines().any(|l| l.trim_start().starts_with("10 ") && l.ends_with('%')), "{text}");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(12.3456, 3), "12.3");
        assert_eq!(significant(0.045678, 3), "0.0457");
        assert_eq!(significant(99.96, 3), "100");
        assert_eq!(significant(100.0, 3), "100");
        assert_eq!(significant(1.8249, 2), "1.8");
        assert_eq!(significant(0.0, 3), "0");
        assert_eq!(significant(f64::NAN, 3), "n/a");
        assert_eq!(percent(0.123456), "12.3%");
        assert_eq!(percent(0.0004567), "0.0457%");
        assert_eq!(round_significant(0.123456, 3), 0.123);
    }

    #[test]
    fn a_calibration_that_worsens_the_holdout_is_not_applied() {
        use crate::train::{
            CalibrationMethod, LogisticConfig, fit_calibration, split, train_calibrated, train_logistic,
        };
        let data = two_signals(5);
        let (train, holdout) = split(&data, 0.2, 1).unwrap();
        let config = LogisticConfig::default();
        let mut trained =
            train_calibrated(&train, Some(CalibrationMethod::Platt), 2, |d| train_logistic(d, &config)).unwrap();
        let good = evaluate_training(&trained, &holdout, 3).unwrap();
        // A calibration that flattens every probability towards a half hurts the holdout.
        let mut fitted = trained.calibration.clone().unwrap();
        fitted.calibration = crate::Calibration::Platt { a: 0.1, b: 0.0 };
        trained.calibration = Some(fitted);
        let report = evaluate_training(&trained, &holdout, 3).unwrap();
        assert!(!report.applies_calibration());
        assert_eq!(report.calibration_method, "none");
        assert!(report.calibration_rows.is_none());
        let rejected = report.calibration_rejected.clone().expect("rejected");
        assert_eq!(rejected.method, "platt");
        assert!(rejected.calibrated_log_loss > rejected.uncalibrated_log_loss);
        assert_eq!(report.log_loss, rejected.uncalibrated_log_loss);
        assert_eq!(report.log_loss, report.uncalibrated_log_loss);
        let warning = report.calibration_warning.clone().unwrap();
        assert_eq!(
            warning,
            format!(
                "platt calibration not applied: it raised the holdout log-loss from {:.4} to {:.4}; the model is uncalibrated",
                rejected.uncalibrated_log_loss, rejected.calibrated_log_loss
            )
        );
        assert!(
            report
                .summary
                .iter()
                .any(|l| l == "The platt calibration was not applied: it made the holdout's probabilities worse.")
        );
        let text = report.to_string();
        assert!(text.contains(&format!("calibration: none\nwarning: {warning}\n")), "{text}");
        // One that helps (or does no harm) is kept.
        let helped = good.calibration_rejected.is_none() == good.applies_calibration();
        assert!(helped, "{good}");
        let again = fit_calibration(&trained.model, &trained.fitted_on, CalibrationMethod::Platt).unwrap();
        assert_eq!(again.method, CalibrationMethod::Platt);
    }

    #[test]
    fn lift_shares_ties_at_the_cut() {
        // 10 rows, top 10% = 1 row; the top score is shared by two rows, one won: half a won row.
        let scores = [0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let labels = [true, false, false, false, false, false, false, false, false, true];
        assert!((lift(&scores, &labels, 0.1) - 0.5 / 0.2).abs() < 1e-12);
        let reversed_labels = [false, true, false, false, false, false, false, false, false, true];
        assert_eq!(lift(&scores, &labels, 0.1), lift(&scores, &reversed_labels, 0.1));
        assert!(lift(&scores, &[false; 10], 0.1).is_nan());
    }
}
