//! From a table of closed leads to the training and holdout [`Dataset`]s a newcomer can trust: columns that
//! identify a row or give the outcome away are left out with a [`ColumnNote`] saying why, numeric columns
//! are kept as they are, and text columns are encoded so that industry, lead source or country count.
//!
//! - **Identifiers** (left out): an id-like name (`id`, `lead_id`, `*_id`, `LeadId`, `uuid`, `Record ID`)
//!   with mostly distinct values; UUID- or id-shaped values; whole numbers that are all different and run
//!   like a row number; text that is unique per row (names, emails, URLs: nothing to learn from).
//! - **Leakage** (left out): a column that on its own separates won from lost almost perfectly on the
//!   training rows (single-column AUC ≥ [`PrepareConfig::leakage_auc`], empty cells counted as a value
//!   of their own): a `stage` of "Closed Won"/"Closed Lost", a `lost_reason` filled only for lost leads, an
//!   amount recorded only once a deal is won. Such a column is known only after the outcome.
//! - **Text columns**: one-hot when at most [`PrepareConfig::max_one_hot_levels`] levels have
//!   [`PrepareConfig::min_level_rows`] training rows or more (rarer levels, and any level never seen, share
//!   an `(other)` feature); otherwise target encoding: each level's won rate, smoothed toward the overall
//!   rate, fitted out-of-fold on the training rows (a row's own outcome never enters its value) and on all
//!   training rows for the holdout and for scoring (an unseen level gets the overall rate).
//!
//! Everything is fitted on the training rows only; the holdout is split off first ([`split_indices`]). The
//! encodings go into the manifest ([`Prepared::apply`]), where `leadsmith score` applies them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Dataset, SplitMix64, TrainError, report, split_indices};
use crate::manifest::{Encoding, EncodingMethod, FeatureType, Manifest, level};

/// Closed leads as read from a file: each cell as JSON (null for empty, a number, true/false, or text),
/// one row per lead, without the label and time columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub columns: Vec<String>,
    /// One row per lead, one cell per column.
    pub cells: Vec<Vec<Value>>,
    pub labels: Vec<bool>,
    /// A time per row (a close date), for a holdout of the latest rows.
    pub times: Option<Vec<i64>>,
}

/// How [`prepare`] chooses and encodes columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareConfig {
    /// Columns to leave out.
    pub exclude: Vec<String>,
    /// Only these columns, when given; they are kept even when they look like identifiers or leakage
    /// (with a note saying so).
    pub features: Option<Vec<String>>,
    /// Encode text columns (default); off, they are left out with a note.
    pub encode_text: bool,
    /// The most levels a text column is one-hot encoded with. Default 10.
    pub max_one_hot_levels: usize,
    /// The fewest training rows a level needs to be a one-hot feature of its own. Default 10.
    pub min_level_rows: usize,
    /// A column whose single-column AUC on the training rows reaches this is leakage. Default 0.98.
    pub leakage_auc: f64,
    /// The share of rows held out. Default 0.2.
    pub holdout_fraction: f64,
    /// Seed of the stratified holdout (undated history) and of the target encoding's folds. Default 42.
    pub seed: u64,
    /// Folds of the out-of-fold target encoding. Default 5.
    pub folds: usize,
    /// Pseudo-rows at the overall won rate added to each level's won rate. Default 10.
    pub smoothing: f64,
}

impl Default for PrepareConfig {
    fn default() -> Self {
        Self {
            exclude: Vec::new(),
            features: None,
            encode_text: true,
            max_one_hot_levels: 10,
            min_level_rows: 10,
            leakage_auc: 0.98,
            holdout_fraction: 0.2,
            seed: 42,
            folds: 5,
            smoothing: 10.0,
        }
    }
}

/// What [`prepare`] did with a column (columns kept as numbers get no note).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnAction {
    /// Left out: it identifies a row.
    Identifier,
    /// Left out: it gives the outcome away.
    Leakage,
    /// Left out as asked.
    Excluded,
    /// Left out: empty or the same in every row.
    Constant,
    /// Left out: text, and text encoding is off.
    Text,
    /// Encoded one-hot.
    OneHot,
    /// Encoded as each level's won rate.
    TargetEncoded,
    /// Named as a feature and kept although it looks like an identifier or leakage.
    KeptAsAsked,
}

