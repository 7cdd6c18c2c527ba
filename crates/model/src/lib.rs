//! Scoring models in pure Rust: XGBoost JSON (`Booster.save_model("m.json")`), LightGBM text
//! (`save_model("m.txt")`) and a plain logistic-regression JSON, each predicting exactly as its originating
//! library (checked against fixtures the libraries produced, see `fixtures/`), and explaining every
//! prediction with exact per-feature contributions (TreeSHAP for tree ensembles, coefficient ×
//! standardised value for linear models); and ONNX models ([`onnx`]: scikit-learn pipelines through skl2onnx,
//! small neural nets…), run by the Rust inference engine tract (no onnxruntime, no Python) and matching
//! onnxruntime, explained by Shapley values against a baseline.
//!
//! Inputs are one row of feature values in the model's feature order; `f64::NAN` is a missing value.
//!
//! Layout: one folder per format with a file per concern ([`xgboost`], [`lightgbm`], [`logistic`]: `mod.rs`
//! the model, `load.rs` the file format, `predict.rs` the walks); every tree format converts its trees at
//! load into the one general tree of `tree_shap`, which holds the crate's one TreeSHAP; training is in
//! [`train`].

pub mod calibration;
mod error;
pub mod lightgbm;
pub mod logistic;
pub mod manifest;
pub mod onnx;
pub mod scorer;
pub mod train;
pub(crate) mod tree_shap;
pub mod xgboost;

pub use calibration::Calibration;
pub use error::ModelError;
pub use manifest::{FeatureError, FeatureSpec, FeatureType, Manifest, OutputMapping, Shown};
pub use scorer::{Reason, ScoringModel};

/// What a model's output means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Binary classification: the margin is log-odds, the output a probability.
    Probability,
    /// Regression: the output is the margin.
    Regression,
}

/// A loaded model.
pub trait Predictor: Send + Sync {
    /// The features a row must have, in order.
    fn num_features(&self) -> usize;
    /// Feature names stored in the model file, when it has them.
    fn feature_names(&self) -> Option<&[String]>;
    fn objective(&self) -> Objective;
    /// The raw score before the link function (log-odds for [`Objective::Probability`]).
    fn predict_margin(&self, row: &[f64]) -> f64;
    /// The model's output: a probability for classifiers, the value for regressors.
    fn predict(&self, row: &[f64]) -> f64 {
        let margin = self.predict_margin(row);
        match self.objective() {
            Objective::Probability => sigmoid(margin),
            Objective::Regression => margin,
        }
    }
    /// Margins of many rows, row-major with [`num_features`](Predictor::num_features) values each: `out`
    /// is cleared and gets exactly [`predict_margin`](Predictor::predict_margin) of each row. Models with
    /// a faster way to score a batch (tree ensembles walking rows in lockstep) override it.
    ///
    /// # Panics
    /// When `rows` is not a whole number of rows.
    fn predict_margin_batch(&self, rows: &[f64], out: &mut Vec<f64>) {
        let nf = self.num_features();
        assert!(nf > 0 && rows.len().is_multiple_of(nf), "rows.len() is not a multiple of num_features");
        out.clear();
        out.extend(rows.chunks_exact(nf).map(|row| self.predict_margin(row)));
    }
    /// Margins and outputs of many rows (as [`predict_margin_batch`](Predictor::predict_margin_batch)):
    /// `margins` and `outputs` are cleared and get exactly [`predict_margin`](Predictor::predict_margin)
    /// and [`predict`](Predictor::predict) of each row. The default links the margins as the default
    /// `predict` does; a model that overrides `predict` overrides this too.
    fn predict_batch(&self, rows: &[f64], margins: &mut Vec<f64>, outputs: &mut Vec<f64>) {
        self.predict_margin_batch(rows, margins);
        let objective = self.objective();
        outputs.clear();
        outputs.extend(margins.iter().map(|&m| match objective {
            Objective::Probability => sigmoid(m),
            Objective::Regression => m,
        }));
    }
    /// Per-feature contributions to the margin, then the bias (expected margin) as the last element: they
    /// sum to [`predict_margin`](Predictor::predict_margin). The layout of XGBoost's `pred_contribs`.
    fn contributions(&self, row: &[f64]) -> Vec<f64>;
    /// Total split gain per feature (tree ensembles that record it), for global importance.
    fn gain_importance(&self) -> Option<Vec<f64>> {
        None
    }
}

