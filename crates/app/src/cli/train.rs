//! `leadsmith train`: fits a model on a team's closed leads (a CSV with a won/lost column) and prints its
//! report (AUC, log-loss, calibration by decile, lift at the top 10 %, top features), also written as JSON.
//!
//! Logistic and GBDT models are calibrated by default: a slice of the training rows (the latest 20 % of
//! them when dated) is kept out of the model's fit and a Platt or isotonic calibration is fitted on it; the
//! holdout is evaluated on the calibrated probabilities. The calibration rides in `OUT.manifest.json`, which
//! `leadsmith score --manifest` applies; the model file itself scores as fitted.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use leadsmith_model::train::{
    self, CalibrationMethod, Dataset, GbdtConfig, LogisticConfig, NaiveBayes, TrainedModel, report,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    /// L2-regularised logistic regression on standardised numeric columns.
    Logistic,
    /// Gradient-boosted trees on numeric columns.
    Gbdt,
    /// Per (column, value) won/lost counts with smoothing, on every column as a category. Not calibrated
    /// (its output is a smoothed frequency ratio), and no manifest: `leadsmith score` does not read it.
    NaiveBayes,
}

/// The calibration `train` fits for logistic and GBDT models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CalibrationChoice {
    /// Platt scaling: a logistic curve over the model's margin (log-odds).
    Platt,
    /// Isotonic regression: a monotone step function over the model's probability.
    Isotonic,
    /// No calibration: the model trains on every training row and scores as fitted.
    None,
}

impl CalibrationChoice {
    fn method(self) -> Option<CalibrationMethod> {
        match self {
            Self::Platt => Some(CalibrationMethod::Platt),
            Self::Isotonic => Some(CalibrationMethod::Isotonic),
            Self::None => None,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Closed leads: CSV with a header, or JSONL (one object per line).
    #[arg(long)]
    pub history: PathBuf,
    /// The outcome column (won: 1/true/yes/won; lost: 0/false/no/lost).
    #[arg(long)]
    pub label: String,
    #[arg(long, value_enum, default_value = "logistic")]
    pub model: ModelKind,
    /// Where to write the model (JSON); the report goes beside it as OUT.report.json and, for logistic and
    /// gbdt, the manifest to score it with (features, output mapping, calibration) as OUT.manifest.json.
    #[arg(long, default_value = "model.json")]
    pub out: PathBuf,
    /// Calibrate the probabilities of logistic and gbdt models on a slice of the training rows kept out of
    /// their fit (the latest 20 % of them when dated, else a seeded stratified 20 %). The holdout report is
    /// of the calibrated probabilities, with the uncalibrated log-loss beside it; the calibration goes in
    /// OUT.manifest.json. When the slice has too few won or lost leads, training goes on uncalibrated with a
    /// warning. naive-bayes is never calibrated (its output is a smoothed frequency ratio). [default: platt]
    #[arg(long, value_enum, value_name = "METHOD")]
    pub calibration: Option<CalibrationChoice>,
    /// Weight won and lost leads equally in training (rows / (2 · class count)), which helps when one class
    /// is rare, and leave the probabilities as the weighting skews them for the calibration to correct:
    /// gbdt weighs classes only with this flag; logistic always does but, without it, refits its intercept
    /// unweighted so its raw probabilities match the base rate.
    #[arg(long)]
    pub balance_classes: bool,
    /// A date column for a time-based holdout (the latest 20 %); found by name (close_date, closed_at,
    /// date) when omitted. Without one the holdout is a seeded stratified random 20 %.
    #[arg(long)]
    pub time_column: Option<String>,
    /// Fewest won and fewest lost leads to train on (cold start is explicit).
    #[arg(long, default_value_t = train::DEFAULT_MIN_PER_CLASS)]
    pub min_per_class: usize,
}

fn parse_label(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "won" | "closed won" | "closed-won" | "closed_won" => Some(true),
        "0" | "false" | "no" | "lost" | "closed lost" | "closed-lost" | "closed_lost" => Some(false),
        _ => None,
    }
}

fn parse_time(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(dt.timestamp());
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc().timestamp())
}

