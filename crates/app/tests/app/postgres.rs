//! The binary against PostgreSQL, as a fleet runs it: several worker processes on one database, a worker
//! killed with SIGKILL, the database going away mid-run, and schedulers in two processes. Each test gets
//! its own schema. Requires PostgreSQL (`LEADSMITH_TEST_PG_URL`, or the system's binaries for a throwaway
//! cluster); a test that cannot connect fails.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::support::{
    assert_run_exact, cmd, completed, leadsmith, pg_url, sample_setup, spawn_worker, start_run, wait_exit,
    wait_for_scores,
};

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
    // The next worker on this host sees the dead process's jobs and takes them back at once. Its idle
    // limit outlasts a job retry's first backoff (5 s ± 20 %), so a retried job is not left behind.
    let (code, stderr) = wait_exit(spawn_worker(&url, &config, &["--idle-exit", "8s"]), Duration::from_secs(180));
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
