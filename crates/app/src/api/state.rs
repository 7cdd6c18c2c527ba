//! What every handler shares: the store, settings, the model (loaded in the background), key cache and
//! rate limits, and the system probe.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use anyhow::Result;
use leadsmith_model::ScoringModel;
use leadsmith_store::Store;

use super::{auth, ops};
use crate::config::{ServeSettings, Settings};

/// What every handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The pipeline's settings: import rules (default region) and runs started over the API.
    pub settings: Settings,
    pub config: ServeSettings,
    /// Set once the model has loaded (`None` inside: serving without a model).
    pub(super) model: OnceLock<Option<Arc<ScoringModel>>>,
    /// Why the model failed to load, for readiness.
    pub(super) model_error: OnceLock<String>,
    pub started: Instant,
    /// Whether this process runs workers and the scheduler (not with `--no-workers`).
    pub workers: AtomicBool,
    pub(super) keys: auth::Keys,
    pub(super) system: std::sync::Mutex<ops::SystemProbe>,
}

impl AppState {
    /// `[serve] reports_dir`, else `leadsmith-reports/` in the working directory (`leadsmith serve` sets it
    /// beside a SQLite store).
    pub fn reports_dir(&self) -> std::path::PathBuf {
        self.config.reports_dir.clone().unwrap_or_else(|| std::path::PathBuf::from("leadsmith-reports"))
    }

    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Result<Arc<Self>> {
        let config = settings.serve.clone();
        config.validate()?;
        Ok(Arc::new(Self {
            store,
            keys: auth::Keys::new(&config),
            config,
            settings,
            model: OnceLock::new(),
            model_error: OnceLock::new(),
            started: Instant::now(),
            workers: AtomicBool::new(false),
            system: std::sync::Mutex::new(ops::SystemProbe::new()),
        }))
    }

    /// Installs the model (or `None`: no model configured). Readiness waits for this.
    pub fn set_model(&self, model: Option<ScoringModel>) {
        let _ = self.model.set(model.map(Arc::new));
    }

    pub(super) fn model(&self) -> Option<&Arc<ScoringModel>> {
        self.model.get().and_then(Option::as_ref)
    }
}

/// Loads the model in the background so the server answers (and readiness says 503) meanwhile.
pub fn load_model_in_background(state: Arc<AppState>) {
    let (model, manifest) = (state.config.model.clone(), state.config.manifest.clone());
    tokio::task::spawn_blocking(move || match model {
        None => state.set_model(None),
        Some(path) => match ScoringModel::open(&path, manifest.as_deref()) {
            Ok(m) => {
                tracing::info!(model = %m.describe(), "model loaded");
                state.set_model(Some(m));
            }
            Err(e) => {
                tracing::error!(error = %e, "the model failed to load");
                let _ = state.model_error.set(e.to_string());
            }
        },
    });
}
