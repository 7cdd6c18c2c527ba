//! What on-call engineers look at: health, readiness, status, resources and Prometheus metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadsmith_store::Scope;
use serde_json::{Value, json};
use sysinfo::{Disks, Pid, ProcessesToUpdate, System};

use super::{AppState, Problem, Read, json_response, store_failed};
use crate::telemetry as metrics;

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "Up", body = Object)))]
pub async fn health() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}))
}

/// The process is up (liveness probe).
#[utoipa::path(get, path = "/health/live", tag = "operations",
    responses((status = 200, description = "Up", body = Object)))]
pub async fn live() -> Response {
    health().await
}

/// 200 once the store answers with its migrations applied and the model (if one is configured) has
/// loaded; 503 with what is missing until then.
#[utoipa::path(get, path = "/health/ready", tag = "operations",
    responses((status = 200, description = "Ready", body = Object), (status = 503, description = "Not ready, with the failing checks", body = Object)))]
pub async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let store = match state.store.schema_version().await {
        Ok(v) => Ok(json!({"ok": true, "backend": state.store.backend(), "schema_version": v})),
        Err(e) => {
            // Readiness needs no key: what failed goes to the log, not to whoever asks.
            tracing::warn!(error = %e, "readiness: the store is not answering");
            Err(json!({"ok": false, "error": "the store is not answering"}))
        }
    };
    let model = match (state.model.get(), state.model_error.get()) {
        (_, Some(e)) => Err(json!({"ok": false, "error": e})),
        (None, None) => Err(json!({"ok": false, "error": "the model is still loading"})),
        (Some(None), _) => Ok(json!({"ok": true, "model": null})),
        (Some(Some(m)), _) => Ok(json!({"ok": true, "model": m.describe()})),
    };
    let ok = store.is_ok() && model.is_ok();
    let unwrap = |r: Result<Value, Value>| r.unwrap_or_else(|e| e);
    let body = json!({"status": if ok { "ready" } else { "not_ready" }, "checks": {"store": unwrap(store), "model": unwrap(model)}});
    json_response(if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}

/// Version, uptime, store, model, queue depth by kind and the workers holding jobs.
#[utoipa::path(get, path = "/status", tag = "operations", security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Status", body = Object), (status = 401, description = "No usable API key", body = Problem)))]
pub async fn status(Read(ctx): Read) -> Response {
    let state = &ctx.state;
    let store = state.store.as_ref();
    let (schema, queue, holders) =
        match tokio::try_join!(store.schema_version(), store.queue_stats(), store.running_workers()) {
            Ok(v) => v,
            Err(e) => return store_failed(e),
        };
    json_response(
        StatusCode::OK,
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "uptime_secs": state.started.elapsed().as_secs_f64(),
            "store": {"backend": store.backend(), "schema_version": schema},
            "model": state.model().map(|m| json!({"name": m.manifest.name, "version": m.manifest.version, "format": m.format.as_str()})),
            "workers": {"in_process": state.workers.load(Ordering::Relaxed), "holding_jobs": holders},
            "queue": queue,
        }),
    )
}

/// CPU, memory and disk readings, kept between requests so CPU use is measured over the time since the
/// last reading.
pub struct SystemProbe {
    /// `None` where the platform gives no readings.
    system: Option<System>,
    pid: Option<Pid>,
}

impl SystemProbe {
    pub fn new() -> Self {
        let mut probe = Self { system: System::new().ok(), pid: sysinfo::get_current_pid().ok() };
        probe.refresh();
        probe
    }

    fn refresh(&mut self) {
        if let Some(system) = &mut self.system {
            system.refresh_cpu_usage();
            system.refresh_memory();
            if let Some(pid) = self.pid {
                system.refresh_processes(ProcessesToUpdate::Some(&[pid]), true);
            }
        }
    }

    fn reading(&mut self) -> Value {
        self.refresh();
        let Some(s) = &self.system else {
            return json!({"error": "this platform gives no CPU or memory readings"});
        };
        let process = self.pid.and_then(|pid| s.process(pid)).map(|p| {
            json!({
                "pid": p.pid().as_u32(),
                "cpu_percent": p.cpu_usage(),
                "memory_bytes": p.memory(),
                "virtual_memory_bytes": p.virtual_memory(),
                "run_time_secs": p.run_time(),
            })
        });
        let load = System::load_average().ok().map(|l| json!({"one": l.one, "five": l.five, "fifteen": l.fifteen}));
        let disks = Disks::new_with_refreshed_list().ok();
        let mut disk_list: Vec<&sysinfo::Disk> =
            disks.iter().flat_map(|d| d.iter()).filter(|d| d.total_space() > 0).collect();
        disk_list.sort_by(|a, b| a.mount_point().cmp(b.mount_point()));
        disk_list.dedup_by(|a, b| a.mount_point() == b.mount_point());
        // The disk of the working directory (where the embedded store lives by default): the longest mount
        // point that holds it.
        let here = std::env::current_dir().ok();
        let data_disk = here.as_ref().and_then(|p| {
            disk_list
                .iter()
                .filter(|d| p.starts_with(d.mount_point()))
                .max_by_key(|d| d.mount_point().as_os_str().len())
        });
        let disk_json = |d: &sysinfo::Disk| {
            json!({
                "mount_point": d.mount_point().display().to_string(),
                "file_system": d.file_system().to_string_lossy(),
                "total_bytes": d.total_space(),
                "available_bytes": d.available_space(),
                "used_percent": 100.0 * (1.0 - d.available_space() as f64 / d.total_space() as f64),
            })
        };
        json!({
            "process": process,
            "host": {
                "cpus": s.cpus().len(),
                "cpu_percent": s.global_cpu_usage(),
                "load_average": load,
                "memory_total_bytes": s.total_memory(),
                "memory_used_bytes": s.used_memory(),
                "memory_available_bytes": s.available_memory(),
                "uptime_secs": System::uptime().ok(),
            },
            "disk": {
                "data": data_disk.map(|d| disk_json(d)),
                "all": disk_list.iter().map(|d| disk_json(d)).collect::<Vec<_>>(),
            },
        })
    }
}

impl Default for SystemProbe {
    fn default() -> Self {
        Self::new()
    }
}

/// Process and host CPU, memory and disk; CPU percentages are over the time since the previous call.
#[utoipa::path(get, path = "/resources", tag = "operations", security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Resource readings", body = Object), (status = 401, description = "No usable API key", body = Problem)))]
pub async fn resources(Read(ctx): Read) -> Response {
    let state = ctx.state.clone();
    let reading = tokio::task::spawn_blocking(move || state.system.lock().expect("system probe").reading())
        .await
        .unwrap_or(Value::Null);
    json_response(StatusCode::OK, reading)
}

/// Prometheus metrics (text exposition format). Needs a read key unless `[serve] metrics_auth = false`.
#[utoipa::path(get, path = "/metrics", tag = "operations", security((), ("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Prometheus text", content_type = "text/plain", body = String),
        (status = 401, description = "No usable API key (when metrics_auth is on)", body = Problem)))]
pub async fn prometheus(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if state.config.metrics_auth
        && let Err(r) = super::auth::authenticate(&state, &headers, Scope::Read).await
    {
        return r;
    }
    match state.store.queue_stats().await {
        Ok(stats) => metrics::global().set_queue(&stats),
        Err(e) => tracing::warn!(error = %e, "metrics: queue statistics unavailable"),
    }
    let mut response = (StatusCode::OK, metrics::global().encode()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
