//! Schedules: recurring runs (`every 6h` or a cron expression, in UTC). Any number of processes run the
//! scheduler loop; each slot fires at most once because advancing a schedule is a compare-and-set in the
//! store that also enqueues the firing as a `run` job (keyed by the slot), and that job starts the run
//! through the durable queue, so a crash between the two loses nothing.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use leadsmith_queue::{Handler, JobError, Outcome};
use leadsmith_store::{Job, NewJob, Schedule, Store, now_ms};
use tokio::sync::watch;

use crate::config::Settings;
use crate::pipeline::{self, RunRequest};

/// The job kind a schedule's firing is queued as.
pub const KIND_RUN: &str = "run";

/// A slot found this late (everything was down) is "missed": it fires once if the schedule catches up,
/// and is skipped otherwise.
const ON_TIME: i64 = 60_000;

/// When a schedule fires.
#[derive(Debug, Clone)]
pub enum Spec {
    Every(Duration),
    Cron(Box<croner::Cron>),
}

impl Spec {
    /// Parses the stored form: `every 6h` or `cron 0 */6 * * *`.
    pub fn parse(text: &str) -> Result<Self> {
        if let Some(d) = text.strip_prefix("every ") {
            return Self::every(d);
        }
        if let Some(c) = text.strip_prefix("cron ") {
            return Self::cron(c);
        }
        bail!("unknown schedule {text:?}: expected `every DURATION` or `cron EXPRESSION`")
    }

    pub fn every(text: &str) -> Result<Self> {
        let d = humantime::parse_duration(text.trim()).with_context(|| format!("--every {text:?}"))?;
        if d < Duration::from_secs(1) {
            bail!("--every {text:?}: schedules fire at most once a second");
        }
        Ok(Self::Every(d))
    }

    pub fn cron(text: &str) -> Result<Self> {
        let cron = croner::Cron::from_str(text.trim())
            .map_err(|e| anyhow::anyhow!("--cron {text:?}: {e} (expected 5 fields: minute hour day month weekday)"))?;
        Ok(Self::Cron(Box::new(cron)))
    }

    /// The stored form.
    pub fn to_text(&self) -> String {
        match self {
            Self::Every(d) => format!("every {}", humantime::format_duration(*d)),
            Self::Cron(c) => format!("cron {}", c.pattern),
        }
    }

    /// The first slot strictly after `after_ms`. `anchor_ms` is a slot of an `every` schedule.
    pub fn next_after(&self, anchor_ms: i64, after_ms: i64) -> Result<i64> {
        match self {
            Self::Every(d) => {
                let step = d.as_millis() as i64;
                if after_ms < anchor_ms {
                    return Ok(anchor_ms);
                }
                Ok(anchor_ms + ((after_ms - anchor_ms) / step + 1) * step)
            }
            Self::Cron(c) => {
                let after = DateTime::<Utc>::from_timestamp_millis(after_ms).context("time out of range")?;
                let next = c.find_next_occurrence(&after, false).map_err(|e| anyhow::anyhow!("cron: {e}"))?;
                Ok(next.timestamp_millis())
            }
        }
    }
}

/// A new schedule whose first slot is the next one after now (`every`: now + the interval).
pub fn new_schedule(name: &str, spec: &Spec, mut command: Vec<String>, catch_up: bool) -> Result<Schedule> {
    validate_name(name)?;
    parse_command(&command)?;
    // Workers may run elsewhere in the file system: a relative source is made absolute now.
    if let Some(i) = command.iter().position(|a| a == "--source")
        && let Some(source) = command.get_mut(i + 1)
        && std::path::Path::new(source.as_str()).is_relative()
    {
        *source = std::env::current_dir()?.join(&*source).display().to_string();
    }
    let now = now_ms();
    let first = match spec {
        Spec::Every(d) => now + d.as_millis() as i64,
        Spec::Cron(_) => spec.next_after(now, now)?,
    };
    Ok(Schedule {
        name: name.to_string(),
        spec: spec.to_text(),
        command,
        catch_up,
        paused: false,
        next_fire_ms: first,
        last_fired_ms: None,
        created_at: leadsmith_store::now_rfc3339(),
    })
}

fn validate_name(name: &str) -> Result<()> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        bail!("schedule name {name:?}: use letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

/// The arguments of `runs start` a schedule runs (everything after `--`).
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "leadsmith runs start", no_binary_name = true)]
pub struct RunsStartArgs {
    /// The leads file (CSV or JSONL) the run imports and queues.
    #[arg(long)]
    pub source: std::path::PathBuf,
    /// Queue at most this many of the file's leads.
    #[arg(long)]
    pub limit: Option<usize>,
    /// The stages to run (comma-separated), in pipeline order whatever order they are given in.
    #[arg(long, value_delimiter = ',', default_values_t = super::stages::kinds())]
    pub stages: Vec<String>,
}

impl RunsStartArgs {
    pub fn request(&self, key: Option<String>) -> Result<RunRequest> {
        RunRequest::new(&self.source, self.limit, &self.stages, key)
    }
}

/// A schedule's command must be `runs start …` with valid arguments.
pub fn parse_command(command: &[String]) -> Result<RunsStartArgs> {
    use clap::Parser;
    let rest = match command {
        [a, b, rest @ ..] if a == "runs" && b == "start" => rest,
        _ => bail!("a schedule runs `runs start …`; got `{}`", command.join(" ")),
    };
    let args = RunsStartArgs::try_parse_from(rest).map_err(|e| anyhow::anyhow!("{}", e.render()))?;
    RunRequest::new(&args.source, args.limit, &args.stages, None)?;
    Ok(args)
}

