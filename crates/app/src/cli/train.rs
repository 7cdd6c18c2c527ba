//! `leadsmith train`: fits a model on a team's closed leads (a CSV with a won/lost column) and prints its
//! report (a plain-language summary, then AUC, log-loss, calibration by decile, lift at the top 10 %, top
//! features with their direction), also written as JSON.
//!
//! Columns are chosen and encoded by [`leadsmith_model::train::prepare`]: identifiers and leakage are left
//! out with a note, `--exclude`/`--features` choose the rest, text columns are encoded (one-hot, or
//! out-of-fold won rates) and the encodings ride in `OUT.manifest.json` for `leadsmith score`.
//!
//! Logistic and GBDT models are calibrated by default: a slice of the training rows (the latest 20 % of
//! them when dated) is kept out of the model's fit and a Platt or isotonic calibration is fitted on it; the
//! holdout is evaluated on the calibrated probabilities, and a calibration that makes the holdout log-loss
//! worse is not applied. The calibration rides in `OUT.manifest.json`, which `leadsmith score --manifest`
//! applies; the model file itself scores as fitted.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use leadsmith_model::train::{
    self, CalibrationMethod, Dataset, GbdtConfig, History, LogisticConfig, PrepareConfig, Prepared, TrainedModel,
    report,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    /// L2-regularised logistic regression on standardised columns.
    Logistic,
    /// Gradient-boosted trees.
    Gbdt,
    /// No longer offered (`leadsmith score` could not read it); refused with a pointer to `logistic`.
    #[value(hide = true)]
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
    /// OUT.manifest.json. When the slice has too few won or lost leads, or the calibration makes the
    /// holdout's log-loss worse, the model is left uncalibrated with a warning. [default: platt]
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
    /// Columns to leave out (comma-separated, or the flag repeated), besides those left out on their own:
    /// identifiers (unique per row, id-like names or values) and leakage (a column that alone tells won
    /// from lost almost perfectly, such as a stage of "Closed Won").
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    pub exclude: Vec<String>,
    /// Train on these columns only (comma-separated). They are used even when they look like identifiers or
    /// leakage, with a warning in the report.
    #[arg(long, value_delimiter = ',', value_name = "COL")]
    pub features: Option<Vec<String>>,
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

/// Checks that the columns `--exclude` or `--features` names exist and are neither the label nor the time
/// column.
fn check_named(flag: &str, names: &[String], columns: &[String], label: &str, time: Option<&str>) -> Result<()> {
    for name in names {
        if name == label {
            bail!("{flag} names {name:?}, the label column: it is the outcome, never a feature");
        }
        if Some(name.as_str()) == time {
            bail!("{flag} names {name:?}, the time column the holdout is cut by (use --time-column to pick another)");
        }
        if !columns.contains(name) {
            bail!("{flag} names no column {name:?} (columns: {})", columns.join(", "));
        }
    }
    Ok(())
}

