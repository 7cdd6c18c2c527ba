//! XGBoost parity: the fixtures in `fixtures/xgboost/` were written by XGBoost itself
//! (`fixtures/make_xgboost_fixtures.py`); every prediction, margin, contribution and importance must match.
//! Then malformed models: each must be a clear `ModelError`, never a panic.

use std::path::{Path, PathBuf};

use leadsmith_model::xgboost::XgbModel;
use leadsmith_model::{ModelError, Objective, Predictor};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/xgboost").join(name)
}

fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    crate::common::read_csv(&fixture(name))
}

fn load(name: &str) -> XgbModel {
    XgbModel::from_path(&fixture(&format!("{name}.json"))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Checks one fixture end to end; returns how many margins matched XGBoost's `f32` margin bit for bit.
fn check_fixture(name: &str, objective: Objective) -> usize {
    let model = load(name);
    let (header, inputs) = read_csv(&format!("{name}.inputs.csv"));
    let (_, predictions) = read_csv(&format!("{name}.predictions.csv"));
    let (contrib_header, contribs) = read_csv(&format!("{name}.contribs.csv"));
    assert_eq!(model.objective(), objective, "{name}");
    assert_eq!(model.num_features(), header.len(), "{name}");
    assert_eq!(contrib_header.len(), header.len() + 1, "{name}");
    assert_eq!(inputs.len(), predictions.len(), "{name}");
    assert_eq!(inputs.len(), contribs.len(), "{name}");
    assert!(inputs.iter().flatten().any(|v| v.is_nan()), "{name}: the inputs should have missing cells");

    let mut exact = 0;
    for (i, row) in inputs.iter().enumerate() {
        let (want_pred, want_margin) = (predictions[i][0], predictions[i][1]);
        let margin = model.predict_margin(row);
        let pred = model.predict(row);
        // Regression values are tens: XGBoost's output is an f32, so compare relative to the magnitude.
        let scale = want_pred.abs().max(1.0);
        assert!((pred - want_pred).abs() <= 1e-6 * scale, "{name} row {i}: prediction {pred} vs XGBoost {want_pred}");
        let mscale = want_margin.abs().max(1.0);
        assert!((margin - want_margin).abs() <= 1e-6 * mscale, "{name} row {i}: margin {margin} vs {want_margin}");
        if margin == want_margin {
            exact += 1;
        }

        let phi = model.contributions(row);
        assert_eq!(phi.len(), model.num_features() + 1, "{name}");
        for (j, (&got, &want)) in phi.iter().zip(&contribs[i]).enumerate() {
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{name} row {i}: contribution {} = {got} vs XGBoost {want}",
                contrib_header[j]
            );
        }
        let sum: f64 = phi.iter().sum();
        assert!((sum - margin).abs() <= 1e-5 * mscale, "{name} row {i}: contributions sum to {sum}, margin {margin}");
    }

    // The batch path gives the same numbers as the single-row path, bit for bit, for any batch length.
    let flat: Vec<f64> = inputs.iter().flatten().copied().collect();
    let nf = model.num_features();
    for n_rows in [0, 1, 7, 8, 9, 63, 64, 65, inputs.len()] {
        let n_rows = n_rows.min(inputs.len());
        let mut out = vec![123.0];
        model.predict_margin_batch(&flat[..n_rows * nf], nf, &mut out);
        assert_eq!(out.len(), n_rows, "{name}");
        for (i, m) in out.iter().enumerate() {
            assert_eq!(m.to_bits(), model.predict_margin(&inputs[i]).to_bits(), "{name} batch of {n_rows}, row {i}");
        }
        model.predict_batch(&flat[..n_rows * nf], nf, &mut out);
        for (i, p) in out.iter().enumerate() {
            assert_eq!(p.to_bits(), model.predict(&inputs[i]).to_bits(), "{name} batch of {n_rows}, row {i}");
        }
    }

    // Importances as `Booster.get_score` gives them.
    let (_, importance) = read_csv(&format!("{name}.importance.csv"));
    let ours = model.feature_importance();
    assert_eq!(ours.len(), importance.len(), "{name}: features with splits");
    for ((feature, gain, cover, splits), want) in ours.iter().zip(&importance) {
        assert_eq!(*feature as f64, want[0], "{name}");
        assert!(
            (gain - want[1]).abs() <= 1e-5 * want[1].abs().max(1.0),
            "{name} f{feature}: gain {gain} vs {}",
            want[1]
        );
        assert!((cover - want[2]).abs() <= 1e-5 * want[2].abs().max(1.0), "{name} f{feature}: cover {cover}");
        assert_eq!(f64::from(*splits), want[3], "{name} f{feature}: splits");
    }
    exact
}

#[test]
fn binary_small_matches_xgboost() {
    let exact = check_fixture("binary_small", Objective::Probability);
    assert_eq!(exact, 200, "margins are XGBoost's f32 sums, bit for bit");
    let model = load("binary_small");
    let names: Vec<String> = (0..8).map(|i| format!("x{i}")).collect();
    assert_eq!(model.feature_names(), Some(names.as_slice()));
    assert_eq!(model.objective_name(), "binary:logistic");
    assert_eq!(model.num_trees(), 20);
}

#[test]
fn regression_small_matches_xgboost() {
    let exact = check_fixture("regression_small", Objective::Regression);
    assert_eq!(exact, 200, "margins are XGBoost's f32 sums, bit for bit");
    let model = load("regression_small");
    assert_eq!(model.feature_names(), None);
    assert_eq!(model.base_margin(), 42.5, "a non-default base_score is added as is");
}

#[test]
fn binary_200x6_matches_xgboost() {
    let exact = check_fixture("binary_200x6", Objective::Probability);
    assert_eq!(exact, 100, "margins are XGBoost's f32 sums, bit for bit");
    assert_eq!(load("binary_200x6").num_trees(), 200);
}

#[test]
fn categorical_matches_xgboost() {
    let exact = check_fixture("categorical", Objective::Probability);
    assert_eq!(exact, 180, "margins are XGBoost's f32 sums, bit for bit");
}

#[test]
fn split_threshold_semantics() {
    // A stump on feature 0 at 0.1 (not representable: the f32 threshold is 0.100000001490116…), missing
    // values right.
    let json = stump_json("0.1", 0);
    let model = XgbModel::from_json_str(&json).unwrap();
    let t32 = f64::from(0.1f32);
    // f32(x) < t goes left (leaf -1), otherwise right (leaf 2).
    assert_eq!(model.predict_margin(&[t32]), 2.0, "a value equal to the threshold goes right");
    assert_eq!(model.predict_margin(&[0.1]), 2.0, "0.1 rounds to the f32 threshold: right");
    assert_eq!(model.predict_margin(&[0.09999999]), -1.0);
    assert_eq!(model.predict_margin(&[f64::NAN]), 2.0, "missing follows default_left = 0");
    let left = XgbModel::from_json_str(&stump_json("0.1", 1)).unwrap();
    assert_eq!(left.predict_margin(&[f64::NAN]), -1.0, "missing follows default_left = 1");
    assert_eq!(left.predict_margin(&[1.0]), 2.0);
    assert_eq!(left.predict_margin(&[f64::INFINITY]), 2.0);
    assert_eq!(left.predict_margin(&[f64::NEG_INFINITY]), -1.0);
    // A threshold below every f32 (-1e39 → −∞): nothing is `< −∞`, a missing value still goes its default way.
    let low = XgbModel::from_json_str(&stump_json("-1e39", 1)).unwrap();
    assert_eq!(low.predict_margin(&[f64::NAN]), -1.0);
    assert_eq!(low.predict_margin(&[f64::NEG_INFINITY]), 2.0);
    assert_eq!(low.predict_margin(&[-1e300]), 2.0);
    let mut out = Vec::new();
    low.predict_margin_batch(&[f64::NAN, f64::NEG_INFINITY, 0.0], 1, &mut out);
    assert_eq!(out, vec![-1.0, 2.0, 2.0]);
    // Regression: base_score is added as is; the expected value is the cover-weighted mean of the leaves.
    assert_eq!(model.expected_margin(), (-30.0 + 2.0 * 10.0) / 40.0);
    let phi = model.contributions(&[0.0]);
    assert_eq!(phi, vec![-1.0 - model.expected_margin(), model.expected_margin()]);
}

fn stump_json(threshold: &str, default_left: u8) -> String {
    format!(
        r#"{{"learner": {{
            "feature_names": [], "feature_types": [],
            "gradient_booster": {{"name": "gbtree", "model": {{
                "gbtree_model_param": {{"num_parallel_tree": "1", "num_trees": "1"}},
                "tree_info": [0],
                "trees": [{{
                    "base_weights": [0, -1, 2], "default_left": [{default_left}, 0, 0], "id": 0,
                    "left_children": [1, -1, -1], "right_children": [2, -1, -1], "parents": [2147483647, 0, 0],
                    "loss_changes": [5, 0, 0], "split_conditions": [{threshold}, -1, 2], "split_indices": [0, 0, 0],
                    "split_type": [0, 0, 0], "sum_hessian": [40, 30, 10],
                    "categories": [], "categories_nodes": [], "categories_segments": [], "categories_sizes": [],
                    "tree_param": {{"num_deleted": "0", "num_feature": "1", "num_nodes": "3", "size_leaf_vector": "1"}}
                }}]
            }}}},
            "learner_model_param": {{"base_score": "0", "num_class": "0", "num_feature": "1", "num_target": "1"}},
            "objective": {{"name": "reg:squarederror"}}
        }}, "version": [3, 2, 0]}}"#
    )
}

