//! The store's error type.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("opening database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error(
        "database schema version {found} is newer than this leadsmith understands ({supported}); upgrade leadsmith"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("corrupt stored JSON in {what}: {source}")]
    Json { what: &'static str, source: serde_json::Error },
    #[error("store task failed: {0}")]
    Task(String),
}
