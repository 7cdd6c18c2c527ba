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
//! `pred_contribs=True` computes) with the node covers (`sum_hessian`), in `f64`, the per-leaf sums taken in
//! a closed form that needs no divisions (see the TreeSHAP section below); the bias is the expected margin.

use std::cmp::Ordering;
use std::path::Path;

use serde_json::Value;

use crate::{ModelError, Objective, Predictor, sigmoid};

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

/// Rows walked in lockstep in a batch, and trees walked in lockstep for one row.
const LANES: usize = 8;
/// Rows converted to `f32` and scored together, tree by tree, in a batch.
const BLOCK: usize = 64;
const _: () = assert!(BLOCK.is_multiple_of(LANES));
/// Rows (in `f32` values, two per feature on the fast path) up to this size are converted on the stack.
const STACK_ROW: usize = 512;

/// One node of the flattened forest. Children are adjacent (breadth-first order): the right child of a
/// split is `left + 1`, so a step is `left + (value >= threshold)`. A leaf is its own left child with a NaN
/// threshold, which no value reaches or exceeds: stepping from a leaf stays there.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Node {
    /// Where the fast step reads the split feature in the doubled row: the feature, plus the number of
    /// features when a missing value goes left (the copy where missing is −∞). 0 for leaves.
    slot: u32,
    /// The split threshold; NaN for leaves.
    threshold: f32,
    /// The left child, as an index into the forest's node array; the leaf itself for leaves.
    left: u32,
    /// The leaf value (0 for splits).
    leaf: f32,
}

#[derive(Debug, Clone, Copy)]
struct Tree {
    root: u32,
    /// Edges from the root to the deepest leaf: the number of steps that reaches a leaf from the root.
    depth: u32,
    /// Cover-weighted mean leaf value: the tree's expected output, its share of the SHAP bias.
    mean: f64,
}

/// Where a categorical node's category bit set lives in [`Categories::words`].
#[derive(Debug, Clone, Copy, Default)]
struct CatSpan {
    start: u32,
    len: u32,
}

/// Category sets of the categorical splits, when the model has any.
#[derive(Debug, Clone, Default)]
struct Categories {
    /// One span per node of the forest (empty for numerical nodes and leaves).
    spans: Vec<CatSpan>,
    /// Bit sets: category `c` is in a set when bit `c % 32` of word `c / 32` is on.
    words: Vec<u32>,
}

impl Categories {
    /// Whether a (non-missing) value goes right at categorical node `idx`: its category is in the set.
    #[inline]
    fn goes_right(&self, idx: u32, v: f32) -> bool {
        if !(0.0..MAX_CATEGORY).contains(&v) {
            return false;
        }
        let cat = v as u32; // truncation, as XGBoost's `static_cast<int32_t>`
        let span = self.spans[idx as usize];
        let word = (cat / 32) as usize;
        if word >= span.len as usize {
            return false;
        }
        self.words[span.start as usize + word] & (1 << (cat % 32)) != 0
    }
}

