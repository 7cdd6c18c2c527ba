//! `leadsmith score`: batch-scores a CSV or JSONL file with a model file (XGBoost JSON, LightGBM text,
//! logistic JSON), writing the input's id column, the model's output, its bucket and tier. A row that
//! cannot be scored (a missing or mistyped feature) is reported with its line and the rest goes on.
//! `leadsmith model info`: what a model file is and what it expects.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use leadsmith_model::{Objective, ScoringModel};
use serde_json::Value;

use crate::csv_out::CsvOut;

#[derive(Debug, Clone, clap::Args)]
pub struct ScoreArgs {
    /// The model file (format told from its contents).
    #[arg(long)]
    pub model: PathBuf,
    /// A manifest (JSON) naming the model's features with types, defaults and ranges, its output mapping
    /// and calibration. Default: MODEL.manifest.json beside the model when it exists (what `leadsmith
    /// train` writes), else the feature names stored in the model are required columns. A required
    /// feature's column must be present and filled; the command fails when no row could be scored.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Rows to score: CSV with a header, or JSONL (one object per line).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write id, score, bucket and tier (CSV, or JSONL by extension).
    #[arg(long)]
    pub out: PathBuf,
    /// Add a `reasons` column: the N features that moved each score most, in words, e.g.
    /// "demo_views 12 (+0.41)" (contributions in log-odds for classifiers).
    #[arg(long, value_name = "N")]
    pub reasons: Option<usize>,
    /// Write CSV cells that start with = + - @ as they are (by default they are prefixed with ' so a
    /// spreadsheet does not run them as formulas).
    #[arg(long)]
    pub keep_formulas: bool,
    /// Score through a remote endpoint described in this TOML file (kind = "sagemaker" | "azureml" |
    /// "http", its settings, timeout_ms, retries, breaker, fallback); with `fallback = true` the local
    /// `--model` answers when the endpoint fails. Adds a `source` column (remote or fallback).
    #[arg(long)]
    pub remote: Option<PathBuf>,
}

/// One input row: its line, id and feature values by column name.
struct Row {
    line: u64,
    id: String,
    values: BTreeMap<String, Value>,
}

fn cell(text: &str) -> Value {
    leadsmith_core::Cell::parse(text).to_json()
}

fn id_column(columns: &[String]) -> Option<String> {
    ["lead_id", "id"]
        .iter()
        .find(|c| columns.iter().any(|k| k == *c))
        .map(|c| c.to_string())
        .or(columns.first().cloned())
}

/// A read input file: its columns, the rows that parsed, and (line, reason) for those that did not.
type Input = (Vec<String>, Vec<Row>, Rejected);
type Rejected = Vec<(u64, String)>;

fn read_rows(path: &Path) -> Result<Input> {
    let table = crate::table::read_file(path, None, &Default::default())?;
    let id_col = id_column(&table.columns).context("the input has no columns")?;
    let id_idx = table.column(&id_col).unwrap_or(0);
    let rows = table
        .records
        .iter()
        .map(|r| {
            let id = if r[id_idx].is_empty() { r.line.to_string() } else { r[id_idx].to_string() };
            let values = table.columns.iter().cloned().zip(r.values.iter().map(|v| cell(v))).collect();
            Row { line: r.line, id, values }
        })
        .collect();
    let bad = table.unreadable.into_iter().map(|u| (u.line, u.reason)).collect();
    Ok((table.columns, rows, bad))
}

/// A row's values that are model features: other columns (ids, names, the outcome) ride along in input
/// files and are not features.
fn only_features(values: BTreeMap<String, Value>, known: &std::collections::HashSet<&str>) -> BTreeMap<String, Value> {
    values.into_iter().filter(|(k, _)| known.contains(k.as_str())).collect()
}

/// The model and its manifest (given, beside the model, or made from the names the model stores).
fn open_model(model: &Path, manifest: Option<&Path>) -> Result<ScoringModel> {
    Ok(ScoringModel::open(model, manifest)?)
}

pub struct ScoreSummary {
    pub scored: usize,
    pub rejected: usize,
    pub errors_file: Option<PathBuf>,
}

