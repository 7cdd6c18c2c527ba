//! Why a model could not be loaded or run.

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("reading {path}: {source}")]
    Io { path: String, source: std::io::Error },
    /// The file is not a model of the expected format; `at` says where (a JSON path, a line number).
    #[error("{format} model: {at}: {message}")]
    Parse { format: &'static str, at: String, message: String },
    /// A valid model using something leadsmith does not implement (an objective, a booster type).
    #[error("{format} model: {message} is not supported")]
    Unsupported { format: &'static str, message: String },
    /// A loaded model could not score its input: rows of the wrong size, or its runtime failed (ONNX).
    #[error("{format} model: {message}")]
    Run { format: &'static str, message: String },
}
