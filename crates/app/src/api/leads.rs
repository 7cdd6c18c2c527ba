//! Leads over HTTP: create one or a batch, upload a CSV or JSONL file (the import rules and error report
//! of `leadsmith import`), list with filters and cursor pagination, show one with its facts, findings,
//! score breakdown and history, soft-delete, and enrich again.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadsmith_store::{LeadCursor, LeadFilter, LeadSummary, RowDecision};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use super::{
    Ctx, FieldError, JsonBody, Problem, Read, Write, body_bytes, json_response, parse_body, parse_id, parse_query,
    problem, store_failed,
};
use crate::pipeline::import::{self, ImportReport, Parsed};
use crate::table::Format;

/// A lead's fields, as in a JSONL import line: `company`, `website`, `email`, `phone`, `street`, `city`,
/// `region`, `postal_code`, `country`, `first_name`, `last_name`, `title`, `external_id`, `vertical`; other
/// fields are kept with the lead as extra columns.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct LeadFields(Map<String, Value>);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadsBatch {
    /// Up to 1,000 leads (`[serve] leads_batch_limit`).
    leads: Vec<LeadFields>,
}

/// What happened to one lead of a request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Its position in the request (0-based), or its line in an upload (1-based, the header is line 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    /// `new`, `merged` (into an existing lead sharing a domain, email, phone or external id), `unchanged`
    /// (this exact row was imported before) or `rejected`.
    outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lead_id: Option<i64>,
    /// What it was merged on (`domain:example.com`).
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_on: Option<String>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The rejected row as given (uploads).
    #[serde(skip_serializing_if = "Option::is_none")]
    raw: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResponse {
    read: usize,
    imported: usize,
    merged: usize,
    unchanged: usize,
    /// Rows imported before whose leads this reading filled in.
    updated: usize,
    rejected: usize,
    /// Merges per kind of key (`domain`, `phone`, `external`).
    merges_by_key: BTreeMap<String, usize>,
    /// Phones and external ids too many rows share to merge on, with how many rows hold each.
    crowded_keys: BTreeMap<String, usize>,
    /// Problems that did not reject a row (a phone number kept aside), with line numbers.
    warnings: Vec<String>,
    results: Vec<ImportResult>,
}

/// Imports parsed rows under `source` and reports each row; `by_index` reports positions (0-based) instead
/// of lines.
async fn import(ctx: &Ctx, source: &str, mut parsed: Parsed, by_index: bool) -> Result<ImportResponse, Response> {
    let rows = std::mem::take(&mut parsed.rows);
    let outcome = ctx.state.store.import_rows(source, rows, false).await.map_err(store_failed)?;
    let report = ImportReport::new(&parsed, &outcome);
    let place = |line: u64| if by_index { (Some(line as usize - 1), None) } else { (None, Some(line)) };
    let mut results = Vec::with_capacity(report.read);
    for d in &outcome.decisions {
        let (line, outcome, matched_on) = match d {
            RowDecision::New { line, .. } => (*line, "new", None),
            RowDecision::Merged { line, key, .. } => (*line, "merged", Some(key.clone())),
            RowDecision::Unchanged { line, .. } => (*line, "unchanged", None),
            RowDecision::Updated { line, .. } => (*line, "updated", None),
        };
        let (index, line) = place(line);
        let outcome = outcome.to_string();
        results.push(ImportResult {
            index,
            line,
            outcome,
            lead_id: Some(d.lead_id()),
            matched_on,
            error: None,
            raw: None,
        });
    }
    for r in &parsed.rejected {
        let (index, line) = place(r.line);
        let raw = (!by_index && !r.raw.is_empty()).then(|| r.raw.clone());
        let error = Some(r.reason.clone());
        results.push(ImportResult {
            index,
            line,
            outcome: "rejected".into(),
            lead_id: None,
            matched_on: None,
            error,
            raw,
        });
    }
    results.sort_by_key(|r| (r.index, r.line));
    let mut warnings = report.warnings;
    warnings.extend(report.notes);
    Ok(ImportResponse {
        read: report.read,
        imported: report.imported,
        merged: report.merged,
        unchanged: report.unchanged,
        updated: report.updated,
        rejected: report.rejected,
        merges_by_key: report.merges_by_key,
        crowded_keys: report.crowded_keys.into_iter().collect(),
        warnings,
        results,
    })
}

/// The rows of JSON objects, parsed by the JSONL import's rules (line n is object n-1).
fn parse_objects(ctx: &Ctx, objects: &[LeadFields]) -> Parsed {
    let text: Vec<String> = objects.iter().map(|o| Value::Object(o.0.clone()).to_string()).collect();
    import::parse_jsonl(&text.join("\n"), &ctx.state.settings.pipeline.default_region)
}

