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
//! [`contributions`](Predictor::contributions) is LightGBM's `Tree::TreeSHAP` (exact path-dependent TreeSHAP,
//! Lundberg et al.) with the node data counts (`internal_count` / `leaf_count`) as covers, which is what
//! `predict(pred_contrib=True)` uses; a file without counts falls back to `internal_weight` / `leaf_weight`.
//!
//! For a binary model the margin is `S · raw` where raw is LightGBM's `predict(raw_score=True)` and `S` the
//! objective's sigmoid parameter (LightGBM's probability is `1 / (1 + exp(-S · raw))`), so that
//! [`Predictor::predict`] is `sigmoid(margin)`; contributions are scaled by `S` too so that they sum to the
//! margin. With the default `sigmoid:1` margin and contributions are exactly LightGBM's raw values.

use std::path::Path;

use crate::{ModelError, Objective, Predictor};

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

/// An internal node. Child references are global: `>= 0` an index into [`LgbModel::nodes`], `< 0` the bitwise
/// NOT of an index into [`LgbModel::leaf_values`].
#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    left: i32,
    right: i32,
    feature: u32,
    decision_type: u8,
    /// Categorical splits: the bitset `cat_bits[cat_start..cat_start + cat_len]`.
    cat_start: u32,
    cat_len: u32,
}

#[derive(Debug, Clone, Copy)]
struct Tree {
    /// A node index, or `!leaf` for a single-leaf tree.
    root: i32,
    /// `Tree::ExpectedValue`: the cover-weighted mean leaf value.
    expected_value: f64,
}

