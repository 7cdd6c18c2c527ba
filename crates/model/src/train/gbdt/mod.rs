//! Gradient-boosted decision trees for won/lost (binary log-loss), trained the way XGBoost's `hist` method
//! does, in miniature:
//!
//! - second order: each row has gradient g = w·(p − y) and hessian h = w·p·(1 − p) of the log-loss at the
//!   current margin; a leaf's value is −η·G/(H + λ) and a split's gain is
//!   G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ), taken when above `gamma`, with each child holding a
//!   hessian (cover) of at least `min_child_weight`;
//! - split finding on histograms: each feature's values are cut into at most `max_bins` quantile bins once,
//!   before training, and candidate thresholds are the bin boundaries (a feature with few distinct values
//!   gets a boundary between each pair); a child's histogram is the parent's minus its sibling's;
//! - missing values (NaN) learn a default direction per split: both sides are tried and the better kept (a
//!   split seeing no missing values sends them to the side with more cover);
//! - trees are grown depth-first to `max_depth`; the first margin is the training set's log-odds.
//!
//! Training has no randomness: the same data and settings give the same model.
//!
//! # The `leadsmith-gbdt` JSON format
//!
//! ```json
//! {
//!   "format": "leadsmith-gbdt",
//!   "version": 1,
//!   "objective": "binary:logistic",
//!   "features": ["visits", "employees"],
//!   "base_score": -2.197,
//!   "trees": [
//!     {"nodes": [
//!       {"feature": 0, "threshold": 3.5, "default_left": true, "left": 1, "right": 2, "gain": 41.2, "cover": 450.0},
//!       {"leaf": -0.12, "cover": 300.0},
//!       {"leaf": 0.31, "cover": 150.0}
//!     ]}
//!   ]
//! }
//! ```
//!
//! The margin (log-odds) of a row is `base_score` plus, for each tree, the `leaf` reached from node 0: at a
//! split, a row goes `left` when its value of `features[feature]` is `< threshold`, and to the
//! `default_left` side when the value is missing; otherwise `right`. The probability is the logistic
//! function of the margin. `cover` is the hessian sum of the training rows that reached the node (used by
//! TreeSHAP), `gain` the split's loss reduction (used for feature importance). A node's children come after it
//! and each node but the root is the child of exactly one node.//!
//! Files: this one holds the settings, the model and its predictions; `format.rs` reads and writes the
//! JSON; `grow.rs` trains (histograms, split finding, growing trees).

mod format;
mod grow;

use super::{TrainError, TrainedModel, rank_importance};
use crate::tree_shap::{self, Forest, Missing, Rule};
use crate::{Objective, Predictor};

pub use grow::train_gbdt;

const FORMAT: &str = "leadsmith-gbdt";
const OBJECTIVE: &str = "binary:logistic";
/// The deepest tree a loaded model may have (TreeSHAP is quadratic in depth, and recursive).
const MAX_DEPTH: usize = 64;

/// Settings for [`train_gbdt`].
#[derive(Debug, Clone, PartialEq)]
pub struct GbdtConfig {
    /// Boosting rounds (trees). Default 100.
    pub trees: usize,
    /// Depth of each tree (a depth-1 tree is a stump). Default 4.
    pub max_depth: usize,
    /// η, the shrinkage applied to every leaf. Default 0.1.
    pub learning_rate: f64,
    /// λ, the L2 penalty on leaf values. Default 1.
    pub lambda: f64,
    /// γ, the smallest gain a split needs. Default 0.
    pub gamma: f64,
    /// The smallest hessian sum (cover) a child may have. Default 1.
    pub min_child_weight: f64,
    /// Histogram bins per feature (2..=4096). Default 64.
    pub max_bins: usize,
    /// Weight classes by `rows / (2 · class count)`. Off by default: trees cope with imbalance, and without
    /// weights the probabilities stay calibrated.
    pub balance_classes: bool,
    /// Cold start: the fewest won and lost examples to train on. Default 20.
    pub min_per_class: usize,
}