#[test]
fn base_score_formats() {
    for (text, want) in [("\"5E-1\"", 0.0f32), ("\"[5E-1]\"", 0.0), ("0.5", 0.0), ("\"[7.310586E-1]\"", 1.0)] {
        let mut doc: Value = serde_json::from_str(&small_json()).unwrap();
        doc["learner"]["learner_model_param"]["base_score"] = serde_json::from_str(text).unwrap();
        let model = XgbModel::from_json_str(&doc.to_string()).unwrap();
        assert!((model.base_margin() - f64::from(want)).abs() < 1e-6, "{text}: {}", model.base_margin());
    }
    // binary:logitraw and reg:logistic share the logistic margin.
    for objective in ["binary:logitraw", "reg:logistic"] {
        let mut doc: Value = serde_json::from_str(&small_json()).unwrap();
        doc["learner"]["objective"]["name"] = objective.into();
        let model = XgbModel::from_json_str(&doc.to_string()).unwrap();
        assert_eq!(model.objective(), Objective::Probability);
        let reference = XgbModel::from_json_str(&small_json()).unwrap();
        assert_eq!(model.base_margin(), reference.base_margin());
    }
}

// ---------------------------------------------------------------------------------------------------------
// Malformed models.

fn small_json() -> String {
    std::fs::read_to_string(fixture("binary_small.json")).unwrap()
}