/// A loaded LightGBM model: all trees flattened into shared node and leaf arrays.
#[derive(Debug, Clone)]
pub struct LgbModel {
    feature_names: Option<Vec<String>>,
    num_features: usize,
    objective: Objective,
    /// The binary objective's sigmoid parameter; 1.0 for regression.
    sigmoid_scale: f64,
    trees: Vec<Tree>,
    nodes: Vec<Node>,
    node_covers: Vec<f64>,
    /// Each node's `split_gain`, parallel to [`nodes`](Self::nodes) (so in tree order, then split order).
    node_gains: Vec<f32>,
    leaf_values: Vec<f64>,
    leaf_covers: Vec<f64>,
    cat_bits: Vec<u32>,
    /// The deepest leaf over all trees (root at depth 0).
    max_depth: usize,
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
        Parser::new(text).parse()
    }

    /// The number of trees (boosting rounds: only one tree per iteration is supported).
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The binary objective's sigmoid parameter `S` (the margin is `S` × LightGBM's raw score); 1.0 for
    /// regression.
    pub fn sigmoid_scale(&self) -> f64 {
        self.sigmoid_scale
    }

    /// `Tree::Decision`: the child reference the row goes to.
    #[inline]
    fn next(&self, node: &Node, row: &[f64]) -> i32 {
        let raw = row.get(node.feature as usize).copied().unwrap_or(f64::NAN);
        // LightGBM's dense-row reader drops values within kZeroThreshold of zero: they read as 0.0.
        let fval = if raw.abs() <= K_ZERO_THRESHOLD { 0.0 } else { raw };
        if node.decision_type & CATEGORICAL_MASK != 0 {
            if fval.is_nan() {
                return node.right;
            }
            // `static_cast<int>`: truncation; out-of-range values (undefined in C++, INT_MIN on x86) go right
            // either way, here by saturating to a negative value or to a word past the bitset.
            let category = fval as i32;
            if category < 0 {
                return node.right;
            }
            let word = (category / 32) as u32;
            if word < node.cat_len && (self.cat_bits[(node.cat_start + word) as usize] >> (category % 32)) & 1 != 0 {
                node.left
            } else {
                node.right
            }
        } else {
            let missing_type = (node.decision_type >> 2) & 3;
            let fval = if fval.is_nan() && missing_type != MISSING_NAN { 0.0 } else { fval };
            if (missing_type == MISSING_ZERO && (-K_ZERO_THRESHOLD..=K_ZERO_THRESHOLD).contains(&fval))
                || (missing_type == MISSING_NAN && fval.is_nan())
            {
                if node.decision_type & DEFAULT_LEFT_MASK != 0 { node.left } else { node.right }
            } else if fval <= node.threshold {
                node.left
            } else {
                node.right
            }
        }
    }

    #[inline]
    fn leaf_of(&self, tree: &Tree, row: &[f64]) -> usize {
        let mut at = tree.root;
        while at >= 0 {
            at = self.next(&self.nodes[at as usize], row);
        }
        !at as usize
    }

    #[inline]
    fn cover(&self, child: i32) -> f64 {
        if child >= 0 { self.node_covers[child as usize] } else { self.leaf_covers[!child as usize] }
    }

    /// `Tree::TreeSHAP`, operation for operation. `path[parent_start..]` holds the parent's unique path.
    #[allow(clippy::too_many_arguments)]
    fn tree_shap(
        &self,
        row: &[f64],
        phi: &mut [f64],
        path: &mut [PathElement],
        at: i32,
        parent_start: usize,
        mut unique_depth: usize,
        parent_zero_fraction: f64,
        parent_one_fraction: f64,
        parent_feature_index: i32,
    ) {
        let start = parent_start + unique_depth;
        if unique_depth > 0 {
            path.copy_within(parent_start..parent_start + unique_depth, start);
        }
        let unique_path = &mut path[start..];
        extend_path(unique_path, unique_depth, parent_zero_fraction, parent_one_fraction, parent_feature_index);

        if at < 0 {
            let leaf_value = self.leaf_values[!at as usize];
            for i in 1..=unique_depth {
                let w = unwound_path_sum(unique_path, unique_depth, i);
                let el = unique_path[i];
                phi[el.feature_index as usize] += w * (el.one_fraction - el.zero_fraction) * leaf_value;
            }
            return;
        }

        let node = &self.nodes[at as usize];
        let hot = self.next(node, row);
        let cold = if hot == node.left { node.right } else { node.left };
        let w = self.cover(at);
        let hot_zero_fraction = self.cover(hot) / w;
        let cold_zero_fraction = self.cover(cold) / w;
        let mut incoming_zero_fraction = 1.0;
        let mut incoming_one_fraction = 1.0;
        let feature = node.feature as i32;

        if let Some(path_index) = (0..=unique_depth).find(|&i| unique_path[i].feature_index == feature) {
            incoming_zero_fraction = unique_path[path_index].zero_fraction;
            incoming_one_fraction = unique_path[path_index].one_fraction;
            unwind_path(unique_path, unique_depth, path_index);
            unique_depth -= 1;
        }

        self.tree_shap(
            row,
            phi,
            path,
            hot,
            start,
            unique_depth + 1,
            hot_zero_fraction * incoming_zero_fraction,
            incoming_one_fraction,
            feature,
        );
        self.tree_shap(
            row,
            phi,
            path,
            cold,
            start,
            unique_depth + 1,
            cold_zero_fraction * incoming_zero_fraction,
            0.0,
            feature,
        );
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
        // Summed tree by tree in order, as `GBDT::PredictRaw` does.
        let mut raw = 0.0;
        for tree in &self.trees {
            raw += self.leaf_values[self.leaf_of(tree, row)];
        }
        if self.sigmoid_scale == 1.0 { raw } else { self.sigmoid_scale * raw }
    }

    fn contributions(&self, row: &[f64]) -> Vec<f64> {
        let mut phi = vec![0.0; self.num_features + 1];
        let path_len = (self.max_depth + 2) * (self.max_depth + 3) / 2;
        let mut path = vec![PathElement::default(); path_len];
        for tree in &self.trees {
            phi[self.num_features] += tree.expected_value;
            if tree.root >= 0 {
                self.tree_shap(row, &mut phi, &mut path, tree.root, 0, 0, 1.0, 1.0, -1);
            }
        }
        if self.sigmoid_scale != 1.0 {
            for value in &mut phi {
                *value *= self.sigmoid_scale;
            }
        }
        phi
    }

    fn gain_importance(&self) -> Option<Vec<f64>> {
        // `GBDT::FeatureImportance` with `importance_type = 1`: only positive gains count, summed in model
        // order (the nodes are stored tree by tree, split by split), so the sums are LightGBM's bit for bit.
        let mut gain = vec![0.0; self.num_features];
        for (node, &split_gain) in self.nodes.iter().zip(&self.node_gains) {
            if split_gain > 0.0 {
                gain[node.feature as usize] += f64::from(split_gain);
            }
        }
        Some(gain)
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature_index: i32,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

/// `Tree::ExtendPath`.
fn extend_path(path: &mut [PathElement], unique_depth: usize, zero_fraction: f64, one_fraction: f64, feature: i32) {
    path[unique_depth] = PathElement {
        feature_index: feature,
        zero_fraction,
        one_fraction,
        pweight: if unique_depth == 0 { 1.0 } else { 0.0 },
    };
    let depth_plus_one = (unique_depth + 1) as f64;
    for i in (0..unique_depth).rev() {
        path[i + 1].pweight += one_fraction * path[i].pweight * (i + 1) as f64 / depth_plus_one;
        path[i].pweight = zero_fraction * path[i].pweight * (unique_depth - i) as f64 / depth_plus_one;
    }
}

/// `Tree::UnwindPath`.
fn unwind_path(path: &mut [PathElement], unique_depth: usize, path_index: usize) {
    let one_fraction = path[path_index].one_fraction;
    let zero_fraction = path[path_index].zero_fraction;
    let mut next_one_portion = path[unique_depth].pweight;
    let depth_plus_one = (unique_depth + 1) as f64;
    for i in (0..unique_depth).rev() {
        if one_fraction != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one_portion * depth_plus_one / ((i + 1) as f64 * one_fraction);
            next_one_portion = tmp - path[i].pweight * zero_fraction * (unique_depth - i) as f64 / depth_plus_one;
        } else {
            path[i].pweight = (path[i].pweight * depth_plus_one) / (zero_fraction * (unique_depth - i) as f64);
        }
    }
    for i in path_index..unique_depth {
        path[i].feature_index = path[i + 1].feature_index;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

/// `Tree::UnwoundPathSum`.
fn unwound_path_sum(path: &[PathElement], unique_depth: usize, path_index: usize) -> f64 {
    let one_fraction = path[path_index].one_fraction;
    let zero_fraction = path[path_index].zero_fraction;
    let mut next_one_portion = path[unique_depth].pweight;
    let depth_plus_one = (unique_depth + 1) as f64;
    let mut total = 0.0;
    for i in (0..unique_depth).rev() {
        if one_fraction != 0.0 {
            let tmp = next_one_portion * depth_plus_one / ((i + 1) as f64 * one_fraction);
            total += tmp;
            next_one_portion = path[i].pweight - tmp * zero_fraction * ((unique_depth - i) as f64 / depth_plus_one);
        } else if zero_fraction != 0.0 {
            total += (path[i].pweight / zero_fraction) / ((unique_depth - i) as f64 / depth_plus_one);
        }
    }
    total
}

// ---------------------------------------------------------------------------------------------------------
// Parsing

fn parse_error(line: usize, message: impl Into<String>) -> ModelError {
    ModelError::Parse { format: FORMAT, at: format!("line {line}"), message: message.into() }
}

fn unsupported(message: impl Into<String>) -> ModelError {
    ModelError::Unsupported { format: FORMAT, message: message.into() }
}

/// One `key=value` line.
#[derive(Clone, Copy)]
struct Field<'a> {
    line: usize,
    key: &'a str,
    value: &'a str,
}

/// The `key=value` lines of a section (the header or one tree), and the line the section starts on.
struct Section<'a> {
    name: String,
    line: usize,
    fields: Vec<Field<'a>>,
}

