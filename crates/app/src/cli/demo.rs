//! `leadsmith demo`: the whole pipeline against the built-in sample web on loopback. No internet needed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use leadsmith_store::Store;
use leadsmith_testkit::{SampleWeb, ServeOptions};

use crate::config::Settings;
use crate::export::{self, Format};
use crate::pipeline::{Engine, run_file};

/// Crawl settings for the demo: the real policy with shorter timeouts so the sample web's deliberately
/// slow sites time out in seconds rather than minutes, and loopback allowed for the sample web only.
pub fn demo_settings(mut settings: Settings) -> Settings {
    settings.crawl.timeouts_secs = vec![2.0, 3.0, 4.0];
    settings.crawl.backoff_secs = vec![0.25, 0.5, 1.0];
    settings.crawl.allow_addresses = vec!["127.0.0.1/32".to_string()];
    settings.pipeline.workers = settings.pipeline.workers.max(32);
    settings
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Where to write leads.csv, leads.jsonl, the sample lead list and the demo's database.
    #[arg(long, default_value = "leadsmith-demo")]
    out: PathBuf,
}

/// `leadsmith demo`.
pub async fn run(ctx: &super::Ctx, args: &DemoArgs) -> Result<DemoOutcome> {
    run_demo(&args.out, ctx.db.as_deref(), ctx.settings.clone(), ctx.progress).await
}

pub struct DemoOutcome {
    pub csv: PathBuf,
    pub jsonl: PathBuf,
    pub leads: usize,
}

/// Runs the demo into `out_dir`; `db` is a store location (file path or PostgreSQL URL), by default a
/// fresh `out_dir/leadsmith.db`.
pub async fn run_demo(out_dir: &Path, db: Option<&str>, settings: Settings, progress: bool) -> Result<DemoOutcome> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let location = match db {
        Some(l) => l.to_string(),
        None => {
            // The demo starts from scratch each time so its numbers mean something.
            let p = out_dir.join("leadsmith.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
            }
            p.display().to_string()
        }
    };
    let store: Arc<dyn Store> = leadsmith_store::open(&location).await?;
    let web = Arc::new(SampleWeb::standard());
    let serve = ServeOptions { slow_delay: Duration::from_secs(6), ..ServeOptions::default() };
    let server = web.clone().serve(serve).await.context("starting the sample web")?;
    eprintln!("sample web: {} sites on http://{} (resolved for the crawler only)", web.sites().len(), server.addr());

    let leads_file = out_dir.join("sample-leads.csv");
    std::fs::write(&leads_file, web.leads_csv()).with_context(|| format!("writing {}", leads_file.display()))?;
    eprintln!("lead list: {}", leads_file.display());

    let keep = settings.export.keep_formulas;
    let engine = Engine::new(store.clone(), demo_settings(settings), server.resolve_overrides())?;
    let summary = run_file(&engine, &leads_file, progress).await?;
    server.shutdown().await;

    let views = export::load_views(store.as_ref(), Some(&summary.lead_ids), &Default::default()).await?;
    let csv = out_dir.join("leads.csv");
    let jsonl = out_dir.join("leads.jsonl");
    export::write(&views, Format::Csv, std::io::BufWriter::new(std::fs::File::create(&csv)?), keep)?;
    export::write(&views, Format::Jsonl, std::io::BufWriter::new(std::fs::File::create(&jsonl)?), keep)?;

    println!("\nTop 10 leads");
    print!("{}", super::leads::table(&views[..views.len().min(10)]));
    println!("\n{}", crate::view::tally(&views));
    println!(
        "run {} {} in {:.1} s · {} leads · wrote {} and {}",
        summary.run_id,
        summary.status,
        summary.elapsed.as_secs_f64(),
        views.len(),
        csv.display(),
        jsonl.display()
    );
    println!(
        "inspect one: leadsmith --db {} leads show {}",
        crate::startup::redact(&location),
        views.first().map(|v| v.id).unwrap_or(1)
    );
    Ok(DemoOutcome { csv, jsonl, leads: views.len() })
}
