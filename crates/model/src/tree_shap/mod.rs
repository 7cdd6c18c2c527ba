//! The general tree ensemble every tree format converts its trees into at load (XGBoost, LightGBM and
//! leadsmith's own GBDT), and the one exact TreeSHAP over it ([`Forest::add_contributions`]).
//!
//! A [`Node`] is a leaf (value, cover) or a split (feature, [`Rule`], [`Missing`] handling, default
//! direction, children, cover). The rules cover what the formats need: `x < t` (XGBoost, GBDT), `x <= t`
//! (LightGBM) and category sets (XGBoost: in the set goes right; LightGBM: in the set goes left). How a row's
//! value is read (XGBoost rounds it to `f32`, LightGBM reads values within 1e-35 of 0 as 0) stays with the
//! format: the walks take a `read(feature) -> f64` function.

mod algorithm;
#[cfg(test)]
mod tests;

/// How a split sends a (non-missing) value left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// `x < threshold` goes left (XGBoost, leadsmith GBDT).
    Less(f64),
    /// `x <= threshold` goes left (LightGBM).
    LessOrEqual(f64),
    /// A category split: the value's category (see [`CategoryCast`]) in `set` goes to the `in_set_left`
    /// side, any other value (no category, or one not in the set) to the other side.
    Categories { set: CategorySet, in_set_left: bool, cast: CategoryCast },
}

/// How a value becomes a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryCast {
    /// XGBoost: a value in `[0, 2²⁴)` truncated; others have no category.
    NonNegative,
    /// LightGBM (`static_cast<int>`): truncated toward zero (so `(-1, 0)` is category 0); negative
    /// categories are none.
    Truncate,
}

/// What counts as a missing value at a split, which then goes the [`Node::Split::default_left`] way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Missing {
    /// NaN is missing.
    Nan,
    /// Nothing is missing: NaN reads as 0.0 (LightGBM missing type None).
    NanIsZero,
    /// NaN reads as 0.0, and values in `[-zero, zero]` are missing (LightGBM missing type Zero).
    Zero(f64),
}

/// A category bit set: category `c` is in it when bit `c % 32` of word `c / 32` of the forest's
/// `words[start..start + len]` is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CategorySet {
    pub start: u32,
    pub len: u32,
}

/// A node of one tree; children are indices into the tree's nodes (node 0 is the root).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    Leaf {
        value: f64,
        /// The training cover (hessian sum or row count) that reached the leaf.
        cover: f64,
    },
    Split {
        feature: u32,
        rule: Rule,
        missing: Missing,
        default_left: bool,
        left: u32,
        right: u32,
        cover: f64,
    },
}

impl Node {
    pub fn cover(&self) -> f64 {
        match *self {
            Node::Leaf { cover, .. } | Node::Split { cover, .. } => cover,
        }
    }
}

/// A tree of a [`Forest`]: where its nodes start, how deep it is and its expected value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TreeInfo {
    /// The root's index in the forest's nodes.
    pub root: u32,
    /// Edges from the root to the deepest leaf.
    pub depth: usize,
    /// The cover-weighted mean leaf value (children before parents, as XGBoost's `FillNodeMeanValues`).
    pub mean: f64,
}

/// Trees in one node array (children indices global), with the category bit sets of their splits.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Forest {
    num_features: usize,
    nodes: Vec<Node>,
    /// Per node: its cover over its parent's (1 for roots), TreeSHAP's zero fractions.
    fraction: Vec<f64>,
    words: Vec<u32>,
    trees: Vec<TreeInfo>,
    /// The deepest tree's depth.
    max_depth: usize,
    /// TreeSHAP's Shapley weights for paths up to `max_depth` unique features.
    weights: Vec<f64>,
}

impl Forest {
    pub fn new(num_features: usize) -> Self {
        Self { num_features, ..Self::default() }
    }

    pub fn trees(&self) -> &[TreeInfo] {
        &self.trees
    }

    /// The number of nodes of all trees.
    pub fn num_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Adds a category bit set (see [`CategorySet`]) for [`Rule::Categories`].
    pub fn add_category_set(&mut self, words: &[u32]) -> CategorySet {
        let start = self.words.len() as u32;
        self.words.extend_from_slice(words);
        CategorySet { start, len: words.len() as u32 }
    }

