//! `leadsmith train` on a synthetic closed-lead history with a known signal, then `leadsmith score` with
//! the model it wrote; cold start is refused with a clear message; identifiers and leakage are left out,
//! text columns are encoded and count, and a calibration that hurts the holdout is not applied.

use std::path::Path;

use crate::support::leadsmith;

/// A seeded history: won when 1.5·demo_views/10 − 1.2·days_to_reply/30 + noise > 1, with an industry
/// column that also carries signal, a close date and some empty cells.
fn history(path: &Path, rows: usize) {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut out = String::from("lead_id,demo_views,days_to_reply,industry,close_date,won\n");
    for i in 0..rows {
        let views = (next() * 20.0).floor();
        let reply = (next() * 60.0).floor();
        let industry = ["dental", "legal", "software", "retail"][(next() * 4.0) as usize];
        let bonus = if industry == "software" { 0.8 } else { 0.0 };
        let won = 1.5 * views / 10.0 - 1.2 * reply / 30.0 + bonus + (next() - 0.5) * 1.5 > 0.6;
        let views_cell = if i % 17 == 0 { String::new() } else { views.to_string() };
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        out.push_str(&format!(
            "{i},{views_cell},{reply},{industry},2026-{month:02}-{day:02},{}\n",
            if won { "won" } else { "lost" }
        ));
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn train_reports_and_its_model_scores_new_leads() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    history(&hist, 3000);
    for model in ["logistic", "gbdt"] {
        let out = dir.path().join(format!("{model}.json"));
        let run = leadsmith()
            .args(["train", "--history"])
            .arg(&hist)
            .args(["--label", "won", "--model", model, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
        assert!(run.status.success(), "{model}: {stdout}{stderr}");
        assert!(stdout.contains("AUC"), "{model}: {stdout}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{}.report.json", out.display())).unwrap()).unwrap();
        let auc = report["auc"].as_f64().unwrap();
        assert!(auc >= 0.85, "{model}: holdout AUC {auc} below 0.85");
        assert!(report["lift_top_decile"].as_f64().unwrap() > 1.5, "{model}: {report}");
        {
            assert!(stderr.contains("left out: lead_id (identifier)"), "{stderr}");
            assert!(stderr.contains("text columns encoded: industry (one-hot)"), "{stderr}");
            assert!(stderr.contains("the latest 20 % by date"), "{stderr}");
            // The trained model scores new leads.
            let input = dir.path().join("new.csv");
            std::fs::write(&input, "id,demo_views,days_to_reply,industry\nhot,19,1,software\ncold,0,59,retail\n")
                .unwrap();
            let scores = dir.path().join("scores.csv");
            let run = leadsmith()
                .args(["score", "--reasons", "2", "--model"])
                .arg(&out)
                .arg("--input")
                .arg(&input)
                .arg("--out")
                .arg(&scores)
                .output()
                .unwrap();
            assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
            let text = std::fs::read_to_string(&scores).unwrap();
            let score = |id: &str| -> f64 {
                text.lines().find(|l| l.starts_with(id)).unwrap().split(',').nth(1).unwrap().parse().unwrap()
            };
            assert!(score("hot") > 0.8 && score("cold") < 0.2, "{model}: {text}");
            // Tiers as the rules give them to the score 100·p: above 0.8 is A, below 0.4 is D.
            let tier = |id: &str| text.lines().find(|l| l.starts_with(id)).unwrap().split(',').nth(3).unwrap();
            assert_eq!((tier("hot"), tier("cold")), ("A", "D"), "{model}: {text}");
            // Reasons in words: the hot lead's demo views pushed it up.
            let hot = text.lines().find(|l| l.starts_with("hot")).unwrap();
            assert!(text.starts_with("id,score,bucket,tier,reasons"), "{text}");
            assert!(hot.contains("demo views 19 (+"), "{model}: {hot}");
            // Global importance over the history: the two signal columns, demo views first.
            let imp = leadsmith().args(["model", "importance"]).arg(&out).arg("--data").arg(&hist).output().unwrap();
            let table = String::from_utf8_lossy(&imp.stdout);
            assert!(imp.status.success(), "{}", String::from_utf8_lossy(&imp.stderr));
            let first = table.lines().nth(1).unwrap();
            assert!(first.starts_with("demo_views") || first.starts_with("days_to_reply"), "{model}: {table}");
            if model == "gbdt" {
                assert!(!first.trim_end().ends_with('-'), "GBDT reports its gain: {table}");
            }
            // A calibration fitted on known outcomes rides in a manifest; scoring with it still ranks.
            let manifest = dir.path().join(format!("{model}.manifest.json"));
            let cal = leadsmith()
                .args(["model", "calibrate"])
                .arg(&out)
                .arg("--data")
                .arg(&hist)
                .args(["--label", "won", "--method", "isotonic", "--out"])
                .arg(&manifest)
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&cal.stdout);
            assert!(
                cal.status.success() && said.contains("log-loss"),
                "{said}{}",
                String::from_utf8_lossy(&cal.stderr)
            );
            let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
            assert_eq!(m["calibration"]["method"], "isotonic");
            let calibrated = dir.path().join("calibrated.csv");
            let run = leadsmith()
                .args(["score", "--model"])
                .arg(&out)
                .arg("--manifest")
                .arg(&manifest)
                .arg("--input")
                .arg(&input)
                .arg("--out")
                .arg(&calibrated)
                .output()
                .unwrap();
            assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
            let text = std::fs::read_to_string(&calibrated).unwrap();
            let p = |id: &str| -> f64 {
                text.lines().find(|l| l.starts_with(id)).unwrap().split(',').nth(1).unwrap().parse().unwrap()
            };
            assert!(p("hot") > p("cold"), "{text}");
        }
    }
}

