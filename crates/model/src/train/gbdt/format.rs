//! The `leadsmith-gbdt` JSON format (described in the [module documentation](super)): writing a
//! [`TrainedGbdt`] and reading one back, checking that every tree is well formed.

use serde::{Deserialize, Serialize};

use super::{FORMAT, MAX_DEPTH, Node, OBJECTIVE, TrainedGbdt, Tree};
use crate::ModelError;

impl TrainedGbdt {
    /// The model as `leadsmith-gbdt` JSON (see the [module documentation](self)).
    pub fn to_json(&self) -> String {
        let file = GbdtFile {
            format: FORMAT.into(),
            version: 1,
            objective: OBJECTIVE.into(),
            features: self.features.clone(),
            base_score: self.base_score,
            trees: self
                .trees
                .iter()
                .map(|t| TreeFile { nodes: t.nodes.iter().map(NodeFile::from).collect() })
                .collect(),
        };
        serde_json::to_string_pretty(&file).expect("a gbdt model serialises")
    }

    /// Reads `leadsmith-gbdt` JSON, checking that every tree is well formed.
    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let parse = |at: String, message: String| ModelError::Parse { format: FORMAT, at, message };
        let file: GbdtFile = serde_json::from_str(text).map_err(|e| parse("$".into(), e.to_string()))?;
        if file.format != FORMAT {
            return Err(parse("format".into(), format!("expected \"{FORMAT}\", got \"{}\"", file.format)));
        }
        if file.version != 1 {
            return Err(ModelError::Unsupported { format: FORMAT, message: format!("version {}", file.version) });
        }
        if file.objective != OBJECTIVE {
            return Err(ModelError::Unsupported { format: FORMAT, message: format!("objective {}", file.objective) });
        }
        if !file.base_score.is_finite() {
            return Err(parse("base_score".into(), "must be finite".into()));
        }
        let p = file.features.len();
        let mut trees = Vec::with_capacity(file.trees.len());
        for (t, tree) in file.trees.into_iter().enumerate() {
            let at = |i: usize| format!("trees[{t}].nodes[{i}]");
            if tree.nodes.is_empty() {
                return Err(parse(format!("trees[{t}]"), "no nodes".into()));
            }
            let count = tree.nodes.len();
            let mut depth = vec![usize::MAX; count];
            depth[0] = 0;
            let mut nodes = Vec::with_capacity(count);
            for (i, n) in tree.nodes.into_iter().enumerate() {
                if depth[i] == usize::MAX {
                    return Err(parse(at(i), "not the child of any node".into()));
                }
                if !(n.cover.is_finite() && n.cover > 0.0) {
                    return Err(parse(at(i), format!("cover must be > 0, got {}", n.cover)));
                }
                let node = match (n.leaf, n.feature, n.threshold, n.default_left, n.left, n.right) {
                    (Some(value), None, None, None, None, None) => {
                        if !value.is_finite() {
                            return Err(parse(at(i), "leaf value must be finite".into()));
                        }
                        Node::Leaf { value, cover: n.cover }
                    }
                    (None, Some(feature), Some(threshold), Some(default_left), Some(left), Some(right)) => {
                        if feature >= p {
                            return Err(parse(at(i), format!("feature {feature} of {p}")));
                        }
                        if threshold.is_nan() {
                            return Err(parse(at(i), "threshold is NaN".into()));
                        }
                        for child in [left, right] {
                            if child <= i || child >= count {
                                return Err(parse(
                                    at(i),
                                    format!("child {child} must come after the node, in the tree"),
                                ));
                            }
                            if depth[child] != usize::MAX || left == right {
                                return Err(parse(at(i), format!("node {child} has two parents")));
                            }
                            depth[child] = depth[i] + 1;
                            if depth[child] > MAX_DEPTH {
                                return Err(parse(at(i), format!("deeper than {MAX_DEPTH} levels")));
                            }
                        }
                        let gain = n.gain.unwrap_or(0.0);
                        Node::Split { feature, threshold, default_left, left, right, gain, cover: n.cover }
                    }
                    _ => {
                        return Err(parse(
                            at(i),
                            "a node is either {leaf, cover} or {feature, threshold, default_left, left, right, cover}"
                                .into(),
                        ));
                    }
                };
                nodes.push(node);
            }
            trees.push(Tree { nodes });
        }
        Ok(Self::new(file.features, file.base_score, trees))
    }
}

#[derive(Serialize, Deserialize)]
struct GbdtFile {
    format: String,
    version: u32,
    objective: String,
    features: Vec<String>,
    base_score: f64,
    trees: Vec<TreeFile>,
}

#[derive(Serialize, Deserialize)]
struct TreeFile {
    nodes: Vec<NodeFile>,
}

#[derive(Serialize, Deserialize)]
struct NodeFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leaf: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    feature: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_left: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    left: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    right: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gain: Option<f64>,
    cover: f64,
}

impl From<&Node> for NodeFile {
    fn from(node: &Node) -> Self {
        let empty = NodeFile {
            leaf: None,
            feature: None,
            threshold: None,
            default_left: None,
            left: None,
            right: None,
            gain: None,
            cover: node.cover(),
        };
        match *node {
            Node::Leaf { value, .. } => NodeFile { leaf: Some(value), ..empty },
            Node::Split { feature, threshold, default_left, left, right, gain, .. } => NodeFile {
                feature: Some(feature),
                threshold: Some(threshold),
                default_left: Some(default_left),
                left: Some(left),
                right: Some(right),
                gain: Some(gain),
                ..empty
            },
        }
    }
}
