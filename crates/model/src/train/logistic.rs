//! L2-regularised logistic regression.
//!
//! Features are standardised with the training set's mean and standard deviation (a missing value is imputed
//! at the mean, i.e. standardises to 0 and contributes nothing). The classes are weighted inversely to their
//! frequency by default, so the minority class (usually "won") shapes the coefficients as much as the
//! majority; the intercept is then refitted without weights so that the probabilities stay on the training
//! base rate (the mean predicted probability on the training set equals its won rate). The weighted,
//! penalised log-likelihood is maximised by Newton's method with a backtracking line search: the objective is
//! strictly convex for `l2 > 0`, so the fit is unique and the same data always gives the same model.
//!
//! The model is saved in the one logistic format, [`crate::logistic`]'s
//! `{"format": "leadsmith-logistic", "version": 1, "features": [...], "coefficients": [...], "intercept": x,
//! "standardize": {"mean": [...], "std": [...]}}`, with
//! margin = intercept + Σ coefficient · (x − mean) / std, and read back by its one reader.

use super::{Dataset, TrainError, TrainedModel, check_trainable, rank_importance};
use crate::logistic::{self, LogisticModel, Standardize};
use crate::{ModelError, Objective, Predictor};

/// Settings for [`train_logistic`].
#[derive(Debug, Clone, PartialEq)]
pub struct LogisticConfig {
    /// The L2 penalty λ/2 · Σ coefficient² on the standardised coefficients (not the intercept), against a
    /// log-likelihood summed over rows (with weights summing to the row count). Default 1.
    pub l2: f64,
    /// Weight each class by `rows / (2 · class count)`. Default on.
    pub balance_classes: bool,
    /// After a balanced fit, refit the intercept without weights so probabilities match the base rate.
    /// Default on (it has no effect without `balance_classes`).
    pub recalibrate_intercept: bool,
    /// Newton iterations at most. Default 100.
    pub max_iterations: usize,
    /// Convergence: stop when the Newton decrement is below `tolerance · (1 + loss)`. Default 1e-12.
    pub tolerance: f64,
    /// Cold start: the fewest won and lost examples to train on. Default 20.
    pub min_per_class: usize,
}

