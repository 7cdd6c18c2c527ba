//! A real PostgreSQL restart in the middle of a run. Its own test binary, so nothing else runs while the
//! server is down (cargo runs test binaries one after another). It needs a command that restarts the
//! server: `LEADSMITH_TEST_PG_RESTART` (`.ci/run` sets it to `pg_ctlcluster … main restart`); without one it
//! says so and checks nothing. `tests/postgres.rs` covers the same from the clients' side on any machine,
//! with a proxy that drops every connection.

use std::process::Command;
use std::time::{Duration, Instant};

mod support;
use support::{assert_run_exact, pg_url, sample_setup, spawn_worker, start_run, wait_exit, wait_for_scores};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_after_a_real_server_restart() {
    let Ok(restart) = std::env::var("LEADSMITH_TEST_PG_RESTART") else {
        eprintln!("LEADSMITH_TEST_PG_RESTART is not set: no way to restart PostgreSQL here; not run");
        return;
    };
    let Some(url) = pg_url("ls_restart").await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 31, 40, (80, 160), 4).await;
    let run = start_run(&url, &config, &leads);
    let workers: Vec<_> =
        (0..2).map(|_| spawn_worker(&url, &config, &["--concurrency", "4", "--idle-exit", "5s"])).collect();
    {
        let store = leadsmith_store::open(&url).await.unwrap();
        wait_for_scores(store.as_ref(), 5).await;
    }
    let status = Command::new("sh").args(["-c", &restart]).status().unwrap();
    assert!(status.success(), "`{restart}` failed");
    // Back up: the test's own new connection works again.
    let deadline = Instant::now() + Duration::from_secs(60);
    let store = loop {
        match leadsmith_store::open(&url).await {
            Ok(s) => break s,
            Err(e) if Instant::now() < deadline => {
                eprintln!("waiting for PostgreSQL: {e}");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("PostgreSQL did not come back: {e}"),
        }
    };
    let mid = store.queue_counts(Some(run)).await.unwrap();
    assert!(mid.iter().any(|k| k.ready + k.running > 0), "the restart hit mid-run: {mid:?}");
    let mut warned = false;
    for w in workers {
        let (code, stderr) = wait_exit(w, Duration::from_secs(240));
        assert_eq!(code, 0, "{stderr}");
        warned |= stderr.contains("cannot claim jobs") || stderr.contains("store call failed");
    }
    assert!(warned, "the workers noticed the outage");
    assert_run_exact(store.as_ref(), run, web.sites().len() as u64, true).await;
}
