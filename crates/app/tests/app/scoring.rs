//! Named and blended scores through the pipeline: a model score (features from the lead and from an
//! imported column) and a second rule set beside the rules score, the final score their weighted mean,
//! every part with its reasons in `leads show`.

use std::sync::Arc;
use std::time::Duration;

use leadsmith::config::NamedScoreSettings;
use leadsmith::config::Settings;
use leadsmith::pipeline::{Engine, run_file};
use leadsmith::view::LeadView;
use leadsmith_core::Tier;
use leadsmith_store::{SqliteStore, Store};
use leadsmith_testkit::{SampleWeb, ServeOptions};

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A logistic model over an imported column and a lead feature, with a manifest beside it: p = σ(−2 + 0.05·employees + 1·has_website).
const MODEL: &str = r#"{"format": "leadsmith-logistic", "version": 1,
  "features": ["employees", "has_website"], "coefficients": [0.05, 1.0], "intercept": -2.0}"#;

fn settings(dir: &std::path::Path) -> Settings {
    let model = dir.join("fit.json");
    std::fs::write(&model, MODEL).unwrap();
    // Found beside the model: `employees` is required, `has_website` a yes/no.
    std::fs::write(
        dir.join("fit.json.manifest.json"),
        r#"{"name": "fit", "version": "2", "features": [
            {"name": "employees", "type": "integer", "min": 0}, {"name": "has_website", "type": "bool"}]}"#,
    )
    .unwrap();
    let strict = dir.join("strict.yaml");
    std::fs::write(&strict, leadsmith_score::Rules::default_source()).unwrap();
    let mut s = Settings::default();
    s.crawl.allow_addresses = vec!["127.0.0.1/32".into()];
    s.crawl.timeouts_secs = vec![0.5, 0.5, 0.5];
    s.crawl.backoff_secs = vec![0.02, 0.02, 0.02];
    s.crawl.per_host_interval_ms = 1;
    s.pipeline.workers = 8;
    s.scoring.rules_weight = 0.25;
    s.scoring.scores = vec![
        NamedScoreSettings { name: "fit".into(), model: Some(model), weight: 0.75, ..Default::default() },
        NamedScoreSettings { name: "strict".into(), rules: Some(strict), ..Default::default() },
    ];
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_carries_named_scores_and_a_blended_final_score() {
    let dir = tempfile::tempdir().unwrap();
    let web = Arc::new(SampleWeb::generate(5, 12));
    let opts = ServeOptions {
        latency: (Duration::ZERO, Duration::from_millis(2)),
        slow_delay: Duration::from_secs(2),
        port: 0,
    };
    let server = web.clone().serve(opts).await.unwrap();
    // Every lead but the last gets an `employees` column: 0, 7, 14, …
    let mut lines = Vec::new();
    let n = web.sites().len();
    for (i, line) in web.leads_jsonl().lines().enumerate() {
        let mut obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        if i + 1 < n {
            obj.insert("employees".into(), serde_json::json!((i * 7).to_string()));
        }
        lines.push(serde_json::Value::Object(obj).to_string());
    }
    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, lines.join("\n")).unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("s.db")).unwrap());
    let engine = Engine::new(store.clone(), settings(dir.path()), server.resolve_overrides()).unwrap();
    let run = run_file(&engine, &leads, false).await.unwrap();
    assert_eq!(run.status, "completed");

    let mut blended = 0;
    for id in run.lead_ids {
        let view = LeadView::load(store.as_ref(), store.lead(id).await.unwrap().unwrap()).await.unwrap();
        let s = view.score.as_ref().expect("scored");
        let names: Vec<&str> = s.scores.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["rules", "fit", "strict"]);
        let (rules, fit, strict) = (&s.scores[0], &s.scores[1], &s.scores[2]);
        assert_eq!((rules.weight, fit.weight, strict.weight), (0.25, 0.75, 0.0));
        // The same rules under another name give the same score; a weight of 0 carries it unblended.
        assert_eq!(strict.score, rules.score);
        assert_eq!(fit.by, "model fit 2 (logistic-json)");
        assert_eq!(strict.by, format!("rules {}", dir.path().join("strict.yaml").display()));
        let employees = view.record.input.extra.get("employees").map(|e| e.parse::<f64>().unwrap());
        let text = leadsmith::cli::leads::render(&view);
        assert!(text.contains("scores (the final score is the weighted mean"), "{text}");
        match employees {
            Some(e) => {
                let p = sigmoid(-2.0 + 0.05 * e + 1.0);
                let got = fit.probability.unwrap();
                assert!((got - p).abs() < 1e-12, "lead {id}: {got} vs {p}");
                assert_eq!(fit.score, Some((p * 1000.0).round() / 10.0));
                assert_eq!(fit.bucket, Some(leadsmith_model::manifest::bucket(p)));
                let expected = ((0.25 * rules.score.unwrap() + 0.75 * fit.score.unwrap()) * 10.0).round() / 10.0;
                assert_eq!(s.score, expected, "lead {id}");
                if s.tier != Tier::Failed {
                    let by_thresholds = match s.score {
                        x if x >= 80.0 => Tier::A,
                        x if x >= 60.0 => Tier::B,
                        x if x >= 40.0 => Tier::C,
                        _ => Tier::D,
                    };
                    assert_eq!(s.tier, by_thresholds, "lead {id}: the final score's tier");
                }
                // Reasons in words, largest first: the column and the lead feature, each with its share.
                assert!(fit.reasons.iter().any(|r| r == "has website yes (+1.00)"), "{:?}", fit.reasons);
                if e > 0.0 {
                    let words = format!("employees {e} ({:+.2})", 0.05 * e);
                    assert!(fit.reasons.contains(&words), "{:?} lacks {words}", fit.reasons);
                    assert!(text.contains(&words), "{text}");
                }
                blended += 1;
            }
            None => {
                // A model that cannot score the lead says why, and the final score is the rules'.
                assert_eq!(fit.score, None);
                assert_eq!(fit.error.as_deref(), Some("employees: required and missing"));
                assert_eq!(s.score, rules.score.unwrap());
                assert!(text.contains("cannot score: employees: required and missing"), "{text}");
            }
        }
    }
    assert_eq!(blended, n - 1);
    // The final score orders the list.
    let listed = store.list_leads(&Default::default()).await.unwrap();
    let mut finals = Vec::new();
    for l in &listed {
        let v = LeadView::load(store.as_ref(), l.lead.clone()).await.unwrap();
        let s = v.score.unwrap();
        if s.tier != Tier::Failed {
            finals.push(s.score);
        }
    }
    assert!(finals.windows(2).all(|w| w[0] >= w[1]), "{finals:?}");
    drop(server);
}

