//! Reading requests: bodies (size-limited JSON), query strings and path ids, each refused with a
//! problem response that names what is wrong.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, Path, Query, Request};
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::problem;

/// The body of a request to a JSON endpoint, read through the size limit, with its media type; refused
/// only by [`parse_body`], so that the handler's key check comes first.
pub struct JsonBody {
    bytes: Result<Bytes, BytesRejection>,
    /// The Content-Type without its parameters, lower-cased; `None` when there is none.
    media_type: Option<String>,
}

impl JsonBody {
    /// Whether the body is empty or only white space (for endpoints whose body is optional).
    pub fn is_blank(&self) -> bool {
        self.bytes.as_ref().is_ok_and(|b| b.iter().all(u8::is_ascii_whitespace))
    }

    /// `application/json` or a `+json` type such as `application/merge-patch+json`.
    fn is_json(&self) -> bool {
        self.media_type
            .as_deref()
            .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")))
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Infallible> {
        let media_type = req.headers().get(header::CONTENT_TYPE).map(|v| {
            let value = String::from_utf8_lossy(v.as_bytes());
            value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
        });
        let bytes = Bytes::from_request(req, state).await;
        Ok(Self { bytes, media_type })
    }
}

/// Reads a JSON body: 415 when it is not sent as `application/json`, 413 over the size limit, 400 when it
/// is not JSON and 422 when it is JSON of the wrong shape.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub fn parse_body<T: serde::de::DeserializeOwned>(body: JsonBody) -> Result<T, Response> {
    if !body.is_json() {
        let detail = match &body.media_type {
            Some(media_type) => format!("Content-Type {media_type}: this endpoint takes application/json"),
            None => "no Content-Type: this endpoint takes application/json".to_string(),
        };
        return Err(problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail, None));
    }
    let bytes = body_bytes(body.bytes)?;
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
