//! The report in plain words: what a feature going up does to a lead's chances (from the correlation of its
//! value with its contribution on holdout rows), and the summary a sales team reads first.

use super::{Dataset, Report, TrainedModel, percent, significant};
use crate::train::prepare::{ColumnAction, ColumnNote};

/// The most holdout rows [`directions`] explains.
const DIRECTION_ROWS: usize = 500;

/// Per feature, `"+"`, `"-"` or `"±"`: the sign of the correlation between its value and its
/// contribution to the margin over (up to [`DIRECTION_ROWS`] evenly spread) holdout rows, `"±"` when the
/// correlation is weak (|r| < 0.3) or there is none to measure. Missing values are left out.
pub(super) fn directions(model: &dyn TrainedModel, holdout: &Dataset) -> Vec<&'static str> {
    let nf = model.num_features();
    let step = holdout.num_rows().div_ceil(DIRECTION_ROWS).max(1);
    // Per feature: n, Σx, Σφ, Σx², Σφ², Σxφ.
    let mut sums = vec![[0.0f64; 6]; nf];
    for row in holdout.rows.iter().step_by(step) {
        let phi = model.contributions(row);
        for (j, s) in sums.iter_mut().enumerate() {
            let (x, c) = (row[j], phi.get(j).copied().unwrap_or(0.0));
            if x.is_nan() || !c.is_finite() {
                continue;
            }
            for (acc, v) in s.iter_mut().zip([1.0, x, c, x * x, c * c, x * c]) {
                *acc += v;
            }
        }
    }
    sums.iter()
        .map(|&[n, sx, sc, sxx, scc, sxc]| {
            let cov = sxc - sx * sc / n;
            let (vx, vc) = (sxx - sx * sx / n, scc - sc * sc / n);
            let r = cov / (vx * vc).sqrt();
            if !(n >= 2.0 && vx > 1e-12 && vc > 1e-12 && r.is_finite()) || r.abs() < 0.3 {
                "±"
            } else if r > 0.0 {
                "+"
            } else {
                "-"
            }
        })
        .collect()
}

/// A feature's name in words: underscores as spaces.
fn words(name: &str) -> String {
    name.replace('_', " ")
}

/// What a feature going up does, in words: "more demo views → more likely to win", "industry is software →
/// less likely to win", "lead source: values that won more often before → more likely to win".
fn direction_phrase(name: &str, direction: &str) -> Option<String> {
    let effect = match direction {
        "+" => "more likely to win",
        "-" => "less likely to win",
        _ => return None,
    };
    if let Some(column) = name.strip_suffix(" (won rate)") {
        let values =
            if direction == "+" { "values that won more often before" } else { "values that won less often before" };
        return Some(format!("{}: {values} → more likely to win", words(column)));
    }
    if let Some((column, level)) = name.split_once('=') {
        let level = if level == "(other)" { "a rarer value" } else { level };
        return Some(format!("{} is {level} → {effect}", words(column)));
    }
    Some(format!("more {} → {effect}", words(name)))
}

impl Report {
    /// Writes [`summary`](Self::summary) from the metrics, the features' directions, the calibration and the
    /// column notes: what a sales team needs to trust (or distrust) the model, in words.
    pub fn summarize(&mut self) {
        let mut summary = Vec::new();
        if !self.auc.is_nan() {
            summary.push(format!(
                "Ranks a random won lead above a random lost one {:.0} % of the time (50 % is guessing).",
                100.0 * self.auc
            ));
            if self.auc < 0.6 {
                summary.push(
                    "That is barely better than guessing: the columns it was given say little about the outcome."
                        .into(),
                );
            }
        }
        if !self.lift_top_decile.is_nan() {
            let rate = self.holdout.won_rate();
            summary.push(format!(
                "The top 10 % of leads by score win {}× as often as the average lead ({} against {}).",
                significant(self.lift_top_decile, 2),
                percent(self.lift_top_decile * rate),
                percent(rate)
            ));
        }
        let phrases: Vec<String> =
            self.top_features.iter().filter_map(|w| direction_phrase(&w.name, &w.direction)).take(3).collect();
        if !phrases.is_empty() {
            let mut text = phrases.join("; ");
            if let Some(first) = text.get(..1) {
                text = first.to_uppercase() + &text[1..];
            }
            summary.push(format!("{text}."));
        }
        if let Some(rejected) = &self.calibration_rejected {
            summary.push(format!(
                "The {} calibration was not applied: it made the holdout's probabilities worse.",
                rejected.method
            ));
        }
        let left_out: Vec<String> = self
            .columns
            .iter()
            .filter(|n| matches!(n.action, ColumnAction::Identifier | ColumnAction::Leakage))
            .map(|n| {
                let why =
                    if n.action == ColumnAction::Identifier { "identifies a row" } else { "gives the outcome away" };
                format!("{} ({why})", n.column)
            })
            .collect();
        if !left_out.is_empty() {
            summary.push(format!("Left out: {}.", left_out.join(", ")));
        }
        self.summary = summary;
    }

    /// Sets the column notes and rewrites the summary with them.
    pub fn with_columns(mut self, columns: Vec<ColumnNote>) -> Self {
        self.columns = columns;
        self.summarize();
        self
    }

    /// Whether the report's metrics are of calibrated probabilities (a calibration was fitted and kept).
    pub fn applies_calibration(&self) -> bool {
        self.calibration_method != "none"
    }
}