    /// Adds a tree rooted at node 0. The caller has checked that no node is reached twice from the root (no
    /// cycles, no shared children), that split features are below `num_features` and that category sets come
    /// from [`add_category_set`](Self::add_category_set). Nodes the root does not reach are kept but never
    /// visited (LightGBM files may have them).
    pub fn push_tree(&mut self, mut nodes: Vec<Node>) -> TreeInfo {
        assert!(!nodes.is_empty(), "a tree has at least one node");
        let base = self.nodes.len() as u32;
        let n = nodes.len();
        let mut parent = vec![u32::MAX; n];
        let mut depth = vec![0usize; n];
        // Breadth-first from the root: parents before children.
        let mut order = Vec::with_capacity(n);
        order.push(0usize);
        let mut head = 0;
        while head < order.len() {
            let k = order[head];
            head += 1;
            if let Node::Split { left, right, .. } = nodes[k] {
                for child in [left as usize, right as usize] {
                    parent[child] = k as u32;
                    depth[child] = depth[k] + 1;
                    order.push(child);
                }
            }
        }
        let tree_depth = order.iter().map(|&k| depth[k]).max().unwrap_or(0);

        let mut mean = vec![0.0f64; n];
        for &k in order.iter().rev() {
            mean[k] = match nodes[k] {
                Node::Leaf { value, .. } => value,
                Node::Split { left, right, cover, .. } => {
                    let (l, r) = (left as usize, right as usize);
                    (mean[l] * nodes[l].cover() + mean[r] * nodes[r].cover()) / cover
                }
            };
        }
        // Parentless nodes (the root, unreached ones) have fraction 1.
        for k in 0..n {
            let p = parent[k];
            self.fraction.push(if p == u32::MAX { 1.0 } else { nodes[k].cover() / nodes[p as usize].cover() });
        }
        for node in &mut nodes {
            if let Node::Split { left, right, .. } = node {
                *left += base;
                *right += base;
            }
        }
        self.nodes.extend(nodes);
        let info = TreeInfo { root: base, depth: tree_depth, mean: mean[0] };
        self.trees.push(info);
        if tree_depth > self.max_depth {
            self.max_depth = tree_depth;
            self.weights = algorithm::shapley_weights(tree_depth);
        }
        info
    }

    /// Whether a split sends a value left.
    #[inline]
    fn goes_left(&self, rule: Rule, missing: Missing, default_left: bool, x: f64) -> bool {
        let x = match missing {
            Missing::Nan if x.is_nan() => return default_left,
            Missing::Nan => x,
            Missing::NanIsZero => {
                if x.is_nan() {
                    0.0
                } else {
                    x
                }
            }
            Missing::Zero(zero) => {
                let x = if x.is_nan() { 0.0 } else { x };
                if (-zero..=zero).contains(&x) {
                    return default_left;
                }
                x
            }
        };
        match rule {
            Rule::Less(t) => x < t,
            Rule::LessOrEqual(t) => x <= t,
            Rule::Categories { set, in_set_left, cast } => self.in_set(set, cast, x) == in_set_left,
        }
    }

    #[inline]
    fn in_set(&self, set: CategorySet, cast: CategoryCast, x: f64) -> bool {
        let category = match cast {
            CategoryCast::NonNegative => {
                if !(0.0..16_777_216.0).contains(&x) {
                    return false;
                }
                x as u32
            }
            CategoryCast::Truncate => {
                // Saturating, so out-of-range values land on no category or on a word past the set.
                let c = x as i32;
                if c < 0 {
                    return false;
                }
                c as u32
            }
        };
        let word = category / 32;
        word < set.len && (self.words[(set.start + word) as usize] >> (category % 32)) & 1 != 0
    }

    /// The child of split `idx` a row goes to (`idx` a split).
    #[inline]
    fn next(&self, idx: u32, read: &impl Fn(usize) -> f64) -> u32 {
        match self.nodes[idx as usize] {
            Node::Split { feature, rule, missing, default_left, left, right, .. } => {
                if self.goes_left(rule, missing, default_left, read(feature as usize)) { left } else { right }
            }
            Node::Leaf { .. } => idx,
        }
    }

    /// The value of the leaf tree `tree` sends the row to.
    #[inline]
    pub fn leaf_value(&self, tree: &TreeInfo, read: impl Fn(usize) -> f64) -> f64 {
        let mut at = tree.root;
        loop {
            match self.nodes[at as usize] {
                Node::Leaf { value, .. } => return value,
                Node::Split { .. } => at = self.next(at, &read),
            }
        }
    }
}
