//! Errors as RFC 9457 problem responses: [`ApiError`], the documents' schema, and the helpers handlers
//! answer with.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

/// An error response: an RFC 9457 problem (`application/problem+json`). Built anywhere without the
/// request id; the request-context middleware adds it to the body, and logs a server error's internal
/// cause once, with the request id, so that 5xx bodies never reveal internal error text.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    extra: Option<Value>,
    /// What really failed, for the log only.
    cause: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self { status, detail: detail.into(), extra: None, cause: None }
    }

    /// Adds members to the problem document (`code`, `errors`, …).
    pub fn with(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }

    /// A server-side failure: the client reads `detail`; `cause` goes to the log.
    pub fn internal(status: StatusCode, detail: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self { status, detail: detail.into(), extra: None, cause: Some(cause.to_string()) }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    fn body(&self, request_id: Option<&str>) -> String {
        let mut body = json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(id) = request_id {
                obj.insert("request_id".into(), json!(id));
            }
            if let Some(Value::Object(extra)) = &self.extra {
                obj.extend(extra.clone());
            }
        }
        body.to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body(None)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response.extensions_mut().insert(self);
        response
    }
}

/// Gives an error response its final body: the problem with the request id; logs a server error's cause.
pub(super) fn finish_problem(response: Response, request_id: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let Some(error) = parts.extensions.remove::<ApiError>() else {
        return Response::from_parts(parts, body);
    };
    if let Some(cause) = &error.cause {
        tracing::error!(status = error.status.as_u16(), error = %cause, "request failed");
    } else if error.status.is_server_error() {
        tracing::error!(status = error.status.as_u16(), detail = %error.detail, "request failed");
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(error.body(Some(request_id))))
}

/// An RFC 9457 problem response (see [`ApiError`]).
pub fn problem(status: StatusCode, detail: impl Into<String>, extra: Option<Value>) -> Response {
    let error = ApiError::new(status, detail);
    match extra {
        Some(extra) => error.with(extra),
        None => error,
    }
    .into_response()
}

/// An RFC 9457 problem document (every error response).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in words.
    pub detail: String,
    pub request_id: String,
    /// A stable machine-readable reason, where there is one (API key refusals).
    pub code: Option<String>,
    /// Per-field problems (422).
    pub errors: Option<Vec<FieldError>>,
}

/// One field of a request body that could not be used.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// `features.employees`, `leads[3]`.
    pub field: String,
    pub problem: String,
}

/// A JSON response: a `json!` value or any serialisable body (by value or by reference).
pub fn json_response(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, serde_json::to_vec(&body).expect("serialisable")).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A response for a store that failed: a 503 that says so; the error itself goes to the log, with the
/// request id, never to the client.
pub fn store_failed(e: impl std::fmt::Display) -> Response {
    ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, "the store is not answering; try again shortly", e)
        .into_response()
}
