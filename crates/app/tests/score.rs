//! `leadsmith score` and `leadsmith model info` through the binary, on the model crate's fixtures (models
//! and predictions made by XGBoost and scikit-learn themselves).

use std::path::{Path, PathBuf};

mod support;
use support::leadsmith;

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/fixtures").join(p)
}

fn expected(p: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(fixture(p)).unwrap();
    text.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect()
}

/// The fixture's inputs with an `id` column in front, and a broken row appended.
fn with_ids(inputs: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixture(inputs)).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(&if i == 0 { format!("id,{line}\n") } else { format!("lead-{i},{line}\n") });
    }
    let width = text.lines().next().unwrap().split(',').count();
    out.push_str(&format!("broken,oops{}\n", ",1".repeat(width - 1)));
    let path = dir.join("input.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn batch_scoring_matches_the_library_and_reports_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    for (model, inputs, predictions) in [
        ("xgboost/binary_small.json", "xgboost/binary_small.inputs.csv", "xgboost/binary_small.predictions.csv"),
        ("logistic/model.json", "logistic/model.inputs.csv", "logistic/model.predictions.csv"),
    ] {
        let input = with_ids(inputs, dir.path());
        let out = dir.path().join("scores.csv");
        let run = leadsmith()
            .args(["score", "--model"])
            .arg(fixture(model))
            .arg("--input")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(run.status.success(), "{model}: {stderr}");
        let want = expected(predictions);
        assert!(
            stderr.contains(&format!("scored {} rows", want.len())) && stderr.contains("rejected 1 rows"),
            "{stderr}"
        );
        let mut rdr = csv::Reader::from_path(&out).unwrap();
        assert_eq!(rdr.headers().unwrap().iter().collect::<Vec<_>>(), ["id", "score", "bucket", "tier"]);
        let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), want.len());
        for (i, (r, p)) in rows.iter().zip(&want).enumerate() {
            assert_eq!(&r[0], format!("lead-{}", i + 1));
            let got: f64 = r[1].parse().unwrap();
            assert!((got - p).abs() < 1e-6, "{model} row {i}: {got} vs {p}");
            let bucket: u8 = r[2].parse().unwrap();
            assert_eq!(bucket, (p * 4.0 + 1.0).round().clamp(1.0, 5.0) as u8);
            assert_eq!(&r[3], ["E", "D", "C", "B", "A"][bucket as usize - 1]);
        }
        let errors = std::fs::read_to_string(dir.path().join("scores.csv.errors.csv")).unwrap();
        let first_feature = std::fs::read_to_string(fixture(inputs)).unwrap().split(',').next().unwrap().to_string();
        let line = errors.lines().nth(1).unwrap();
        assert!(
            line.starts_with(&format!("{},", want.len() + 2))
                && line.contains(&format!("{first_feature}: expected a number")),
            "{errors}"
        );
    }
}

#[test]
fn missing_columns_and_unknown_models_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "id,x0,x1\n1,0.5,0.5\n").unwrap();
    let out = dir.path().join("o.csv");
    let run = leadsmith()
        .args(["score", "--model"])
        .arg(fixture("xgboost/binary_small.json"))
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success() && stderr.contains("lacks the model's features: x2, x3"), "{stderr}");
    let bogus = dir.path().join("m.json");
    std::fs::write(&bogus, "{\"hello\": 1}").unwrap();
    let run = leadsmith().args(["model", "info"]).arg(&bogus).output().unwrap();
    assert!(!run.status.success());
    assert!(
        String::from_utf8_lossy(&run.stderr).contains("not an XGBoost JSON, LightGBM text or leadsmith logistic/GBDT")
    );
    let info = leadsmith().args(["model", "info"]).arg(fixture("lightgbm/binary.txt")).output().unwrap();
    let text = String::from_utf8_lossy(&info.stdout);
    assert!(info.status.success() && text.contains("format lightgbm-text") && text.contains("probability"), "{text}");
}
