//! What requests are refused, and how: JSON endpoints take only JSON (415), numbers must be finite, a
//! `null` feature is a feature left out, a malformed lead of a scoring batch fails alone, and an
//! idempotency key comes with one body only.

use leadsmith_model::ScoringModel;
use serde_json::{Value, json};

use super::{App, auth, call, first_row, fixture, spawn_app, spawn_with, with_model};

#[tokio::test]
async fn json_endpoints_take_only_json() {
    let app = spawn_app(100, 1 << 20).await;
    with_model(&app);
    let (features, _) = first_row();
    let body = json!({"features": features}).to_string();
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "text/csv"] {
        let headers = [("x-api-key", app.key.as_str()), ("content-type", content_type)];
        let r = call(&app, "POST", "/api/v1/score", &headers, Some(&body)).await;
        assert_eq!((r.status, r.header("content-type")), (415, Some("application/problem+json")), "{content_type}");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.contains(content_type) && detail.contains("application/json"), "{detail}");
    }
    let charset = [("x-api-key", app.key.as_str()), ("content-type", "application/json; charset=utf-8")];
    assert_eq!(call(&app, "POST", "/api/v1/score", &charset, Some(&body)).await.status, 200);
    let w = [("x-api-key", app.writer.as_str()), ("content-type", "text/plain")];
    let lead = json!({"company": "Acme Plumbing", "website": "https://acme-plumbing.example"}).to_string();
    for path in ["/api/v1/leads", "/api/v1/leads/batch", "/api/v1/runs", "/api/v1/queue/dead/redrive"] {
        let r = call(&app, "POST", path, &w, Some(&lead)).await;
        assert_eq!(r.status, 415, "{path}: {}", r.body);
    }
    // Not JSON at all: 400; an optional body left out needs no type.
    let r = call(&app, "POST", "/api/v1/leads", &auth(&app.writer), Some("{\"company\": ")).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let created = call(&app, "POST", "/api/v1/leads", &auth(&app.writer), Some(&lead)).await;
    let id = created.body["lead_id"].as_i64().unwrap();
    let r = call(&app, "POST", &format!("/api/v1/leads/{id}/enrich"), &w, None).await;
    assert_eq!(r.status, 202, "{}", r.body);
}

#[tokio::test]
async fn score_bounds_must_be_finite_numbers() {
    let app = spawn_app(100, 1 << 20).await;
    let r = auth(&app.key);
    for (query, name) in
        [("min_score=NaN", "min_score"), ("max_score=inf", "max_score"), ("min_score=-infinity", "min_score")]
    {
        let reply = call(&app, "GET", &format!("/api/v1/leads?{query}"), &r, None).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert!(reply.body["detail"].as_str().unwrap().starts_with(&format!("{name} must be a finite number")));
        assert_eq!(reply.body["errors"][0]["field"], name);
    }
    assert_eq!(call(&app, "GET", "/api/v1/leads?min_score=0.5&max_score=1", &r, None).await.status, 200);
}

/// The fixture model with a manifest in which `x5` has a default.
fn with_manifest_default(app: &App, dir: &std::path::Path) {
    let features: Vec<Value> = (0..8)
        .map(|i| if i == 5 { json!({"name": "x5", "default": 0.25}) } else { json!({"name": format!("x{i}")}) })
        .collect();
    let manifest = dir.join("binary_small.manifest.json");
    std::fs::write(&manifest, json!({"name": "binary_small", "version": "1", "features": features}).to_string())
        .unwrap();
    let model = ScoringModel::open(&fixture("xgboost/binary_small.json"), Some(&manifest)).unwrap();
    app.state.set_model(Some(model));
}

