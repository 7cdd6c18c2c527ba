//! The batch walk as bit vectors, for CPUs with AVX-512: every split of a tree is compared for eight rows at
//! once, and each row keeps a 64-bit set of the leaves it can still reach (QuickScorer, Lucchese et al., SIGIR
//! 2015, here without its early exit: all splits are evaluated, so there is no branch on the data).
//!
//! Leaves are numbered left to right. A row that goes right at a split cannot reach the leaves of its left
//! subtree, so the split's mask clears them; once every split has been applied, the lowest leaf left is the
//! one the row reaches (no split clears the rightmost leaf of its right subtree, so the path's leaf survives,
//! and every leaf to the left of it is cleared by the split where the path turned right of it). A depth-6
//! tree is 63 comparisons and 63 masked ANDs for eight rows: one vector compare and one masked AND each with
//! AVX-512, against six dependent loads and compares per row for the walk. Trees with more than 64 leaves, and
//! CPUs without AVX-512, take the walk in `predict.rs`.

use super::predict::{LANES, Node, Tree};

/// Groups of [`LANES`] rows scored together: the block of the batch walk.
pub(super) const GROUPS: usize = 8;

/// A split: where its value is in a group (the doubled-row slot times [`LANES`]), its threshold, and the
/// leaves that stay reachable when a row goes right (all but those of its left subtree).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
struct Split {
    offset: u32,
    threshold: f32,
    keep: u64,
}

#[derive(Debug, Clone, Copy)]
struct BitTree {
    /// The tree's splits, `splits[start..end]`.
    start: u32,
    end: u32,
    /// The tree's leaf values, left to right: `leaves[first_leaf..end_leaf]`.
    first_leaf: u32,
    end_leaf: u32,
}

/// The forest as bit-vector trees, built when every tree has at most 64 leaves.
#[derive(Debug, Clone)]
pub(super) struct BitForest {
    /// Values in a group: [`LANES`] rows of doubled rows (`2 × num_features` values each).
    group_len: usize,
    splits: Vec<Split>,
    trees: Vec<BitTree>,
    leaves: Vec<f32>,
}

impl BitForest {
    /// The bit-vector form of the flattened forest (breadth-first nodes, a leaf its own left child, the right
    /// child next to the left one); `None` when a tree has more than 64 leaves.
    pub(super) fn build(nodes: &[Node], trees: &[Tree], num_features: usize) -> Option<Self> {
        let group_len = LANES * 2 * num_features;
        let mut forest =
            BitForest { group_len, splits: Vec::new(), trees: Vec::with_capacity(trees.len()), leaves: Vec::new() };
        for tree in trees {
            let start = forest.splits.len() as u32;
            let first_leaf = forest.leaves.len() as u32;
            forest.add_subtree(nodes, tree.root, first_leaf)?;
            let (end, end_leaf) = (forest.splits.len() as u32, forest.leaves.len() as u32);
            forest.trees.push(BitTree { start, end, first_leaf, end_leaf });
        }
        Some(forest)
    }

    /// Adds the subtree at `idx`, its leaves numbered from `leaves.len() - first_leaf`; returns the range of
    /// its leaf numbers, or `None` past 64 leaves.
    fn add_subtree(&mut self, nodes: &[Node], idx: u32, first_leaf: u32) -> Option<(u32, u32)> {
        let node = nodes[idx as usize];
        if node.left == idx {
            let number = self.leaves.len() as u32 - first_leaf;
            if number >= 64 {
                return None;
            }
            self.leaves.push(node.leaf);
            return Some((number, number + 1));
        }
        let (from, middle) = self.add_subtree(nodes, node.left, first_leaf)?;
        let (_, to) = self.add_subtree(nodes, node.left + 1, first_leaf)?;
        let left_leaves = (u64::MAX >> (64 - (middle - from))) << from;
        let offset = node.slot.checked_mul(LANES as u32).filter(|&o| o as usize + LANES <= self.group_len)?;
        self.splits.push(Split { offset, threshold: node.threshold, keep: !left_leaves });
        Some((from, to))
    }

