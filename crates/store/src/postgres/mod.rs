//! The PostgreSQL backend, for many workers on many hosts sharing one queue: a `deadpool_postgres` pool,
//! migrations from `migrations/postgres/*.sql`, claims with `FOR UPDATE SKIP LOCKED`, and LISTEN/NOTIFY
//! behind `job_signal`. Semantics follow the SQLite backend exactly (decisions, states, error texts, order;
//! the shared decisions are `crate::rules`'). Each aggregate's trait is implemented in its own file here,
//! with its statements in `sql/postgres/<aggregate>/`.
//!
//! Connections are TCP (TLS as the URL's `sslmode`/`sslrootcert` say, libpq's way: see `tls`) or a Unix
//! socket.

/// The statement in `sql/postgres/{name}.sql`.
macro_rules! sql {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/postgres/", $name, ".sql"))
    };
}

mod api_keys;
mod cache;
mod jobs;
mod leads;
mod listen;
mod results;
mod runs;
mod schedules;
mod tls;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod};
use tokio::sync::{oneshot, watch};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Config, Row};

use crate::error::describe_pg;
use crate::{Result, Store, StoreError};

/// Migrations in order; the index + 1 is the schema version (the same numbering as SQLite's).
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_runs_schedules.sql"),
    include_str!("../../migrations/postgres/0003_api_keys.sql"),
    include_str!("../../migrations/postgres/0004_soft_delete.sql"),
    include_str!("../../migrations/postgres/0005_run_key_fingerprint.sql"),
    include_str!("../../migrations/postgres/0006_import_leads.sql"),
];

const POOL_SIZE: usize = 16;