impl<'a> Section<'a> {
    fn get(&self, key: &str) -> Option<Field<'a>> {
        self.fields.iter().copied().find(|f| f.key == key)
    }

    fn require(&self, key: &str) -> Result<Field<'a>, ModelError> {
        self.get(key).ok_or_else(|| parse_error(self.line, format!("{} has no `{key}`", self.name)))
    }

    fn push(&mut self, field: Field<'a>) -> Result<(), ModelError> {
        if self.get(field.key).is_some() {
            return Err(parse_error(field.line, format!("`{}` appears twice in {}", field.key, self.name)));
        }
        self.fields.push(field);
        Ok(())
    }
}

impl Field<'_> {
    fn number<T: std::str::FromStr>(&self) -> Result<T, ModelError> {
        self.value.trim().parse().map_err(|_| {
            parse_error(
                self.line,
                format!("`{}`: `{}` is not a valid {}", self.key, self.value, std::any::type_name::<T>()),
            )
        })
    }

    /// A whitespace-separated array of exactly `len` numbers.
    fn array<T: std::str::FromStr>(&self, len: usize, what: &str) -> Result<Vec<T>, ModelError> {
        // No `with_capacity(len)`: `len` comes from the file and may be absurd.
        let mut out = Vec::new();
        for token in self.value.split_ascii_whitespace() {
            let value = token.parse().map_err(|_| {
                parse_error(
                    self.line,
                    format!("`{}`: `{token}` is not a valid {}", self.key, std::any::type_name::<T>()),
                )
            })?;
            out.push(value);
        }
        if out.len() != len {
            return Err(parse_error(
                self.line,
                format!("`{}` has {} values, expected {len} ({what})", self.key, out.len()),
            ));
        }
        Ok(out)
    }

    /// An array of `f64` that are all finite (and, with `non_negative`, `>= 0`).
    fn finite_array(&self, len: usize, what: &str, non_negative: bool) -> Result<Vec<f64>, ModelError> {
        let values: Vec<f64> = self.array(len, what)?;
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite() || (non_negative && **v < 0.0)) {
            let expected = if non_negative { "a finite number >= 0" } else { "a finite number" };
            return Err(parse_error(self.line, format!("`{}`[{i}] = {v} is not {expected}", self.key)));
        }
        Ok(values)
    }
}

