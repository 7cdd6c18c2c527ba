//! LightGBM parity: predictions, raw margins, `pred_contrib` contributions and gain importance against what
//! LightGBM 4.7 computed for the same model files (`fixtures/make_lightgbm_fixtures.py`), and clear errors
//! for broken files.

use std::path::PathBuf;

use leadsmith_model::lightgbm::LgbModel;
use leadsmith_model::{ModelError, Objective, Predictor, sigmoid};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/lightgbm").join(name)
}

fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    crate::common::read_csv(&fixture(name))
}

fn model_text(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("{name}.txt"))).expect("model file")
}

fn check_parity(name: &str, objective: Objective, num_trees: usize) {
    let model = LgbModel::from_path(&fixture(&format!("{name}.txt"))).expect("model loads");
    let (names, inputs) = read_csv(&format!("{name}.inputs.csv"));
    let (_, predictions) = read_csv(&format!("{name}.predictions.csv"));
    let (contrib_header, contribs) = read_csv(&format!("{name}.contribs.csv"));

    assert_eq!(model.objective(), objective);
    assert_eq!(model.num_trees(), num_trees);
    assert_eq!(model.num_features(), names.len());
    assert_eq!(model.feature_names().expect("names"), names.as_slice());
    assert_eq!(contrib_header.len(), names.len() + 1);
    assert_eq!(inputs.len(), predictions.len());
    assert_eq!(inputs.len(), contribs.len());

    let (mut worst_prediction, mut worst_contribution, mut worst_sum) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (i, row) in inputs.iter().enumerate() {
        let (expected, expected_margin) = (predictions[i][0], predictions[i][1]);
        let margin = model.predict_margin(row);
        let prediction = model.predict(row);
        assert!((margin - expected_margin).abs() <= 1e-6, "{name} row {i}: margin {margin} vs {expected_margin}");
        assert!((prediction - expected).abs() <= 1e-6, "{name} row {i}: prediction {prediction} vs {expected}");
        worst_prediction = worst_prediction.max((prediction - expected).abs()).max((margin - expected_margin).abs());

        let got = model.contributions(row);
        assert_eq!(got.len(), names.len() + 1);
        for (j, (g, e)) in got.iter().zip(&contribs[i]).enumerate() {
            assert!((g - e).abs() <= 1e-5, "{name} row {i} column {}: contribution {g} vs {e}", contrib_header[j]);
            worst_contribution = worst_contribution.max((g - e).abs());
        }
        let sum: f64 = got.iter().sum();
        assert!((sum - margin).abs() <= 1e-6, "{name} row {i}: contributions sum to {sum}, margin {margin}");
        worst_sum = worst_sum.max((sum - margin).abs());
    }
    println!(
        "{name}: {} rows; worst |Δ| prediction/margin {worst_prediction:e}, contribution {worst_contribution:e}, \
         Σ contributions − margin {worst_sum:e}",
        inputs.len()
    );
}

#[test]
fn binary_matches_lightgbm() {
    check_parity("binary", Objective::Probability, 30);
}

#[test]
fn regression_matches_lightgbm() {
    check_parity("regression", Objective::Regression, 25);
}

/// `gain_importance` against `feature_importance(importance_type="gain")`: LightGBM sums the `f32` gains of
/// the file in the same order, so the totals agree to the last bit (checked at 1e-12 relative).
fn check_gain_importance(name: &str) {
    let model = LgbModel::from_path(&fixture(&format!("{name}.txt"))).expect("model loads");
    let (header, expected) = read_csv(&format!("{name}.importance.csv"));
    assert_eq!(header, ["feature", "gain"]);
    let gain = model.gain_importance().expect("LightGBM models record split gains");
    assert_eq!(gain.len(), model.num_features());
    assert_eq!(expected.len(), model.num_features(), "{name}: one row per feature");
    let mut exact = 0;
    for (j, row) in expected.iter().enumerate() {
        assert_eq!(row[0], j as f64, "{name}: rows in feature order");
        let (got, want) = (gain[j], row[1]);
        assert!((got - want).abs() <= 1e-12 * want.abs(), "{name} feature {j}: gain {got} vs LightGBM {want}");
        exact += usize::from(got.to_bits() == want.to_bits());
    }
    assert!(gain.iter().any(|&g| g > 0.0), "{name}: some feature has gain");
    println!("{name}: {exact} of {} gains bit for bit", gain.len());
}

#[test]
fn gain_importance_matches_lightgbm() {
    check_gain_importance("binary");
    check_gain_importance("regression");
    // Features no tree splits on have zero gain (the regression model uses only some of its features).
    let regression = LgbModel::from_path(&fixture("regression.txt")).unwrap();
    assert!(regression.gain_importance().unwrap().contains(&0.0));
}

