//! `leadsmith serve`: the HTTP API and, unless `--no-workers`, the pipeline's workers, scheduler and
//! retention, in one process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};
use leadsmith_queue::WorkerConfig;

use super::Ctx;
use crate::api::{AppState, ConnectionLimits, load_model_in_background, router, serve_on};
use crate::config::ServeSettings;
use crate::startup;

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: [serve] bind, else 127.0.0.1:8080].
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// The scoring model [default: [serve] model]; readiness waits for it to load.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The model's manifest; default MODEL.manifest.json beside it, else the names the model stores.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Serve the API only: no workers, no scheduler (for API processes in a scaled-out deployment).
    #[arg(long)]
    pub no_workers: bool,
    /// Most leads in one `POST /api/v1/score/batch` [default: 100].
    #[arg(long)]
    pub batch_limit: Option<usize>,
    /// Largest request body, in bytes [default: 1 MiB].
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
}

impl ServeArgs {
    /// The settings with these flags applied over them.
    pub fn apply(&self, mut s: ServeSettings) -> ServeSettings {
        if let Some(bind) = self.bind {
            s.bind = bind.to_string();
        }
        if self.model.is_some() {
            s.model = self.model.clone();
            s.manifest = None;
        }
        if self.manifest.is_some() {
            s.manifest = self.manifest.clone();
        }
        s.batch_limit = self.batch_limit.unwrap_or(s.batch_limit);
        s.max_body_bytes = self.max_body_bytes.unwrap_or(s.max_body_bytes);
        s
    }
}

/// `leadsmith serve`.
pub async fn run(ctx: &Ctx, args: &ServeArgs) -> Result<()> {
    let store = ctx.store().await?;
    let mut settings = ctx.settings.clone();
    settings.serve = args.apply(settings.serve);
    if settings.serve.reports_dir.is_none()
        && let Some(db) = leadsmith_store::sqlite_path(ctx.location())
    {
        // Reports of rejected rows live with the store, never beside the files they came from.
        let dir = db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        settings.serve.reports_dir = Some(dir.join("leadsmith-reports"));
    }
    let state = AppState::new(store.clone(), settings.clone())?;
    let bind: SocketAddr = state.config.bind.parse().context("[serve] bind")?;
    let listener = tokio::net::TcpListener::bind(bind).await.with_context(|| format!("listening on {bind}"))?;
    load_model_in_background(state.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut background = Vec::new();
    if !args.no_workers {
        state.workers.store(true, Ordering::Relaxed);
        let config = WorkerConfig { concurrency: settings.pipeline.workers, ..Default::default() };
        let worker = startup::worker(&store, &settings, config, &startup::job_kinds()).await?;
        let rx = stop_rx.clone();
        background.push(tokio::spawn(async move {
            if let Err(e) = worker.run(rx).await {
                tracing::error!(error = %e, "worker stopped");
            }
        }));
        background.push(startup::spawn_scheduler(store.clone(), stop_rx.clone()));
        background.push(startup::spawn_retention(store.clone(), &settings, stop_rx.clone()));
    }
    eprintln!(
        "leadsmith serving on http://{} ({}); API docs at /api/v1/docs; Ctrl-C to stop",
        listener.local_addr()?,
        if args.no_workers { "API only" } else { "with workers and scheduler" }
    );
    eprintln!("store: {} ({}); settings: {}", startup::redact(ctx.location()), store.backend(), settings_source(ctx));
    if !store.api_keys().await?.iter().any(|k| k.revoked_at_ms.is_none()) {
        eprintln!(
            "no API key yet: every call but health and docs answers 401; create one with \
             `leadsmith --db {} keys create --name NAME --scope admin`",
            startup::redact(ctx.location())
        );
    }
    let terminated = startup::terminated();
    let shutdown = async move {
        terminated.await;
        eprintln!("stopping: finishing requests in flight and giving back the jobs in hand");
        let _ = stop_tx.send(true);
    };
    let limits = ConnectionLimits::of(&state.config);
    serve_on(listener, router(state), limits, shutdown).await;
    for task in background {
        let _ = task.await;
    }
    Ok(())
}

/// Where the settings came from: `--config`, `./leadsmith.toml`, or the defaults.
fn settings_source(ctx: &Ctx) -> String {
    match &ctx.config {
        Some(p) => p.display().to_string(),
        None if std::path::Path::new("leadsmith.toml").exists() => "leadsmith.toml".into(),
        None => "defaults (no leadsmith.toml here)".into(),
    }
}
