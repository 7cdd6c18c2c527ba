//! The `leadsmith` command line: parsing, logging set-up and dispatch to the commands.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use leadsmith_store::{LeadFilter, Store};

use crate::export::Format;
use crate::settings::Settings;
use crate::{demo, export, extract_cmd, leads_cmd, ops_cmd, pipeline, sample_web_cmd, summary};

#[derive(Parser)]
#[command(
    name = "leadsmith",
    version,
    about = "Lead intelligence: import, dedupe, crawl, extract, score and explain leads."
)]
struct Cli {
    /// The store: a SQLite file path (or sqlite://PATH), created if missing, or a PostgreSQL URL
    /// (postgres://user@host:5432/db) [default: leadsmith.db; the demo: DIR/leadsmith.db]
    #[arg(long, global = true, env = "LEADSMITH_DB")]
    db: Option<String>,
    /// Settings file (TOML); `./leadsmith.toml` is read when present.
    #[arg(long, global = true, env = "LEADSMITH_CONFIG")]
    config: Option<PathBuf>,
    /// More log output (-v info, -vv debug). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole pipeline against the built-in sample web (offline) and write the results.
    Demo {
        /// Where to write leads.csv, leads.jsonl, the sample lead list and the demo's database.
        #[arg(long, default_value = "leadsmith-demo")]
        out: PathBuf,
    },
    /// Import a CSV or JSONL lead list and run the pipeline over it; run again to resume.
    Run {
        file: PathBuf,
        /// Write the leads of this file here (CSV or JSONL by --format, or by extension).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Fetch sites on private/loopback addresses too (CIDR, repeatable), e.g. for an intranet.
        #[arg(long = "allow-address")]
        allow_address: Vec<String>,
    },
    /// Import a CSV or JSONL lead list (deduplicated) without crawling.
    Import {
        file: PathBuf,
        /// Show what would be imported and merged, without writing anything.
        #[arg(long)]
        dry_run: bool,
    },
    /// List or inspect leads.
    Leads {
        #[command(subcommand)]
        command: LeadsCommand,
    },
    /// Export all leads, best first.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: Format,
        /// Output file; stdout when omitted.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        tier: Option<String>,
    },
    /// Run the extractor on saved HTML files (or directories of them); one JSON object per page.
    Extract {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The URL the pages were fetched from (for resolving links).
        #[arg(long)]
        url: Option<String>,
        /// Print pages/s and MB/s to stderr.
        #[arg(long)]
        stats: bool,
    },
    /// The built-in sample web: write its pages to disk, print its lead list, or serve it.
    SampleWeb {
        #[command(subcommand)]
        command: SampleWebCommand,
    },
    /// Work queued jobs (of any run) until stopped: SIGTERM or Ctrl-C stops claiming, gives back the jobs in
    /// hand and exits 0.
    Worker {
        /// Jobs at once.
        #[arg(long)]
        concurrency: Option<usize>,
        /// Only these job kinds (comma-separated): crawl, score, run (a schedule's firing).
        #[arg(long, value_delimiter = ',', default_values_t = [String::from("crawl"), String::from("score"), String::from("run")])]
        kinds: Vec<String>,
        /// Exit after this long with nothing to do (e.g. 5m); run forever when omitted.
        #[arg(long, value_parser = humantime::parse_duration)]
        idle_exit: Option<std::time::Duration>,
        /// Do not run the scheduler in this process (by default every worker does; each slot still
        /// fires once).
        #[arg(long)]
        no_scheduler: bool,
    },
    /// Score a CSV or JSONL file with a model file (XGBoost JSON, LightGBM text, logistic JSON): writes
    /// each row's id, score, bucket and tier; rows that cannot be scored go to OUT.errors.csv.
    Score(crate::score_cmd::ScoreArgs),
    /// Train a model on closed leads (won/lost) and print its report: AUC, log-loss, calibration, lift.
    Train(crate::train_cmd::TrainArgs),
    /// The HTTP API (scoring, model info, health and readiness) with the workers and scheduler in one process.
    Serve(crate::serve::ServeArgs),
    /// Model files: what a model is and what it expects.
    Model {
        #[command(subcommand)]
        command: ModelCommand,
    },
    /// Benchmarks on the configured store (use a scratch database or schema).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Apply the store's migrations and report its schema version (other commands migrate on start too).
    Migrate,
    /// Recurring runs: `schedules add nightly --every 6h -- runs start --source leads.csv`. Workers run
    /// the scheduler; each slot fires once however many run.
    Schedules {
        #[command(subcommand)]
        command: SchedulesCommand,
    },
    /// Runs: start one (queue a file's leads for workers), list them, show one with live counters.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// The job queue: counts by kind and state.
    Queue {
        #[command(subcommand)]
        command: QueueCommand,
    },
    /// Dead letters: jobs that used all their attempts or failed permanently.
    Dlq {
        #[command(subcommand)]
        command: DlqCommand,
    },
    /// API keys for the HTTP API: create (printed once; only a hash is stored), list, revoke.
    Keys {
        #[command(subcommand)]
        command: crate::keys_cmd::KeysCommand,
    },
    /// Settings.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Scoring rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum LeadsCommand {
    /// Leads best first, as a table.
    List {
        #[arg(long)]
        tier: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per lead instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One lead: facts with source and confidence, findings, score breakdown, source rows.
    Show {
        /// Lead id or domain.
        key: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SampleWebCommand {
    /// Write every HTML page to DIR/<domain>/ (input for `leadsmith extract --stats`).
    Dump { dir: PathBuf },
    /// Print the sample lead list (CSV) to stdout.
    Leads,
    /// Serve the sample web on loopback until Ctrl-C and print the settings to crawl it.
    Serve,
}

#[derive(Subcommand)]
enum RunsCommand {
    /// Import a file and queue its leads; `leadsmith worker` processes them.
    Start(crate::schedule::RunsStartArgs),
    /// Cancel a run: queued jobs are dropped, jobs in hand finish, nothing further is queued.
    Cancel { id: i64 },
    /// Runs, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One run with its job counters by stage.
    Show { id: i64 },
}

#[derive(Subcommand)]
enum ModelCommand {
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
        method: crate::score_cmd::CalibrationMethod,
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

#[derive(Subcommand)]
enum BenchCommand {
    /// No-op jobs through the queue: enqueue→complete throughput, idle wake-up latency, claim latency at depth.
    Queue(crate::bench_cmd::QueueBench),
}

#[derive(Subcommand)]
enum SchedulesCommand {
    /// Add a schedule; the command after `--` is what each slot runs (`runs start …`).
    Add {
        name: String,
        /// Fire every interval (e.g. 6h, 30m), the first time one interval from now.
        #[arg(long, value_parser = humantime::parse_duration, conflicts_with = "cron", required_unless_present = "cron")]
        every: Option<std::time::Duration>,
        /// Fire on a 5-field cron expression, in UTC (e.g. '0 */6 * * *').
        #[arg(long)]
        cron: Option<String>,
        /// A slot missed while nothing was running is skipped instead of fired once on start.
        #[arg(long)]
        skip_missed: bool,
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Schedules with their next slot.
    List,
    Remove {
        name: String,
    },
    /// Stop firing until resumed.
    Pause {
        name: String,
    },
    Resume {
        name: String,
    },
}

#[derive(Subcommand)]
enum QueueCommand {
    /// Ready, delayed, running, done and dead jobs by kind; oldest ready age; completions in the last minute.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DlqCommand {
    /// The dead letters, newest first, with their last error.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One job with its whole error history.
    Show { id: i64 },
    /// Give dead jobs another full set of attempts.
    Redrive {
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
        /// Only jobs of this kind (with --all).
        #[arg(long)]
        kind: Option<String>,
    },
    /// Delete dead jobs (all, or those older than e.g. 30d).
    Purge {
        #[arg(long, value_parser = humantime::parse_duration)]
        older_than: Option<std::time::Duration>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the settings (file + environment) and print the effective values.
    Check,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Print the shipped default rules (a starting point for your own).
    ShowDefault,
    /// Load and validate a rules file.
    Check { path: PathBuf },
    /// Every lead feature rules and models can use: name, type and meaning.
    Features,
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,leadsmith=info",
        _ => "debug,hyper=info,rustls=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Colours only on a terminal: logs collected into files and log shippers stay plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .init();
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn terminated() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let sigterm = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = sigterm => {}
    }
}

async fn open_store(cli: &Cli) -> Result<Arc<dyn Store>> {
    let location = cli.db.as_deref().unwrap_or("leadsmith.db");
    leadsmith_store::open(location).await.with_context(|| format!("opening store {}", redact(location)))
}

/// A store location fit to print: a URL's password is replaced.
pub fn redact(location: &str) -> String {
    match url::Url::parse(location) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => location.to_string(),
    }
}

fn format_for(path: &std::path::Path, explicit: Option<Format>) -> Format {
    explicit.unwrap_or(match path.extension().and_then(|e| e.to_str()) {
        Some("jsonl" | "ndjson" | "json") => Format::Jsonl,
        _ => Format::Csv,
    })
}

/// Parses the command line, runs the command and returns the process exit code.
pub async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    match real_main(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn real_main(cli: Cli) -> Result<std::process::ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    let progress = std::io::stderr().is_terminal();
    match &cli.command {
        Command::Demo { out } => {
            demo::run(out, cli.db.as_deref(), settings, progress).await?;
        }
        Command::Run { file, out, format, allow_address } => {
            let mut settings = settings;
            settings.crawl.allow_addresses.extend(allow_address.iter().cloned());
            settings.validate()?;
            let store = open_store(&cli).await?;
            let engine = pipeline::Engine::new(store.clone(), settings, Default::default())?;
            let summary = pipeline::run_file(&engine, file, progress).await?;
            let views = export::load_views(store.as_ref(), Some(&summary.lead_ids), &LeadFilter::default()).await?;
            if summary.interrupted {
                eprintln!(
                    "run {} interrupted after {:.1} s; run the same command to resume",
                    summary.run_id,
                    summary.elapsed.as_secs_f64()
                );
                return Ok(std::process::ExitCode::from(130));
            }
            eprintln!(
                "run {} {} in {:.1} s{}",
                summary.run_id,
                summary.status,
                summary.elapsed.as_secs_f64(),
                if summary.resumed { " (resumed)" } else { "" }
            );
            eprintln!("{}", summary::tally(&views));
            match out {
                Some(path) => {
                    let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
                    export::write(&views, format_for(path, *format), f)?;
                    eprintln!("wrote {} leads to {}", views.len(), path.display());
                }
                None => print!("{}", leads_cmd::table(&views[..views.len().min(10)])),
            }
        }
        Command::Import { file, dry_run } => {
            let store = open_store(&cli).await?;
            let report = pipeline::import_file(store.as_ref(), file, &settings, *dry_run).await?;
            if *dry_run {
                for d in &report.decisions {
                    if let leadsmith_store::RowDecision::Merged { line, lead_id, key } = d {
                        eprintln!("line {line} would merge into lead {lead_id} (same {key})");
                    }
                }
            }
            report.print(*dry_run);
            if !dry_run {
                eprintln!("next: `leadsmith run {}` crawls and scores them", file.display());
            }
        }
        Command::Leads { command: LeadsCommand::List { tier, limit, json } } => {
            leads_cmd::list(open_store(&cli).await?.as_ref(), tier.clone(), *limit, *json).await?;
        }
        Command::Leads { command: LeadsCommand::Show { key, json } } => {
            leads_cmd::show(open_store(&cli).await?.as_ref(), key, *json).await?;
        }
        Command::Export { format, out, tier } => {
            let store = open_store(&cli).await?;
            let views =
                export::load_views(store.as_ref(), None, &LeadFilter { tier: tier.clone(), ..Default::default() })
                    .await?;
            match out {
                Some(path) => {
                    export::write(
                        &views,
                        *format,
                        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                    )?;
                    eprintln!("wrote {} leads to {}", views.len(), path.display());
                }
                None => export::write(&views, *format, std::io::stdout().lock())?,
            }
        }
        Command::Extract { paths, url, stats } => {
            extract_cmd::run(paths, url.as_deref(), *stats, &settings.pipeline.default_region)?;
        }
        Command::SampleWeb { command: SampleWebCommand::Dump { dir } } => {
            let (pages, bytes) = sample_web_cmd::dump(dir)?;
            eprintln!("wrote {pages} pages ({:.1} MB) under {}", bytes as f64 / 1e6, dir.display());
        }
        Command::SampleWeb { command: SampleWebCommand::Leads } => print!("{}", sample_web_cmd::leads()),
        Command::SampleWeb { command: SampleWebCommand::Serve } => sample_web_cmd::serve().await?,
        Command::Worker { concurrency, kinds, idle_exit, no_scheduler } => {
            let known = [pipeline::KIND_CRAWL, pipeline::KIND_SCORE, crate::schedule::KIND_RUN];
            for k in kinds {
                if !known.contains(&k.as_str()) {
                    anyhow::bail!("unknown job kind {k:?} (known: {})", known.join(", "));
                }
            }
            let store = open_store(&cli).await?;
            pipeline::recover_local(store.as_ref()).await?;
            let engine = pipeline::Engine::new(store.clone(), settings.clone(), Default::default())?;
            let config = leadsmith_queue::WorkerConfig {
                concurrency: concurrency.unwrap_or(settings.pipeline.workers),
                idle_exit: *idle_exit,
                // PostgreSQL wakes idle workers by notification; polling only finds delayed jobs coming due.
                poll_interval: match store.backend() {
                    "postgres" => std::time::Duration::from_secs(1),
                    _ => std::time::Duration::from_millis(250),
                },
                ..Default::default()
            };
            let kinds: Vec<&str> = kinds.iter().map(String::as_str).collect();
            let worker = engine.worker(config, &kinds);
            let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                terminated().await;
                eprintln!("stopping: giving back the jobs in hand");
                let _ = stop_tx.send(true);
            });
            let scheduler = (!no_scheduler).then(|| {
                tokio::spawn(crate::schedule::run_scheduler(
                    store.clone(),
                    std::time::Duration::from_secs(1),
                    stop_rx.clone(),
                ))
            });
            eprintln!(
                "worker {} working {} on {}{} (Ctrl-C or SIGTERM to stop)",
                worker.id(),
                kinds.join(", "),
                store.backend(),
                if scheduler.is_some() { ", running the scheduler" } else { "" }
            );
            worker.run(stop_rx).await?;
            if let Some(s) = scheduler {
                s.abort();
            }
            let stats = worker.stats();
            let n = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "worker done: {} completed, {} retried, {} dead-lettered, {} given back",
                n(&stats.completed),
                n(&stats.retried),
                n(&stats.dead),
                n(&stats.released)
            );
        }
        Command::Runs { command } => {
            let store = open_store(&cli).await?;
            match command {
                RunsCommand::Start(args) => {
                    let started = pipeline::start_run(&store, &args.request(None)?, &settings).await?;
                    println!(
                        "run {} {}: {} leads; start workers with `leadsmith worker`",
                        started.run_id,
                        if started.resumed { "resumed" } else { "queued" },
                        started.queued
                    );
                }
                RunsCommand::Cancel { id } => ops_cmd::cancel_run(store.as_ref(), *id).await?,
                RunsCommand::List { limit } => ops_cmd::list_runs(store.as_ref(), *limit).await?,
                RunsCommand::Show { id } => ops_cmd::show_run(store.as_ref(), *id).await?,
            }
        }
        Command::Score(args) => {
            crate::score_cmd::run(args, progress).await?;
        }
        Command::Train(args) => crate::train_cmd::run(args)?,
        Command::Serve(args) => crate::serve::run(args, open_store(&cli).await?, settings.clone()).await?,
        Command::Model { command: ModelCommand::Info { path } } => crate::score_cmd::info(path)?,
        Command::Model { command: ModelCommand::Calibrate { path, data, label, method, manifest, out } } => {
            crate::score_cmd::calibrate(path, manifest.as_deref(), data, label, *method, out)?
        }
        Command::Model { command: ModelCommand::Importance { path, data, manifest, top } } => {
            crate::score_cmd::importance(path, manifest.as_deref(), data, *top)?
        }
        Command::Bench { command: BenchCommand::Queue(opts) } => {
            crate::bench_cmd::queue(open_store(&cli).await?, opts).await?
        }
        Command::Migrate => {
            let store = open_store(&cli).await?;
            println!(
                "{} store {} at schema version {}",
                store.backend(),
                redact(cli.db.as_deref().unwrap_or("leadsmith.db")),
                store.schema_version().await?
            );
        }
        Command::Schedules { command } => {
            let store = open_store(&cli).await?;
            match command {
                SchedulesCommand::Add { name, every, cron, skip_missed, command } => {
                    let spec = match (every, cron) {
                        (Some(d), _) => crate::schedule::Spec::Every(*d),
                        (None, Some(c)) => crate::schedule::Spec::cron(c)?,
                        (None, None) => anyhow::bail!("give --every or --cron"),
                    };
                    ops_cmd::add_schedule(store.as_ref(), name, &spec, command.clone(), !skip_missed).await?
                }
                SchedulesCommand::List => ops_cmd::list_schedules(store.as_ref()).await?,
                SchedulesCommand::Remove { name } => {
                    if !store.remove_schedule(name).await? {
                        anyhow::bail!("no schedule {name:?}");
                    }
                    println!("removed schedule {name}");
                }
                SchedulesCommand::Pause { name } | SchedulesCommand::Resume { name } => {
                    let pause = matches!(command, SchedulesCommand::Pause { .. });
                    if !store.set_schedule_paused(name, pause).await? {
                        anyhow::bail!("no schedule {name:?}");
                    }
                    println!("{} schedule {name}", if pause { "paused" } else { "resumed" });
                }
            }
        }
        Command::Queue { command: QueueCommand::Stats { json } } => {
            ops_cmd::stats(open_store(&cli).await?.as_ref(), *json).await?
        }
        Command::Dlq { command } => {
            let store = open_store(&cli).await?;
            match command {
                DlqCommand::List { limit, json } => ops_cmd::list(store.as_ref(), *limit, *json).await?,
                DlqCommand::Show { id } => ops_cmd::show(store.as_ref(), *id).await?,
                DlqCommand::Redrive { id, all, kind } => {
                    ops_cmd::redrive(store.as_ref(), *id, *all, kind.clone()).await?
                }
                DlqCommand::Purge { older_than } => ops_cmd::purge(store.as_ref(), *older_than).await?,
            }
        }
        Command::Keys { command } => crate::keys_cmd::run(open_store(&cli).await?.as_ref(), command).await?,
        Command::Config { command: ConfigCommand::Check } => {
            let source = match &cli.config {
                Some(p) => p.display().to_string(),
                None if std::path::Path::new("leadsmith.toml").exists() => "leadsmith.toml".to_string(),
                None => "defaults (no leadsmith.toml here)".to_string(),
            };
            println!("# settings from {source}, after LEADSMITH_* environment overrides: valid");
            if let Some(rules) = &settings.pipeline.rules {
                let r = leadsmith_score::Rules::from_path(rules)?;
                println!("# rules {}: valid ({} features referenced)", rules.display(), r.feature_names().len());
            }
            let scoring = crate::scoring::from_settings(&settings)?;
            if !settings.scoring.scores.is_empty() {
                println!("# scores (final = weighted mean of the scores with a weight):");
                for line in scoring.describe() {
                    println!("#   {line}");
                }
            }
            for warning in scoring.warnings() {
                println!("# warning: {warning}");
            }
            if settings.crawl.allow_addresses.is_empty() {
                println!("# the crawler refuses private, loopback, link-local, CGNAT and metadata addresses");
            }
            print!("{}", settings.to_toml());
        }
        Command::Rules { command: RulesCommand::ShowDefault } => print!("{}", leadsmith_score::Rules::default_source()),
        Command::Rules { command: RulesCommand::Features } => {
            for f in leadsmith_score::KNOWN_FEATURES {
                println!("{:<22} {:<7} {}", f.name, f.kind.as_str(), f.about);
            }
        }
        Command::Rules { command: RulesCommand::Check { path } } => {
            let rules = leadsmith_score::Rules::from_path(path)?;
            println!("{}: ok ({} features referenced)", path.display(), rules.feature_names().len());
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
