//! Operations: `leadsmith runs start|cancel|list|show`, `leadsmith schedules …`, `leadsmith queue stats`,
//! `leadsmith dlq list|show|redrive|purge` and `leadsmith migrate`.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use leadsmith_store::{Job, Store, now_ms};

use super::Ctx;
use crate::pipeline::{self, schedule::Spec};
use crate::startup::redact;

pub async fn stats(store: &dyn Store, json: bool) -> Result<()> {
    let stats = store.queue_stats().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(());
    }
    if stats.is_empty() {
        println!("the queue is empty");
        return Ok(());
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<10} {:>7} {:>7} {:>7} {:>8} {:>6} {:>12} {:>10}",
        "KIND", "READY", "DELAYED", "RUNNING", "DONE", "DEAD", "OLDEST READY", "DONE/MIN"
    );
    for k in &stats {
        let age = k
            .oldest_ready_age_ms
            .map(|ms| humantime::format_duration(Duration::from_secs((ms / 1000).max(0) as u64)).to_string());
        let _ = writeln!(
            o,
            "{:<10} {:>7} {:>7} {:>7} {:>8} {:>6} {:>12} {:>10}",
            k.kind,
            k.ready,
            k.delayed,
            k.running,
            k.done,
            k.dead,
            age.as_deref().unwrap_or("-"),
            k.completed_last_minute
        );
    }
    print!("{o}");
    Ok(())
}

pub async fn list(store: &dyn Store, limit: usize, json: bool) -> Result<()> {
    let dead = store.dead_jobs(limit).await?;
    if json {
        for j in &dead {
            println!("{}", serde_json::to_string(j)?);
        }
        return Ok(());
    }
    if dead.is_empty() {
        println!("no dead letters");
        return Ok(());
    }
    println!("{:>7}  {:<8} {:>6} {:>8}  LAST ERROR", "JOB", "KIND", "LEAD", "ATTEMPTS");
    for j in &dead {
        println!(
            "{:>7}  {:<8} {:>6} {:>8}  {}",
            j.id,
            j.kind,
            j.lead_id.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
            j.attempts,
            j.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}

pub async fn show(store: &dyn Store, id: i64) -> Result<()> {
    let Some(job) = store.job(id).await? else { bail!("no job {id}") };
    print!("{}", render(&job));
    Ok(())
}

fn render(j: &Job) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "job {} · {} · {:?} · attempt {} of {}", j.id, j.kind, j.state, j.attempts, j.max_attempts);
    if let Some(lead) = j.lead_id {
        let _ = writeln!(o, "lead {lead} (leadsmith leads show {lead})");
    }
    if let Some(run) = j.run_id {
        let _ = writeln!(o, "run {run}");
    }
    let _ = writeln!(o, "payload {}", j.payload);
    let _ = writeln!(o, "error history:");
    for (i, e) in j.errors.iter().enumerate() {
        let _ = writeln!(o, "  {}. {e}", i + 1);
    }
    o
}

pub async fn redrive(store: &dyn Store, id: Option<i64>, all: bool, kind: Option<String>) -> Result<()> {
    let ids = match (id, all) {
        (Some(id), false) => Some(vec![id]),
        (None, true) => None,
        _ => bail!("give a job id or --all"),
    };
    let n = store.redrive(ids, kind).await?;
    println!("redrove {n} dead job{}; `leadsmith run FILE` (or a worker) picks them up", if n == 1 { "" } else { "s" });
    Ok(())
}

pub async fn purge(store: &dyn Store, older_than: Option<Duration>) -> Result<()> {
    let before = older_than.map(|d| now_ms() - d.as_millis() as i64);
    let n = store.purge_dead(before).await?;
    println!("purged {n} dead job{}", if n == 1 { "" } else { "s" });
    Ok(())
}

pub async fn list_runs(store: &dyn Store, limit: usize) -> Result<()> {
    let runs = store.list_runs(limit).await?;
    if runs.is_empty() {
        println!("no runs yet; `leadsmith run FILE` or `leadsmith runs start --source FILE`");
        return Ok(());
    }
    println!("{:>5}  {:<22} {:<21} {:<21} SOURCE", "RUN", "STATUS", "STARTED", "FINISHED");
    for r in runs {
        println!(
            "{:>5}  {:<22} {:<21} {:<21} {}",
            r.id,
            r.status,
            r.created_at,
            r.finished_at.as_deref().unwrap_or("-"),
            r.source
        );
    }
    Ok(())
}