/// The remote endpoint of `--remote`, with the local model behind it when the config asks for fallback.
fn remote_scorer(path: &Path, model: std::sync::Arc<ScoringModel>) -> Result<RemoteFn> {
    use leadsmith_remote::RemoteScorerExt;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let config: leadsmith_remote::RemoteConfig =
        crate::config::parse_toml(&text).with_context(|| format!("remote endpoint settings {}", path.display()))?;
    let client = config.build().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let local = move |features: &serde_json::Map<String, Value>| -> Result<f64, String> {
        let map: BTreeMap<String, Value> = features.clone().into_iter().collect();
        let values =
            model.row_from(&map).map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))?;
        Ok(model.predict(&values))
    };
    let scorer = std::sync::Arc::new(client.with_fallback(local));
    let fallback = config.fallback;
    Ok(Box::new(move |features| {
        let scorer = scorer.clone();
        Box::pin(async move {
            if fallback {
                scorer.score_detailed(&features).await.map(|s| (s.value, s.source)).map_err(|e| e.to_string())
            } else {
                use leadsmith_remote::RemoteScorer;
                scorer
                    .remote()
                    .score(&features)
                    .await
                    .map(|v| (v, leadsmith_remote::Source::Remote))
                    .map_err(|e| e.to_string())
            }
        })
    }))
}

/// Scores one row's features remotely (or by the fallback): the value and who answered.
type RemoteFn = Box<dyn Fn(serde_json::Map<String, Value>) -> RemoteCall + Send + Sync>;
type RemoteCall =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(f64, leadsmith_remote::Source), String>> + Send>>;

