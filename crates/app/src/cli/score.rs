//! `leadsmith score`: batch-scores a CSV or JSONL file with a model file (XGBoost JSON, LightGBM text,
//! logistic JSON), writing the input's id column, the model's output, its bucket and tier. A row that
//! cannot be scored (a missing or mistyped feature) is reported with its line and the rest goes on. Text
//! columns the manifest encodes (what `leadsmith train` writes for industry, lead source…) are read and
//! encoded as it says: a level never seen goes to the encoding's fallback (`(other)`, or the overall won
//! rate).
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
/// Rows that could not be scored: (line, reason).
pub(super) type Rejected = Vec<(u64, String)>;

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

/// A row's values that are model inputs (features, and text columns the manifest encodes): other columns
/// (ids, names, the outcome) ride along in input files and are not features.
fn only_features(values: BTreeMap<String, Value>, known: &std::collections::HashSet<&str>) -> BTreeMap<String, Value> {
    values.into_iter().filter(|(k, _)| known.contains(k.as_str())).collect()
}

/// The names of a manifest's inputs: its features of their own columns and its encoded text columns.
fn inputs(manifest: &leadsmith_model::Manifest) -> std::collections::HashSet<&str> {
    let derived = manifest.derived();
    let plain = manifest.features.iter().zip(derived).filter(|(_, d)| !d).map(|(f, _)| f.name.as_str());
    plain.chain(manifest.encodings.iter().map(|e| e.column.as_str())).collect()
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
    // Without a manifest nothing says which features may be missing: every one is a required column, and
    // an empty cell is the model's own missing value, as XGBoost or LightGBM read the same file.
    let mut manifest = model.manifest.clone();
    if model.manifest_path.is_none() {
        for f in &mut manifest.features {
            f.default = Some(None);
        }
    }
    let jsonl = matches!(args.out.extension().and_then(|e| e.to_str()), Some("jsonl" | "ndjson"));
    let started = Instant::now();
    let mut header = Written::new(jsonl, args.keep_formulas);
    header.header(args.reasons.is_some(), remote.is_some())?;
    let header = header.into_bytes()?;
    let fast = match remote {
        None => score_fast(args, &model, &manifest, jsonl, &header, interactive).await?,
        Some(_) => None,
    };
    let (scored, mut rejected, total) = match fast {
        Some(done) => done,
        None => score_careful(args, &model, &manifest, jsonl, &header, remote.as_ref(), interactive).await?,
    };
    let elapsed = started.elapsed().as_secs_f64();
    let errors_file = if rejected.is_empty() {
        None
    } else {
        rejected.sort();
        let path = PathBuf::from(format!("{}.errors.csv", args.out.display()));
        let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut w = CsvOut::new(std::io::BufWriter::new(file), args.keep_formulas);
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

/// Rows scored, rows rejected, and rows read (both).
type Done = (usize, Rejected, usize);

/// The required input columns (features without a default in `manifest`, encoded text columns whose cells
/// may not be empty) that are not among `columns`. Given the model's own manifest: without a manifest file,
/// every feature it names is a required column (an empty cell of it is the model's missing value).
fn missing_required<'m>(manifest: &'m leadsmith_model::Manifest, columns: &[String]) -> Vec<&'m str> {
    manifest.required_columns().into_iter().filter(|name| !columns.iter().any(|c| c == name)).collect()
}

fn lacks_required(input: &Path, missing: &[&str]) -> anyhow::Error {
    anyhow::anyhow!(
        "{} lacks the model's required features: {} (a feature may be left out only where the manifest gives it \
         a default; `leadsmith train` allows it for features that were missing in the history)",
        input.display(),
        missing.join(", ")
    )
}

