//! The `leadsmith` command line: the top-level parser and dispatch. Each command group lives in a file of
//! its own with its arguments and what it runs; what they share (the store location, the settings) is
//! in [`Ctx`].

pub mod bench;
pub mod demo;
pub mod extract;
pub mod keys;
pub mod leads;
pub mod ops;
pub mod retention;
pub mod rules;
pub mod run;
pub mod sample_web;
pub mod score;
mod score_batch;
pub mod serve;
pub mod train;
pub mod worker;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::{Parser, Subcommand};
use leadsmith_store::Store;

use crate::config::Settings;
use crate::startup;

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
    Demo(demo::DemoArgs),
    /// Import a CSV or JSONL lead list and run the pipeline over it; run again to resume.
    Run(run::RunArgs),
    /// Import a CSV or JSONL lead list (deduplicated) without crawling.
    Import(run::ImportArgs),
    /// List or inspect leads.
    Leads {
        #[command(subcommand)]
        command: leads::LeadsCommand,
    },
    /// Export all leads, best first.
    Export(leads::ExportArgs),
    /// Run the extractor on saved HTML files (or directories of them); one JSON object per page.
    Extract(extract::ExtractArgs),
    /// The built-in sample web: write its pages to disk, print its lead list, or serve it.
    SampleWeb {
        #[command(subcommand)]
        command: sample_web::SampleWebCommand,
    },
    /// Work queued jobs (of any run) until stopped: SIGTERM or Ctrl-C stops claiming, gives back the jobs in
    /// hand and exits 0.
    Worker(worker::WorkerArgs),
    /// Score a CSV or JSONL file with a model file (XGBoost JSON, LightGBM text, logistic JSON): writes
    /// each row's id, score, bucket and tier; rows that cannot be scored go to OUT.errors.csv.
    Score(score::ScoreArgs),
    /// Train a model on closed leads (won/lost) and print its report: AUC, log-loss, calibration, lift.
    Train(train::TrainArgs),
    /// The HTTP API (scoring, model info, health and readiness) with the workers and scheduler in one process.
    Serve(serve::ServeArgs),
    /// Model files: what a model is and what it expects.
    Model {
        #[command(subcommand)]
        command: score::ModelCommand,
    },
    /// Benchmarks on the configured store (use a scratch database or schema).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
    /// Apply the store's migrations and report its schema version (other commands migrate on start too).
    Migrate,
    /// Recurring runs: `schedules add nightly --every 6h -- runs start --source leads.csv`. Workers run
    /// the scheduler; each slot fires once however many run.
    Schedules {
        #[command(subcommand)]
        command: ops::SchedulesCommand,
    },
    /// Runs: start one (queue a file's leads for workers), list them, show one with live counters.
    Runs {
        #[command(subcommand)]
        command: ops::RunsCommand,
    },
    /// The job queue: counts by kind and state.
    Queue {
        #[command(subcommand)]
        command: ops::QueueCommand,
    },
    /// Dead letters: jobs that used all their attempts or failed permanently.
    Dlq {
        #[command(subcommand)]
        command: ops::DlqCommand,
    },
    /// The crawler's page cache: prune old entries.
    Cache {
        #[command(subcommand)]
        command: retention::CacheCommand,
    },
    /// Finished jobs: purge old done and cancelled jobs and the runs they leave empty.
    Jobs {
        #[command(subcommand)]
        command: retention::JobsCommand,
    },
    /// API keys for the HTTP API: create (printed once; only a hash is stored), list, revoke.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Settings.
    Config {
        #[command(subcommand)]
        command: rules::ConfigCommand,
    },
    /// Scoring rules.
    Rules {
        #[command(subcommand)]
        command: rules::RulesCommand,
    },
}

/// What every command gets: the global options and the loaded settings.
pub struct Ctx {
    pub db: Option<String>,
    pub config: Option<PathBuf>,
    pub settings: Settings,
    /// Whether to draw progress bars (stderr is a terminal).
    pub progress: bool,
}

impl Ctx {
    /// The store location: `--db`, else the default file.
    pub fn location(&self) -> &str {
        self.db.as_deref().unwrap_or(startup::DEFAULT_STORE)
    }

    /// Opens the store, creating it if it does not exist (commands that write: import, run, runs start, …).
    pub async fn store(&self) -> Result<Arc<dyn Store>> {
        startup::open_store(self.location()).await
    }

    /// Opens a store that must exist already: commands that only read or change what is there (`leads`,
    /// `export`, `runs show`, `dlq`, …) say that there is none instead of leaving an empty file behind.
    pub async fn existing_store(&self) -> Result<Arc<dyn Store>> {
        startup::open_existing_store(self.location()).await
    }
}

/// Parses the command line, runs the command and returns the process exit code.
pub async fn main() -> ExitCode {
    quiet_when_stdout_closes();
    let cli = Cli::parse();
    crate::telemetry::init_tracing(cli.verbose);
    match dispatch(cli).await {
        Ok(code) => code,
        // `leadsmith export | head`: the reader has what it wanted; that is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `e` comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(|e| match e.kind() {
                csv::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::BrokenPipe,
                _ => false,
            })
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// `print!` panics when stdout is a pipe whose reader has gone (`leadsmith leads list | head`); exit
/// quietly instead, as command-line tools do.
fn quiet_when_stdout_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info)
    }));
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let settings = Settings::load(cli.config.as_deref())?;
    let ctx = Ctx { db: cli.db, config: cli.config, settings, progress: std::io::stderr().is_terminal() };
    match &cli.command {
        Command::Demo(args) => demo::run(&ctx, args).await.map(|_| ())?,
        Command::Run(args) => return run::run(&ctx, args).await,
        Command::Import(args) => run::import(&ctx, args).await?,
        Command::Leads { command } => leads::run(&ctx, command).await?,
        Command::Export(args) => leads::export(&ctx, args).await?,
        Command::Extract(args) => extract::run(&ctx, args)?,
        Command::SampleWeb { command } => sample_web::run(command).await?,
        Command::Worker(args) => worker::run(&ctx, args).await?,
        Command::Score(args) => score::run(args, ctx.progress).await.map(|_| ())?,
        Command::Train(args) => train::run(args)?,
        Command::Serve(args) => serve::run(&ctx, args).await?,
        Command::Model { command } => score::model(command)?,
        Command::Bench { command } => bench::run(&ctx, command).await?,
        Command::Migrate => ops::migrate(&ctx).await?,
        Command::Schedules { command } => ops::schedules(&ctx, command).await?,
        Command::Runs { command } => ops::runs(&ctx, command).await?,
        Command::Queue { command } => ops::queue(&ctx, command).await?,
        Command::Dlq { command } => ops::dlq(&ctx, command).await?,
        Command::Cache { command } => retention::cache(&ctx, command).await?,
        Command::Jobs { command } => retention::jobs(&ctx, command).await?,
        Command::Keys { command } => keys::run(ctx.store().await?.as_ref(), command).await?,
        Command::Config { command } => rules::config(&ctx, command)?,
        Command::Rules { command } => rules::rules(command)?,
    }
    Ok(ExitCode::SUCCESS)
}
