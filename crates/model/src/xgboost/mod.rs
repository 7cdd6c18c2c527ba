//! XGBoost models saved as JSON (`Booster.save_model("m.json")`, XGBoost 1.x–3.x layout).
//!
//! Supported: the `gbtree` booster with scalar leaves, objectives `binary:logistic`, `reg:logistic`,
//! `binary:logitraw` (all [`Objective::Probability`]) and `reg:squarederror` (`reg:linear`), numerical and
//! categorical (partition or one-hot) splits. `dart`, `gblinear`, multi-class and multi-target models are
//! [`ModelError::Unsupported`]. Categorical inputs are the category codes XGBoost trained on (the model's
//! optional category re-coding table, XGBoost 3.1+ `cats`, is not applied). Every tree is used, as
//! `Booster.predict` does (an early-stopping `best_iteration` attribute is ignored). For `binary:logitraw`,
//! [`Predictor::predict`] gives the probability (XGBoost's `predict` gives the margin there).
//!
//! Predictions follow XGBoost bit for bit: feature values are converted to `f32` and a numerical split goes
//! left when `value < threshold` (an `f32` comparison); a missing value (`NaN`) follows the node's default
//! direction; a categorical split goes right when the value's category (its integer part) is in the node's
//! set, left otherwise (negative, ≥ 2²⁴ or unseen categories go left); the margin is the base score (in
//! margin space: `logit(base_score)` for the logistic objectives, computed in `f32` as XGBoost does) plus
//! every tree's leaf, summed in `f32` in tree order, as XGBoost's CPU predictor does.
//!
//! Speed: trees are flattened into one contiguous array of 16-byte nodes in breadth-first order. A leaf
//! points at itself, so a tree is evaluated with exactly `depth` branch-free steps, and several rows (batch)
//! or several trees (single row) are walked in lockstep so their memory loads overlap. Each row is
//! converted to `f32` once, twice over: once with missing values as +∞ and once as −∞, and each node reads
//! the copy that sends a missing value its default way (+∞ is never `< threshold`, −∞ always is), so a step
//! is one load and one comparison. (Models with categorical splits, or with a threshold that is `NaN` or
//! −∞, take a slower step that tests for missing values explicitly.)
//!
//! [`Predictor::contributions`] is exact TreeSHAP (Lundberg et al. 2018, Algorithm 2, what XGBoost's
//! `pred_contribs=True` computes) with the node covers (`sum_hessian`), in `f64`: the crate's one TreeSHAP
//! ([`crate::tree_shap`]) over the trees converted at load, reading each value as XGBoost does (as an `f32`);
//! the bias is the expected margin.
//!
//! Files: `load.rs` reads the JSON, `predict.rs` holds the flattened forest and its walks.

mod bitvector;
mod load;
mod predict;

use std::path::Path;

use serde_json::Value;

use crate::tree_shap::Forest;
use crate::{ModelError, Objective, Predictor};

use bitvector::BitForest;
use load::{load, parse_error};
use predict::{Categories, Node, Tree, fill_plain};

const FORMAT: &str = "XGBoost";

/// Low 29 bits of a node's `meta`: the split feature.
const FEATURE_MASK: u32 = (1 << 29) - 1;
/// `meta` bit: the node is a leaf.
const LEAF: u32 = 1 << 29;
/// `meta` bit: the split is categorical.
const CATEGORICAL: u32 = 1 << 30;
/// `meta` bit: a missing value goes left.
const DEFAULT_LEFT: u32 = 1 << 31;

/// Trees deeper than this are refused (TreeSHAP's buffers grow with the square of the depth and it recurses
/// once per level); XGBoost's trees are far shallower.
const MAX_DEPTH: usize = 1000;

/// XGBoost treats categories at or beyond 2²⁴ (the last integer an `f32` holds exactly) as invalid.
const MAX_CATEGORY: f32 = 16_777_216.0;

/// A loaded XGBoost tree ensemble.
#[derive(Debug, Clone)]
pub struct XgbModel {
    nodes: Vec<Node>,
    /// Per node: the split feature (low 29 bits), [`CATEGORICAL`] and [`DEFAULT_LEFT`]; [`LEAF`] for leaves.
    meta: Vec<u32>,
    trees: Vec<Tree>,
    /// The same trees for TreeSHAP (covers from `sum_hessian`, each tree's mean leaf value).
    shap: Forest,
    /// `Some` when some split is categorical.
    categories: Option<Categories>,
    /// Whether the one-comparison step is exact for this model: no categorical split, no threshold that
    /// is `NaN` or −∞.
    fast: bool,
    /// The forest as bit-vector trees for the batch walk on AVX-512 CPUs: `Some` when the model is
    /// [`fast`](Self::fast) and no tree has more than 64 leaves.
    bits: Option<BitForest>,
    /// The base score in margin space.
    base_margin: f32,
    num_features: usize,
    feature_names: Option<Vec<String>>,
    objective: Objective,
    objective_name: String,
    importance: Vec<(usize, f64, f64, u32)>,
}

