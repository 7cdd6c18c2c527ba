//! The model manifest: what a model expects (feature names, types, defaults for missing values, allowed
//! ranges) and how its output is shown (buckets and tiers, or a 0–100 score). Requests are checked against
//! it so a missing, extra or mistyped feature gets an error naming the feature, not a silent wrong score.
//!
//! A manifest may also carry [`Encoding`]s: how a text (categorical) input column such as `industry`
//! becomes model features — one 0/1 feature per level (`industry=software`, with rare and unseen levels in
//! `industry=(other)`), or one feature holding the level's won rate in the history (`lead_source (won
//! rate)`, an unseen level getting the overall won rate). [`Manifest::row`] reads such a column's cell and
//! fills the features it encodes; a request never gives those features directly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A feature's type as a request may give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureType {
    /// Any finite number.
    Number,
    /// `true`/`false` (1/0 in the model).
    Bool,
    /// A whole number (counts, categorical codes).
    Integer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    pub name: String,
    #[serde(rename = "type", default = "number")]
    pub kind: FeatureType,
    /// Used when a request leaves the feature out; without one the feature is required. `null` in the
    /// manifest means "missing" (NaN: the model's own missing-value handling).
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub default: Option<Option<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Absent → `None` (via `default`), `null` → `Some(None)`, a number → `Some(Some(x))`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<f64>>, D::Error> {
    Option::<f64>::deserialize(d).map(Some)
}

fn number() -> FeatureType {
    FeatureType::Number
}

/// How a model's output is turned into what people see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputMapping {
    /// bucket = clamp(round(p·4 + 1), 1, 5); `tiers[5 - bucket]` names it (default A…E for 5…1).
    Bucket {
        #[serde(default = "bucket_tiers")]
        tiers: Vec<String>,
    },
    /// score = p·100; the first tier whose threshold the score reaches (default A ≥ 80, B ≥ 60, C ≥ 40, D ≥ 0).
    Score100 {
        #[serde(default = "score_tiers")]
        tiers: Vec<(String, f64)>,
    },
}

fn bucket_tiers() -> Vec<String> {
    ["A", "B", "C", "D", "E"].map(String::from).to_vec()
}

fn score_tiers() -> Vec<(String, f64)> {
    vec![("A".into(), 80.0), ("B".into(), 60.0), ("C".into(), 40.0), ("D".into(), 0.0)]
}

impl OutputMapping {
    /// score = p·100 with the shipped rules' tiers (A ≥ 80, B ≥ 60, C ≥ 40, else D): the mapping `train`
    /// writes, so that a model's own tier, a rules score's and a blended score's read the same way.
    pub fn rules_tiers() -> Self {
        Self::Score100 { tiers: score_tiers() }
    }
}

impl Default for OutputMapping {
    fn default() -> Self {
        Self::Bucket { tiers: bucket_tiers() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub features: Vec<FeatureSpec>,
    #[serde(default)]
    pub output: OutputMapping,
    /// Applied to the model's probability before it is shown; absent: the library's own output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<crate::Calibration>,
    /// Text input columns and the features they fill (see [`Encoding`]); empty for a purely numeric model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encodings: Vec<Encoding>,
}

/// How one text (categorical) input column becomes model features. Cells are compared as [`level`]
/// reads them: trimmed and lower-cased text, numbers and yes/no as they print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    /// The input column it reads.
    pub column: String,
    /// The model features it fills, by name, in the order [`EncodingMethod`] gives them values.
    pub features: Vec<String>,
    /// Whether the cell may be empty (it was, somewhere in the history, so the model learned what an empty
    /// cell means); otherwise an empty or absent cell is refused as required and missing.
    #[serde(default)]
    pub missing: bool,
    #[serde(flatten)]
    pub method: EncodingMethod,
}

/// What an [`Encoding`] computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum EncodingMethod {
    /// One 0/1 feature per level of `levels`, then, with `other`, one more that is 1 for any other level:
    /// those too rare in the history to learn from, and levels never seen. An empty cell is 0 in all of
    /// them; so is an unseen level when there is no `other` feature.
    OneHot {
        levels: Vec<String>,
        #[serde(default)]
        other: bool,
    },
    /// One feature: the level's won rate in the history, smoothed toward the overall won rate, as
    /// `rates` records it (an empty cell is the level `""`). A level never seen gets `prior`, the
    /// overall won rate.
    Target { rates: BTreeMap<String, f64>, prior: f64 },
}

