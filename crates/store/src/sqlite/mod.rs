//! The embedded SQLite backend: one file in WAL mode, migrations from `migrations/sqlite/*.sql`, and
//! blocking rusqlite calls moved off the async runtime with `spawn_blocking`. Each aggregate's trait is
//! implemented in its own file here, with its statements in `sql/sqlite/<aggregate>/`.

/// The statement in `sql/sqlite/{name}.sql`.
macro_rules! sql {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/sqlite/", $name, ".sql"))
    };
}

mod api_keys;
mod cache;
mod jobs;
mod leads;
mod results;
mod runs;
mod schedules;

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::Connection;

use crate::{Result, Store, StoreError};

/// Migrations in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_runs_schedules.sql"),
    include_str!("../../migrations/sqlite/0003_api_keys.sql"),
    include_str!("../../migrations/sqlite/0004_soft_delete.sql"),
    include_str!("../../migrations/sqlite/0005_run_key_fingerprint.sql"),
    include_str!("../../migrations/sqlite/0006_import_leads.sql"),
];

/// The embedded store. Cheap to clone; all clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Bumped after commits that make a job claimable. SQLite has no cross-process notification, so
    /// workers in other processes fall back to their poll interval.
    jobs_signal: Arc<tokio::sync::watch::Sender<u64>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<Self> {
        let conn =
            Connection::open(path).map_err(|source| StoreError::Open { path: path.display().to_string(), source })?;
        Self::init(conn)
    }

    /// A private in-memory database, for tests and dry runs.
    pub fn open_in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL lets readers (a second `leadsmith leads list`) run while a pipeline writes.
        // Switching a fresh file to WAL while another process does the same can answer SQLITE_BUSY at
        // once, without the busy handler (CI: eight openers of one new file): retry it within the timeout.
        let started = std::time::Instant::now();
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && started.elapsed() < std::time::Duration::from_secs(10) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                other => break other?,
            }
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrate(&mut conn)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), jobs_signal: Arc::new(tokio::sync::watch::channel(0).0) })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn call<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Runs `f` and then signals waiting workers that jobs may be claimable.
    async fn call_and_signal<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let out = self.call(f).await?;
        self.jobs_signal.send_modify(|n| *n += 1);
        Ok(out)
    }
}

/// Applies pending migrations. Several processes may open a fresh file at once (a worker fleet starting
/// together): each migration runs in a write-locked (`IMMEDIATE`) transaction that reads the version
/// again under the lock, so one process applies it and the others find it done.
fn migrate(conn: &mut Connection) -> Result<()> {
    let supported = MIGRATIONS.len() as i64;
    let version = |c: &Connection| -> Result<i64> { Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?) };
    // Up to date, the common case: no write lock, so opening never waits for another process's writes.
    if version(conn)? == supported {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        if current > supported {
            return Err(StoreError::SchemaTooNew { found: current, supported });
        }
        if current == supported {
            return Ok(());
        }
        tx.execute_batch(MIGRATIONS[current as usize])?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
        tracing::info!(version = current + 1, "applied store migration");
    }
}

pub(crate) fn json_col(value: String, what: &'static str) -> Result<serde_json::Value> {
    serde_json::from_str(&value).map_err(|source| StoreError::Json { what, source })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn schema_version(&self) -> Result<i64> {
        self.call(|conn| Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)).await
    }
}
