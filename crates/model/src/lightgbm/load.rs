//! Parsing LightGBM's text format: the header, then every `Tree=N` block checked and converted into the
//! general [`Forest`] (LightGBM's `Tree::Decision` as [`Rule`]s and [`Missing`] handling).

use super::{
    CATEGORICAL_MASK, DEFAULT_LEFT_MASK, FORMAT, K_ZERO_THRESHOLD, LgbModel, MAX_TREE_DEPTH, MISSING_NAN, MISSING_ZERO,
};
use crate::tree_shap::{CategoryCast, Forest, Missing, Node, Rule};
use crate::{ModelError, Objective};

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

pub(super) struct Parser<'a> {
    lines: Vec<(usize, &'a str)>,
    pos: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Self {
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

    pub(super) fn parse(mut self) -> Result<LgbModel, ModelError> {
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
            forest: Forest::new(header_info.num_features),
            expected_values: Vec::new(),
            split_gains: Vec::new(),
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
            forest: builder.forest,
            expected_values: builder.expected_values,
            split_gains: builder.split_gains,
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
    forest: Forest,
    expected_values: Vec<f64>,
    split_gains: Vec<(u32, f32)>,
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

        if self.forest.num_nodes() + num_internal + num_leaves > i32::MAX as usize {
            return Err(parse_error(section.line, "the model has too many nodes"));
        }
        if num_leaves == 1 {
            self.forest.push_tree(vec![Node::Leaf { value: leaf_values[0], cover: 0.0 }]);
            self.expected_values.push(leaf_values[0]);
            return Ok(());
        }
        // In the general tree the splits come first, then the leaves: a child reference `c >= 0` is split
        // `c`, `c < 0` leaf `!c`.
        let child = |c: i32| if c >= 0 { c as u32 } else { (num_internal + !c as usize) as u32 };

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
        let mut nodes = Vec::with_capacity(num_internal + num_leaves); // every array above had this many values
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
            let (rule, missing, default_left) = if decision & CATEGORICAL_MASK != 0 {
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
                let words = &cat_threshold[cat_boundaries[index] as usize..cat_boundaries[index + 1] as usize];
                // In the set goes left; NaN, negative values and unseen categories go right.
                let set = self.forest.add_category_set(words);
                (Rule::Categories { set, in_set_left: true, cast: CategoryCast::Truncate }, Missing::Nan, false)
            } else if threshold[i].is_nan() {
                return Err(parse_error(threshold_field.line, format!("`threshold`[{i}] is NaN")));
            } else {
                let missing = match (decision >> 2) & 3 {
                    MISSING_ZERO => Missing::Zero(K_ZERO_THRESHOLD),
                    MISSING_NAN => Missing::Nan,
                    _ => Missing::NanIsZero,
                };
                (Rule::LessOrEqual(threshold[i]), missing, decision & DEFAULT_LEFT_MASK != 0)
            };
            nodes.push(Node::Split {
                feature: feature as u32,
                rule,
                missing,
                default_left,
                left: child(left[i]),
                right: child(right[i]),
                cover: node_covers[i],
            });
        }
        nodes.extend(leaf_values.iter().zip(&leaf_covers).map(|(&value, &cover)| Node::Leaf { value, cover }));

        // Every node and leaf must be reached exactly once from the root: no cycles, no sharing. Then walking
        // from the root always ends at a leaf, and the depth (TreeSHAP's recursion) is bounded.
        let mut node_seen = vec![false; num_internal];
        let mut leaf_seen = vec![false; num_leaves];
        let mut stack = vec![(0_i32, 0_usize)];
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
            }
        }

        // `Tree::ExpectedValue`.
        let total = node_covers[0];
        let mut expected_value = 0.0;
        for (cover, value) in leaf_covers.iter().zip(&leaf_values) {
            expected_value += (cover / total) * value;
        }

        self.forest.push_tree(nodes);
        self.expected_values.push(expected_value);
        self.split_gains.extend(split_feature.iter().zip(split_gain).map(|(&f, g)| (f as u32, g)));
        Ok(())
    }
}
