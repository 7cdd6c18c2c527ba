//! A model ready to score requests: the loaded model with its manifest (features, output mapping,
//! calibration), shared by `leadsmith score`, the pipeline's named model scores and the API.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::manifest::{FeatureError, FeatureSpec, FeatureType, Manifest, OutputMapping, Shown};
use crate::{Format, ModelError, Objective, Predictor};

/// Why a model and its manifest could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("loading {path}: {source}")]
    Model { path: String, source: ModelError },
    #[error("manifest {path}: {message}")]
    Manifest { path: String, message: String },
}

/// A loaded model, what it expects and how its output is shown.
#[derive(Clone)]
pub struct ScoringModel {
    pub path: PathBuf,
    pub format: Format,
    pub model: Arc<dyn Predictor>,
    pub manifest: Manifest,
    /// Where the manifest came from; `None` when made from the feature names stored in the model.
    pub manifest_path: Option<PathBuf>,
}

impl fmt::Debug for ScoringModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScoringModel")
            .field("path", &self.path)
            .field("format", &self.format)
            .field("name", &self.manifest.name)
            .field("version", &self.manifest.version)
            .finish_non_exhaustive()
    }
}

/// One feature's part in a score: its value and its contribution to the margin (log-odds for
/// classifiers). Shown in words as `demo page views 12 (+0.41)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub feature: String,
    /// `NaN` when the value was missing.
    pub value: f64,
    pub contribution: f64,
    #[serde(skip)]
    kind: FeatureType,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words = self.feature.replace('_', " ");
        let v = self.value;
        let value = if v.is_nan() {
            "missing".to_string()
        } else if self.kind == FeatureType::Bool {
            (if v != 0.0 { "yes" } else { "no" }).to_string()
        } else {
            format!("{}", (v * 1000.0).round() / 1000.0)
        };
        write!(f, "{words} {value} ({:+.2})", self.contribution)
    }
}

/// A scored request: the model's output and how it is shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// A probability for classifiers (calibrated when the manifest carries a calibration), else the value.
    pub value: f64,
    /// Bucket, tier and display for classifiers; `None` for regression models.
    pub shown: Option<Shown>,
}

impl ScoringModel {
    /// Opens a model file and its manifest: the one given, else `MODEL.manifest.json` beside the model
    /// (what `leadsmith train` writes) when it exists, else one made from the feature names the model
    /// stores (all numbers, all required; an explicit `null` is a feature left out; `leadsmith score` reads
    /// an empty cell of such a model's columns as its missing value).
    pub fn open(model_path: &Path, manifest: Option<&Path>) -> Result<Self, OpenError> {
        let loaded = crate::load(model_path)
            .map_err(|source| OpenError::Model { path: model_path.display().to_string(), source })?;
        let model: Arc<dyn Predictor> = Arc::from(loaded.model);
        let beside = PathBuf::from(format!("{}.manifest.json", model_path.display()));
        let manifest_path = manifest.map(Path::to_path_buf).or_else(|| beside.exists().then_some(beside));
        let manifest = match &manifest_path {
            Some(path) => read_manifest(path, model.as_ref())?,
            None => manifest_from_model(model_path, model.as_ref())?,
        };
        Ok(Self { path: model_path.to_path_buf(), format: loaded.format, model, manifest, manifest_path })
    }

    pub fn objective(&self) -> Objective {
        self.model.objective()
    }

    pub fn features(&self) -> &[FeatureSpec] {
        &self.manifest.features
    }

    /// `name version (format)`.
    pub fn describe(&self) -> String {
        format!("{} {} ({})", self.manifest.name, self.manifest.version, self.format.as_str())
    }