impl Default for LogisticConfig {
    fn default() -> Self {
        Self {
            l2: 1.0,
            balance_classes: true,
            recalibrate_intercept: true,
            max_iterations: 100,
            tolerance: 1e-12,
            min_per_class: super::DEFAULT_MIN_PER_CLASS,
        }
    }
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedLogistic {
    pub features: Vec<String>,
    /// One per feature, on the standardised scale.
    pub coefficients: Vec<f64>,
    pub intercept: f64,
    /// The training mean of each feature (missing values are imputed at it).
    pub mean: Vec<f64>,
    /// The training standard deviation of each feature (1 for a constant or always-missing feature).
    pub std: Vec<f64>,
}

/// Fits a logistic regression to `data`.
pub fn train_logistic(data: &Dataset, config: &LogisticConfig) -> Result<TrainedLogistic, TrainError> {
    if !(config.l2 >= 0.0 && config.l2.is_finite()) {
        return Err(TrainError::InvalidConfig(format!("l2 must be finite and ≥ 0, got {}", config.l2)));
    }
    if config.tolerance.is_nan() || config.tolerance < 0.0 {
        return Err(TrainError::InvalidConfig(format!("tolerance must be ≥ 0, got {}", config.tolerance)));
    }
    check_trainable(data, config.min_per_class)?;
    let n = data.num_rows();
    let p = data.num_features();
    let (mean, std) = standardisation(data);

    // The design matrix: a leading 1 for the intercept, then the standardised values (0 where missing).
    let dim = p + 1;
    let mut z = Vec::with_capacity(n * dim);
    for row in &data.rows {
        z.push(1.0);
        z.extend(row.iter().enumerate().map(|(j, &x)| standardise(x, mean[j], std[j])));
    }
    let y: Vec<f64> = data.labels.iter().map(|&l| f64::from(u8::from(l))).collect();
    let (won, lost) = data.class_counts();
    let weights: Vec<f64> = if config.balance_classes {
        let (w_won, w_lost) = (n as f64 / (2.0 * won as f64), n as f64 / (2.0 * lost as f64));
        data.labels.iter().map(|&l| if l { w_won } else { w_lost }).collect()
    } else {
        vec![1.0; n]
    };

    let problem = Problem { z: &z, y: &y, w: &weights, dim, l2: config.l2 };
    let mut beta = vec![0.0; dim];
    let weighted_won: f64 = y.iter().zip(&weights).map(|(y, w)| y * w).sum();
    let weighted_lost: f64 = weights.iter().sum::<f64>() - weighted_won;
    beta[0] = (weighted_won / weighted_lost).ln();
    let mut loss = problem.loss(&beta);
    for _ in 0..config.max_iterations {
        let (gradient, hessian) = problem.gradient_hessian(&beta);
        let Some(step) = solve_spd(&hessian, dim, &gradient) else { break };
        let decrement: f64 = gradient.iter().zip(&step).map(|(g, s)| g * s).sum();
        // Also stops on a NaN decrement (a numerically broken step).
        if decrement.is_nan() || decrement <= config.tolerance * (1.0 + loss.abs()) {
            break;
        }
        // Backtracking (Armijo) line search along the Newton direction.
        let mut t = 1.0;
        let mut improved = false;
        while t > 1e-12 {
            let candidate: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            let candidate_loss = problem.loss(&candidate);
            if candidate_loss <= loss - 1e-4 * t * decrement {
                beta = candidate;
                loss = candidate_loss;
                improved = true;
                break;
            }
            t /= 2.0;
        }
        if !improved {
            break;
        }
    }

    let coefficients = beta[1..].to_vec();
    let mut intercept = beta[0];
    if config.balance_classes && config.recalibrate_intercept {
        let scores: Vec<f64> =
            z.chunks_exact(dim).map(|zi| zi[1..].iter().zip(&coefficients).map(|(a, b)| a * b).sum()).collect();
        intercept = fit_intercept(&scores, won as f64, intercept);
    }
    Ok(TrainedLogistic { features: data.feature_names.clone(), coefficients, intercept, mean, std })
}

/// Mean and (population) standard deviation of each feature over its non-missing values; 0 and 1 for a
/// feature never present, std 1 for a constant feature.
fn standardisation(data: &Dataset) -> (Vec<f64>, Vec<f64>) {
    let p = data.num_features();
    let (mut mean, mut std) = (vec![0.0; p], vec![1.0; p]);
    for j in 0..p {
        let values: Vec<f64> = data.rows.iter().map(|r| r[j]).filter(|v| !v.is_nan()).collect();
        if values.is_empty() {
            continue;
        }
        let m = values.iter().sum::<f64>() / values.len() as f64;
        let var = values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / values.len() as f64;
        mean[j] = m;
        let s = var.sqrt();
        if s > 0.0 && s.is_finite() {
            std[j] = s;
        }
    }
    (mean, std)
}

fn standardise(x: f64, mean: f64, std: f64) -> f64 {
    if x.is_nan() { 0.0 } else { (x - mean) / std }
}

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// The weighted, penalised negative log-likelihood over a dense design matrix.
struct Problem<'a> {
    z: &'a [f64],
    y: &'a [f64],
    w: &'a [f64],
    dim: usize,
    l2: f64,
}

impl Problem<'_> {
    fn rows(&self) -> impl Iterator<Item = ((&[f64], f64), f64)> {
        self.z.chunks_exact(self.dim).zip(self.y.iter().copied()).zip(self.w.iter().copied())
    }

    fn margin(zi: &[f64], beta: &[f64]) -> f64 {
        zi.iter().zip(beta).map(|(a, b)| a * b).sum()
    }

    fn loss(&self, beta: &[f64]) -> f64 {
        let data: f64 = self
            .rows()
            .map(|((zi, y), w)| {
                let eta = Self::margin(zi, beta);
                w * (softplus(eta) - y * eta)
            })
            .sum();
        data + 0.5 * self.l2 * beta[1..].iter().map(|b| b * b).sum::<f64>()
    }

    /// The gradient and the (row-major, full) Hessian of [`loss`](Self::loss).
    fn gradient_hessian(&self, beta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let d = self.dim;
        let mut g = vec![0.0; d];
        let mut h = vec![0.0; d * d];
        for ((zi, y), w) in self.rows() {
            let p = crate::sigmoid(Self::margin(zi, beta));
            let r = w * (p - y);
            let s = w * p * (1.0 - p);
            for a in 0..d {
                g[a] += r * zi[a];
                let sa = s * zi[a];
                if sa != 0.0 {
                    for b in 0..=a {
                        h[a * d + b] += sa * zi[b];
                    }
                }
            }
        }
        for a in 1..d {
            g[a] += self.l2 * beta[a];
            h[a * d + a] += self.l2;
        }
        for a in 0..d {
            for b in 0..a {
                h[b * d + a] = h[a * d + b];
            }
        }
        (g, h)
    }
}