/// The fast path ([`super::score_batch`]) for a CSV file of UTF-8 text with every required column; `None`
/// when the file is for the careful path (another format or encoding, a missing column, irregular rows).
async fn score_fast(
    args: &ScoreArgs,
    model: &std::sync::Arc<ScoringModel>,
    manifest: &leadsmith_model::Manifest,
    jsonl: bool,
    header: &[u8],
    interactive: bool,
) -> Result<Option<Done>> {
    use crate::table::{ReadOptions, Source, Stream};
    // The careful reader reads a whole file once to learn that it is UTF-8; here each block is checked
    // instead (a block that is not UTF-8 sends the file to the careful reader, which finds its encoding).
    // A file that starts like UTF-16 or UTF-32 (a byte-order mark, NUL bytes) is for the careful reader.
    let mut head = Vec::with_capacity(4096);
    std::io::Read::read_to_end(
        &mut std::io::Read::take(
            std::fs::File::open(&args.input).with_context(|| format!("opening {}", args.input.display()))?,
            4096,
        ),
        &mut head,
    )?;
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) || head.contains(&0) {
        return Ok(None);
    }
    let utf8 = ReadOptions { encoding: Some("utf-8".into()), ..Default::default() };
    let stream = Stream::open(Source::File(&args.input), None, &utf8)
        .with_context(|| format!("reading {}", args.input.display()))?;
    let Some(delimiter) = stream.plan().utf8_csv_delimiter() else { return Ok(None) };
    let columns = stream.columns().to_vec();
    drop(stream);
    let Some(id_name) = id_column(&columns) else { return Ok(None) };
    if !missing_required(&model.manifest, &columns).is_empty() {
        return Ok(None);
    }
    let (args, model, features) = (args.clone(), model.clone(), manifest.features.clone());
    let encodings = manifest.encodings.clone();
    let header = header.to_vec();
    let total = std::fs::metadata(&args.input).map(|m| m.len()).unwrap_or(0);
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let bar = {
        let read = read.clone();
        crate::pipeline::progress::ByteProgress::start(
            "scoring",
            total,
            move || read.load(std::sync::atomic::Ordering::Relaxed),
            interactive,
        )
    };
    let done = tokio::task::spawn_blocking(move || -> Result<Option<Done>> {
        let plan = super::score_batch::Plan {
            model: &model,
            features: &features,
            encodings: &encodings,
            columns: &columns,
            id_column: columns.iter().position(|c| *c == id_name).unwrap_or(0),
            delimiter,
            reasons: args.reasons,
            jsonl,
            keep_formulas: args.keep_formulas,
        };
        let file = std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        out.write_all(&header)?;
        let Some(scored) = super::score_batch::score(&plan, &args.input, &mut out, &read)? else { return Ok(None) };
        out.flush().with_context(|| format!("writing {}", args.out.display()))?;
        let total = scored.scored + scored.rejected.len();
        Ok(Some((scored.scored, scored.rejected, total)))
    })
    .await
    .context("the scoring threads")?;
    bar.finish();
    done
}

/// Row by row, through the reader that takes any file (JSONL, other encodings, broken rows reported one by
/// one) and through a remote endpoint when one is set.
async fn score_careful(
    args: &ScoreArgs,
    model: &ScoringModel,
    manifest: &leadsmith_model::Manifest,
    jsonl: bool,
    header: &[u8],
    remote: Option<&RemoteFn>,
    interactive: bool,
) -> Result<Done> {
    let (columns, rows, mut rejected) = read_rows(&args.input)?;
    // A required feature (no default in the manifest) must be a column: say which are not, once, rather
    // than reject every row for the same reason.
    let missing = missing_required(&model.manifest, &columns);
    if !missing.is_empty() && !rows.is_empty() {
        return Err(lacks_required(&args.input, &missing));
    }
    let total = rows.len() + rejected.len();
    let known = inputs(manifest);
    let bar = crate::pipeline::progress::bar(rows.len() as u64, interactive, "scoring");
    let file = std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    out.write_all(header)?;
    let mut written = Written::new(jsonl, args.keep_formulas);
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
        let (p, source) = match remote {
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
            leadsmith_remote::Source::Remote => "remote",
            leadsmith_remote::Source::Fallback => "fallback",
        });
        let reasons = args.reasons.map(|n| reasons(model, &values, n));
        written.row(model, &row.id, p, reasons, source)?;
        scored += 1;
        bar.inc(1);
        if scored % 4096 == 0 {
            let full = std::mem::replace(&mut written, Written::new(jsonl, args.keep_formulas));
            out.write_all(&full.into_bytes()?)?;
        }
    }
    out.write_all(&written.into_bytes()?)?;
    out.flush().with_context(|| format!("writing {}", args.out.display()))?;
    bar.finish_and_clear();
    Ok((scored, rejected, total))
}

