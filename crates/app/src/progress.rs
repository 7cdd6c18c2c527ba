//! The progress bar for a run: polls the run's job counts, so it shows exactly what the queue knows.

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
    /// `leads` leads each go through two stages (crawl, score).
    pub fn start(store: Arc<dyn Store>, run_id: i64, leads: usize) -> Self {
        let bar = ProgressBar::new((leads * 2) as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} jobs  {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        let task = {
            let (bar, store) = (bar.clone(), store.clone());
            tokio::spawn(async move {
                loop {
                    update(&bar, store.as_ref(), run_id).await;
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
