//! Scoring compatible with the lead-scoring service's clients (`POST /api/v1/score`, `/score/batch`) and
//! the served model's information, features and importance.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leadsmith_model::{Objective, ScoringModel};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiError, AppState, Ctx, FieldError, JsonBody, Problem, Read, json_response, parse_body, parse_query, problem,
};
use crate::telemetry as metrics;

/// The model, or a 503 saying why there is none.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn loaded_model(state: &AppState) -> Result<Arc<ScoringModel>, Response> {
    state.model().cloned().ok_or_else(|| {
        let detail = match (state.model_error.get(), state.model.get()) {
            (Some(e), _) => {
                let detail = "the model failed to load; the server log says why";
                return ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, detail, e).into_response();
            }
            (None, None) => "the model is still loading",
            (None, Some(_)) => "this server has no model: start it with --model PATH or set [serve] model",
        };
        problem(StatusCode::SERVICE_UNAVAILABLE, detail, None)
    })
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// Add the time taken and the five features that moved the score most.
    #[serde(default)]
    include_details: bool,
}

/// One lead to score.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// The caller's id for the lead, echoed back (any JSON value).
    #[serde(default)]
    #[schema(value_type = Object)]
    lead_id: Value,
    /// Feature name → value (numbers or booleans); see `GET /api/v1/model/features`. `null` is the same as
    /// leaving the feature out: its default in the model's manifest, or a 422 when it has none.
    #[schema(value_type = Object)]
    features: BTreeMap<String, Value>,
}

/// Up to the batch limit (default 100) leads.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// Each read on its own, so that one malformed lead is reported at its index and the rest are scored.
    #[schema(value_type = Vec<ScoreRequest>)]
    leads: Vec<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModelRef {
    name: String,
    version: String,
}