/// A note on one column: what happened to it and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnNote {
    pub column: String,
    pub action: ColumnAction,
    pub why: String,
}

impl ColumnAction {
    /// In a word or two: "identifier", "leakage", "one-hot", "won rates"…
    pub fn label(self) -> &'static str {
        match self {
            Self::Identifier => "identifier",
            Self::Leakage => "leakage",
            Self::Excluded => "excluded",
            Self::Constant => "constant",
            Self::Text => "text",
            Self::OneHot => "one-hot",
            Self::TargetEncoded => "won rates",
            Self::KeptAsAsked => "kept as asked",
        }
    }
}

impl ColumnNote {
    /// Whether the column was left out of the model.
    pub fn left_out(&self) -> bool {
        !matches!(self.action, ColumnAction::OneHot | ColumnAction::TargetEncoded | ColumnAction::KeptAsAsked)
    }
}

impl fmt::Display for ColumnNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.action {
            ColumnAction::Identifier => "left out as an identifier",
            ColumnAction::Leakage => "left out as leakage",
            ColumnAction::Excluded => "left out",
            ColumnAction::Constant => "left out",
            ColumnAction::Text => "left out",
            ColumnAction::OneHot => "encoded one-hot",
            ColumnAction::TargetEncoded => "encoded as won rates",
            ColumnAction::KeptAsAsked => "kept as asked, but beware",
        };
        write!(f, "{}: {what} ({})", self.column, self.why)
    }
}

/// The datasets to train and evaluate on, the encodings that made them, and a note per column handled
/// specially.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub train: Dataset,
    pub holdout: Dataset,
    /// Per feature of the datasets: `Bool` for one-hot indicators, else `Number`.
    pub kinds: Vec<FeatureType>,
    pub encodings: Vec<Encoding>,
    pub notes: Vec<ColumnNote>,
}