/// A cell's level as encodings compare them: text trimmed and lower-cased, a number as it prints, yes/no
/// as `true`/`false`; `None` for an empty cell (null, or text that is only spaces).
pub fn level(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_lowercase())
        }
        serde_json::Value::Number(n) => Some(n.as_f64().map_or_else(|| n.to_string(), |x| format!("{x}"))),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

impl Encoding {
    /// How many features it fills.
    pub fn width(&self) -> usize {
        match &self.method {
            EncodingMethod::OneHot { levels, other } => levels.len() + usize::from(*other),
            EncodingMethod::Target { .. } => 1,
        }
    }

    /// The feature values for a cell (`None`: the column was not given), into `out` (one slot per
    /// feature of [`features`](Self::features)); an empty cell where none was ever seen is refused.
    pub fn encode(&self, value: Option<&serde_json::Value>, out: &mut [f64]) -> Result<(), String> {
        let level = value.and_then(level);
        self.encode_level(level.as_deref(), out)
    }

    /// [`encode`](Self::encode) of a cell already read by [`level`].
    pub fn encode_level(&self, level: Option<&str>, out: &mut [f64]) -> Result<(), String> {
        if level.is_none() && !self.missing {
            return Err("required and missing".to_string());
        }
        match &self.method {
            EncodingMethod::OneHot { levels, other } => {
                out.fill(0.0);
                if let Some(level) = level {
                    match levels.iter().position(|l| l == level) {
                        Some(i) => out[i] = 1.0,
                        None if *other => out[levels.len()] = 1.0,
                        None => {}
                    }
                }
            }
            EncodingMethod::Target { rates, prior } => {
                out[0] = rates.get(level.unwrap_or("")).copied().unwrap_or(*prior);
            }
        }
        Ok(())
    }
}

/// One problem with one feature of a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureError {
    pub feature: String,
    pub problem: String,
}

impl std::fmt::Display for FeatureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.feature, self.problem)
    }
}

/// A shown score: the model output, its bucket (1–5, bucket mapping only) and tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shown {
    pub raw_score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    pub tier: String,
    /// The probability as text, never exactly "0%" or "100%": a model is never certain.
    pub display: String,
}