impl ModelRef {
    fn of(model: &ScoringModel) -> Self {
        Self { name: model.manifest.name.clone(), version: model.manifest.version.clone() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreValue {
    /// The model's output: a calibrated probability for classifiers.
    raw_score: f64,
    /// clamp(round(p·4+1), 1, 5) under the bucket mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    bucket: Option<u8>,
    /// 5→A … 1→E by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<String>,
    /// A 0–100 score under the score mapping.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopFeature {
    feature: String,
    /// Null when the feature was missing.
    value: Option<f64>,
    /// Its contribution to the model's margin (SHAP-style).
    contribution: f64,
    /// In words: "employees 42 (+2.10)".
    text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Details {
    timing_ms: f64,
    top_features: Vec<TopFeature>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredLead {
    #[schema(value_type = Object)]
    lead_id: Value,
    score: ScoreValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreResponse {
    request_id: String,
    model: ModelRef,
    #[serde(flatten)]
    lead: ScoredLead,
}

/// A lead of a batch, by its position in the request (0-based): its score, or why it could not be scored.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItem {
    index: usize,
    #[serde(flatten)]
    outcome: BatchOutcome,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BatchOutcome {
    Scored(ScoredLead),
    Failed {
        #[schema(value_type = Object)]
        lead_id: Value,
        errors: Vec<FieldError>,
    },
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    request_id: String,
    model: ModelRef,
    scored: usize,
    failed: usize,
    results: Vec<BatchItem>,
}

/// Scores one request, or the per-field errors.
fn score_one(model: &ScoringModel, req: &ScoreRequest, details: bool) -> Result<ScoredLead, Vec<FieldError>> {
    let started = Instant::now();
    // A null is a feature left out, whatever the manifest would make of a null: its default, or required.
    let given: BTreeMap<String, Value> =
        req.features.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
    let row = model.manifest.row(&given).map_err(|errors| {
        metrics::global().prediction_error();
        errors
            .iter()
            .map(|e| FieldError { field: format!("features.{}", e.feature), problem: e.problem.to_string() })
            .collect::<Vec<_>>()
    })?;
    let scored = model.score(&row);
    let score = match scored.shown {
        Some(shown) => ScoreValue {
            raw_score: scored.value,
            bucket: shown.bucket,
            tier: Some(shown.tier),
            display: Some(shown.display),
            score: shown.score,
        },
        None => ScoreValue { raw_score: scored.value, bucket: None, tier: None, display: None, score: None },
    };
    let details = details.then(|| {
        let top_features = model
            .reasons(&row, 5)
            .iter()
            .map(|r| TopFeature {
                feature: r.feature.clone(),
                value: (!r.value.is_nan()).then_some(r.value),
                contribution: r.contribution,
                text: r.to_string(),
            })
            .collect();
        Details { timing_ms: started.elapsed().as_secs_f64() * 1000.0, top_features }
    });
    metrics::global().prediction(started.elapsed().as_secs_f64());
    Ok(ScoredLead { lead_id: req.lead_id.clone(), score, details })
}

/// One lead of a batch: read on its own (a lead that is not a scoring request fails alone), then scored.
fn score_batch_lead(model: &ScoringModel, lead: Value, details: bool) -> BatchOutcome {
    let lead_id = lead.get("lead_id").cloned().unwrap_or(Value::Null);
    let missing_features = lead.is_object() && lead.get("features").is_none();
    let request: ScoreRequest = match serde_json::from_value(lead) {
        Ok(request) => request,
        Err(e) => {
            let error = if missing_features {
                FieldError { field: "features".into(), problem: "required and missing".into() }
            } else {
                FieldError { field: "lead".into(), problem: e.to_string() }
            };
            metrics::global().prediction_error();
            return BatchOutcome::Failed { lead_id, errors: vec![error] };
        }
    };
    match score_one(model, &request, details) {
        Ok(scored) => BatchOutcome::Scored(scored),
        Err(errors) => BatchOutcome::Failed { lead_id, errors },
    }
}

/// Runs model inference on the blocking pool, so that a large batch with explanations never stalls the
/// requests the async workers are serving meanwhile.
async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Response> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError::internal(StatusCode::INTERNAL_SERVER_ERROR, "scoring failed unexpectedly", e).into_response()
    })
}

/// What both scoring endpoints start with: the model, the body and `include_details`.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn score_request<T: serde::de::DeserializeOwned>(
    ctx: &Ctx,
    query: Result<Query<ScoreQuery>, QueryRejection>,
    body: JsonBody,
) -> Result<(Arc<ScoringModel>, T, bool), Response> {
    let model = loaded_model(&ctx.state)?;
    let request = parse_body(body)?;
    let details = parse_query(query)?.include_details;
    Ok((model, request, details))
}

/// Score one lead.
#[utoipa::path(post, path = "/api/v1/score", tag = "scoring", params(ScoreQuery), request_body = ScoreRequest,
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The lead's score", body = ScoreResponse),
        (status = 401, description = "No usable API key", body = Problem),
        (status = 422, description = "Missing or mistyped features, each named", body = Problem),
        (status = 429, description = "Over the key's rate limit", body = Problem),
        (status = 503, description = "No model loaded", body = Problem),
        (status = 400, description = "Not JSON", body = Problem),
        (status = 415, description = "Not sent as application/json", body = Problem),
    ))]
pub async fn score(Read(ctx): Read, query: Result<Query<ScoreQuery>, QueryRejection>, body: JsonBody) -> Response {
    let (model, req, details) = or_return!(score_request::<ScoreRequest>(&ctx, query, body));
    let scored = {
        let model = model.clone();
        off_runtime(move || score_one(&model, &req, details)).await
    };
    match or_return!(scored) {
        Ok(lead) => {
            json_response(StatusCode::OK, &ScoreResponse { request_id: ctx.id, model: ModelRef::of(&model), lead })
        }
        Err(errors) => {
            let detail = format!("{} feature problem(s)", errors.len());
            problem(StatusCode::UNPROCESSABLE_ENTITY, detail, Some(json!({"errors": errors})))
        }
    }
}