impl Prepared {
    /// Puts the encodings into a manifest made for these features: the encoded features' types, no
    /// default of their own (their column's encoding fills them), and the encodings themselves.
    pub fn apply(&self, manifest: &mut Manifest) -> Result<(), TrainError> {
        if manifest.features.len() != self.kinds.len() {
            return Err(TrainError::InvalidData(format!(
                "a manifest of {} features for {} prepared ones",
                manifest.features.len(),
                self.kinds.len()
            )));
        }
        manifest.encodings = self.encodings.clone();
        let derived = manifest.derived();
        for ((spec, &kind), derived) in manifest.features.iter_mut().zip(&self.kinds).zip(derived) {
            spec.kind = kind;
            if derived {
                spec.default = None;
            }
        }
        manifest.validate().map_err(|errors| {
            TrainError::InvalidData(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
        })
    }
}

/// The name of the one-hot feature of `column`'s rare and unseen levels.
pub fn other_feature(column: &str) -> String {
    format!("{column}=(other)")
}

/// The name of the target-encoded feature of `column`.
pub fn rate_feature(column: &str) -> String {
    format!("{column} (won rate)")
}

/// Splits `history` into training and holdout rows and turns its columns into features (see the
/// [module documentation](self)).
///
/// Errors: cells, labels or times of the wrong shape; an excluded or asked-for column that is not in the
/// history; no column left to train on.
pub fn prepare(history: &History, config: &PrepareConfig) -> Result<Prepared, TrainError> {
    let n = history.cells.len();
    let width = history.columns.len();
    if history.labels.len() != n {
        return Err(TrainError::InvalidData(format!("{n} rows but {} labels", history.labels.len())));
    }
    if let Some(i) = history.cells.iter().position(|r| r.len() != width) {
        return Err(TrainError::InvalidData(format!(
            "row {i} has {} cells for {width} columns",
            history.cells[i].len()
        )));
    }
    if !(config.leakage_auc > 0.5 && config.leakage_auc <= 1.0) {
        return Err(TrainError::InvalidConfig(format!("leakage AUC must be in (0.5, 1], got {}", config.leakage_auc)));
    }
    if config.folds < 2 {
        return Err(TrainError::InvalidConfig(format!("target encoding needs at least 2 folds, got {}", config.folds)));
    }
    let listed = history.columns.join(", ");
    let unknown = |names: &[String], what: &str| -> Result<(), TrainError> {
        match names.iter().find(|c| !history.columns.contains(c)) {
            Some(c) => Err(TrainError::InvalidConfig(format!("no column {c:?} {what} (columns: {listed})"))),
            None => Ok(()),
        }
    };
    unknown(&config.exclude, "to leave out")?;
    if let Some(features) = &config.features {
        unknown(features, "to train on")?;
    }
    let (train_rows, holdout_rows) =
        split_indices(&history.labels, history.times.as_deref(), config.holdout_fraction, config.seed)?;
    let train_labels: Vec<bool> = train_rows.iter().map(|&i| history.labels[i]).collect();
    let folds = fold_of_each(train_rows.len(), config.folds, config.seed);

    let mut names = Vec::new();
    let mut kinds = Vec::new();
    // Per feature: its values on the training rows and on the holdout rows.
    let mut train_columns: Vec<Vec<f64>> = Vec::new();
    let mut holdout_columns: Vec<Vec<f64>> = Vec::new();
    let mut encodings = Vec::new();
    let mut notes = Vec::new();
    for (c, column) in history.columns.iter().enumerate() {
        let note = |action, why: String| ColumnNote { column: column.clone(), action, why };
        let asked = match &config.features {
            Some(features) => {
                if !features.contains(column) {
                    continue;
                }
                true
            }
            None => false,
        };
        if config.exclude.contains(column) {
            notes.push(note(ColumnAction::Excluded, "as asked".into()));
            continue;
        }
        let values: Vec<&Value> = history.cells.iter().map(|r| &r[c]).collect();
        let levels: Vec<Option<String>> = values.iter().map(|v| level(v)).collect();
        let present = levels.iter().filter(|l| l.is_some()).count();
        let missing = present < n;
        let distinct: HashSet<&str> = levels.iter().flatten().map(String::as_str).collect();
        if present == 0 {
            notes.push(note(ColumnAction::Constant, "empty in every row".into()));
            continue;
        }
        if distinct.len() == 1 && !missing {
            let only = distinct.iter().next().copied().unwrap_or_default();
            notes.push(note(ColumnAction::Constant, format!("{only:?} in every row")));
            continue;
        }
        let numeric = values.iter().all(|v| matches!(v, Value::Null | Value::Number(_) | Value::Bool(_)));
        let numbers: Vec<f64> = if numeric { values.iter().map(|v| number(v)).collect() } else { Vec::new() };
        let train_levels: Vec<Option<&str>> = train_rows.iter().map(|&i| levels[i].as_deref()).collect();
        let suspicion = identifier(column, &values, numeric).map(|why| (ColumnAction::Identifier, why)).or_else(|| {
            let strength = if numeric {
                numeric_strength(&train_rows.iter().map(|&i| numbers[i]).collect::<Vec<_>>(), &train_labels)
            } else {
                level_strength(&train_levels, &train_labels, &folds, config.smoothing)
            };
            (strength >= config.leakage_auc).then(|| {
                let purity = purity(&train_levels, &train_labels);
                let pure = if numeric && distinct.len() > 20 {
                    String::new()
                } else {
                    format!("; its values are {} pure per class", percent3(purity))
                };
                (
                    ColumnAction::Leakage,
                    format!(
                        "on its own it tells won from lost {} of the time on the training rows (AUC {strength:.3}){pure}: \
                         it is probably recorded once the outcome is known",
                        percent3(strength)
                    ),
                )
            })
        });
        if let Some((action, why)) = suspicion {
            if asked {
                let what = if action == ColumnAction::Identifier { "an identifier" } else { "leakage" };
                notes.push(note(ColumnAction::KeptAsAsked, format!("looks like {what}: {why}")));
            } else {
                notes.push(note(action, why));
                continue;
            }
        }
        if numeric {
            names.push(column.clone());
            kinds.push(FeatureType::Number);
            train_columns.push(train_rows.iter().map(|&i| numbers[i]).collect());
            holdout_columns.push(holdout_rows.iter().map(|&i| numbers[i]).collect());
            continue;
        }
        if !config.encode_text {
            notes.push(note(ColumnAction::Text, "text, and text columns are not encoded".into()));
            continue;
        }
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for l in train_levels.iter().flatten() {
            *counts.entry(l).or_default() += 1;
        }
        let mut frequent: Vec<(&str, usize)> =
            counts.iter().filter(|(_, n)| **n >= config.min_level_rows).map(|(l, n)| (*l, *n)).collect();
        frequent.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let encoding = if !frequent.is_empty() && frequent.len() <= config.max_one_hot_levels {
            let rare = counts.len() - frequent.len();
            let levels: Vec<String> = frequent.iter().map(|(l, _)| l.to_string()).collect();
            let other = rare > 0;
            let mut features: Vec<String> = levels.iter().map(|l| format!("{column}={l}")).collect();
            if other {
                features.push(other_feature(column));
            }
            let rare_note = if other {
                format!(
                    "; {rare} rarer level{} (fewer than {} training rows) and any new one as (other)",
                    if rare == 1 { "" } else { "s" },
                    config.min_level_rows
                )
            } else {
                "; a new level counts as none of them".into()
            };
            notes.push(note(
                ColumnAction::OneHot,
                format!(
                    "{} level{}: {}{rare_note}",
                    levels.len(),
                    if levels.len() == 1 { "" } else { "s" },
                    levels.join(", ")
                ),
            ));
            Encoding { column: column.clone(), features, missing, method: EncodingMethod::OneHot { levels, other } }
        } else {
            let fitted = target_encode(&train_levels, &train_labels, &folds, config.smoothing);
            notes.push(note(
                ColumnAction::TargetEncoded,
                format!(
                    "{} levels: each level's won rate, smoothed toward the overall {}, fitted out-of-fold on the \
                     training rows; a new level gets the overall rate",
                    counts.len(),
                    percent3(fitted.prior)
                ),
            ));
            let encoding = Encoding {
                column: column.clone(),
                features: vec![rate_feature(column)],
                missing,
                method: EncodingMethod::Target { rates: fitted.rates, prior: fitted.prior },
            };
            // The training rows get their out-of-fold values; the holdout the encoding's own.
            names.push(encoding.features[0].clone());
            kinds.push(FeatureType::Number);
            train_columns.push(fitted.out_of_fold);
            holdout_columns.push(encode_rows(&encoding, &levels, &holdout_rows).remove(0));
            encodings.push(encoding);
            continue;
        };
        let train_values = encode_rows(&encoding, &levels, &train_rows);
        let holdout_values = encode_rows(&encoding, &levels, &holdout_rows);
        for ((name, t), h) in encoding.features.iter().zip(train_values).zip(holdout_values) {
            names.push(name.clone());
            kinds.push(FeatureType::Bool);
            train_columns.push(t);
            holdout_columns.push(h);
        }
        encodings.push(encoding);
    }
    if names.is_empty() {
        let why: Vec<String> = notes.iter().map(ToString::to_string).collect();
        return Err(TrainError::InvalidData(format!(
            "no column is left to train on{}",
            if why.is_empty() { String::new() } else { format!(": {}", why.join("; ")) }
        )));
    }
    let dataset = |rows: &[usize], columns: &[Vec<f64>]| -> Result<Dataset, TrainError> {
        let data = Dataset {
            feature_names: names.clone(),
            rows: (0..rows.len()).map(|r| columns.iter().map(|col| col[r]).collect()).collect(),
            labels: rows.iter().map(|&i| history.labels[i]).collect(),
            times: history.times.as_ref().map(|t| rows.iter().map(|&i| t[i]).collect()),
        };
        data.check_shape()?;
        Ok(data)
    };
    Ok(Prepared {
        train: dataset(&train_rows, &train_columns)?,
        holdout: dataset(&holdout_rows, &holdout_columns)?,
        kinds,
        encodings,
        notes,
    })
}

/// A cell of a numeric column as a number: yes/no as 1/0, empty as missing.
fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => f64::NAN,
    }
}