/// A loaded XGBoost tree ensemble.
#[derive(Debug, Clone)]
pub struct XgbModel {
    nodes: Vec<Node>,
    /// Per node: the split feature (low 29 bits), [`CATEGORICAL`] and [`DEFAULT_LEFT`]; [`LEAF`] for leaves.
    meta: Vec<u32>,
    /// Per node: its cover (`sum_hessian`) over its parent's (1 for roots), TreeSHAP's zero fractions.
    fraction: Vec<f64>,
    trees: Vec<Tree>,
    /// `Some` when some split is categorical.
    categories: Option<Categories>,
    /// Whether the one-comparison step is exact for this model: no categorical split, no threshold that
    /// is `NaN` or −∞.
    fast: bool,
    /// The base score in margin space.
    base_margin: f32,
    num_features: usize,
    feature_names: Option<Vec<String>>,
    objective: Objective,
    objective_name: String,
    /// The deepest tree's depth.
    max_depth: usize,
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
        f64::from(self.base_margin) + self.trees.iter().map(|t| t.mean).sum::<f64>()
    }

    /// Per split feature, in feature order: `(feature, total gain, total cover, number of splits)`, the
    /// sums over every split on the feature of its `loss_changes` and `sum_hessian` (XGBoost's
    /// `total_gain`, `total_cover` and `weight` importances). Gains are 0 when the file has no
    /// `loss_changes`. Features no tree splits on are left out.
    pub fn feature_importance(&self) -> Vec<(usize, f64, f64, u32)> {
        self.importance.clone()
    }

    /// Margins of many rows, row-major with `num_features` values per row: `out` is cleared and gets one
    /// margin per row, exactly [`predict_margin`](Predictor::predict_margin) of each. Rows are scored in
    /// blocks, tree by tree, several rows in lockstep.
    ///
    /// # Panics
    /// When `num_features` is not the model's [`num_features`](Predictor::num_features) or `rows` is not a
    /// whole number of rows.
    pub fn predict_margin_batch(&self, rows: &[f64], num_features: usize, out: &mut Vec<f64>) {
        assert_eq!(num_features, self.num_features, "rows must have the model's {} features", self.num_features);
        assert_eq!(rows.len() % num_features, 0, "rows.len() is not a multiple of num_features");
        out.clear();
        out.reserve(rows.len() / num_features);
        if self.fast {
            self.batch_fast(rows, out);
        } else {
            // Trees in lockstep, row by row.
            let cats = self.categories.as_ref();
            let mut x = vec![0.0f32; num_features];
            for row in rows.chunks_exact(num_features) {
                fill_plain(row, &mut x);
                let margin = self.row_margin(&x, |i, x| step_any(&self.nodes, &self.meta, cats, i, x));
                out.push(f64::from(margin));
            }
        }
    }

    /// Outputs (probabilities for classifiers, values for regressors) of many rows, row-major: like
    /// [`predict_margin_batch`](Self::predict_margin_batch), then the link function.
    ///
    /// # Panics
    /// As [`predict_margin_batch`](Self::predict_margin_batch).
    pub fn predict_batch(&self, rows: &[f64], num_features: usize, out: &mut Vec<f64>) {
        self.predict_margin_batch(rows, num_features, out);
        if self.objective == Objective::Probability {
            for m in out.iter_mut() {
                *m = sigmoid(*m);
            }
        }
    }

    /// The fast batch: rows in blocks of [`BLOCK`], each block converted once (doubled rows, see the module
    /// documentation) into groups of [`LANES`] rows stored feature-major (`slot * LANES + lane`), so that
    /// the rows of a group, walked in lockstep, read their values at fixed offsets from one base. Each tree
    /// then runs over the whole block while its nodes are in cache.
    fn batch_fast(&self, rows: &[f64], out: &mut Vec<f64>) {
        let nf = self.num_features;
        let group_len = LANES * 2 * nf;
        let mut xs = vec![0.0f32; BLOCK * 2 * nf];
        let mut acc = [0.0f32; BLOCK];
        for block in rows.chunks(BLOCK * nf) {
            let n_rows = block.len() / nf;
            for (r, row) in block.chunks_exact(nf).enumerate() {
                let (group, lane) = (r / LANES, r % LANES);
                let (high, low) = xs[group * group_len..(group + 1) * group_len].split_at_mut(LANES * nf);
                for ((h, l), &v) in high.chunks_exact_mut(LANES).zip(low.chunks_exact_mut(LANES)).zip(row) {
                    let v = v as f32;
                    let missing = v.is_nan();
                    h[lane] = if missing { f32::INFINITY } else { v };
                    l[lane] = if missing { f32::NEG_INFINITY } else { v };
                }
            }
            // The last group is padded with whatever rows the buffer holds; their results are dropped.
            let n_padded = n_rows.div_ceil(LANES) * LANES;
            let acc = &mut acc[..n_padded];
            acc.fill(self.base_margin);
            for tree in &self.trees {
                for (lane_acc, group) in acc.chunks_exact_mut(LANES).zip(xs.chunks_exact(group_len)) {
                    let mut idx = [tree.root; LANES];
                    for _ in 0..tree.depth {
                        for (lane, i) in idx.iter_mut().enumerate() {
                            let n = self.nodes[*i as usize];
                            let v = group[n.slot as usize * LANES + lane];
                            *i = n.left + u32::from(v >= n.threshold);
                        }
                    }
                    for (a, &i) in lane_acc.iter_mut().zip(&idx) {
                        *a += self.nodes[i as usize].leaf;
                    }
                }
            }
            out.extend(acc[..n_rows].iter().map(|&m| f64::from(m)));
        }
    }

    /// The margin of one row already converted: trees in groups of [`LANES`] walked in lockstep, leaves
    /// added in tree order.
    #[inline(always)]
    fn row_margin(&self, x: &[f32], next: impl Fn(u32, &[f32]) -> u32) -> f32 {
        let mut acc = self.base_margin;
        let mut groups = self.trees.chunks_exact(LANES);
        for group in &mut groups {
            let mut idx = [0u32; LANES];
            let mut depth = 0;
            for (i, t) in idx.iter_mut().zip(group) {
                *i = t.root;
                depth = depth.max(t.depth);
            }
            for _ in 0..depth {
                for i in idx.iter_mut() {
                    *i = next(*i, x);
                }
            }
            for &i in &idx {
                acc += self.nodes[i as usize].leaf;
            }
        }
        for t in groups.remainder() {
            let mut i = t.root;
            for _ in 0..t.depth {
                i = next(i, x);
            }
            acc += self.nodes[i as usize].leaf;
        }
        acc
    }

    fn is_leaf(&self, idx: u32) -> bool {
        self.meta[idx as usize] & LEAF != 0
    }

    /// Runs `f` on the row converted by `fill` into `width` `f32`s (on the stack when small).
    #[inline(always)]
    fn with_row<R>(
        &self,
        row: &[f64],
        width: usize,
        fill: impl Fn(&[f64], &mut [f32]),
        f: impl FnOnce(&[f32]) -> R,
    ) -> R {
        assert_eq!(row.len(), self.num_features, "a row must have the model's {} features", self.num_features);
        let mut stack = [0.0f32; STACK_ROW];
        let mut heap = Vec::new();
        let x: &mut [f32] = if width <= STACK_ROW {
            &mut stack[..width]
        } else {
            heap.resize(width, 0.0);
            &mut heap
        };
        fill(row, x);
        f(x)
    }

    /// Adds the SHAP values of the subtree at split `node` to `s.phi`, given the unique features on the
    /// path above it (in `s`) and their products (`level`).
    fn tree_shap(&self, s: &mut Shap<'_>, node: u32, level: Level) {
        let n = self.nodes[node as usize];
        let hot = step_any(&self.nodes, &self.meta, self.categories.as_ref(), node, s.x);
        let cold = if hot == n.left { n.left + 1 } else { n.left };
        let feature = (self.meta[node as usize] & FEATURE_MASK) as usize;
        // A feature already on the path is split again: its element takes this split's fraction too, and
        // stays hot only while the row follows every split on it (XGBoost unwinds the element and extends
        // the path with the merged one).
        let on_path = if !s.on_path[feature] {
            OnPath::No
        } else if let Some(k) = s.hot.iter().position(|&(f, _)| f == feature) {
            OnPath::Hot(k)
        } else {
            s.cold.iter().position(|&(f, _)| f == feature).map_or(OnPath::No, OnPath::Cold)
        };
        let saved_zero = match on_path {
            OnPath::Hot(k) => s.hot[k].1,
            OnPath::Cold(k) => s.cold[k].1,
            OnPath::No => 1.0,
        };
        self.shap_child(s, level, hot, true, feature, on_path, saved_zero);
        self.shap_child(s, level, cold, false, feature, on_path, saved_zero);
    }

    /// [`tree_shap`](Self::tree_shap) for one child: the path extended by the split, the child's subtree,
    /// the path restored.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn shap_child(
        &self,
        s: &mut Shap<'_>,
        level: Level,
        child: u32,
        is_hot: bool,
        feature: usize,
        on_path: OnPath,
        saved_zero: f64,
    ) {
        let fraction = self.fraction[child as usize];
        let next = match on_path {
            OnPath::No if is_hot => {
                s.on_path[feature] = true;
                s.hot.push((feature, fraction));
                s.multiply(level, fraction)
            }
            OnPath::No => {
                s.on_path[feature] = true;
                s.cold.push((feature, fraction));
                Level { cold: level.cold * fraction, ..level }
            }
            OnPath::Hot(k) if is_hot => {
                s.hot[k].1 = saved_zero * fraction;
                s.rebuild(level)
            }
            OnPath::Hot(k) => {
                // Hot to cold: out of the hot list (the last one takes its place), into the cold one.
                s.hot.swap_remove(k);
                s.cold.push((feature, saved_zero * fraction));
                s.rebuild(level)
            }
            OnPath::Cold(k) => {
                s.cold[k].1 = saved_zero * fraction;
                Level { cold: s.cold.iter().map(|&(_, z)| z).product(), ..level }
            }
        };
        if self.is_leaf(child) {
            s.leaf(f64::from(self.nodes[child as usize].leaf), next);
        } else {
            self.tree_shap(s, child, next);
        }
        // Undo.
        match on_path {
            OnPath::No if is_hot => {
                s.on_path[feature] = false;
                s.hot.pop();
            }
            OnPath::No => {
                s.on_path[feature] = false;
                s.cold.pop();
            }
            OnPath::Hot(k) if is_hot => s.hot[k].1 = saved_zero,
            OnPath::Hot(k) => {
                s.cold.pop();
                s.hot.push((feature, saved_zero));
                let last = s.hot.len() - 1;
                s.hot.swap(k, last);
            }
            OnPath::Cold(k) => s.cold[k].1 = saved_zero,
        }
    }
}