#[test]
fn gain_importance_without_split_gains_is_zero() {
    // LightGBM loads a tree without `split_gain` with gains of 0; predictions are unaffected.
    let text = model_text("binary");
    let stripped: String = text.lines().filter(|l| !l.starts_with("split_gain=")).map(|l| format!("{l}\n")).collect();
    let model = LgbModel::from_text(&stripped).unwrap();
    assert_eq!(model.gain_importance().unwrap(), vec![0.0; 10]);
    let full = LgbModel::from_text(&text).unwrap();
    let (_, inputs) = read_csv("binary.inputs.csv");
    for row in inputs.iter().take(20) {
        assert_eq!(model.predict_margin(row).to_bits(), full.predict_margin(row).to_bits());
    }
    // A split_gain line of the wrong length is an error like any other tree array.
    let gains = tree_field(&text, "Tree=5", "split_gain");
    let (_, message) = parse_error(&replace_in_tree(&text, "Tree=5", "split_gain", &format!("{gains} 1.5")));
    assert!(message.contains("`split_gain` has 15 values, expected 14"), "{message}");
}

#[test]
fn fixtures_cover_the_decision_rules() {
    // The fixtures must exercise every branch of LightGBM's decision rule, or the parity tests prove less.
    let binary = model_text("binary");
    let regression = model_text("regression");
    let decision_types = |text: &str| -> Vec<u8> {
        text.lines()
            .filter_map(|l| l.strip_prefix("decision_type="))
            .flat_map(|v| v.split_whitespace().map(|t| t.parse::<u8>().unwrap()).collect::<Vec<_>>())
            .collect()
    };
    let all: Vec<u8> = decision_types(&binary).into_iter().chain(decision_types(&regression)).collect();
    assert!(all.iter().any(|d| d & 1 == 1), "a categorical split");
    // Missing type None ignores default_left (LightGBM always writes it set): 2, 4, 6, 8, 10.
    for missing_type in 0..3 {
        for default_left in if missing_type == 0 { vec![2] } else { vec![0, 2] } {
            assert!(
                all.iter().any(|d| d & 1 == 0 && (d >> 2) & 3 == missing_type && d & 2 == default_left),
                "a numerical split with missing type {missing_type}, default_left {default_left}"
            );
        }
    }
    assert!(binary.contains("num_leaves=1\n"), "a single-leaf tree");
    assert!(binary.contains("threshold=") && binary.contains("1.0000000180025095e-35"), "a kZeroThreshold split");
}

#[test]
fn short_rows_read_missing_features_as_nan() {
    let model = LgbModel::from_text(&model_text("binary")).unwrap();
    let (_, inputs) = read_csv("binary.inputs.csv");
    for row in inputs.iter().take(20) {
        let mut padded = row[..4].to_vec();
        padded.resize(row.len(), f64::NAN);
        assert_eq!(model.predict_margin(&row[..4]).to_bits(), model.predict_margin(&padded).to_bits());
        assert_eq!(model.contributions(&row[..4]), model.contributions(&padded));
    }
}

#[test]
fn sigmoid_parameter_scales_the_margin() {
    let text = model_text("binary");
    let base = LgbModel::from_text(&text).unwrap();
    let scaled =
        LgbModel::from_text(&text.replace("objective=binary sigmoid:1\n", "objective=binary sigmoid:2.5\n")).unwrap();
    assert_eq!(scaled.sigmoid_scale(), 2.5);
    let (_, inputs) = read_csv("binary.inputs.csv");
    for row in inputs.iter().take(30) {
        let raw = base.predict_margin(row);
        let margin = scaled.predict_margin(row);
        assert!((margin - 2.5 * raw).abs() <= 1e-12);
        // LightGBM: 1 / (1 + exp(-sigmoid * raw)).
        assert!((scaled.predict(row) - 1.0 / (1.0 + (-2.5 * raw).exp())).abs() <= 1e-15);
        assert_eq!(scaled.predict(row), sigmoid(margin));
        let sum: f64 = scaled.contributions(row).iter().sum();
        assert!((sum - margin).abs() <= 1e-9);
    }
}

// --- malformed and unsupported files ------------------------------------------------------------------------

fn parse_error(text: &str) -> (String, String) {
    match LgbModel::from_text(text) {
        Err(ModelError::Parse { format, at, message }) => {
            assert_eq!(format, "LightGBM");
            (at, message)
        }
        Err(other) => panic!("expected a parse error, got {other}"),
        Ok(_) => panic!("expected a parse error, the model loaded"),
    }
}

fn unsupported(text: &str) -> String {
    match LgbModel::from_text(text) {
        Err(ModelError::Unsupported { message, .. }) => message,
        Err(other) => panic!("expected an unsupported error, got {other}"),
        Ok(_) => panic!("expected an unsupported error, the model loaded"),
    }
}