/// Per feature of `encoding`, its value in each of `rows`.
fn encode_rows(encoding: &Encoding, levels: &[Option<String>], rows: &[usize]) -> Vec<Vec<f64>> {
    let width = encoding.width();
    let mut columns = vec![Vec::with_capacity(rows.len()); width];
    let mut values = vec![0.0; width];
    for &i in rows {
        // An empty cell is allowed: `missing` is set whenever the history has one.
        let _ = encoding.encode_level(levels[i].as_deref(), &mut values);
        for (column, &v) in columns.iter_mut().zip(&values) {
            column.push(v);
        }
    }
    columns
}

/// A fold (0..folds) for each of `n` rows: a seeded shuffle dealt round.
fn fold_of_each(n: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    SplitMix64::new(seed ^ 0x7461_7267_6574).shuffle(&mut order);
    let mut fold = vec![0; n];
    for (position, &row) in order.iter().enumerate() {
        fold[row] = position % folds;
    }
    fold
}

/// A target encoding fitted on rows: each row's out-of-fold value, and the rates of all rows.
struct TargetFit {
    out_of_fold: Vec<f64>,
    rates: BTreeMap<String, f64>,
    prior: f64,
}

/// Each level's won rate smoothed toward the prior by `smoothing` pseudo-rows, `(won + m·prior) / (rows +
/// m)`, empty cells as the level `""`: for each row from the rows of the other folds only (prior included),
/// and over all rows for [`TargetFit::rates`].
fn target_encode(levels: &[Option<&str>], labels: &[bool], fold: &[usize], smoothing: f64) -> TargetFit {
    let folds = fold.iter().max().map_or(1, |m| m + 1);
    // Per level, per fold: (won, rows).
    let mut per_level: HashMap<&str, Vec<(f64, f64)>> = HashMap::new();
    let mut per_fold = vec![(0.0, 0.0); folds];
    for ((l, &won), &k) in levels.iter().zip(labels).zip(fold) {
        let counts = per_level.entry(l.unwrap_or("")).or_insert_with(|| vec![(0.0, 0.0); folds]);
        let w = f64::from(u8::from(won));
        counts[k].0 += w;
        counts[k].1 += 1.0;
        per_fold[k].0 += w;
        per_fold[k].1 += 1.0;
    }
    let sum = |v: &[(f64, f64)]| v.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let (won, rows) = sum(&per_fold);
    let prior = won / rows;
    let smooth = |won: f64, rows: f64, prior: f64| (won + smoothing * prior) / (rows + smoothing);
    let totals: HashMap<&str, (f64, f64)> = per_level.iter().map(|(l, v)| (*l, sum(v))).collect();
    let out_of_fold = levels
        .iter()
        .zip(fold)
        .map(|(l, &k)| {
            let l = l.unwrap_or("");
            let (level_won, level_rows) = totals[l];
            let (in_fold_won, in_fold_rows) = per_level[l][k];
            let others = rows - per_fold[k].1;
            let fold_prior = if others > 0.0 { (won - per_fold[k].0) / others } else { prior };
            smooth(level_won - in_fold_won, level_rows - in_fold_rows, fold_prior)
        })
        .collect();
    let rates = totals.iter().map(|(l, &(w, r))| (l.to_string(), smooth(w, r, prior))).collect();
    TargetFit { out_of_fold, rates, prior }
}