/// Where a split's feature already is on the TreeSHAP path.
#[derive(Debug, Clone, Copy)]
enum OnPath {
    No,
    Hot(usize),
    Cold(usize),
}

/// The plain row in `f32` (missing = NaN), as XGBoost converts it.
#[inline(always)]
fn fill_plain(row: &[f64], x: &mut [f32]) {
    for (x, &v) in x.iter_mut().zip(row) {
        *x = v as f32;
    }
}

/// The doubled row of the fast step: the row with missing values as +∞, then again with them as −∞.
#[inline(always)]
fn fill_doubled(row: &[f64], x: &mut [f32]) {
    let (high, low) = x.split_at_mut(row.len());
    for ((h, l), &v) in high.iter_mut().zip(low.iter_mut()).zip(row) {
        let v = v as f32;
        let missing = v.is_nan();
        *h = if missing { f32::INFINITY } else { v };
        *l = if missing { f32::NEG_INFINITY } else { v };
    }
}

/// One step on the doubled row: the child of `idx` (a leaf's child is itself). Exact when no value in `x`
/// is NaN and no split threshold is NaN or −∞: then `v >= t` is `!(v < t)`, and a missing value, read as
/// +∞ or −∞ according to the node's default direction, goes that way.
#[inline(always)]
fn step_fast(nodes: &[Node], idx: u32, x: &[f32]) -> u32 {
    let n = nodes[idx as usize];
    n.left + u32::from(x[n.slot as usize] >= n.threshold)
}

/// One step of any model on the plain row (missing = NaN).
#[inline(always)]
fn step_any(nodes: &[Node], meta: &[u32], cats: Option<&Categories>, idx: u32, x: &[f32]) -> u32 {
    let n = nodes[idx as usize];
    let m = meta[idx as usize];
    let v = x[(m & FEATURE_MASK) as usize];
    let right = if m & LEAF != 0 {
        false
    } else if v.is_nan() {
        m & DEFAULT_LEFT == 0
    } else if m & CATEGORICAL != 0 {
        cats.is_some_and(|c| c.goes_right(idx, v))
    } else {
        v.partial_cmp(&n.threshold) != Some(Ordering::Less)
    };
    n.left + u32::from(right)
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
        let nf = self.num_features;
        let m = if self.fast {
            self.with_row(row, 2 * nf, fill_doubled, |x| self.row_margin(x, |i, x| step_fast(&self.nodes, i, x)))
        } else {
            let cats = self.categories.as_ref();
            self.with_row(row, nf, fill_plain, |x| {
                self.row_margin(x, |i, x| step_any(&self.nodes, &self.meta, cats, i, x))
            })
        };
        f64::from(m)
    }

    /// # Panics
    /// When `row.len()` is not [`num_features`](Predictor::num_features).
    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.num_features + 1];
        let weights = shapley_weights(self.max_depth);
        let stride = self.max_depth + 1;
        self.with_row(row, self.num_features, fill_plain, |x| {
            let mut s = Shap {
                x,
                phi: &mut phi,
                weights: &weights,
                hot: Vec::with_capacity(self.max_depth),
                cold: Vec::with_capacity(self.max_depth),
                on_path: vec![false; self.num_features],
                stride,
                q: vec![0.0; (self.max_depth + 1) * stride],
            };
            s.q[0] = 1.0;
            let root = Level { offset: 0, hot: 0, cold: 1.0 };
            for tree in &self.trees {
                if !self.is_leaf(tree.root) {
                    self.tree_shap(&mut s, tree.root, root);
                }
            }
        });
        phi[self.num_features] = self.expected_margin();
        phi
    }
}

