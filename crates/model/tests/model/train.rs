//! Training on synthetic won/lost history with a known signal.
//!
//! The floors on holdout AUC come from the data-generating model itself (the data is seeded, so the numbers
//! are fixed; the floors leave room for changes to the trainers, not for chance):
//!
//! - linear history, logit = −3.8 + 2·x0 − 1.5·x1 with x2…x4 pure noise (5,000 rows, ~11 % won, 5 % of values
//!   missing): the true logit scores an AUC of 0.918 on the 1,000-row holdout. Logistic regression must reach
//!   0.85 and come within 0.03 of the truth (it reaches 0.911); boosted trees must reach 0.85 (0.899).
//! - interaction history, logit = −3 + 2·x0·x1 + 0.5·x2: the true logit scores 0.873. Boosted trees must reach
//!   0.80 (0.837) and beat logistic regression, which cannot represent a product of features (0.606), by 0.15.

use leadsmith_model::Predictor;
use leadsmith_model::train::naive_bayes::Counts;
use leadsmith_model::train::report::{self, Report};
use leadsmith_model::train::{
    Dataset, GbdtConfig, LogisticConfig, NaiveBayes, TrainError, TrainedGbdt, TrainedLogistic, TrainedModel, split,
    train_gbdt, train_logistic,
};
use serde_json::Value;

/// SplitMix64 with Box–Muller normals: the test data depends on nothing but the seed.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `n` rows of `p` standard-normal features, won with probability sigmoid(logit(x)), then 5 % of the values
/// blanked (NaN). Returns the dataset and each row's true logit.
fn history(n: usize, p: usize, seed: u64, logit: impl Fn(&[f64]) -> f64) -> (Dataset, Vec<f64>) {
    let mut rng = Rng(seed);
    let (mut rows, mut labels, mut truth) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let mut x: Vec<f64> = (0..p).map(|_| rng.normal()).collect();
        let l = logit(&x);
        labels.push(rng.uniform() < sigmoid(l));
        truth.push(l);
        for v in &mut x {
            if rng.uniform() < 0.05 {
                *v = f64::NAN;
            }
        }
        rows.push(x);
    }
    let feature_names = (0..p).map(|j| format!("x{j}")).collect();
    (Dataset { feature_names, rows, labels, times: None }, truth)
}

fn linear_logit(x: &[f64]) -> f64 {
    -3.8 + 2.0 * x[0] - 1.5 * x[1]
}

fn interaction_logit(x: &[f64]) -> f64 {
    -3.0 + 2.0 * x[0] * x[1] + 0.5 * x[2]
}

/// Splits (stratified, seeded) and returns the true logits of the holdout rows too.
fn split_with_truth(data: &Dataset, truth: &[f64]) -> (Dataset, Dataset, Vec<f64>) {
    // Tag each row with its index in a throwaway time-free copy to recover the holdout's truth.
    let mut tagged = data.clone();
    for (i, row) in tagged.rows.iter_mut().enumerate() {
        row.push(i as f64);
    }
    tagged.feature_names.push("index".into());
    let (train, holdout) = split(&tagged, 0.2, 42).unwrap();
    let holdout_truth = holdout.rows.iter().map(|r| truth[*r.last().unwrap() as usize]).collect();
    let strip = |mut d: Dataset| {
        d.feature_names.pop();
        for r in &mut d.rows {
            r.pop();
        }
        d
    };
    (strip(train), strip(holdout), holdout_truth)
}

fn holdout_auc(model: &dyn Predictor, holdout: &Dataset) -> f64 {
    let scores: Vec<f64> = holdout.rows.iter().map(|r| model.predict(r)).collect();
    report::auc(&scores, &holdout.labels)
}

