//! Logistic-regression parity against scikit-learn (`fixtures/make_logistic_fixtures.py`), the JSON format's
//! validation, and round trips through `to_json`.

use std::path::PathBuf;

use leadsmith_model::logistic::{LogisticModel, Standardize};
use leadsmith_model::{ModelError, Objective, Predictor, sigmoid};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/logistic").join(name)
}

fn read_csv(name: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    crate::common::read_csv(&fixture(name))
}

fn model_json() -> String {
    std::fs::read_to_string(fixture("model.json")).expect("model.json")
}

#[test]
fn matches_scikit_learn() {
    let model = LogisticModel::from_path(&fixture("model.json")).expect("model loads");
    let (names, inputs) = read_csv("model.inputs.csv");
    let (_, predictions) = read_csv("model.predictions.csv");
    assert_eq!(model.objective(), Objective::Probability);
    assert_eq!(model.num_features(), names.len());
    assert_eq!(model.feature_names().unwrap(), names.as_slice());
    assert_eq!(inputs.len(), predictions.len());
    let mut worst = 0.0_f64;
    for (i, (row, expected)) in inputs.iter().zip(&predictions).enumerate() {
        let margin = model.predict_margin(row);
        let prediction = model.predict(row);
        assert!((prediction - expected[0]).abs() <= 1e-6, "row {i}: {prediction} vs {}", expected[0]);
        assert!((margin - expected[1]).abs() <= 1e-6, "row {i}: margin {margin} vs {}", expected[1]);
        worst = worst.max((prediction - expected[0]).abs()).max((margin - expected[1]).abs());

        let contributions = model.contributions(row);
        assert_eq!(contributions.len(), names.len() + 1);
        assert_eq!(*contributions.last().unwrap(), model.intercept());
        let sum: f64 = contributions.iter().sum();
        assert!((sum - margin).abs() <= 1e-12, "row {i}: contributions sum {sum}, margin {margin}");
        // Each contribution is coefficient × standardised value.
        let s = model.standardize().unwrap();
        for j in 0..names.len() {
            let expected = model.coefficients()[j] * (row[j] - s.mean[j]) / s.std[j];
            assert!((contributions[j] - expected).abs() <= 1e-12);
        }
    }
    println!("logistic: {} rows, worst |Δ| {worst:e}", inputs.len());
}

#[test]
fn missing_values_are_imputed_at_the_mean() {
    let model = LogisticModel::from_json(&model_json()).unwrap();
    let s = model.standardize().unwrap().clone();
    let mut row = s.mean.clone();
    row[0] = 55.0;
    let mut with_nan = row.clone();
    with_nan[2] = f64::NAN;
    assert_eq!(model.predict_margin(&row), model.predict_margin(&with_nan));
    let contributions = model.contributions(&with_nan);
    assert_eq!(contributions[2], 0.0);
    let all_missing = vec![f64::NAN; model.num_features()];
    assert_eq!(model.predict_margin(&all_missing), model.intercept());
    assert_eq!(model.predict(&all_missing), sigmoid(model.intercept()));
    // A short row: the missing trailing features are NaN.
    assert_eq!(
        model.predict_margin(&row[..3]),
        model.predict_margin(&[row[0], row[1], row[2], f64::NAN, f64::NAN, f64::NAN])
    );
}

#[test]
fn round_trips_through_json() {
    let model = LogisticModel::from_json(&model_json()).unwrap();
    let again = LogisticModel::from_json(&model.to_json()).unwrap();
    assert_eq!(model, again);

    let plain = LogisticModel::new(vec!["a".into(), "b".into()], vec![0.5, -2.0], 0.25, None).unwrap();
    let json = plain.to_json();
    assert!(!json.contains("standardize"), "{json}");
    let back = LogisticModel::from_json(&json).unwrap();
    assert_eq!(plain, back);
    assert_eq!(back.predict_margin(&[2.0, 1.0]), 0.25 + 1.0 - 2.0);
    assert_eq!(back.contributions(&[2.0, 1.0]), vec![1.0, -2.0, 0.25]);
}

