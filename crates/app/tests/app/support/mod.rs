//! Helpers shared by the binary's end-to-end tests.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use leadsmith_store::{JobState, Store};
use leadsmith_testkit::{SampleWeb, ServeOptions};

/// The built binary, with no store or config inherited from the environment.
pub fn leadsmith() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadsmith"));
    cmd.env_remove("LEADSMITH_DB").env_remove("LEADSMITH_CONFIG").env("NO_COLOR", "1");
    cmd
}

/// A small sample web served with per-response latency, its lead list as JSONL and a leadsmith.toml that
/// points the crawler at it. Keep the server alive for the test's length.
pub async fn sample_setup(
    dir: &Path,
    seed: u64,
    sites: usize,
    latency_ms: (u64, u64),
    workers: usize,
) -> (Arc<SampleWeb>, leadsmith_testkit::SampleServer, std::path::PathBuf, std::path::PathBuf) {
    let web = Arc::new(SampleWeb::generate(seed, sites));
    let opts = ServeOptions {
        latency: (Duration::from_millis(latency_ms.0), Duration::from_millis(latency_ms.1)),
        slow_delay: Duration::from_secs(2),
        port: 0,
    };
    let server = web.clone().serve(opts).await.unwrap();
    let config = write_config(dir, &server, workers);
    let leads = dir.join("leads.jsonl");
    std::fs::write(&leads, web.leads_jsonl()).unwrap();
    (web, server, config, leads)
}

