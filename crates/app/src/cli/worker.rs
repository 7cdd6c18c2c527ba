//! `leadsmith worker`: works queued jobs of any run until stopped (SIGTERM or Ctrl-C stops claiming, gives
//! back the jobs in hand and exits 0), running the scheduler and retention too unless told not to.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Result;
use leadsmith_queue::WorkerConfig;

use super::Ctx;
use crate::startup;

#[derive(clap::Args)]
pub struct WorkerArgs {
    /// Jobs at once.
    #[arg(long)]
    concurrency: Option<usize>,
    /// Only these job kinds (comma-separated): the pipeline's stages and `run` (a schedule's firing).
    #[arg(long, value_delimiter = ',', default_values_t = startup::job_kinds())]
    kinds: Vec<String>,
    /// Exit after this long with nothing to do (e.g. 5m); run forever when omitted.
    #[arg(long, value_parser = humantime::parse_duration)]
    idle_exit: Option<Duration>,
    /// Do not run the scheduler (nor `[retention]`) in this process (by default every worker does; each
    /// slot still fires once).
    #[arg(long)]
    no_scheduler: bool,
}

/// `leadsmith worker`.
pub async fn run(ctx: &Ctx, args: &WorkerArgs) -> Result<()> {
    startup::check_kinds(&args.kinds)?;
    let store = ctx.store().await?;
    let config = WorkerConfig {
        concurrency: args.concurrency.unwrap_or(ctx.settings.pipeline.workers),
        idle_exit: args.idle_exit,
        poll_interval: startup::poll_interval(store.as_ref()),
        ..Default::default()
    };
    let worker = startup::worker(&store, &ctx.settings, config, &args.kinds).await?;
    let stop = startup::stop_on_signal("stopping: giving back the jobs in hand");
    let scheduler = (!args.no_scheduler).then(|| {
        [
            startup::spawn_scheduler(store.clone(), stop.clone()),
            startup::spawn_retention(store.clone(), &ctx.settings, stop.clone()),
        ]
    });
    eprintln!(
        "worker {} working {} on {}{} (Ctrl-C or SIGTERM to stop)",
        worker.id(),
        args.kinds.join(", "),
        store.backend(),
        if scheduler.is_some() { ", running the scheduler and retention" } else { "" }
    );
    worker.run(stop).await?;
    for task in scheduler.into_iter().flatten() {
        task.abort();
    }
    let stats = worker.stats();
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    eprintln!(
        "worker done: {} completed, {} retried, {} dead-lettered, {} given back",
        n(&stats.completed),
        n(&stats.retried),
        n(&stats.dead),
        n(&stats.released)
    );
    Ok(())
}