fn error_of(json: &str) -> (String, String) {
    match LogisticModel::from_json(json) {
        Err(ModelError::Parse { format, at, message }) => {
            assert_eq!(format, "logistic");
            (at, message)
        }
        Err(other) => panic!("expected a parse error, got {other}"),
        Ok(_) => panic!("expected an error, the model loaded"),
    }
}

fn edit(f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&model_json()).unwrap();
    f(&mut value);
    value.to_string()
}

#[test]
fn invalid_documents_name_the_field() {
    let (at, _) = error_of(&edit(|v| v["coefficients"].as_array_mut().unwrap().pop().map(drop).unwrap()));
    assert_eq!(at, "coefficients");
    let (at, message) = error_of(&edit(|v| v["standardize"]["std"][3] = 0.0.into()));
    assert_eq!((at.as_str(), message.as_str()), ("standardize.std[3]", "0 is not a finite number > 0"));
    let (at, _) = error_of(&edit(|v| v["standardize"]["mean"] = serde_json::json!([1.0])));
    assert_eq!(at, "standardize.mean");
    let (at, message) = error_of(&edit(|v| v["coefficients"][1] = "x".into()));
    assert_eq!((at.as_str(), message.as_str()), ("coefficients[1]", "expected a number, found a string"));
    let (at, message) = error_of(&edit(|v| v["intercept"] = serde_json::Value::Null));
    assert_eq!((at.as_str(), message.as_str()), ("intercept", "expected a number, found null"));
    let (at, message) = error_of(&edit(|v| drop(v.as_object_mut().unwrap().remove("intercept"))));
    assert_eq!((at.as_str(), message.as_str()), ("intercept", "missing field"));
    let (at, message) = error_of(&edit(|v| v["bias"] = 1.0.into()));
    assert_eq!((at.as_str(), message.as_str()), ("bias", "unknown field"));
    let (at, _) = error_of(&edit(|v| v["format"] = "xgboost".into()));
    assert_eq!(at, "format");
    let (at, message) = error_of(&edit(|v| v["features"][1] = v["features"][0].clone()));
    assert_eq!(at, "features[1]");
    assert!(message.contains("twice"), "{message}");
    let (at, _) = error_of(&edit(|v| v["standardize"]["scale"] = serde_json::json!([])));
    assert_eq!(at, "standardize.scale");

    // Malformed JSON: the position.
    let (at, _) = error_of("{\"format\": \"leadsmith-logistic\",\n \"version\": 1,,}");
    assert_eq!(at, "line 2 column 15");
    let (at, _) = error_of("[1, 2]");
    assert_eq!(at, "(document)");

    match LogisticModel::from_json(&edit(|v| v["version"] = 2.into())) {
        Err(ModelError::Unsupported { message, .. }) => assert!(message.contains("version 2"), "{message}"),
        other => panic!("{other:?}"),
    }
    // Overflowing numbers are not finite.
    assert!(LogisticModel::from_json(&model_json().replacen("0.329525633510609", "1e999", 1)).is_err());
}

#[test]
fn constructor_validates() {
    let std = Standardize { mean: vec![0.0], std: vec![f64::NAN] };
    let err = LogisticModel::new(vec!["a".into()], vec![1.0], 0.0, Some(std)).unwrap_err();
    assert_eq!(err.to_string(), "logistic model: standardize.std[0]: NaN is not a finite number > 0");
    let err = LogisticModel::new(vec![], vec![], 0.0, None).unwrap_err();
    assert!(err.to_string().contains("features"), "{err}");
    let err = LogisticModel::new(vec!["a".into()], vec![1.0], f64::INFINITY, None).unwrap_err();
    assert!(err.to_string().contains("intercept"), "{err}");
}
