//! LightGBM prediction: a row's values read as LightGBM's dense-row input reads them, and the raw score
//! summed tree by tree (`GBDT::PredictRaw`). The split rules (`Tree::Decision`) are the general forest's.

use super::{K_ZERO_THRESHOLD, LgbModel};

/// Feature `f` of `row` as LightGBM reads it: NaN past the row's end, and 0.0 within kZeroThreshold of zero
/// (LightGBM's dense-row reader drops those values).
#[inline]
pub(super) fn read(row: &[f64], f: usize) -> f64 {
    let raw = row.get(f).copied().unwrap_or(f64::NAN);
    if raw.abs() <= K_ZERO_THRESHOLD { 0.0 } else { raw }
}

impl LgbModel {
    /// LightGBM's `predict(raw_score=True)`: the leaves summed in tree order.
    pub(super) fn raw_score(&self, row: &[f64]) -> f64 {
        let mut raw = 0.0;
        for tree in self.forest.trees() {
            raw += self.forest.leaf_value(tree, |f| read(row, f));
        }
        raw
    }
}
