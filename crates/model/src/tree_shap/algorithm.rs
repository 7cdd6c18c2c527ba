//! Exact path-dependent TreeSHAP (Lundberg et al. 2018, Algorithm 2, what XGBoost's `pred_contribs=True` and
//! LightGBM's `pred_contrib=True` compute) over a [`Forest`], in `f64`, with the per-leaf sums taken in a
//! closed form that needs no divisions.
//!
//! Algorithm 2 walks every root-to-leaf path keeping, for each unique feature on it, a zero fraction z (the
//! share of training cover that follows the path at the splits on that feature) and a one fraction o (1 when
//! the row follows all of them, else 0). At a leaf of value v with d unique features, feature e gets
//!
//! ```text
//! v · (o_e − z_e) · Σ_k w(d, k) · [t^k] Π_{j ≠ e} (z_j + o_j t),    w(d, k) = k! (d − 1 − k)! / d!
//! ```
//!
//! (the Shapley weights of coalitions of size k); Algorithm 2 tracks the product incrementally
//! ("ExtendPath") and divides one factor out again per feature ("UnwindPath"). Here the same sums are taken
//! directly, using that o is 0 or 1: the cold elements (o = 0) only multiply the product by the constant
//! C = Π z_j, and the hot ones (o = 1) form Q(t) = Π (z_j + t). So a cold feature gets −v · C · Σ_k w_k q_k
//! (the same for all of them), and a hot feature e gets v · (1 − z_e) · C · Σ_k w_k r_k with
//! R = Q / (t + z_e) by synthetic division. Same result (to rounding), with no divisions per path element,
//! which makes one row of the 200-tree benchmark model several times faster than Algorithm 2.

use super::{Forest, Node};

impl Forest {
    /// Adds every tree's TreeSHAP values of the row (read by `read(feature)`) to `phi[..num_features]`; the
    /// bias (`phi[num_features]`, when there) is the caller's. Trees that are a single leaf add nothing.
    pub fn add_contributions(&self, read: impl Fn(usize) -> f64, phi: &mut [f64]) {
        if self.trees.iter().all(|t| matches!(self.nodes[t.root as usize], Node::Leaf { .. })) {
            return;
        }
        let stride = self.max_depth + 1;
        let mut s = Shap {
            phi,
            weights: &self.weights,
            hot: Vec::with_capacity(self.max_depth),
            cold: Vec::with_capacity(self.max_depth),
            on_path: vec![false; self.num_features],
            stride,
            q: vec![0.0; (self.max_depth + 1) * stride],
        };
        s.q[0] = 1.0;
        let root = Level { offset: 0, hot: 0, cold: 1.0 };
        for tree in &self.trees {
            if matches!(self.nodes[tree.root as usize], Node::Split { .. }) {
                self.tree_shap(&mut s, &read, tree.root, root);
            }
        }
    }

    /// Adds the SHAP values of the subtree at split `node` to `s.phi`, given the unique features on the
    /// path above it (in `s`) and their products (`level`).
    fn tree_shap(&self, s: &mut Shap<'_>, read: &impl Fn(usize) -> f64, node: u32, level: Level) {
        let Node::Split { feature, left, right, .. } = self.nodes[node as usize] else {
            unreachable!("tree_shap is called on splits")
        };
        let hot = self.next(node, read);
        let cold = if hot == left { right } else { left };
        let feature = feature as usize;
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
        self.shap_child(s, read, level, hot, true, feature, on_path, saved_zero);
        self.shap_child(s, read, level, cold, false, feature, on_path, saved_zero);
    }

    /// [`tree_shap`](Self::tree_shap) for one child: the path extended by the split, the child's subtree,
    /// the path restored.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn shap_child(
        &self,
        s: &mut Shap<'_>,
        read: &impl Fn(usize) -> f64,
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
        match self.nodes[child as usize] {
            Node::Leaf { value, .. } => s.leaf(value, next),
            Node::Split { .. } => self.tree_shap(s, read, child, next),
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

/// The state of one row's TreeSHAP: the unique features on the path from the root to the current node,
/// hot and cold kept apart, with their zero fractions (the product of the cover fractions of the path's
/// splits on the feature).
pub(super) struct Shap<'a> {
    pub(super) phi: &'a mut [f64],
    /// [`shapley_weights`].
    pub(super) weights: &'a [f64],
    /// `(feature, zero fraction)` of the hot elements (the row follows every split on the feature).
    pub(super) hot: Vec<(usize, f64)>,
    /// `(feature, zero fraction)` of the cold elements.
    pub(super) cold: Vec<(usize, f64)>,
    /// Per feature: whether it is on the path (hot or cold).
    pub(super) on_path: Vec<bool>,
    /// The Q polynomials of the path's levels, `stride` coefficients each (lowest degree first): a level's
    /// Q is computed from its parent's when the path gains a hot element, and reused by cold children.
    pub(super) q: Vec<f64>,
    pub(super) stride: usize,
}

/// The products of a path: Q (`hot + 1` coefficients at `offset` in [`Shap::q`]) and C.
#[derive(Debug, Clone, Copy)]
pub(super) struct Level {
    pub(super) offset: usize,
    pub(super) hot: usize,
    pub(super) cold: f64,
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
    pub(super) fn rebuild(&mut self, level: Level) -> Level {
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
    pub(super) fn leaf(&mut self, value: f64, level: Level) {
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
pub(super) fn shapley_weights(max_d: usize) -> Vec<f64> {
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