struct Parser<'a> {
    lines: Vec<(usize, &'a str)>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty()).collect();
        Parser { lines, pos: 0 }
    }

    fn last_line(&self) -> usize {
        self.lines.last().map_or(1, |(n, _)| *n)
    }

    fn split_field(line: usize, text: &'a str, section: &str) -> Result<Field<'a>, ModelError> {
        let (key, value) = text
            .split_once('=')
            .ok_or_else(|| parse_error(line, format!("expected `key=value` in {section}, found `{text}`")))?;
        Ok(Field { line, key: key.trim(), value: value.trim() })
    }

    fn parse(mut self) -> Result<LgbModel, ModelError> {
        match self.lines.first() {
            Some((_, "tree")) => self.pos = 1,
            Some((line, other)) => {
                return Err(parse_error(
                    *line,
                    format!("not a LightGBM text model: expected `tree` on the first line, found `{other}`"),
                ));
            }
            None => return Err(parse_error(1, "the file is empty")),
        }

        let header = self.header()?;
        let header_info = HeaderInfo::from_section(&header)?;

        let mut builder = Builder {
            num_features: header_info.num_features,
            trees: Vec::new(),
            nodes: Vec::new(),
            node_covers: Vec::new(),
            node_gains: Vec::new(),
            leaf_values: Vec::new(),
            leaf_covers: Vec::new(),
            cat_bits: Vec::new(),
            max_depth: 0,
        };
        loop {
            let Some(&(line, text)) = self.lines.get(self.pos) else {
                return Err(parse_error(self.last_line(), "the file ends before `end of trees` (truncated?)"));
            };
            if text == "end of trees" {
                break;
            }
            let Some(index) = text.strip_prefix("Tree=") else {
                return Err(parse_error(line, format!("expected `Tree=N` or `end of trees`, found `{text}`")));
            };
            if index.trim().parse::<usize>().is_err() {
                return Err(parse_error(line, format!("`Tree=`: `{index}` is not a tree index")));
            }
            self.pos += 1;
            let mut section = Section { name: format!("Tree={index} (line {line})"), line, fields: Vec::new() };
            while let Some(&(line, text)) = self.lines.get(self.pos) {
                if text.starts_with("Tree=") || text == "end of trees" {
                    break;
                }
                section.push(Self::split_field(line, text, &section.name)?)?;
                self.pos += 1;
            }
            builder.add_tree(&section)?;
        }

        Ok(LgbModel {
            feature_names: header_info.feature_names,
            num_features: header_info.num_features,
            objective: header_info.objective,
            sigmoid_scale: header_info.sigmoid_scale,
            trees: builder.trees,
            nodes: builder.nodes,
            node_covers: builder.node_covers,
            node_gains: builder.node_gains,
            leaf_values: builder.leaf_values,
            leaf_covers: builder.leaf_covers,
            cat_bits: builder.cat_bits,
            max_depth: builder.max_depth,
        })
    }

    fn header(&mut self) -> Result<Section<'a>, ModelError> {
        let mut header = Section { name: "the header".to_string(), line: 1, fields: Vec::new() };
        while let Some(&(line, text)) = self.lines.get(self.pos) {
            if text.starts_with("Tree=") || text == "end of trees" {
                break;
            }
            header.line = line;
            if text == "average_output" {
                return Err(unsupported("a random-forest model (`average_output`)"));
            }
            // Bare words in the header are flags of newer versions; none changes the trees' meaning except
            // `average_output`, handled above.
            if text.contains('=') {
                header.push(Self::split_field(line, text, "the header")?)?;
            }
            self.pos += 1;
        }
        Ok(header)
    }
}