#[test]
fn scoring_settings_are_checked() {
    let parse = |toml: &str| -> String {
        let s: Settings = toml::from_str(toml).unwrap();
        format!("{:#}", s.validate().unwrap_err())
    };
    assert!(parse("[scoring]\nrules_weight = -1").contains("rules_weight"));
    assert!(parse("[[scoring.score]]\nname = 'fit'\n").contains("needs `model"));
    assert!(parse("[[scoring.score]]\nname = 'fit'\nmodel = 'a'\nrules = 'b'\n").contains("not both"));
    assert!(parse("[[scoring.score]]\nname = 'rules'\nmodel = 'a'\n").contains("own name"));
    assert!(
        parse("[[scoring.score]]\nname = 'a'\nmodel = 'a'\n[[scoring.score]]\nname = 'a'\nmodel = 'b'\n")
            .contains("twice")
    );
    assert!(parse("[scoring]\nrules_weight = 0\n").contains("every weight is 0"));
    let unknown = toml::from_str::<Settings>("[[scoring.score]]\nname = 'a'\nmodle = 'x'\n").unwrap_err().to_string();
    assert!(unknown.contains("modle"), "{unknown}");
    // A model file that does not load names the score and the file.
    let mut s = Settings::default();
    s.scoring.scores = vec![NamedScoreSettings {
        name: "fit".into(),
        model: Some("/nonexistent/m.json".into()),
        ..Default::default()
    }];
    let err = format!("{:#}", leadsmith::scoring::from_settings(&s).err().unwrap());
    assert!(err.contains("scoring.score \"fit\"") && err.contains("/nonexistent/m.json"), "{err}");
}

#[test]
fn config_check_loads_every_score_and_names_features_from_columns() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(dir.path());
    let config = dir.path().join("leadsmith.toml");
    std::fs::write(&config, toml::to_string(&s).unwrap()).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_leadsmith"))
            .env_remove("LEADSMITH_CONFIG")
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&["config", "check"]);
    assert!(text.contains("#   rules  weight 0.25  rules default"), "{text}");
    assert!(text.contains("#   fit  weight 0.75  model fit 2 (logistic-json) from "), "{text}");
    assert!(text.contains("#   strict  weight 0  rules "), "{text}");
    assert!(text.contains("read from imported columns of the same name: employees"), "{text}");
    assert!(!text.contains("has_website,") && !text.contains(": has_website"), "{text}");
    let features = run(&["rules", "features"]);
    assert!(features.lines().any(|l| l.starts_with("has_website") && l.contains("bool")), "{features}");
}