    /// A request's features (extra names ignored) as a row in model order, or every problem found. Encoded
    /// text columns (the manifest's `encodings`) are read too.
    pub fn row_from(&self, features: &BTreeMap<String, serde_json::Value>) -> Result<Vec<f64>, Vec<FeatureError>> {
        let known: BTreeMap<String, serde_json::Value> =
            features.iter().filter(|(k, _)| self.manifest.accepts(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        self.manifest.row(&known)
    }

    /// The model's output for a row, through the manifest's calibration when it has one.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let p = self.model.predict(row);
        match (&self.manifest.calibration, self.model.objective()) {
            (Some(c), Objective::Probability) => c.apply(self.model.predict_margin(row), p),
            _ => p,
        }
    }

    /// [`predict`](Self::predict) of many rows (row-major, one value per feature): `out` is cleared and gets
    /// exactly what `predict` gives each row, scored the model's fastest way for a batch. `margins` is
    /// scratch space.
    pub fn predict_batch(&self, rows: &[f64], margins: &mut Vec<f64>, out: &mut Vec<f64>) {
        self.model.predict_batch(rows, margins, out);
        if let (Some(c), Objective::Probability) = (&self.manifest.calibration, self.model.objective()) {
            for (p, &m) in out.iter_mut().zip(margins.iter()) {
                *p = c.apply(m, *p);
            }
        }
    }

    /// [`predict`](Self::predict) and the output mapping.
    pub fn score(&self, row: &[f64]) -> Scored {
        let value = self.predict(row);
        let shown = (self.objective() == Objective::Probability).then(|| self.manifest.show(value));
        Scored { value, shown }
    }

    /// The `top` features that moved this row's score most, largest effect first (features with no
    /// effect, and missing values, left out).
    pub fn reasons(&self, row: &[f64], top: usize) -> Vec<Reason> {
        let contributions = self.model.contributions(row);
        let features = &self.manifest.features;
        let mut order: Vec<usize> = (0..features.len().min(contributions.len()).min(row.len())).collect();
        order.sort_by(|&a, &b| contributions[b].abs().total_cmp(&contributions[a].abs()));
        order
            .into_iter()
            // A missing value is no reason: the gap says nothing about the lead.
            .filter(|&i| contributions[i] != 0.0 && !row[i].is_nan())
            .take(top)
            .map(|i| Reason {
                feature: features[i].name.clone(),
                value: row[i],
                contribution: contributions[i],
                kind: features[i].kind,
            })
            .collect()
    }
}

fn read_manifest(path: &Path, model: &dyn Predictor) -> Result<Manifest, OpenError> {
    let bad = |message: String| OpenError::Manifest { path: path.display().to_string(), message };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if let Err(errors) = m.validate() {
        return Err(bad(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")));
    }
    if m.features.len() != model.num_features() {
        return Err(bad(format!("lists {} features, the model takes {}", m.features.len(), model.num_features())));
    }
    if let Some(names) = model.feature_names() {
        let differ: Vec<String> = names
            .iter()
            .zip(&m.features)
            .filter(|(n, f)| **n != f.name)
            .map(|(n, f)| format!("{} (model: {n})", f.name))
            .collect();
        if !differ.is_empty() {
            return Err(bad(format!("features named unlike the model's, in order: {}", differ.join(", "))));
        }
    }
    Ok(m)
}

fn manifest_from_model(model_path: &Path, model: &dyn Predictor) -> Result<Manifest, OpenError> {
    let Some(names) = model.feature_names() else {
        return Err(OpenError::Manifest {
            path: format!("{}.manifest.json", model_path.display()),
            message: "the model stores no feature names: give a manifest that names its features".into(),
        });
    };
    let features = names
        .iter()
        .map(|n| FeatureSpec { name: n.clone(), kind: FeatureType::Number, default: None, min: None, max: None })
        .collect();
    let name = model_path.file_stem().map_or("model".into(), |s| s.to_string_lossy().into_owned());
    Ok(Manifest {
        name,
        version: "-".into(),
        features,
        output: OutputMapping::default(),
        calibration: None,
        encodings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel)
    }

    #[test]
    fn opens_with_the_model_names_and_scores_as_the_library_does() {
        let m = ScoringModel::open(&fixture("xgboost/binary_small.json"), None).unwrap();
        assert!(m.manifest_path.is_none());
        assert_eq!(m.features().len(), m.model.num_features());
        let row = vec![0.5; m.features().len()];
        let s = m.score(&row);
        assert_eq!(s.value, m.model.predict(&row));
        assert!(s.shown.unwrap().bucket.is_some());
    }

    #[test]
    fn a_batch_scores_each_row_exactly_as_one_row_does() {
        let models = [
            "xgboost/binary_200x6.json",
            "xgboost/categorical.json",
            "xgboost/regression_small.json",
            "lightgbm/binary.txt",
            "logistic/model.json",
            "onnx/mlp.onnx",
        ];
        for rel in models {
            let loaded = crate::load(&fixture(rel)).unwrap();
            let nf = loaded.model.num_features();
            let features = (0..nf)
                .map(|i| FeatureSpec {
                    name: format!("f{i}"),
                    kind: crate::FeatureType::Number,
                    default: Some(None),
                    min: None,
                    max: None,
                })
                .collect();
            let manifest = Manifest {
                name: rel.into(),
                version: "1".into(),
                features,
                output: Default::default(),
                calibration: None,
                encodings: Vec::new(),
            };
            let mut m = ScoringModel {
                path: fixture(rel),
                format: loaded.format,
                model: Arc::from(loaded.model),
                manifest,
                manifest_path: None,
            };
            // 70 rows: more than one lockstep block of rows, not a whole number of them; some missing.
            let rows: Vec<f64> = (0..70 * nf)
                .map(|i| if i % 13 == 5 { f64::NAN } else { ((i * 7919) % 1000) as f64 / 250.0 - 2.0 })
                .collect();
            for calibration in [None, Some(crate::Calibration::Platt { a: 0.7, b: -0.2 })] {
                m.manifest.calibration = calibration;
                let (mut margins, mut out) = (Vec::new(), Vec::new());
                m.predict_batch(&rows, &mut margins, &mut out);
                let one_by_one: Vec<f64> = rows.chunks_exact(nf).map(|r| m.predict(r)).collect();
                assert_eq!(out.len(), 70, "{rel}");
                for (i, (a, b)) in out.iter().zip(&one_by_one).enumerate() {
                    assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()), "{rel} row {i}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn reasons_are_the_largest_contributions_in_words() {
        let m = ScoringModel::open(&fixture("xgboost/binary_small.json"), None).unwrap();
        let row: Vec<f64> = (0..m.features().len()).map(|i| i as f64 * 0.37 - 1.0).collect();
        let reasons = m.reasons(&row, 3);
        assert_eq!(reasons.len(), 3);
        assert!(reasons.windows(2).all(|w| w[0].contribution.abs() >= w[1].contribution.abs()));
        let all = m.model.contributions(&row);
        let largest = all[..all.len() - 1].iter().map(|c| c.abs()).fold(0.0, f64::max);
        assert_eq!(reasons[0].contribution.abs(), largest);
        // A missing value is never a reason, however much it moved the margin.
        let mut gap = row.clone();
        let top_feature = m.features().iter().position(|f| f.name == reasons[0].feature).unwrap();
        gap[top_feature] = f64::NAN;
        let without = m.reasons(&gap, m.features().len());
        assert!(without.iter().all(|r| !r.value.is_nan() && r.feature != reasons[0].feature), "{without:?}");
        let text = reasons[0].to_string();
        assert!(text.contains(&reasons[0].feature.replace('_', " ")), "{text}");
        assert!(text.ends_with(&format!("({:+.2})", reasons[0].contribution)), "{text}");
    }

    #[test]
    fn booleans_and_missing_values_read_as_words() {
        let r = |value, kind| Reason { feature: "has_email".into(), value, contribution: 0.414, kind };
        assert_eq!(r(1.0, FeatureType::Bool).to_string(), "has email yes (+0.41)");
        assert_eq!(r(f64::NAN, FeatureType::Number).to_string(), "has email missing (+0.41)");
        assert_eq!(r(12.0, FeatureType::Integer).to_string(), "has email 12 (+0.41)");
    }

    #[test]
    fn a_manifest_beside_the_model_is_used_and_checked() {
        let dir = std::env::temp_dir().join(format!("leadsmith-scorer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let model = dir.join("m.json");
        std::fs::copy(fixture("xgboost/binary_small.json"), &model).unwrap();
        let plain = ScoringModel::open(&model, None).unwrap();
        let mut manifest = plain.manifest.clone();
        manifest.name = "lead-fit".into();
        manifest.version = "7".into();
        let beside = dir.join("m.json.manifest.json");
        std::fs::write(&beside, serde_json::to_string(&manifest).unwrap()).unwrap();
        let opened = ScoringModel::open(&model, None).unwrap();
        assert_eq!(opened.manifest_path.as_deref(), Some(beside.as_path()));
        assert_eq!(opened.describe(), "lead-fit 7 (xgboost-json)");
        manifest.features[0].name = "renamed".into();
        std::fs::write(&beside, serde_json::to_string(&manifest).unwrap()).unwrap();
        let err = ScoringModel::open(&model, None).unwrap_err().to_string();
        assert!(err.contains("renamed (model: "), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