pub async fn show_run(store: &dyn Store, id: i64) -> Result<()> {
    let Some(run) = store.run(id).await? else { bail!("no run {id}") };
    println!(
        "run {} · {} · started {} · finished {}",
        run.id,
        run.status,
        run.created_at,
        run.finished_at.as_deref().unwrap_or("-")
    );
    println!("source {}", run.source);
    let counts = store.queue_counts(Some(id)).await?;
    let found = run.params.get("found").and_then(|v| v.as_u64());
    let stages: Vec<String> = run
        .params
        .get("stages")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_else(|| counts.iter().map(|k| k.kind.clone()).collect());
    // The last stage's done jobs are the leads that went all the way through.
    let processed = stages.last().and_then(|s| counts.iter().find(|k| &k.kind == s)).map_or(0, |k| k.done);
    let total = |f: fn(&leadsmith_store::KindCounts) -> u64| counts.iter().map(f).sum::<u64>();
    println!(
        "found {} · queued {} · running {} · processed {} · failed {} · dead {}{}",
        found.map_or("-".to_string(), |n| n.to_string()),
        total(|k| k.ready),
        total(|k| k.running),
        processed,
        total(|k| k.failed),
        total(|k| k.dead),
        match total(|k| k.cancelled) {
            0 => String::new(),
            n => format!(" · cancelled {n}"),
        }
    );
    println!(
        "{:<10} {:>7} {:>7} {:>8} {:>7} {:>6} {:>9}",
        "STAGE", "QUEUED", "RUNNING", "DONE", "FAILED", "DEAD", "CANCELLED"
    );
    for k in counts {
        println!(
            "{:<10} {:>7} {:>7} {:>8} {:>7} {:>6} {:>9}",
            k.kind, k.ready, k.running, k.done, k.failed, k.dead, k.cancelled
        );
    }
    Ok(())
}

pub async fn cancel_run(store: &dyn Store, id: i64) -> Result<()> {
    let Some(before) = store.run(id).await? else { bail!("no run {id}") };
    let after = store.cancel_run(id).await?.context("the run disappeared")?;
    if before.status != "running" {
        println!("run {id} already ended ({}); nothing to cancel", after.status);
        return Ok(());
    }
    let counts = store.queue_counts(Some(id)).await?;
    let dropped: u64 = counts.iter().map(|k| k.cancelled).sum();
    let running: u64 = counts.iter().map(|k| k.running).sum();
    println!("run {id} cancelled: {dropped} queued jobs dropped, {running} in hand will finish");
    Ok(())
}

pub async fn add_schedule(
    store: &dyn Store,
    name: &str,
    spec: &crate::pipeline::schedule::Spec,
    command: Vec<String>,
    catch_up: bool,
) -> Result<()> {
    let schedule = crate::pipeline::schedule::new_schedule(name, spec, command, catch_up)?;
    if !store.add_schedule(schedule.clone()).await? {
        bail!("a schedule named {name:?} exists; remove it first");
    }
    println!(
        "schedule {name}: {} · first run {} UTC · runs `leadsmith {}` (workers run the scheduler)",
        schedule.spec,
        leadsmith_store::format_unix(schedule.next_fire_ms / 1000),
        schedule.command.join(" ")
    );
    Ok(())
}

