//! XGBoost prediction: the forest flattened into 16-byte nodes in breadth-first order (see the
//! [module documentation](super) for the fast one-comparison step), single rows and batches.

use std::cmp::Ordering;

use super::bitvector::GROUPS;
use super::{CATEGORICAL, DEFAULT_LEFT, FEATURE_MASK, LEAF, MAX_CATEGORY, XgbModel};
use crate::{Objective, sigmoid};

/// Rows walked in lockstep in a batch, and trees walked in lockstep for one row.
pub(super) const LANES: usize = 8;
/// Rows converted to `f32` and scored together, tree by tree, in a batch.
const BLOCK: usize = GROUPS * LANES;
/// Rows (in `f32` values, two per feature on the fast path) up to this size are converted on the stack.
const STACK_ROW: usize = 512;

/// One node of the flattened forest. Children are adjacent (breadth-first order): the right child of a
/// split is `left + 1`, so a step is `left + (value >= threshold)`. A leaf is its own left child with a NaN
/// threshold, which no value reaches or exceeds: stepping from a leaf stays there.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub(super) struct Node {
    /// Where the fast step reads the split feature in the doubled row: the feature, plus the number of
    /// features when a missing value goes left (the copy where missing is −∞). 0 for leaves.
    pub(super) slot: u32,
    /// The split threshold; NaN for leaves.
    pub(super) threshold: f32,
    /// The left child, as an index into the forest's node array; the leaf itself for leaves.
    pub(super) left: u32,
    /// The leaf value (0 for splits).
    pub(super) leaf: f32,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tree {
    pub(super) root: u32,
    /// Edges from the root to the deepest leaf: the number of steps that reaches a leaf from the root.
    pub(super) depth: u32,
}

/// Where a categorical node's category bit set lives in [`Categories::words`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct CatSpan {
    pub(super) start: u32,
    pub(super) len: u32,
}

/// Category sets of the categorical splits, when the model has any.
#[derive(Debug, Clone, Default)]
pub(super) struct Categories {
    /// One span per node of the forest (empty for numerical nodes and leaves).
    pub(super) spans: Vec<CatSpan>,
    /// Bit sets: category `c` is in a set when bit `c % 32` of word `c / 32` is on.
    pub(super) words: Vec<u32>,
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

impl XgbModel {
    /// [`crate::Predictor::predict_margin`]: the fast step on the doubled row when it is exact, else the explicit one.
    pub(super) fn margin(&self, row: &[f64]) -> f64 {
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

    /// Margins of many rows, row-major with `num_features` values per row: `out` is cleared and gets one
    /// margin per row, exactly [`predict_margin`](crate::Predictor::predict_margin) of each. Rows are scored in
    /// blocks, tree by tree, several rows in lockstep.
    ///
    /// # Panics
    /// When `num_features` is not the model's [`num_features`](crate::Predictor::num_features) or `rows` is not a
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
            acc.fill(self.base_margin);
            if self.bits.as_ref().is_some_and(|b| b.add_trees(&xs, &mut acc)) {
                out.extend(acc[..n_rows].iter().map(|&m| f64::from(m)));
                continue;
            }
            for tree in &self.trees {
                for (lane_acc, group) in acc[..n_padded].chunks_exact_mut(LANES).zip(xs.chunks_exact(group_len)) {
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

    #[inline(always)]
    pub(super) fn with_row<R>(
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
}

/// The plain row in `f32` (missing = NaN), as XGBoost converts it.
#[inline(always)]
pub(super) fn fill_plain(row: &[f64], x: &mut [f32]) {
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