impl Manifest {
    /// Checks the manifest itself: unique names, sane ranges and defaults, tiers present.
    pub fn validate(&self) -> Result<(), Vec<FeatureError>> {
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for f in &self.features {
            let mut bad = |problem: String| errors.push(FeatureError { feature: f.name.clone(), problem });
            if f.name.trim().is_empty() {
                bad("empty feature name".into());
            }
            if !seen.insert(f.name.as_str()) {
                bad("listed twice".into());
            }
            if let (Some(lo), Some(hi)) = (f.min, f.max)
                && lo > hi
            {
                bad(format!("min {lo} is above max {hi}"));
            }
            if let Some(Some(d)) = f.default
                && let Err(problem) = f.check(d)
            {
                bad(format!("default {d}: {problem}"));
            }
        }
        let mut filled = std::collections::HashSet::new();
        let mut columns = std::collections::HashSet::new();
        for e in &self.encodings {
            let mut bad = |problem: String| errors.push(FeatureError { feature: e.column.clone(), problem });
            if e.column.trim().is_empty() {
                bad("an encoding reads a column with an empty name".into());
            }
            if !columns.insert(e.column.as_str()) {
                bad("encoded twice".into());
            }
            if self.features.iter().any(|f| f.name == e.column) {
                bad("both an encoded column and a feature".into());
            }
            if e.features.len() != e.width() {
                bad(format!("the encoding gives {} values for {} features", e.width(), e.features.len()));
            }
            for name in &e.features {
                if !self.features.iter().any(|f| &f.name == name) {
                    bad(format!("encodes `{name}`, which is not a feature"));
                }
                if !filled.insert(name.as_str()) {
                    bad(format!("`{name}` is filled by more than one encoding"));
                }
            }
            if let EncodingMethod::Target { rates, prior } = &e.method
                && rates.values().chain([prior]).any(|r| !(0.0..=1.0).contains(r))
            {
                bad("a won rate outside [0, 1]".into());
            }
        }
        let tiers_empty = match &self.output {
            OutputMapping::Bucket { tiers } => tiers.len() != 5,
            OutputMapping::Score100 { tiers } => tiers.is_empty(),
        };
        if tiers_empty {
            errors.push(FeatureError {
                feature: "output.tiers".into(),
                problem: "a bucket mapping names 5 tiers (bucket 5 first); a score mapping at least one".into(),
            });
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Turns a request's features (name → JSON value) into a row in the model's order, or every problem
    /// found: missing required features, unknown ones, wrong types, values out of range.
    /// An encoded column's cell fills the features its [`Encoding`] names (its problem is reported under
    /// the column's name).
    pub fn row(&self, features: &BTreeMap<String, serde_json::Value>) -> Result<Vec<f64>, Vec<FeatureError>> {
        let mut errors = Vec::new();
        let mut row = Vec::with_capacity(self.features.len());
        let mut known = 0;
        let derived = self.derived();
        for (spec, &derived) in self.features.iter().zip(&derived) {
            if derived {
                row.push(f64::NAN);
                continue;
            }
            let given = features.get(&spec.name);
            known += usize::from(given.is_some());
            // A refused value keeps its place, so that encodings fill the right slots.
            row.push(spec.value(given).unwrap_or_else(|problem| {
                errors.push(FeatureError { feature: spec.name.clone(), problem });
                f64::NAN
            }));
        }
        let mut values = Vec::new();
        for e in &self.encodings {
            let given = features.get(&e.column);
            known += usize::from(given.is_some());
            values.clear();
            values.resize(e.features.len(), 0.0);
            match e.encode(given, &mut values) {
                Ok(()) => {
                    for (name, &v) in e.features.iter().zip(&values) {
                        if let Some(i) = self.features.iter().position(|f| &f.name == name) {
                            row[i] = v;
                        }
                    }
                }
                Err(problem) => errors.push(FeatureError { feature: e.column.clone(), problem }),
            }
        }
        // Every request key named a feature unless some are left over; only then look for the strangers.
        if known < features.len() {
            for name in features.keys() {
                if !self.accepts(name) {
                    errors.push(FeatureError { feature: name.clone(), problem: "not a feature of this model".into() });
                }
            }
        }
        if errors.is_empty() { Ok(row) } else { Err(errors) }
    }

    /// Per feature, whether an [`Encoding`] fills it (rather than a column of its own name).
    pub fn derived(&self) -> Vec<bool> {
        self.features.iter().map(|f| self.encodings.iter().any(|e| e.features.contains(&f.name))).collect()
    }

    /// Whether `name` is an input the manifest reads: a feature of its own column or an encoded column.
    pub fn accepts(&self, name: &str) -> bool {
        self.encodings.iter().any(|e| e.column == name)
            || self
                .features
                .iter()
                .any(|f| f.name == name && !self.encodings.iter().any(|e| e.features.contains(&f.name)))
    }

    /// The input columns a file must have: features without a default (not filled by an encoding), and
    /// encoded columns whose cells may not be empty.
    pub fn required_columns(&self) -> Vec<&str> {
        let derived = self.derived();
        let plain =
            self.features.iter().zip(derived).filter(|(f, d)| !d && f.default.is_none()).map(|(f, _)| f.name.as_str());
        plain.chain(self.encodings.iter().filter(|e| !e.missing).map(|e| e.column.as_str())).collect()
    }

    /// Maps a model output (a probability for classifiers) to what is shown.
    pub fn show(&self, p: f64) -> Shown {
        let (bucket, score, tier) = self.place(p);
        Shown { raw_score: p, bucket, score, tier: tier.to_string(), display: display_probability(p) }
    }

    /// Where an output lands: its bucket (bucket mapping) or 0–100 score (score mapping), and its tier;
    /// [`show`](Self::show) without building the text, for scoring many rows.
    pub fn place(&self, p: f64) -> (Option<u8>, Option<f64>, &str) {
        match &self.output {
            OutputMapping::Bucket { tiers } => {
                let bucket = bucket(p);
                let tier = tiers.get(5 - bucket as usize).map_or("", String::as_str);
                (Some(bucket), None, tier)
            }
            OutputMapping::Score100 { tiers } => {
                let score = (p * 100.0).clamp(0.0, 100.0);
                let tier = tiers.iter().find(|(_, min)| score >= *min).map_or("", |(t, _)| t.as_str());
                (None, Some(score), tier)
            }
        }
    }
}

impl FeatureSpec {
    /// The feature's value in a row from what a request gave (`None`: left out): a null or absent value
    /// is its default, or refused when it has none; anything else must be of its type and in range.
    #[inline]
    pub fn value(&self, given: Option<&serde_json::Value>) -> Result<f64, String> {
        match given {
            None | Some(serde_json::Value::Null) => match self.default {
                Some(d) => Ok(d.unwrap_or(f64::NAN)),
                None => Err("required and missing".to_string()),
            },
            Some(v) => self.parse(v),
        }
    }

    fn parse(&self, v: &serde_json::Value) -> Result<f64, String> {
        let x = match (self.kind, v) {
            (FeatureType::Bool, serde_json::Value::Bool(b)) => f64::from(u8::from(*b)),
            (FeatureType::Bool, other) => return Err(format!("expected true or false, got {other}")),
            (FeatureType::Number | FeatureType::Integer, serde_json::Value::Number(n)) => {
                n.as_f64().ok_or_else(|| format!("{n} is not a usable number"))?
            }
            (_, other) => return Err(format!("expected a number, got {other}")),
        };
        self.check(x)?;
        Ok(x)
    }

    /// Whether [`check`](Self::check) passes `x`, without the reason: cheap enough to ask of every cell.
    #[inline]
    pub fn allows(&self, x: f64) -> bool {
        x.is_finite()
            && (self.kind != FeatureType::Integer || x.abs() >= 4_503_599_627_370_496.0 || (x as i64) as f64 == x)
            && self.min.is_none_or(|lo| x >= lo)
            && self.max.is_none_or(|hi| x <= hi)
    }

    /// Whether a number is allowed: finite, whole for integers, within the range.
    #[inline]
    pub fn check(&self, x: f64) -> Result<(), String> {
        if !x.is_finite() {
            return Err("must be finite".into());
        }
        // Not `x.fract()`: LLVM may compute it before looking at the kind, and without SSE4.1 it is a call.
        if self.kind == FeatureType::Integer && x.abs() < 4_503_599_627_370_496.0 && (x as i64) as f64 != x {
            return Err(format!("expected a whole number, got {x}"));
        }
        if let Some(lo) = self.min
            && x < lo
        {
            return Err(format!("{x} is below the allowed minimum {lo}"));
        }
        if let Some(hi) = self.max
            && x > hi
        {
            return Err(format!("{x} is above the allowed maximum {hi}"));
        }
        Ok(())
    }
}

/// bucket = clamp(round(p·4 + 1), 1, 5), the lead-scoring service's mapping.
pub fn bucket(p: f64) -> u8 {
    if p.is_nan() {
        return 1;
    }
    (p * 4.0 + 1.0).round().clamp(1.0, 5.0) as u8
}

/// A probability as a percentage with one decimal, held inside (0 %, 100 %) exclusive.
pub fn display_probability(p: f64) -> String {
    let pct = (p * 100.0).clamp(0.1, 99.9);
    format!("{pct:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn allows_is_check_without_the_reason() {
        let spec = |kind, min, max| FeatureSpec { name: "x".into(), kind, default: None, min, max };
        let specs = [
            spec(FeatureType::Number, None, None),
            spec(FeatureType::Integer, None, None),
            spec(FeatureType::Integer, Some(-5.0), Some(5.0)),
            spec(FeatureType::Number, Some(0.0), None),
            spec(FeatureType::Number, None, Some(1.0)),
        ];
        let values = [
            0.0,
            -0.0,
            0.5,
            -2.5,
            3.0,
            5.0,
            5.000001,
            -5.0,
            -6.0,
            1e300,
            -1e300,
            4.5e15,
            4503599627370495.5,
            9.3e18,
            -9.3e18,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        for s in &specs {
            for &x in &values {
                assert_eq!(s.allows(x), s.check(x).is_ok(), "{:?} {x}", s.kind);
            }
        }
        assert!(spec(FeatureType::Integer, None, None).check(2.5).unwrap_err().contains("whole number"));
    }

    fn manifest() -> Manifest {
        serde_json::from_value(json!({
            "name": "lead-score",
            "version": "3",
            "features": [
                {"name": "demo_views", "type": "integer", "min": 0},
                {"name": "has_website", "type": "bool", "default": 0},
                {"name": "revenue", "default": null},
                {"name": "fit", "min": 0, "max": 1}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_good_request_becomes_a_row_in_model_order() {
        let m = manifest();
        m.validate().unwrap();
        let f: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(json!({"fit": 0.5, "demo_views": 12, "has_website": true})).unwrap();
        let row = m.row(&f).unwrap();
        assert_eq!(row[..2], [12.0, 1.0]);
        assert!(row[2].is_nan(), "a null default is the model's missing value");
        assert_eq!(row[3], 0.5);
    }

    #[test]
    fn every_bad_feature_is_named() {
        let m = manifest();
        let f: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(json!({"demo_views": 1.5, "has_website": "yes", "fit": 2, "colour": "red"}))
                .unwrap();
        let errors = m.row(&f).unwrap_err();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            vec![
                "demo_views: expected a whole number, got 1.5",
                "has_website: expected true or false, got \"yes\"",
                "fit: 2 is above the allowed maximum 1",
                "colour: not a feature of this model",
            ]
        );
        let missing = m.row(&BTreeMap::new()).unwrap_err();
        assert_eq!(missing.iter().map(|e| e.feature.as_str()).collect::<Vec<_>>(), vec!["demo_views", "fit"]);
        // A null is a feature left out: refused when required, its default otherwise.
        let nulls: BTreeMap<String, serde_json::Value> =
            serde_json::from_value(json!({"demo_views": null, "has_website": null, "revenue": null, "fit": null}))
                .unwrap();
        let refused = m.row(&nulls).unwrap_err();
        assert_eq!(refused.iter().map(|e| e.feature.as_str()).collect::<Vec<_>>(), vec!["demo_views", "fit"]);
        assert!(refused.iter().all(|e| e.problem == "required and missing"));
    }

    #[test]
    fn buckets_tiers_and_scores() {
        let m = manifest();
        assert_eq!([0.0, 0.12, 0.13, 0.5, 0.87, 0.88, 1.0].map(bucket), [1, 1, 2, 3, 4, 5, 5]);
        let shown = m.show(0.9);
        assert_eq!((shown.bucket, shown.tier.as_str()), (Some(5), "A"));
        assert_eq!(m.show(0.0).tier, "E");
        assert_eq!(m.show(0.0).display, "0.1%");
        assert_eq!(m.show(1.0).display, "99.9%");
        let scored = Manifest { output: OutputMapping::Score100 { tiers: score_tiers() }, ..m };
        let s = scored.show(0.61);
        assert_eq!((s.score, s.tier.as_str()), (Some(61.0), "B"));
        assert_eq!(scored.show(0.05).tier, "D");
        assert_eq!(scored.show(0.0).tier, "D");
        // What `train` writes reads back (an infinite threshold would be written as null).
        let text = serde_json::to_string(&scored).unwrap();
        assert_eq!(serde_json::from_str::<Manifest>(&text).unwrap(), scored, "{text}");
    }

    #[test]
    fn encodings_are_checked_against_the_features() {
        let mut m = manifest();
        m.features.push(FeatureSpec {
            name: "industry=dental".into(),
            kind: FeatureType::Bool,
            default: None,
            min: None,
            max: None,
        });
        m.encodings.push(Encoding {
            column: "industry".into(),
            features: vec!["industry=dental".into()],
            missing: false,
            method: EncodingMethod::OneHot { levels: vec!["dental".into()], other: false },
        });
        m.validate().unwrap();
        let mut bad = m.clone();
        bad.encodings[0].features.push("industry=legal".into());
        bad.encodings.push(Encoding {
            column: "revenue".into(),
            features: vec!["industry=dental".into()],
            missing: true,
            method: EncodingMethod::Target { rates: [("x".to_string(), 1.5)].into(), prior: 0.2 },
        });
        let problems: Vec<String> = bad.validate().unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "industry: the encoding gives 1 values for 2 features",
                "industry: encodes `industry=legal`, which is not a feature",
                "revenue: both an encoded column and a feature",
                "revenue: `industry=dental` is filled by more than one encoding",
                "revenue: a won rate outside [0, 1]",
            ]
        );
        // Without encodings, a manifest's JSON is as it was.
        assert!(serde_json::to_value(manifest()).unwrap().get("encodings").is_none());
        assert_eq!(level(&json!(" Software ")), Some("software".into()));
        assert_eq!(level(&json!(2139)), Some("2139".into()));
        assert_eq!(level(&json!(true)), Some("true".into()));
        assert_eq!(level(&json!("  ")), None);
    }

    #[test]
    fn bad_manifests_are_refused() {
        let mut m = manifest();
        m.features.push(m.features[0].clone());
        m.features[3].min = Some(2.0);
        m.output = OutputMapping::Bucket { tiers: vec!["A".into()] };
        let errors = m.validate().unwrap_err();
        let features: Vec<&str> = errors.iter().map(|e| e.feature.as_str()).collect();
        assert_eq!(features, vec!["fit", "demo_views", "output.tiers"]);
    }
}