// ---------------------------------------------------------------------------------------------------------
// TreeSHAP.
//
// XGBoost's TreeSHAP (Lundberg et al. 2018, Algorithm 2) walks every root-to-leaf path keeping, for each
// unique feature on it, a zero fraction z (the share of training cover that follows the path at the splits
// on that feature) and a one fraction o (1 when the row follows all of them, else 0). At a leaf of value v
// with d unique features, feature e gets
//
//     v · (o_e − z_e) · Σ_k w(d, k) · [t^k] Π_{j ≠ e} (z_j + o_j t),    w(d, k) = k! (d − 1 − k)! / d!
//
// (the Shapley weights of coalitions of size k); Algorithm 2 tracks the product incrementally
// ("ExtendPath") and divides one factor out again per feature ("UnwindPath"). Here the same sums are taken
// directly, using that o is 0 or 1: the cold elements (o = 0) only multiply the product by the constant
// C = Π z_j, and the hot ones (o = 1) form Q(t) = Π (z_j + t). So a cold feature gets −v · C · Σ_k w_k q_k
// (the same for all of them), and a hot feature e gets v · (1 − z_e) · C · Σ_k w_k r_k with
// R = Q / (t + z_e) by synthetic division. Same result (to rounding), in f64, with no divisions per path
// element, which makes one row of the 200-tree benchmark model several times faster than Algorithm 2.

/// The state of one row's TreeSHAP: the unique features on the path from the root to the current node,
/// hot and cold kept apart, with their zero fractions (the product of the cover fractions of the path's
/// splits on the feature).
struct Shap<'a> {
    x: &'a [f32],
    phi: &'a mut [f64],
    /// [`shapley_weights`].
    weights: &'a [f64],
    /// `(feature, zero fraction)` of the hot elements (the row follows every split on the feature).
    hot: Vec<(usize, f64)>,
    /// `(feature, zero fraction)` of the cold elements.
    cold: Vec<(usize, f64)>,
    /// Per feature: whether it is on the path (hot or cold).
    on_path: Vec<bool>,
    /// The Q polynomials of the path's levels, `stride` coefficients each (lowest degree first): a level's
    /// Q is computed from its parent's when the path gains a hot element, and reused by cold children.
    q: Vec<f64>,
    stride: usize,
}

/// The products of a path: Q (`hot + 1` coefficients at `offset` in [`Shap::q`]) and C.
#[derive(Debug, Clone, Copy)]
struct Level {
    offset: usize,
    hot: usize,
    cold: f64,
}

impl Shap<'_> {
    /// The level below `level` after a new hot element with zero fraction `z`: Q · (z + t).
    #[inline]
    fn multiply(&mut self, level: Level, z: f64) -> Level {
        let (offset, m) = (level.offset + self.stride, level.hot);
        let (parent, child) = self.q.split_at_mut(offset);
        let (parent, child) = (&parent[level.offset..=level.offset + m], &mut child[..=m + 1]);
        child[0] = parent[0] * z;
        for k in 1..=m {
            child[k] = parent[k] * z + parent[k - 1];
        }
        child[m + 1] = parent[m];
        Level { offset, hot: m + 1, cold: level.cold }
    }

    /// The level below `level` recomputed from the whole path (after an element changed).
    fn rebuild(&mut self, level: Level) -> Level {
        let offset = level.offset + self.stride;
        let q = &mut self.q[offset..offset + self.stride];
        q[0] = 1.0;
        for (m, &(_, z)) in self.hot.iter().enumerate() {
            q[m + 1] = q[m];
            for k in (1..=m).rev() {
                q[k] = q[k] * z + q[k - 1];
            }
            q[0] *= z;
        }
        Level { offset, hot: self.hot.len(), cold: self.cold.iter().map(|&(_, z)| z).product() }
    }

    /// Adds a leaf's share to every feature on the path.
    #[inline]
    fn leaf(&mut self, value: f64, level: Level) {
        let m = self.hot.len();
        let d = m + self.cold.len();
        let w = &self.weights[d * (d - 1) / 2..d * (d + 1) / 2];
        let q = &self.q[level.offset..=level.offset + m];
        if m < d {
            let sum: f64 = q.iter().zip(w).map(|(q, w)| q * w).sum();
            let share = -value * level.cold * sum;
            for &(f, _) in &self.cold {
                self.phi[f] += share;
            }
        }
        // R = Q / (t + z) for every hot z at once, from the top: r_{m−1} = q_m, r_{k−1} = q_k − z r_k, and
        // Σ w_k r_k alongside. The hot elements' recurrences are independent: they run side by side, in
        // fixed-size arrays for the usual short paths.
        let scale = value * level.cold;
        if m == 0 {
            return;
        }
        if m <= SHORT_PATH {
            let mut z = [0.0; SHORT_PATH];
            for (z, &(_, zero)) in z.iter_mut().zip(&self.hot) {
                *z = zero;
            }
            let mut r = [q[m]; SHORT_PATH];
            let mut sum = [w[m - 1] * q[m]; SHORT_PATH];
            for k in (1..m).rev() {
                let (qk, wk) = (q[k], w[k - 1]);
                for e in 0..SHORT_PATH {
                    r[e] = qk - z[e] * r[e];
                    sum[e] += wk * r[e];
                }
            }
            for (&(f, zero), sum) in self.hot.iter().zip(sum) {
                self.phi[f] += scale * (1.0 - zero) * sum;
            }
        } else {
            for &(f, z) in &self.hot {
                let mut r = q[m];
                let mut sum = w[m - 1] * r;
                for k in (1..m).rev() {
                    r = q[k] - z * r;
                    sum += w[k - 1] * r;
                }
                self.phi[f] += scale * (1.0 - z) * sum;
            }
        }
    }
}

/// Paths with up to this many hot features take [`Shap::leaf`]'s fixed-size arrays (a power of two).
const SHORT_PATH: usize = 8;

/// `w(d, k) = k! (d − 1 − k)! / d! = 1 / (d · C(d − 1, k))` for `d` in `1..=max_d`, `k` in `0..d`, at
/// `d (d − 1) / 2 + k`.
fn shapley_weights(max_d: usize) -> Vec<f64> {
    let mut w = Vec::with_capacity(max_d * (max_d + 1) / 2);
    for d in 1..=max_d {
        let mut binomial = 1.0f64; // C(d − 1, k)
        for k in 0..d {
            w.push(1.0 / (d as f64 * binomial));
            binomial = binomial * (d - 1 - k) as f64 / (k + 1) as f64;
        }
    }
    w
}

// ---------------------------------------------------------------------------------------------------------
// Loading.