#[test]
fn too_little_history_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    history(&hist, 30);
    let run = leadsmith().args(["train", "--history"]).arg(&hist).args(["--label", "won"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success() && stderr.contains("too little history to train"), "{stderr}");
    let bad = leadsmith().args(["train", "--history"]).arg(&hist).args(["--label", "outcome"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no column \"outcome\""));
}

/// A dated history with about 15 % won: P(won) = sigmoid(0.3·demo_views − 0.05·days_to_reply − 4.1), one
/// lead closing per day. Rows whose index is in `no_wins` are lost whatever their features.
fn imbalanced_history(path: &Path, rows: usize, no_wins: std::ops::Range<usize>) {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let mut out = String::from("lead_id,demo_views,days_to_reply,close_date,won\n");
    for i in 0..rows {
        let views = (next() * 20.0).floor();
        let reply = (next() * 60.0).floor();
        let logit = 0.3 * views - 0.05 * reply - 4.1;
        let won = next() < 1.0 / (1.0 + (-logit).exp()) && !no_wins.contains(&i);
        let date = start + chrono::Days::new(i as u64);
        out.push_str(&format!("{i},{views},{reply},{date},{}\n", u8::from(won)));
    }
    std::fs::write(path, out).unwrap();
}

/// Runs `leadsmith train`; returns (stdout, stderr, report JSON), asserting success.
fn train(hist: &Path, out: &Path, extra: &[&str]) -> (String, String, serde_json::Value) {
    let run = leadsmith()
        .args(["train", "--history"])
        .arg(hist)
        .args(["--label", "won", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    let (stdout, stderr) =
        (String::from_utf8_lossy(&run.stdout).into_owned(), String::from_utf8_lossy(&run.stderr).into_owned());
    assert!(run.status.success(), "{extra:?}: {stdout}{stderr}");
    let report =
        serde_json::from_str(&std::fs::read_to_string(format!("{}.report.json", out.display())).unwrap()).unwrap();
    (stdout, stderr, report)
}

fn read_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// (id, score) per row of a `leadsmith score` CSV.
fn read_scores(path: &Path) -> Vec<(String, f64)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            (cells.next().unwrap().to_string(), cells.next().unwrap().parse().unwrap())
        })
        .collect()
}

