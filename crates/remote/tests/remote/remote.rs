//! End-to-end tests against local fakes that speak each provider's protocol.

use leadsmith_remote::sigv4::{self, SigningInput};
use leadsmith_remote::{
    AwsCredentials, AzureBody, AzureMlConfig, BreakerSettings, BreakerState, CallOptions, HttpJsonConfig,
    ProviderConfig, RemoteClient, RemoteConfig, RemoteError, RemoteScorer, RemoteScorerExt, SageMakerConfig, Source,
};
use leadsmith_testkit::fake::{FakeServer, Received, Reply};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const KEY_ID: &str = "AKIDLEADSMITHTEST";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYLEADSMITH";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLE-session-token";
const REGION: &str = "eu-central-1";

fn features() -> Map<String, Value> {
    json!({"employees": 120, "industry": "saas", "visited_pricing": true}).as_object().unwrap().clone()
}

fn fast() -> CallOptions {
    CallOptions { backoff: Duration::from_millis(10), ..CallOptions::default() }
}

/// What SageMaker does with a request: recompute the SigV4 signature with the known secret.
fn check_sigv4(request: &Received, secret: &str) -> Result<(), String> {
    let auth = request.header("authorization").ok_or("missing Authorization")?;
    let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or("wrong algorithm")?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(", ") {
        let (key, value) = part.split_once('=').ok_or("malformed Authorization")?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => return Err(format!("unexpected Authorization field {key}")),
        }
    }
    let (credential, signed_headers, signature) = (
        credential.ok_or("no Credential")?,
        signed_headers.ok_or("no SignedHeaders")?,
        signature.ok_or("no Signature")?,
    );
    let mut scope = credential.split('/');
    let (key_id, date, region, service, terminator) =
        (scope.next(), scope.next(), scope.next(), scope.next(), scope.next());
    if key_id != Some(KEY_ID) || region != Some(REGION) || service != Some("sagemaker") {
        return Err(format!("bad credential scope {credential}"));
    }
    if terminator != Some("aws4_request") {
        return Err("bad scope terminator".into());
    }
    let amz_date = request.header("x-amz-date").ok_or("missing x-amz-date")?;
    if amz_date.len() != 16 || Some(&amz_date[..8]) != date {
        return Err(format!("x-amz-date {amz_date} does not match the scope date"));
    }
    let body_hash = sigv4::sha256_hex(&request.body);
    if request.header("x-amz-content-sha256") != Some(body_hash.as_str()) {
        return Err("x-amz-content-sha256 does not match the body".into());
    }
    let names: Vec<&str> = signed_headers.split(';').collect();
    for required in ["host", "x-amz-date"] {
        if !names.contains(&required) {
            return Err(format!("{required} is not signed"));
        }
    }
    if request.headers.contains_key("x-amz-security-token") && !names.contains(&"x-amz-security-token") {
        return Err("x-amz-security-token is not signed".into());
    }
    let mut headers = Vec::new();
    for name in &names {
        let values: Vec<_> = request.headers.get_all(*name).iter().collect();
        if values.is_empty() {
            return Err(format!("signed header {name} is missing"));
        }
        for value in values {
            headers.push((name.to_string(), value.to_str().map_err(|e| e.to_string())?.to_owned()));
        }
    }
    let input = SigningInput {
        method: &request.method,
        path: &request.path,
        query: request.query.as_deref(),
        headers: &headers,
        payload_sha256_hex: &body_hash,
        region: REGION,
        service: "sagemaker",
        amz_date,
    };
    let expected = sigv4::sign(&input, KEY_ID, secret);
    if expected.signed_headers != signed_headers || expected.signature != signature {
        return Err("signature mismatch".into());
    }
    Ok(())
}

