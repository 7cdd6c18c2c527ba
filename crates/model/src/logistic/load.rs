//! Reading and writing the `leadsmith-logistic` JSON document: the format's one reader
//! ([`LogisticModel::from_json`], whose errors name the offending field) and one writer ([`write_json`]).

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use super::{FORMAT, FORMAT_TAG, LogisticModel, Standardize, VERSION, field_error};
use crate::ModelError;

/// The JSON document as [`write_json`] writes it.
#[derive(Debug, Serialize)]
struct Document<'a> {
    format: &'a str,
    version: u32,
    features: &'a [String],
    coefficients: &'a [f64],
    intercept: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    standardize: Option<&'a Standardize>,
}

/// The `leadsmith-logistic` document of a model (pretty-printed, numbers in their shortest round-trip form),
/// the one writer of the format. It does not check the model: training writes what it fitted.
pub(crate) fn write_json(
    features: &[String],
    coefficients: &[f64],
    intercept: f64,
    standardize: Option<&Standardize>,
) -> String {
    let doc = Document { format: FORMAT_TAG, version: VERSION, features, coefficients, intercept, standardize };
    // Strings and numbers only: serialising cannot fail.
    serde_json::to_string_pretty(&doc).expect("a logistic model serialises to JSON")
}

impl LogisticModel {
    /// Parses and checks the JSON document. Errors name the offending field (`coefficients[2]`,
    /// `standardize.std`, ...) or, for malformed JSON, the line and column.
    pub fn from_json(json: &str) -> Result<Self, ModelError> {
        let doc: Value = serde_json::from_str(json).map_err(|e| {
            field_error(format!("line {} column {}", e.line(), e.column()), strip_position(&e.to_string()))
        })?;
        let Value::Object(doc) = doc else {
            return Err(field_error("(document)", format!("expected a JSON object, found {}", kind(&doc))));
        };
        const FIELDS: [&str; 6] = ["format", "version", "features", "coefficients", "intercept", "standardize"];
        if let Some(key) = doc.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            return Err(field_error(key.as_str(), "unknown field"));
        }
        let get = |key: &str| doc.get(key).ok_or_else(|| field_error(key, "missing field"));

        let format = get("format")?;
        if format.as_str() != Some(FORMAT_TAG) {
            return Err(field_error("format", format!("expected \"{FORMAT_TAG}\", found {format}")));
        }
        let version = get("version")?;
        match version.as_u64() {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(ModelError::Unsupported {
                    format: FORMAT,
                    message: format!("document version {v} (this build reads version {VERSION})"),
                });
            }
            None => return Err(field_error("version", format!("expected a whole number, found {}", kind(version)))),
        }
        let features = array(get("features")?, "features", |v| v.as_str().map(str::to_string), "a string")?;
        let coefficients = numbers(get("coefficients")?, "coefficients")?;
        let intercept = get("intercept")?;
        let intercept = intercept
            .as_f64()
            .ok_or_else(|| field_error("intercept", format!("expected a number, found {}", kind(intercept))))?;
        let standardize = match doc.get("standardize") {
            None | Some(Value::Null) => None,
            Some(Value::Object(s)) => {
                if let Some(key) = s.keys().find(|k| k.as_str() != "mean" && k.as_str() != "std") {
                    return Err(field_error(format!("standardize.{key}"), "unknown field"));
                }
                let part = |key: &str| {
                    let at = format!("standardize.{key}");
                    s.get(key).ok_or_else(|| field_error(at.as_str(), "missing field")).and_then(|v| numbers(v, &at))
                };
                Some(Standardize { mean: part("mean")?, std: part("std")? })
            }
            Some(other) => {
                return Err(field_error("standardize", format!("expected an object, found {}", kind(other))));
            }
        };
        Self::new(features, coefficients, intercept, standardize)
    }

    /// Reads a JSON model file.
    pub fn from_path(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ModelError::Io { path: path.display().to_string(), source })?;
        Self::from_json(&text)
    }

    /// The model as a JSON document that [`from_json`](Self::from_json) reads back exactly (numbers are
    /// written in their shortest round-trip form).
    pub fn to_json(&self) -> String {
        write_json(&self.features, &self.coefficients, self.intercept, self.standardize.as_ref())
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn array<T>(
    value: &Value,
    field: &str,
    item: impl Fn(&Value) -> Option<T>,
    expected: &str,
) -> Result<Vec<T>, ModelError> {
    let Value::Array(values) = value else {
        return Err(field_error(field, format!("expected an array, found {}", kind(value))));
    };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            item(v)
                .ok_or_else(|| field_error(format!("{field}[{i}]"), format!("expected {expected}, found {}", kind(v))))
        })
        .collect()
}

fn numbers(value: &Value, field: &str) -> Result<Vec<f64>, ModelError> {
    array(value, field, Value::as_f64, "a number")
}

/// serde_json appends " at line L column C" to its messages; the position goes in `at` instead.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