#[test]
fn logistic_regression_recovers_a_linear_signal() {
    let (data, truth) = history(5000, 5, 1, linear_logit);
    let (won, lost) = data.class_counts();
    let rate = won as f64 / data.num_rows() as f64;
    assert!((0.08..0.13).contains(&rate), "won rate {rate} ({won} won, {lost} lost)");
    let (train, holdout, holdout_truth) = split_with_truth(&data, &truth);
    assert_eq!((train.num_rows(), holdout.num_rows()), (4000, 1000));

    let model = train_logistic(&train, &LogisticConfig::default()).unwrap();
    let oracle = report::auc(&holdout_truth, &holdout.labels);
    let auc = holdout_auc(&model, &holdout);
    println!("linear history: logistic AUC {auc:.4}, true-logit AUC {oracle:.4}");
    assert!(auc >= 0.85, "logistic AUC {auc}");
    assert!(auc >= oracle - 0.03, "logistic AUC {auc} vs true model {oracle}");

    // The signal features dominate, with the right signs; on the raw scale the slopes are near 2 and −1.5
    // (attenuated a little by the imputed missing values and the penalty).
    let slope = |j: usize| model.coefficients[j] / model.std[j];
    assert!(slope(0) > 1.4 && slope(0) < 2.6, "x0 slope {}", slope(0));
    assert!(slope(1) < -1.0 && slope(1) > -2.0, "x1 slope {}", slope(1));
    for j in 2..5 {
        assert!(model.coefficients[j].abs() < 0.25, "noise feature x{j}: {}", model.coefficients[j]);
    }
    let top = model.feature_importance();
    assert_eq!((top[0].0.as_str(), top[1].0.as_str()), ("x0", "x1"));

    // Contributions: coefficient × standardised value, the intercept last; a missing value contributes 0.
    let row = [0.5, f64::NAN, -1.0, 0.0, 2.0];
    let c = model.contributions(&row);
    assert_eq!(c.len(), 6);
    assert_eq!(c[1], 0.0);
    assert_eq!(c[5], model.intercept);
    assert!((c.iter().sum::<f64>() - model.predict_margin(&row)).abs() < 1e-12);

    let report = report::evaluate(&model, &train, &holdout, 3).unwrap();
    check_report(&report, &holdout);
    assert!(report.log_loss < report.baseline_log_loss, "{report}");
    // Balanced weights, then the intercept refitted: the holdout's mean prediction is near its won rate.
    let mean_p: f64 = report.calibration.iter().map(|b| b.mean_predicted * b.count as f64).sum::<f64>() / 1000.0;
    assert!((mean_p - report.holdout.won_rate()).abs() < 0.03, "mean prediction {mean_p}");
    println!("{report}");
}