/// Which kind of model a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `Booster.save_model("m.json")`.
    XgboostJson,
    /// LightGBM `save_model("m.txt")`.
    LightgbmText,
    /// `{"format": "leadsmith-logistic", …}`.
    LogisticJson,
    /// `{"format": "leadsmith-gbdt", …}`, written by `leadsmith train --model gbdt`.
    GbdtJson,
    /// An ONNX model (`.onnx`, a protobuf `ModelProto`), see [`onnx`].
    Onnx,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::XgboostJson => "xgboost-json",
            Self::LightgbmText => "lightgbm-text",
            Self::LogisticJson => "logistic-json",
            Self::GbdtJson => "leadsmith-gbdt-json",
            Self::Onnx => "onnx",
        }
    }

    /// Tells a text format from the file's text (ONNX is binary: see [`detect_bytes`](Self::detect_bytes)).
    pub fn detect(text: &str) -> Option<Self> {
        let head = text.trim_start();
        if head.starts_with('{') {
            let start = &head[..head.len().min(4096)];
            if start.contains("\"leadsmith-logistic\"") {
                return Some(Self::LogisticJson);
            }
            if start.contains("\"leadsmith-gbdt\"") {
                return Some(Self::GbdtJson);
            }
            if head.contains("\"learner\"") {
                return Some(Self::XgboostJson);
            }
            return None;
        }
        (head.starts_with("tree") && head.contains("Tree=")).then_some(Self::LightgbmText)
    }

    /// Tells the format from the file's bytes: text [`detect`](Self::detect) recognises, else ONNX if the bytes
    /// decode as an ONNX model (a protobuf `ModelProto` with a graph).
    pub fn detect_bytes(bytes: &[u8]) -> Option<Self> {
        std::str::from_utf8(bytes).ok().and_then(Self::detect).or_else(|| onnx::is_onnx(bytes).then_some(Self::Onnx))
    }
}

/// A loaded model and what it is.
pub struct Loaded {
    pub format: Format,
    pub model: Box<dyn Predictor>,
}

/// Loads a model file of any supported format: a `.onnx` file as ONNX (so that a broken one gets ONNX's
/// errors), any other telling the format from its contents ([`load_bytes`]).
pub fn load(path: &std::path::Path) -> Result<Loaded, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io { path: path.display().to_string(), source })?;
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
        return Ok(Loaded { format: Format::Onnx, model: Box::new(onnx::OnnxModel::from_bytes(&bytes)?) });
    }
    load_bytes(&bytes)
}

/// [`load`] from a file's bytes, telling the format with [`Format::detect_bytes`].
pub fn load_bytes(bytes: &[u8]) -> Result<Loaded, ModelError> {
    if let Ok(text) = std::str::from_utf8(bytes)
        && let Some(format) = Format::detect(text)
    {
        return load_text(format, text);
    }
    if !onnx::is_onnx(bytes) {
        return Err(unknown_format());
    }
    Ok(Loaded { format: Format::Onnx, model: Box::new(onnx::OnnxModel::from_bytes(bytes)?) })
}

/// [`load`] from text (any format but ONNX, which is binary).
pub fn load_str(text: &str) -> Result<Loaded, ModelError> {
    let format = Format::detect(text).ok_or_else(unknown_format)?;
    load_text(format, text)
}

fn load_text(format: Format, text: &str) -> Result<Loaded, ModelError> {
    let model: Box<dyn Predictor> = match format {
        Format::XgboostJson => Box::new(xgboost::XgbModel::from_json_str(text)?),
        Format::LightgbmText => Box::new(lightgbm::LgbModel::from_text(text)?),
        Format::LogisticJson => Box::new(logistic::LogisticModel::from_json(text)?),
        Format::GbdtJson => Box::new(train::TrainedGbdt::from_json(text)?),
        // `detect` tells text formats only.
        Format::Onnx => return Err(unknown_format()),
    };
    Ok(Loaded { format, model })
}

fn unknown_format() -> ModelError {
    ModelError::Parse {
        format: "model",
        at: "start of file".into(),
        // The start of this message is matched by callers (crates/app tests): extend it, do not reword it.
        message: "not an XGBoost JSON, LightGBM text or leadsmith logistic/GBDT model, nor an ONNX model".into(),
    }
}

/// The logistic function, as the libraries compute it.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