#[tokio::test]
async fn a_null_feature_is_a_feature_left_out() {
    let app = spawn_app(100, 1 << 20).await;
    with_model(&app);
    let r = auth(&app.key);
    let (features, _) = first_row();
    // A required feature sent as null: the same 422 as leaving it out.
    for given in [Some(Value::Null), None] {
        let mut f = features.clone();
        match &given {
            Some(v) => f.insert("x3".into(), v.clone()),
            None => f.remove("x3"),
        };
        let reply = call(&app, "POST", "/api/v1/score", &r, Some(&json!({"features": f}).to_string())).await;
        assert_eq!(reply.status, 422, "{given:?}: {}", reply.body);
        assert_eq!(reply.body["errors"], json!([{"field": "features.x3", "problem": "required and missing"}]));
    }
    // A feature with a default: null, left out and the default itself score the same.
    let app = spawn_app(100, 1 << 20).await;
    let r = auth(&app.key);
    let dir = tempfile::tempdir().unwrap();
    with_manifest_default(&app, dir.path());
    let mut scores = Vec::new();
    for given in [Some(Value::Null), None, Some(json!(0.25))] {
        let mut f = features.clone();
        match given {
            Some(v) => f.insert("x5".into(), v),
            None => f.remove("x5"),
        };
        let reply = call(&app, "POST", "/api/v1/score", &r, Some(&json!({"features": f}).to_string())).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        scores.push(reply.body["score"]["raw_score"].as_f64().unwrap());
    }
    assert!(scores.windows(2).all(|w| w[0] == w[1]), "{scores:?}");
}

#[tokio::test]
async fn a_malformed_lead_of_a_batch_fails_alone_by_index() {
    let app = spawn_app(100, 1 << 20).await;
    with_model(&app);
    let (features, _) = first_row();
    let batch = json!({"leads": [
        {"lead_id": "a", "features": features},
        {"lead_id": "b"},
        {"lead_id": "c", "features": features, "colour": "red"},
        {"lead_id": "d", "features": features},
    ]});
    let reply = call(&app, "POST", "/api/v1/score/batch", &auth(&app.key), Some(&batch.to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!((reply.body["scored"].as_u64(), reply.body["failed"].as_u64()), (Some(2), Some(2)));
    let results = reply.body["results"].as_array().unwrap();
    let indexes: Vec<u64> = results.iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(indexes, [0, 1, 2, 3]);
    assert_eq!(results[1]["lead_id"], "b");
    assert_eq!(results[1]["errors"], json!([{"field": "features", "problem": "required and missing"}]));
    assert!(results[2]["errors"][0]["problem"].as_str().unwrap().contains("colour"), "{}", results[2]);
    assert!(results[0]["score"]["raw_score"].is_number() && results[3]["score"]["raw_score"].is_number());
    // Not a batch at all is still a 422 for the whole request.
    let reply = call(&app, "POST", "/api/v1/score/batch", &auth(&app.key), Some(r#"{"leads": 3}"#)).await;
    assert_eq!(reply.status, 422, "{}", reply.body);
}

#[tokio::test]
async fn an_idempotency_key_goes_with_one_body() {
    let app = spawn_with(|_| {}).await;
    let once = [("x-api-key", app.writer.as_str()), ("idempotency-key", "nightly-7")];
    let first = json!({"source": "all", "stages": ["score"]}).to_string();
    let s = call(&app, "POST", "/api/v1/runs", &once, Some(&first)).await;
    assert_eq!(s.status, 202, "{}", s.body);
    let run_id = s.body["run_id"].as_i64().unwrap();
    // The same body again (written differently): the first run.
    let same = r#"{ "stages": ["score"], "source": "all" }"#;
    let s = call(&app, "POST", "/api/v1/runs", &once, Some(same)).await;
    assert_eq!((s.status, s.body["run_id"].as_i64(), s.body["existing"].as_bool()), (200, Some(run_id), Some(true)));
    // Another body with the key: 422, and no run started.
    let other = json!({"source": "unenriched"}).to_string();
    let s = call(&app, "POST", "/api/v1/runs", &once, Some(&other)).await;
    assert_eq!((s.status, s.header("content-type")), (422, Some("application/problem+json")), "{}", s.body);
    assert_eq!(s.body["code"], "idempotency_key_reused");
    assert!(s.body["detail"].as_str().unwrap().contains("nightly-7"), "{}", s.body);
    let runs = call(&app, "GET", "/api/v1/runs", &auth(&app.key), None).await;
    assert_eq!(runs.body["runs"].as_array().unwrap().len(), 1, "{}", runs.body);
    // The key in the body is the same key.
    let keyed = json!({"source": "unenriched", "key": "nightly-7"}).to_string();
    assert_eq!(call(&app, "POST", "/api/v1/runs", &auth(&app.writer), Some(&keyed)).await.status, 422);
}