/// Applies `edit` to the binary_small model and expects a Parse error whose `at` contains `at`.
fn expect_parse_error(what: &str, at: &str, edit: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_str(&small_json()).unwrap();
    edit(&mut doc);
    match XgbModel::from_json_str(&doc.to_string()) {
        Err(ModelError::Parse { format, at: got, message }) => {
            assert_eq!(format, "XGBoost");
            assert!(got.contains(at), "{what}: error at {got:?} ({message}), expected {at:?}");
            assert!(!message.is_empty());
        }
        Err(other) => panic!("{what}: expected a parse error at {at}, got {other}"),
        Ok(_) => panic!("{what}: loaded"),
    }
}

fn expect_unsupported(what: &str, needle: &str, edit: impl FnOnce(&mut Value)) {
    let mut doc: Value = serde_json::from_str(&small_json()).unwrap();
    edit(&mut doc);
    match XgbModel::from_json_str(&doc.to_string()) {
        Err(e @ ModelError::Unsupported { .. }) => {
            assert!(e.to_string().contains(needle), "{what}: {e}");
        }
        Err(other) => panic!("{what}: expected Unsupported, got {other}"),
        Ok(_) => panic!("{what}: loaded"),
    }
}

fn tree0(doc: &mut Value) -> &mut Value {
    &mut doc["learner"]["gradient_booster"]["model"]["trees"][0]
}

fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().unwrap().remove(key).unwrap();
}