/// Invariants of any report on `holdout`.
fn check_report(report: &Report, holdout: &Dataset) {
    let (won, lost) = holdout.class_counts();
    assert_eq!((report.holdout.rows, report.holdout.won, report.holdout.lost), (holdout.num_rows(), won, lost));
    assert_eq!(report.calibration.len(), 10);
    assert_eq!(report.calibration.iter().map(|b| b.count).sum::<usize>(), holdout.num_rows());
    assert_eq!(report.calibration.iter().map(|b| b.won).sum::<usize>(), won);
    assert!(report.calibration.windows(2).all(|w| w[0].mean_predicted <= w[1].mean_predicted));
    for bin in &report.calibration {
        assert!((bin.observed_rate - bin.won as f64 / bin.count as f64).abs() < 1e-15);
    }
    // The top decile is far richer in won leads than the whole holdout.
    assert!(report.lift_top_decile > 1.0, "lift {}", report.lift_top_decile);
    assert!(report.calibration[9].observed_rate > report.calibration[0].observed_rate);
    assert!(report.log_loss.is_finite() && report.log_loss > 0.0);
    assert_eq!(report.top_features.len(), 3);

    let json: Value = serde_json::from_str(&report.to_json()).unwrap();
    for key in ["model", "train", "holdout", "auc", "log_loss", "lift_top_decile", "calibration", "top_features"] {
        assert!(json.get(key).is_some(), "report JSON lacks {key}");
    }
    assert_eq!(json["calibration"].as_array().unwrap().len(), 10);
    let text = report.to_string();
    for needle in ["AUC", "log-loss", "lift in top 10%", "calibration", "decile", "top features by"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

#[test]
fn boosted_trees_learn_an_interaction_logistic_regression_cannot() {
    let (data, truth) = history(5000, 5, 2, interaction_logit);
    let (train, holdout, holdout_truth) = split_with_truth(&data, &truth);
    let (won, _) = data.class_counts();
    assert!((350..750).contains(&won), "{won} won");

    let gbdt = train_gbdt(&train, &GbdtConfig::default()).unwrap();
    let logistic = train_logistic(&train, &LogisticConfig::default()).unwrap();
    let oracle = report::auc(&holdout_truth, &holdout.labels);
    let gbdt_auc = holdout_auc(&gbdt, &holdout);
    let logistic_auc = holdout_auc(&logistic, &holdout);
    println!("interaction history: GBDT AUC {gbdt_auc:.4}, logistic AUC {logistic_auc:.4}, true-logit AUC {oracle:.4}");
    assert!(gbdt_auc >= 0.80, "GBDT AUC {gbdt_auc}");
    assert!(gbdt_auc >= logistic_auc + 0.15, "GBDT {gbdt_auc} vs logistic {logistic_auc}");

    // The interacting features earn the most gain.
    let top = gbdt.feature_importance();
    let mut first_two = [top[0].0.as_str(), top[1].0.as_str()];
    first_two.sort();
    assert_eq!(first_two, ["x0", "x1"], "{top:?}");

    let report = report::evaluate(&gbdt, &train, &holdout, 3).unwrap();
    check_report(&report, &holdout);
    assert_eq!(report.importance_measure, "total gain");
    println!("{report}");
}

#[test]
fn boosted_trees_on_the_linear_history() {
    let (data, _) = history(5000, 5, 1, linear_logit);
    let (train, holdout) = split(&data, 0.2, 42).unwrap();
    let gbdt = train_gbdt(&train, &GbdtConfig::default()).unwrap();
    let auc = holdout_auc(&gbdt, &holdout);
    println!("linear history: GBDT AUC {auc:.4}");
    assert!(auc >= 0.85, "GBDT AUC {auc}");

    // TreeSHAP contributions sum to the margin, row by row, missing values included.
    for row in holdout.rows.iter().take(200) {
        let c = gbdt.contributions(row);
        assert_eq!(c.len(), 6);
        let sum: f64 = c.iter().sum();
        assert!((sum - gbdt.predict_margin(row)).abs() < 1e-9, "{sum} vs {}", gbdt.predict_margin(row));
        assert_eq!(c[5], gbdt.expected_margin());
    }

    // Saved and loaded, the model predicts and explains the same (to float-parsing precision).
    let loaded = TrainedGbdt::from_json(&gbdt.to_json()).unwrap();
    assert_eq!(loaded.num_trees(), 100);
    for row in holdout.rows.iter().take(50) {
        assert!((loaded.predict(row) - gbdt.predict(row)).abs() < 1e-12);
        for (a, b) in loaded.contributions(row).iter().zip(gbdt.contributions(row)) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}

/// A tree read from `leadsmith-gbdt` JSON, for the brute-force Shapley values.
struct JsonTree(Vec<Value>);

impl JsonTree {
    fn cover(&self, i: usize) -> f64 {
        self.0[i]["cover"].as_f64().unwrap()
    }

    /// v(S): the tree's cover-weighted expectation with the features in `known` fixed to `row`.
    fn conditional(&self, i: usize, row: &[f64], known: u32) -> f64 {
        let node = &self.0[i];
        if let Some(leaf) = node["leaf"].as_f64() {
            return leaf;
        }
        let f = node["feature"].as_u64().unwrap() as usize;
        let (left, right) = (node["left"].as_u64().unwrap() as usize, node["right"].as_u64().unwrap() as usize);
        if known & (1 << f) != 0 {
            let x = row[f];
            let go_left = if x.is_nan() {
                node["default_left"].as_bool().unwrap()
            } else {
                x < node["threshold"].as_f64().unwrap()
            };
            self.conditional(if go_left { left } else { right }, row, known)
        } else {
            (self.cover(left) * self.conditional(left, row, known)
                + self.cover(right) * self.conditional(right, row, known))
                / self.cover(i)
        }
    }
}

/// Shapley values by their definition (a sum over every subset of the other features), bias last.
fn brute_force_shapley(model_json: &str, row: &[f64]) -> Vec<f64> {
    let model: Value = serde_json::from_str(model_json).unwrap();
    let m = model["features"].as_array().unwrap().len();
    let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; m + 1];
    for tree in model["trees"].as_array().unwrap() {
        let tree = JsonTree(tree["nodes"].as_array().unwrap().clone());
        for (i, phi_i) in phi.iter_mut().enumerate().take(m) {
            for set in 0u32..(1 << m) {
                if set & (1 << i) == 0 {
                    let s = set.count_ones() as usize;
                    let weight = factorial(s) * factorial(m - s - 1) / factorial(m);
                    *phi_i += weight * (tree.conditional(0, row, set | (1 << i)) - tree.conditional(0, row, set));
                }
            }
        }
        phi[m] += tree.conditional(0, row, 0);
    }
    phi[m] += model["base_score"].as_f64().unwrap();
    phi
}

#[test]
fn tree_shap_is_exact_on_a_hand_checkable_tree() {
    // x0 < 0.5 → (x1 < 0 → 2 | −2), else 1; covers 10 → (4 → 1 | 3) | 6. Feature x2 is never used.
    let json = r#"{
        "format": "leadsmith-gbdt", "version": 1, "objective": "binary:logistic",
        "features": ["x0", "x1", "x2"], "base_score": 0.0,
        "trees": [{"nodes": [
            {"feature": 0, "threshold": 0.5, "default_left": false, "left": 1, "right": 2, "gain": 3.0, "cover": 10.0},
            {"feature": 1, "threshold": 0.0, "default_left": true, "left": 3, "right": 4, "gain": 2.0, "cover": 4.0},
            {"leaf": 1.0, "cover": 6.0},
            {"leaf": 2.0, "cover": 1.0},
            {"leaf": -2.0, "cover": 3.0}
        ]}]
    }"#;
    let model = TrainedGbdt::from_json(json).unwrap();
    // By hand, at x = (0, 1, 7): f = −2. v(∅) = 0.4·(0.25·2 − 0.75·2) + 0.6·1 = 0.2, v({x0}) = −1,
    // v({x1}) = 0.4·(−2) + 0.6·1 = −0.2, v({x0, x1}) = −2, so
    // φ0 = ½[(−1 − 0.2) + (−2 + 0.2)] = −1.5 and φ1 = ½[(−0.2 − 0.2) + (−2 + 1)] = −0.7.
    let row = [0.0, 1.0, 7.0];
    let expected = [-1.5, -0.7, 0.0, 0.2];
    let phi = model.contributions(&row);
    for (a, b) in phi.iter().zip(expected) {
        assert!((a - b).abs() < 1e-12, "{phi:?} vs {expected:?}");
    }
    assert_eq!(phi[2], 0.0);
    assert_eq!(model.predict_margin(&row), -2.0);
    // Missing x0 follows the default (right, f = 1): v({x0}) = v({x0, x1}) = 1, so
    // φ0 = ½[(1 − 0.2) + (1 + 0.2)] = 1 and φ1 = ½[(−0.2 − 0.2) + (1 − 1)] = −0.2.
    let phi = model.contributions(&[f64::NAN, 1.0, 0.0]);
    assert!((phi[0] - 1.0).abs() < 1e-12 && (phi[1] + 0.2).abs() < 1e-12, "{phi:?}");
    for row in [[0.0, 1.0, 7.0], [0.0, -1.0, 0.0], [1.0, -1.0, 0.0], [f64::NAN, f64::NAN, f64::NAN]] {
        let brute = brute_force_shapley(json, &row);
        for (a, b) in model.contributions(&row).iter().zip(&brute) {
            assert!((a - b).abs() < 1e-12, "{row:?}: {brute:?}");
        }
    }
}

#[test]
fn tree_shap_matches_brute_force_shapley_on_a_trained_ensemble() {
    // Four features, deep enough trees that features repeat along paths (the unwinding case), missing values.
    let (data, _) = history(2000, 4, 3, |x| -2.0 + 1.5 * x[0] * x[1] + x[2] - 0.5 * x[3].abs());
    let config = GbdtConfig { trees: 15, max_depth: 6, ..GbdtConfig::default() };
    let model = train_gbdt(&data, &config).unwrap();
    let json = model.to_json();
    let reloaded = TrainedGbdt::from_json(&json).unwrap();
    let mut rng = Rng(11);
    for i in 0..40 {
        let row: Vec<f64> = if i < 20 {
            data.rows[i].clone()
        } else {
            (0..4).map(|_| if rng.uniform() < 0.2 { f64::NAN } else { 2.0 * rng.normal() }).collect()
        };
        let brute = brute_force_shapley(&json, &row);
        let fast = reloaded.contributions(&row);
        for (a, b) in fast.iter().zip(&brute) {
            assert!((a - b).abs() < 1e-9, "{row:?}: TreeSHAP {fast:?} vs brute force {brute:?}");
        }
        let sum: f64 = model.contributions(&row).iter().sum();
        assert!((sum - model.predict_margin(&row)).abs() < 1e-9);
    }
}

/// CRM-style records: industry drives the outcome, country a little, source not at all; some fields absent.
fn crm_history(n: usize, seed: u64) -> Vec<(Vec<(String, String)>, bool)> {
    let industries = ["software", "retail", "finance", "health", "education", "energy", "media", "logistics"];
    let industry_logit = [1.5, -1.0, 0.5, 0.0, -1.5, 0.2, -0.3, 0.8];
    let countries = ["us", "de", "fr", "uk", "br"];
    let sources = ["web", "event", "referral", "outbound"];
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let i = (rng.next_u64() % 8) as usize;
            let c = (rng.next_u64() % 5) as usize;
            let s = (rng.next_u64() % 4) as usize;
            let logit = -1.5 + industry_logit[i] + if c == 0 { 0.4 } else { 0.0 };
            let won = rng.uniform() < sigmoid(logit);
            let mut record = vec![("industry".to_string(), industries[i].to_string())];
            if rng.uniform() < 0.9 {
                record.push(("country".into(), countries[c].into()));
            }
            if rng.uniform() < 0.7 {
                record.push(("source".into(), sources[s].into()));
            }
            (record, won)
        })
        .collect()
}