pub fn write_config(dir: &Path, server: &leadsmith_testkit::SampleServer, workers: usize) -> std::path::PathBuf {
    let mut toml = String::from(
        "[crawl]\nallow_addresses = [\"127.0.0.1/32\"]\ntimeouts_secs = [1.0, 1.0, 1.0]\nbackoff_secs = [0.05, 0.05, 0.05]\nper_host_interval_ms = 5\n",
    );
    toml.push_str(&format!("[pipeline]\nworkers = {workers}\n[crawl.resolve]\n"));
    for (host, addr) in server.resolve_overrides() {
        toml.push_str(&format!("\"{host}\" = \"{addr}\"\n"));
    }
    let path = dir.join("leadsmith.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// A fresh PostgreSQL schema for one test, as a store URL, on `LEADSMITH_TEST_PG_URL` or, without it, on
/// a throwaway cluster of this test process (`leadsmith_testkit::pg::base_url`). Panics when PostgreSQL cannot be reached: a PostgreSQL test asked to run
/// never skips. Returns `None` only when `LEADSMITH_TEST_PG=skip`.
pub async fn pg_url(prefix: &str) -> Option<String> {
    if std::env::var("LEADSMITH_TEST_PG").as_deref() == Ok("skip") {
        eprintln!("LEADSMITH_TEST_PG=skip: not running this PostgreSQL test");
        return None;
    }
    let base = leadsmith_testkit::pg::base_url();
    match leadsmith_store::scratch_schema_url(&base, prefix).await {
        Ok(url) => Some(url),
        Err(e) => panic!("PostgreSQL test cannot reach {base}: {e} (set LEADSMITH_TEST_PG=skip to skip on purpose)"),
    }
}

// ---- a fleet of worker processes on one store ----

pub fn cmd(url: &str, config: &std::path::Path, args: &[&str]) -> Command {
    let mut c = leadsmith();
    c.arg("--db").arg(url).arg("--config").arg(config).args(args);
    c
}

pub fn start_run(url: &str, config: &std::path::Path, leads: &std::path::Path) -> i64 {
    let out = cmd(url, config, &["runs", "start", "--source"]).arg(leads).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout.split_whitespace().nth(1).and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("no run id: {stdout}"))
}

pub fn spawn_worker(url: &str, config: &std::path::Path, extra: &[&str]) -> Child {
    cmd(url, config, &["worker"]).args(extra).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Waits until `n` score jobs are done.
pub async fn wait_for_scores(store: &dyn Store, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the run never got going");
        let counts = store.queue_counts(None).await.unwrap();
        if counts.iter().find(|k| k.kind == "score").is_some_and(|k| k.done >= n) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub fn wait_exit(child: Child, limit: Duration) -> (i32, String) {
    let pid = child.id();
    let started = Instant::now();
    let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
    while !waiter.is_finished() {
        if started.elapsed() > limit {
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
            panic!("worker {pid} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = waiter.join().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// "worker done: N completed, …" → N.
pub fn completed(stderr: &str) -> u64 {
    let line = stderr.lines().find(|l| l.starts_with("worker done:")).unwrap_or_else(|| panic!("{stderr}"));
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// Every lead of the run went through both stages once: one done job per stage and lead, each on its
/// first attempt unless `allow_retries`, and one result per stage.
pub async fn assert_run_exact(store: &dyn Store, run: i64, leads: u64, allow_retries: bool) {
    let info = store.run(run).await.unwrap().unwrap();
    let counts = store.queue_counts(Some(run)).await.unwrap();
    if info.status != "completed" {
        let mut unfinished = Vec::new();
        for id in 1..=40 * leads as i64 {
            if let Some(job) = store.job(id).await.unwrap()
                && job.run_id == Some(run)
                && job.state != JobState::Done
            {
                unfinished.push(format!("job {} ({}, {:?}): {:?}", job.id, job.kind, job.state, job.errors));
            }
        }
        panic!("run {run} is {}: {counts:?}\n{}", info.status, unfinished.join("\n"));
    }
    for stage in ["crawl", "score"] {
        let k = counts.iter().find(|k| k.kind == stage).unwrap();
        assert_eq!((k.done, k.ready, k.running, k.dead, k.cancelled), (leads, 0, 0, 0, 0), "{stage}: {k:?}");
    }
    let mut scored = 0;
    // Ids have gaps on PostgreSQL (an enqueue that hits a unique key still uses a sequence value).
    let (mut found, mut id) = (0, 0);
    while found < 2 * leads {
        id += 1;
        assert!(id <= 20 * leads as i64, "only {found} of {} jobs found", 2 * leads);
        let Some(job) = store.job(id).await.unwrap() else { continue };
        found += 1;
        assert_eq!(job.state, JobState::Done);
        if !allow_retries {
            assert_eq!(job.attempts, 1, "job {id} was delivered more than once: {job:?}");
        }
        if job.kind == "score" {
            let results = store.stage_results(job.lead_id.unwrap()).await.unwrap();
            assert_eq!(results.iter().filter(|r| r.stage == "score").count(), 1);
            assert_eq!(results.iter().filter(|r| r.stage == "crawl").count(), 1);
            scored += 1;
        }
    }
    assert_eq!(scored, leads);
}

// ---- a real browser engine ----

/// A headless Chromium for tests that load a page in a browser: `LEADSMITH_TEST_BROWSER=PATH`, else the
/// first of `chromium`, `chromium-browser`, `google-chrome` on the PATH. Without one the test is skipped
/// with a note, unless `LEADSMITH_TEST_BROWSER=require` (CI installs Chromium and sets it), which panics.
pub fn browser() -> Option<std::path::PathBuf> {
    let setting = std::env::var("LEADSMITH_TEST_BROWSER").unwrap_or_default();
    if !setting.is_empty() && setting != "require" {
        let path = std::path::PathBuf::from(&setting);
        assert!(path.exists(), "LEADSMITH_TEST_BROWSER={setting}: no such file");
        return Some(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            setting != "require",
            "LEADSMITH_TEST_BROWSER=require but no chromium on the PATH (apt-get install chromium)"
        );
        eprintln!("no chromium on the PATH: browser test skipped (apt-get install chromium to run it)");
    }
    found
}

/// The DOM of `url` after its scripts ran, as headless Chromium serialises it.
pub async fn rendered_dom(browser: &Path, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=10000", "--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