/// `leadsmith score` of `input` with `model` and `manifest`: (id, score) per row.
fn scores(dir: &Path, model: &Path, manifest: &str, input: &Path) -> Vec<(String, f64)> {
    let out = dir.join("scored.csv");
    let mut cmd = leadsmith();
    cmd.args(["score", "--model"]).arg(model).args(["--manifest", manifest]).arg("--input").arg(input);
    let run = cmd.arg("--out").arg(&out).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    read_scores(&out)
}

/// `leadsmith score` of `input` with `model` alone: a copy of the model in a folder of its own, so that no
/// manifest beside it is picked up and the scores are the model's own.
fn scores_uncalibrated(dir: &Path, model: &Path, input: &Path) -> Vec<(String, f64)> {
    let alone = dir.join("alone");
    std::fs::create_dir_all(&alone).unwrap();
    let copy = alone.join("model.json");
    std::fs::copy(model, &copy).unwrap();
    let out = dir.join("scored-alone.csv");
    let run = leadsmith()
        .args(["score", "--model"])
        .arg(&copy)
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    read_scores(&out)
}

fn new_leads(dir: &Path) -> std::path::PathBuf {
    let input = dir.join("new.csv");
    let mut text = String::from("id,demo_views,days_to_reply\n");
    for (i, (views, reply)) in [(19, 1), (0, 59), (10, 30), (15, 5), (3, 20), (12, 45)].iter().enumerate() {
        text.push_str(&format!("lead{i},{views},{reply}\n"));
    }
    text.push_str("gap,,12\n");
    std::fs::write(&input, text).unwrap();
    input
}

#[test]
fn train_calibrates_by_default_and_score_applies_it() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    imbalanced_history(&hist, 3000, 0..0);
    let input = new_leads(dir.path());
    for model in ["gbdt", "logistic"] {
        let out = dir.path().join(format!("{model}-cal.json"));
        // Class weights make the model think half the leads are won: its raw probabilities run high.
        let (stdout, stderr, report) = train(&hist, &out, &["--model", model, "--balance-classes"]);
        let won_rate = report["holdout"]["won"].as_f64().unwrap() / report["holdout"]["rows"].as_f64().unwrap();
        assert!((0.08..0.25).contains(&won_rate), "{model}: holdout won rate {won_rate}");

        // The report: Platt by default, fitted on a slice carved from the training rows, and it pays off.
        assert_eq!(report["calibration_method"], "platt", "{model}: {report}");
        let slice = &report["calibration_rows"];
        let (train_rows, slice_rows) = (report["train"]["rows"].as_u64().unwrap(), slice["rows"].as_u64().unwrap());
        assert_eq!(train_rows + slice_rows + report["holdout"]["rows"].as_u64().unwrap(), 3000, "{report}");
        assert_eq!(slice_rows, 480, "20 % of the 2400 training rows");
        let (calibrated, uncalibrated) =
            (report["log_loss"].as_f64().unwrap(), report["uncalibrated_log_loss"].as_f64().unwrap());
        assert!(calibrated < uncalibrated - 0.05, "{model}: log-loss {calibrated} vs uncalibrated {uncalibrated}");
        assert!(calibrated < report["baseline_log_loss"].as_f64().unwrap(), "{model}: {report}");
        // The decile table is of calibrated probabilities: the mean prediction tracks the won rate.
        let table = report["calibration"].as_array().unwrap();
        let mean_predicted: f64 =
            table.iter().map(|b| b["mean_predicted"].as_f64().unwrap() * b["count"].as_f64().unwrap()).sum::<f64>()
                / 600.0;
        assert!((mean_predicted - won_rate).abs() < 0.05, "{model}: mean {mean_predicted} vs {won_rate}");
        assert!(report["auc"].as_f64().unwrap() > 0.75, "{model}: {report}");
        assert!(stdout.contains("calibration: platt, fitted on 480 rows ("), "{stdout}");
        assert!(stdout.contains(&format!("(uncalibrated {uncalibrated:.4};")), "{stdout}");
        assert!(stdout.contains("by decile of calibrated probability"), "{stdout}");

        // The manifest: every model feature a number, required (none was missing in the history), and the
        // calibration.
        let manifest_path = format!("{}.manifest.json", out.display());
        let manifest = read_json(&manifest_path);
        assert_eq!(manifest["name"], format!("{model}-cal"));
        assert_eq!(
            manifest["features"],
            serde_json::json!([
                {"name": "demo_views", "type": "number"},
                {"name": "days_to_reply", "type": "number"}
            ])
        );
        assert_eq!(manifest["output"]["kind"], "score100", "a trained model is tiered as the rules are");
        assert_eq!(manifest["calibration"]["method"], "platt");
        assert!(stderr.contains(&format!(
            "wrote {}, {}.report.json and {manifest_path}",
            out.display(),
            out.display()
        )));
        assert!(
            stderr
                .contains(&format!("score with: leadsmith score --model {} --manifest {manifest_path}", out.display())),
            "{stderr}"
        );

        // Scoring with the manifest maps each of the model's own scores through the calibration exactly.
        let raw = scores_uncalibrated(dir.path(), &out, &input);
        let with = scores(dir.path(), &out, &manifest_path, &input);
        let (a, b) = (manifest["calibration"]["a"].as_f64().unwrap(), manifest["calibration"]["b"].as_f64().unwrap());
        // With the manifest, the row without demo_views is refused by name, not scored as if the gap were a
        // value (the model alone, without a manifest, reads the empty cell as its missing value).
        assert_eq!((raw.len(), with.len()), (7, 6));
        let errors = std::fs::read_to_string(dir.path().join("scored.csv.errors.csv")).unwrap();
        assert!(errors.contains("8,demo_views: required and missing"), "{errors}");
        for ((id, p), (id2, q)) in raw.iter().zip(&with) {
            assert_eq!(id, id2);
            let margin = (p / (1.0 - p)).ln();
            let expected = 1.0 / (1.0 + (-(a * margin + b)).exp());
            assert!((q - expected).abs() < 1e-9, "{model} {id}: calibrated {q}, expected {expected} from {p}");
        }
        // Balanced, the model overstates its likely wins; calibrated, they come down.
        let mean = |set: &[(String, f64)]| set.iter().map(|(_, p)| p).sum::<f64>() / set.len() as f64;
        assert!(mean(&with) < mean(&raw) - 0.05, "{model}: {raw:?} → {with:?}");
        let p = |set: &[(String, f64)], id: &str| set.iter().find(|(i, _)| i == id).unwrap().1;
        assert!(p(&with, "lead0") > p(&with, "lead1"), "the ranking survives calibration");
    }
}