#[test]
fn naive_bayes_updated_incrementally_equals_a_rebuild() {
    let history = crm_history(3000, 5);
    let rebuilt = NaiveBayes::fit(&history, 1.0).unwrap();

    // Half the history at once, then leads closing one at a time.
    let mut incremental = NaiveBayes::fit(&history[..1500], 1.0).unwrap();
    for (record, won) in &history[1500..] {
        incremental.observe(record, *won);
    }
    assert_eq!(incremental, rebuilt);
    // From empty, in reverse order.
    let mut reversed = NaiveBayes::new(1.0).unwrap();
    for (record, won) in history.iter().rev() {
        reversed.observe(record, *won);
    }
    assert_eq!(reversed, rebuilt);

    let unseen = vec![("industry".to_string(), "mining".to_string()), ("planet".to_string(), "mars".to_string())];
    for (record, _) in history.iter().take(300).chain([&(unseen.clone(), false)]) {
        assert_eq!(incremental.score(record).to_bits(), rebuilt.score(record).to_bits());
        assert_eq!(incremental.contributions(record), rebuilt.contributions(record));
        let parts: f64 = rebuilt.contributions(record).iter().map(|c| c.2).sum();
        assert!((rebuilt.prior_log_odds() + parts - rebuilt.log_odds(record)).abs() < 1e-12);
    }
    // Unseen values contribute nothing: the score is the prior.
    assert!(rebuilt.contributions(&unseen).iter().all(|c| c.2 == 0.0));
    assert_eq!(rebuilt.log_odds(&unseen), rebuilt.prior_log_odds());

    // The signal is found: software beats education, and the scores rank won leads higher.
    let software = rebuilt.log_odds(&[("industry", "software")]);
    let education = rebuilt.log_odds(&[("industry", "education")]);
    assert!(software > education + 2.0, "{software} vs {education}");
    let scores: Vec<f64> = history.iter().map(|(r, _)| rebuilt.score(r)).collect();
    let labels: Vec<bool> = history.iter().map(|(_, w)| *w).collect();
    let auc = report::auc(&scores, &labels);
    println!("naive Bayes in-sample AUC {auc:.4}");
    assert!(auc > 0.7, "{auc}");

    // Counts, and the JSON round trip (integers and α survive exactly).
    let software_counts = rebuilt.counts("industry", "software");
    assert_eq!(
        software_counts.won + software_counts.lost,
        history.iter().filter(|(r, _)| r[0].1 == "software").count() as u64
    );
    assert_eq!(rebuilt.counts("industry", "mining"), Counts::default());
    let json = rebuilt.to_json();
    let loaded = NaiveBayes::from_json(&json).unwrap();
    assert_eq!(loaded, rebuilt);
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format"], "leadsmith-naive-bayes");
    assert_eq!(value["fields"]["industry"]["software"]["won"].as_u64(), Some(software_counts.won));

    // Laplace α is configurable and changes the smoothing.
    let smoother = NaiveBayes::fit(&history, 10.0).unwrap();
    assert!(smoother.log_odds(&[("industry", "software")]).abs() < software.abs() + 1.0);
    assert_ne!(smoother.log_odds(&[("industry", "software")]), software);
}