fn source_for(ctx: &Ctx, what: &str) -> String {
    format!("api:{}:{what}", ctx.key.name)
}

/// Create one lead (deduplicated against the store: a duplicate is merged into the lead it matches).
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", request_body = LeadFields,
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "A new lead", body = ImportResult),
        (status = 200, description = "Merged into an existing lead, or unchanged", body = ImportResult),
        (status = 403, description = "The key may not write", body = Problem),
        (status = 422, description = "Not a usable lead, with why", body = Problem),
        (status = 400, description = "Not JSON", body = Problem),
        (status = 415, description = "Not sent as application/json", body = Problem),
    ))]
pub async fn create(Write(ctx): Write, body: JsonBody) -> Response {
    let lead: LeadFields = or_return!(parse_body(body));
    let parsed = parse_objects(&ctx, std::slice::from_ref(&lead));
    let report = or_return!(import(&ctx, &source_for(&ctx, "create"), parsed, true).await);
    let Some(result) = report.results.into_iter().next() else {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "the lead is empty", None);
    };
    if let Some(error) = result.error {
        let errors = vec![FieldError { field: "lead".into(), problem: error.clone() }];
        return problem(StatusCode::UNPROCESSABLE_ENTITY, error, Some(json!({"errors": errors})));
    }
    let status = if result.outcome == "new" { StatusCode::CREATED } else { StatusCode::OK };
    let mut response = json_response(status, &result);
    if let Some(id) = result.lead_id
        && let Ok(v) = HeaderValue::from_str(&format!("/api/v1/leads/{id}"))
    {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Create up to 1,000 leads; each is reported (new, merged, unchanged or rejected with why) and a
/// rejected lead does not stop the rest.
#[utoipa::path(post, path = "/api/v1/leads/batch", tag = "leads", request_body = LeadsBatch,
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Each lead's outcome, by position", body = ImportResponse),
        (status = 413, description = "Over the batch limit", body = Problem),
        (status = 422, description = "Not a batch", body = Problem),
        (status = 400, description = "Not JSON", body = Problem),
        (status = 415, description = "Not sent as application/json", body = Problem),
    ))]
pub async fn create_batch(Write(ctx): Write, body: JsonBody) -> Response {
    let batch: LeadsBatch = or_return!(parse_body(body));
    let limit = ctx.state.config.leads_batch_limit;
    if batch.leads.len() > limit {
        let detail = format!("{} leads in one batch; the limit is {limit}", batch.leads.len());
        return problem(StatusCode::PAYLOAD_TOO_LARGE, detail, None);
    }
    let parsed = parse_objects(&ctx, &batch.leads);
    match import(&ctx, &source_for(&ctx, "batch"), parsed, true).await {
        Ok(report) => json_response(StatusCode::OK, &report),
        Err(r) => r,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `csv` or `jsonl`; by default from the Content-Type (text/csv, application/x-ndjson), else by content.
    format: Option<String>,
    /// A name for this upload, kept with each row's provenance (default `upload`).
    source: Option<String>,
}

/// Upload a lead list (CSV with a header row, or JSONL): the same import rules as `leadsmith import`;
/// rejected rows come back with their line numbers and reasons and the rest are imported.
#[utoipa::path(post, path = "/api/v1/leads/upload", tag = "leads", params(UploadQuery),
    request_body(content = String, content_type = "text/csv", description = "CSV or JSONL (application/x-ndjson)"),
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Each row's outcome, by line", body = ImportResponse),
        (status = 413, description = "Over the upload size limit", body = Problem),
        (status = 415, description = "Neither CSV nor JSONL", body = Problem),
        (status = 422, description = "No usable CSV header", body = Problem),
    ))]
