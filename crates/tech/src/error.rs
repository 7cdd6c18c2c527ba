//! The crate's one error type (a file that cannot be read or is not a fingerprint file at all) and the
//! warnings a load returns for what it skipped (one bad pattern never sinks a whole set).

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A fingerprint source that could not be used at all.
#[derive(Debug, thiserror::Error)]
pub enum TechError {
    #[error("reading fingerprints {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("fingerprints {file}: not valid JSON: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("fingerprints {file}: {message}")]
    Format { file: String, message: String },
}

/// What kind of thing a warning reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A regex that does not compile or uses syntax with no equivalent here; that pattern is skipped.
    BadPattern,
    /// A CSS selector the static evaluator cannot run; that `dom` entry is skipped.
    BadSelector,
    /// A value of the wrong shape (a number where a pattern belongs); that value is skipped.
    BadValue,
    /// Evidence that needs a browser or a network probe (`xhr`, `certIssuer`, `probe`, `dom` properties,
    /// unknown keys); ignored.
    Unsupported,
    /// `implies`/`requires`/`excludes` naming a technology, or `cats` a category, not in the set.
    UnknownReference,
}

/// Something a load or build skipped, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// The file (or the name a string was loaded under).
    pub file: String,
    pub technology: Option<String>,
    /// The evidence key: `html`, `headers.Server`, `dom` …
    pub key: Option<String>,
    /// The offending pattern or selector as written.
    pub pattern: Option<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(t) = &self.technology {
            write!(f, ": {t}")?;
        }
        if let Some(k) = &self.key {
            write!(f, ": {k}")?;
        }
        if let Some(p) = &self.pattern {
            write!(f, ": `{p}`")?;
        }
        write!(f, ": {}", self.message)
    }
}
