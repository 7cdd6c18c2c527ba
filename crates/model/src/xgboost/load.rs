//! Reading XGBoost JSON: the document checked field by field (errors name the JSON path), every tree
//! flattened for prediction and converted into the general [`Forest`] for TreeSHAP.

use serde_json::Value;

use super::bitvector::BitForest;
use super::predict::{CatSpan, Categories, Node, Tree};
use super::{CATEGORICAL, DEFAULT_LEFT, FEATURE_MASK, FORMAT, LEAF, MAX_CATEGORY, MAX_DEPTH, XgbModel};
use crate::tree_shap::{self, CategoryCast, Forest, Missing, Rule};
use crate::{ModelError, Objective};

pub(super) fn parse_error(at: impl Into<String>, message: impl Into<String>) -> ModelError {
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

pub(super) fn load(doc: &Value) -> Result<XgbModel, ModelError> {
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
    let ForestBuilder { nodes, meta, shap, trees, cat_spans, cat_words, importance, fast, .. } = forest;
    let categories = cat_spans.map(|spans| Categories { spans, words: cat_words });
    let importance = importance
        .into_iter()
        .enumerate()
        .filter(|(_, (_, _, n))| *n > 0)
        .map(|(f, (gain, cover, n))| (f, gain, cover, n))
        .collect();
    let fast = fast && categories.is_none();
    let bits = if fast { BitForest::build(&nodes, &trees, num_features) } else { None };
    Ok(XgbModel {
        fast,
        bits,
        nodes,
        meta,
        trees,
        shap,
        categories,
        base_margin,
        num_features,
        feature_names,
        objective,
        objective_name: objective_name.to_string(),
        importance,
    })
}

struct ForestBuilder {
    num_features: usize,
    nodes: Vec<Node>,
    meta: Vec<u32>,
    /// No threshold so far is NaN or −∞.
    fast: bool,
    trees: Vec<Tree>,
    /// The trees for TreeSHAP.
    shap: Forest,
    /// One span per node once a categorical split has been seen.
    cat_spans: Option<Vec<CatSpan>>,
    cat_words: Vec<u32>,
    /// Per feature: total gain, total cover, splits.
    importance: Vec<(f64, f64, u32)>,
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
            trees: Vec::new(),
            shap: Forest::new(num_features),
            cat_spans: None,
            cat_words: Vec::new(),
            importance: vec![(0.0, 0.0, 0); num_features],
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
        // The same tree for TreeSHAP, in the same order (indices from the tree's root).
        let mut general = Vec::with_capacity(order.len());
        for &old in &order {
            let idx = new_index[old];
            let cover = raw.cover[old];
            if raw.left[old] == -1 {
                self.nodes.push(Node { slot: 0, threshold: f32::NAN, left: idx, leaf: raw.condition[old] });
                self.meta.push(LEAF);
                spans.push(CatSpan::default());
                general.push(tree_shap::Node::Leaf { value: f64::from(raw.condition[old]), cover: f64::from(cover) });
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
            let mut rule = Rule::Less(f64::from(raw.condition[old]));
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
                    let words = &self.cat_words[span.start as usize..(span.start + span.len) as usize];
                    let set = self.shap.add_category_set(words);
                    // In the set goes right.
                    rule = Rule::Categories { set, in_set_left: false, cast: CategoryCast::NonNegative };
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
            spans.push(span);
            general.push(tree_shap::Node::Split {
                feature: feature as u32,
                rule,
                missing: Missing::Nan,
                default_left: raw.default_left[old],
                left: left - base as u32,
                right: left + 1 - base as u32,
                cover: f64::from(cover),
            });
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

        // Covers, cover fractions and the cover-weighted mean leaf value (the tree's share of the SHAP bias).
        self.shap.push_tree(general);
        self.trees.push(Tree { root: base as u32, depth: tree_depth as u32 });
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