/// One pass over the schedules: every due slot is fired (or skipped) by whichever process gets there
/// first. Returns how many slots this process fired.
pub async fn tick(store: &dyn Store, now: i64) -> Result<usize> {
    let mut fired = 0;
    for s in store.schedules().await? {
        if s.paused || s.next_fire_ms > now {
            continue;
        }
        let spec = match Spec::parse(&s.spec) {
            Ok(spec) => spec,
            Err(e) => {
                tracing::warn!(schedule = %s.name, error = %e, "skipping a schedule that does not parse");
                continue;
            }
        };
        let next = spec.next_after(s.next_fire_ms, now)?;
        let late = now - s.next_fire_ms;
        let fire = late <= ON_TIME || s.catch_up;
        let job = fire.then(|| {
            let mut job = NewJob::new(KIND_RUN, None);
            job.unique_key = Some(slot_key(&s.name, s.next_fire_ms));
            job.payload = serde_json::json!({"schedule": s.name, "slot_ms": s.next_fire_ms, "command": s.command});
            job.priority = 10;
            job
        });
        if store.advance_schedule(&s.name, s.next_fire_ms, next, job).await? {
            if fire {
                fired += 1;
                tracing::info!(schedule = %s.name, slot_ms = s.next_fire_ms, late_ms = late, "schedule fired");
            } else {
                tracing::info!(schedule = %s.name, slot_ms = s.next_fire_ms, "missed slot skipped");
            }
        }
    }
    Ok(fired)
}

fn slot_key(name: &str, slot_ms: i64) -> String {
    format!("schedule:{name}:{slot_ms}")
}

/// Runs [`tick`] every `every` until `stop`; store errors are logged and retried on the next tick.
pub async fn run_scheduler(store: Arc<dyn Store>, every: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if let Err(e) = tick(store.as_ref(), now_ms()).await {
            tracing::warn!(error = %e, "scheduler tick failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

/// Starts the run a schedule's slot asked for. Idempotent: the run is keyed by the slot, the import
/// dedupes and the stage jobs are unique per run and lead.
pub struct RunHandler {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
}

#[async_trait]
impl Handler for RunHandler {
    async fn handle(&self, job: &Job) -> Result<Outcome, JobError> {
        let command: Vec<String> = serde_json::from_value(job.payload["command"].clone())
            .map_err(|e| JobError::permanent(format!("run job without a command: {e}")))?;
        let args = parse_command(&command).map_err(|e| JobError::permanent(format!("{e:#}")))?;
        let key = match (job.payload["schedule"].as_str(), job.payload["slot_ms"].as_i64()) {
            (Some(name), Some(slot)) => slot_key(name, slot),
            _ => format!("job:{}", job.id),
        };
        let request = args.request(Some(key)).map_err(|e| JobError::permanent(format!("{e:#}")))?;
        if !request.source.exists() {
            return Err(JobError::permanent(format!("source {} does not exist", request.source.display())));
        }
        let started = pipeline::start_run(&self.store, &request, &self.settings)
            .await
            .map_err(|e| JobError::transient(format!("{e:#}")))?;
        tracing::info!(run = started.run_id, leads = started.queued, "scheduled run started");
        Ok(Outcome::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_slots_stay_on_their_grid() {
        let spec = Spec::parse("every 6h").unwrap();
        let h = 3_600_000;
        assert_eq!(spec.next_after(1_000, 1_000).unwrap(), 1_000 + 6 * h);
        assert_eq!(spec.next_after(1_000, 1_000 + 13 * h).unwrap(), 1_000 + 18 * h, "missed slots are not replayed");
        assert_eq!(spec.next_after(1_000, 0).unwrap(), 1_000);
        assert_eq!(Spec::parse(&spec.to_text()).unwrap().to_text(), "every 6h");
        assert!(Spec::parse("every 0s").is_err());
        assert!(Spec::parse("sometimes").is_err());
    }

    #[test]
    fn cron_slots_are_utc() {
        let spec = Spec::parse("cron 0 */6 * * *").unwrap();
        // 2026-11-22T01:30:00Z → 06:00Z.
        let t = DateTime::parse_from_rfc3339("2026-11-22T01:30:00Z").unwrap().timestamp_millis();
        let next = spec.next_after(t, t).unwrap();
        assert_eq!(DateTime::<Utc>::from_timestamp_millis(next).unwrap().to_rfc3339(), "2026-11-22T06:00:00+00:00");
        assert_eq!(spec.next_after(next, next).unwrap() - next, 6 * 3_600_000, "strictly after");
        let err = Spec::cron("61 * * * *").unwrap_err().to_string();
        assert!(err.contains("--cron"), "{err}");
    }

    #[test]
    fn commands_are_checked_when_added() {
        let ok: Vec<String> = ["runs", "start", "--source", "x.csv", "--limit", "5"].map(String::from).to_vec();
        assert_eq!(parse_command(&ok).unwrap().limit, Some(5));
        let bad: Vec<String> = ["export"].map(String::from).to_vec();
        assert!(parse_command(&bad).unwrap_err().to_string().contains("runs start"));
        let stages: Vec<String> = ["runs", "start", "--source", "x", "--stages", "paint"].map(String::from).to_vec();
        assert!(parse_command(&stages).unwrap_err().to_string().contains("paint"));
        assert!(validate_name("nightly-crm.v2").is_ok());
        assert!(validate_name("no spaces").is_err());
    }
}