/// The PostgreSQL store. Cheap to clone; all clones share one pool and one listener.
#[derive(Clone)]
pub struct PgStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    /// `host:port` for error messages: never the URL, which may hold a password.
    target: String,
    signal: Arc<watch::Sender<u64>>,
    /// Dropped with the last clone, which ends the listener task.
    _stop_listener: oneshot::Sender<()>,
    /// When this process last returned expired leases to the queue (unix ms).
    last_sweep_ms: std::sync::atomic::AtomicI64,
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db?options=-csearch_path%3Dschema`; the search path's
    /// first schema holds the tables), applies pending migrations and starts the job listener. Up to 16
    /// pooled connections plus the listener's; connecting gives up after 10 s unless the URL sets
    /// `connect_timeout`.
    pub async fn connect(url: &str) -> Result<Self> {
        let (config, tls) = parse_config(url)?;
        let target = describe_target(&config);
        let manager = Manager::from_config(
            config.clone(),
            tls.clone(),
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Pool(format!("PostgreSQL pool for {target}: {e}")))?;
        {
            let mut client = pool.get().await.map_err(|e| pool_error(&target, e))?;
            migrate(&mut client).await?;
        }
        let signal = Arc::new(watch::channel(0).0);
        // Listening before `connect` returns: a caller that subscribes next misses nothing.
        let listener = listen::connect(&config, &tls, &signal)
            .await
            .map_err(|e| StoreError::Pool(format!("connecting to PostgreSQL at {target}: {e}")))?;
        let (stop_tx, stop_rx) = oneshot::channel();
        tokio::spawn(listen::run(config, tls, signal.clone(), listener, stop_rx));
        Ok(Self {
            inner: Arc::new(Inner {
                pool,
                target,
                signal,
                _stop_listener: stop_tx,
                last_sweep_ms: std::sync::atomic::AtomicI64::new(0),
            }),
        })
    }

    async fn client(&self) -> Result<Object> {
        self.inner.pool.get().await.map_err(|e| pool_error(&self.inner.target, e))
    }

    /// Wakes this process's waiters at once; other processes hear the NOTIFY sent in the transaction.
    fn bump(&self) {
        self.inner.signal.send_modify(|n| *n += 1);
    }

    /// The claim's row-picking `SELECT` (parameters: `$1` now, `$2` limit, then the kind or kinds and the
    /// run id when filtered on), so tests can check its plan.
    #[doc(hidden)]
    pub fn claim_pick_sql(kinds: usize, by_run: bool) -> String {
        jobs::pick_sql(kinds, by_run)
    }
}

/// The connection settings and the TLS connector `url` asks for (certificate files are read here).
pub(crate) fn parse_config(url: &str) -> Result<(Config, tls::Tls)> {
    let (url, tls_options) = tls::split(url)?;
    let mut config =
        Config::from_str(&url).map_err(|e| StoreError::Pool(format!("invalid PostgreSQL URL: {}", describe_pg(&e))))?;
    config.ssl_mode(tls::wire_mode(&tls_options));
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok((config, tls::connector(&tls_options)?))
}

/// The hosts and ports `config` connects to, for messages.
pub(crate) fn describe_target(config: &Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let host = match host {
                tokio_postgres::config::Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect();
    if hosts.is_empty() { "localhost:5432".into() } else { hosts.join(",") }
}

fn pool_error(target: &str, e: PoolError) -> StoreError {
    match e {
        PoolError::Backend(e) => StoreError::Pool(format!("connecting to PostgreSQL at {target}: {}", describe_pg(&e))),
        other => StoreError::Pool(format!("PostgreSQL connection pool for {target}: {other}")),
    }
}

/// Applies pending migrations in one transaction under an advisory lock (per schema), so many workers
/// starting at once apply each migration exactly once and the others wait, then see it applied.
async fn migrate(client: &mut Object) -> Result<()> {
    let tx = client.transaction().await?;
    tx.execute(sql!("migrate/lock"), &[]).await?;
    tx.batch_execute(sql!("migrate/create_table")).await?;
    let current: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM leadsmith_migrations", &[]).await?.get(0);
    let supported = MIGRATIONS.len() as i64;
    if i64::from(current) > supported {
        return Err(StoreError::SchemaTooNew { found: current.into(), supported });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = (i + 1) as i32;
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO leadsmith_migrations (version, applied_at) VALUES ($1, $2)",
            &[&version, &crate::now_rfc3339()],
        )
        .await?;
        tracing::info!(version, "applied store migration");
    }
    tx.commit().await?;
    Ok(())
}

// ---- small helpers: prepared statements are cached per pooled connection ----

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub(crate) async fn exec<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<u64> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.execute(&stmt, params).await?)
}

pub(crate) async fn query<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query(&stmt, params).await?)
}

pub(crate) async fn query_opt<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&stmt, params).await?)
}

pub(crate) async fn query_one<C: GenericClient>(c: &C, sql: &str, params: Params<'_>) -> Result<Row> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_one(&stmt, params).await?)
}

/// Queues the NOTIFY that wakes every process's idle workers when the transaction commits.
pub(crate) async fn notify<C: GenericClient>(c: &C) -> Result<()> {
    exec(c, listen::NOTIFY_SQL, &[]).await.map(drop)
}

pub(crate) fn json_value<T: serde::de::DeserializeOwned>(value: serde_json::Value, what: &'static str) -> Result<T> {
    serde_json::from_value(value).map_err(|source| StoreError::Json { what, source })
}

/// A `usize` limit as a SQL `BIGINT`.
pub(crate) fn sql_limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn schema_version(&self) -> Result<i64> {
        let c = self.client().await?;
        Ok(query_one(&c, "SELECT count(*) FROM leadsmith_migrations", &[]).await?.get(0))
    }
}

/// Creates a fresh, empty schema on `base_url` and returns `base_url` with its search path set to it, for
/// tests that need their own database. Schemas this left behind more than two hours ago (by earlier runs
/// under the same `prefix`) are dropped on the way.
pub(crate) async fn scratch_schema_url(base_url: &str, prefix: &str) -> Result<String> {
    let prefix = prefix.to_ascii_lowercase();
    if prefix.is_empty()
        || prefix.len() > 32
        || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        || prefix.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(StoreError::Pool(format!(
            "scratch schema prefix {prefix:?} must be 1-32 letters, digits or underscores, not starting with a digit"
        )));
    }
    let (config, tls) = parse_config(base_url)?;
    let target = describe_target(&config);
    let (client, connection) = config
        .connect(tls)
        .await
        .map_err(|e| StoreError::Pool(format!("connecting to PostgreSQL at {target}: {}", describe_pg(&e))))?;
    let driver = tokio::spawn(connection);
    let now = crate::now_ms() / 1000;
    let schema = format!("{prefix}_{now}_{:016x}", random_u64());
    client.batch_execute(&format!("CREATE SCHEMA \"{schema}\"")).await?;
    let old = client.query("SELECT nspname::text FROM pg_namespace", &[]).await?;
    for row in old {
        let name: String = row.get(0);
        let Some(rest) = name.strip_prefix(&prefix).and_then(|r| r.strip_prefix('_')) else { continue };
        let Some(Ok(created)) = rest.split('_').next().map(str::parse::<i64>) else { continue };
        if created < now - 2 * 3600
            && let Err(e) = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await
        {
            // Another test run may be dropping it at the same moment.
            tracing::debug!(schema = name, error = describe_pg(&e), "could not drop stale scratch schema");
        }
    }
    drop(client);
    let _ = driver.await;
    let sep = if base_url.contains('?') { '&' } else { '?' };
    Ok(format!("{base_url}{sep}options=-csearch_path%3D{schema}"))
}

/// A random number for names, from the std hasher's per-process random keys (no `rand` dependency).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    RandomState::new().hash_one((nanos, std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed)))
}
