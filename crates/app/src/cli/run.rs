//! `leadsmith run FILE` (import a file and work its run to the end here, resumable) and `leadsmith import
//! FILE` (import only, or `--dry-run` to see what would be imported and merged).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use leadsmith_store::{LeadFilter, RowDecision};

use super::{Ctx, leads};
use crate::config::Settings;
use crate::export::{self, Format, Target};
use crate::pipeline::{self, Engine};
use crate::view::tally;

#[derive(clap::Args)]
pub struct RunArgs {
    file: PathBuf,
    /// Write the leads of this file here (CSV or JSONL by --format, or by extension); `-` is stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write CSV cells that start with = + - @ as they are (by default they are prefixed with ' so a
    /// spreadsheet does not run them as formulas).
    #[arg(long)]
    keep_formulas: bool,
    /// Fetch sites on private/loopback addresses too (CIDR, repeatable), e.g. for an intranet.
    #[arg(long = "allow-address")]
    allow_address: Vec<String>,
    #[command(flatten)]
    read: ReadArgs,
}

#[derive(clap::Args)]
pub struct ImportArgs {
    file: PathBuf,
    /// Show what would be imported and merged, and how the columns map, without writing anything.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    read: ReadArgs,
}

/// How to read a lead list, over `[import]` in the settings.
#[derive(clap::Args, Default)]
pub struct ReadArgs {
    /// The file's encoding (utf-8, windows-1252, latin1, utf-16le, …); detected when not given.
    #[arg(long)]
    encoding: Option<String>,
    /// The CSV delimiter: , ; | or tab; detected when not given.
    #[arg(long)]
    delimiter: Option<String>,
    /// Map a column to a lead field, e.g. --map "Company / Account=company" (repeatable). Fields: company,
    /// website, email, phone, street, city, region, postal_code, country, first_name, last_name, title,
    /// external_id, vertical, or extra (keep the column as an extra field).
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    map: Vec<String>,
}

impl ReadArgs {
    /// The settings with these choices over `[import]`.
    pub fn apply(&self, settings: &mut Settings) -> Result<()> {
        if let Some(e) = &self.encoding {
            settings.import.encoding = Some(e.clone());
        }
        if let Some(d) = &self.delimiter {
            settings.import.delimiter = Some(d.clone());
        }
        for pair in &self.map {
            let (column, field) =
                pair.rsplit_once('=').with_context(|| format!("--map {pair:?}: write COLUMN=FIELD"))?;
            settings.import.columns.insert(column.trim().to_string(), field.trim().to_string());
        }
        settings.validate()
    }
}

/// `leadsmith run`: exits 130 when interrupted (run the same command again to resume).
pub async fn run(ctx: &Ctx, args: &RunArgs) -> Result<ExitCode> {
    let mut settings = ctx.settings.clone();
    settings.crawl.allow_addresses.extend(args.allow_address.iter().cloned());
    args.read.apply(&mut settings)?;
    settings.export.keep_formulas |= args.keep_formulas;
    let store = ctx.store().await?;
    let keep_formulas = settings.export.keep_formulas;
    let engine = Engine::new(store.clone(), settings, Default::default())?;
    let summary = pipeline::run_file(&engine, &args.file, ctx.progress).await?;
    let views = export::load_views(store.as_ref(), Some(&summary.lead_ids), &LeadFilter::default()).await?;
    if summary.interrupted {
        eprintln!(
            "run {} interrupted after {:.1} s; run the same command to resume",
            summary.run_id,
            summary.elapsed.as_secs_f64()
        );
        return Ok(ExitCode::from(130));
    }
    eprintln!(
        "run {} {} in {:.1} s{}",
        summary.run_id,
        summary.status,
        summary.elapsed.as_secs_f64(),
        if summary.resumed { " (resumed)" } else { "" }
    );
    eprintln!("{}", tally(&views));
    match args.out.as_deref() {
        Some(path) => {
            let target = Target::of(Some(path));
            export::write(&views, target.format(args.format), target.open()?, keep_formulas)?;
            if let Target::File(p) = target {
                eprintln!("wrote {} leads to {}", views.len(), p.display());
            }
        }
        None => print!("{}", leads::table(&views[..views.len().min(10)])),
    }
    Ok(ExitCode::SUCCESS)
}

/// `leadsmith import`.
pub async fn import(ctx: &Ctx, args: &ImportArgs) -> Result<()> {
    let mut settings = ctx.settings.clone();
    args.read.apply(&mut settings)?;
    let store = ctx.store().await?;
    let progress = pipeline::import::ImportProgress {
        file_len: std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0),
        ..Default::default()
    };
    let shown = {
        let progress = progress.clone();
        let total = progress.total();
        pipeline::progress::ByteProgress::start("importing", total, move || progress.done(), ctx.progress)
    };
    let batch = pipeline::import_stream::batch_size();
    let report =
        pipeline::import::import_file_with(store.as_ref(), &args.file, &settings, args.dry_run, &progress, batch).await;
    shown.finish();
    let report = report?;
    if args.dry_run {
        for d in &report.merges {
            if let RowDecision::Merged { line, lead_id, key } = d {
                eprintln!("line {line} would merge into lead {lead_id} (same {key})");
            }
        }
        if report.merged > report.merges.len() {
            eprintln!("… and {} more merges", report.merged - report.merges.len());
        }
    }
    report.print(args.dry_run);
    if report.nothing_imported() {
        anyhow::bail!(
            "no row of {} could be imported{}",
            args.file.display(),
            report.errors_file.as_ref().map_or(String::new(), |f| format!(": see {f}"))
        );
    }
    if !args.dry_run {
        eprintln!("next: `leadsmith run {}` crawls and scores them", args.file.display());
    }
    Ok(())
}