/// Score a batch of leads; leads that cannot be scored say why and the rest are scored.
#[utoipa::path(post, path = "/api/v1/score/batch", tag = "scoring", params(ScoreQuery), request_body = BatchRequest,
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Each lead's score or errors, in order", body = BatchResponse),
        (status = 401, description = "No usable API key", body = Problem),
        (status = 413, description = "More leads than the batch limit", body = Problem),
        (status = 422, description = "Not a batch", body = Problem),
        (status = 503, description = "No model loaded", body = Problem),
        (status = 400, description = "Not JSON", body = Problem),
        (status = 415, description = "Not sent as application/json", body = Problem),
    ))]
pub async fn score_batch(
    Read(ctx): Read,
    query: Result<Query<ScoreQuery>, QueryRejection>,
    body: JsonBody,
) -> Response {
    let (model, req, details) = or_return!(score_request::<BatchRequest>(&ctx, query, body));
    let limit = ctx.state.config.batch_limit;
    if req.leads.len() > limit {
        let detail = format!("{} leads in one batch; the limit is {limit}", req.leads.len());
        return problem(StatusCode::PAYLOAD_TOO_LARGE, detail, None);
    }
    metrics::global().batch(req.leads.len());
    let results = {
        let model = model.clone();
        off_runtime(move || {
            req.leads
                .into_iter()
                .enumerate()
                .map(|(index, lead)| BatchItem { index, outcome: score_batch_lead(&model, lead, details) })
                .collect::<Vec<BatchItem>>()
        })
        .await
    };
    let results = or_return!(results);
    let failed = results.iter().filter(|r| matches!(r.outcome, BatchOutcome::Failed { .. })).count();
    json_response(
        StatusCode::OK,
        &BatchResponse {
            request_id: ctx.id,
            model: ModelRef::of(&model),
            scored: results.len() - failed,
            failed,
            results,
        },
    )
}

/// The served model: name, version, format, objective, feature count, output mapping and calibration.
#[utoipa::path(get, path = "/api/v1/model/info", tag = "model", security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "The model", body = Object), (status = 503, description = "No model loaded", body = Problem)))]
pub async fn model_info(Read(ctx): Read) -> Response {
    let model = or_return!(loaded_model(&ctx.state));
    let objective = match model.objective() {
        Objective::Probability => "probability",
        Objective::Regression => "regression",
    };
    let calibration = model.manifest.calibration.as_ref().map(|c| serde_json::to_value(c).unwrap_or(Value::Null));
    json_response(
        StatusCode::OK,
        json!({
            "name": model.manifest.name,
            "version": model.manifest.version,
            "format": model.format.as_str(),
            "objective": objective,
            "features": model.features().len(),
            "output": model.manifest.output,
            "calibration": calibration,
        }),
    )
}

/// The model's features: name, type, default, range.
#[utoipa::path(get, path = "/api/v1/model/features", tag = "model", security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "The features, in model order", body = Object), (status = 503, description = "No model loaded", body = Problem)))]
pub async fn model_features(Read(ctx): Read) -> Response {
    match loaded_model(&ctx.state) {
        Ok(m) => json_response(StatusCode::OK, json!({"features": m.features()})),
        Err(r) => r,
    }
}

/// Total split gain per feature, largest first (tree models); 404 for models that record none.
#[utoipa::path(get, path = "/api/v1/model/importance", tag = "model", security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Gain per feature", body = Object),
        (status = 404, description = "The model records no split gain", body = Problem),
        (status = 503, description = "No model loaded", body = Problem)))]
pub async fn model_importance(Read(ctx): Read) -> Response {
    let model = or_return!(loaded_model(&ctx.state));
    let Some(gain) = model.model.gain_importance() else {
        let detail = format!(
            "a {} model records no split gain; `leadsmith model importance --data FILE` gives mean |SHAP|",
            model.format.as_str()
        );
        return problem(StatusCode::NOT_FOUND, detail, None);
    };
    let mut rows: Vec<(String, f64)> = model.features().iter().map(|f| f.name.clone()).zip(gain).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let features: Vec<Value> = rows.into_iter().map(|(name, gain)| json!({"feature": name, "gain": gain})).collect();
    json_response(StatusCode::OK, json!({"importance": "gain", "features": features}))
}