struct HeaderInfo {
    feature_names: Option<Vec<String>>,
    num_features: usize,
    objective: Objective,
    sigmoid_scale: f64,
}

impl HeaderInfo {
    fn from_section(header: &Section<'_>) -> Result<Self, ModelError> {
        let version = header.require("version")?;
        if !matches!(version.value, "v2" | "v3" | "v4") {
            return Err(unsupported(format!("model format version `{}`", version.value)));
        }

        let num_class: i64 = header.require("num_class")?.number()?;
        if num_class != 1 {
            return Err(unsupported(format!("a model with num_class={num_class} (multiclass)")));
        }
        if let Some(field) = header.get("num_tree_per_iteration") {
            let per_iteration: i64 = field.number()?;
            if per_iteration != 1 {
                return Err(unsupported(format!("a model with num_tree_per_iteration={per_iteration}")));
            }
        }

        let max_feature_idx_field = header.require("max_feature_idx")?;
        let max_feature_idx: i64 = max_feature_idx_field.number()?;
        let num_features = usize::try_from(max_feature_idx)
            .ok()
            .and_then(|m| m.checked_add(1))
            .filter(|n| *n <= i32::MAX as usize)
            .ok_or_else(|| {
                parse_error(max_feature_idx_field.line, format!("`max_feature_idx`: {max_feature_idx} is out of range"))
            })?;

        let feature_names = match header.get("feature_names") {
            None => None,
            Some(field) => {
                let names: Vec<String> = field.value.split_ascii_whitespace().map(str::to_string).collect();
                if names.len() != num_features {
                    return Err(parse_error(
                        field.line,
                        format!(
                            "`feature_names` has {} names, expected {num_features} (max_feature_idx + 1)",
                            names.len()
                        ),
                    ));
                }
                Some(names)
            }
        };

        let Some(objective_field) = header.get("objective") else {
            return Err(unsupported("a model without an `objective` (trained with a custom objective)"));
        };
        let mut tokens = objective_field.value.split_ascii_whitespace();
        let name = tokens.next().unwrap_or("");
        let rest: Vec<&str> = tokens.collect();
        let (objective, sigmoid_scale) = match name {
            "binary" => {
                let mut scale = None;
                for token in &rest {
                    match token.strip_prefix("sigmoid:") {
                        Some(value) => {
                            let s: f64 = value.parse().map_err(|_| {
                                parse_error(
                                    objective_field.line,
                                    format!("`objective`: bad sigmoid parameter `{value}`"),
                                )
                            })?;
                            if !(s.is_finite() && s > 0.0) {
                                return Err(parse_error(
                                    objective_field.line,
                                    format!("`objective`: the sigmoid parameter must be > 0, found {s}"),
                                ));
                            }
                            scale = Some(s);
                        }
                        None => {
                            return Err(unsupported(format!("objective `{}`", objective_field.value)));
                        }
                    }
                }
                let scale = scale.ok_or_else(|| {
                    parse_error(objective_field.line, "`objective`: `binary` without its `sigmoid:` parameter")
                })?;
                (Objective::Probability, scale)
            }
            "regression" | "regression_l2" if rest.is_empty() => (Objective::Regression, 1.0),
            _ => return Err(unsupported(format!("objective `{}`", objective_field.value))),
        };

        Ok(HeaderInfo { feature_names, num_features, objective, sigmoid_scale })
    }
}

