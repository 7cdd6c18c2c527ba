//! Progress: for a run, polled from the run's job counts, so it shows exactly what the queue knows; for an
//! import, bytes of the file read; for an export, leads written. A bar on a terminal; otherwise (CI, logs,
//! pipes) a plain line every ten seconds.

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
    lines: PlainLines,
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
        Self { bar, interactive, what, lines: PlainLines::new(Duration::from_secs(10), std::time::Instant::now()) }
    }

    /// `n` done so far.
    pub fn set(&mut self, n: u64) {
        self.bar.set_position(n);
        if !self.interactive
            && let Some(line) = self.lines.due(std::time::Instant::now(), || format!("{n} {}", self.what))
        {
            eprintln!("{line}");
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}

/// When a plain progress line is due: every `every`, counted from the start, so short work prints none.
#[derive(Debug, Clone, Copy)]
pub struct PlainLines {
    every: Duration,
    started: std::time::Instant,
    last: std::time::Instant,
}

impl PlainLines {
    pub fn new(every: Duration, now: std::time::Instant) -> Self {
        Self { every, started: now, last: now }
    }

    /// `[  12 s] text` when a line is due at `now` (and then not again until `every` later).
    pub fn due(&mut self, now: std::time::Instant, text: impl FnOnce() -> String) -> Option<String> {
        if now.duration_since(self.last) < self.every {
            return None;
        }
        self.last = now;
        Some(format!("[{:>4} s] {}", now.duration_since(self.started).as_secs(), text()))
    }
}

/// `41.9 MB of 1.0 GB (4 %)`.
pub fn bytes_line(what: &str, done: u64, total: u64) -> String {
    let mb = |n: u64| n as f64 / 1e6;
    let percent = (done.min(total) * 100).checked_div(total).unwrap_or(100);
    format!("{what}: {:.1} MB of {:.1} MB ({percent} %)", mb(done), mb(total))
}

/// Progress through bytes of a file (an import's passes): a bar on a terminal; otherwise a plain line every
/// ten seconds on stderr. `done` is polled five times a second.
pub struct ByteProgress {
    bar: ProgressBar,
    task: tokio::task::JoinHandle<()>,
}

impl ByteProgress {
    pub fn start(what: &'static str, total: u64, done: impl Fn() -> u64 + Send + 'static, interactive: bool) -> Self {
        let bar = if interactive { ProgressBar::new(total) } else { ProgressBar::hidden() };
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {bytes}/{total_bytes} {msg} ({bytes_per_sec})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(what);
        let task = {
            let bar = bar.clone();
            tokio::spawn(async move {
                let mut lines = PlainLines::new(Duration::from_secs(10), std::time::Instant::now());
                loop {
                    let n = done();
                    bar.set_position(n);
                    if !interactive
                        && let Some(line) = lines.due(std::time::Instant::now(), || bytes_line(what, n, total))
                    {
                        eprintln!("{line}");
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            })
        };
        Self { bar, task }
    }

    pub fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_come_every_interval_and_say_how_far() {
        let start = std::time::Instant::now();
        let mut lines = PlainLines::new(Duration::from_secs(10), start);
        let at = |s: u64| start + Duration::from_secs(s);
        assert_eq!(lines.due(at(3), || "x".into()), None, "short work prints nothing");
        assert_eq!(lines.due(at(10), || "x".into()).as_deref(), Some("[  10 s] x"));
        assert_eq!(lines.due(at(15), || "x".into()), None);
        assert_eq!(lines.due(at(21), || "y".into()).as_deref(), Some("[  21 s] y"));
        assert_eq!(bytes_line("importing", 41_900_000, 1_000_000_000), "importing: 41.9 MB of 1000.0 MB (4 %)");
        assert_eq!(bytes_line("importing", 0, 0), "importing: 0.0 MB of 0.0 MB (100 %)");
    }
}