#[test]
fn cold_start_refuses_to_train() {
    let (mut data, _) = history(47, 2, 4, |_| 0.0);
    data.labels = (0..47).map(|i| i < 7).collect();
    let expected = "too little history to train: 7 won, 40 lost (need 20 of each)";
    let err = train_logistic(&data, &LogisticConfig::default()).unwrap_err();
    assert_eq!(err, TrainError::TooLittleHistory { won: 7, lost: 40, need: 20 });
    assert_eq!(err.to_string(), expected);
    assert_eq!(train_gbdt(&data, &GbdtConfig::default()).unwrap_err().to_string(), expected);

    // The minimum is configurable.
    let lenient = LogisticConfig { min_per_class: 5, ..LogisticConfig::default() };
    assert!(train_logistic(&data, &lenient).is_ok());
    let gbdt = GbdtConfig { min_per_class: 5, trees: 5, ..GbdtConfig::default() };
    assert!(train_gbdt(&data, &gbdt).is_ok());

    // With no minimum at all, a single class is still refused.
    data.labels = vec![false; 47];
    let none = LogisticConfig { min_per_class: 0, ..LogisticConfig::default() };
    let err = train_logistic(&data, &none).unwrap_err().to_string();
    assert!(err.contains("both classes are needed"), "{err}");

    // And the naive-Bayes model reports its own history.
    let mut nb = NaiveBayes::default();
    nb.observe(&[("industry", "software")], true);
    assert_eq!(
        nb.check_history(20).unwrap_err().to_string(),
        "too little history to train: 1 won, 0 lost (need 20 of each)"
    );
}

