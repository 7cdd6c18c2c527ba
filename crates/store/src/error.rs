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
    /// A PostgreSQL statement failed; the text includes the server's own message (see the `From` impl).
    #[error("database error: {0}")]
    Postgres(String),
    /// No PostgreSQL connection could be had: the URL, the host/port that failed and why (never the password).
    #[error("{0}")]
    Pool(String),
    /// A store location that is neither a path nor a supported URL (never repeated: it may hold a secret).
    #[error("{0}")]
    Location(String),
    #[error("corrupt stored JSON in {what}: {source}")]
    Json { what: &'static str, source: serde_json::Error },
    #[error("store task failed: {0}")]
    Task(String),
    /// A stored value the schema should have ruled out (e.g. an unknown API key scope).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// An API key record that cannot be stored: a bad name, hash or prefix.
    #[error("{0}")]
    InvalidApiKey(String),
    /// Key names are unique among all keys, revoked ones included.
    #[error("an API key named {0:?} already exists (names are not reused, even after revoking); choose another name")]
    ApiKeyNameTaken(String),
    /// A key with the same hash exists: the same key was presented twice.
    #[error("this API key is already stored")]
    DuplicateApiKey,
    /// `revoke` was given a name or prefix that matches more than one key.
    #[error("{given:?} matches {} API keys ({}); revoke by name instead", .matches.len(), .matches.join(", "))]
    AmbiguousApiKey { given: String, matches: Vec<String> },
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Postgres(describe_pg(&e))
    }
}

/// `tokio_postgres::Error`'s `Display` says only "db error" for a server error; this adds what the server
/// said (`ERROR: duplicate key value…`) or, for I/O and connect failures, the underlying cause.
pub(crate) fn describe_pg(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.to_string();
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
