//! LightGBM text models (`Booster.save_model("m.txt")`), predicting and explaining exactly as LightGBM does.
//!
//! What is read: the header (`version`, `num_class` (must be 1), `num_tree_per_iteration` (must be 1),
//! `max_feature_idx`, `objective`, `feature_names`) and every `Tree=N` block up to `end of trees`; the
//! `feature_importances`, `parameters` and `pandas_categorical` sections after it are ignored.
//!
//! Objectives: `binary sigmoid:S` is [`Objective::Probability`], `regression` / `regression_l2` is
//! [`Objective::Regression`]; anything else (multiclass, ranking, Poisson, `regression sqrt`, a custom
//! objective, random-forest `average_output`, linear trees) is [`ModelError::Unsupported`].
//!
//! The decision rule is LightGBM's `Tree::Decision` (`include/LightGBM/tree.h`):
//! * numerical split, missing type None or Zero: a NaN becomes 0.0; missing type Zero sends values in
//!   `[-kZeroThreshold, kZeroThreshold]` (1e-35 as an `f32`) the default way, missing type NaN sends NaN the
//!   default way (`decision_type` bit 1 set: left); otherwise `value <= threshold` goes left. Comparisons are
//!   in `f64`, as LightGBM compares.
//! * categorical split: NaN and negative values go right, otherwise the value truncated to an integer goes
//!   left when its bit is set in the split's `cat_threshold` bitset (an unseen category: right).
//! * as LightGBM's dense-row input does, a value with `|x| <= kZeroThreshold` is read as 0.0.
//!
//! A row shorter than [`num_features`](Predictor::num_features) reads its missing trailing features as NaN.
//!
//! [`gain_importance`](Predictor::gain_importance) is LightGBM's `feature_importance(importance_type="gain")`
//! (`GBDT::FeatureImportance`): per feature, the sum of the positive `split_gain` values of its splits, each
//! read as an `f32` (as LightGBM stores it) and added in `f64` tree by tree, split by split. A tree without
//! `split_gain` counts as gains of 0, as LightGBM loads it.
//!
//! [`contributions`](Predictor::contributions) is exact path-dependent TreeSHAP (Lundberg et al., what
//! LightGBM's `Tree::TreeSHAP` computes: the crate's one TreeSHAP, [`crate::tree_shap`], over the trees
//! converted at load) with the node data counts (`internal_count` / `leaf_count`) as covers, which is what
//! `predict(pred_contrib=True)` uses; a file without counts falls back to `internal_weight` / `leaf_weight`.
//! The bias is the sum of the trees' `Tree::ExpectedValue`, computed as LightGBM does.
//!
//! For a binary model the margin is `S · raw` where raw is LightGBM's `predict(raw_score=True)` and `S` the
//! objective's sigmoid parameter (LightGBM's probability is `1 / (1 + exp(-S · raw))`), so that
//! [`Predictor::predict`] is `sigmoid(margin)`; contributions are scaled by `S` too so that they sum to the
//! margin. With the default `sigmoid:1` margin and contributions are exactly LightGBM's raw values.
//!
//! Files: `load.rs` parses the text and converts the trees, `predict.rs` reads a row's values as LightGBM
//! does and walks the trees.

mod load;
mod predict;

use std::path::Path;

use crate::tree_shap::Forest;
use crate::{ModelError, Objective, Predictor};

use predict::read;

const FORMAT: &str = "LightGBM";
/// LightGBM's `kZeroThreshold`: `const double kZeroThreshold = 1e-35f;`.
const K_ZERO_THRESHOLD: f64 = 1e-35_f32 as f64;
const CATEGORICAL_MASK: u8 = 1;
const DEFAULT_LEFT_MASK: u8 = 2;
const MISSING_ZERO: u8 = 1;
const MISSING_NAN: u8 = 2;
/// Trees deeper than this are refused: TreeSHAP's path buffer grows with the square of the depth and its
/// recursion with the depth. LightGBM's own trees are far shallower (its default `max_depth` is unlimited,
/// but a tree of depth 512 needs at least 513 leaves in a chain).
const MAX_TREE_DEPTH: usize = 512;

/// A loaded LightGBM model: all trees in one general [`Forest`] (used to predict and to explain).
#[derive(Debug, Clone)]
pub struct LgbModel {
    feature_names: Option<Vec<String>>,
    num_features: usize,
    objective: Objective,
    /// The binary objective's sigmoid parameter; 1.0 for regression.
    sigmoid_scale: f64,
    forest: Forest,
    /// Per tree, `Tree::ExpectedValue`: the cover-weighted mean leaf value, as LightGBM sums it.
    expected_values: Vec<f64>,
    /// Every split's `(feature, split_gain)`, in tree order, then split order.
    split_gains: Vec<(u32, f32)>,
}

impl LgbModel {
    /// Reads a model file written by LightGBM's `save_model`.
    pub fn from_path(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ModelError::Io { path: path.display().to_string(), source })?;
        Self::from_text(&text)
    }

    /// Parses LightGBM's text model format.
    pub fn from_text(text: &str) -> Result<Self, ModelError> {
        load::Parser::new(text).parse()
    }

    /// The number of trees (boosting rounds: only one tree per iteration is supported).
    pub fn num_trees(&self) -> usize {
        self.forest.trees().len()
    }

    /// The binary objective's sigmoid parameter `S` (the margin is `S` × LightGBM's raw score); 1.0 for
    /// regression.
    pub fn sigmoid_scale(&self) -> f64 {
        self.sigmoid_scale
    }
}

impl Predictor for LgbModel {
    fn num_features(&self) -> usize {
        self.num_features
    }

    fn feature_names(&self) -> Option<&[String]> {
        self.feature_names.as_deref()
    }

    fn objective(&self) -> Objective {
        self.objective
    }

    fn predict_margin(&self, row: &[f64]) -> f64 {
        let raw = self.raw_score(row);
        if self.sigmoid_scale == 1.0 { raw } else { self.sigmoid_scale * raw }
    }

    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.num_features + 1];
        for expected in &self.expected_values {
            phi[self.num_features] += expected;
        }
        self.forest.add_contributions(|f| read(row, f), &mut phi);
        if self.sigmoid_scale != 1.0 {
            for value in &mut phi {
                *value *= self.sigmoid_scale;
            }
        }
        phi
    }

    fn gain_importance(&self) -> Option<Vec<f64>> {
        // `GBDT::FeatureImportance` with `importance_type = 1`: only positive gains count, summed in model
        // order (tree by tree, split by split), so the sums are LightGBM's bit for bit.
        let mut gain = vec![0.0; self.num_features];
        for &(feature, split_gain) in &self.split_gains {
            if split_gain > 0.0 {
                gain[feature as usize] += f64::from(split_gain);
            }
        }
        Some(gain)
    }
}
