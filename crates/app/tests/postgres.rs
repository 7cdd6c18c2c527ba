//! The binary against PostgreSQL, as a fleet runs it: several worker processes on one database, a worker
//! killed with SIGKILL, the database going away mid-run, and schedulers in two processes. Each test gets
//! its own schema. Requires PostgreSQL (`LEADSMITH_TEST_PG_URL`, default the local `test` database); a
//! test that cannot connect fails.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use leadsmith_store::{JobState, Store};

mod support;
use support::{leadsmith, pg_url, sample_setup};

fn cmd(url: &str, config: &std::path::Path, args: &[&str]) -> Command {
    let mut c = leadsmith();
    c.arg("--db").arg(url).arg("--config").arg(config).args(args);
    c
}

fn start_run(url: &str, config: &std::path::Path, leads: &std::path::Path) -> i64 {
    let out = cmd(url, config, &["runs", "start", "--source"]).arg(leads).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout.split_whitespace().nth(1).and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("no run id: {stdout}"))
}

fn spawn_worker(url: &str, config: &std::path::Path, extra: &[&str]) -> Child {
    cmd(url, config, &["worker"]).args(extra).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
}

/// Waits until `n` score jobs are done.
async fn wait_for_scores(store: &dyn Store, n: u64) {
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

fn wait_exit(child: Child, limit: Duration) -> (i32, String) {
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
fn completed(stderr: &str) -> u64 {
    let line = stderr.lines().find(|l| l.starts_with("worker done:")).unwrap_or_else(|| panic!("{stderr}"));
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// Every lead of the run went through both stages once: one done job per stage and lead, each on its
/// first attempt unless `allow_retries`, and one result per stage.
async fn assert_run_exact(store: &dyn Store, run: i64, leads: u64, allow_retries: bool) {
    let info = store.run(run).await.unwrap().unwrap();
    assert_eq!(info.status, "completed", "{info:?}");
    let counts = store.queue_counts(Some(run)).await.unwrap();
    for stage in ["crawl", "score"] {
        let k = counts.iter().find(|k| k.kind == stage).unwrap();
        assert_eq!((k.done, k.ready, k.running, k.dead, k.cancelled), (leads, 0, 0, 0, 0), "{stage}: {k:?}");
    }
    let mut scored = 0;
    for id in 1..=(2 * leads as i64) {
        let job = store.job(id).await.unwrap().unwrap_or_else(|| panic!("job {id} missing"));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_worker_processes_share_one_run_without_processing_a_job_twice() {
    let Some(url) = pg_url("ls_app").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 11, 60, (20, 60), 4).await;
    let run = start_run(&url, &config, &leads);
    let workers: Vec<Child> =
        (0..4).map(|_| spawn_worker(&url, &config, &["--concurrency", "4", "--idle-exit", "3s"])).collect();
    let mut total = 0;
    let mut busy = 0;
    for w in workers {
        let (code, stderr) = wait_exit(w, Duration::from_secs(180));
        assert_eq!(code, 0, "{stderr}");
        let n = completed(&stderr);
        total += n;
        busy += usize::from(n > 0);
    }
    let n = web.sites().len() as u64;
    assert_eq!(total, 2 * n, "completions across the four processes add up to the jobs exactly");
    assert!(busy >= 2, "the work was shared");
    let store = leadsmith_store::open(&url).await.unwrap();
    assert_run_exact(store.as_ref(), run, n, false).await;
    let shown = cmd(&url, &config, &["runs", "show", &run.to_string()]).output().unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(&format!("found {n} · queued 0 · running 0 · processed {n} · failed 0 · dead 0")),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_loses_nothing() {
    let Some(url) = pg_url("ls_app").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 12, 40, (100, 200), 4).await;
    let run = start_run(&url, &config, &leads);
    let store = leadsmith_store::open(&url).await.unwrap();
    let mut victim = spawn_worker(&url, &config, &["--concurrency", "6"]);
    wait_for_scores(store.as_ref(), 5).await;
    victim.kill().unwrap();
    victim.wait().unwrap();
    let held: u64 = store.queue_counts(Some(run)).await.unwrap().iter().map(|k| k.running).sum();
    // The next worker on this host sees the dead process's jobs and takes them back at once.
    let (code, stderr) = wait_exit(spawn_worker(&url, &config, &["--idle-exit", "3s"]), Duration::from_secs(180));
    assert_eq!(code, 0, "{stderr}");
    if held > 0 {
        assert!(stderr.contains(&format!("recovered {held} jobs")), "{stderr}");
    }
    assert_run_exact(store.as_ref(), run, web.sites().len() as u64, true).await;
}

/// A TCP proxy in front of PostgreSQL that can drop every connection and refuse new ones for a while:
/// what clients see when the server restarts.
struct FlakyProxy {
    addr: std::net::SocketAddr,
    down: Arc<AtomicBool>,
    conns: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl FlakyProxy {
    async fn start(target: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let conns: Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (d, c) = (down.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                c.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { addr, down, conns }
    }

    /// Drops every open connection and refuses new ones for `outage`.
    async fn restart(&self, outage: Duration) {
        self.down.store(true, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
        tokio::time::sleep(outage).await;
        self.down.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_ride_out_a_database_restart() {
    let Some(url) = pg_url("ls_app").await else { return };
    let parsed = url::Url::parse(&url).unwrap();
    let target = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap_or(5432));
    let proxy = FlakyProxy::start(target.parse().unwrap()).await;
    let mut via_proxy = parsed.clone();
    via_proxy.set_port(Some(proxy.addr.port())).unwrap();
    via_proxy.set_host(Some("127.0.0.1")).unwrap();
    let proxied = via_proxy.to_string();

    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 13, 40, (80, 160), 4).await;
    let run = start_run(&proxied, &config, &leads);
    let store = leadsmith_store::open(&url).await.unwrap();
    let workers: Vec<Child> =
        (0..2).map(|_| spawn_worker(&proxied, &config, &["--concurrency", "4", "--idle-exit", "4s"])).collect();
    wait_for_scores(store.as_ref(), 5).await;
    proxy.restart(Duration::from_secs(2)).await;
    let before = store.queue_counts(Some(run)).await.unwrap();
    assert!(before.iter().any(|k| k.ready + k.running > 0), "the outage hit mid-run: {before:?}");
    for w in workers {
        let (code, stderr) = wait_exit(w, Duration::from_secs(180));
        assert_eq!(code, 0, "{stderr}");
    }
    assert_run_exact(store.as_ref(), run, web.sites().len() as u64, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedulers_in_two_processes_fire_each_slot_once() {
    let Some(url) = pg_url("ls_app").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (_web, _server, config, leads) = sample_setup(dir.path(), 14, 3, (0, 0), 2).await;
    let add = cmd(&url, &config, &["schedules", "add", "often", "--every", "2s", "--", "runs", "start", "--source"])
        .arg(&leads)
        .args(["--stages", "score"])
        .output()
        .unwrap();
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let list = cmd(&url, &config, &["schedules", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(listed.contains("often") && listed.contains("every 2s") && listed.contains("active"), "{listed}");

    let spawn = || cmd(&url, &config, &["-v", "worker"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let workers = [spawn(), spawn()];
    tokio::time::sleep(Duration::from_secs(9)).await;
    for w in &workers {
        assert!(Command::new("kill").args(["-TERM", &w.id().to_string()]).status().unwrap().success());
    }
    let mut fired = 0;
    for w in workers {
        let (code, stderr) = wait_exit(w, Duration::from_secs(60));
        assert_eq!(code, 0, "{stderr}");
        fired += stderr.lines().filter(|l| l.contains("schedule fired")).count();
    }
    let store = leadsmith_store::open(&url).await.unwrap();
    let schedule = store.schedules().await.unwrap().remove(0);
    let run_jobs = store.queue_counts(None).await.unwrap().into_iter().find(|k| k.kind == "run").unwrap();
    let runs = store.list_runs(100).await.unwrap();
    assert!((3..=6).contains(&fired), "a 2 s schedule over ~9 s fired {fired} times");
    assert_eq!(run_jobs.ready + run_jobs.running + run_jobs.done + run_jobs.dead, fired as u64, "one job per firing");
    assert!(runs.len() >= fired - 1 && runs.len() <= fired, "one run per slot: {} runs, {fired} firings", runs.len());
    assert!(schedule.last_fired_ms.is_some() && schedule.next_fire_ms > schedule.last_fired_ms.unwrap());

    let pause = cmd(&url, &config, &["schedules", "pause", "often"]).output().unwrap();
    assert!(String::from_utf8_lossy(&pause.stdout).contains("paused schedule often"));
    let remove = cmd(&url, &config, &["schedules", "remove", "often"]).output().unwrap();
    assert!(remove.status.success());
    let again = cmd(&url, &config, &["schedules", "remove", "often"]).output().unwrap();
    assert!(!again.status.success() && String::from_utf8_lossy(&again.stderr).contains("no schedule \"often\""));
}

#[tokio::test]
async fn migrate_reports_the_schema_and_bad_urls_fail_clearly() {
    let Some(url) = pg_url("ls_app").await else { return };
    let out = leadsmith().args(["--db", &url, "migrate"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("postgres store") && stdout.contains("schema version"), "{stdout}");
    let bad = leadsmith().args(["--db", "postgres://leadsmith:hunter2@127.0.0.1:1/nope", "migrate"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(stderr.contains("127.0.0.1:1") && !stderr.contains("hunter2"), "{stderr}");
}