fn numeric(text: &str) -> Option<f64> {
    leadsmith_core::Cell::parse(text).as_number()
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let table = crate::table::read_file(&args.history, None, &Default::default())?;
    let columns = table.columns.clone();
    let label_idx = columns.iter().position(|c| c == &args.label).with_context(|| {
        format!("no column {:?} in {} (columns: {})", args.label, args.history.display(), columns.join(", "))
    })?;
    let time_col = match &args.time_column {
        Some(c) => Some(columns.iter().position(|x| x == c).with_context(|| format!("no time column {c:?}"))?),
        None => ["close_date", "closed_at", "date"].iter().find_map(|n| columns.iter().position(|c| c == n)),
    };
    let skip = |i: usize| i == label_idx || Some(i) == time_col || ["id", "lead_id"].contains(&columns[i].as_str());
    let mut records = Vec::new();
    let mut rejected = 0;
    for u in &table.unreadable {
        eprintln!("line {}: {}; skipped", u.line, u.reason);
        rejected += 1;
    }
    for r in table.records {
        let line = r.line;
        let Some(won) = parse_label(&r[label_idx]) else {
            eprintln!("line {line}: {:?} is not a won/lost value; skipped", &r[label_idx]);
            rejected += 1;
            continue;
        };
        let time = match time_col.map(|t| parse_time(&r[t])) {
            Some(None) => {
                eprintln!(
                    "line {line}: {:?} is not a date (YYYY-MM-DD or RFC 3339); skipped",
                    &r[time_col.unwrap_or(0)]
                );
                rejected += 1;
                continue;
            }
            Some(t) => t,
            None => None,
        };
        records.push((r, won, time));
    }
    if records.is_empty() {
        bail!("no usable rows in {}", args.history.display());
    }
    let report_path = PathBuf::from(format!("{}.report.json", args.out.display()));
    if args.model == ModelKind::NaiveBayes {
        return naive_bayes(args, &columns, &skip, records, &report_path);
    }
    // Numeric models: the columns whose every cell is a number, a boolean or empty.
    let (features, skipped): (Vec<usize>, Vec<usize>) = (0..columns.len())
        .filter(|&i| !skip(i))
        .partition(|&i| records.iter().all(|(r, _, _)| numeric(&r[i]).is_some()));
    if !skipped.is_empty() {
        let names: Vec<&str> = skipped.iter().map(|&i| columns[i].as_str()).collect();
        eprintln!("not numeric, left out: {} (`--model naive-bayes` uses every column)", names.join(", "));
    }
    if features.is_empty() {
        bail!("no numeric feature columns in {}", args.history.display());
    }
    let names: Vec<String> = features.iter().map(|&i| columns[i].clone()).collect();
    let rows: Vec<Vec<f64>> = records
        .iter()
        .map(|(r, _, _)| features.iter().map(|&i| numeric(&r[i]).unwrap_or(f64::NAN)).collect())
        .collect();
    let labels: Vec<bool> = records.iter().map(|(_, w, _)| *w).collect();
    let mut data = Dataset::new(names, rows, labels)?;
    if time_col.is_some() {
        data = data.with_times(records.iter().map(|(_, _, t)| t.unwrap_or_default()).collect())?;
    }
    let (won, lost) = data.class_counts();
    train::check_history(won, lost, args.min_per_class)?;
    let (fit_on, holdout) = train::split(&data, 0.2, 42)?;
    let method = args.calibration.unwrap_or(CalibrationChoice::Platt).method();
    let min_per_class = args.min_per_class.min(10);
    let trained = match args.model {
        ModelKind::Logistic => {
            let config = LogisticConfig {
                min_per_class,
                balance_classes: true,
                recalibrate_intercept: !args.balance_classes,
                ..Default::default()
            };
            let fit = |d: &Dataset| train::train_logistic(d, &config);
            train_numeric(args, &fit_on, &holdout, method, fit, train::TrainedLogistic::to_json)?
        }
        ModelKind::Gbdt => {
            let config = GbdtConfig { min_per_class, balance_classes: args.balance_classes, ..Default::default() };
            let fit = |d: &Dataset| train::train_gbdt(d, &config);
            train_numeric(args, &fit_on, &holdout, method, fit, train::TrainedGbdt::to_json)?
        }
        ModelKind::NaiveBayes => unreachable!("handled above"),
    };
    let rep = &trained.report;
    if let Some(warning) = &rep.calibration_warning {
        eprintln!("warning: {warning}");
    }
    let manifest_path = PathBuf::from(format!("{}.manifest.json", args.out.display()));
    write(&args.out, &trained.json)?;
    write(&report_path, &rep.to_json())?;
    write(&manifest_path, &serde_json::to_string_pretty(&trained.manifest)?)?;
    println!("{rep}");
    let calibrated = match &rep.calibration_rows {
        Some(rows) => format!(", calibrated ({}) on {} more", rep.calibration_method, rows.rows),
        None => String::new(),
    };
    eprintln!(
        "read {} rows ({} skipped); trained on {} rows{calibrated}, holdout {} ({}); wrote {}, {} and {}",
        data.num_rows(),
        rejected,
        trained.rows,
        holdout.num_rows(),
        if time_col.is_some() { "the latest 20 % by date" } else { "a stratified random 20 %" },
        args.out.display(),
        report_path.display(),
        manifest_path.display()
    );
    eprintln!(
        "score with: leadsmith score --model {} --manifest {} --input LEADS.csv --out SCORES.csv",
        args.out.display(),
        manifest_path.display()
    );
    Ok(())
}

