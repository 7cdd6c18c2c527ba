//! Exact TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution for Tree
//! Ensembles", Algorithm 2), the polynomial-time algorithm XGBoost's `pred_contribs` implements: the Shapley
//! values of the cover-weighted conditional expectation v(S) = E[f(x) | x_S], where a feature outside S is
//! integrated out at each split by the fraction of training cover (hessian) that went each way.
//!
//! Each root-to-leaf path is tracked as the set of unique features split on along it, with, per feature, the
//! fraction of "zero" paths (the feature integrated out: the cover fraction) and "one" paths (the feature
//! known: 1 on the side the row goes, 0 on the other), and the permutation weights of every subset size.

use super::gbdt::{Node, Tree, goes_left};

#[derive(Debug, Clone, Copy)]
struct PathElement {
    /// `None` for the root's placeholder.
    feature: Option<usize>,
    zero_fraction: f64,
    one_fraction: f64,
    weight: f64,
}

/// Adds the Shapley value of each feature for `tree` at `row` to `phi` (one slot per feature).
pub(super) fn add_tree_shap(tree: &Tree, row: &[f64], phi: &mut [f64]) {
    if tree.nodes.is_empty() {
        return;
    }
    let mut walk = Walk { tree, row, phi };
    walk.recurse(0, Vec::new(), 1.0, 1.0, None);
}

struct Walk<'a> {
    tree: &'a Tree,
    row: &'a [f64],
    phi: &'a mut [f64],
}

impl Walk<'_> {
    fn recurse(
        &mut self,
        node: usize,
        mut path: Vec<PathElement>,
        zero_fraction: f64,
        one_fraction: f64,
        feature: Option<usize>,
    ) {
        extend(&mut path, zero_fraction, one_fraction, feature);
        match self.tree.nodes[node] {
            Node::Leaf { value, .. } => {
                for i in 1..path.len() {
                    let el = path[i];
                    let w = unwound_sum(&path, i);
                    if let Some(f) = el.feature {
                        self.phi[f] += w * (el.one_fraction - el.zero_fraction) * value;
                    }
                }
            }
            Node::Split { feature: f, threshold, default_left, left, right, cover, .. } => {
                let x = self.row.get(f).copied().unwrap_or(f64::NAN);
                let (hot, cold) = if goes_left(x, threshold, default_left) { (left, right) } else { (right, left) };
                let hot_zero = self.tree.nodes[hot].cover() / cover;
                let cold_zero = self.tree.nodes[cold].cover() / cover;
                let (mut incoming_zero, mut incoming_one) = (1.0, 1.0);
                // A feature already on the path: undo its earlier split and redo it here, combined.
                if let Some(k) = path.iter().position(|e| e.feature == Some(f)) {
                    incoming_zero = path[k].zero_fraction;
                    incoming_one = path[k].one_fraction;
                    unwind(&mut path, k);
                }
                self.recurse(hot, path.clone(), hot_zero * incoming_zero, incoming_one, Some(f));
                self.recurse(cold, path, cold_zero * incoming_zero, 0.0, Some(f));
            }
        }
    }
}

fn extend(path: &mut Vec<PathElement>, zero_fraction: f64, one_fraction: f64, feature: Option<usize>) {
    let d = path.len();
    path.push(PathElement { feature, zero_fraction, one_fraction, weight: if d == 0 { 1.0 } else { 0.0 } });
    let denominator = (d + 1) as f64;
    for i in (0..d).rev() {
        path[i + 1].weight += one_fraction * path[i].weight * (i + 1) as f64 / denominator;
        path[i].weight = zero_fraction * path[i].weight * (d - i) as f64 / denominator;
    }
}

/// Removes element `index` from the path, undoing its [`extend`].
fn unwind(path: &mut Vec<PathElement>, index: usize) {
    let d = path.len() - 1;
    let PathElement { one_fraction, zero_fraction, .. } = path[index];
    let denominator = (d + 1) as f64;
    let mut next = path[d].weight;
    for i in (0..d).rev() {
        if one_fraction != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next * denominator / ((i + 1) as f64 * one_fraction);
            next = tmp - path[i].weight * zero_fraction * (d - i) as f64 / denominator;
        } else {
            path[i].weight = path[i].weight * denominator / (zero_fraction * (d - i) as f64);
        }
    }
    for i in index..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
    path.pop();
}

/// The total permutation weight of the path with element `index` unwound, without changing it.
fn unwound_sum(path: &[PathElement], index: usize) -> f64 {
    let d = path.len() - 1;
    let PathElement { one_fraction, zero_fraction, .. } = path[index];
    let denominator = (d + 1) as f64;
    let mut next = path[d].weight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        if one_fraction != 0.0 {
            let tmp = next * denominator / ((i + 1) as f64 * one_fraction);
            total += tmp;
            next = path[i].weight - tmp * zero_fraction * ((d - i) as f64 / denominator);
        } else if zero_fraction != 0.0 {
            total += (path[i].weight / zero_fraction) / ((d - i) as f64 / denominator);
        }
    }
    total
}
