//! `leadsmith bench queue`: the job queue's throughput and latency on the configured store, with no-op
//! jobs, so users can measure their own database (numbers for ours are in BENCHMARKS.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use async_trait::async_trait;
use leadsmith_queue::{Handler, JobError, Outcome, Worker, WorkerConfig};
use leadsmith_store::{Job, NewJob, Store};
use tokio::sync::watch;

const KIND: &str = "bench.noop";

#[derive(Debug, Clone, clap::Args)]
pub struct QueueBench {
    /// No-op jobs to push through.
    #[arg(long, default_value_t = 20_000)]
    pub jobs: u64,
    /// Jobs a worker runs at once (and claims per round trip).
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Worker tasks (each its own claimer).
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// Producer tasks enqueueing concurrently.
    #[arg(long, default_value_t = 2)]
    pub producers: usize,
    /// Jobs per enqueue transaction (1: one commit per job).
    #[arg(long, default_value_t = 100)]
    pub batch: usize,
    /// Also measure claim latency with this many jobs queued (e.g. 1000000), next to an almost empty queue.
    #[arg(long)]
    pub depth: Option<u64>,
    /// Samples for the latency measurements.
    #[arg(long, default_value_t = 200)]
    pub samples: usize,
}

/// Counts completions and when each job started (for wake-up latency).
struct Noop {
    done: AtomicU64,
    started: watch::Sender<Option<Instant>>,
}

#[async_trait]
impl Handler for Noop {
    async fn handle(&self, _job: &Job) -> Result<Outcome, JobError> {
        self.started.send_replace(Some(Instant::now()));
        self.done.fetch_add(1, Ordering::Relaxed);
        Ok(Outcome::default())
    }
}