/// Solves `A x = b` for a symmetric positive (semi-)definite `A` by Cholesky, adding a small ridge when `A` is
/// singular (collinear features without a penalty).
fn solve_spd(a: &[f64], n: usize, b: &[f64]) -> Option<Vec<f64>> {
    let scale = (0..n).map(|i| a[i * n + i].abs()).fold(0.0, f64::max).max(1e-300);
    let mut ridge = 0.0;
    for _ in 0..12 {
        if let Some(x) = cholesky_solve(a, n, b, ridge) {
            return Some(x);
        }
        ridge = if ridge == 0.0 { scale * 1e-12 } else { ridge * 100.0 };
    }
    None
}

fn cholesky_solve(a: &[f64], n: usize, b: &[f64], ridge: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j] + if i == j { ridge } else { 0.0 };
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if !(s > 0.0 && s.is_finite()) {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    let mut y = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - s) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - s) / l[i * n + i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The intercept `b` with Σ sigmoid(b + score) = `won` (unweighted maximum likelihood for the intercept alone),
/// by safeguarded Newton steps from `start`.
fn fit_intercept(scores: &[f64], won: f64, start: f64) -> f64 {
    let mut b = start;
    for _ in 0..200 {
        let (mut f, mut df) = (-won, 0.0);
        for &s in scores {
            let p = crate::sigmoid(b + s);
            f += p;
            df += p * (1.0 - p);
        }
        if f.abs() <= 1e-10 * scores.len() as f64 || df <= 0.0 {
            break;
        }
        let step = (f / df).clamp(-5.0, 5.0);
        b -= step;
        if step.abs() < 1e-14 {
            break;
        }
    }
    b
}

impl TrainedLogistic {
    /// The standardised value of feature `j` in `row` (0 when missing or absent).
    fn z(&self, row: &[f64], j: usize) -> f64 {
        standardise(row.get(j).copied().unwrap_or(f64::NAN), self.mean[j], self.std[j])
    }

    /// The model as `leadsmith-logistic` JSON (pretty-printed), always with its standardisation.
    pub fn to_json(&self) -> String {
        let standardize = Standardize { mean: self.mean.clone(), std: self.std.clone() };
        logistic::write_json(&self.features, &self.coefficients, self.intercept, Some(&standardize))
    }

    /// Reads `leadsmith-logistic` JSON with the format's one reader, [`LogisticModel::from_json`] (so it
    /// accepts and rejects exactly what [`crate::load`] does); a model without `standardize` has mean 0 and
    /// std 1.
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let (features, coefficients, intercept, standardize) = LogisticModel::from_json(text)?.into_parts();
        let (mean, std) = match standardize {
            Some(Standardize { mean, std }) => (mean, std),
            None => (vec![0.0; features.len()], vec![1.0; features.len()]),
        };
        Ok(Self { features, coefficients, intercept, mean, std })
    }
}

impl Predictor for TrainedLogistic {
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
        self.intercept + (0..self.coefficients.len()).map(|j| self.coefficients[j] * self.z(row, j)).sum::<f64>()
    }

    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut out: Vec<f64> = (0..self.coefficients.len()).map(|j| self.coefficients[j] * self.z(row, j)).collect();
        out.push(self.intercept);
        out
    }
}

