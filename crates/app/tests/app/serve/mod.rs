//! `leadsmith serve`'s API on port 0 with a fresh store per test: health and readiness, scoring compatible
//! with the lead-scoring service's clients, model information, API keys, and the errors (401, 404, 413, 422,
//! 503) as problem details with a request id. `connections`: timeouts, the connection cap and stopping;
//! `requests`: what bodies and parameters are refused.

mod connections;
mod requests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use leadsmith::api::{AppState, ConnectionLimits, router, serve_on};
use leadsmith::config::Settings;
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
    /// Keys with scope read, write and admin.
    key: String,
    writer: String,
    admin: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A server on an ephemeral port over a fresh SQLite store, with a `read`, a `write` and an `admin` key and
/// `configure`'s settings; keys are checked against the store on every request (no cache); no model is set.
async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> App {
    start_with(configure).await.0
}

/// [`spawn_with`], and the server's task: it ends once the app's `_stop` is dropped and the server stops.
async fn start_with(configure: impl FnOnce(&mut Settings)) -> (App, tokio::task::JoinHandle<()>) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("api.db")).unwrap());
    let mut keys = Vec::new();
    for (name, scope) in [("client", Scope::Read), ("writer", Scope::Write), ("admin", Scope::Admin)] {
        let key = generate_key();
        store.create_api_key(NewApiKey::for_key(name, scope, &key, None)).await.unwrap();
        keys.push(key);
    }
    let mut settings = Settings::default();
    settings.serve.key_cache_secs = 0.0;
    configure(&mut settings);
    let state = AppState::new(store, settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router(state.clone());
    let served = tokio::spawn(serve_on(listener, app, ConnectionLimits::of(&state.config), async move {
        let _ = stopped.await;
    }));
    let [key, writer, admin] = keys.try_into().unwrap();
    (App { addr, state, key, writer, admin, _dir: dir, _stop: stop }, served)
}

async fn spawn_app(batch_limit: usize, max_body: usize) -> App {
    spawn_with(|s| {
        s.serve.batch_limit = batch_limit;
        s.serve.max_body_bytes = max_body;
    })
    .await
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
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        req.push_str("content-type: application/json\r\n");
    }
    req.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
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
    let body = if body_text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&body_text).unwrap_or(Value::String(body_text))
    };
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