pub fn run(args: &TrainArgs) -> Result<()> {
    if args.model == ModelKind::NaiveBayes {
        bail!(
            "--model naive-bayes is no longer offered: `leadsmith score` cannot read its model. Text columns are \
             now encoded for logistic and gbdt (one-hot, or each level's won rate), which covers what naive Bayes \
             did; use --model logistic"
        );
    }
    let table = crate::table::read_file(&args.history, None, &Default::default())?;
    let columns = table.columns.clone();
    let label_idx = columns.iter().position(|c| c == &args.label).with_context(|| {
        format!("no column {:?} in {} (columns: {})", args.label, args.history.display(), columns.join(", "))
    })?;
    let time_col = match &args.time_column {
        Some(c) => Some(columns.iter().position(|x| x == c).with_context(|| format!("no time column {c:?}"))?),
        None => ["close_date", "closed_at", "date"].iter().find_map(|n| columns.iter().position(|c| c == n)),
    };
    let time_name = time_col.map(|t| columns[t].as_str());
    check_named("--exclude", &args.exclude, &columns, &args.label, time_name)?;
    if let Some(features) = &args.features {
        check_named("--features", features, &columns, &args.label, time_name)?;
    }
    let candidates: Vec<usize> = (0..columns.len()).filter(|&i| i != label_idx && Some(i) != time_col).collect();
    let mut history =
        History { columns: candidates.iter().map(|&i| columns[i].clone()).collect(), ..Default::default() };
    let mut times = Vec::new();
    let mut rejected = 0;
    for u in &table.unreadable {
        eprintln!("line {}: {}; skipped", u.line, u.reason);
        rejected += 1;
    }
    for r in &table.records {
        let line = r.line;
        let Some(won) = parse_label(&r[label_idx]) else {
            eprintln!("line {line}: {:?} is not a won/lost value; skipped", &r[label_idx]);
            rejected += 1;
            continue;
        };
        if let Some(t) = time_col {
            let Some(time) = parse_time(&r[t]) else {
                eprintln!("line {line}: {:?} is not a date (YYYY-MM-DD or RFC 3339); skipped", &r[t]);
                rejected += 1;
                continue;
            };
            times.push(time);
        }
        history.cells.push(candidates.iter().map(|&i| leadsmith_core::Cell::parse(&r[i]).to_json()).collect());
        history.labels.push(won);
    }
    if history.labels.is_empty() {
        bail!("no usable rows in {}", args.history.display());
    }
    if time_col.is_some() {
        history.times = Some(times);
    }
    let won = history.labels.iter().filter(|&&w| w).count();
    train::check_history(won, history.labels.len() - won, args.min_per_class)?;
    let config = PrepareConfig { exclude: args.exclude.clone(), features: args.features.clone(), ..Default::default() };
    let prepared = train::prepare(&history, &config)?;
    say_columns(&prepared);
    let report_path = PathBuf::from(format!("{}.report.json", args.out.display()));
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
            train_numeric(args, &prepared, method, fit, train::TrainedLogistic::to_json)?
        }
        ModelKind::Gbdt => {
            let config = GbdtConfig { min_per_class, balance_classes: args.balance_classes, ..Default::default() };
            let fit = |d: &Dataset| train::train_gbdt(d, &config);
            train_numeric(args, &prepared, method, fit, train::TrainedGbdt::to_json)?
        }
        ModelKind::NaiveBayes => unreachable!("refused above"),
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
        history.labels.len(),
        rejected,
        trained.rows,
        prepared.holdout.num_rows(),
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

/// One line on stderr for the columns left out and one for those encoded (the report has the reasons).
fn say_columns(prepared: &Prepared) {
    let (left_out, encoded): (Vec<_>, Vec<_>) = prepared.notes.iter().partition(|n| n.left_out());
    let list = |notes: &[&train::ColumnNote]| {
        notes.iter().map(|n| format!("{} ({})", n.column, n.action.label())).collect::<Vec<_>>().join(", ")
    };
    if !left_out.is_empty() {
        eprintln!("left out: {}", list(&left_out));
    }
    if !encoded.is_empty() {
        eprintln!("text columns encoded: {}", list(&encoded));
    }
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

/// Trains a model on the prepared training rows with `fit` (calibrated as `method` asks), evaluates it on
/// the holdout and builds its manifest (with the column encodings; the calibration only when it did not make
/// the holdout worse): named after OUT's file stem, versioned by the training time and row count.
fn train_numeric<M: TrainedModel>(
    args: &TrainArgs,
    prepared: &Prepared,
    method: Option<CalibrationMethod>,
    fit: impl Fn(&Dataset) -> Result<M, train::TrainError>,
    to_json: fn(&M) -> String,
) -> Result<Trained> {
    let (fit_on, holdout) = (&prepared.train, &prepared.holdout);
    let t = train::train_calibrated(fit_on, method, CALIBRATION_SEED, fit)?;
    let name = args.out.file_stem().map_or_else(|| "model".into(), |s| s.to_string_lossy().into_owned());
    let version = format!("{} ({} training rows)", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"), fit_on.num_rows());
    let report = report::evaluate_training(&t, holdout, 10)?.with_columns(prepared.notes.clone());
    let calibration = t.calibration.as_ref().filter(|_| report.applies_calibration()).map(|c| c.calibration.clone());
    // A feature missing anywhere in the history (training or holdout rows) may be missing when scoring.
    let missing: Vec<bool> =
        fit_on.missing_per_feature().iter().zip(holdout.missing_per_feature()).map(|(a, b)| *a || b).collect();
    let mut manifest =
        train::training_manifest(&t.model, &fit_on.feature_names, &missing, &name, &version, calibration)?;
    prepared.apply(&mut manifest)?;
    Ok(Trained { json: to_json(&t.model), report, rows: t.fitted_on.num_rows(), manifest })
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