pub async fn list_schedules(store: &dyn Store) -> Result<()> {
    let all = store.schedules().await?;
    if all.is_empty() {
        println!("no schedules; add one with `leadsmith schedules add NAME --every 6h -- runs start --source FILE`");
        return Ok(());
    }
    println!("{:<16} {:<22} {:<8} {:<21} {:<21} COMMAND", "NAME", "WHEN", "STATE", "NEXT (UTC)", "LAST FIRED");
    for s in all {
        println!(
            "{:<16} {:<22} {:<8} {:<21} {:<21} {}{}",
            s.name,
            s.spec,
            if s.paused { "paused" } else { "active" },
            leadsmith_store::format_unix(s.next_fire_ms / 1000),
            s.last_fired_ms.map_or("-".to_string(), |t| leadsmith_store::format_unix(t / 1000)),
            s.command.join(" "),
            if s.catch_up { "" } else { "  (skips missed slots)" }
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum RunsCommand {
    /// Import a file and queue its leads; `leadsmith worker` processes them.
    Start(crate::pipeline::schedule::RunsStartArgs),
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
pub enum SchedulesCommand {
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
pub enum QueueCommand {
    /// Ready, delayed, running, done and dead jobs by kind; oldest ready age; completions in the last minute.
    Stats {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum DlqCommand {
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

/// `leadsmith runs …`.
pub async fn runs(ctx: &Ctx, command: &RunsCommand) -> Result<()> {
    let store = match command {
        RunsCommand::Start(_) => ctx.store().await?,
        _ => ctx.existing_store().await?,
    };
    match command {
        RunsCommand::Start(args) => {
            let started = pipeline::start_run(&store, &args.request(None)?, &ctx.settings).await?;
            println!(
                "run {} {}: {} leads; start workers with `leadsmith worker`",
                started.run_id,
                if started.resumed { "resumed" } else { "queued" },
                started.queued
            );
            Ok(())
        }
        RunsCommand::Cancel { id } => cancel_run(store.as_ref(), *id).await,
        RunsCommand::List { limit } => list_runs(store.as_ref(), *limit).await,
        RunsCommand::Show { id } => show_run(store.as_ref(), *id).await,
    }
}

/// `leadsmith schedules …`.
pub async fn schedules(ctx: &Ctx, command: &SchedulesCommand) -> Result<()> {
    let store = match command {
        SchedulesCommand::Add { .. } => ctx.store().await?,
        _ => ctx.existing_store().await?,
    };
    match command {
        SchedulesCommand::Add { name, every, cron, skip_missed, command } => {
            let spec = match (every, cron) {
                (Some(d), _) => Spec::Every(*d),
                (None, Some(c)) => Spec::cron(c)?,
                (None, None) => bail!("give --every or --cron"),
            };
            add_schedule(store.as_ref(), name, &spec, command.clone(), !skip_missed).await
        }
        SchedulesCommand::List => list_schedules(store.as_ref()).await,
        SchedulesCommand::Remove { name } => {
            if !store.remove_schedule(name).await? {
                bail!("no schedule {name:?}");
            }
            println!("removed schedule {name}");
            Ok(())
        }
        SchedulesCommand::Pause { name } | SchedulesCommand::Resume { name } => {
            let pause = matches!(command, SchedulesCommand::Pause { .. });
            if !store.set_schedule_paused(name, pause).await? {
                bail!("no schedule {name:?}");
            }
            println!("{} schedule {name}", if pause { "paused" } else { "resumed" });
            Ok(())
        }
    }
}

/// `leadsmith queue …`.
pub async fn queue(ctx: &Ctx, command: &QueueCommand) -> Result<()> {
    match command {
        QueueCommand::Stats { json } => stats(ctx.existing_store().await?.as_ref(), *json).await,
    }
}

/// `leadsmith dlq …`.
pub async fn dlq(ctx: &Ctx, command: &DlqCommand) -> Result<()> {
    let store = ctx.existing_store().await?;
    match command {
        DlqCommand::List { limit, json } => list(store.as_ref(), *limit, *json).await,
        DlqCommand::Show { id } => show(store.as_ref(), *id).await,
        DlqCommand::Redrive { id, all, kind } => redrive(store.as_ref(), *id, *all, kind.clone()).await,
        DlqCommand::Purge { older_than } => purge(store.as_ref(), *older_than).await,
    }
}

/// `leadsmith migrate`.
pub async fn migrate(ctx: &Ctx) -> Result<()> {
    let store = ctx.store().await?;
    println!(
        "{} store {} at schema version {}",
        store.backend(),
        redact(ctx.location()),
        store.schema_version().await?
    );
    Ok(())
}