pub async fn run(args: &ScoreArgs, interactive: bool) -> Result<ScoreSummary> {
    let model = std::sync::Arc::new(open_model(&args.model, args.manifest.as_deref())?);
    let remote = match &args.remote {
        Some(path) => Some(remote_scorer(path, model.clone())?),
        None => None,
    };
    let (columns, rows, mut rejected) = read_rows(&args.input)?;
    // Without a manifest nothing says which features may be missing: every one is a required column, and
    // an empty cell is the model's own missing value, as XGBoost or LightGBM read the same file.
    let mut manifest = model.manifest.clone();
    if model.manifest_path.is_none() {
        for f in &mut manifest.features {
            f.default = Some(None);
        }
    }
    let manifest = &manifest;
    let required: Vec<&str> =
        model.manifest.features.iter().filter(|f| f.default.is_none()).map(|f| f.name.as_str()).collect();
    // A required feature (no default in the manifest) must be a column: say which are not, once, rather
    // than reject every row for the same reason.
    let missing: Vec<&str> = required.into_iter().filter(|n| !columns.iter().any(|c| c == n)).collect();
    if !missing.is_empty() && !rows.is_empty() {
        bail!(
            "{} lacks the model's required features: {} (a feature may be left out only where the manifest \
             gives it a default; `leadsmith train` allows it for features that were missing in the history)",
            args.input.display(),
            missing.join(", ")
        );
    }
    let total = rows.len() + rejected.len();
    let known: std::collections::HashSet<&str> = manifest.features.iter().map(|f| f.name.as_str()).collect();
    let bar = crate::pipeline::progress::bar(rows.len() as u64, interactive, "scoring");
    let started = Instant::now();
    let jsonl = matches!(args.out.extension().and_then(|e| e.to_str()), Some("jsonl" | "ndjson"));
    let file = std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut csv_out = (!jsonl).then(|| CsvOut::new(Vec::new(), args.keep_formulas));
    if let Some(w) = csv_out.as_mut() {
        let mut header = vec!["id", "score", "bucket", "tier"];
        if args.reasons.is_some() {
            header.push("reasons");
        }
        if remote.is_some() {
            header.push("source");
        }
        w.write(&header)?;
    }
    let mut scored = 0;
    for row in rows {
        let features: BTreeMap<String, Value> = only_features(row.values, &known);
        let values = match manifest.row(&features) {
            Ok(v) => v,
            Err(errors) => {
                let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
                rejected.push((row.line, list.join("; ")));
                bar.inc(1);
                continue;
            }
        };
        let (p, source) = match &remote {
            None => (model.predict(&values), None),
            Some(call) => match call(features.clone().into_iter().collect()).await {
                Ok((p, source)) => (p, Some(source)),
                Err(e) => {
                    rejected.push((row.line, format!("remote endpoint: {e}")));
                    bar.inc(1);
                    continue;
                }
            },
        };
        let source = source.map(|s| match s {
            leadsmith_remote::Source::Remote => "remote".to_string(),
            leadsmith_remote::Source::Fallback => "fallback".to_string(),
        });
        let (bucket, tier) = match model.objective() {
            Objective::Probability => {
                let shown = manifest.show(p);
                (shown.bucket.map(|b| b.to_string()).unwrap_or_default(), shown.tier)
            }
            Objective::Regression => (String::new(), String::new()),
        };
        let reasons = args
            .reasons
            .map(|n| model.reasons(&values, n).iter().map(ToString::to_string).collect::<Vec<_>>().join("; "));
        match csv_out.as_mut() {
            Some(w) => {
                let mut record = vec![row.id.clone(), p.to_string(), bucket, tier];
                record.extend(reasons);
                record.extend(source);
                w.write(&record)?
            }
            None => {
                let bucket: Option<u8> = bucket.parse().ok();
                let mut line = serde_json::json!({"id": row.id, "score": p, "bucket": bucket, "tier": tier});
                if let Some(r) = reasons {
                    line["reasons"] = Value::String(r);
                }
                if let Some(s) = source {
                    line["source"] = Value::String(s);
                }
                writeln!(out, "{line}")?;
            }
        }
        scored += 1;
        bar.inc(1);
    }
    if let Some(w) = csv_out {
        out.write_all(&w.into_inner()?)?;
    }
    out.flush()?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let errors_file = if rejected.is_empty() {
        None
    } else {
        rejected.sort();
        let path = PathBuf::from(format!("{}.errors.csv", args.out.display()));
        let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = CsvOut::new(file, args.keep_formulas);
        w.write(["line", "reason"])?;
        for (line, reason) in &rejected {
            w.write([line.to_string(), reason.clone()])?;
        }
        w.flush()?;
        Some(path)
    };
    eprintln!(
        "scored {scored} rows with {} ({}) in {elapsed:.2} s ({:.0} rows/s){}",
        args.model.display(),
        model.format.as_str(),
        scored as f64 / elapsed.max(1e-9),
        match &errors_file {
            Some(p) => format!("; rejected {} rows, with line numbers and reasons in {}", rejected.len(), p.display()),
            None => String::new(),
        }
    );
    if scored == 0 && total > 0 {
        bail!(
            "no row of {} could be scored ({} rejected{})",
            args.input.display(),
            rejected.len(),
            errors_file.as_ref().map(|p| format!("; reasons in {}", p.display())).unwrap_or_default()
        );
    }
    Ok(ScoreSummary { scored, rejected: rejected.len(), errors_file })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CalibrationMethod {
    Platt,
    Isotonic,
}

/// `leadsmith model calibrate`: fits a calibration on rows with known outcomes and writes a manifest that
/// carries it (the given one, or one made from the model's feature names).
pub fn calibrate(
    model_path: &Path,
    manifest: Option<&Path>,
    data: &Path,
    label: &str,
    method: CalibrationMethod,
    out: &Path,
) -> Result<()> {
    let opened = open_model(model_path, manifest)?;
    let model = opened.model.as_ref();
    if model.objective() != Objective::Probability {
        bail!("{} is a regression model; calibration is for probabilities", model_path.display());
    }
    let mut manifest = opened.manifest.clone();
    manifest.calibration = None;
    let known: std::collections::HashSet<&str> = manifest.features.iter().map(|f| f.name.as_str()).collect();
    let (columns, rows, _) = read_rows(data)?;
    if !columns.iter().any(|c| c == label) {
        bail!("no column {label:?} in {}", data.display());
    }
    let (mut margins, mut probs, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        let won = match row.values.get(label) {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) if n.as_f64() == Some(1.0) => true,
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => false,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("won") => true,
            Some(Value::String(s)) if s.eq_ignore_ascii_case("lost") => false,
            _ => continue,
        };
        let features: BTreeMap<String, Value> = only_features(row.values, &known);
        let Ok(values) = manifest.row(&features) else { continue };
        margins.push(model.predict_margin(&values));
        probs.push(model.predict(&values));
        labels.push(won);
    }
    let fitted = match method {
        CalibrationMethod::Platt => leadsmith_model::Calibration::fit_platt(&margins, &labels),
        CalibrationMethod::Isotonic => leadsmith_model::Calibration::fit_isotonic(&probs, &labels),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let before = leadsmith_model::train::report::log_loss(&probs, &labels);
    let after_p: Vec<f64> = margins.iter().zip(&probs).map(|(&m, &p)| fitted.apply(m, p)).collect();
    let after = leadsmith_model::train::report::log_loss(&after_p, &labels);
    manifest.calibration = Some(fitted);
    std::fs::write(out, serde_json::to_string_pretty(&manifest)?)
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "calibrated on {} rows: log-loss {before:.4} → {after:.4}; wrote {} (score with --manifest {})",
        labels.len(),
        out.display(),
        out.display()
    );
    Ok(())
}