/// The `reasons` cell: the `n` features that moved a score most, in words.
pub(super) fn reasons(model: &ScoringModel, values: &[f64], n: usize) -> String {
    model.reasons(values, n).iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// Scored rows as the output file has them: CSV (id, score, bucket, tier, then reasons and source when
/// asked for) or JSON lines, gathered in memory to be written in order.
pub(super) enum Written {
    Csv(Box<CsvOut<Vec<u8>>>),
    Jsonl(Vec<u8>),
}

impl Written {
    pub(super) fn new(jsonl: bool, keep_formulas: bool) -> Self {
        if jsonl { Self::Jsonl(Vec::new()) } else { Self::Csv(Box::new(CsvOut::new(Vec::new(), keep_formulas))) }
    }

    /// The CSV header (JSON lines have none).
    fn header(&mut self, reasons: bool, source: bool) -> Result<()> {
        if let Self::Csv(w) = self {
            let mut header = vec!["id", "score", "bucket", "tier"];
            if reasons {
                header.push("reasons");
            }
            if source {
                header.push("source");
            }
            w.write(&header)?;
        }
        Ok(())
    }

    pub(super) fn row(
        &mut self,
        model: &ScoringModel,
        id: &str,
        p: f64,
        reasons: Option<String>,
        source: Option<&str>,
    ) -> Result<()> {
        let (bucket, tier) = match model.objective() {
            Objective::Probability => {
                let (bucket, _, tier) = model.manifest.place(p);
                (bucket, tier)
            }
            Objective::Regression => (None, ""),
        };
        match self {
            Self::Csv(w) => {
                // The score and the bucket in one string: one allocation a row.
                use std::fmt::Write as _;
                let mut text = String::with_capacity(32);
                let _ = write!(text, "{p}");
                let split = text.len();
                if let Some(b) = bucket {
                    let _ = write!(text, "{b}");
                }
                let (score, bucket) = text.split_at(split);
                let mut record: [&str; 6] = [id, score, bucket, tier, "", ""];
                let mut n = 4;
                if let Some(r) = &reasons {
                    record[n] = r;
                    n += 1;
                }
                if let Some(s) = source {
                    record[n] = s;
                    n += 1;
                }
                w.write(&record[..n])?;
            }
            Self::Jsonl(out) => {
                let mut line = serde_json::json!({"id": id, "score": p, "bucket": bucket, "tier": tier});
                if let Some(r) = reasons {
                    line["reasons"] = Value::String(r);
                }
                if let Some(s) = source {
                    line["source"] = Value::String(s.to_string());
                }
                serde_json::to_writer(&mut *out, &line)?;
                out.push(b'\n');
            }
        }
        Ok(())
    }

    pub(super) fn into_bytes(self) -> Result<Vec<u8>> {
        match self {
            Self::Csv(w) => w.into_inner(),
            Self::Jsonl(out) => Ok(out),
        }
    }
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
    let known = inputs(&manifest);
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
    let known = inputs(manifest);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A scoring file with everything a CRM export throws at a reader: a byte-order mark, CRLF line breaks,
    /// blank lines, quoted cells with commas, quotes and line breaks, empty and formula-like ids, padded and
    /// odd numbers, yes/no, values out of range or of the wrong type; long enough for several blocks.
    fn awkward_file(rows: usize, quoted: bool) -> String {
        let cells =
            ["0.25", " 1.5 ", "-3", "+4", "1e-3", "", "NaN", "null", "inf", "abc", "\u{a0}2.5\u{a0}", "7", "-0", ".5"];
        let bools = ["yes", "no", "true", "FALSE", "", "1", "maybe"];
        let ints = ["3", "-2", "0", "2.5", "9", "", "4.0"];
        let mut seed = 7u64;
        let mut next = move |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut text = String::from("\u{feff}id,x0,x1,note,x2,x3,x4,x5,x6,x7\r\n");
        for i in 0..rows {
            let id = match next(20) {
                0 => String::new(),
                1 if quoted => format!("=HYPERLINK(\"{i}\")"),
                1 => format!("=cmd|{i}"),
                _ => format!("lead-{i}"),
            };
            let id = if id.contains('"') { format!("\"{}\"", id.replace('"', "\"\"")) } else { id };
            let note = match next(6) {
                0 if quoted => "\"Acme, Inc.\"".to_string(),
                1 if quoted => "\"said \"\"hi\"\"\nthen left\"".to_string(),
                _ => "plain".to_string(),
            };
            let mut row = vec![id, ints[next(ints.len())].to_string(), bools[next(bools.len())].to_string(), note];
            for _ in 0..6 {
                // Mostly plain numbers, as a real file is.
                let cell = if next(3) == 0 {
                    cells[next(cells.len())].to_string()
                } else {
                    format!("{:.3}", next(4000) as f64 / 1000.0 - 2.0)
                };
                row.push(cell);
            }
            text.push_str(&row.join(","));
            text.push_str(if next(2) == 0 { "\r\n" } else { "\n" });
            if next(50) == 0 {
                text.push_str(if next(2) == 0 { "\n" } else { " , ,,,,,,,,\n" });
            }
        }
        text
    }

    fn manifest() -> serde_json::Value {
        let mut features = vec![
            serde_json::json!({"name": "x0", "type": "integer", "min": -5, "max": 5, "default": null}),
            serde_json::json!({"name": "x1", "type": "bool", "default": 0}),
        ];
        for i in 2..8 {
            features.push(serde_json::json!({"name": format!("x{i}"), "default": null}));
        }
        serde_json::json!({"name": "awkward", "version": "1", "features": features})
    }

    fn args(dir: &Path, input: &Path, out: &str, reasons: Option<usize>, keep_formulas: bool) -> ScoreArgs {
        ScoreArgs {
            model: Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/fixtures/xgboost/binary_small.json"),
            manifest: Some(dir.join("m.manifest.json")),
            input: input.to_path_buf(),
            out: dir.join(out),
            reasons,
            keep_formulas,
            remote: None,
        }
    }

    async fn both_paths(args: &ScoreArgs) -> (Option<(Done, Vec<u8>)>, (Done, Vec<u8>)) {
        let model = std::sync::Arc::new(open_model(&args.model, args.manifest.as_deref()).unwrap());
        let jsonl = args.out.extension().is_some_and(|e| e == "jsonl");
        let mut header = Written::new(jsonl, args.keep_formulas);
        header.header(args.reasons.is_some(), false).unwrap();
        let header = header.into_bytes().unwrap();
        let fast = score_fast(args, &model, &model.manifest, jsonl, &header, false).await.unwrap();
        let fast = fast.map(|mut done| {
            done.1.sort();
            (done, std::fs::read(&args.out).unwrap())
        });
        let mut careful = score_careful(args, &model, &model.manifest, jsonl, &header, None, false).await.unwrap();
        careful.1.sort();
        let written = std::fs::read(&args.out).unwrap();
        (fast, (careful, written))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_fast_path_scores_exactly_as_the_careful_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.manifest.json"), manifest().to_string()).unwrap();
        let (quoted, plain) = (dir.path().join("quoted.csv"), dir.path().join("plain.csv"));
        std::fs::write(&quoted, awkward_file(30_000, true)).unwrap();
        std::fs::write(&plain, awkward_file(30_000, false)).unwrap();
        assert!(std::fs::metadata(&quoted).unwrap().len() > 5 << 18, "more than one block");
        for (input, out, reasons, keep) in [
            (&quoted, "o.csv", None, false),
            (&quoted, "o.jsonl", Some(2), true),
            (&plain, "o.csv", Some(3), true),
            (&plain, "o.jsonl", None, false),
        ] {
            let args = args(dir.path(), input, out, reasons, keep);
            let (fast, careful) = both_paths(&args).await;
            let (fast_done, fast_bytes) = fast.expect("a regular file takes the fast path");
            let (careful_done, careful_bytes) = careful;
            assert_eq!(fast_done.0, careful_done.0, "{out}: rows scored");
            assert_eq!(fast_done.2, careful_done.2, "{out}: rows read");
            let first_difference = fast_done.1.iter().zip(&careful_done.1).find(|(a, b)| a != b);
            assert_eq!(first_difference, None, "{out}: rejected rows, their lines and reasons");
            assert_eq!(fast_done.1.len(), careful_done.1.len(), "{out}: rows rejected");
            assert!(fast_bytes == careful_bytes, "{out} {reasons:?} {keep}: the outputs differ");
            assert!(fast_done.0 > 10_000 && fast_done.1.len() > 1_000, "both kinds of rows: {:?}", fast_done.0);
        }
    }

    /// [`manifest`] with x5 the won rate of the row's id and x6, x7 a one-hot encoding of its note: the file's
    /// own x5–x7 columns are then not inputs.
    fn encoded_manifest() -> serde_json::Value {
        let mut m = manifest();
        let features = m["features"].as_array_mut().unwrap();
        features[5] = serde_json::json!({"name": "x5"});
        features[6] = serde_json::json!({"name": "x6", "type": "bool"});
        features[7] = serde_json::json!({"name": "x7", "type": "bool"});
        m["encodings"] = serde_json::json!([
            {"column": "id", "features": ["x5"], "missing": true, "method": "target",
             "rates": {"lead-1": 0.9, "lead-2": 0.1, "": 0.3}, "prior": 0.4},
            {"column": "note", "features": ["x6", "x7"], "method": "one_hot",
             "levels": ["plain"], "other": true}
        ]);
        m
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn encoded_text_columns_score_the_same_on_both_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.manifest.json"), encoded_manifest().to_string()).unwrap();
        let (quoted, plain) = (dir.path().join("quoted.csv"), dir.path().join("plain.csv"));
        std::fs::write(&quoted, awkward_file(20_000, true)).unwrap();
        std::fs::write(&plain, awkward_file(20_000, false)).unwrap();
        for (input, out, reasons) in
            [(&quoted, "o.csv", Some(3)), (&plain, "o.jsonl", None), (&quoted, "o.jsonl", None)]
        {
            let args = args(dir.path(), input, out, reasons, false);
            let (fast, (careful_done, careful_bytes)) = both_paths(&args).await;
            let (fast_done, fast_bytes) = fast.expect("a regular file takes the fast path");
            assert_eq!(fast_done.1, careful_done.1, "{out}: rejected rows, their lines and reasons");
            assert_eq!((fast_done.0, fast_done.2), (careful_done.0, careful_done.2), "{out}");
            assert!(fast_bytes == careful_bytes, "{out}: the outputs differ");
            assert!(fast_done.0 > 5_000, "{out}: {} scored", fast_done.0);
        }
        // The encodings are applied: a row's score is the model's on its encoded values.
        let model = open_model(
            &args(dir.path(), &plain, "o.csv", None, false).model,
            Some(&dir.path().join("m.manifest.json")),
        )
        .unwrap();
        let row = |note: &str, id: &str| -> Vec<f64> {
            let given: BTreeMap<String, Value> =
                [("x0", "1"), ("x1", "yes"), ("x2", "0.5"), ("note", note), ("id", id), ("x6", "junk")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), cell(v)))
                    .collect();
            model.manifest.row(&only_features(given, &inputs(&model.manifest))).unwrap()
        };
        let (a, b) = (row("Plain", "lead-1"), row("Acme, Inc.", "lead-7"));
        assert_eq!((a[5], a[6], a[7]), (0.9, 1.0, 0.0));
        assert_eq!((b[5], b[6], b[7]), (0.4, 0.0, 1.0), "an unseen note is (other), an unseen id the prior");
        // A file without the note column lacks a required input.
        let missing = missing_required(&model.manifest, &["id".to_string(), "x0".to_string()]);
        assert_eq!(missing, ["note"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn irregular_files_are_left_to_the_careful_reader() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.manifest.json"), manifest().to_string()).unwrap();
        let regular = awkward_file(300, true);
        let footer = format!("{regular}\n\"Acme Corp\"\n\"Confidential Information - Do Not Distribute\"\n");
        let short_row = regular.replacen("\nlead-5,", "\nlead-5,1\nlead-5,", 1);
        let stray_quote = regular.replacen("\nlead-7,", "\nlead-7,\"", 1);
        // Windows-1252: "Café" with a lone 0xE9 byte, which is not UTF-8.
        let latin1: Vec<u8> = regular
            .trim_start_matches('\u{feff}')
            .replacen(",plain,", ",Caf\u{e9},", 1)
            .chars()
            .map(|c| c as u8)
            .collect();
        assert!(std::str::from_utf8(&latin1).is_err());
        // Several blocks, the broken row in the middle: blocks after it are in flight or waiting their turn.
        let mut big = awkward_file(80_000, false);
        let middle = big.match_indices('\n').nth(40_000).unwrap().0 + 1;
        big.insert_str(middle, "lead-short,1\n");
        assert!(big.len() > 3 << 20, "{} bytes", big.len());
        let cases = [
            ("several blocks", big.into_bytes()),
            ("footer", footer.into_bytes()),
            ("short", short_row.into_bytes()),
            ("quote", stray_quote.into_bytes()),
            ("latin1", latin1),
        ];
        for (name, text) in cases {
            let input = dir.path().join(format!("{name}.csv"));
            std::fs::write(&input, text).unwrap();
            let (fast, (careful, _)) = both_paths(&args(dir.path(), &input, "o.csv", None, false)).await;
            assert!(fast.is_none(), "{name}: the fast path declined");
            assert!(careful.0 > 50 && careful.1.len() > 50, "{name}: {} scored", careful.0);
        }
    }
}
