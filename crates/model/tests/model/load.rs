//! Loading any model file by its contents.

use std::path::Path;

use leadsmith_model::{Format, Objective, load, load_str};

fn fixture(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(p)
}

#[test]
fn every_format_is_recognised_and_loaded() {
    for (file, format, objective) in [
        ("xgboost/binary_small.json", Format::XgboostJson, Objective::Probability),
        ("xgboost/regression_small.json", Format::XgboostJson, Objective::Regression),
        ("lightgbm/binary.txt", Format::LightgbmText, Objective::Probability),
        ("logistic/model.json", Format::LogisticJson, Objective::Probability),
        ("onnx/logistic.onnx", Format::Onnx, Objective::Probability),
        ("onnx/regression.onnx", Format::Onnx, Objective::Regression),
    ] {
        let loaded = load(&fixture(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(loaded.format, format, "{file}");
        assert_eq!(loaded.model.objective(), objective, "{file}");
        let row = vec![0.5; loaded.model.num_features()];
        let p = loaded.model.predict(&row);
        assert!(p.is_finite(), "{file}");
        let c = loaded.model.contributions(&row);
        let margin = loaded.model.predict_margin(&row);
        // Tree models add leaves in f32 as their libraries do: compare relative to the margin's size.
        assert!((c.iter().sum::<f64>() - margin).abs() <= 1e-5 * margin.abs().max(1.0), "{file}");
    }
}

#[test]
fn unknown_files_get_a_clear_error() {
    for text in ["", "{\"hello\": 1}", "name,score\n1,2\n"] {
        let err = load_str(text).err().expect("refused").to_string();
        assert!(err.contains("not an XGBoost JSON, LightGBM text or leadsmith logistic/GBDT model"), "{err}");
    }
    let missing = load(Path::new("/no/such/model.json")).err().expect("refused").to_string();
    assert!(missing.contains("/no/such/model.json"), "{missing}");
}