    /// Adds every tree's leaf, in tree order, to the margins `acc` of the [`GROUPS`] groups in `xs` (each
    /// `group_len` values, feature-major: value `slot` of lane `l` at `slot * LANES + l`). Returns false, doing
    /// nothing, when the CPU lacks AVX-512.
    pub(super) fn add_trees(&self, xs: &[f32], acc: &mut [f32; GROUPS * LANES]) -> bool {
        // Every split's offset was checked against the group length when the forest was built.
        let group_len = self.group_len;
        assert!(xs.len() >= GROUPS * group_len, "a block holds {GROUPS} groups");
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
            && std::is_x86_feature_detected!("avx512cd")
        {
            #[allow(unsafe_code)]
            // SAFETY: the CPU has the features `add_trees_avx512` is compiled for (checked just above).
            unsafe {
                self.add_trees_avx512(xs, group_len, acc);
            }
            return true;
        }
        false
    }

    /// [`add_trees`](Self::add_trees) with AVX-512: per split, one compare of eight values into a mask register
    /// and one masked AND of eight 64-bit leaf sets for each group; per tree, the reached leaves' numbers by a
    /// leading-zero count and their values by one gather per group.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl,avx512cd")]
    #[allow(unsafe_code)]
    fn add_trees_avx512(&self, xs: &[f32], group_len: usize, acc: &mut [f32; GROUPS * LANES]) {
        use std::arch::x86_64::{
            __m256, __m512i, _CMP_GE_OQ, _mm256_add_ps, _mm256_cmp_ps_mask, _mm256_loadu_ps, _mm256_set1_ps,
            _mm256_storeu_ps, _mm512_and_si512, _mm512_i64gather_ps, _mm512_lzcnt_epi64, _mm512_mask_and_epi64,
            _mm512_min_epu64, _mm512_set1_epi64, _mm512_sub_epi64,
        };
        let groups: [&[f32]; GROUPS] = std::array::from_fn(|g| &xs[g * group_len..(g + 1) * group_len]);
        // SAFETY (every load and store below): each reads or writes exactly `LANES` floats of a slice
        // that was just checked to be `LANES` long.
        let mut sums: [__m256; GROUPS] =
            std::array::from_fn(|g| unsafe { _mm256_loadu_ps(acc[g * LANES..][..LANES].as_ptr()) });
        let all = _mm512_set1_epi64(-1);
        let sixty_three = _mm512_set1_epi64(63);
        for tree in &self.trees {
            let mut reach: [__m512i; GROUPS] = [all; GROUPS];
            for split in &self.splits[tree.start as usize..tree.end as usize] {
                let threshold = _mm256_set1_ps(split.threshold);
                let keep = _mm512_set1_epi64(split.keep as i64);
                let offset = split.offset as usize;
                for (reach, group) in reach.iter_mut().zip(&groups) {
                    let values = unsafe { _mm256_loadu_ps(group[offset..offset + LANES].as_ptr()) };
                    let right = _mm256_cmp_ps_mask::<_CMP_GE_OQ>(values, threshold);
                    *reach = _mm512_mask_and_epi64(*reach, right, *reach, keep);
                }
            }
            let leaves = &self.leaves[tree.first_leaf as usize..tree.end_leaf as usize];
            let last = _mm512_set1_epi64(leaves.len() as i64 - 1);
            for (sum, reach) in sums.iter_mut().zip(&reach) {
                // The lowest set bit: 63 − lzcnt(x & −x); capped at the tree's last leaf (never needed: the
                // path's leaf is always set), so the gather cannot leave the slice.
                let lowest = _mm512_and_si512(*reach, _mm512_sub_epi64(_mm512_set1_epi64(0), *reach));
                let number = _mm512_min_epu64(_mm512_sub_epi64(sixty_three, _mm512_lzcnt_epi64(lowest)), last);
                // SAFETY: every index is at most `leaves.len() - 1` (the `min` above) and `leaves` is not empty.
                let values = unsafe { _mm512_i64gather_ps::<4>(number, leaves.as_ptr()) };
                *sum = _mm256_add_ps(*sum, values);
            }
        }
        for (g, sum) in sums.iter().enumerate() {
            unsafe { _mm256_storeu_ps(acc[g * LANES..][..LANES].as_mut_ptr(), *sum) };
        }
    }
}