impl Default for GbdtConfig {
    fn default() -> Self {
        Self {
            trees: 100,
            max_depth: 4,
            learning_rate: 0.1,
            lambda: 1.0,
            gamma: 0.0,
            min_child_weight: 1.0,
            max_bins: 64,
            balance_classes: false,
            min_per_class: super::DEFAULT_MIN_PER_CLASS,
        }
    }
}

impl GbdtConfig {
    fn check(&self) -> Result<(), TrainError> {
        let bad = |m: String| Err(TrainError::InvalidConfig(m));
        let non_negative = |x: f64| x.is_finite() && x >= 0.0;
        if self.trees == 0 {
            return bad("trees must be at least 1".into());
        }
        if self.max_depth == 0 || self.max_depth > MAX_DEPTH {
            return bad(format!("max_depth must be in 1..={MAX_DEPTH}, got {}", self.max_depth));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!("learning_rate must be > 0, got {}", self.learning_rate));
        }
        for (name, value) in
            [("lambda", self.lambda), ("gamma", self.gamma), ("min_child_weight", self.min_child_weight)]
        {
            if !non_negative(value) {
                return bad(format!("{name} must be finite and ≥ 0, got {value}"));
            }
        }
        if !(2..=4096).contains(&self.max_bins) {
            return bad(format!("max_bins must be in 2..=4096, got {}", self.max_bins));
        }
        Ok(())
    }
}

/// A tree node. Children come after their parent in [`Tree::nodes`]; node 0 is the root.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Leaf { value: f64, cover: f64 },
    Split { feature: usize, threshold: f64, default_left: bool, left: usize, right: usize, gain: f64, cover: f64 },
}

impl Node {
    pub(crate) fn cover(&self) -> f64 {
        match *self {
            Node::Leaf { cover, .. } | Node::Split { cover, .. } => cover,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
}

impl Tree {
    /// The tree in the crate's general form, for prediction and TreeSHAP: `x < threshold` goes left, a
    /// missing value the default way.
    fn general(&self) -> Vec<tree_shap::Node> {
        self.nodes
            .iter()
            .map(|node| match *node {
                Node::Leaf { value, cover } => tree_shap::Node::Leaf { value, cover },
                Node::Split { feature, threshold, default_left, left, right, cover, .. } => tree_shap::Node::Split {
                    feature: feature as u32,
                    rule: Rule::Less(threshold),
                    missing: Missing::Nan,
                    default_left,
                    left: left as u32,
                    right: right as u32,
                    cover,
                },
            })
            .collect()
    }
}

/// Feature `f` of `row`, NaN (missing) past the row's end.
fn read(row: &[f64], f: usize) -> f64 {
    row.get(f).copied().unwrap_or(f64::NAN)
}

/// A trained ensemble of boosted trees.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedGbdt {
    features: Vec<String>,
    base_score: f64,
    trees: Vec<Tree>,
    /// The same trees in the general form, which predicts and explains.
    forest: Forest,
    /// `base_score` + Σ tree expected values (cover-weighted mean leaf values), cached for
    /// [`Predictor::contributions`].
    expected: f64,
}

impl TrainedGbdt {
    fn new(features: Vec<String>, base_score: f64, trees: Vec<Tree>) -> Self {
        let mut forest = Forest::new(features.len());
        for tree in &trees {
            forest.push_tree(tree.general());
        }
        let expected = base_score + forest.trees().iter().map(|t| t.mean).sum::<f64>();
        Self { features, base_score, trees, forest, expected }
    }

    /// The margin before the first tree (the training log-odds).
    pub fn base_score(&self) -> f64 {
        self.base_score
    }

    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The expected margin over the training distribution (the bias in [`Predictor::contributions`]).
    pub fn expected_margin(&self) -> f64 {
        self.expected
    }

