//! `leadsmith serve`'s API on port 0 with a fresh store per test: health and readiness, scoring compatible
//! with the lead-scoring service's clients, model information, API keys, and the errors (401, 404, 413, 422,
//! 503) as problem details with a request id.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadsmith::serve::{AppState, router, serve_on};
use leadsmith_model::ScoringModel;
use leadsmith_store::{NewApiKey, Scope, generate_key};
use leadsmith_store::{SqliteStore, Store};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/fixtures").join(p)
}

struct App {
    addr: std::net::SocketAddr,
    state: Arc<AppState>,
    key: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A server on an ephemeral port over a fresh SQLite store, with one `read` key; the model is not set.
async fn spawn_app(batch_limit: usize, max_body: usize) -> App {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("api.db")).unwrap());
    let key = generate_key();
    store.create_api_key(NewApiKey::for_key("client", Scope::Read, &key, None)).await.unwrap();
    let state = AppState::new(store, batch_limit);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone(), max_body);
    tokio::spawn(serve_on(listener, app, async move {
        let _ = stopped.await;
    }));
    App { addr, state, key, _dir: dir, _stop: stop }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over a fresh connection.
async fn call(app: &App, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body_text = if chunked { dechunk(rest) } else { rest.to_string() };
    let body = if body_text.is_empty() { Value::Null } else { serde_json::from_str(&body_text).unwrap() };
    Reply { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// The XGBoost fixture's first input row as request features, and the library's prediction for it.
fn first_row() -> (serde_json::Map<String, Value>, f64) {
    let inputs = std::fs::read_to_string(fixture("xgboost/binary_small.inputs.csv")).unwrap();
    let mut lines = inputs.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let values: Vec<&str> = lines.next().unwrap().split(',').collect();
    let features = names
        .iter()
        .zip(values)
        .map(|(n, v)| (n.to_string(), if v.is_empty() { Value::Null } else { json!(v.parse::<f64>().unwrap()) }))
        .collect();
    let predictions = std::fs::read_to_string(fixture("xgboost/binary_small.predictions.csv")).unwrap();
    let p = predictions.lines().nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    (features, p)
}

fn with_model(app: &App) {
    app.state.set_model(Some(ScoringModel::open(&fixture("xgboost/binary_small.json"), None).unwrap()));
}

#[tokio::test]
async fn health_needs_no_key_and_readiness_waits_for_the_model() {
    let app = spawn_app(100, 1 << 20).await;
    for path in ["/health", "/health/live"] {
        let r = call(&app, "GET", path, &[], None).await;
        assert_eq!((r.status, r.body["status"].as_str()), (200, Some("ok")), "{path}");
        assert!(r.header("x-request-id").is_some_and(|id| !id.is_empty()));
    }
    let r = call(&app, "GET", "/health/ready", &[], None).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.body["checks"]["model"]["error"], "the model is still loading");
    assert_eq!(r.body["checks"]["store"]["ok"], true);
    with_model(&app);
    let r = call(&app, "GET", "/health/ready", &[], None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "ready");
    assert!(r.body["checks"]["model"]["model"].as_str().unwrap().contains("xgboost-json"));
}

#[tokio::test]
async fn scoring_answers_as_the_lead_scoring_service_did() {
    let app = spawn_app(100, 1 << 20).await;
    let (features, p) = first_row();
    let body = json!({"lead_id": "L-1", "features": features}).to_string();
    // Before the model has loaded: 503, not a wrong answer.
    let r = call(&app, "POST", "/api/v1/score", &[("x-api-key", &app.key)], Some(&body)).await;
    assert_eq!(r.status, 503);
    with_model(&app);
    let r =
        call(&app, "POST", "/api/v1/score", &[("x-api-key", &app.key), ("x-request-id", "abc-123")], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-request-id"), Some("abc-123"));
    assert_eq!(r.body["request_id"], "abc-123");
    assert_eq!(r.body["lead_id"], "L-1");
    assert_eq!(r.body["model"]["name"], "binary_small");
    let raw = r.body["score"]["raw_score"].as_f64().unwrap();
    assert!((raw - p).abs() < 1e-6, "{raw} vs XGBoost's {p}");
    let bucket = (p * 4.0 + 1.0).round().clamp(1.0, 5.0) as u64;
    assert_eq!(r.body["score"]["bucket"].as_u64(), Some(bucket));
    assert_eq!(r.body["score"]["tier"], ["E", "D", "C", "B", "A"][bucket as usize - 1]);
    assert!(r.body.get("details").is_none());

    // Details: timing and the features that moved the score most, in words.
    let bearer = format!("Bearer {}", app.key);
    let r = call(&app, "POST", "/api/v1/score?include_details=true", &[("authorization", &bearer)], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let top = r.body["details"]["top_features"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 5);
    assert!(top[0]["text"].as_str().unwrap().contains('('));
    assert!(r.body["details"]["timing_ms"].as_f64().unwrap() >= 0.0);

    // Batch: every lead answered, a bad one with its errors.
    let mut bad = features.clone();
    bad.remove(bad.keys().next().unwrap().clone().as_str());
    let batch = json!({"leads": [
        {"lead_id": 1, "features": features}, {"lead_id": 2, "features": bad}, {"lead_id": 3, "features": features}
    ]})
    .to_string();
    let r = call(&app, "POST", "/api/v1/score/batch", &[("x-api-key", &app.key)], Some(&batch)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!((r.body["scored"].as_u64(), r.body["failed"].as_u64()), (Some(2), Some(1)));
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results[0]["score"]["raw_score"], results[2]["score"]["raw_score"]);
    assert!(results[1]["errors"][0]["problem"].as_str().unwrap().contains("required and missing"));
}

#[tokio::test]
async fn bad_requests_get_problem_details_naming_what_is_wrong() {
    let app = spawn_app(2, 4096).await;
    with_model(&app);
    let (features, _) = first_row();
    let body = json!({"features": features}).to_string();
    // No key, a wrong key: 401 with a problem body, never echoing the key.
    let r = call(&app, "POST", "/api/v1/score", &[], Some(&body)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (401, Some("missing_api_key")));
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert!(r.body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    let r = call(&app, "POST", "/api/v1/score", &[("x-api-key", "lsk_not-a-real-key")], Some(&body)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (401, Some("invalid_api_key")));
    assert!(!r.body.to_string().contains("lsk_not-a-real-key"));
    // A revoked key stops working at once.
    app.state.store.revoke_api_key("client").await.unwrap();
    let r = call(&app, "POST", "/api/v1/score", &[("x-api-key", &app.key)], Some(&body)).await;
    assert_eq!((r.status, r.body["code"].as_str()), (401, Some("revoked_api_key")));
    let key = generate_key();
    app.state.store.create_api_key(NewApiKey::for_key("client-2", Scope::Admin, &key, None)).await.unwrap();
    let auth = [("x-api-key", key.as_str())];

    // Missing, mistyped and unknown features: 422 naming each.
    let mut f = features.clone();
    let first = f.keys().next().unwrap().clone();
    f.remove(&first);
    let second = f.keys().next().unwrap().clone();
    f.insert(second.clone(), json!("twelve"));
    f.insert("colour".into(), json!(1));
    let r = call(&app, "POST", "/api/v1/score", &auth, Some(&json!({"features": f}).to_string())).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<&str> = r.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, [format!("features.{first}"), format!("features.{second}"), "features.colour".to_string()]);
    // Not JSON: 400; JSON of the wrong shape: 422.
    let r = call(&app, "POST", "/api/v1/score", &auth, Some("{not json")).await;
    assert_eq!(r.status, 400);
    let r = call(&app, "POST", "/api/v1/score", &auth, Some(r#"{"lead": 1}"#)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    // Too many leads, too large a body: 413.
    let lead = json!({"features": {}});
    let batch = json!({"leads": [lead, lead, lead]}).to_string();
    let r = call(&app, "POST", "/api/v1/score/batch", &auth, Some(&batch)).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body["detail"].as_str().unwrap().contains("limit is 2"));
    let huge = format!(r#"{{"features": {{"x": "{}"}}}}"#, "a".repeat(5000));
    let r = call(&app, "POST", "/api/v1/score", &auth, Some(&huge)).await;
    assert_eq!(r.status, 413, "{}", r.body);
    // Unknown routes: 404 as a problem.
    let r = call(&app, "GET", "/api/v1/nothing", &auth, None).await;
    assert_eq!((r.status, r.header("content-type")), (404, Some("application/problem+json")));
}

#[tokio::test]
async fn model_info_features_importance_and_status() {
    let app = spawn_app(100, 1 << 20).await;
    with_model(&app);
    let auth = [("x-api-key", app.key.as_str())];
    let r = call(&app, "GET", "/api/v1/model/info", &auth, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["format"], "xgboost-json");
    assert_eq!(r.body["objective"], "probability");
    let n = r.body["features"].as_u64().unwrap();
    let r = call(&app, "GET", "/api/v1/model/features", &auth, None).await;
    assert_eq!(r.body["features"].as_array().unwrap().len() as u64, n);
    let r = call(&app, "GET", "/status", &auth, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["store"]["backend"], "sqlite");
    assert_eq!(r.body["model"]["format"], "xgboost-json");
    assert_eq!(r.body["workers"]["in_process"], false);
    assert!(r.body["queue"].is_array() && r.body["uptime_secs"].as_f64().unwrap() >= 0.0);
    assert_eq!(call(&app, "GET", "/status", &[], None).await.status, 401);
    let r = call(&app, "GET", "/api/v1/model/importance", &auth, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let gains: Vec<f64> = r.body["features"].as_array().unwrap().iter().map(|f| f["gain"].as_f64().unwrap()).collect();
    assert_eq!(gains.len() as u64, n);
    assert!(gains.windows(2).all(|w| w[0] >= w[1]) && gains[0] > 0.0);
}

/// The binary: keys from `leadsmith keys create`, `serve --bind 127.0.0.1:0 --model …` with workers, ready
/// once the model has loaded, scoring, then SIGTERM: a clean exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serve_command_answers_and_stops_cleanly() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let bin = env!("CARGO_BIN_EXE_leadsmith");
    let base = || {
        let mut c = std::process::Command::new(bin);
        c.env_remove("LEADSMITH_DB").env_remove("LEADSMITH_CONFIG").current_dir(dir.path()).arg("--db").arg(&db);
        c
    };
    let out = base().args(["keys", "create", "--name", "ci", "--scope", "read"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut child = base()
        .args(["serve", "--bind", "127.0.0.1:0", "--model"])
        .arg(fixture("xgboost/binary_small.json"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.by_ref().map(Result::unwrap).find(|l| l.contains("serving on http://")).unwrap();
    assert!(line.contains("with workers and scheduler"), "{line}");
    let addr: std::net::SocketAddr =
        line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let app = App {
        addr,
        state: AppState::new(Arc::new(SqliteStore::open(&dir.path().join("unused.db")).unwrap()), 1),
        key,
        _dir: tempfile::tempdir().unwrap(),
        _stop: tokio::sync::oneshot::channel().0,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while call(&app, "GET", "/health/ready", &[], None).await.status != 200 {
        assert!(std::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (features, p) = first_row();
    let body = json!({"lead_id": 7, "features": features}).to_string();
    let r = call(&app, "POST", "/api/v1/score", &[("x-api-key", &app.key)], Some(&body)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!((r.body["score"]["raw_score"].as_f64().unwrap() - p).abs() < 1e-6);
    let status = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let code = child.wait().unwrap();
    let rest = drain.join().unwrap().join("\n");
    assert!(code.success(), "exit {code:?}: {rest}");
    assert!(rest.contains("stopping: finishing requests in flight"), "{rest}");
}