fn parse_error(at: impl Into<String>, message: impl Into<String>) -> ModelError {
    ModelError::Parse { format: FORMAT, at: at.into(), message: message.into() }
}

fn unsupported(message: impl Into<String>) -> ModelError {
    ModelError::Unsupported { format: FORMAT, message: message.into() }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// `v[key]` where `v` must be an object with that key.
fn field<'a>(v: &'a Value, path: &str, key: &str) -> Result<&'a Value, ModelError> {
    match v {
        Value::Object(map) => map.get(key).ok_or_else(|| parse_error(join(path, key), "missing")),
        _ => Err(not_an_object(v, path)),
    }
}

fn not_an_object(v: &Value, path: &str) -> ModelError {
    let at = if path.is_empty() { "(document)" } else { path };
    parse_error(at, format!("expected an object, found {}", kind(v)))
}

/// `v[key]` when `v` is an object that has it.
fn optional<'a>(v: &'a Value, path: &str, key: &str) -> Result<Option<&'a Value>, ModelError> {
    match v {
        Value::Object(map) => Ok(map.get(key)),
        _ => Err(not_an_object(v, path)),
    }
}

fn array<'a>(v: &'a Value, path: &str) -> Result<&'a [Value], ModelError> {
    v.as_array().map(Vec::as_slice).ok_or_else(|| parse_error(path, format!("expected an array, found {}", kind(v))))
}

fn string<'a>(v: &'a Value, path: &str) -> Result<&'a str, ModelError> {
    v.as_str().ok_or_else(|| parse_error(path, format!("expected a string, found {}", kind(v))))
}

/// An integer parameter: XGBoost writes them as strings (`"8"`), older files sometimes as numbers.
fn int_param(v: &Value, path: &str) -> Result<i64, ModelError> {
    let parsed = match v {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    };
    parsed.ok_or_else(|| parse_error(path, format!("expected an integer, found {v}")))
}

fn f32_array(v: &Value, path: &str) -> Result<Vec<f32>, ModelError> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| {
            e.as_f64().map(|f| f as f32).ok_or_else(|| parse_error(format!("{path}[{i}]"), "expected a number"))
        })
        .collect()
}

fn int_array(v: &Value, path: &str) -> Result<Vec<i64>, ModelError> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| e.as_i64().ok_or_else(|| parse_error(format!("{path}[{i}]"), "expected an integer")))
        .collect()
}

/// `default_left`: 0/1 in current files, booleans in some older ones.
fn flag_array(v: &Value, path: &str) -> Result<Vec<bool>, ModelError> {
    array(v, path)?
        .iter()
        .enumerate()
        .map(|(i, e)| match e {
            Value::Bool(b) => Ok(*b),
            _ => match e.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(parse_error(format!("{path}[{i}]"), "expected 0, 1, true or false")),
            },
        })
        .collect()
}

/// The base score as the file stores it: `"5E-1"`, `"[5E-1]"` (3.x, one per target) or a number.
fn base_score(v: &Value, path: &str) -> Result<f32, ModelError> {
    match v {
        Value::Number(n) => n.as_f64().map(|f| f as f32).ok_or_else(|| parse_error(path, "expected a number")),
        Value::String(s) => {
            let s = s.trim();
            let inner = s.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(s);
            let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
            if parts.len() != 1 {
                return Err(unsupported(format!("a base score per target ({s}, multi-target model)")));
            }
            parts[0].parse::<f32>().map_err(|_| parse_error(path, format!("expected a number, found {s:?}")))
        }
        _ => Err(parse_error(path, format!("expected a number or a string, found {}", kind(v)))),
    }
}