impl XgbModel {
    /// Reads a model file written by `Booster.save_model("m.json")`.
    pub fn from_path(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read(path).map_err(|source| ModelError::Io { path: path.display().to_string(), source })?;
        let first = text.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(parse_error(
                "(file)",
                "not a JSON document (binary UBJSON models, `.ubj`, are not supported: save the model with a \
                 `.json` file name)",
            ));
        }
        let text = std::str::from_utf8(&text).map_err(|e| parse_error("(file)", format!("not UTF-8: {e}")))?;
        Self::from_json_str(text)
    }

    /// Parses the JSON text of a saved model.
    pub fn from_json_str(json: &str) -> Result<Self, ModelError> {
        let doc: Value = serde_json::from_str(json)
            .map_err(|e| parse_error(format!("line {}, column {}", e.line(), e.column()), e.to_string()))?;
        load(&doc)
    }

    /// The objective named in the file (`binary:logistic`, `reg:squarederror`, …).
    pub fn objective_name(&self) -> &str {
        &self.objective_name
    }

    /// The number of trees.
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The base score in margin space: what the margin is before any tree.
    pub fn base_margin(&self) -> f64 {
        f64::from(self.base_margin)
    }

    /// The expected margin over the training data (the SHAP bias): the base margin plus every tree's
    /// cover-weighted mean leaf value.
    pub fn expected_margin(&self) -> f64 {
        f64::from(self.base_margin) + self.shap.trees().iter().map(|t| t.mean).sum::<f64>()
    }

    /// Per split feature, in feature order: `(feature, total gain, total cover, number of splits)`, the
    /// sums over every split on the feature of its `loss_changes` and `sum_hessian` (XGBoost's
    /// `total_gain`, `total_cover` and `weight` importances). Gains are 0 when the file has no
    /// `loss_changes`. Features no tree splits on are left out.
    pub fn feature_importance(&self) -> Vec<(usize, f64, f64, u32)> {
        self.importance.clone()
    }
}

impl Predictor for XgbModel {
    fn num_features(&self) -> usize {
        self.num_features
    }

    fn gain_importance(&self) -> Option<Vec<f64>> {
        let mut gain = vec![0.0; self.num_features];
        for &(feature, total, _, _) in &self.importance {
            gain[feature] = total;
        }
        Some(gain)
    }

    fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    fn objective(&self) -> Objective {
        self.objective
    }

    /// # Panics
    /// When `row.len()` is not [`num_features`](Predictor::num_features).
    fn predict_margin(&self, row: &[f64]) -> f64 {
        self.margin(row)
    }

    fn predict_margin_batch(&self, rows: &[f64], out: &mut Vec<f64>) {
        XgbModel::predict_margin_batch(self, rows, self.num_features, out);
    }

    /// # Panics
    /// When `row.len()` is not [`num_features`](Predictor::num_features).
    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.num_features + 1];
        // Split on the value as XGBoost does: converted to `f32`.
        self.with_row(row, self.num_features, fill_plain, |x| {
            self.shap.add_contributions(|f| f64::from(x[f]), &mut phi);
        });
        phi[self.num_features] = self.expected_margin();
        phi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/xgboost").join(name)
    }

    fn inputs(name: &str) -> Vec<Vec<f64>> {
        let text = std::fs::read_to_string(fixture(&format!("{name}.inputs.csv"))).unwrap();
        text.lines()
            .skip(1)
            .map(|line| line.split(',').map(|c| if c.is_empty() { f64::NAN } else { c.parse().unwrap() }).collect())
            .collect()
    }

    /// The one-comparison step on doubled rows and the explicit step on plain rows agree bit for bit.
    #[test]
    fn fast_and_general_steps_agree() {
        for name in ["binary_small", "regression_small", "binary_200x6"] {
            let fast = XgbModel::from_path(&fixture(&format!("{name}.json"))).unwrap();
            assert!(fast.fast, "{name}");
            assert!(fast.bits.is_some(), "{name}: no tree has more than 64 leaves");
            let general = XgbModel { fast: false, bits: None, ..fast.clone() };
            let walk = XgbModel { bits: None, ..fast.clone() };
            let rows = inputs(name);
            let nf = fast.num_features;
            let flat: Vec<f64> = rows.iter().flatten().copied().collect();
            let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
            fast.predict_margin_batch(&flat, nf, &mut a);
            general.predict_margin_batch(&flat, nf, &mut b);
            walk.predict_margin_batch(&flat, nf, &mut c);
            for (i, row) in rows.iter().enumerate() {
                let m = fast.predict_margin(row);
                assert_eq!(m.to_bits(), general.predict_margin(row).to_bits(), "{name} row {i}");
                assert_eq!(m.to_bits(), a[i].to_bits(), "{name} row {i}: bit vectors (where the CPU has AVX-512)");
                assert_eq!(m.to_bits(), b[i].to_bits(), "{name} row {i}: general step");
                assert_eq!(m.to_bits(), c[i].to_bits(), "{name} row {i}: walk");
            }
        }
        let categorical = XgbModel::from_path(&fixture("categorical.json")).unwrap();
        assert!(!categorical.fast && categorical.categories.is_some());
    }
}
