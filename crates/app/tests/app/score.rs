//! `leadsmith score` and `leadsmith model info` through the binary, on the model crate's fixtures (models
//! and predictions made by XGBoost, scikit-learn and onnxruntime themselves).

use std::path::{Path, PathBuf};

use leadsmith_testkit::fake::{FakeServer, Reply};

use crate::support::leadsmith;

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
        ("onnx/logistic.onnx", "onnx/logistic.inputs.csv", "onnx/logistic.predictions.csv"),
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
    assert!(!run.status.success() && stderr.contains("lacks the model's required features: x2, x3"), "{stderr}");
    // With a manifest: x0 required, the rest may be missing. A file without the optional columns scores;
    // one whose every row lacks x0 fails, each row reported.
    let names: Vec<String> = std::fs::read_to_string(fixture("xgboost/binary_small.inputs.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(String::from)
        .collect();
    let features: Vec<serde_json::Value> = names
        .iter()
        .enumerate()
        .map(
            |(i, n)| {
                if i == 0 { serde_json::json!({"name": n}) } else { serde_json::json!({"name": n, "default": null}) }
            },
        )
        .collect();
    let manifest = dir.path().join("m.manifest.json");
    std::fs::write(&manifest, serde_json::json!({"name": "m", "version": "1", "features": features}).to_string())
        .unwrap();
    let score = |text: &str| {
        std::fs::write(&input, text).unwrap();
        let run = leadsmith()
            .args(["score", "--model"])
            .arg(fixture("xgboost/binary_small.json"))
            .arg("--manifest")
            .arg(&manifest)
            .args(["--reasons", "5", "--input"])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        (run.status.success(), String::from_utf8_lossy(&run.stderr).into_owned())
    };
    let (ok, stderr) = score(&format!("id,{}\na,0.5\nb,\n", names[0]));
    assert!(ok && stderr.contains("scored 1 rows") && stderr.contains("rejected 1 rows"), "{stderr}");
    let scored = std::fs::read_to_string(&out).unwrap();
    assert!(scored.contains("a,") && !scored.contains("missing"), "a missing value is never a reason: {scored}");
    let errors = std::fs::read_to_string(dir.path().join("o.csv.errors.csv")).unwrap();
    assert!(errors.contains(&format!("3,{}: required and missing", names[0])), "{errors}");
    let (ok, stderr) = score(&format!("id,{},{}\na,,1\nb,,2\n", names[0], names[1]));
    assert!(!ok && stderr.contains("no row of") && stderr.contains("(2 rejected; reasons in"), "{stderr}");
    let (ok, stderr) = score(&format!("id,{}\na,1\n", names[1]));
    assert!(!ok && stderr.contains(&format!("lacks the model's required features: {}", names[0])), "{stderr}");

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

/// A scoring service: answers `{"score": 0.42}` to requests carrying the right API key and a `features`
/// object, 401 without the key, 503 while `down`.
async fn fake_scoring_service(down: std::sync::Arc<std::sync::atomic::AtomicBool>) -> FakeServer {
    FakeServer::start(move |req, _| {
        let parsed: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let (status, reply) = if down.load(std::sync::atomic::Ordering::SeqCst) {
            (503, r#"{"error":"overloaded"}"#)
        } else if req.header("x-api-key") != Some("k-123") {
            (401, r#"{"error":"bad key"}"#)
        } else if !parsed["features"].is_object() {
            (400, r#"{"error":"no features"}"#)
        } else {
            (200, r#"{"score":0.42}"#)
        };
        Reply::new(status, reply).header("content-type", "application/json")
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_endpoint_scores_and_falls_back_to_the_local_model() {
    let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let service = fake_scoring_service(down.clone()).await;
    let addr = service.addr;
    let dir = tempfile::tempdir().unwrap();
    let input = with_ids("logistic/model.inputs.csv", dir.path());
    let config = |key: &str, fallback: bool| {
        let path = dir.path().join(format!("remote-{key}-{fallback}.toml"));
        std::fs::write(
            &path,
            format!(
                "kind = \"http\"\nurl = \"http://{addr}/score\"\nretries = 0\ntimeout_ms = 2000\nfallback = {fallback}\nheaders = {{ \"X-API-Key\" = \"{key}\" }}\n"
            ),
        )
        .unwrap();
        path
    };
    let score = |remote: PathBuf, out: PathBuf| {
        let input = input.clone();
        async move {
            let run = tokio::task::spawn_blocking(move || {
                leadsmith()
                    .args(["score", "--model"])
                    .arg(fixture("logistic/model.json"))
                    .arg("--input")
                    .arg(&input)
                    .arg("--out")
                    .arg(&out)
                    .arg("--remote")
                    .arg(&remote)
                    .output()
                    .unwrap()
            })
            .await
            .unwrap();
            (run.status.success(), String::from_utf8_lossy(&run.stderr).into_owned())
        }
    };
    let want = expected("logistic/model.predictions.csv");

    // Up: every row is the service's answer, and the service saw the features by name.
    let out = dir.path().join("remote.csv");
    let (ok, stderr) = score(config("k-123", true), out.clone()).await;
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("id,score,bucket,tier,source\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains(",0.42,") && l.ends_with(",remote")).count(), want.len());
    let first = String::from_utf8_lossy(&service.requests()[0].body).into_owned();
    assert!(first.contains("\"pages_crawled\""), "{first}");

    // Down: the local model answers, exactly as it would alone.
    down.store(true, std::sync::atomic::Ordering::SeqCst);
    let out = dir.path().join("fallback.csv");
    let (ok, stderr) = score(config("k-123", true), out.clone()).await;
    assert!(ok, "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), want.len());
    for (row, p) in rows.iter().zip(&want) {
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!(cols[4], "fallback", "{row}");
        assert!((cols[1].parse::<f64>().unwrap() - p).abs() < 1e-6, "{row} vs {p}");
    }

    // Without fallback a failing endpoint rejects the rows, saying why; with none scored the command fails.
    down.store(false, std::sync::atomic::Ordering::SeqCst);
    let out = dir.path().join("nokey.csv");
    let (ok, stderr) = score(config("wrong", false), out.clone()).await;
    assert!(!ok && stderr.contains(&format!("rejected {} rows", want.len() + 1)), "{stderr}");
    assert!(stderr.contains(&format!("({} rejected; reasons in", want.len() + 1)), "{stderr}");
    let errors = std::fs::read_to_string(dir.path().join("nokey.csv.errors.csv")).unwrap();
    assert!(errors.contains("remote endpoint") && errors.contains("401"), "{errors}");
    assert!(!errors.contains("wrong"), "the key is never printed: {errors}");
}
