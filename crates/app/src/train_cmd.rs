//! `leadsmith train`: fits a model on a team's closed leads (a CSV with a won/lost column) and prints its
//! report (AUC, log-loss, calibration by decile, lift at the top 10 %, top features), also written as JSON.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use leadsmith_model::train::{self, Dataset, GbdtConfig, LogisticConfig, NaiveBayes, TrainedModel, report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelKind {
    /// L2-regularised logistic regression on standardised numeric columns.
    Logistic,
    /// Gradient-boosted trees on numeric columns.
    Gbdt,
    /// Per (column, value) won/lost counts with smoothing, on every column as a category.
    NaiveBayes,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Closed leads: CSV with a header.
    #[arg(long)]
    pub history: PathBuf,
    /// The outcome column (won: 1/true/yes/won; lost: 0/false/no/lost).
    #[arg(long)]
    pub label: String,
    #[arg(long, value_enum, default_value = "logistic")]
    pub model: ModelKind,
    /// Where to write the model (JSON); the report goes beside it as OUT.report.json.
    #[arg(long, default_value = "model.json")]
    pub out: PathBuf,
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
    let t = text.trim();
    if t.is_empty() {
        return Some(f64::NAN);
    }
    match t.to_ascii_lowercase().as_str() {
        "true" | "yes" => return Some(1.0),
        "false" | "no" => return Some(0.0),
        _ => {}
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let mut reader =
        csv::Reader::from_path(&args.history).with_context(|| format!("reading {}", args.history.display()))?;
    let columns: Vec<String> = reader.headers()?.iter().map(|h| h.trim().to_string()).collect();
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
    for (i, r) in reader.records().enumerate() {
        let line = i + 2;
        let r = match r {
            Ok(r) if r.len() == columns.len() => r,
            Ok(r) => {
                eprintln!("line {line}: {} fields where the header has {}; skipped", r.len(), columns.len());
                rejected += 1;
                continue;
            }
            Err(e) => {
                eprintln!("line {line}: {e}; skipped");
                rejected += 1;
                continue;
            }
        };
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
    let (json, rep) = match args.model {
        ModelKind::Logistic => {
            let config = LogisticConfig { min_per_class: args.min_per_class.min(10), ..Default::default() };
            let m = train::train_logistic(&fit_on, &config)?;
            (m.to_json(), report::evaluate(&m as &dyn TrainedModel, &fit_on, &holdout, 10)?)
        }
        ModelKind::Gbdt => {
            let config = GbdtConfig { min_per_class: args.min_per_class.min(10), ..Default::default() };
            let m = train::train_gbdt(&fit_on, &config)?;
            (m.to_json(), report::evaluate(&m as &dyn TrainedModel, &fit_on, &holdout, 10)?)
        }
        ModelKind::NaiveBayes => unreachable!("handled above"),
    };
    write(&args.out, &json)?;
    write(&report_path, &rep.to_json())?;
    println!("{rep}");
    eprintln!(
        "trained on {} rows ({} skipped), holdout {} ({}); wrote {} and {}",
        fit_on.num_rows(),
        rejected,
        holdout.num_rows(),
        if time_col.is_some() { "the latest 20 % by date" } else { "a stratified random 20 %" },
        args.out.display(),
        report_path.display()
    );
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

type Record = (csv::StringRecord, bool, Option<i64>);

fn naive_bayes(
    args: &TrainArgs,
    columns: &[String],
    skip: &dyn Fn(usize) -> bool,
    mut records: Vec<Record>,
    report_path: &Path,
) -> Result<()> {
    let won = records.iter().filter(|r| r.1).count();
    train::check_history(won, records.len() - won, args.min_per_class)?;
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
