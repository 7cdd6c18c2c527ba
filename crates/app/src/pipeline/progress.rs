//! Progress for a run: polls the run's job counts, so it shows exactly what the queue knows. A bar on a
//! terminal; otherwise (CI, logs, pipes) a plain line every ten seconds.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use leadsmith_store::Store;

pub struct RunProgress {
    bar: ProgressBar,
    task: tokio::task::JoinHandle<()>,
    store: Arc<dyn Store>,
    run_id: i64,
}

impl RunProgress {
    /// `leads` leads each go through `stages` stages (one job each).
    pub fn start(store: Arc<dyn Store>, run_id: i64, leads: usize, stages: usize, interactive: bool) -> Self {
        let jobs = (leads * stages) as u64;
        let bar = if interactive { ProgressBar::new(jobs) } else { ProgressBar::hidden() };
        bar.set_length(jobs);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} jobs  {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let task = {
            let (bar, store) = (bar.clone(), store.clone());
            let started = std::time::Instant::now();
            tokio::spawn(async move {
                let mut last_line = std::time::Instant::now();
                loop {
                    update(&bar, store.as_ref(), run_id).await;
                    if !interactive && last_line.elapsed() >= Duration::from_secs(10) {
                        last_line = std::time::Instant::now();
                        let (pos, len) = (bar.position(), bar.length().unwrap_or_default());
                        eprintln!("[{:>4} s] {pos}/{len} jobs  {}", started.elapsed().as_secs(), bar.message());
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        };
        Self { bar, task, store, run_id }
    }

    pub async fn finish(self) {
        self.task.abort();
        update(&self.bar, self.store.as_ref(), self.run_id).await;
        self.bar.finish();
    }
}

async fn update(bar: &ProgressBar, store: &dyn Store, run_id: i64) {
    let Ok(counts) = store.queue_counts(Some(run_id)).await else { return };
    let finished: u64 = counts.iter().map(|k| k.done + k.dead).sum();
    let dead: u64 = counts.iter().map(|k| k.dead).sum();
    bar.set_position(finished);
    let per_kind: Vec<String> = counts
        .iter()
        .map(|k| format!("{} {}/{}", k.kind, k.done + k.dead, k.ready + k.running + k.done + k.dead))
        .collect();
    let mut msg = per_kind.join(" · ");
    if dead > 0 {
        msg.push_str(&format!(" · dead {dead}"));
    }
    bar.set_message(msg);
}

/// A plain counting bar for synchronous work (batch scoring): drawn on a terminal, hidden otherwise
/// (the command prints its own summary line).
pub fn bar(len: u64, interactive: bool, what: &str) -> ProgressBar {
    if !interactive {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} rows  {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Progress of work whose size is not known up front (an export, a long import): a spinner with the count
/// on a terminal; otherwise a plain line every ten seconds, so short work prints nothing.
pub struct Counter {
    bar: ProgressBar,
    interactive: bool,
    what: &'static str,
    started: std::time::Instant,
    last_line: std::time::Instant,
}

impl Counter {
    /// Counts `what` (`"leads exported"`).
    pub fn new(what: &'static str, interactive: bool) -> Self {
        let bar = if interactive { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {pos} {msg} ({per_sec})")
                .expect("valid template"),
        );
        bar.set_message(what);
        bar.enable_steady_tick(Duration::from_millis(120));
        let now = std::time::Instant::now();
        Self { bar, interactive, what, started: now, last_line: now }
    }

    /// `n` done so far.
    pub fn set(&mut self, n: u64) {
        self.bar.set_position(n);
        if !self.interactive && self.last_line.elapsed() >= Duration::from_secs(10) {
            self.last_line = std::time::Instant::now();
            eprintln!("[{:>4} s] {n} {}", self.started.elapsed().as_secs(), self.what);
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