/// The 1-based line number of the first line starting with `prefix` after the line `after`.
fn line_of(text: &str, after: &str, prefix: &str) -> usize {
    let start = text.lines().position(|l| l == after).expect("anchor line");
    start + 1 + text.lines().skip(start).position(|l| l.starts_with(prefix)).expect("line")
}

/// Replaces the value of `key=` on the first such line after `after`.
fn replace_in_tree(text: &str, after: &str, key: &str, value: &str) -> String {
    let target = line_of(text, after, &format!("{key}="));
    text.lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == target { format!("{key}={value}") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

fn tree_field<'a>(text: &'a str, after: &str, key: &str) -> &'a str {
    let target = line_of(text, after, &format!("{key}="));
    text.lines().nth(target - 1).unwrap().split_once('=').unwrap().1
}

#[test]
fn truncated_files_are_errors_never_panics() {
    let text = model_text("binary");
    let end = text.find("end of trees").unwrap();
    let (at, message) = parse_error(&text[..end]);
    assert!(message.contains("end of trees"), "{message}");
    assert!(at.starts_with("line "), "{at}");
    // Cut anywhere (on character boundaries): an error, never a panic or a model.
    for cut in (0..end).step_by(97) {
        assert!(LgbModel::from_text(&text[..cut]).is_err(), "cut at byte {cut} loaded");
    }
    assert!(parse_error("").1.contains("empty"));
    assert!(parse_error("{\"learner\": {}}").1.contains("not a LightGBM text model"));
}

#[test]
fn bad_numbers_name_the_line() {
    let text = model_text("binary");
    let bad = replace_in_tree(&text, "Tree=3", "threshold", "0.5 abc 1 2 3 4 5 6 7 8 9 10 11 12");
    let (at, message) = parse_error(&bad);
    assert_eq!(at, format!("line {}", line_of(&text, "Tree=3", "threshold=")));
    assert!(message.contains("threshold") && message.contains("`abc`"), "{message}");

    let bad = text.replace("max_feature_idx=9", "max_feature_idx=nine");
    let (at, message) = parse_error(&bad);
    assert_eq!(at, "line 6");
    assert!(message.contains("max_feature_idx"), "{message}");

    let bad = replace_in_tree(
        &text,
        "Tree=2",
        "leaf_value",
        &tree_field(&text, "Tree=2", "leaf_value").replacen(' ', " nan ", 1),
    );
    let (_, message) = parse_error(&bad);
    assert!(message.contains("leaf_value"), "{message}");
}

#[test]
fn wrong_lengths_are_errors() {
    let text = model_text("binary");
    let leaf_value = tree_field(&text, "Tree=5", "leaf_value");
    let shorter = leaf_value.rsplit_once(' ').unwrap().0;
    let (at, message) = parse_error(&replace_in_tree(&text, "Tree=5", "leaf_value", shorter));
    assert_eq!(at, format!("line {}", line_of(&text, "Tree=5", "leaf_value=")));
    assert!(message.contains("`leaf_value` has 14 values, expected 15"), "{message}");

    let split_feature = format!("{} 0", tree_field(&text, "Tree=5", "split_feature"));
    let (_, message) = parse_error(&replace_in_tree(&text, "Tree=5", "split_feature", &split_feature));
    assert!(message.contains("`split_feature` has 15 values, expected 14"), "{message}");

    let (_, message) = parse_error(&text.replace("feature_names=f0 f1 ", "feature_names=f1 "));
    assert!(message.contains("feature_names"), "{message}");
}