    /// Total split gain per feature, in feature order.
    pub fn total_gain(&self) -> Vec<f64> {
        let mut gain = vec![0.0; self.features.len()];
        for node in self.trees.iter().flat_map(|t| &t.nodes) {
            if let Node::Split { feature, gain: g, .. } = *node {
                gain[feature] += g;
            }
        }
        gain
    }
}

impl Predictor for TrainedGbdt {
    fn num_features(&self) -> usize {
        self.features.len()
    }

    fn gain_importance(&self) -> Option<Vec<f64>> {
        Some(self.total_gain())
    }

    fn feature_names(&self) -> Option<&[String]> {
        Some(&self.features)
    }

    fn objective(&self) -> Objective {
        Objective::Probability
    }

    fn predict_margin(&self, row: &[f64]) -> f64 {
        self.base_score + self.forest.trees().iter().map(|t| self.forest.leaf_value(t, |f| read(row, f))).sum::<f64>()
    }

    /// Exact TreeSHAP values with hessian covers; the bias is [`expected_margin`](TrainedGbdt::expected_margin).
    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.features.len() + 1];
        self.forest.add_contributions(|f| read(row, f), &mut phi);
        phi[self.features.len()] = self.expected;
        phi
    }
}

impl TrainedModel for TrainedGbdt {
    fn kind(&self) -> &'static str {
        "gradient-boosted trees"
    }

    fn importance_measure(&self) -> &'static str {
        "total gain"
    }

    fn feature_importance(&self) -> Vec<(String, f64)> {
        rank_importance(self.features.iter().cloned().zip(self.total_gain()).collect())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::grow::bin_thresholds;
    use super::*;
    use crate::train::Dataset;

    /// The split rule: `x < threshold` goes left, a missing value goes the default way.
    fn goes_left(x: f64, threshold: f64, default_left: bool) -> bool {
        if x.is_nan() { default_left } else { x < threshold }
    }

    /// v(S): the cover-weighted expectation of the tree with the features in `known` fixed to `row`.
    fn conditional(tree: &Tree, node: usize, row: &[f64], known: u32) -> f64 {
        match tree.nodes[node] {
            Node::Leaf { value, .. } => value,
            Node::Split { feature, threshold, default_left, left, right, cover, .. } => {
                if known & (1 << feature) != 0 {
                    let next = if goes_left(row[feature], threshold, default_left) { left } else { right };
                    conditional(tree, next, row, known)
                } else {
                    (tree.nodes[left].cover() * conditional(tree, left, row, known)
                        + tree.nodes[right].cover() * conditional(tree, right, row, known))
                        / cover
                }
            }
        }
    }

    /// Shapley values by the definition, summing over all subsets of the other features.
    pub(crate) fn brute_force_shapley(model: &TrainedGbdt, row: &[f64]) -> Vec<f64> {
        let m = model.features.len();
        assert!(m <= 12);
        let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
        let mut phi = vec![0.0; m + 1];
        for tree in &model.trees {
            for (i, phi_i) in phi.iter_mut().enumerate().take(m) {
                for set in 0u32..(1 << m) {
                    if set & (1 << i) != 0 {
                        continue;
                    }
                    let s = set.count_ones() as usize;
                    let weight = factorial(s) * factorial(m - s - 1) / factorial(m);
                    *phi_i += weight * (conditional(tree, 0, row, set | (1 << i)) - conditional(tree, 0, row, set));
                }
            }
            phi[m] += conditional(tree, 0, row, 0);
        }
        phi[m] += model.base_score;
        phi
    }

    fn split(feature: usize, threshold: f64, default_left: bool, left: usize, right: usize, cover: f64) -> Node {
        Node::Split { feature, threshold, default_left, left, right, gain: 1.0, cover }
    }

    fn leaf(value: f64, cover: f64) -> Node {
        Node::Leaf { value, cover }
    }

    /// Two trees over three features, one splitting twice on feature 0.
    fn hand_model() -> TrainedGbdt {
        let t1 = Tree {
            nodes: vec![
                split(0, 0.5, true, 1, 2, 10.0),
                split(1, 1.0, false, 3, 4, 6.0),
                split(0, 2.0, false, 5, 6, 4.0),
                leaf(1.0, 2.0),
                leaf(-1.0, 4.0),
                leaf(0.5, 1.0),
                leaf(3.0, 3.0),
            ],
        };
        let t2 = Tree { nodes: vec![split(2, 0.0, true, 1, 2, 8.0), leaf(-0.25, 5.0), leaf(0.75, 3.0)] };
        TrainedGbdt::new(vec!["a".into(), "b".into(), "c".into()], 0.1, vec![t1, t2])
    }

    #[test]
    fn tree_shap_matches_brute_force_on_a_hand_built_model() {
        let model = hand_model();
        for row in [[0.0, 0.0, 0.0], [1.0, 2.0, -1.0], [3.0, f64::NAN, 1.0], [f64::NAN, 0.5, f64::NAN], [0.7, 1.0, 0.0]]
        {
            let fast = model.contributions(&row);
            let exact = brute_force_shapley(&model, &row);
            for (a, b) in fast.iter().zip(&exact) {
                assert!((a - b).abs() < 1e-12, "{row:?}: {fast:?} vs {exact:?}");
            }
            let sum: f64 = fast.iter().sum();
            assert!((sum - model.predict_margin(&row)).abs() < 1e-12);
        }
        // Checked by hand: the second tree alone at c = 1 (goes right): φ_c = 0.75 − (5·−0.25 + 3·0.75)/8.
        let t2_only = TrainedGbdt::new(model.features.clone(), 0.0, vec![model.trees[1].clone()]);
        let phi = t2_only.contributions(&[0.0, 0.0, 1.0]);
        assert_eq!(phi, vec![0.0, 0.0, 0.75 - 0.125, 0.125]);
    }

    #[test]
    fn thresholds_separate_distinct_values() {
        assert_eq!(bin_thresholds(vec![3.0, 1.0, 1.0, 2.0], 64), vec![1.5, 2.5]);
        assert_eq!(bin_thresholds(vec![5.0; 10], 64), Vec::<f64>::new());
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        let cuts = bin_thresholds(many, 8);
        assert_eq!(cuts.len(), 7);
        assert!(cuts.windows(2).all(|w| w[0] < w[1]));
        // Heavy ties: the cut points stay distinct.
        let tied: Vec<f64> = (0..1000).map(|i| if i < 900 { 0.0 } else { f64::from(i) }).collect();
        let cuts = bin_thresholds(tied, 8);
        assert_eq!(cuts.len(), 7);
        assert!(cuts.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(cuts[0], 450.0);
    }

    #[test]
    fn missing_values_learn_their_direction() {
        // Won exactly when x is missing or large: the first split must send NaN to the large side.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..300 {
            let x = if i % 3 == 0 { f64::NAN } else { f64::from(i) };
            rows.push(vec![x]);
            labels.push(x.is_nan() || x > 150.0);
        }
        let data = Dataset { feature_names: vec!["x".into()], rows, labels, times: None };
        let config = GbdtConfig { trees: 1, max_depth: 1, ..GbdtConfig::default() };
        let model = train_gbdt(&data, &config).unwrap();
        match model.trees[0].nodes[0] {
            Node::Split { threshold, default_left, .. } => {
                assert!(threshold > 150.0 && threshold < 152.0, "{threshold}");
                assert!(!default_left, "missing goes right, with the large values");
            }
            ref other => panic!("{other:?}"),
        }
        assert!(model.predict(&[f64::NAN]) > model.predict(&[10.0]));
    }

    #[test]
    fn training_is_deterministic_and_matches_its_json() {
        let mut rng = super::super::SplitMix64::new(5);
        let rows: Vec<Vec<f64>> = (0..500)
            .map(|_| vec![rng.next_f64(), if rng.next_f64() < 0.1 { f64::NAN } else { rng.next_f64() }])
            .collect();
        let labels: Vec<bool> = rows.iter().map(|r| rng.next_f64() < if r[0] > 0.6 { 0.6 } else { 0.1 }).collect();
        let data = Dataset { feature_names: vec!["a".into(), "b".into()], rows, labels, times: None };
        let config = GbdtConfig { trees: 20, ..GbdtConfig::default() };
        let a = train_gbdt(&data, &config).unwrap();
        let b = train_gbdt(&data, &config).unwrap();
        assert_eq!(a, b);
        // serde_json (without its `float_roundtrip` feature) may read a float back one ulp off, so the
        // round trip is checked to a tolerance.
        let back = TrainedGbdt::from_json(&a.to_json()).unwrap();
        assert_eq!(back.num_trees(), a.num_trees());
        for (t, u) in back.trees.iter().zip(&a.trees) {
            assert_eq!(t.nodes.len(), u.nodes.len());
        }
        for row in &data.rows {
            assert!((back.predict_margin(row) - a.predict_margin(row)).abs() < 1e-12);
            for (x, y) in back.contributions(row).iter().zip(a.contributions(row)) {
                assert!((x - y).abs() < 1e-12);
            }
        }
        // Splits on the informative feature earn most of the gain.
        let importance = a.feature_importance();
        assert_eq!(importance[0].0, "a");
    }

    #[test]
    fn settings_are_checked() {
        let data = Dataset {
            feature_names: vec!["x".into()],
            rows: (0..60).map(|i| vec![f64::from(i)]).collect(),
            labels: (0..60).map(|i| i % 2 == 0).collect(),
            times: None,
        };
        let bad = [
            GbdtConfig { trees: 0, ..GbdtConfig::default() },
            GbdtConfig { max_depth: 0, ..GbdtConfig::default() },
            GbdtConfig { learning_rate: 0.0, ..GbdtConfig::default() },
            GbdtConfig { lambda: -1.0, ..GbdtConfig::default() },
            GbdtConfig { min_child_weight: f64::NAN, ..GbdtConfig::default() },
            GbdtConfig { max_bins: 1, ..GbdtConfig::default() },
        ];
        for config in bad {
            assert!(matches!(train_gbdt(&data, &config), Err(TrainError::InvalidConfig(_))), "{config:?}");
        }
        assert!(train_gbdt(&data, &GbdtConfig { trees: 3, ..GbdtConfig::default() }).is_ok());
    }

    #[test]
    fn from_json_rejects_malformed_trees() {
        let wrap = |nodes: &str| {
            format!(
                r#"{{"format":"leadsmith-gbdt","version":1,"objective":"binary:logistic","features":["a"],
                "base_score":0,"trees":[{{"nodes":[{nodes}]}}]}}"#
            )
        };
        let cases = [
            (
                r#"{"feature":0,"threshold":1,"default_left":true,"left":1,"right":1,"cover":2},{"leaf":1,"cover":1}"#,
                "two parents",
            ),
            (
                r#"{"feature":0,"threshold":1,"default_left":true,"left":0,"right":1,"cover":2},{"leaf":1,"cover":1}"#,
                "must come after",
            ),
            (
                r#"{"feature":3,"threshold":1,"default_left":true,"left":1,"right":2,"cover":2},{"leaf":1,"cover":1},{"leaf":1,"cover":1}"#,
                "feature 3 of 1",
            ),
            (r#"{"leaf":1,"cover":1},{"leaf":1,"cover":1}"#, "not the child"),
            (r#"{"leaf":1,"feature":0,"cover":1}"#, "a node is either"),
            (r#"{"leaf":1,"cover":0}"#, "cover must be > 0"),
        ];
        for (nodes, message) in cases {
            let err = TrainedGbdt::from_json(&wrap(nodes)).unwrap_err().to_string();
            assert!(err.contains(message), "{nodes}: {err}");
        }
        assert!(TrainedGbdt::from_json(&wrap(r#"{"leaf":1,"cover":1}"#)).is_ok());
    }
}