/// The seed of the stratified calibration slice (undated history); the holdout's is 42.
const CALIBRATION_SEED: u64 = 43;

/// What training a numeric model produced.
struct Trained {
    /// The model file.
    json: String,
    report: report::Report,
    /// The rows the model itself was fitted on.
    rows: usize,
    manifest: leadsmith_model::Manifest,
}

/// Trains a numeric model on `fit_on` with `fit` (calibrated as `method` asks), evaluates it on `holdout`
/// and builds its manifest: named after OUT's file stem, versioned by the training time and row count.
fn train_numeric<M: TrainedModel>(
    args: &TrainArgs,
    fit_on: &Dataset,
    holdout: &Dataset,
    method: Option<CalibrationMethod>,
    fit: impl Fn(&Dataset) -> Result<M, train::TrainError>,
    to_json: fn(&M) -> String,
) -> Result<Trained> {
    let t = train::train_calibrated(fit_on, method, CALIBRATION_SEED, fit)?;
    let name = args.out.file_stem().map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let version = format!("{} ({} training rows)", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"), fit_on.num_rows());
    let calibration = t.calibration.as_ref().map(|c| c.calibration.clone());
    // A feature missing anywhere in the history (training or holdout rows) may be missing when scoring.
    let missing: Vec<bool> =
        fit_on.missing_per_feature().iter().zip(holdout.missing_per_feature()).map(|(a, b)| *a || b).collect();
    Ok(Trained {
        json: to_json(&t.model),
        report: report::evaluate_training(&t, holdout, 10)?,
        rows: t.fitted_on.num_rows(),
        manifest: train::training_manifest(&t.model, &fit_on.feature_names, &missing, &name, &version, calibration)?,
    })
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

type Record = (crate::table::Record, bool, Option<i64>);

fn naive_bayes(
    args: &TrainArgs,
    columns: &[String],
    skip: &dyn Fn(usize) -> bool,
    mut records: Vec<Record>,
    report_path: &Path,
) -> Result<()> {
    let won = records.iter().filter(|r| r.1).count();
    train::check_history(won, records.len() - won, args.min_per_class)?;
    if matches!(args.calibration, Some(CalibrationChoice::Platt | CalibrationChoice::Isotonic)) {
        eprintln!(
            "warning: naive-bayes is not calibrated (its output is a smoothed frequency ratio); --calibration ignored"
        );
    }
    // Time-based holdout when dated, else every fifth row.
    records.sort_by_key(|r| r.2.unwrap_or_default());
    let cut = records.len() - records.len() / 5;
    let example = |r: &Record| -> (Vec<(String, String)>, bool) {
        let fields = (0..columns.len())
            .filter(|&i| !skip(i) && !r.0[i].trim().is_empty())
            .map(|i| (columns[i].clone(), r.0[i].trim().to_string()))
            .collect();
        (fields, r.1)
    };
    let dated = records.iter().any(|r| r.2.is_some());
    let mut fit_on = Vec::new();
    let mut holdout = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let in_holdout = if dated { i >= cut } else { i % 5 == 4 };
        if in_holdout { holdout.push(example(r)) } else { fit_on.push(example(r)) }
    }
    let model = NaiveBayes::fit(&fit_on, 1.0)?;
    let scores: Vec<f64> = holdout.iter().map(|(f, _)| model.score(f)).collect();
    let labels: Vec<bool> = holdout.iter().map(|(_, w)| *w).collect();
    let rep = serde_json::json!({
        "model": "naive Bayes",
        "calibration_method": "none",
        "train": fit_on.len(),
        "holdout": holdout.len(),
        "auc": report::auc(&scores, &labels),
        "log_loss": report::log_loss(&scores, &labels),
        "lift_top_decile": report::lift(&scores, &labels, 0.1),
        "calibration": report::calibration(&scores, &labels, 10),
    });
    write(&args.out, &model.to_json())?;
    write(report_path, &serde_json::to_string_pretty(&rep)?)?;
    println!(
        "naive Bayes on {} closed leads, holdout {}: AUC {:.3} · log-loss {:.3} · lift at top 10 % {:.2}",
        fit_on.len(),
        holdout.len(),
        rep["auc"].as_f64().unwrap_or(f64::NAN),
        rep["log_loss"].as_f64().unwrap_or(f64::NAN),
        rep["lift_top_decile"].as_f64().unwrap_or(f64::NAN)
    );
    eprintln!("wrote {} and {}", args.out.display(), report_path.display());
    Ok(())
}
