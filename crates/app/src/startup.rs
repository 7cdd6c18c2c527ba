//! Starting and stopping leadsmith's long-running parts, shared by `worker`, `serve`, `run` and `demo`:
//! opening the store, recovering the jobs of crashed local workers, building a worker for the pipeline's
//! job kinds (the stages plus a schedule's `run` firing), the scheduler and retention, and waiting for
//! Ctrl-C/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use leadsmith_queue::{Worker, WorkerConfig};
use leadsmith_store::Store;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::pipeline::{Engine, recover_local, schedule, stages};

/// The store used when none is given.
pub const DEFAULT_STORE: &str = "leadsmith.db";

/// Opens (and migrates) the store at `location` (a SQLite path or a PostgreSQL URL).
pub async fn open_store(location: &str) -> Result<Arc<dyn Store>> {
    leadsmith_store::open(location).await.with_context(|| format!("opening store {}", redact(location)))
}

/// Opens the store at `location` if it exists: a SQLite file that is not there is an error saying so
/// (and where the demo's store is, when there is one here) rather than a new empty store.
pub async fn open_existing_store(location: &str) -> Result<Arc<dyn Store>> {
    if let Some(path) = leadsmith_store::sqlite_path(location)
        && !path.exists()
    {
        let demo = std::path::Path::new(DEMO_STORE);
        let hint = if demo.exists() {
            format!("; the demo's store is {DEMO_STORE}: add --db {DEMO_STORE}")
        } else {
            "; `leadsmith import FILE` or `leadsmith run FILE` creates one, `leadsmith demo` makes a sample".into()
        };
        bail!("no store at {}{hint}", path.display());
    }
    open_store(location).await
}

/// Where `leadsmith demo` keeps its store by default.
pub const DEMO_STORE: &str = "leadsmith-demo/leadsmith.db";

/// A store location fit to print: a URL's password and any query parameter that may hold a secret
/// (`password`, `sslpassword`, `token`, `secret`, `key`, …) are replaced by `***`, as is `password=` in a
/// `key=value` connection string.
pub fn redact(location: &str) -> String {
    let secret_name = |name: &str| {
        let name = name.to_ascii_lowercase();
        ["pass", "secret", "token", "key", "auth", "credential"].iter().any(|s| name.contains(s))
    };
    match url::Url::parse(location) {
        Ok(mut u) if u.has_host() => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if u.query().is_some() {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if secret_name(&k) { "***".to_string() } else { v.into_owned() };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        _ => location
            .split(' ')
            .map(|part| match part.split_once('=') {
                Some((k, _)) if secret_name(k) => format!("{k}=***"),
                _ => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Every job kind a worker can work: the pipeline's stages, then a schedule's `run` firing.
pub fn job_kinds() -> Vec<String> {
    let mut kinds = stages::kinds();
    kinds.push(schedule::KIND_RUN.to_string());
    kinds
}

/// `kinds` checked against [`job_kinds`].
pub fn check_kinds(kinds: &[String]) -> Result<()> {
    let known = job_kinds();
    if let Some(k) = kinds.iter().find(|k| !known.contains(k)) {
        bail!("unknown job kind {k:?} (known: {})", known.join(", "));
    }
    Ok(())
}

/// How often workers look for work when nothing wakes them: PostgreSQL wakes idle workers by
/// notification, so polling there only finds delayed jobs coming due.
pub fn poll_interval(store: &dyn Store) -> Duration {
    match store.backend() {
        "postgres" => Duration::from_secs(1),
        _ => Duration::from_millis(250),
    }
}

/// A worker for `kinds` on `store`, after making the jobs of crashed local workers claimable again.
pub async fn worker(
    store: &Arc<dyn Store>,
    settings: &Settings,
    config: WorkerConfig,
    kinds: &[String],
) -> Result<Worker> {
    check_kinds(kinds)?;
    recover_local(store.as_ref()).await?;
    let engine = Engine::new(store.clone(), settings.clone(), Default::default())?;
    let mut worker = engine.worker(config, kinds);
    if kinds.iter().any(|k| k == schedule::KIND_RUN) {
        let run = schedule::RunHandler { store: store.clone(), settings: settings.clone() };
        worker = worker.handle(schedule::KIND_RUN, Arc::new(run));
    }
    Ok(worker)
}

/// The scheduler, checking for due slots every second until `stop`; each slot fires once however many
/// processes run it.
pub fn spawn_scheduler(store: Arc<dyn Store>, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(schedule::run_scheduler(store, Duration::from_secs(1), stop))
}

/// Retention (`[retention]`): old cached pages, jobs and runs deleted at once and then every
/// `retention.every` until `stop`. Runs wherever the scheduler does.
pub fn spawn_retention(store: Arc<dyn Store>, settings: &Settings, stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(crate::pipeline::retention::run_retention(store, settings.retention.clone(), stop))
}

/// A stop signal that turns true on Ctrl-C or SIGTERM, after printing `message`.
pub fn stop_on_signal(message: &'static str) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    let signal = terminated();
    tokio::spawn(async move {
        signal.await;
        eprintln!("{message}");
        let _ = tx.send(true);
    });
    rx
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the future is
/// first polled: a signal that comes after the call (a service manager stopping a server that already
/// answers) is never the default action's sudden exit.
pub fn terminated() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        tokio::select! {
            () = next(interrupt.as_mut()) => {}
            () = next(term.as_mut()) => {}
        }
    }
}

/// The next delivery of a signal; never, when its handler could not be installed.
async fn next(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_kinds_are_the_stages_and_the_schedule_firing() {
        assert_eq!(job_kinds(), ["crawl", "score", "run"]);
        assert!(check_kinds(&["crawl".into(), "run".into()]).is_ok());
        let e = check_kinds(&["paint".into()]).unwrap_err().to_string();
        assert!(e.contains("unknown job kind \"paint\" (known: crawl, score, run)"), "{e}");
    }

    #[test]
    fn passwords_never_print() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("leads.db"), "leads.db");
        assert_eq!(
            redact("postgres://u@h/db?password=hunter2&sslmode=require"),
            "postgres://u@h/db?password=***&sslmode=require"
        );
        assert_eq!(redact("host=h user=u password=hunter2"), "host=h user=u password=***");
    }
}
