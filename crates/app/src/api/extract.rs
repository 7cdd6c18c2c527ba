//! Reading requests: bodies (size-limited JSON), query strings and path ids, each refused with a
//! problem response that names what is wrong.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;

use super::problem;

/// Reads a JSON body, or the response for a body that is too large or not the expected JSON.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub fn parse_body<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, Response> {
    let bytes = body_bytes(body)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::BAD_REQUEST };
        problem(status, format!("request body: {e}"), None)
    })
}

/// The body's bytes, or a 413 over the size limit (400 when it could not be read).
#[allow(clippy::result_large_err)]
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Response> {
    body.map_err(|e| {
        let status = e.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is over the size limit".to_string()
        } else {
            e.body_text()
        };
        problem(status, detail, None)
    })
}

/// A query string, or a 400 naming what is wrong with it.
#[allow(clippy::result_large_err)]
pub fn parse_query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, Response> {
    query.map(|Query(q)| q).map_err(|e| problem(StatusCode::BAD_REQUEST, e.body_text(), None))
}

/// A numeric id from the path, or a 404 (an id that is not a number names nothing).
#[allow(clippy::result_large_err)]
pub fn parse_id(path: Result<Path<i64>, PathRejection>, what: &str) -> Result<i64, Response> {
    path.map(|Path(id)| id).map_err(|_| problem(StatusCode::NOT_FOUND, format!("no such {what}"), None))
}