fn load(doc: &Value) -> Result<XgbModel, ModelError> {
    let learner = field(doc, "", "learner")?;
    let lp = "learner";

    let mp_path = join(lp, "learner_model_param");
    let model_param = field(learner, lp, "learner_model_param")?;
    let nf_path = join(&mp_path, "num_feature");
    let num_features = int_param(field(model_param, &mp_path, "num_feature")?, &nf_path)?;
    if num_features < 1 || num_features > i64::from(FEATURE_MASK) {
        return Err(parse_error(nf_path, format!("{num_features} features")));
    }
    let num_features = num_features as usize;
    for key in ["num_class", "num_target"] {
        if let Some(v) = optional(model_param, &mp_path, key)? {
            let n = int_param(v, &join(&mp_path, key))?;
            if n > 1 {
                return Err(unsupported(format!("{key} = {n} (multi-class or multi-target model)")));
            }
        }
    }

    let op = join(lp, "objective");
    let objective_name = string(field(field(learner, lp, "objective")?, &op, "name")?, &join(&op, "name"))?;
    let logistic = match objective_name {
        "binary:logistic" | "reg:logistic" | "binary:logitraw" => true,
        "reg:squarederror" | "reg:linear" => false,
        other => return Err(unsupported(format!("objective {other:?}"))),
    };
    let bs_path = join(&mp_path, "base_score");
    let score = base_score(field(model_param, &mp_path, "base_score")?, &bs_path)?;
    let (objective, base_margin) = if logistic {
        if !(score > 0.0 && score < 1.0) {
            return Err(parse_error(bs_path, format!("{score} is not a probability in (0, 1)")));
        }
        // XGBoost's ProbToMargin, in f32: -log(1/p - 1).
        (Objective::Probability, -(1.0f32 / score - 1.0f32).ln())
    } else {
        (Objective::Regression, score)
    };

    let feature_names = match optional(learner, lp, "feature_names")? {
        None => None,
        Some(v) => {
            let path = join(lp, "feature_names");
            let names = array(v, &path)?
                .iter()
                .enumerate()
                .map(|(i, n)| string(n, &format!("{path}[{i}]")).map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?;
            if names.is_empty() {
                None
            } else if names.len() != num_features {
                return Err(parse_error(path, format!("{} names for {num_features} features", names.len())));
            } else {
                Some(names)
            }
        }
    };

    let gp = join(lp, "gradient_booster");
    let booster = field(learner, lp, "gradient_booster")?;
    let booster_name = string(field(booster, &gp, "name")?, &join(&gp, "name"))?;
    if booster_name != "gbtree" {
        return Err(unsupported(format!("booster {booster_name:?}")));
    }
    let mp = join(&gp, "model");
    let model = field(booster, &gp, "model")?;
    let trees_path = join(&mp, "trees");
    let json_trees = array(field(model, &mp, "trees")?, &trees_path)?;
    if let Some(param) = optional(model, &mp, "gbtree_model_param")? {
        let pp = join(&mp, "gbtree_model_param");
        if let Some(v) = optional(param, &pp, "num_trees")? {
            let n = int_param(v, &join(&pp, "num_trees"))?;
            if n != json_trees.len() as i64 {
                return Err(parse_error(
                    join(&pp, "num_trees"),
                    format!("{n}, but there are {} trees", json_trees.len()),
                ));
            }
        }
    }
    if let Some(info) = optional(model, &mp, "tree_info")? {
        let ip = join(&mp, "tree_info");
        let info = int_array(info, &ip)?;
        if info.len() != json_trees.len() {
            return Err(parse_error(ip, format!("{} entries for {} trees", info.len(), json_trees.len())));
        }
        if let Some(i) = info.iter().position(|&g| g != 0) {
            return Err(parse_error(format!("{ip}[{i}]"), "output group of a single-output model must be 0"));
        }
    }

    let mut forest = ForestBuilder::new(num_features);
    for (t, tree) in json_trees.iter().enumerate() {
        forest.add_tree(tree, &format!("{trees_path}[{t}]"))?;
    }
    let ForestBuilder { nodes, meta, fraction, trees, cat_spans, cat_words, importance, max_depth, fast, .. } = forest;
    let categories = cat_spans.map(|spans| Categories { spans, words: cat_words });
    let importance = importance
        .into_iter()
        .enumerate()
        .filter(|(_, (_, _, n))| *n > 0)
        .map(|(f, (gain, cover, n))| (f, gain, cover, n))
        .collect();
    Ok(XgbModel {
        fast: fast && categories.is_none(),
        nodes,
        meta,
        fraction,
        trees,
        categories,
        base_margin,
        num_features,
        feature_names,
        objective,
        objective_name: objective_name.to_string(),
        max_depth,
        importance,
    })
}

struct ForestBuilder {
    num_features: usize,
    nodes: Vec<Node>,
    meta: Vec<u32>,
    /// No threshold so far is NaN or −∞.
    fast: bool,
    cover: Vec<f32>,
    fraction: Vec<f64>,
    trees: Vec<Tree>,
    /// One span per node once a categorical split has been seen.
    cat_spans: Option<Vec<CatSpan>>,
    cat_words: Vec<u32>,
    /// Per feature: total gain, total cover, splits.
    importance: Vec<(f64, f64, u32)>,
    max_depth: usize,
}

/// A tree's arrays as the file stores them.
struct RawTree {
    left: Vec<i64>,
    right: Vec<i64>,
    feature: Vec<i64>,
    condition: Vec<f32>,
    default_left: Vec<bool>,
    cover: Vec<f32>,
    gain: Option<Vec<f32>>,
    split_type: Option<Vec<i64>>,
}

impl ForestBuilder {
    fn new(num_features: usize) -> Self {
        Self {
            num_features,
            nodes: Vec::new(),
            meta: Vec::new(),
            fast: true,
            cover: Vec::new(),
            fraction: Vec::new(),
            trees: Vec::new(),
            cat_spans: None,
            cat_words: Vec::new(),
            importance: vec![(0.0, 0.0, 0); num_features],
            max_depth: 0,
        }
    }

    fn add_tree(&mut self, tree: &Value, path: &str) -> Result<(), ModelError> {
        if let Some(param) = optional(tree, path, "tree_param")? {
            let pp = join(path, "tree_param");
            if let Some(v) = optional(param, &pp, "size_leaf_vector")? {
                let n = int_param(v, &join(&pp, "size_leaf_vector"))?;
                if n > 1 {
                    return Err(unsupported(format!("vector leaves (size_leaf_vector = {n}, multi-target trees)")));
                }
            }
        }
        let get = |key: &str| field(tree, path, key);
        let at = |key: &str| join(path, key);
        let raw = RawTree {
            left: int_array(get("left_children")?, &at("left_children"))?,
            right: int_array(get("right_children")?, &at("right_children"))?,
            feature: int_array(get("split_indices")?, &at("split_indices"))?,
            condition: f32_array(get("split_conditions")?, &at("split_conditions"))?,
            default_left: flag_array(get("default_left")?, &at("default_left"))?,
            cover: f32_array(get("sum_hessian")?, &at("sum_hessian"))?,
            gain: optional(tree, path, "loss_changes")?.map(|v| f32_array(v, &at("loss_changes"))).transpose()?,
            split_type: optional(tree, path, "split_type")?.map(|v| int_array(v, &at("split_type"))).transpose()?,
        };
        let n = raw.left.len();
        if n == 0 {
            return Err(parse_error(at("left_children"), "a tree needs at least one node"));
        }
        let lengths = [
            ("right_children", raw.right.len()),
            ("split_indices", raw.feature.len()),
            ("split_conditions", raw.condition.len()),
            ("default_left", raw.default_left.len()),
            ("sum_hessian", raw.cover.len()),
            ("loss_changes", raw.gain.as_ref().map_or(n, Vec::len)),
            ("split_type", raw.split_type.as_ref().map_or(n, Vec::len)),
        ];
        for (key, len) in lengths {
            if len != n {
                return Err(parse_error(at(key), format!("{len} entries, but left_children has {n}")));
            }
        }
        if let Some(param) = optional(tree, path, "tree_param")? {
            let pp = join(path, "tree_param");
            if let Some(v) = optional(param, &pp, "num_nodes")? {
                let num_nodes = int_param(v, &join(&pp, "num_nodes"))?;
                if num_nodes != n as i64 {
                    return Err(parse_error(join(&pp, "num_nodes"), format!("{num_nodes}, but the arrays have {n}")));
                }
            }
        }
        let categories = self.tree_categories(tree, path, n)?;

        // Breadth-first from the root, over the reachable nodes only (XGBoost keeps pruned nodes in the
        // arrays): `order` lists original indices in their new order, `new_index` maps them back.
        let base = self.nodes.len();
        if base + n > u32::MAX as usize / 2 {
            return Err(parse_error(path, "too many nodes"));
        }
        let mut order = vec![0usize];
        let mut new_index = vec![u32::MAX; n];
        let mut depth = vec![0usize; n];
        new_index[0] = base as u32;
        let mut head = 0;
        let mut tree_depth = 0;
        while head < order.len() {
            let old = order[head];
            head += 1;
            let (l, r) = (raw.left[old], raw.right[old]);
            if l == -1 && r == -1 {
                continue;
            }
            for (key, child) in [("left_children", l), ("right_children", r)] {
                let at = format!("{path}.{key}[{old}]");
                if child < 0 || child >= n as i64 {
                    return Err(parse_error(at, format!("child {child} out of range 0..{n} (or both children -1)")));
                }
                let child = child as usize;
                if new_index[child] != u32::MAX {
                    return Err(parse_error(at, format!("node {child} is reached twice (a cycle or a shared child)")));
                }
                new_index[child] = (base + order.len()) as u32;
                depth[child] = depth[old] + 1;
                tree_depth = tree_depth.max(depth[child]);
                order.push(child);
            }
            if tree_depth > MAX_DEPTH {
                return Err(unsupported(format!("trees deeper than {MAX_DEPTH} levels ({path})")));
            }
        }

        let mut spans = Vec::new();
        for &old in &order {
            let idx = new_index[old];
            let cover = raw.cover[old];
            if raw.left[old] == -1 {
                self.nodes.push(Node { slot: 0, threshold: f32::NAN, left: idx, leaf: raw.condition[old] });
                self.meta.push(LEAF);
                self.cover.push(cover);
                spans.push(CatSpan::default());
                continue;
            }
            let feature = raw.feature[old];
            if feature < 0 || feature >= self.num_features as i64 {
                return Err(parse_error(
                    format!("{path}.split_indices[{old}]"),
                    format!("feature {feature} out of range 0..{}", self.num_features),
                ));
            }
            let mut meta = feature as u32;
            if raw.default_left[old] {
                meta |= DEFAULT_LEFT;
            }
            let split_type = raw.split_type.as_ref().map_or(0, |s| s[old]);
            let mut span = CatSpan::default();
            match split_type {
                0 => {}
                1 => {
                    let Some(set) = categories.iter().find(|(node, _)| *node == old).map(|(_, set)| set) else {
                        return Err(parse_error(
                            format!("{path}.categories_nodes"),
                            format!("categorical split at node {old} has no category set"),
                        ));
                    };
                    meta |= CATEGORICAL;
                    span = self.add_category_set(set);
                }
                other => {
                    return Err(parse_error(
                        format!("{path}.split_type[{old}]"),
                        format!("unknown split type {other}"),
                    ));
                }
            }
            let left = new_index[raw.left[old] as usize];
            debug_assert_eq!(new_index[raw.right[old] as usize], left + 1);
            let threshold = raw.condition[old];
            let slot = feature as u32 + if raw.default_left[old] { self.num_features as u32 } else { 0 };
            self.nodes.push(Node { slot, threshold, left, leaf: 0.0 });
            self.meta.push(meta);
            if threshold.is_nan() || threshold == f32::NEG_INFINITY {
                self.fast = false;
            }
            self.cover.push(cover);
            spans.push(span);
            let imp = &mut self.importance[feature as usize];
            imp.0 += raw.gain.as_ref().map_or(0.0, |g| f64::from(g[old]));
            imp.1 += f64::from(cover);
            imp.2 += 1;
        }
        if spans.iter().any(|s| s.len > 0) && self.cat_spans.is_none() {
            self.cat_spans = Some(vec![CatSpan::default(); base]);
        }
        if let Some(all) = &mut self.cat_spans {
            all.extend(spans);
        }

        // Cover fractions (XGBoost divides each child's cover by its parent's, in TreeShap).
        self.fraction.push(1.0);
        self.fraction.resize(self.nodes.len(), 0.0);
        for k in base..self.nodes.len() {
            if self.meta[k] & LEAF == 0 {
                let l = self.nodes[k].left as usize;
                let parent = f64::from(self.cover[k]);
                self.fraction[l] = f64::from(self.cover[l]) / parent;
                self.fraction[l + 1] = f64::from(self.cover[l + 1]) / parent;
            }
        }

        // Cover-weighted mean leaf values, children before parents (as XGBoost's FillNodeMeanValues).
        let mut mean = vec![0.0f64; order.len()];
        for k in (0..order.len()).rev() {
            let node = self.nodes[base + k];
            mean[k] = if self.meta[base + k] & LEAF != 0 {
                f64::from(node.leaf)
            } else {
                let (l, r) = (node.left as usize, node.left as usize + 1);
                (mean[l - base] * f64::from(self.cover[l]) + mean[r - base] * f64::from(self.cover[r]))
                    / f64::from(self.cover[base + k])
            };
        }
        self.trees.push(Tree { root: base as u32, depth: tree_depth as u32, mean: mean[0] });
        self.max_depth = self.max_depth.max(tree_depth);
        Ok(())
    }

    /// The category sets of a tree's categorical splits: `(node, categories)`.
    fn tree_categories(&self, tree: &Value, path: &str, n: usize) -> Result<Vec<(usize, Vec<u32>)>, ModelError> {
        let Some(nodes) = optional(tree, path, "categories_nodes")? else {
            return Ok(Vec::new());
        };
        let at = |key: &str| join(path, key);
        let nodes = int_array(nodes, &at("categories_nodes"))?;
        if nodes.is_empty() {
            return Ok(Vec::new());
        }
        let segments = int_array(field(tree, path, "categories_segments")?, &at("categories_segments"))?;
        let sizes = int_array(field(tree, path, "categories_sizes")?, &at("categories_sizes"))?;
        let categories = int_array(field(tree, path, "categories")?, &at("categories"))?;
        for (key, len) in [("categories_segments", segments.len()), ("categories_sizes", sizes.len())] {
            if len != nodes.len() {
                return Err(parse_error(at(key), format!("{len} entries, but categories_nodes has {}", nodes.len())));
            }
        }
        let mut out = Vec::with_capacity(nodes.len());
        for (i, ((&node, &start), &size)) in nodes.iter().zip(&segments).zip(&sizes).enumerate() {
            if node < 0 || node >= n as i64 {
                return Err(parse_error(format!("{path}.categories_nodes[{i}]"), format!("node {node} out of range")));
            }
            if start < 0 || size < 0 || start.saturating_add(size) > categories.len() as i64 {
                return Err(parse_error(
                    format!("{path}.categories_segments[{i}]"),
                    format!("segment {start}+{size} outside the {} categories", categories.len()),
                ));
            }
            let set = categories[start as usize..(start + size) as usize]
                .iter()
                .enumerate()
                .map(|(k, &c)| {
                    if (0..i64::from(MAX_CATEGORY as u32)).contains(&c) {
                        Ok(c as u32)
                    } else {
                        Err(parse_error(format!("{path}.categories[{}]", start as usize + k), format!("category {c}")))
                    }
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.push((node as usize, set));
        }
        Ok(out)
    }

    fn add_category_set(&mut self, set: &[u32]) -> CatSpan {
        let len = set.iter().max().map_or(0, |&m| m / 32 + 1);
        let start = self.cat_words.len() as u32;
        self.cat_words.resize(self.cat_words.len() + len as usize, 0);
        for &c in set {
            self.cat_words[start as usize + (c / 32) as usize] |= 1 << (c % 32);
        }
        CatSpan { start, len }
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
            let general = XgbModel { fast: false, ..fast.clone() };
            let rows = inputs(name);
            let nf = fast.num_features;
            let flat: Vec<f64> = rows.iter().flatten().copied().collect();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            fast.predict_margin_batch(&flat, nf, &mut a);
            general.predict_margin_batch(&flat, nf, &mut b);
            for (i, row) in rows.iter().enumerate() {
                let m = fast.predict_margin(row);
                assert_eq!(m.to_bits(), general.predict_margin(row).to_bits(), "{name} row {i}");
                assert_eq!(m.to_bits(), a[i].to_bits(), "{name} row {i}");
                assert_eq!(m.to_bits(), b[i].to_bits(), "{name} row {i}");
            }
        }
        let categorical = XgbModel::from_path(&fixture("categorical.json")).unwrap();
        assert!(!categorical.fast && categorical.categories.is_some());
    }

    /// The closed-form leaf sums equal Algorithm 2's (XGBoost's ExtendPath / UnwoundPathSum), on random
    /// paths with repeated features, cold elements and zero fractions of every size.
    #[test]
    fn leaf_sums_match_algorithm_2() {
        let mut seed = 0x243f_6a88_85a3_08d3u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..2000 {
            let d = 1 + case % 16;
            // Zero fractions from 1e-4 to 1, log-uniform.
            let elements: Vec<(usize, f64, bool)> =
                (0..d).map(|f| (f, 10f64.powf(-4.0 * next()), next() < 0.5)).collect();
            let value = next() * 2.0 - 1.0;
            let want = algorithm_2(&elements, value);

            let weights = shapley_weights(d);
            let mut phi = vec![0.0; d + 1];
            let mut s = Shap {
                x: &[],
                phi: &mut phi,
                weights: &weights,
                hot: elements.iter().filter(|e| e.2).map(|e| (e.0, e.1)).collect(),
                cold: elements.iter().filter(|e| !e.2).map(|e| (e.0, e.1)).collect(),
                on_path: vec![true; d],
                stride: d + 1,
                q: vec![0.0; 2 * (d + 1)],
            };
            let level = s.rebuild(Level { offset: 0, hot: 0, cold: 1.0 });
            s.leaf(value, level);
            // Relative to the leaf's total attribution: Algorithm 2 divides by zero fractions, so its own
            // rounding on tiny fractions is the looser of the two.
            let scale = want.iter().map(|p| p.abs()).sum::<f64>().max(1e-300);
            for f in 0..d {
                assert!((phi[f] - want[f]).abs() <= 1e-10 * scale, "case {case} f{f}: {phi:?} {want:?}");
            }
        }
    }

    /// Algorithm 2's leaf step, transcribed from XGBoost's `TreeShap` (in f64): the path extended element by
    /// element, then each element's unwound sum.
    fn algorithm_2(elements: &[(usize, f64, bool)], value: f64) -> Vec<f64> {
        // (feature, zero, one, pweight); element 0 stands for no feature.
        let mut path = vec![(usize::MAX, 1.0f64, 1.0f64, 1.0f64)];
        for (depth, &(f, z, hot)) in elements.iter().enumerate().map(|(i, e)| (i + 1, e)) {
            let one = if hot { 1.0 } else { 0.0 };
            path.push((f, z, one, 0.0));
            for i in (0..depth).rev() {
                path[i + 1].3 += one * path[i].3 * (i + 1) as f64 / (depth + 1) as f64;
                path[i].3 = z * path[i].3 * (depth - i) as f64 / (depth + 1) as f64;
            }
        }
        let depth = elements.len();
        let mut phi = vec![0.0; depth];
        for index in 1..=depth {
            let (_, zero, one, _) = path[index];
            let mut next_one_portion = path[depth].3;
            let mut total = 0.0;
            for i in (0..depth).rev() {
                if one != 0.0 {
                    let tmp = next_one_portion * (depth + 1) as f64 / ((i + 1) as f64 * one);
                    total += tmp;
                    next_one_portion = path[i].3 - tmp * zero * ((depth - i) as f64 / (depth + 1) as f64);
                } else {
                    total += (path[i].3 / zero) / ((depth - i) as f64 / (depth + 1) as f64);
                }
            }
            phi[path[index].0] += total * (one - zero) * value;
        }
        phi
    }
}
