//! Operations: `leadsmith runs list|show`, `leadsmith queue stats` and `leadsmith dlq list|show|redrive|purge`.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Result, bail};
use leadsmith_store::{Job, Store, now_ms};

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
    println!("{:<10} {:>7} {:>7} {:>8} {:>6}", "STAGE", "QUEUED", "RUNNING", "DONE", "DEAD");
    for k in counts {
        println!("{:<10} {:>7} {:>7} {:>8} {:>6}", k.kind, k.ready, k.running, k.done, k.dead);
    }
    Ok(())
}
