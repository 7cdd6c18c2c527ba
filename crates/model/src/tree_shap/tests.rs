//! TreeSHAP against Shapley values by their definition on hand-built trees (every split rule and missing
//! value handling), and the closed-form leaf sums against Algorithm 2's.

use super::algorithm::{Level, Shap, shapley_weights};
use super::*;

/// v(S): the cover-weighted expectation of the subtree at `node` with the features in `known` fixed to the
/// row's values.
fn conditional(forest: &Forest, node: u32, row: &[f64], known: u32) -> f64 {
    match forest.nodes[node as usize] {
        Node::Leaf { value, .. } => value,
        Node::Split { feature, left, right, cover, .. } => {
            if known & (1 << feature) != 0 {
                conditional(forest, forest.next(node, &|f| row[f]), row, known)
            } else {
                let (l, r) = (forest.nodes[left as usize].cover(), forest.nodes[right as usize].cover());
                (l * conditional(forest, left, row, known) + r * conditional(forest, right, row, known)) / cover
            }
        }
    }
}

/// Shapley values by the definition (all subsets of the other features), then the bias.
fn brute_force(forest: &Forest, row: &[f64]) -> Vec<f64> {
    let m = forest.num_features;
    let factorial = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; m + 1];
    for tree in forest.trees() {
        for (i, phi_i) in phi.iter_mut().enumerate().take(m) {
            for set in 0u32..(1 << m) {
                if set & (1 << i) != 0 {
                    continue;
                }
                let s = set.count_ones() as usize;
                let weight = factorial(s) * factorial(m - s - 1) / factorial(m);
                *phi_i += weight
                    * (conditional(forest, tree.root, row, set | (1 << i)) - conditional(forest, tree.root, row, set));
            }
        }
        phi[m] += conditional(forest, tree.root, row, 0);
    }
    phi
}

fn split(feature: u32, rule: Rule, missing: Missing, default_left: bool, children: (u32, u32), cover: f64) -> Node {
    Node::Split { feature, rule, missing, default_left, left: children.0, right: children.1, cover }
}

fn leaf(value: f64, cover: f64) -> Node {
    Node::Leaf { value, cover }
}

/// Four features, four trees: `<` with NaN default directions and a feature split twice (XGBoost, GBDT),
/// `<=` with LightGBM's missing types, category sets of both formats, and a single leaf.
fn hand_forest() -> Forest {
    let mut forest = Forest::new(4);
    let less = |t| Rule::Less(t);
    forest.push_tree(vec![
        split(0, less(0.5), Missing::Nan, true, (1, 2), 10.0),
        split(1, less(1.0), Missing::Nan, false, (3, 4), 6.0),
        split(0, less(2.0), Missing::Nan, false, (5, 6), 4.0),
        leaf(1.0, 2.0),
        split(0, less(0.0), Missing::Nan, true, (7, 8), 4.0),
        leaf(0.5, 1.0),
        leaf(3.0, 3.0),
        leaf(-2.0, 1.5),
        leaf(-1.0, 2.5),
    ]);
    let le = |t| Rule::LessOrEqual(t);
    forest.push_tree(vec![
        split(2, le(0.0), Missing::Zero(1e-35), false, (1, 2), 8.0),
        leaf(-0.25, 5.0),
        split(3, le(1.5), Missing::NanIsZero, true, (3, 4), 3.0),
        split(1, le(-1.0), Missing::Nan, true, (5, 6), 2.0),
        leaf(0.4, 1.0),
        leaf(0.75, 0.5),
        leaf(-0.5, 1.5),
    ]);
    // XGBoost: categories {1, 3} go right, NaN the default (left) way; LightGBM: categories {0, 2, 33} go
    // left, NaN right.
    let xgb = forest.add_category_set(&[0b1010]);
    let lgb = forest.add_category_set(&[0b101, 0b10]);
    forest.push_tree(vec![
        split(
            3,
            Rule::Categories { set: xgb, in_set_left: false, cast: CategoryCast::NonNegative },
            Missing::Nan,
            true,
            (1, 2),
            9.0,
        ),
        split(
            2,
            Rule::Categories { set: lgb, in_set_left: true, cast: CategoryCast::Truncate },
            Missing::Nan,
            false,
            (3, 4),
            5.0,
        ),
        leaf(1.25, 4.0),
        leaf(-0.75, 2.0),
        split(3, less(2.5), Missing::Nan, false, (5, 6), 3.0),
        leaf(0.1, 1.0),
        leaf(0.9, 2.0),
    ]);
    forest.push_tree(vec![leaf(0.3, 7.0)]);
    forest
}