#[test]
fn missing_keys_are_parse_errors_naming_the_path() {
    expect_parse_error("no learner", "learner", |d| remove(d, "learner"));
    expect_parse_error("no model param", "learner.learner_model_param", |d| {
        remove(&mut d["learner"], "learner_model_param")
    });
    expect_parse_error("no num_feature", "learner.learner_model_param.num_feature", |d| {
        remove(&mut d["learner"]["learner_model_param"], "num_feature")
    });
    expect_parse_error("no base_score", "learner.learner_model_param.base_score", |d| {
        remove(&mut d["learner"]["learner_model_param"], "base_score")
    });
    expect_parse_error("no objective", "learner.objective", |d| remove(&mut d["learner"], "objective"));
    expect_parse_error("no booster name", "learner.gradient_booster.name", |d| {
        remove(&mut d["learner"]["gradient_booster"], "name")
    });
    expect_parse_error("no trees", "learner.gradient_booster.model.trees", |d| {
        remove(&mut d["learner"]["gradient_booster"]["model"], "trees")
    });
    for key in ["left_children", "right_children", "split_indices", "split_conditions", "default_left", "sum_hessian"] {
        expect_parse_error(key, &format!("learner.gradient_booster.model.trees[0].{key}"), |d| remove(tree0(d), key));
    }
    expect_parse_error("trees not an array", "learner.gradient_booster.model.trees", |d| {
        d["learner"]["gradient_booster"]["model"]["trees"] = Value::from("x")
    });
    expect_parse_error("a string in an array", "trees[0].split_conditions[2]", |d| {
        tree0(d)["split_conditions"][2] = Value::from("x")
    });
    expect_parse_error("a float child", "trees[0].left_children[0]", |d| {
        tree0(d)["left_children"][0] = Value::from(1.5)
    });
    expect_parse_error("default_left 2", "trees[0].default_left[0]", |d| tree0(d)["default_left"][0] = Value::from(2));
    expect_parse_error("num_feature text", "learner.learner_model_param.num_feature", |d| {
        d["learner"]["learner_model_param"]["num_feature"] = Value::from("eight")
    });
    expect_parse_error("base_score text", "learner.learner_model_param.base_score", |d| {
        d["learner"]["learner_model_param"]["base_score"] = Value::from("[half]")
    });
    expect_parse_error("base_score 1", "learner.learner_model_param.base_score", |d| {
        d["learner"]["learner_model_param"]["base_score"] = Value::from("1")
    });
}