/// A fake SageMaker runtime for endpoint `lead-model`.
async fn fake_sagemaker(reply_body: &'static str) -> FakeServer {
    FakeServer::start(move |request, _| {
        if request.method != "POST" || request.path != "/endpoints/lead-model/invocations" {
            return Reply::new(404, r#"{"message": "Endpoint not found"}"#);
        }
        if check_sigv4(request, SECRET).is_err() {
            return Reply::new(
                403,
                r#"{"message": "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#,
            )
            .header("x-amzn-ErrorType", "InvalidSignatureException");
        }
        Reply::ok(reply_body).header("content-type", "application/json")
    })
    .await
}

fn sagemaker_config(server: &FakeServer, secret: &str) -> SageMakerConfig {
    let mut config = SageMakerConfig::new(REGION, "lead-model", AwsCredentials::new(KEY_ID, secret));
    config.endpoint_url = Some(server.url("/"));
    config
}

#[tokio::test]
async fn sagemaker_signed_json_request_is_accepted() {
    let server = fake_sagemaker(r#"{"predictions": [{"score": 0.87}]}"#).await;
    let client = RemoteClient::sagemaker(sagemaker_config(&server, SECRET), fast()).unwrap();
    assert_eq!(client.name(), "sagemaker:lead-model");
    assert_eq!(client.score(&features()).await.unwrap(), 0.87);
    let request = &server.requests()[0];
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.json(), Value::Object(features()));
    assert!(request.header("x-amz-security-token").is_none());
    assert_eq!(request.header("host"), Some(server.addr.to_string().as_str()));
}

#[tokio::test]
async fn sagemaker_wrong_secret_is_rejected_with_403() {
    let server = fake_sagemaker("[0.5]").await;
    let client = RemoteClient::sagemaker(sagemaker_config(&server, "not-the-secret"), fast()).unwrap();
    let error = client.score(&features()).await.unwrap_err();
    assert_eq!(error.status(), Some(403), "{error}");
    let message = error.to_string();
    assert!(message.contains("403") && message.contains("signature we calculated does not match"), "{message}");
    assert!(!message.contains("not-the-secret"));
    assert_eq!(server.count(), 1, "a 403 is not retried");
}

#[tokio::test]
async fn sagemaker_session_token_is_sent_and_signed() {
    let server = fake_sagemaker("[0.25]").await;
    let mut config = sagemaker_config(&server, SECRET);
    config.credentials = config.credentials.with_session_token(TOKEN);
    let client = RemoteClient::sagemaker(config, fast()).unwrap();
    assert_eq!(client.score(&features()).await.unwrap(), 0.25);
    let request = &server.requests()[0];
    assert_eq!(request.header("x-amz-security-token"), Some(TOKEN));
    assert!(request.header("authorization").unwrap().contains("x-amz-security-token"));
    let shown = format!("{client:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(SECRET), "{shown}");
}

#[tokio::test]
async fn sagemaker_csv_body_and_plain_number_response() {
    let server = FakeServer::start(|request, _| {
        if let Err(why) = check_sigv4(request, SECRET) {
            return Reply::new(403, format!(r#"{{"message": "{why}"}}"#));
        }
        assert_eq!(request.header("content-type"), Some("text/csv"));
        assert_eq!(&request.body[..], b"120,saas,1");
        Reply::ok("0.66\n")
    })
    .await;
    let mut config = sagemaker_config(&server, SECRET);
    config.content_type = "text/csv".into();
    config.feature_order = vec!["employees".into(), "industry".into(), "visited_pricing".into()];
    let client = RemoteClient::sagemaker(config, fast()).unwrap();
    assert_eq!(client.score(&features()).await.unwrap(), 0.66);
}

const AZURE_KEY: &str = "azure-endpoint-key-0123456789";

async fn fake_azure() -> FakeServer {
    FakeServer::start(|request, _| {
        if request.header("authorization") != Some(&format!("Bearer {AZURE_KEY}")) {
            return Reply::new(401, "");
        }
        if request.path != "/score" || request.header("content-type") != Some("application/json") {
            return Reply::new(400, r#"{"error": "bad request"}"#);
        }
        let deployment = request.header("azureml-model-deployment").unwrap_or("default");
        let body = request.json();
        let input = body.get("input_data").cloned().unwrap_or(body);
        if input.get("employees").is_none() {
            return Reply::new(422, r#"{"message": "missing employees"}"#);
        }
        Reply::ok(if deployment == "blue" { "[0.4]" } else { "[0.1]" })
    })
    .await
}

#[tokio::test]
async fn azureml_key_deployment_and_body() {
    let server = fake_azure().await;
    let mut config = AzureMlConfig::new(server.url("/score"), AZURE_KEY);
    config.deployment = Some("blue".into());
    let client = RemoteClient::azureml(config.clone(), fast()).unwrap();
    assert_eq!(client.score(&features()).await.unwrap(), 0.4);
    let request = &server.requests()[0];
    assert_eq!(request.header("azureml-model-deployment"), Some("blue"));
    assert_eq!(request.json(), json!({ "input_data": features() }));

    config.deployment = None;
    config.body = AzureBody::Raw;
    let client = RemoteClient::azureml(config, fast()).unwrap();
    assert_eq!(client.score(&features()).await.unwrap(), 0.1);
    let request = &server.requests()[1];
    assert!(request.header("azureml-model-deployment").is_none());
    assert_eq!(request.json(), Value::Object(features()));
}

#[tokio::test]
async fn azureml_wrong_key_is_401_and_key_never_leaks() {
    let server = fake_azure().await;
    let wrong = "wrong-key-abcdef";
    let client = RemoteClient::azureml(AzureMlConfig::new(server.url("/score"), wrong), fast()).unwrap();
    let error = client.score(&features()).await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(server.count(), 1);
    for shown in [error.to_string(), format!("{error:?}"), format!("{client:?}")] {
        assert!(!shown.contains(wrong), "{shown}");
    }
}

#[tokio::test]
async fn an_error_body_echoing_our_headers_never_shows_the_key() {
    // Some gateways answer errors with the request they got, headers and all.
    let server = FakeServer::start(|request, _| {
        let echoed: Vec<String> =
            request.headers.iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?"))).collect();
        Reply::new(400, json!({"message": format!("bad request: {}", echoed.join("; "))}).to_string())
    })
    .await;
    let client = RemoteClient::azureml(AzureMlConfig::new(server.url("/score"), AZURE_KEY), fast()).unwrap();
    let error = client.score(&features()).await.unwrap_err();
    let shown = error.to_string();
    assert!(shown.contains("authorization: ***"), "{shown}");
    assert!(!shown.contains(AZURE_KEY), "{shown}");
}

#[tokio::test]
async fn http_json_headers_body_and_pointer() {
    let server = FakeServer::start(|request, _| {
        if request.header("x-api-key") != Some("k-123") || request.header("x-tenant") != Some("acme") {
            return Reply::new(403, r#"{"error": {"message": "bad api key"}}"#);
        }
        let body = request.json();
        assert_eq!(body, json!({ "features": features() }));
        Reply::ok(r#"{"score": 0.31, "result": {"p": 0.9}}"#)
    })
    .await;
    let config = HttpJsonConfig::new(server.url("/v1/score")).header("X-API-Key", "k-123").header("X-Tenant", "acme");
    let client = RemoteClient::http_json(config.clone(), fast()).unwrap();
    assert_eq!(client.score(&features()).await.unwrap(), 0.31);

    let mut pointed = config.clone();
    pointed.score_pointer = "/result/p".into();
    let client = RemoteClient::http_json(pointed, fast()).unwrap();
    assert_eq!(client.score(&features()).await.unwrap(), 0.9);

    let mut missing = config.clone();
    missing.score_pointer = "/nope".into();
    let error = RemoteClient::http_json(missing, fast()).unwrap().score(&features()).await.unwrap_err();
    assert!(matches!(error, RemoteError::BadResponse { .. }), "{error}");

    let bad_key = HttpJsonConfig::new(server.url("/v1/score")).header("X-API-Key", "k-999");
    let error = RemoteClient::http_json(bad_key, fast()).unwrap().score(&features()).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert!(error.to_string().contains("bad api key"), "{error}");
    assert!(!format!("{error} {error:?} {config:?}").contains("k-999") && !format!("{config:?}").contains("k-123"));
}

fn http_client(server: &FakeServer, options: CallOptions) -> RemoteClient {
    RemoteClient::http_json(HttpJsonConfig::new(server.url("/score")), options).unwrap()
}

#[tokio::test]
async fn slow_endpoint_times_out() {
    let server = FakeServer::start(|_, _| Reply::ok(r#"{"score": 1}"#).delayed(Duration::from_millis(800))).await;
    let client = http_client(&server, CallOptions { timeout: Duration::from_millis(100), retries: 1, ..fast() });
    let started = Instant::now();
    let error = client.score(&features()).await.unwrap_err();
    assert!(matches!(error, RemoteError::Timeout { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_millis(600), "{:?}", started.elapsed());
    assert_eq!(server.count(), 2, "a timeout is retried");
}

#[tokio::test]
async fn retries_503_then_succeeds() {
    let server =
        FakeServer::start(|_, i| if i < 2 { Reply::new(503, "busy") } else { Reply::ok(r#"{"score": 0.7}"#) }).await;
    let client = http_client(&server, fast());
    assert_eq!(client.score(&features()).await.unwrap(), 0.7);
    assert_eq!(server.count(), 3);

    // Out of retries: the last 503 is reported.
    let server = FakeServer::start(|_, _| Reply::new(503, "busy")).await;
    let error = http_client(&server, fast()).score(&features()).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(server.count(), 3);

    // A client error is not retried.
    let server = FakeServer::start(|_, _| Reply::new(400, r#"{"message": "bad features"}"#)).await;
    let error = http_client(&server, fast()).score(&features()).await.unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn connect_errors_are_retried_and_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = url::Url::parse(&format!("http://{}/score", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let client = RemoteClient::http_json(HttpJsonConfig::new(url), fast()).unwrap();
    let error = client.score(&features()).await.unwrap_err();
    assert!(matches!(error, RemoteError::Connect { .. }) && error.is_transient(), "{error}");
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let server = FakeServer::start(|_, i| {
        if i == 0 { Reply::new(429, "slow down").header("Retry-After", "1") } else { Reply::ok(r#"{"score": 0.2}"#) }
    })
    .await;
    let started = Instant::now();
    assert_eq!(http_client(&server, fast()).score(&features()).await.unwrap(), 0.2);
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());

    let server = FakeServer::start(|_, i| {
        if i == 0 { Reply::new(503, "").header("Retry-After", "3600") } else { Reply::ok(r#"{"score": 0.2}"#) }
    })
    .await;
    let options = CallOptions { retry_after_cap: Duration::from_millis(200), ..fast() };
    let started = Instant::now();
    assert_eq!(http_client(&server, options).score(&features()).await.unwrap(), 0.2);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(200) && elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn circuit_opens_fails_fast_and_recovers_half_open() {
    let healthy = Arc::new(AtomicBool::new(false));
    let flag = healthy.clone();
    let server = FakeServer::start(move |_, _| {
        if flag.load(Ordering::SeqCst) { Reply::ok(r#"{"score": 0.5}"#) } else { Reply::new(500, "down") }
    })
    .await;
    let cooldown = Duration::from_millis(300);
    let options = CallOptions { retries: 0, breaker: BreakerSettings { failures: 3, cooldown }, ..fast() };
    let client = http_client(&server, options);
    for _ in 0..3 {
        assert_eq!(client.score(&features()).await.unwrap_err().status(), Some(500));
    }
    assert_eq!(client.breaker_state(), BreakerState::Open);
    let started = Instant::now();
    for _ in 0..5 {
        let error = client.score(&features()).await.unwrap_err();
        assert!(matches!(error, RemoteError::CircuitOpen { .. }), "{error}");
    }
    assert!(started.elapsed() < Duration::from_millis(100), "fails fast");
    assert_eq!(server.count(), 3, "no request reaches the endpoint while the circuit is open");

    // Half-open: the trial call fails, so the circuit opens again.
    tokio::time::sleep(cooldown + Duration::from_millis(50)).await;
    assert_eq!(client.breaker_state(), BreakerState::HalfOpen);
    assert_eq!(client.score(&features()).await.unwrap_err().status(), Some(500));
    assert_eq!(server.count(), 4);
    assert!(matches!(client.score(&features()).await.unwrap_err(), RemoteError::CircuitOpen { .. }));
    assert_eq!(server.count(), 4);

    // Half-open again: the endpoint is back, the trial succeeds and the circuit closes.
    healthy.store(true, Ordering::SeqCst);
    tokio::time::sleep(cooldown + Duration::from_millis(50)).await;
    assert_eq!(client.score(&features()).await.unwrap(), 0.5);
    assert_eq!(client.breaker_state(), BreakerState::Closed);
    assert_eq!(client.score(&features()).await.unwrap(), 0.5);
    assert_eq!(server.count(), 6);
}

#[tokio::test]
async fn half_open_admits_a_single_trial() {
    let server = FakeServer::start(|_, i| {
        if i == 0 { Reply::new(500, "") } else { Reply::ok(r#"{"score": 0.9}"#).delayed(Duration::from_millis(200)) }
    })
    .await;
    let options = CallOptions {
        retries: 0,
        breaker: BreakerSettings { failures: 1, cooldown: Duration::from_millis(50) },
        ..fast()
    };
    let client = Arc::new(http_client(&server, options));
    client.score(&features()).await.unwrap_err();
    tokio::time::sleep(Duration::from_millis(80)).await;
    let trial = tokio::spawn({
        let client = client.clone();
        async move { client.score(&features()).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(client.score(&features()).await.unwrap_err(), RemoteError::CircuitOpen { .. }));
    assert_eq!(trial.await.unwrap().unwrap(), 0.9);
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn fallback_answers_when_remote_fails_or_circuit_is_open() {
    let server = FakeServer::start(|_, _| Reply::new(500, r#"{"message": "model crashed"}"#)).await;
    let options = CallOptions {
        retries: 0,
        breaker: BreakerSettings { failures: 1, cooldown: Duration::from_secs(30) },
        ..fast()
    };
    let scorer = http_client(&server, options).with_fallback(|f: &Map<String, Value>| {
        f.get("employees").and_then(Value::as_f64).map(|n| n / 1000.0).ok_or("no employees")
    });
    assert_eq!(scorer.name(), "http:127.0.0.1+fallback");

    let scored = scorer.score_detailed(&features()).await.unwrap();
    assert_eq!(scored.source, Source::Fallback);
    assert_eq!(scored.value, 0.12);
    let reason = scored.error.unwrap();
    assert!(reason.contains("500") && reason.contains("model crashed"), "{reason}");

    let scored = scorer.score_detailed(&features()).await.unwrap();
    assert_eq!(scored.source, Source::Fallback);
    assert!(scored.error.unwrap().contains("circuit breaker open"));
    assert_eq!(server.count(), 1);

    let error = scorer.score_detailed(&Map::new()).await.unwrap_err();
    assert!(matches!(&error, RemoteError::FallbackFailed { local, .. } if local == "no employees"), "{error}");

    let healthy = FakeServer::start(|_, _| Reply::ok(r#"{"score": 0.8}"#)).await;
    let scorer = http_client(&healthy, fast()).with_fallback(|_: &Map<String, Value>| Ok::<_, String>(0.0));
    let scored = scorer.score_detailed(&features()).await.unwrap();
    assert_eq!((scored.value, scored.source, scored.error), (0.8, Source::Remote, None));
    assert_eq!(scorer.score(&features()).await.unwrap(), 0.8);
}

#[test]
fn toml_configs_parse_with_defaults_and_hide_secrets() {
    let sagemaker: RemoteConfig = toml::from_str(
        r#"
        kind = "sagemaker"
        region = "us-east-1"
        endpoint_name = "lead-model"
        content_type = "text/csv"
        feature_order = ["a", "b"]
        timeout_ms = 500
        fallback = true
        breaker = { failures = 3 }
        [credentials]
        access_key_id = "AKIDCONFIG"
        secret_access_key = "config-secret-key"
        session_token = "config-session-token"
        "#,
    )
    .unwrap();
    assert!(matches!(&sagemaker.provider, ProviderConfig::Sagemaker(c) if c.feature_order.len() == 2));
    let options = sagemaker.call_options();
    assert_eq!(options.timeout, Duration::from_millis(500));
    assert_eq!(options.retries, 2);
    assert_eq!(options.breaker, BreakerSettings { failures: 3, cooldown: Duration::from_secs(30) });
    assert!(sagemaker.fallback);

    let azure: RemoteConfig = toml::from_str(
        r#"
        kind = "azureml"
        scoring_uri = "https://leads.westeurope.inference.ml.azure.com/score"
        key = "azure-config-key"
        deployment = "green"
        body = "raw"
        "#,
    )
    .unwrap();
    assert!(matches!(&azure.provider, ProviderConfig::Azureml(c) if c.body == AzureBody::Raw));
    assert_eq!(azure.call_options(), CallOptions::default());
    assert!(!azure.fallback);

    let http: RemoteConfig = toml::from_str(
        r#"
        kind = "http"
        name = "scoring-svc"
        url = "https://scoring.example.com/v1/score"
        headers = { "X-API-Key" = "http-config-key" }
        "#,
    )
    .unwrap();
    let ProviderConfig::Http(c) = &http.provider else { panic!("http config expected") };
    assert_eq!(c.score_pointer, "/score");

    let clients = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async { [sagemaker.build().unwrap(), azure.build().unwrap(), http.build().unwrap()] });
    assert_eq!(clients[2].name(), "scoring-svc");
    let shown = format!("{sagemaker:?} {azure:?} {http:?} {clients:?}");
    for secret in ["config-secret-key", "config-session-token", "azure-config-key", "http-config-key"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert!(shown.contains("AKIDCONFIG"));

    assert!(toml::from_str::<RemoteConfig>("kind = \"grpc\"\nurl = \"https://x\"").is_err());
    let bad: RemoteConfig = toml::from_str("kind = \"http\"\nurl = \"ftp://x/score\"").unwrap();
    assert!(matches!(bad.build(), Err(RemoteError::Config(_))));
}

#[tokio::test]
async fn fake_sagemaker_rejects_tampered_requests() {
    let server = fake_sagemaker("[0.5]").await;
    let client = RemoteClient::sagemaker(sagemaker_config(&server, SECRET), fast()).unwrap();
    client.score(&features()).await.unwrap();
    let good = server.requests().remove(0);
    assert_eq!(check_sigv4(&good, SECRET), Ok(()));

    let mut body = good.clone();
    body.body = bytes::Bytes::from_static(b"{}");
    assert!(check_sigv4(&body, SECRET).unwrap_err().contains("x-amz-content-sha256"));

    let mut path = good.clone();
    path.path = "/endpoints/other-model/invocations".into();
    assert_eq!(check_sigv4(&path, SECRET), Err("signature mismatch".into()));

    let mut date = good.clone();
    date.headers.remove("x-amz-date");
    assert!(check_sigv4(&date, SECRET).is_err());
}