/// `leadsmith model importance`: mean |contribution| per feature over the rows of `data` (exact
/// TreeSHAP for trees, coefficient × standardised value for linear models), and total gain where the
/// model records it; largest first.
pub fn importance(model_path: &Path, manifest: Option<&Path>, data: &Path, top: usize) -> Result<()> {
    let opened = open_model(model_path, manifest)?;
    let model = opened.model.as_ref();
    let manifest = &opened.manifest;
    let known: std::collections::HashSet<&str> = manifest.features.iter().map(|f| f.name.as_str()).collect();
    let (_, rows, rejected) = read_rows(data)?;
    let mut sums = vec![0.0; model.num_features()];
    let mut n = 0usize;
    for row in rows {
        let features: BTreeMap<String, Value> = only_features(row.values, &known);
        let Ok(values) = manifest.row(&features) else { continue };
        for (s, c) in sums.iter_mut().zip(model.contributions(&values)) {
            *s += c.abs();
        }
        n += 1;
    }
    if n == 0 {
        bail!("no row of {} could be scored ({} rejected)", data.display(), rejected.len());
    }
    let gain = model.gain_importance();
    let mut order: Vec<usize> = (0..sums.len()).collect();
    order.sort_by(|&a, &b| sums[b].total_cmp(&sums[a]));
    println!("{:<32} {:>14} {:>14}", "FEATURE", "MEAN |SHAP|", "TOTAL GAIN");
    for &i in order.iter().take(top) {
        println!(
            "{:<32} {:>14.6} {:>14}",
            manifest.features[i].name,
            sums[i] / n as f64,
            gain.as_ref().map_or("-".to_string(), |g| format!("{:.3}", g[i]))
        );
    }
    eprintln!("over {n} rows of {}; mean |SHAP| is in margin units (log-odds for classifiers)", data.display());
    Ok(())
}

/// `leadsmith model info`.
pub fn info(path: &Path) -> Result<()> {
    let loaded = leadsmith_model::load(path).with_context(|| format!("loading {}", path.display()))?;
    let m = loaded.model.as_ref();
    println!("model {}", path.display());
    println!("format {}", loaded.format.as_str());
    println!(
        "output {}",
        match m.objective() {
            Objective::Probability => "probability (binary classifier)",
            Objective::Regression => "value (regression)",
        }
    );
    println!("features {}", m.num_features());
    match m.feature_names() {
        Some(names) => {
            for (i, n) in names.iter().enumerate() {
                println!("  {i:>3}  {n}");
            }
        }
        None => println!("  (the file stores no names; score with --manifest)"),
    }
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum ModelCommand {
    /// Format, output, and the features in order.
    Info { path: PathBuf },
    /// Fit a calibration (Platt or isotonic) on rows with known outcomes; writes a manifest carrying it.
    Calibrate {
        path: PathBuf,
        /// Rows with the model's features and the outcome column.
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        label: String,
        #[arg(long, value_enum, default_value = "platt")]
        method: CalibrationMethod,
        /// Start from this manifest (its features and output mapping); else the model's feature names.
        #[arg(long)]
        manifest: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Global importance: mean |SHAP| over a data file's rows, and total gain where recorded.
    Importance {
        path: PathBuf,
        /// Rows to explain (CSV or JSONL with the model's feature columns).
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        manifest: Option<PathBuf>,
        #[arg(long, default_value_t = 20)]
        top: usize,
    },
}

/// `leadsmith model …`.
pub fn model(command: &ModelCommand) -> Result<()> {
    match command {
        ModelCommand::Info { path } => info(path),
        ModelCommand::Calibrate { path, data, label, method, manifest, out } => {
            calibrate(path, manifest.as_deref(), data, label, *method, out)
        }
        ModelCommand::Importance { path, data, manifest, top } => importance(path, manifest.as_deref(), data, *top),
    }
}