#[test]
fn structural_errors_are_caught() {
    let text = model_text("binary");
    // A child index past the end.
    let left = tree_field(&text, "Tree=4", "left_child").replacen(|c: char| c.is_ascii_digit(), "9", 1);
    let left = format!("40{}", &left[1..]);
    let (at, message) = parse_error(&replace_in_tree(&text, "Tree=4", "left_child", &left));
    assert_eq!(at, format!("line {}", line_of(&text, "Tree=4", "left_child=")));
    assert!(message.contains("out of range"), "{message}");

    // A cycle: node 0's right child is node 0.
    let right = tree_field(&text, "Tree=4", "right_child");
    let right = format!("0 {}", right.split_once(' ').unwrap().1);
    let (_, message) = parse_error(&replace_in_tree(&text, "Tree=4", "right_child", &right));
    assert!(message.contains("reached twice"), "{message}");

    // A feature the model does not have.
    let split = format!("10 {}", tree_field(&text, "Tree=4", "split_feature").split_once(' ').unwrap().1);
    let (_, message) = parse_error(&replace_in_tree(&text, "Tree=4", "split_feature", &split));
    assert!(message.contains("split_feature") && message.contains("not a feature"), "{message}");

    // A missing key.
    let without: String = {
        let target = line_of(&text, "Tree=6", "decision_type=");
        text.lines().enumerate().filter(|(i, _)| i + 1 != target).map(|(_, l)| format!("{l}\n")).collect()
    };
    let (at, message) = parse_error(&without);
    assert_eq!(at, format!("line {}", line_of(&text, "Tree=6", "Tree=6")));
    assert!(message.contains("Tree=6") && message.contains("`decision_type`"), "{message}");

    // A categorical split pointing past the category sets.
    let tree = text.split("\nTree=").find(|t| t.contains("num_cat=1\n")).unwrap();
    let anchor = format!("Tree={}", tree.lines().next().unwrap());
    let types: Vec<&str> = tree_field(&text, &anchor, "decision_type").split(' ').collect();
    let cat_node = types.iter().position(|t| t.parse::<u8>().unwrap() & 1 == 1).unwrap();
    let mut thresholds: Vec<String> = tree_field(&text, &anchor, "threshold").split(' ').map(str::to_string).collect();
    thresholds[cat_node] = "1".to_string();
    let (_, message) = parse_error(&replace_in_tree(&text, &anchor, "threshold", &thresholds.join(" ")));
    assert!(message.contains("categorical"), "{message}");
}

#[test]
fn unsupported_models_say_what() {
    let text = model_text("binary");
    let message = unsupported(&text.replace("objective=binary sigmoid:1", "objective=poisson"));
    assert!(message.contains("objective `poisson`"), "{message}");
    let message = unsupported(&text.replace("objective=binary sigmoid:1", "objective=regression sqrt"));
    assert!(message.contains("regression sqrt"), "{message}");
    let message = unsupported(&text.replace("num_class=1", "num_class=3"));
    assert!(message.contains("num_class=3"), "{message}");
    let message = unsupported(&text.replace("objective=binary sigmoid:1\n", ""));
    assert!(message.contains("objective"), "{message}");
    let message = unsupported(&text.replacen("is_linear=0", "is_linear=1", 1));
    assert!(message.contains("linear"), "{message}");
    let message = unsupported(&text.replace("version=v4", "version=v9"));
    assert!(message.contains("v9"), "{message}");
    let message = unsupported(&text.replace("tree_sizes=", "average_output\ntree_sizes="));
    assert!(message.contains("average_output"), "{message}");
}

#[test]
fn errors_display_clearly() {
    let text = model_text("regression");
    let err = LgbModel::from_text(&text.replace("objective=regression", "objective=huber")).unwrap_err();
    assert_eq!(err.to_string(), "LightGBM model: objective `huber` is not supported");
    let bad = replace_in_tree(&text, "Tree=0", "num_leaves", "many");
    let err = LgbModel::from_text(&bad).unwrap_err();
    let line = line_of(&text, "Tree=0", "num_leaves=");
    assert!(err.to_string().starts_with(&format!("LightGBM model: line {line}: `num_leaves`")), "{err}");
    let err = LgbModel::from_path(&fixture("missing.txt")).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err}");
}

#[test]
fn corrupted_values_never_panic() {
    // Every token of the header and of the first trees (a single-leaf one, categorical ones) replaced by
    // hostile values: loading returns a model or an error, and a loaded model predicts and explains.
    let text = model_text("binary");
    let (_, inputs) = read_csv("binary.inputs.csv");
    let end = line_of(&text, "Tree=3", "Tree=3");
    // Only those trees, to keep the test quick.
    let mut lines: Vec<&str> = text.lines().take(end - 1).collect();
    lines.push("end of trees");
    let hostile = ["-1", "0", "1", "32", "99999", "4294967296", "-2147483648", "1e308", "nan", "inf", ""];
    let mut loaded = 0;
    for (i, line) in lines.iter().enumerate().take(end) {
        let Some((key, value)) = line.split_once('=') else { continue };
        if key == "feature_names" || key == "feature_infos" || key == "tree_sizes" {
            continue;
        }
        let tokens: Vec<&str> = value.split(' ').collect();
        for t in 0..tokens.len().min(6) {
            for bad in hostile {
                let mut changed = tokens.clone();
                changed[t] = bad;
                let mut mutated = lines.clone();
                let new_line = format!("{key}={}", changed.join(" "));
                mutated[i] = &new_line;
                if let Ok(model) = LgbModel::from_text(&mutated.join("\n")) {
                    loaded += 1;
                    for row in inputs.iter().take(12) {
                        let _ = model.predict(row);
                        let _ = model.contributions(row);
                    }
                }
            }
        }
    }
    assert!(loaded > 0);
}