#[test]
fn tree_shap_is_the_shapley_value_on_hand_built_trees() {
    let forest = hand_forest();
    let rows = [
        [0.0, 0.0, 0.0, 0.0],
        [1.0, 2.0, -1.0, 1.0],
        [3.0, f64::NAN, 1.0, 3.0],
        [f64::NAN, 0.5, f64::NAN, f64::NAN],
        [0.7, 1.0, 1e-36, 2.0],
        [-0.3, -2.0, 33.9, -0.5],
        [0.49, f64::NAN, -0.5, 1.7],
        [2.0, 1.0, 2.0, 40.0],
    ];
    for row in rows {
        let mut phi = vec![0.0; 5];
        forest.add_contributions(|f| row[f], &mut phi);
        phi[4] = forest.trees().iter().map(|t| t.mean).sum();
        let exact = brute_force(&forest, &row);
        for (a, b) in phi.iter().zip(&exact) {
            assert!((a - b).abs() < 1e-12, "{row:?}: {phi:?} vs {exact:?}");
        }
        let margin: f64 = forest.trees().iter().map(|t| forest.leaf_value(t, |f| row[f])).sum();
        assert!((phi.iter().sum::<f64>() - margin).abs() < 1e-12, "{row:?}");
    }
}

#[test]
fn split_rules_and_missing_values() {
    let forest = hand_forest();
    let go = |rule, missing, default_left, x| forest.goes_left(rule, missing, default_left, x);
    assert!(go(Rule::Less(1.0), Missing::Nan, true, f64::NAN));
    assert!(!go(Rule::Less(1.0), Missing::Nan, true, 1.0));
    assert!(go(Rule::LessOrEqual(1.0), Missing::Nan, false, 1.0));
    // LightGBM None: NaN is 0; Zero: NaN and ±1e-35 are missing.
    assert!(go(Rule::LessOrEqual(0.5), Missing::NanIsZero, false, f64::NAN));
    assert!(!go(Rule::LessOrEqual(-0.5), Missing::NanIsZero, true, f64::NAN));
    assert!(!go(Rule::LessOrEqual(0.5), Missing::Zero(1e-35), false, f64::NAN));
    assert!(go(Rule::LessOrEqual(-0.5), Missing::Zero(1e-35), true, -1e-36));
    let sets: Vec<CategorySet> = forest
        .nodes
        .iter()
        .filter_map(|n| match n {
            Node::Split { rule: Rule::Categories { set, .. }, .. } => Some(*set),
            _ => None,
        })
        .collect();
    let (xgb, lgb) = (sets[0], sets[1]);
    let cats = |set, cast, x| forest.in_set(set, cast, x);
    assert!(cats(xgb, CategoryCast::NonNegative, 3.7) && !cats(xgb, CategoryCast::NonNegative, 2.0));
    // (-1, 0) is no category for XGBoost, category 0 for LightGBM.
    assert!(!cats(lgb, CategoryCast::NonNegative, -0.5) && cats(lgb, CategoryCast::Truncate, -0.5));
    assert!(cats(lgb, CategoryCast::Truncate, 33.0) && !cats(lgb, CategoryCast::Truncate, 1e12));
    assert!(!cats(lgb, CategoryCast::Truncate, -1.0) && !cats(xgb, CategoryCast::NonNegative, 1e9));
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
        let elements: Vec<(usize, f64, bool)> = (0..d).map(|f| (f, 10f64.powf(-4.0 * next()), next() < 0.5)).collect();
        let value = next() * 2.0 - 1.0;
        let want = algorithm_2(&elements, value);

        let weights = shapley_weights(d);
        let mut phi = vec![0.0; d + 1];
        let mut s = Shap {
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