#[test]
fn inconsistent_trees_are_parse_errors() {
    expect_parse_error("short right_children", "trees[0].right_children", |d| {
        tree0(d)["right_children"].as_array_mut().unwrap().pop();
    });
    expect_parse_error("long sum_hessian", "trees[0].sum_hessian", |d| {
        tree0(d)["sum_hessian"].as_array_mut().unwrap().push(1.0.into());
    });
    expect_parse_error("empty tree", "trees[0].left_children", |d| {
        for key in ["left_children", "right_children", "split_indices", "split_conditions", "default_left"] {
            tree0(d)[key] = Value::Array(vec![]);
        }
        tree0(d)["sum_hessian"] = Value::Array(vec![]);
    });
    expect_parse_error("child out of range", "trees[0].left_children[0]", |d| {
        tree0(d)["left_children"][0] = 9999.into()
    });
    expect_parse_error("negative child", "trees[0].right_children[0]", |d| tree0(d)["right_children"][0] = (-5).into());
    expect_parse_error("one child -1", "trees[0].right_children[0]", |d| tree0(d)["right_children"][0] = (-1).into());
    expect_parse_error("cycle to the root", "trees[0].left_children[1]", |d| tree0(d)["left_children"][1] = 0.into());
    expect_parse_error("self loop", "trees[0].left_children[1]", |d| tree0(d)["left_children"][1] = 1.into());
    expect_parse_error("shared child", "trees[0].right_children[0]", |d| {
        let left = tree0(d)["left_children"][0].clone();
        tree0(d)["right_children"][0] = left;
    });
    expect_parse_error("feature out of range", "trees[0].split_indices[0]", |d| {
        tree0(d)["split_indices"][0] = 8.into()
    });
    expect_parse_error("num_nodes", "trees[0].tree_param.num_nodes", |d| {
        tree0(d)["tree_param"]["num_nodes"] = "5".into()
    });
    expect_parse_error("num_trees", "gbtree_model_param.num_trees", |d| {
        d["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "3".into()
    });
    expect_parse_error("tree_info length", "tree_info", |d| {
        d["learner"]["gradient_booster"]["model"]["tree_info"].as_array_mut().unwrap().pop();
    });
    expect_parse_error("split type", "trees[0].split_type[0]", |d| tree0(d)["split_type"][0] = 7.into());
    expect_parse_error("categorical split without a set", "trees[0].categories_nodes", |d| {
        tree0(d)["split_type"][0] = 1.into()
    });
    expect_parse_error("feature names", "learner.feature_names", |d| {
        d["learner"]["feature_names"].as_array_mut().unwrap().pop();
    });
    expect_parse_error("not an object", "(document)", |d| *d = Value::Null);
    match XgbModel::from_json_str("{\"learner\": ") {
        Err(ModelError::Parse { at, .. }) => assert_eq!(at, "line 1, column 12"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsupported_models_say_what() {
    expect_unsupported("dart", "dart", |d| d["learner"]["gradient_booster"]["name"] = "dart".into());
    expect_unsupported("gblinear", "gblinear", |d| d["learner"]["gradient_booster"]["name"] = "gblinear".into());
    expect_unsupported("softprob", "multi:softprob", |d| d["learner"]["objective"]["name"] = "multi:softprob".into());
    expect_unsupported("poisson", "count:poisson", |d| d["learner"]["objective"]["name"] = "count:poisson".into());
    expect_unsupported("multi-class", "num_class", |d| d["learner"]["learner_model_param"]["num_class"] = "3".into());
    expect_unsupported("vector leaf", "vector leaves", |d| tree0(d)["tree_param"]["size_leaf_vector"] = "2".into());
    expect_unsupported("two base scores", "multi-target", |d| {
        d["learner"]["learner_model_param"]["base_score"] = "[5E-1,4E-1]".into()
    });
}

#[test]
fn files() {
    match XgbModel::from_path(Path::new("/nonexistent/m.json")) {
        Err(ModelError::Io { path, .. }) => assert_eq!(path, "/nonexistent/m.json"),
        other => panic!("{other:?}"),
    }
    let dir = std::env::temp_dir().join(format!("leadsmith-xgb-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ubj = dir.join("m.ubj");
    std::fs::write(&ubj, b"{L\x00\x00\x00\x00\x00\x00\x00\x06learner{").unwrap();
    assert!(matches!(XgbModel::from_path(&ubj), Err(ModelError::Parse { .. })));
    std::fs::write(&ubj, b"[\x00binary").unwrap();
    let err = XgbModel::from_path(&ubj).unwrap_err().to_string();
    assert!(err.contains("UBJSON"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Deterministic xorshift for the fuzz-ish tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Scores a few rows with whatever loaded: nothing may panic.
fn exercise(model: &XgbModel) {
    let nf = model.num_features();
    let rows = [vec![0.0; nf], vec![f64::NAN; nf], (0..nf).map(|i| i as f64 - 3.5).collect()];
    for row in &rows {
        let _ = model.predict(row);
        let _ = model.contributions(row);
    }
    let mut out = Vec::new();
    model.predict_batch(&rows.concat(), nf, &mut out);
    let _ = model.feature_importance();
}

#[test]
fn truncated_json_is_an_error_not_a_panic() {
    for name in ["binary_small.json", "categorical.json"] {
        let text = std::fs::read_to_string(fixture(name)).unwrap();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300 {
            let cut = rng.below(text.len());
            let cut = (0..=cut).rev().find(|&c| text.is_char_boundary(c)).unwrap();
            assert!(
                matches!(XgbModel::from_json_str(&text[..cut]), Err(ModelError::Parse { .. })),
                "{name} cut at {cut}"
            );
        }
    }
}

#[test]
fn edited_json_never_panics() {
    // Random single-character edits over the whole file (digits, signs, brackets, quotes): the model either
    // loads (and then scores without panicking) or is a clear error.
    for name in ["binary_small.json", "categorical.json"] {
        let text = std::fs::read_to_string(fixture(name)).unwrap().into_bytes();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let replacements = b"0123456789-.e,[]{}\"x ";
        let (mut loaded, mut failed) = (0, 0);
        for _ in 0..400 {
            let mut edited = text.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(edited.len());
                edited[at] = replacements[rng.below(replacements.len())];
            }
            let Ok(edited) = String::from_utf8(edited) else { continue };
            match XgbModel::from_json_str(&edited) {
                Ok(model) => {
                    exercise(&model);
                    loaded += 1;
                }
                Err(ModelError::Parse { at, message, .. }) => {
                    assert!(!at.is_empty() && !message.is_empty());
                    failed += 1;
                }
                Err(ModelError::Unsupported { .. }) => failed += 1,
                Err(e) => panic!("{e}"),
            }
        }
        assert!(loaded > 0 && failed > 0, "{name}: {loaded} loaded, {failed} failed");
    }
    // Structural edits: every child pointer of tree 0 redirected in turn.
    let doc: Value = serde_json::from_str(&small_json()).unwrap();
    let n = doc["learner"]["gradient_booster"]["model"]["trees"][0]["left_children"].as_array().unwrap().len();
    for key in ["left_children", "right_children"] {
        for node in 0..n {
            for target in [-1i64, 0, 1, 2, (n - 1) as i64, n as i64] {
                let mut d = doc.clone();
                tree0(&mut d)[key][node] = target.into();
                match XgbModel::from_json_str(&d.to_string()) {
                    Ok(model) => exercise(&model),
                    Err(ModelError::Parse { .. }) => {}
                    Err(e) => panic!("{key}[{node}] = {target}: {e}"),
                }
            }
        }
    }
}

#[test]
#[should_panic(expected = "features")]
fn a_short_row_panics_clearly() {
    load("binary_small").predict(&[0.0; 3]);
}