/// How well a numeric column alone separates the classes: its AUC or 1 − AUC, whichever is larger, with
/// missing values ranked below every value and above (the larger of the two).
fn numeric_strength(values: &[f64], labels: &[bool]) -> f64 {
    [f64::NEG_INFINITY, f64::INFINITY]
        .iter()
        .map(|&fill| {
            let filled: Vec<f64> = values.iter().map(|&v| if v.is_nan() { fill } else { v }).collect();
            let a = report::auc(&filled, labels);
            if a.is_nan() { 0.5 } else { a.max(1.0 - a) }
        })
        .fold(0.5, f64::max)
}

/// How well a text column alone separates the classes: the AUC (or 1 − AUC) of its out-of-fold won rates,
/// so that levels seen once, which are pure by chance, count for nothing.
fn level_strength(levels: &[Option<&str>], labels: &[bool], fold: &[usize], smoothing: f64) -> f64 {
    // Little smoothing: a pure level of a few dozen rows should read as pure.
    let fit = target_encode(levels, labels, fold, smoothing.min(1.0));
    let a = report::auc(&fit.out_of_fold, labels);
    if a.is_nan() { 0.5 } else { a.max(1.0 - a) }
}

/// The share of rows whose value's majority class is their own (empty cells a value of their own).
fn purity(levels: &[Option<&str>], labels: &[bool]) -> f64 {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for (l, &won) in levels.iter().zip(labels) {
        let c = counts.entry(l.unwrap_or("")).or_default();
        if won {
            c.0 += 1;
        } else {
            c.1 += 1;
        }
    }
    counts.values().map(|&(w, l)| w.max(l)).sum::<usize>() as f64 / labels.len().max(1) as f64
}