/// The XGBoost fixture's first input row with every feature given, as request features, and the library's
/// prediction for it (the model has no manifest, so every feature is required).
fn first_row() -> (serde_json::Map<String, Value>, f64) {
    let inputs = std::fs::read_to_string(fixture("xgboost/binary_small.inputs.csv")).unwrap();
    let mut lines = inputs.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (row, values) = lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .enumerate()
        .find(|(_, values)| values.iter().all(|v| !v.is_empty()))
        .unwrap();
    let features = names.iter().zip(values).map(|(n, v)| (n.to_string(), json!(v.parse::<f64>().unwrap()))).collect();
    let predictions = std::fs::read_to_string(fixture("xgboost/binary_small.predictions.csv")).unwrap();
    let p = predictions.lines().nth(row + 1).unwrap().split(',').next().unwrap().parse().unwrap();
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
    // A known route with a method it does not take: 405 as a problem, with what it takes.
    let r = call(&app, "PUT", "/api/v1/score", &auth, Some("{}")).await;
    assert_eq!((r.status, r.header("content-type")), (405, Some("application/problem+json")), "{}", r.body);
    assert_eq!(r.header("allow"), Some("POST"));
    assert_eq!(r.body["detail"], "/api/v1/score does not take PUT");
    assert!(r.body["request_id"].is_string(), "{}", r.body);
    let r = call(&app, "DELETE", "/api/v1/runs", &auth, None).await;
    assert_eq!((r.status, r.body["status"].as_u64()), (405, Some(405)), "{}", r.body);
    assert!(r.header("allow").is_some_and(|a| a.contains("GET") && a.contains("POST")), "{:?}", r.headers);
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
    let store_line = lines.next().unwrap().unwrap();
    assert_eq!(store_line, format!("store: {} (sqlite); settings: defaults (no leadsmith.toml here)", db.display()));
    let addr: std::net::SocketAddr =
        line.split("http://").nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap();
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let app = App {
        addr,
        state: AppState::new(Arc::new(SqliteStore::open(&dir.path().join("unused.db")).unwrap()), Settings::default())
            .unwrap(),
        key,
        writer: String::new(),
        admin: String::new(),
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

fn auth(key: &str) -> [(&str, &str); 1] {
    [("x-api-key", key)]
}

#[tokio::test]
async fn leads_are_created_uploaded_listed_shown_deleted_and_enriched_again() {
    let app = spawn_with(|s| s.serve.leads_batch_limit = 3).await;
    let w = auth(&app.writer);
    let r = &auth(&app.key);

    // One lead: 201 with where it lives; the same lead again merges (200); a lead with nothing to go on: 422.
    let lead = json!({"company": "Acme Plumbing", "website": "https://acme-plumbing.example", "city": "Leeds",
                      "vertical": "plumbing"});
    let c = call(&app, "POST", "/api/v1/leads", &w, Some(&lead.to_string())).await;
    assert_eq!((c.status, c.body["outcome"].as_str()), (201, Some("new")), "{}", c.body);
    let acme = c.body["lead_id"].as_i64().unwrap();
    assert_eq!(c.header("location"), Some(format!("/api/v1/leads/{acme}").as_str()));
    let again = json!({"company": "ACME Plumbing Ltd", "website": "http://www.acme-plumbing.example/"});
    let c = call(&app, "POST", "/api/v1/leads", &w, Some(&again.to_string())).await;
    assert_eq!((c.status, c.body["outcome"].as_str(), c.body["lead_id"].as_i64()), (200, Some("merged"), Some(acme)));
    assert!(c.body["matched_on"].as_str().unwrap().contains("acme-plumbing.example"), "{}", c.body);
    let c = call(&app, "POST", "/api/v1/leads", &w, Some(r#"{"city": "York"}"#)).await;
    assert_eq!(c.status, 422, "{}", c.body);
    assert_eq!(c.body["errors"][0]["problem"], "no company and no website or email");
    // A read key may not write.
    let c = call(&app, "POST", "/api/v1/leads", r, Some(&lead.to_string())).await;
    assert_eq!((c.status, c.body["code"].as_str()), (403, Some("insufficient_scope")));

    // A batch: each lead reported by position; a bad one does not stop the rest; over the limit: 413.
    let batch = json!({"leads": [
        {"company": "Bolt Electrical", "website": "https://bolt.example", "vertical": "electrical"},
        {"website": "not a url at all"},
        {"company": "Cobalt Roofing", "email": "office@cobalt-roofing.example", "vertical": "roofing"},
    ]});
    let b = call(&app, "POST", "/api/v1/leads/batch", &w, Some(&batch.to_string())).await;
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(
        (b.body["read"].as_u64(), b.body["imported"].as_u64(), b.body["rejected"].as_u64()),
        (Some(3), Some(2), Some(1))
    );
    let results = b.body["results"].as_array().unwrap();
    let outcomes: Vec<(u64, &str)> =
        results.iter().map(|x| (x["index"].as_u64().unwrap(), x["outcome"].as_str().unwrap())).collect();
    assert_eq!(outcomes, [(0, "new"), (1, "rejected"), (2, "new")]);
    assert!(results[1]["error"].as_str().unwrap().contains("unparseable website"), "{}", results[1]);
    let four = json!({"leads": [{"company": "a"}, {"company": "b"}, {"company": "c"}, {"company": "d"}]});
    assert_eq!(call(&app, "POST", "/api/v1/leads/batch", &w, Some(&four.to_string())).await.status, 413);

    // An upload: the CSV import's rules, rejected rows with their line numbers; a type that is neither: 415.
    let csv = "company,website,city,vertical\nDelta Dental,https://delta-dental.example,Hull,dental\n\
               Broken,row\nEcho Cafe,https://echo-cafe.example,Hull,cafe\n";
    let headers = [("x-api-key", app.writer.as_str()), ("content-type", "text/csv")];
    let u = call(&app, "POST", "/api/v1/leads/upload?source=crm-export", &headers, Some(csv)).await;
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!((u.body["imported"].as_u64(), u.body["rejected"].as_u64()), (Some(2), Some(1)));
    let bad = u.body["results"].as_array().unwrap().iter().find(|x| x["outcome"] == "rejected").unwrap();
    assert_eq!(bad["line"], 3);
    assert!(bad["error"].as_str().unwrap().contains("wrong number of columns"));
    assert_eq!(bad["raw"], "Broken,row");
    let jsonl = "{\"company\": \"Foxtrot Gym\", \"website\": \"https://foxtrot.example\"}\n{oops\n";
    let headers = [("x-api-key", app.writer.as_str()), ("content-type", "application/x-ndjson")];
    let u = call(&app, "POST", "/api/v1/leads/upload", &headers, Some(jsonl)).await;
    assert_eq!((u.status, u.body["imported"].as_u64(), u.body["rejected"].as_u64()), (200, Some(1), Some(1)));
    let headers = [("x-api-key", app.writer.as_str()), ("content-type", "application/pdf")];
    assert_eq!(call(&app, "POST", "/api/v1/leads/upload", &headers, Some("%PDF")).await.status, 415);

    // Listing: six leads, paged two at a time with the cursor, the same as one page; filters.
    let all = call(&app, "GET", "/api/v1/leads?limit=100", r, None).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let ids: Vec<i64> = all.body["leads"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 6);
    assert!(all.body["next_cursor"].is_null());
    let mut paged = Vec::new();
    let mut url = "/api/v1/leads?limit=2".to_string();
    loop {
        let page = call(&app, "GET", &url, r, None).await;
        assert_eq!(page.status, 200, "{}", page.body);
        paged.extend(page.body["leads"].as_array().unwrap().iter().map(|l| l["id"].as_i64().unwrap()));
        match page.body["next_cursor"].as_str() {
            Some(c) => url = format!("/api/v1/leads?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(paged, ids);
    let names = |reply: &Reply| -> Vec<String> {
        reply.body["leads"].as_array().unwrap().iter().map(|l| l["company"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(names(&call(&app, "GET", "/api/v1/leads?vertical=Dental", r, None).await), ["Delta Dental"]);
    assert_eq!(names(&call(&app, "GET", "/api/v1/leads?q=ROOFING", r, None).await), ["Cobalt Roofing"]);
    assert_eq!(
        call(&app, "GET", "/api/v1/leads?crawl_status=none", r, None).await.body["leads"].as_array().unwrap().len(),
        6
    );
    assert!(call(&app, "GET", "/api/v1/leads?tier=A", r, None).await.body["leads"].as_array().unwrap().is_empty());
    let bad_tier = call(&app, "GET", "/api/v1/leads?tier=Z", r, None).await;
    assert_eq!(bad_tier.status, 400);
    assert_eq!(bad_tier.body["detail"], "unknown tier \"Z\": the tiers are A, B, C, D and FAILED");
    assert_eq!(call(&app, "GET", "/api/v1/leads?tier=failed", r, None).await.status, 200, "tiers in any case");
    assert_eq!(call(&app, "GET", "/api/v1/leads?cursor=garbage", r, None).await.status, 400);
    assert_eq!(call(&app, "GET", "/api/v1/leads?limit=0", r, None).await.status, 400);
    assert_eq!(call(&app, "GET", "/api/v1/leads?min_score=high", r, None).await.status, 400);

    // One lead: its input, where it came from and its history.
    let one = call(&app, "GET", &format!("/api/v1/leads/{acme}"), r, None).await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["company"], "Acme Plumbing");
    assert_eq!(one.body["sources"].as_array().unwrap().len(), 2);
    assert!(one.body["sources"][0]["source"].as_str().unwrap().starts_with("api:writer:"));
    assert!(one.body["history"]["jobs"].as_array().unwrap().is_empty());
    assert_eq!(call(&app, "GET", "/api/v1/leads/999", r, None).await.status, 404);
    assert_eq!(call(&app, "GET", "/api/v1/leads/abc", r, None).await.status, 404);

    // Enrich again: a run with the lead's crawl job; the lead's history shows it.
    let e = call(&app, "POST", &format!("/api/v1/leads/{acme}/enrich"), &w, None).await;
    assert_eq!(e.status, 202, "{}", e.body);
    let run_id = e.body["run_id"].as_i64().unwrap();
    assert_eq!(e.header("location"), Some(format!("/api/v1/runs/{run_id}").as_str()));
    let one = call(&app, "GET", &format!("/api/v1/leads/{acme}"), r, None).await;
    let jobs = one.body["history"]["jobs"].as_array().unwrap();
    assert_eq!((jobs.len(), jobs[0]["kind"].as_str(), jobs[0]["run_id"].as_i64()), (1, Some("crawl"), Some(run_id)));
    let bad = call(&app, "POST", &format!("/api/v1/leads/{acme}/enrich"), &w, Some(r#"{"stages": ["paint"]}"#)).await;
    assert_eq!(bad.status, 422);
    assert_eq!(call(&app, "POST", "/api/v1/leads/999/enrich", &w, None).await.status, 404);

    // Delete (soft): gone from reads and lists, its waiting job cancelled, back with include_deleted.
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/leads/{acme}"), r, None).await.status, 403);
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/leads/{acme}"), &w, None).await.status, 204);
    assert_eq!(call(&app, "DELETE", &format!("/api/v1/leads/{acme}"), &w, None).await.status, 404);
    assert_eq!(call(&app, "GET", &format!("/api/v1/leads/{acme}"), r, None).await.status, 404);
    let listed = call(&app, "GET", "/api/v1/leads", r, None).await;
    assert!(listed.body["leads"].as_array().unwrap().iter().all(|l| l["id"] != acme));
    let listed = call(&app, "GET", "/api/v1/leads?include_deleted=true&q=acme", r, None).await;
    assert!(listed.body["leads"][0]["deleted_at"].is_string(), "{}", listed.body);
    let run = call(&app, "GET", &format!("/api/v1/runs/{run_id}"), r, None).await;
    assert_eq!(run.body["status"], "completed", "{}", run.body);
}

/// The sample web's sites as leads, crawled and scored by a run started over the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_over_the_api_enriches_leads_and_the_queue_is_operable() {
    use leadsmith_testkit::{SampleWeb, ServeOptions};
    let web = Arc::new(SampleWeb::generate(11, 6));
    let server = web.clone().serve(ServeOptions::instant()).await.unwrap();
    let overrides = server.resolve_overrides();
    let app = spawn_with(|s| {
        s.crawl.allow_addresses = vec!["127.0.0.1/32".into()];
        s.crawl.timeouts_secs = vec![1.0];
        s.crawl.backoff_secs = vec![];
        s.crawl.per_host_interval_ms = 1;
        s.crawl.resolve = overrides.iter().map(|(h, a)| (h.clone(), a.to_string())).collect();
    })
    .await;
    let (r, w, a) = (auth(&app.key), auth(&app.writer), auth(&app.admin));
    let headers = [("x-api-key", app.writer.as_str()), ("content-type", "application/x-ndjson")];
    let u = call(&app, "POST", "/api/v1/leads/upload", &headers, Some(&web.leads_jsonl())).await;
    assert_eq!(u.body["imported"].as_u64(), Some(web.sites().len() as u64), "{}", u.body);

    // Start a run over the unenriched leads, at most once per idempotency key; files need admin.
    let start = json!({"source": "unenriched"}).to_string();
    let once = [("x-api-key", app.writer.as_str()), ("idempotency-key", "nightly-1")];
    let s = call(&app, "POST", "/api/v1/runs", &once, Some(&start)).await;
    assert_eq!((s.status, s.body["queued"].as_u64()), (202, Some(web.sites().len() as u64)), "{}", s.body);
    let run_id = s.body["run_id"].as_i64().unwrap();
    let s = call(&app, "POST", "/api/v1/runs", &once, Some(&start)).await;
    assert_eq!((s.status, s.body["run_id"].as_i64(), s.body["existing"].as_bool()), (200, Some(run_id), Some(true)));
    let file = json!({"source": "file", "path": "/etc/passwd"}).to_string();
    assert_eq!(call(&app, "POST", "/api/v1/runs", &w, Some(&file)).await.status, 403);
    assert_eq!(call(&app, "POST", "/api/v1/runs", &w, Some(r#"{"source": "everything"}"#)).await.status, 422);
    assert_eq!(call(&app, "POST", "/api/v1/runs", &r, Some(&start)).await.status, 403);
    let q = call(&app, "GET", "/api/v1/queue", &r, None).await;
    let crawl = q.body["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "crawl").unwrap().clone();
    assert_eq!(crawl["ready"].as_u64(), Some(web.sites().len() as u64), "{}", q.body);

    // The workers (in this process, as `serve` runs them) work the run to its end.
    let engine =
        leadsmith::pipeline::Engine::new(app.state.store.clone(), app.state.settings.clone(), overrides).unwrap();
    let config = leadsmith_queue::WorkerConfig {
        run_id: Some(run_id),
        exit_when_drained: true,
        poll_interval: std::time::Duration::from_millis(20),
        ..Default::default()
    };
    let (_stop, stop_rx) = tokio::sync::watch::channel(false);
    engine.worker(config, &["crawl", "score"]).run(stop_rx).await.unwrap();
    let run = call(&app, "GET", &format!("/api/v1/runs/{run_id}"), &r, None).await;
    assert_eq!(run.body["status"], "completed", "{}", run.body);
    let runs = call(&app, "GET", "/api/v1/runs", &r, None).await;
    assert_eq!(runs.body["runs"][0]["id"].as_i64(), Some(run_id));
    // Every lead has a crawl result now; the best one has facts, a score breakdown and its history.
    assert!(
        call(&app, "GET", "/api/v1/leads?crawl_status=none", &r, None).await.body["leads"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let best = call(&app, "GET", "/api/v1/leads?limit=1", &r, None).await;
    let best_id = best.body["leads"][0]["id"].as_i64().unwrap();
    assert!(best.body["leads"][0]["score"].as_f64().is_some(), "{}", best.body);
    let lead = call(&app, "GET", &format!("/api/v1/leads/{best_id}"), &r, None).await;
    assert!(lead.body["facts"].is_object() && lead.body["score"]["tier"].is_string(), "{}", lead.body);
    let kinds: Vec<&str> =
        lead.body["history"]["jobs"].as_array().unwrap().iter().map(|j| j["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["crawl", "score"]);
    let tier = lead.body["score"]["tier"].as_str().unwrap();
    let same_tier = call(&app, "GET", &format!("/api/v1/leads?tier={tier}"), &r, None).await;
    assert!(same_tier.body["leads"].as_array().unwrap().iter().all(|l| l["tier"] == tier));
    let score = best.body["leads"][0]["score"].as_f64().unwrap();
    let ranged = call(&app, "GET", &format!("/api/v1/leads?min_score={score}&max_score={score}"), &r, None).await;
    assert!(ranged.body["leads"].as_array().unwrap().iter().any(|l| l["id"] == best_id));

    // A finished run cannot be cancelled (409); a running one can.
    let c = call(&app, "POST", &format!("/api/v1/runs/{run_id}/cancel"), &w, None).await;
    assert_eq!(c.status, 409, "{}", c.body);
    let s = call(&app, "POST", "/api/v1/runs", &w, Some(r#"{"source": "all", "limit": 2, "stages": ["score"]}"#)).await;
    assert_eq!((s.status, s.body["queued"].as_u64()), (202, Some(2)), "{}", s.body);
    let second = s.body["run_id"].as_i64().unwrap();
    let c = call(&app, "POST", &format!("/api/v1/runs/{second}/cancel"), &w, None).await;
    assert_eq!((c.status, c.body["status"].as_str()), (200, Some("cancelled")), "{}", c.body);
    assert_eq!(call(&app, "POST", "/api/v1/runs/999/cancel", &w, None).await.status, 404);

    // Dead letters: a job out of attempts is listed with its errors, redriven, and purged by admins only.
    let store = app.state.store.clone();
    let mut job = leadsmith_store::NewJob::new("crawl", Some(best_id));
    job.max_attempts = 1;
    job.unique_key = Some("doomed".into());
    let id = store.enqueue(job).await.unwrap().unwrap();
    let claimed = store.claim("test-worker", &["crawl".to_string()], None, 1, 60_000).await.unwrap();
    assert_eq!(claimed[0].id, id);
    store.fail(id, "test-worker", "connection refused", None).await.unwrap();
    let dead = call(&app, "GET", "/api/v1/queue/dead", &r, None).await;
    assert_eq!(dead.body["jobs"][0]["id"].as_i64(), Some(id), "{}", dead.body);
    assert_eq!(dead.body["jobs"][0]["last_error"], "connection refused");
    let body = json!({"ids": [id]}).to_string();
    let rd = call(&app, "POST", "/api/v1/queue/dead/redrive", &w, Some(&body)).await;
    assert_eq!((rd.status, rd.body["redriven"].as_u64()), (200, Some(1)));
    let claimed = store.claim("test-worker", &["crawl".to_string()], None, 1, 60_000).await.unwrap();
    store.fail(claimed[0].id, "test-worker", "connection refused again", None).await.unwrap();
    assert_eq!(call(&app, "POST", "/api/v1/queue/dead/purge", &w, Some("{}")).await.status, 403);
    let bad = call(&app, "POST", "/api/v1/queue/dead/purge", &a, Some(r#"{"older_than": "soon"}"#)).await;
    assert_eq!(bad.status, 422);
    let p = call(&app, "POST", "/api/v1/queue/dead/purge", &a, Some("{}")).await;
    assert_eq!((p.status, p.body["purged"].as_u64()), (200, Some(1)), "{}", p.body);
    assert!(call(&app, "GET", "/api/v1/queue/dead", &r, None).await.body["jobs"].as_array().unwrap().is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn resources_and_metrics_for_operators() {
    let app = spawn_app(100, 1 << 20).await;
    with_model(&app);
    let r = auth(&app.key);
    let res = call(&app, "GET", "/resources", &r, None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(res.body["process"]["memory_bytes"].as_u64().unwrap() > 1 << 20, "{}", res.body);
    assert!(res.body["host"]["cpus"].as_u64().unwrap() >= 1);
    assert!(
        res.body["host"]["memory_total_bytes"].as_u64().unwrap()
            > res.body["host"]["memory_available_bytes"].as_u64().unwrap()
    );
    assert!(res.body["disk"]["data"]["total_bytes"].as_u64().unwrap() > 0, "{}", res.body);
    assert_eq!(call(&app, "GET", "/resources", &[], None).await.status, 401);

    // Traffic, then the metrics: by route template and status, model latency and errors, batch sizes, queue.
    let (features, _) = first_row();
    let body = json!({"features": features}).to_string();
    for _ in 0..3 {
        assert_eq!(call(&app, "POST", "/api/v1/score", &r, Some(&body)).await.status, 200);
    }
    assert_eq!(call(&app, "POST", "/api/v1/score", &r, Some(r#"{"features": {}}"#)).await.status, 422);
    let batch = json!({"leads": [{"features": features}, {"features": features}]}).to_string();
    assert_eq!(call(&app, "POST", "/api/v1/score/batch", &r, Some(&batch)).await.status, 200);
    assert_eq!(call(&app, "GET", "/api/v1/leads/12345", &r, None).await.status, 404);
    let mut job = leadsmith_store::NewJob::new("crawl", None);
    job.unique_key = Some("waiting".into());
    app.state.store.enqueue(job).await.unwrap();
    assert_eq!(call(&app, "GET", "/metrics", &[], None).await.status, 401);
    let m = call(&app, "GET", "/metrics", &r, None).await;
    assert_eq!(m.status, 200);
    let text = m.body.as_str().unwrap();
    let has = |needle: &str| assert!(text.contains(needle), "{needle} missing from\n{text}");
    has(r#"leadsmith_http_requests_total{method="POST",route="/api/v1/score",status="200"}"#);
    has(r#"leadsmith_http_requests_total{method="POST",route="/api/v1/score",status="422"}"#);
    has(r#"leadsmith_http_requests_total{method="GET",route="/api/v1/leads/{id}",status="404"}"#);
    // The metrics are the process's, shared with the tests running beside this one: at least our three.
    let at_least_3 = |series: &str| {
        let line = text.lines().find(|l| l.starts_with(series)).unwrap_or_else(|| panic!("{series} missing"));
        let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(n >= 3, "{line}");
    };
    at_least_3(r#"leadsmith_http_request_duration_seconds_count{method="POST",route="/api/v1/score",status="200"} "#);
    at_least_3(
        r#"leadsmith_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/v1/score",status="200"} "#,
    );
    has("leadsmith_model_prediction_duration_seconds_count");
    has("leadsmith_model_prediction_errors_total");
    has("leadsmith_score_batch_size_bucket");
    has(r#"leadsmith_queue_jobs{kind="crawl",state="ready"} 1"#);
    has(r#"leadsmith_dead_letters{kind="crawl"} 0"#);
    has("leadsmith_queue_oldest_ready_age_seconds{kind=\"crawl\"}");
    assert!(!text.contains(&app.key), "the key must never appear in metrics");

    // Metrics without a key, when so configured.
    let open = spawn_with(|s| s.serve.metrics_auth = false).await;
    assert_eq!(call(&open, "GET", "/metrics", &[], None).await.status, 200);
}

#[tokio::test]
async fn every_documented_route_answers_and_the_docs_work_offline() {
    let app = spawn_app(100, 1 << 20).await;
    with_model(&app);
    let doc = call(&app, "GET", "/api/v1/openapi.json", &[], None).await;
    assert_eq!(doc.status, 200);
    let doc = doc.body;
    // A typed OpenAPI 3.1 parser reads it, version and all.
    let spec = oas3::from_json(doc.to_string()).expect("a valid OpenAPI 3.1 document");
    assert_eq!(spec.validate_version().unwrap().to_string(), "3.1.0");
    let typed_operations = spec.operations().count();
    for (path, method, op) in spec.operations() {
        assert!(op.summary.as_ref().is_some_and(|s| !s.is_empty()), "{method} {path} has no summary");
        if let Some(body) = &op.request_body {
            body.resolve(&spec).unwrap_or_else(|e| panic!("{method} {path}: request body: {e}"));
        }
    }
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "leadsmith");
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    // Every reference resolves.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all_refs = Vec::new();
    refs(&doc, &mut all_refs);
    assert!(!all_refs.is_empty());
    for r in all_refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(doc["components"]["schemas"][name].is_object(), "{r} does not resolve");
    }
    // Every documented operation is routed: called with an admin key, nothing answers "no route" or 405.
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} documents no responses"
            );
            assert!(op["tags"].is_array(), "{method} {path} has no tag");
            let url = path.replace("{id}", "1");
            let r = call(&app, &method.to_uppercase(), &url, &auth(&app.admin), Some("{}")).await;
            assert_ne!(r.status, 405, "{method} {path}");
            assert!(
                !r.body["detail"].as_str().is_some_and(|d| d.starts_with("no route")),
                "{method} {path}: {}",
                r.body
            );
            operations += 1;
        }
    }
    assert!(operations >= 24, "{operations} operations documented");
    assert_eq!(operations, typed_operations);
    for expected in
        ["/api/v1/score", "/api/v1/leads", "/api/v1/leads/{id}", "/api/v1/runs", "/api/v1/queue/dead/purge", "/metrics"]
    {
        assert!(paths.contains_key(expected), "{expected} is not documented");
    }
    // The docs page needs nothing from the internet.
    let page = call(&app, "GET", "/api/v1/docs", &[], None).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    let html = page.body.as_str().unwrap();
    assert!(html.contains("openapi.json"));
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "the docs page loads something remote"
    );
}

#[tokio::test]
async fn the_docs_page_shows_every_operation_in_a_real_browser() {
    let Some(browser) = crate::support::browser() else { return };
    let app = spawn_app(100, 1 << 20).await;
    let doc = call(&app, "GET", "/api/v1/openapi.json", &[], None).await.body;
    let operations: usize =
        doc["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    let dom = crate::support::rendered_dom(&browser, &format!("http://{}/api/v1/docs", app.addr)).await;
    assert!(!dom.contains("[object "), "a section shows an object instead of its operations");
    assert_eq!(dom.matches("<details class=\"op\">").count(), operations, "one element per operation");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let summary = format!("<span class=\"method {method}\">{method}</span><span class=\"path\">{path}</span>");
            assert!(dom.contains(&summary), "{method} {path} is not on the page");
        }
    }
}

#[tokio::test]
async fn rate_limits_are_per_key_with_retry_after() {
    let app = spawn_with(|s| {
        s.serve.rate_limit.per_second = 1;
        s.serve.rate_limit.burst = 2;
        s.serve.rate_limit.keys.insert("admin".into(), leadsmith::config::KeyLimit { per_second: 1000, burst: 1000 });
    })
    .await;
    let r = auth(&app.key);
    assert_eq!(call(&app, "GET", "/api/v1/queue", &r, None).await.status, 200);
    assert_eq!(call(&app, "GET", "/api/v1/queue", &r, None).await.status, 200);
    let limited = call(&app, "GET", "/api/v1/queue", &r, None).await;
    assert_eq!((limited.status, limited.body["code"].as_str()), (429, Some("rate_limited")), "{}", limited.body);
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Another key has its own bucket; a key with its own limit is not held to the default.
    assert_eq!(call(&app, "GET", "/api/v1/queue", &auth(&app.writer), None).await.status, 200);
    for _ in 0..10 {
        assert_eq!(call(&app, "GET", "/api/v1/queue", &auth(&app.admin), None).await.status, 200);
    }
    // Health endpoints are never limited.
    for _ in 0..5 {
        assert_eq!(call(&app, "GET", "/health", &[], None).await.status, 200);
    }
    let m = call(&app, "GET", "/metrics", &auth(&app.admin), None).await;
    assert!(m.body.as_str().unwrap().contains("leadsmith_rate_limited_requests_total 1"));
}

#[tokio::test]
async fn cors_allows_only_the_listed_origins() {
    let app = spawn_with(|s| s.serve.cors_origins = vec!["https://crm.example.com".into()]).await;
    let preflight = |origin: &'static str| {
        [("origin", origin), ("access-control-request-method", "POST"), ("access-control-request-headers", "x-api-key")]
    };
    let ok = call(&app, "OPTIONS", "/api/v1/score", &preflight("https://crm.example.com"), None).await;
    assert_eq!(ok.header("access-control-allow-origin"), Some("https://crm.example.com"), "{:?}", ok.headers);
    assert!(ok.header("access-control-allow-headers").unwrap().contains("x-api-key"));
    let evil = call(&app, "OPTIONS", "/api/v1/score", &preflight("https://evil.example"), None).await;
    assert_eq!(evil.header("access-control-allow-origin"), None);
    let get = call(&app, "GET", "/health", &[("origin", "https://crm.example.com")], None).await;
    assert_eq!(get.header("access-control-allow-origin"), Some("https://crm.example.com"));
    assert!(get.header("access-control-expose-headers").unwrap().contains("x-request-id"));
    // A bad origin in the settings is refused at start.
    let mut settings = Settings::default();
    settings.serve.cors_origins = vec!["crm.example.com/".into()];
    let store: Arc<dyn Store> = app.state.store.clone();
    let err = AppState::new(store, settings).err().unwrap();
    assert!(err.to_string().contains("not an origin"), "{err}");
}

#[tokio::test]
async fn checked_keys_are_cached_for_the_configured_time() {
    let app = spawn_with(|s| s.serve.key_cache_secs = 3600.0).await;
    let r = auth(&app.key);
    assert_eq!(call(&app, "GET", "/status", &r, None).await.status, 200);
    // Revoked in the store: the cached key is trusted until the cache time runs out (documented).
    app.state.store.revoke_api_key("client").await.unwrap();
    assert_eq!(call(&app, "GET", "/status", &r, None).await.status, 200);
    // A key never seen is always checked against the store.
    let key = generate_key();
    assert_eq!(call(&app, "GET", "/status", &auth(&key), None).await.status, 401);
    app.state.store.create_api_key(NewApiKey::for_key("late", Scope::Read, &key, None)).await.unwrap();
    assert_eq!(call(&app, "GET", "/status", &auth(&key), None).await.status, 200);
    // Last use is recorded.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let keys = app.state.store.api_keys().await.unwrap();
    assert!(keys.iter().find(|k| k.name == "late").unwrap().last_used_at_ms.is_some());
}

#[tokio::test]
async fn the_model_can_come_from_the_config_file_and_flags_override_it() {
    use leadsmith::{api::load_model_in_background, cli::serve::ServeArgs};
    let app = spawn_with(|s| s.serve.model = Some(fixture("xgboost/binary_small.json"))).await;
    load_model_in_background(app.state.clone());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while call(&app, "GET", "/health/ready", &[], None).await.status != 200 {
        assert!(std::time::Instant::now() < deadline, "never ready");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let info = call(&app, "GET", "/api/v1/model/info", &auth(&app.key), None).await;
    assert_eq!(info.body["name"], "binary_small");

    // Flags win over [serve]; a --model drops the config's manifest (it belonged to the other model).
    let mut settings = Settings::default().serve;
    settings.model = Some("config.json".into());
    settings.manifest = Some("config.manifest.json".into());
    let args = ServeArgs {
        bind: Some("127.0.0.1:9999".parse().unwrap()),
        model: Some("flag.json".into()),
        manifest: None,
        no_workers: true,
        batch_limit: Some(7),
        max_body_bytes: None,
    };
    let applied = args.apply(settings.clone());
    assert_eq!((applied.bind.as_str(), applied.batch_limit), ("127.0.0.1:9999", 7));
    assert_eq!((applied.model.unwrap(), applied.manifest), ("flag.json".into(), None));
    let none = ServeArgs {
        bind: None,
        model: None,
        manifest: None,
        no_workers: false,
        batch_limit: None,
        max_body_bytes: None,
    };
    let kept = none.apply(settings);
    assert_eq!(kept.model.unwrap(), PathBuf::from("config.json"));
    assert_eq!(kept.manifest.unwrap(), PathBuf::from("config.manifest.json"));

    // A model that fails to load keeps the server unready and says why.
    let broken = spawn_with(|s| s.serve.model = Some(fixture("xgboost/does-not-exist.json"))).await;
    load_model_in_background(broken.state.clone());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let r = call(&broken, "GET", "/health/ready", &[], None).await;
    assert_eq!(r.status, 503);
    assert!(r.body["checks"]["model"]["error"].as_str().unwrap().contains("does-not-exist"), "{}", r.body);
}

/// A failing store is a 503 problem with the request id; what failed goes to the log, never to the client.
#[tokio::test]
async fn server_errors_say_what_to_do_and_reveal_no_internal_text() {
    let app = spawn_app(100, 1 << 20).await;
    let db = app._dir.path().join("api.db");
    // Broken from outside the server (as a disk or an operator could): the runs table is gone.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE runs").unwrap();
    drop(conn);
    let r = call(&app, "GET", "/api/v1/runs", &[("x-api-key", &app.key), ("x-request-id", "req-5xx")], None).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.body["request_id"], "req-5xx");
    assert_eq!(r.body["status"], 503);
    let text = r.body.to_string();
    assert!(text.contains("the store is not answering"), "{text}");
    assert!(!text.contains("runs") && !text.to_lowercase().contains("table"), "internal text leaked: {text}");
}

/// Runs over server files read only inside `[serve] import_dirs` (symlinks and `..` resolved first), and the
/// report of rejected rows goes to the reports directory with the input's permissions, never beside the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_runs_are_confined_to_the_import_dirs_and_report_under_the_store() {
    let outside = tempfile::tempdir().unwrap();
    let inbox = tempfile::tempdir().unwrap();
    let reports = outside.path().join("reports");
    let secret = outside.path().join("secret.csv");
    std::fs::write(&secret, "company,website\nHidden,hidden.test\n").unwrap();
    let leads = inbox.path().join("leads.csv");
    std::fs::write(&leads, "company,website\nAcme,acme.test\n,\n\"Broken,x\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&leads, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::symlink(&secret, inbox.path().join("link.csv")).unwrap();
    }
    let start = |path: &str| json!({"source": "file", "path": path}).to_string();

    // Without import directories, file runs are off.
    let off = spawn_with(|_| {}).await;
    let r = call(&off, "POST", "/api/v1/runs", &auth(&off.admin), Some(&start("/etc/passwd"))).await;
    assert_eq!((r.status, r.body["code"].as_str()), (403, Some("file_runs_disabled")), "{}", r.body);

    let (dirs, reports_dir) = (vec![inbox.path().to_path_buf()], reports.clone());
    let app = spawn_with(move |s| {
        s.serve.import_dirs = dirs;
        s.serve.reports_dir = Some(reports_dir);
    })
    .await;
    let a = auth(&app.admin);
    let escape = format!("../{}/secret.csv", outside.path().file_name().unwrap().to_string_lossy());
    for path in ["/etc/passwd", secret.to_str().unwrap(), &escape, "link.csv", "missing.csv"] {
        let r = call(&app, "POST", "/api/v1/runs", &a, Some(&start(path))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some("path_not_allowed")), "{path}: {}", r.body);
    }
    assert!(!reports.exists(), "nothing was written for a refused path");
    assert_eq!(app.state.store.count_leads().await.unwrap(), 0);

    // A file inside, by its name: imported, and its broken row reported under the reports directory.
    let r = call(&app, "POST", "/api/v1/runs", &a, Some(&start("leads.csv"))).await;
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.body["import"]["imported"].as_u64(), Some(1), "{}", r.body);
    let report = PathBuf::from(r.body["import"]["errors_file"].as_str().unwrap());
    assert!(report.starts_with(&reports), "{}", report.display());
    assert!(std::fs::read_to_string(&report).unwrap().contains("unterminated quote"));
    assert!(!inbox.path().join("leads.csv.errors.csv").exists(), "no report beside the input");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&report).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&reports).unwrap().permissions().mode() & 0o777, 0o700);
    }
}