pub async fn upload(
    Write(ctx): Write,
    headers: HeaderMap,
    query: Result<Query<UploadQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let query = or_return!(parse_query(query));
    let bytes = or_return!(body_bytes(body));
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let format = match query.format.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Some(Format::Csv),
        Some("jsonl" | "ndjson") => Some(Format::Jsonl),
        Some(other) => {
            let detail = format!("format {other:?}: use csv or jsonl");
            return problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail, None);
        }
        None => match media.as_str() {
            "text/csv" | "application/csv" => Some(Format::Csv),
            "application/x-ndjson" | "application/jsonl" | "application/x-jsonlines" | "application/jsonlines" => {
                Some(Format::Jsonl)
            }
            "" | "text/plain" | "application/octet-stream" => None,
            other => {
                let detail = format!("Content-Type {other}: send text/csv or application/x-ndjson");
                return problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail, None);
            }
        },
    };
    let parsed = match import::ImportOptions::from_settings(&ctx.state.settings)
        .and_then(|options| import::parse_bytes(&bytes, format, &options))
    {
        Ok(p) => p,
        Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}"), None),
    };
    let name = query.source.unwrap_or_else(|| "upload".into());
    match import(&ctx, &source_for(&ctx, &name), parsed, false).await {
        Ok(report) => json_response(StatusCode::OK, &report),
        Err(r) => r,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A, B, C, D or FAILED.
    tier: Option<String>,
    /// Leads scoring at least this (a finite number).
    min_score: Option<f64>,
    /// Leads scoring at most this (a finite number).
    max_score: Option<f64>,
    vertical: Option<String>,
    /// The crawl's status (`ok`, `timeout`, `dns_error`, …) or `none` for leads not crawled yet.
    crawl_status: Option<String>,
    /// Text found in the company, domain, website, email, external id or city (case-insensitive).
    q: Option<String>,
    #[serde(default)]
    include_deleted: bool,
    /// Leads per page, 1–500 (default 50).
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadItem {
    id: i64,
    company: Option<String>,
    domain: Option<String>,
    website: Option<String>,
    vertical: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    city: Option<String>,
    tier: Option<String>,
    score: Option<f64>,
    crawl_status: Option<String>,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<String>,
}

impl LeadItem {
    fn of(s: &LeadSummary) -> Self {
        let input = &s.lead.input;
        Self {
            id: s.lead.id,
            company: input.company.clone(),
            domain: input.domain.as_ref().map(|d| d.to_string()),
            website: input.website.clone(),
            vertical: input.vertical.clone(),
            email: input.email.as_ref().map(|e| e.to_string()),
            phone: input.phone.as_ref().map(|p| p.to_string()),
            city: input.address.city.clone(),
            tier: s.tier.clone(),
            score: s.score,
            crawl_status: s.crawl_status.clone(),
            created_at: s.lead.created_at.clone(),
            deleted_at: s.deleted_at.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadPage {
    /// Best first: scored leads by score, then gated (FAILED), then unscored.
    leads: Vec<LeadItem>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next_cursor: Option<String>,
}

/// List leads, best first, with filters and cursor pagination.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", params(ListQuery),
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of leads", body = LeadPage),
        (status = 400, description = "A bad filter or cursor", body = Problem),
    ))]
pub async fn list(Read(ctx): Read, query: Result<Query<ListQuery>, QueryRejection>) -> Response {
    let q = or_return!(parse_query(query));
    let limit = q.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return problem(StatusCode::BAD_REQUEST, "limit must be between 1 and 500", None);
    }
    let after = match q.cursor.as_deref().map(|c| LeadCursor::decode(c).ok_or(c)) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(c)) => {
            return problem(StatusCode::BAD_REQUEST, format!("cursor {c:?} is not one this API gave"), None);
        }
    };
    let tier = match q.tier.as_deref().map(leadsmith_core::Tier::parse_named).transpose() {
        Ok(tier) => tier.map(|t| t.to_string()),
        Err(detail) => return problem(StatusCode::BAD_REQUEST, detail, None),
    };
    // `NaN` and `inf` parse as numbers, and a NaN bound would match nothing without saying why.
    for (name, bound) in [("min_score", q.min_score), ("max_score", q.max_score)] {
        if let Some(bound) = bound.filter(|b| !b.is_finite()) {
            let detail = format!("{name} must be a finite number, not {bound}");
            let errors = [FieldError { field: name.into(), problem: "not a finite number".into() }];
            return problem(StatusCode::BAD_REQUEST, detail, Some(json!({"errors": errors})));
        }
    }
    let filter = LeadFilter {
        tier,
        min_score: q.min_score,
        max_score: q.max_score,
        vertical: q.vertical,
        crawl_status: q.crawl_status,
        text: q.q.filter(|t| !t.trim().is_empty()),
        include_deleted: q.include_deleted,
        after,
        // One more than asked for says whether there is a next page.
        limit: Some(limit + 1),
        offset: 0,
    };
    let mut rows = match ctx.state.store.list_leads(&filter).await {
        Ok(rows) => rows,
        Err(e) => return store_failed(e),
    };
    let next_cursor = (rows.len() > limit).then(|| {
        rows.truncate(limit);
        rows.last().map(|s| LeadCursor::of(s).encode())
    });
    let page = LeadPage { leads: rows.iter().map(LeadItem::of).collect(), next_cursor: next_cursor.flatten() };
    json_response(StatusCode::OK, &page)
}