impl TrainedModel for TrainedLogistic {
    fn kind(&self) -> &'static str {
        "logistic regression"
    }

    fn importance_measure(&self) -> &'static str {
        "|coefficient| (standardised)"
    }

    fn feature_importance(&self) -> Vec<(String, f64)> {
        rank_importance(self.features.iter().cloned().zip(self.coefficients.iter().map(|c| c.abs())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(rows: Vec<Vec<f64>>, labels: Vec<bool>) -> Dataset {
        let p = rows[0].len();
        Dataset { feature_names: (0..p).map(|j| format!("f{j}")).collect(), rows, labels, times: None }
    }

    /// Gradient of the unpenalised, unweighted fit is zero at the optimum: Σ (p − y) z = 0.
    #[test]
    fn unweighted_fit_satisfies_the_score_equations() {
        let mut rng = super::super::SplitMix64::new(3);
        let rows: Vec<Vec<f64>> = (0..400).map(|_| vec![rng.next_f64() * 4.0 - 2.0, rng.next_f64() * 10.0]).collect();
        let labels: Vec<bool> = rows.iter().map(|r| rng.next_f64() < crate::sigmoid(1.5 * r[0] - 0.5)).collect();
        let data = dataset(rows, labels);
        let config = LogisticConfig { l2: 0.0, balance_classes: false, ..LogisticConfig::default() };
        let model = train_logistic(&data, &config).unwrap();
        let mut g = [0.0; 3];
        for (row, &y) in data.rows.iter().zip(&data.labels) {
            let r = model.predict(row) - f64::from(u8::from(y));
            g[0] += r;
            g[1] += r * model.z(row, 0);
            g[2] += r * model.z(row, 1);
        }
        assert!(g.iter().all(|v| v.abs() < 1e-6), "{g:?}");
        // slope on the raw scale ≈ 1.5
        assert!((model.coefficients[0] / model.std[0] - 1.5).abs() < 0.4, "{model:?}");
    }

    #[test]
    fn balanced_fit_is_recalibrated_to_the_base_rate() {
        let mut rng = super::super::SplitMix64::new(9);
        let rows: Vec<Vec<f64>> = (0..2000).map(|_| vec![rng.next_f64() * 4.0 - 2.0]).collect();
        let labels: Vec<bool> = rows.iter().map(|r| rng.next_f64() < crate::sigmoid(2.0 * r[0] - 3.0)).collect();
        let won = labels.iter().filter(|&&l| l).count() as f64;
        let data = dataset(rows, labels);
        let model = train_logistic(&data, &LogisticConfig::default()).unwrap();
        let mean_p: f64 = data.rows.iter().map(|r| model.predict(r)).sum();
        assert!((mean_p - won).abs() < 1e-6, "{mean_p} vs {won}");
        let raw = LogisticConfig { recalibrate_intercept: false, ..LogisticConfig::default() };
        let unrecalibrated = train_logistic(&data, &raw).unwrap();
        assert_eq!(unrecalibrated.coefficients, model.coefficients);
        assert!(unrecalibrated.intercept > model.intercept);
    }

    #[test]
    fn separable_data_without_penalty_stays_finite() {
        let rows: Vec<Vec<f64>> = (0..60).map(|i| vec![i as f64, 1.0]).collect();
        let labels: Vec<bool> = (0..60).map(|i| i >= 30).collect();
        let data = dataset(rows, labels);
        let config = LogisticConfig { l2: 0.0, ..LogisticConfig::default() };
        let model = train_logistic(&data, &config).unwrap();
        assert!(model.coefficients.iter().all(|c| c.is_finite()) && model.intercept.is_finite());
        assert!(model.predict(&[59.0, 1.0]) > 0.99 && model.predict(&[0.0, 1.0]) < 0.01);
        assert_eq!(model.coefficients[1], 0.0, "a constant feature gets no weight");
    }

    #[test]
    fn missing_values_contribute_nothing() {
        let model = TrainedLogistic {
            features: vec!["a".into(), "b".into()],
            coefficients: vec![2.0, -1.0],
            intercept: 0.5,
            mean: vec![1.0, 10.0],
            std: vec![2.0, 5.0],
        };
        assert_eq!(model.contributions(&[3.0, f64::NAN]), vec![2.0, 0.0, 0.5]);
        assert_eq!(model.predict_margin(&[3.0, f64::NAN]), 2.5);
        assert_eq!(model.predict_margin(&[1.0, 20.0]), 0.5 - 2.0);
    }

    #[test]
    fn from_json_rejects_inconsistent_files() {
        let bad = r#"{"format":"leadsmith-logistic","version":1,"features":["a"],"coefficients":[1,2],
            "intercept":0,"standardize":{"mean":[0],"std":[1]}}"#;
        let err = TrainedLogistic::from_json(bad).unwrap_err().to_string();
        assert!(err.contains("coefficients: has 2 values, expected 1"), "{err}");
        let zero_std = r#"{"format":"leadsmith-logistic","version":1,"features":["a"],"coefficients":[1],
            "intercept":0,"standardize":{"mean":[0],"std":[0]}}"#;
        assert!(TrainedLogistic::from_json(zero_std).unwrap_err().to_string().contains("std[0]"));
    }
}