/// A share as a percentage of 3 significant digits at most ("99.6 %", "100 %").
fn percent3(x: f64) -> String {
    format!("{} %", report::significant(100.0 * x, 3))
}

/// Whether a column's name says it is an identifier: `id`, `uuid`, `guid`, or ending in `_id`, ` ID`,
/// `Id` (after a lower-case letter), `_uuid`, `_guid`.
pub fn id_like_name(name: &str) -> bool {
    let trimmed = name.trim();
    let mut normal = String::new();
    for ch in trimmed.chars() {
        if ch.is_alphanumeric() {
            normal.extend(ch.to_lowercase());
        } else if !normal.ends_with('_') {
            normal.push('_');
        }
    }
    let normal = normal.trim_matches('_');
    let camel = trimmed.strip_suffix("Id").or_else(|| trimmed.strip_suffix("ID")).and_then(|rest| rest.chars().last());
    matches!(normal, "id" | "uuid" | "guid")
        || ["_id", "_uuid", "_guid"].iter().any(|s| normal.ends_with(s))
        || camel.is_some_and(char::is_lowercase)
}

fn is_uuid(text: &str) -> bool {
    let t = text.trim_matches(|c| c == '{' || c == '}');
    let groups: Vec<&str> = t.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// An id-shaped value: a UUID, or 8+ letters and digits with both a letter and a digit (hex keys,
/// Salesforce ids, `L-000123` style codes with their separators).
fn is_id_shaped(text: &str) -> bool {
    let core: String = text.chars().filter(|c| !matches!(c, '-' | '_')).collect();
    is_uuid(text)
        || (core.len() >= 8
            && core.chars().all(|c| c.is_ascii_alphanumeric())
            && core.chars().any(|c| c.is_ascii_digit())
            && core.chars().any(|c| c.is_ascii_alphabetic()))
}

/// Why a column identifies rows rather than describing them, if it does.
fn identifier(name: &str, values: &[&Value], numeric: bool) -> Option<String> {
    let present: Vec<String> = values
        .iter()
        .filter_map(|v| match v {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s.trim().to_string()),
            other => level(other),
        })
        .collect();
    let n = present.len();
    if n < 2 {
        return None;
    }
    let distinct = present.iter().collect::<HashSet<_>>().len();
    let share = distinct as f64 / n as f64;
    let counts = format!("{distinct} distinct values in {n} rows");
    if id_like_name(name) && share >= 0.5 {
        return Some(format!("an id-like name; {counts}"));
    }
    if share >= 0.5 && present.iter().all(|v| is_uuid(v)) {
        return Some(format!("UUIDs; {counts}"));
    }
    if numeric {
        let numbers: Vec<f64> = values.iter().map(|v| number(v)).filter(|x| !x.is_nan()).collect();
        let whole = numbers.iter().all(|x| x.fract() == 0.0);
        let (lo, hi) = numbers.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
        if n >= 20 && distinct == n && whole && hi - lo < 2.0 * n as f64 {
            return Some(format!("whole numbers, all different, running from {lo} to {hi} like a row number"));
        }
        return None;
    }
    if share >= 0.5 && present.iter().all(|v| is_id_shaped(v)) {
        return Some(format!("id-shaped values such as {:?}; {counts}", present[0]));
    }
    if n >= 20 && share >= 0.95 {
        return Some(format!("unique per row ({counts}): nothing to learn that carries over to a new lead"));
    }
    None
}

#[cfg(test)]
mod tests;