fn bench_job(i: u64) -> NewJob {
    let mut job = NewJob::new(KIND, None);
    job.payload = serde_json::json!({ "i": i });
    job
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

pub async fn queue(store: Arc<dyn Store>, opts: &QueueBench) -> Result<()> {
    if opts.jobs == 0 || opts.concurrency == 0 || opts.workers == 0 || opts.producers == 0 || opts.batch == 0 {
        bail!("--jobs, --concurrency, --workers, --producers and --batch must be at least 1");
    }
    let before = store.queue_stats().await?;
    if before.iter().any(|k| k.kind == KIND && (k.ready + k.running + k.delayed) > 0) {
        bail!("the store already has queued {KIND} jobs; use a fresh database or schema for benchmarks");
    }
    println!(
        "queue bench on {}: {} no-op jobs, {} producers × batches of {}, {} workers × concurrency {}",
        store.backend(),
        opts.jobs,
        opts.producers,
        opts.batch,
        opts.workers,
        opts.concurrency
    );

    // 1. Enqueue → complete, producers and workers running at the same time.
    let handler = Arc::new(Noop { done: AtomicU64::new(0), started: watch::channel(None).0 });
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut workers = Vec::new();
    for _ in 0..opts.workers {
        let config = WorkerConfig {
            concurrency: opts.concurrency,
            poll_interval: Duration::from_millis(50),
            ..Default::default()
        };
        let worker = Worker::new(store.clone(), config).handle(KIND, handler.clone());
        let rx = stop_rx.clone();
        workers.push(tokio::spawn(async move { worker.run(rx).await }));
    }
    let started = Instant::now();
    let mut producers = Vec::new();
    let per = opts.jobs.div_ceil(opts.producers as u64);
    for p in 0..opts.producers as u64 {
        let (store, batch) = (store.clone(), opts.batch as u64);
        let range = (p * per)..((p + 1) * per).min(opts.jobs);
        producers.push(tokio::spawn(async move {
            let mut i = range.start;
            while i < range.end {
                let end = (i + batch).min(range.end);
                if batch == 1 {
                    store.enqueue(bench_job(i)).await?;
                } else {
                    store.enqueue_many((i..end).map(bench_job).collect()).await?;
                }
                i = end;
            }
            anyhow::Ok(())
        }));
    }
    for p in producers {
        p.await??;
    }
    let enqueued_in = started.elapsed();
    while handler.done.load(Ordering::Relaxed) < opts.jobs {
        tokio::time::sleep(Duration::from_millis(5)).await;
        if started.elapsed() > Duration::from_secs(600) {
            bail!("gave up after 10 minutes with {} of {} done", handler.done.load(Ordering::Relaxed), opts.jobs);
        }
    }
    let total = started.elapsed();
    println!(
        "enqueue→complete: {:.0} jobs/s ({} jobs in {:.2} s; enqueueing alone took {:.2} s = {:.0} jobs/s)",
        opts.jobs as f64 / total.as_secs_f64(),
        opts.jobs,
        total.as_secs_f64(),
        enqueued_in.as_secs_f64(),
        opts.jobs as f64 / enqueued_in.as_secs_f64()
    );

    // 2. Wake-up latency: an idle worker (polling only every 10 s) and a job enqueued now.
    let _ = stop_tx.send(true);
    for w in workers {
        w.await??;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let idle = WorkerConfig { concurrency: 1, poll_interval: Duration::from_secs(10), ..Default::default() };
    let worker = Worker::new(store.clone(), idle).handle(KIND, handler.clone());
    let running = tokio::spawn(async move { worker.run(stop_rx).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut started_rx = handler.started.subscribe();
    let mut wake = Vec::new();
    for i in 0..opts.samples.min(100) {
        started_rx.borrow_and_update();
        let t0 = Instant::now();
        store.enqueue(bench_job(opts.jobs + i as u64)).await?;
        if tokio::time::timeout(Duration::from_secs(15), started_rx.changed()).await.is_err() {
            bail!("a job enqueued to an idle worker did not start within 15 s");
        }
        let started_at = started_rx.borrow().expect("set by the handler");
        wake.push(started_at.duration_since(t0));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(true);
    running.await??;
    wake.sort();
    println!(
        "idle worker wake-up (enqueue → handler starts, poll interval 10 s): p50 {} p99 {} max {}",
        ms(percentile(&wake, 0.5)),
        ms(percentile(&wake, 0.99)),
        ms(*wake.last().expect("samples"))
    );

    // 3. Claim latency with a deep queue.
    if let Some(depth) = opts.depth {
        let shallow = claim_latency(store.as_ref(), opts.samples).await?;
        let started = Instant::now();
        let mut i = 0;
        while i < depth {
            let end = (i + 10_000).min(depth);
            let mut jobs: Vec<NewJob> = (i..end).map(bench_job).collect();
            for j in &mut jobs {
                j.kind = "bench.depth".into();
            }
            store.enqueue_many(jobs).await?;
            i = end;
        }
        println!("queued {depth} jobs in {:.1} s", started.elapsed().as_secs_f64());
        let deep = claim_latency(store.as_ref(), opts.samples).await?;
        for (label, l) in [("empty queue", &shallow), (&format!("{depth} queued") as &str, &deep)] {
            println!("claim (1 job, then complete) with {label}: p50 {} p99 {}", ms(l.0), ms(l.1));
        }
    }
    Ok(())
}

/// p50 and p99 of claiming one due job of another kind while `bench.depth` jobs wait, then completing it.
async fn claim_latency(store: &dyn Store, samples: usize) -> Result<(Duration, Duration)> {
    let kinds = [KIND.to_string()];
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples {
        store.enqueue(bench_job(u64::MAX / 2 + i as u64)).await?;
        let t0 = Instant::now();
        let got = store.claim("bench", &kinds, None, 1, 60_000).await?;
        times.push(t0.elapsed());
        let Some(job) = got.first() else { bail!("claim found nothing") };
        store.complete(job.id, "bench", vec![], vec![]).await?;
    }
    times.sort();
    Ok((percentile(&times, 0.5), percentile(&times, 0.99)))
}

#[derive(clap::Subcommand)]
pub enum BenchCommand {
    /// No-op jobs through the queue: enqueue→complete throughput, idle wake-up latency, claim latency at depth.
    Queue(QueueBench),
}

/// `leadsmith bench …`.
pub async fn run(ctx: &super::Ctx, command: &BenchCommand) -> Result<()> {
    match command {
        BenchCommand::Queue(opts) => queue(ctx.store().await?, opts).await,
    }
}
