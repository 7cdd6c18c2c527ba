//! The API's routes with their OpenAPI 3.1 document, generated from the handlers' annotations (a route
//! cannot be served without being documented, or documented without being served), and the docs page.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{AppState, leads, middleware, ops, runs, score};
use crate::config::ServeSettings;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "leadsmith",
        description = "Leads in; deduplicated, crawled, extracted, scored and explained leads out. \
            Send an API key (`leadsmith keys create`) as `X-API-Key` or `Authorization: Bearer`. \
            Errors are RFC 9457 problem details with the request id.",
        license(name = "Apache-2.0")
    ),
    modifiers(&SecuritySchemes),
    components(schemas(super::Problem, super::FieldError)),
    tags(
        (name = "scoring", description = "Scoring compatible with the lead-scoring service's clients"),
        (name = "model", description = "The served model"),
        (name = "leads", description = "Leads: create, upload, list, show, delete, enrich again"),
        (name = "runs", description = "Runs of the pipeline"),
        (name = "queue", description = "The job queue and its dead letters"),
        (name = "operations", description = "Health, readiness, status, resources, metrics"),
    )
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))));
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every API route, documented, each under its request timeout.
pub(super) fn routes(config: &ServeSettings) -> OpenApiRouter<Arc<AppState>> {
    let timeout =
        |secs: f64| axum::middleware::from_fn_with_state(Duration::from_secs_f64(secs), middleware::request_timeout);
    let (schemas, paths, upload) = routes!(leads::upload);
    let upload =
        upload.layer(DefaultBodyLimit::max(config.max_upload_bytes)).layer(timeout(config.upload_timeout_secs));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(ops::health))
        .routes(routes!(ops::live))
        .routes(routes!(ops::ready))
        .routes(routes!(ops::status))
        .routes(routes!(ops::resources))
        .routes(routes!(ops::prometheus))
        .routes(routes!(score::score))
        .routes(routes!(score::score_batch))
        .routes(routes!(score::model_info))
        .routes(routes!(score::model_features))
        .routes(routes!(score::model_importance))
        .routes(routes!(leads::create, leads::list))
        .routes(routes!(leads::create_batch))
        .routes(routes!(leads::show, leads::delete))
        .routes(routes!(leads::enrich))
        .routes(routes!(runs::start, runs::list))
        .routes(routes!(runs::show))
        .routes(routes!(runs::cancel))
        .routes(routes!(runs::stats))
        .routes(routes!(runs::dead))
        .routes(routes!(runs::redrive))
        .routes(routes!(runs::purge))
        .route_layer(timeout(config.request_timeout_secs))
        .routes((schemas, paths, upload))
}

const DOCS_HTML: &str = include_str!("docs.html");

/// `/api/v1/openapi.json` and `/api/v1/docs` (a page served by the binary: no CDN, works offline).
pub(super) fn serve(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<Arc<AppState>> {
    let json = Arc::new(openapi.to_pretty_json().expect("the OpenAPI document serialises"));
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let json = json.clone();
                async move { typed(json.as_str().to_string(), "application/json") }
            }),
        )
        .route("/api/v1/docs", get(|| async { typed(DOCS_HTML.to_string(), "text/html; charset=utf-8") }))
}

fn typed(body: String, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
