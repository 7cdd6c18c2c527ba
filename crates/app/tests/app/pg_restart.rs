//! A real PostgreSQL restart in the middle of a run. The test starts a throwaway cluster of its own
//! (`leadsmith_testkit::pg::TempCluster`) and restarts that one, so the other PostgreSQL tests running
//! beside it never see their server go away. `postgres.rs` covers the same from the clients' side, with a
//! proxy that drops every connection.

use std::time::{Duration, Instant};

use leadsmith_testkit::pg::TempCluster;

use crate::support::{assert_run_exact, sample_setup, spawn_worker, start_run, wait_exit, wait_for_scores};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_reconnect_after_a_real_server_restart() {
    if std::env::var("LEADSMITH_TEST_PG").as_deref() == Ok("skip") {
        eprintln!("LEADSMITH_TEST_PG=skip: not running this PostgreSQL test");
        return;
    }
    let cluster = TempCluster::start().unwrap_or_else(|e| panic!("a PostgreSQL cluster to restart: {e}"));
    let url = leadsmith_store::scratch_schema_url(&cluster.url(), "ls_restart").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 31, 40, (80, 160), 4).await;
    let run = start_run(&url, &config, &leads);
    let workers: Vec<_> =
        (0..2).map(|_| spawn_worker(&url, &config, &["--concurrency", "4", "--idle-exit", "5s"])).collect();
    {
        let store = leadsmith_store::open(&url).await.unwrap();
        wait_for_scores(store.as_ref(), 5).await;
    }
    cluster.restart().unwrap_or_else(|e| panic!("restarting PostgreSQL: {e}"));
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