/// One lead: its input, every fact with its source and confidence, the crawl, findings, the score
/// breakdown with reasons, where it came from and what was done to it (jobs and stage results).
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads", params(("id" = i64, Path, description = "Lead id")),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "The lead", body = Object), (status = 404, description = "No such lead", body = Problem)))]
pub async fn show(Read(ctx): Read, path: Result<Path<i64>, PathRejection>) -> Response {
    let id = or_return!(parse_id(path, "lead"));
    let store = ctx.state.store.as_ref();
    let record = match store.lead(id).await {
        Ok(Some(r)) => r,
        Ok(None) => return problem(StatusCode::NOT_FOUND, format!("no lead {id}"), None),
        Err(e) => return store_failed(e),
    };
    let (jobs, results) = match tokio::try_join!(store.lead_jobs(id), store.stage_results(id)) {
        Ok(v) => v,
        Err(e) => return store_failed(e),
    };
    let stages: Vec<Value> = results
        .iter()
        .map(|s| json!({"stage": s.stage, "status": s.status, "updated_at": s.updated_at, "job_id": s.job_id}))
        .collect();
    let view = or_return!(crate::view::LeadView::from_results(store, record, results).await.map_err(store_failed));
    let mut body = serde_json::to_value(&view).expect("serialisable");
    let jobs: Vec<Value> = jobs
        .iter()
        .map(|j| {
            json!({"job_id": j.id, "kind": j.kind, "run_id": j.run_id, "state": j.state, "attempts": j.attempts,
                   "max_attempts": j.max_attempts, "errors": j.errors})
        })
        .collect();
    body["history"] = json!({"stages": stages, "jobs": jobs});
    json_response(StatusCode::OK, body)
}

/// Delete a lead (soft): it leaves lists, exports and runs, its waiting jobs are cancelled, and its data is
/// kept; importing it again brings it back.
#[utoipa::path(delete, path = "/api/v1/leads/{id}", tag = "leads", params(("id" = i64, Path, description = "Lead id")),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such lead", body = Problem)))]
pub async fn delete(Write(ctx): Write, path: Result<Path<i64>, PathRejection>) -> Response {
    let id = or_return!(parse_id(path, "lead"));
    match ctx.state.store.delete_lead(id).await {
        Ok(true) => {
            tracing::info!(lead_id = id, key = ctx.key.name, "lead deleted");
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(false) => problem(StatusCode::NOT_FOUND, format!("no lead {id}"), None),
        Err(e) => store_failed(e),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrichRequest {
    /// Stages to run (`crawl`, `score`); default both.
    #[serde(default)]
    stages: Vec<String>,
}

/// Enrich a lead again: a run that crawls and scores it (or the stages asked for).
#[utoipa::path(post, path = "/api/v1/leads/{id}/enrich", tag = "leads",
    params(("id" = i64, Path, description = "Lead id")), request_body(content = EnrichRequest, description = "Optional"),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 202, description = "Queued; follow the run", body = Object),
        (status = 404, description = "No such lead", body = Problem), (status = 422, description = "Unknown stage", body = Problem),
        (status = 400, description = "Not JSON", body = Problem), (status = 415, description = "Not sent as application/json", body = Problem)))]
pub async fn enrich(Write(ctx): Write, path: Result<Path<i64>, PathRejection>, body: JsonBody) -> Response {
    let id = or_return!(parse_id(path, "lead"));
    let request: EnrichRequest = if body.is_blank() { EnrichRequest::default() } else { or_return!(parse_body(body)) };
    let store = ctx.state.store.as_ref();
    match store.lead(id).await {
        Ok(Some(_)) => {}
        Ok(None) => return problem(StatusCode::NOT_FOUND, format!("no lead {id}"), None),
        Err(e) => return store_failed(e),
    }
    let stages = if request.stages.is_empty() { crate::pipeline::stages::kinds() } else { request.stages };
    if let Err(e) = crate::pipeline::run_stages(&stages) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), None);
    }
    let source = format!("lead:{id}");
    let params = json!({"source": source, "kind": "lead", "lead_id": id, "stages": stages});
    match crate::pipeline::start_leads_run(store, &source, params, &[id], &stages, None).await {
        Ok(run) => {
            let mut response =
                json_response(StatusCode::ACCEPTED, json!({"run_id": run.run_id, "lead_id": id, "stages": stages}));
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/runs/{}", run.run_id)) {
                response.headers_mut().insert(header::LOCATION, v);
            }
            response
        }
        Err(e) => store_failed(format!("{e:#}")),
    }
}