#[test]
fn time_based_split_holds_out_the_latest_rows() {
    let mut rng = Rng(9);
    let n = 400;
    // Close dates in shuffled order; each row carries its own date as its feature, to check rows and times
    // travel together.
    let mut times: Vec<i64> = (0..n).map(|i| 1_700_000_000 + 86_400 * i).collect();
    for i in (1..times.len()).rev() {
        times.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    let data = Dataset {
        feature_names: vec!["closed_at".into()],
        rows: times.iter().map(|&t| vec![t as f64]).collect(),
        labels: (0..n).map(|i| i % 4 == 0).collect(),
        times: None,
    }
    .with_times(times.clone())
    .unwrap();
    let (train, holdout) = split(&data, 0.25, 0).unwrap();
    assert_eq!((train.num_rows(), holdout.num_rows()), (300, 100));
    let train_times = train.times.as_ref().unwrap();
    let holdout_times = holdout.times.as_ref().unwrap();
    let latest_train = *train_times.iter().max().unwrap();
    let earliest_holdout = *holdout_times.iter().min().unwrap();
    assert!(earliest_holdout > latest_train, "{earliest_holdout} ≤ {latest_train}");
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(earliest_holdout, sorted[300]);
    for (part, part_times) in [(&train, train_times), (&holdout, holdout_times)] {
        for (row, &t) in part.rows.iter().zip(part_times) {
            assert_eq!(row[0], t as f64);
        }
    }
    // The seed plays no part in a time split.
    assert_eq!(split(&data, 0.25, 123).unwrap().1, holdout);
}

#[test]
fn logistic_json_round_trip() {
    let (data, _) = history(1000, 3, 6, |x| -1.0 + x[0] - 0.5 * x[2]);
    let model = train_logistic(&data, &LogisticConfig::default()).unwrap();
    let json = model.to_json();

    // Exactly the leadsmith-logistic shape.
    let value: Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected_keys = vec!["format", "version", "features", "coefficients", "intercept", "standardize"];
    expected_keys.sort();
    let mut sorted_keys = keys.clone();
    sorted_keys.sort();
    assert_eq!(sorted_keys, expected_keys);
    assert_eq!(value["format"], "leadsmith-logistic");
    assert_eq!(value["version"], 1);
    assert_eq!(value["features"], serde_json::json!(["x0", "x1", "x2"]));
    assert_eq!(value["coefficients"].as_array().unwrap().len(), 3);
    assert!(value["intercept"].is_f64());
    let standardize = value["standardize"].as_object().unwrap();
    assert_eq!(standardize.len(), 2);
    assert_eq!(standardize["mean"].as_array().unwrap().len(), 3);
    assert_eq!(standardize["std"].as_array().unwrap().len(), 3);

    // Read back, it is the same model (serde_json may read a float back one ulp off, hence the tolerance).
    let loaded = TrainedLogistic::from_json(&json).unwrap();
    assert_eq!(loaded.features, model.features);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * a.abs().max(1.0);
    assert!(close(loaded.intercept, model.intercept));
    for (a, b) in loaded
        .coefficients
        .iter()
        .chain(&loaded.mean)
        .chain(&loaded.std)
        .zip(model.coefficients.iter().chain(&model.mean).chain(&model.std))
    {
        assert!(close(*a, *b), "{a} vs {b}");
    }
    for row in data.rows.iter().take(100) {
        assert!((loaded.predict(row) - model.predict(row)).abs() < 1e-12);
    }

    // Wrong format name, or a file that is not a model.
    let other = json.replace("leadsmith-logistic", "leadsmith-gbdt");
    assert!(TrainedLogistic::from_json(&other).unwrap_err().to_string().contains("format"));
    assert!(TrainedLogistic::from_json("{}").is_err());
}
