//! leadsmith persistence: one trait per aggregate (leads and their imported source rows, per-stage results,
//! the crawl page cache, runs, the durable job table, schedules, API keys) and [`Store`], their union;
//! [`SqliteStore`] is the embedded default (one WAL file), [`PgStore`] the shared one for many workers on many
//! hosts. [`open`] picks one from a location. Decisions both backends make live once in `rules`; the queue's
//! policy (retries, backoff, dead-lettering decisions) lives in `leadsmith-queue`; this crate only makes each
//! transition atomic.

mod aggregates;
pub mod api_keys;
mod error;
mod listing;
mod postgres;
mod rules;
mod sqlite;
mod types;

pub use aggregates::{ApiKeys, Jobs, Leads, PageCache, Runs, Schedules, StageResults, Store};
pub use api_keys::{
    ApiKey, Authorized, KEY_MARKER, KeyRejection, KeyStatus, MAX_NAME_LEN, NewApiKey, PREFIX_LEN, Scope,
    TOUCH_INTERVAL_MS, authorize, check_name, generate_key, hash_key, needs_touch, prefix_of, presented_key, verify,
};
pub use error::StoreError;
pub use postgres::PgStore;
pub use rules::import::{MERGE_KEY_LIMIT, crowdable_keys};
pub use sqlite::SqliteStore;
pub use types::*;

use std::sync::Arc;

/// The store's traits, for `use leadsmith_store::prelude::*;`: a trait's methods can only be called where it
/// is in scope, and [`Store`] is the union of the per-aggregate traits.
pub mod prelude {
    pub use crate::aggregates::{ApiKeys, Jobs, Leads, PageCache, Runs, Schedules, StageResults, Store};
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Opens the store at `location`: `postgres://…` or `postgresql://…` connects to PostgreSQL, `sqlite://PATH`
/// or a plain path opens (creating if needed) a SQLite file. Either way pending migrations are applied.
/// Anything else that is not a path (another URL scheme, a `host=… password=…` connection string) is
/// refused without repeating it, since it may hold a password.
pub async fn open(location: &str) -> Result<Arc<dyn Store>> {
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        return Ok(Arc::new(PgStore::connect(location).await?));
    }
    match sqlite_path(location) {
        Some(path) => Ok(Arc::new(SqliteStore::open(&path)?)),
        None => Err(StoreError::Location(unsupported_location(location))),
    }
}

/// The SQLite file `location` names: `sqlite://PATH` or a plain path; `None` for PostgreSQL URLs and for
/// locations that are neither.
pub fn sqlite_path(location: &str) -> Option<std::path::PathBuf> {
    if let Some(path) = location.strip_prefix("sqlite://") {
        return Some(path.into());
    }
    let scheme = location.split_once("://").map(|(s, _)| s);
    let is_url =
        scheme.is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
    (!is_url && !looks_like_keyword_dsn(location)).then(|| location.into())
}

/// `host=db.internal user=leadsmith password=…`: libpq's keyword form, which only a URL may replace here.
fn looks_like_keyword_dsn(location: &str) -> bool {
    const KEYS: [&str; 7] = ["host", "hostaddr", "port", "dbname", "user", "password", "sslmode"];
    location.split_whitespace().any(|part| part.split_once('=').is_some_and(|(k, _)| KEYS.contains(&k)))
}

fn unsupported_location(location: &str) -> String {
    if looks_like_keyword_dsn(location) {
        return "a key=value PostgreSQL connection string is not supported: give a URL, \
                postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=…"
            .into();
    }
    let scheme = location.split_once("://").map_or("", |(s, _)| s);
    format!("unsupported store location scheme {scheme:?}: give a SQLite path, sqlite://PATH or postgres://…")
}

/// Creates a fresh, empty schema `{prefix}_{unix_secs}_{random hex}` on the PostgreSQL server at `base_url`
/// (a URL) and returns `base_url` with its search path set to it: tests isolate themselves this way without
/// creating databases. Schemas under the same `prefix` left by runs more than two hours ago are dropped.
pub async fn scratch_schema_url(base_url: &str, prefix: &str) -> Result<String> {
    postgres::scratch_schema_url(base_url, prefix).await
}