struct Builder {
    num_features: usize,
    trees: Vec<Tree>,
    nodes: Vec<Node>,
    node_covers: Vec<f64>,
    node_gains: Vec<f32>,
    leaf_values: Vec<f64>,
    leaf_covers: Vec<f64>,
    cat_bits: Vec<u32>,
    max_depth: usize,
}

impl Builder {
    fn add_tree(&mut self, section: &Section<'_>) -> Result<(), ModelError> {
        let num_leaves_field = section.require("num_leaves")?;
        let num_leaves: usize = num_leaves_field.number()?;
        if num_leaves == 0 {
            return Err(parse_error(num_leaves_field.line, "`num_leaves` must be at least 1"));
        }
        if let Some(field) = section.get("is_linear")
            && field.value != "0"
        {
            return Err(unsupported("linear trees (`linear_tree=true`)"));
        }
        let num_internal = num_leaves - 1;
        let leaf_values = section.require("leaf_value")?.finite_array(num_leaves, "num_leaves", false)?;

        let node_base = self.nodes.len();
        let leaf_base = self.leaf_values.len();
        let too_large = || parse_error(section.line, "the model has too many nodes");
        let node_ref = |local: i32| -> Result<i32, ModelError> {
            if local >= 0 {
                i32::try_from(node_base + local as usize).map_err(|_| too_large())
            } else {
                i32::try_from(leaf_base + !local as usize).map(|g| !g).map_err(|_| too_large())
            }
        };

        if num_leaves == 1 {
            self.trees.push(Tree { root: node_ref(!0)?, expected_value: leaf_values[0] });
            self.leaf_values.push(leaf_values[0]);
            self.leaf_covers.push(0.0);
            return Ok(());
        }

        let internal = "num_leaves - 1";
        let split_feature_field = section.require("split_feature")?;
        let split_feature: Vec<i64> = split_feature_field.array(num_internal, internal)?;
        let threshold_field = section.require("threshold")?;
        let threshold: Vec<f64> = threshold_field.array(num_internal, internal)?;
        let decision_type_field = section.require("decision_type")?;
        let decision_type: Vec<u8> = decision_type_field.array(num_internal, internal)?;
        let left_field = section.require("left_child")?;
        let left: Vec<i32> = left_field.array(num_internal, internal)?;
        let right_field = section.require("right_child")?;
        let right: Vec<i32> = right_field.array(num_internal, internal)?;
        // Only for importance: LightGBM stores gains as `float` and loads a tree without them as all zeros.
        let split_gain: Vec<f32> = match section.get("split_gain") {
            Some(field) => field.array(num_internal, internal)?,
            None => vec![0.0; num_internal],
        };

        let (node_covers, leaf_covers) = match (section.get("internal_count"), section.get("leaf_count")) {
            (Some(internal_count), Some(leaf_count)) => (
                internal_count.finite_array(num_internal, internal, true)?,
                leaf_count.finite_array(num_leaves, "num_leaves", true)?,
            ),
            _ => (
                section.require("internal_weight")?.finite_array(num_internal, internal, true)?,
                section.require("leaf_weight")?.finite_array(num_leaves, "num_leaves", true)?,
            ),
        };

        let num_cat: usize = match section.get("num_cat") {
            Some(field) => field.number()?,
            None => 0,
        };
        if num_cat > num_internal {
            return Err(parse_error(
                section.require("num_cat")?.line,
                format!("`num_cat` = {num_cat} is more than the tree's {num_internal} splits"),
            ));
        }
        let (cat_boundaries, cat_threshold) = if num_cat > 0 {
            let boundaries_field = section.require("cat_boundaries")?;
            let boundaries: Vec<u32> = boundaries_field.array(num_cat + 1, "num_cat + 1")?;
            if boundaries[0] != 0 || boundaries.windows(2).any(|w| w[0] > w[1]) {
                return Err(parse_error(boundaries_field.line, "`cat_boundaries` must start at 0 and never decrease"));
            }
            let bitset_len = boundaries[num_cat] as usize;
            let threshold_field = section.require("cat_threshold")?;
            let bits: Vec<u32> = threshold_field.array(bitset_len, "the last of `cat_boundaries`")?;
            (boundaries, bits)
        } else {
            (Vec::new(), Vec::new())
        };
        let cat_base = self.cat_bits.len();

        let mut nodes = Vec::with_capacity(num_internal); // every array above had this many values
        for i in 0..num_internal {
            let feature = split_feature[i];
            if feature < 0 || feature as u64 >= self.num_features as u64 {
                return Err(parse_error(
                    split_feature_field.line,
                    format!("`split_feature`[{i}] = {feature} is not a feature (the model has {})", self.num_features),
                ));
            }
            for (side, field, child) in [("left", &left_field, left[i]), ("right", &right_field, right[i])] {
                let in_range =
                    if child >= 0 { (child as usize) < num_internal } else { (!child as usize) < num_leaves };
                if !in_range {
                    return Err(parse_error(
                        field.line,
                        format!(
                            "`{side}_child`[{i}] = {child} is out of range ({num_internal} internal nodes, \
                             {num_leaves} leaves)"
                        ),
                    ));
                }
            }
            let decision = decision_type[i];
            let (mut cat_start, mut cat_len) = (0, 0);
            if decision & CATEGORICAL_MASK != 0 {
                let t = threshold[i];
                if !(t >= 0.0 && t < num_cat as f64 && t.fract() == 0.0) {
                    return Err(parse_error(
                        threshold_field.line,
                        format!(
                            "`threshold`[{i}] = {t} of a categorical split is not a category set (num_cat={num_cat})"
                        ),
                    ));
                }
                let index = t as usize;
                let start = cat_base + cat_boundaries[index] as usize;
                cat_start = u32::try_from(start).map_err(|_| too_large())?;
                cat_len = cat_boundaries[index + 1] - cat_boundaries[index];
            } else if threshold[i].is_nan() {
                return Err(parse_error(threshold_field.line, format!("`threshold`[{i}] is NaN")));
            }
            nodes.push(Node {
                threshold: threshold[i],
                left: node_ref(left[i])?,
                right: node_ref(right[i])?,
                feature: feature as u32,
                decision_type: decision,
                cat_start,
                cat_len,
            });
        }

        // Every node and leaf must be reached exactly once from the root: no cycles, no sharing. Then walking
        // from the root always ends at a leaf, and the deepest leaf sizes TreeSHAP's path buffer.
        let mut node_seen = vec![false; num_internal];
        let mut leaf_seen = vec![false; num_leaves];
        let mut stack = vec![(0_i32, 0_usize)];
        let mut max_depth = 0;
        while let Some((child, depth)) = stack.pop() {
            let seen = if child >= 0 { &mut node_seen[child as usize] } else { &mut leaf_seen[!child as usize] };
            if *seen {
                let what = if child >= 0 { format!("node {child}") } else { format!("leaf {}", !child) };
                return Err(parse_error(
                    left_field.line,
                    format!("{what} is reached twice: the children do not form a tree"),
                ));
            }
            *seen = true;
            if depth > MAX_TREE_DEPTH {
                return Err(unsupported(format!("a tree deeper than {MAX_TREE_DEPTH} levels ({})", section.name)));
            }
            if child >= 0 {
                stack.push((left[child as usize], depth + 1));
                stack.push((right[child as usize], depth + 1));
            } else {
                max_depth = max_depth.max(depth);
            }
        }

        // `Tree::ExpectedValue`.
        let total = node_covers[0];
        let mut expected_value = 0.0;
        for (cover, value) in leaf_covers.iter().zip(&leaf_values) {
            expected_value += (cover / total) * value;
        }

        self.trees.push(Tree { root: node_ref(0)?, expected_value });
        self.nodes.extend(nodes);
        self.node_covers.extend(node_covers);
        self.node_gains.extend(split_gain);
        self.leaf_values.extend(leaf_values);
        self.leaf_covers.extend(leaf_covers);
        self.cat_bits.extend(cat_threshold);
        self.max_depth = self.max_depth.max(max_depth);
        Ok(())
    }
}