#[test]
fn calibration_none_and_isotonic() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    imbalanced_history(&hist, 2000, 0..0);
    let input = new_leads(dir.path());

    let out = dir.path().join("plain.json");
    let (stdout, stderr, report) = train(&hist, &out, &["--model", "logistic", "--calibration", "none"]);
    assert_eq!(report["calibration_method"], "none");
    assert!(report.get("calibration_rows").is_none(), "{report}");
    assert_eq!(report["log_loss"], report["uncalibrated_log_loss"]);
    assert_eq!(report["train"]["rows"], 1600, "without calibration every training row fits the model");
    assert!(stdout.contains("calibration: none\n") && !stdout.contains("uncalibrated"), "{stdout}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let manifest_path = format!("{}.manifest.json", out.display());
    let manifest = read_json(&manifest_path);
    assert!(manifest.get("calibration").is_none(), "{manifest}");
    assert_eq!(manifest["features"].as_array().unwrap().len(), 2);
    // A manifest without calibration scores exactly as the model does.
    let mut alone = scores_uncalibrated(dir.path(), &out, &input);
    assert_eq!(
        alone.pop().map(|(id, _)| id).as_deref(),
        Some("gap"),
        "the manifest refuses the row without demo_views"
    );
    assert_eq!(scores(dir.path(), &out, &manifest_path, &input), alone);

    let out = dir.path().join("iso.json");
    let (stdout, _, report) =
        train(&hist, &out, &["--model", "logistic", "--balance-classes", "--calibration", "isotonic"]);
    assert_eq!(report["calibration_method"], "isotonic");
    assert!(stdout.contains("calibration: isotonic, fitted on 320 rows"), "{stdout}");
    assert!(report["log_loss"].as_f64().unwrap() < report["uncalibrated_log_loss"].as_f64().unwrap() - 0.05);
    let manifest_path = format!("{}.manifest.json", out.display());
    let manifest = read_json(&manifest_path);
    assert_eq!(manifest["calibration"]["method"], "isotonic");
    let (x, y) = (manifest["calibration"]["x"].as_array().unwrap(), manifest["calibration"]["y"].as_array().unwrap());
    assert!(!x.is_empty() && x.len() == y.len());
    let raw = scores_uncalibrated(dir.path(), &out, &input);
    let with = scores(dir.path(), &out, &manifest_path, &input);
    // Isotonic steps: monotone in the model's score, and within the fitted range of outcomes.
    let (lo, hi) = (y[0].as_f64().unwrap(), y[y.len() - 1].as_f64().unwrap());
    let mut pairs: Vec<(f64, f64)> = raw.iter().zip(&with).map(|(r, w)| (r.1, w.1)).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(pairs.windows(2).all(|w| w[0].1 <= w[1].1), "{pairs:?}");
    assert!(pairs.iter().all(|&(_, q)| (lo..=hi).contains(&q)), "{pairs:?}");
    assert!(pairs.iter().any(|&(p, q)| p != q));
}

#[test]
fn a_calibration_slice_without_wins_falls_back_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    // 2000 dated rows: the holdout is rows 1600.., the calibration slice rows 1280..1600, which never win.
    imbalanced_history(&hist, 2000, 1280..1600);
    let out = dir.path().join("m.json");
    let (stdout, stderr, report) = train(&hist, &out, &["--model", "gbdt"]);
    let expected = "platt calibration not fitted: the calibration slice (20 % of the training rows) has 0 won and \
                    320 lost, and at least 5 of each are needed; the model is uncalibrated";
    assert!(stderr.contains(&format!("warning: {expected}")), "{stderr}");
    assert!(stdout.contains(&format!("calibration: none\nwarning: {expected}")), "{stdout}");
    assert_eq!(report["calibration_method"], "none");
    assert_eq!(report["calibration_warning"], expected);
    assert_eq!(report["train"]["rows"], 1600, "the model falls back to every training row");
    let manifest = read_json(&format!("{}.manifest.json", out.display()));
    assert!(manifest.get("calibration").is_none(), "{manifest}");
}

#[test]
fn naive_bayes_is_no_longer_offered() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    history(&hist, 600);
    let out = dir.path().join("nb.json");
    let run = leadsmith()
        .args(["train", "--history"])
        .arg(&hist)
        .args(["--label", "won", "--model", "naive-bayes", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(
        stderr.contains("--model naive-bayes is no longer offered: `leadsmith score` cannot read its model")
            && stderr.contains("use --model logistic"),
        "{stderr}"
    );
    assert!(!out.exists());
    let help = leadsmith().args(["train", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(!help.contains("naive-bayes") && help.contains("[default: platt]"), "{help}");
    assert!(help.contains("--exclude <COL>") && help.contains("--features <COL>"), "{help}");
}

const INDUSTRIES: [(&str, f64); 6] = [
    ("Software", 1.5),
    ("Dental", 0.5),
    ("Legal", 0.0),
    ("Retail", -0.5),
    ("Manufacturing", -1.0),
    ("Hospitality", -1.5),
];

/// A dated CRM export with planted signal in its text columns: a weak numeric one (`demo_views`), a strong
/// one in `industry` (6 levels) and in `Lead Source` (40 levels), with a row id, a Salesforce-style
/// record id and a `stage` that gives the outcome away.
fn crm_history(path: &Path, rows: usize) {
    let mut state: u64 = 0x0bad_5eed_1234_5678;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let effect: Vec<f64> = (0..40).map(|s| ((s * 7919) % 13) as f64 / 6.0 - 1.0).collect();
    let start = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let mut out = String::from("lead_id,Record ID,demo_views,industry,Lead Source,stage,close_date,won\n");
    for i in 0..rows {
        let views = (next() * 20.0).floor();
        let (industry, industry_effect) = INDUSTRIES[(next() * 6.0) as usize];
        let source = (next() * 40.0) as usize;
        let logit = 0.08 * (views - 10.0) + industry_effect + 1.2 * effect[source] - 0.3;
        let won = next() < 1.0 / (1.0 + (-logit).exp());
        let stage = if won { "Closed Won" } else { "Closed Lost" };
        let date = start + chrono::Days::new((i / 4) as u64);
        out.push_str(&format!(
            "L-{i},00Q5g0000{i:06}AbC,{views},{industry},Source {source:02},{stage},{date},{}\n",
            if won { "won" } else { "lost" }
        ));
    }
    std::fs::write(path, out).unwrap();
}

#[test]
fn ids_and_leakage_are_left_out_and_text_columns_count() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("crm.csv");
    crm_history(&hist, 3000);
    let out = dir.path().join("gbdt.json");
    let (stdout, stderr, report) = train(&hist, &out, &["--model", "gbdt"]);
    // Left out, with a note naming each and why, in the printed report and its JSON.
    let notes = report["columns"].as_array().unwrap();
    let action = |column: &str| notes.iter().find(|n| n["column"] == column).map(|n| n["action"].clone());
    assert_eq!(action("lead_id"), Some("identifier".into()), "{notes:?}");
    assert_eq!(action("Record ID"), Some("identifier".into()), "{notes:?}");
    assert_eq!(action("stage"), Some("leakage".into()), "{notes:?}");
    assert_eq!(action("industry"), Some("one_hot".into()), "{notes:?}");
    assert_eq!(action("Lead Source"), Some("target_encoded".into()), "{notes:?}");
    assert!(stderr.contains("left out: lead_id (identifier), Record ID (identifier), stage (leakage)"), "{stderr}");
    assert!(
        stdout.contains("  - stage: left out as leakage (on its own it tells won from lost 100 % of the time"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  - lead_id: left out as an identifier (an id-like name; 3000 distinct values"),
        "{stdout}"
    );
    // The report opens in plain words, then the numbers.
    assert!(stdout.starts_with("In plain words:\n  - Ranks a random won lead above a random lost one "), "{stdout}");
    assert!(stdout.contains("  - The top 10 % of leads by score win "), "{stdout}");
    assert!(
        stdout.contains(
            "Left out: lead_id (identifies a row), Record ID (identifies a row), stage (gives the outcome away)."
        ),
        "{stdout}"
    );
    let summary = report["summary"].as_array().unwrap();
    assert!(summary.iter().any(|l| l.as_str().unwrap().contains("→ more likely to win")), "{summary:?}");
    assert!(
        report["top_features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| ["+", "-", "±"].contains(&w["direction"].as_str().unwrap()))
    );
    let with = report["auc"].as_f64().unwrap();
    assert!(with < 0.95, "no leak got in: AUC {with}");

    // The manifest records the encodings; score applies them (an unseen level is (other) or the overall rate).
    let manifest_path = format!("{}.manifest.json", out.display());
    let manifest = read_json(&manifest_path);
    let encodings = manifest["encodings"].as_array().unwrap();
    assert_eq!(encodings.len(), 2, "{manifest}");
    assert_eq!((encodings[0]["column"].as_str(), encodings[0]["method"].as_str()), (Some("industry"), Some("one_hot")));
    assert_eq!(
        (encodings[1]["column"].as_str(), encodings[1]["method"].as_str()),
        (Some("Lead Source"), Some("target"))
    );
    assert!(encodings[1]["rates"]["source 06"].as_f64().is_some(), "{manifest}");
    let input = dir.path().join("new.csv");
    std::fs::write(
        &input,
        "id,demo_views,industry,Lead Source\n\
         good,15,Software,Source 06\n\
         poor,5,Hospitality,Source 00\n\
         new,10,Aerospace,Source 99\n\
         gap,10,,Source 01\n",
    )
    .unwrap();
    let scored = dir.path().join("scored.csv");
    let run = leadsmith()
        .args(["score", "--reasons", "3", "--model"])
        .arg(&out)
        .arg("--input")
        .arg(&input)
        .arg("--out")
        .arg(&scored)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(&scored).unwrap();
    let p = |id: &str| -> f64 {
        text.lines().find(|l| l.starts_with(id)).unwrap().split(',').nth(1).unwrap().parse().unwrap()
    };
    assert!(p("good") > p("poor") + 0.2, "{text}");
    assert!(p("new") > 0.0 && p("new") < 1.0, "{text}");
    assert!(text.lines().find(|l| l.starts_with("good")).unwrap().contains("industry=software yes (+"), "{text}");
    // industry was never empty in the history: an empty one is refused by name.
    let errors = std::fs::read_to_string(dir.path().join("scored.csv.errors.csv")).unwrap();
    assert!(errors.contains("5,industry: required and missing"), "{errors}");

    // The same model without its text columns ranks far worse.
    let plain = dir.path().join("plain.json");
    let (_, stderr, report) = train(&hist, &plain, &["--model", "gbdt", "--exclude", "industry,Lead Source"]);
    let without = report["auc"].as_f64().unwrap();
    eprintln!("holdout AUC with categoricals {with:.3}, without {without:.3}");
    assert!(with >= without + 0.05, "with categoricals {with:.3}, without {without:.3}");
    assert!(stderr.contains("industry (excluded), Lead Source (excluded)"), "{stderr}");
    assert!(read_json(&format!("{}.manifest.json", plain.display())).get("encodings").is_none());

    // --features picks columns; names that are not columns, or are the label, are refused.
    let picked = dir.path().join("picked.json");
    let (_, _, report) = train(&hist, &picked, &["--model", "logistic", "--features", "demo_views,industry"]);
    assert_eq!(report["features"], 7, "demo_views and six industries: {report}");
    for (flag, value, expected) in [
        ("--exclude", "nope", "--exclude names no column \"nope\" (columns: lead_id, Record ID, demo_views"),
        ("--features", "demo_views,won", "--features names \"won\", the label column"),
        ("--features", "close_date", "--features names \"close_date\", the time column"),
    ] {
        let run = leadsmith()
            .args(["train", "--history"])
            .arg(&hist)
            .args(["--label", "won", "--out"])
            .arg(dir.path().join("x.json"))
            .args([flag, value])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success() && stderr.contains(expected), "{flag} {value}: {stderr}");
    }
}

#[test]
fn a_calibration_that_hurts_the_holdout_is_not_applied() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("history.csv");
    // The calibration slice (rows 1280..1600 of 2000 dated rows) wins far less often than the holdout
    // after it: a calibration fitted there drags every probability down and hurts the holdout.
    imbalanced_history(&hist, 2000, 1280..1600);
    let text = std::fs::read_to_string(&hist).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for i in (1280..1600).step_by(40) {
        let line = &mut lines[i + 1];
        line.replace_range(line.len() - 1.., "1");
    }
    std::fs::write(&hist, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("m.json");
    let (stdout, stderr, report) = train(&hist, &out, &["--model", "gbdt"]);
    let rejected = &report["calibration_rejected"];
    assert_eq!(rejected["method"], "platt", "{report}");
    let (calibrated, uncalibrated) =
        (rejected["calibrated_log_loss"].as_f64().unwrap(), rejected["uncalibrated_log_loss"].as_f64().unwrap());
    assert!(calibrated > uncalibrated, "{report}");
    assert_eq!(report["calibration_method"], "none");
    assert_eq!(report["log_loss"], report["uncalibrated_log_loss"]);
    let warning = format!(
        "platt calibration not applied: it raised the holdout log-loss from {uncalibrated:.4} to {calibrated:.4}; \
         the model is uncalibrated"
    );
    assert!(stderr.contains(&format!("warning: {warning}")), "{stderr}");
    assert!(stdout.contains(&format!("calibration: none\nwarning: {warning}")), "{stdout}");
    assert!(stdout.contains("The platt calibration was not applied: it made the holdout's probabilities worse."));
    let manifest = read_json(&format!("{}.manifest.json", out.display()));
    assert!(manifest.get("calibration").is_none(), "{manifest}");
}
