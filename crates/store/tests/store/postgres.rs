//! The store suite on PostgreSQL, plus what only a shared server does: concurrent claimers on separate
//! connections, job signals across processes, concurrent migrations, schedule compare-and-set between
//! stores, the claim's query plan, and the listener's reconnect.
//!
//! The server is `LEADSMITH_TEST_PG_URL`, or without it a throwaway cluster this test process starts from
//! the system's PostgreSQL binaries (`leadsmith_testkit::pg`); every test works in its own scratch schema. `LEADSMITH_TEST_PG=skip` skips these tests; otherwise a server that cannot be
//! reached fails them: a PostgreSQL test that cannot connect must never pass quietly.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use leadsmith_store::prelude::*;
use leadsmith_store::{NewJob, PgStore, Schedule, Store, StoreError};
use tokio_postgres::NoTls;

fn base_url() -> String {
    leadsmith_testkit::pg::base_url()
}

fn skipped(test: &str) -> bool {
    let skip = std::env::var("LEADSMITH_TEST_PG").is_ok_and(|v| v == "skip");
    if skip {
        eprintln!("{test}: skipped (LEADSMITH_TEST_PG=skip)");
    }
    skip
}

/// A fresh schema on the test server. Panics (fails the test) when the server cannot be reached.
async fn scratch_url() -> String {
    leadsmith_store::scratch_schema_url(&base_url(), "leadsmith_test").await.unwrap_or_else(|e| {
        panic!("these tests need PostgreSQL (LEADSMITH_TEST_PG_URL, or LEADSMITH_TEST_PG=skip to skip them): {e}")
    })
}

async fn connect(url: &str) -> PgStore {
    PgStore::connect(url).await.unwrap_or_else(|e| panic!("connecting the PostgreSQL store: {e}"))
}

/// A raw connection, for setting up what the store's API cannot (bulk rows, plans, killing backends).
async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.expect("raw PostgreSQL connection");
    tokio::spawn(connection);
    client
}

/// The suite's factory: a store on a fresh schema, or `None` with `LEADSMITH_TEST_PG=skip`.
async fn store() -> Option<Arc<dyn Store>> {
    if skipped("store suite case on PostgreSQL") {
        return None;
    }
    Some(Arc::new(connect(&scratch_url().await).await))
}

store_suite!(store);

fn migration_files() -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_get_each_job_exactly_once() {
    if skipped("concurrent_claimers_get_each_job_exactly_once") {
        return;
    }
    const JOBS: i64 = 2_000;
    let url = scratch_url().await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(connect(&url).await);
    }
    let mut enqueuers = tokio::task::JoinSet::new();
    for t in 0..8 {
        let s = stores[t % 4].clone();
        enqueuers.spawn(async move {
            for lead in (t as i64..JOBS).step_by(8) {
                s.enqueue(NewJob::new("crawl", Some(lead))).await.unwrap().expect("no unique key, always inserted");
            }
        });
    }
    enqueuers.join_all().await;

    let mut claimers = tokio::task::JoinSet::new();
    for (w, s) in stores.iter().cloned().enumerate() {
        claimers.spawn(async move {
            let worker = format!("w{w}");
            let mut got = Vec::new();
            loop {
                let batch = s.claim(&worker, &["crawl".into()], None, 16, 60_000).await.unwrap();
                if batch.is_empty() {
                    return got;
                }
                assert!(batch.len() <= 16);
                for job in batch {
                    assert_eq!(job.worker.as_deref(), Some(worker.as_str()));
                    s.complete(job.id, &worker, vec![], vec![]).await.unwrap();
                    got.push(job.id);
                }
            }
        });
    }
    let per_worker = claimers.join_all().await;
    let all: Vec<i64> = per_worker.iter().flatten().copied().collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "a job was claimed twice");
    assert_eq!(all.len() as i64, JOBS, "every job claimed: {:?}", per_worker.iter().map(Vec::len).collect::<Vec<_>>());
    let counts = stores[0].queue_counts(None).await.unwrap();
    assert_eq!((counts[0].done, counts[0].ready, counts[0].running), (JOBS as u64, 0, 0));
}

/// Workers on separate connections ending the last jobs of a run at the same moment each see the other's job
/// still running; the run must be finished all the same, by exactly the transaction that ends it last.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_last_completions_finish_their_run() {
    if skipped("concurrent_last_completions_finish_their_run") {
        return;
    }
    const RUNS: usize = 30;
    const JOBS: i64 = 4;
    let url = scratch_url().await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(connect(&url).await);
    }
    for _ in 0..RUNS {
        let run = stores[0].create_run("f", &serde_json::json!({}), None).await.unwrap();
        let jobs: Vec<NewJob> = (0..JOBS)
            .map(|lead| {
                let mut job = NewJob::new("crawl", Some(lead));
                job.run_id = Some(run);
                job
            })
            .collect();
        stores[0].enqueue_many(jobs).await.unwrap();
        // Each store holds one of the run's jobs, then all complete together.
        let mut held = Vec::new();
        for (w, s) in stores.iter().enumerate() {
            held.push((
                s.clone(),
                format!("w{w}"),
                s.claim(&format!("w{w}"), &[], Some(run), 1, 60_000).await.unwrap(),
            ));
        }
        let barrier = Arc::new(tokio::sync::Barrier::new(held.len()));
        let mut tasks = tokio::task::JoinSet::new();
        for (s, worker, jobs) in held {
            let barrier = barrier.clone();
            tasks.spawn(async move {
                barrier.wait().await;
                for job in jobs {
                    s.complete(job.id, &worker, vec![], vec![]).await.unwrap();
                }
            });
        }
        tasks.join_all().await;
        let info = stores[1].run(run).await.unwrap().unwrap();
        assert_eq!(info.status, "completed", "run {run} after its last jobs ended concurrently");
    }
}

/// A run left `running` with every job ended (by a leadsmith that set the run's status in a transaction of
/// its own and crashed before it) is finished by the next recovery; a run whose jobs are not queued yet is
/// left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_finishes_a_run_stranded_running() {
    if skipped("recovery_finishes_a_run_stranded_running") {
        return;
    }
    let url = scratch_url().await;
    let s = connect(&url).await;
    let run = s.create_run("f.csv", &serde_json::json!({}), None).await.unwrap();
    let mut job = NewJob::new("crawl", Some(1));
    job.run_id = Some(run);
    s.enqueue(job).await.unwrap();
    let job = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    s.complete(job.id, "w", vec![], vec![]).await.unwrap();
    let starting = s.create_run("g.csv", &serde_json::json!({}), None).await.unwrap();
    raw(&url)
        .await
        .execute("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = $1", &[&run])
        .await
        .unwrap();
    assert_eq!(s.run(run).await.unwrap().unwrap().status, "running");
    assert_eq!(s.recover_jobs(vec![]).await.unwrap(), 0, "no job needed recovering");
    let info = s.run(run).await.unwrap().unwrap();
    assert_eq!((info.status.as_str(), info.finished_at.is_some()), ("completed", true));
    assert_eq!(s.run(starting).await.unwrap().unwrap().status, "running");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn job_signal_reaches_other_processes_of_the_same_schema_only() {
    if skipped("job_signal_reaches_other_processes_of_the_same_schema_only") {
        return;
    }
    let url = scratch_url().await;
    let (producer, consumer) = (connect(&url).await, connect(&url).await);
    let elsewhere = connect(&scratch_url().await).await;
    let mut rx = consumer.job_signal();
    let mut other = elsewhere.job_signal();
    rx.borrow_and_update();
    other.borrow_and_update();
    producer.enqueue(NewJob::new("crawl", None)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(1), rx.changed())
        .await
        .expect("another store on the schema hears the enqueue within 1 s")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!other.has_changed().unwrap(), "a store on another schema is not woken");

    // Releasing a job is a signal too; a claim is not.
    let job = producer.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    rx.borrow_and_update();
    producer.release(job.id, "w").await.unwrap();
    tokio::time::timeout(Duration::from_secs(1), rx.changed()).await.expect("release signals").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent_and_safe_to_run_concurrently() {
    if skipped("migrations_are_idempotent_and_safe_to_run_concurrently") {
        return;
    }
    let url = scratch_url().await;
    let (a, b, c, d) =
        tokio::join!(PgStore::connect(&url), PgStore::connect(&url), PgStore::connect(&url), PgStore::connect(&url));
    for store in [a, b, c, d] {
        let store = store.expect("every concurrent connect migrates or waits for the one that does");
        assert_eq!(store.schema_version().await.unwrap(), migration_files());
    }
    // Connecting again applies nothing.
    assert_eq!(connect(&url).await.schema_version().await.unwrap(), migration_files());

    // A database migrated by a newer leadsmith is refused, not used.
    raw(&url).await.batch_execute("INSERT INTO leadsmith_migrations VALUES (99, 'later')").await.unwrap();
    match PgStore::connect(&url).await {
        Err(StoreError::SchemaTooNew { found: 99, supported }) => assert_eq!(supported, migration_files()),
        Err(e) => panic!("expected SchemaTooNew, got {e}"),
        Ok(_) => panic!("expected SchemaTooNew, connected"),
    }
}

fn schedule(name: &str, next: i64) -> Schedule {
    Schedule {
        name: name.into(),
        spec: "every 1s".into(),
        command: vec!["runs".into(), "start".into()],
        catch_up: true,
        paused: false,
        next_fire_ms: next,
        last_fired_ms: None,
        created_at: "2026-11-22T00:00:00Z".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_slots_fire_once_across_stores() {
    if skipped("schedule_slots_fire_once_across_stores") {
        return;
    }
    let url = scratch_url().await;
    let (a, b) = (connect(&url).await, connect(&url).await);
    assert!(a.add_schedule(schedule("tick", 1_000)).await.unwrap());
    assert!(!b.add_schedule(schedule("tick", 1_000)).await.unwrap(), "the name is taken, whichever store asks");
    const SLOTS: i64 = 20;
    for slot in 1..=SLOTS {
        let fire = || {
            let mut job = NewJob::new("schedule", None);
            job.unique_key = Some(format!("schedule:tick:{}", slot * 1_000));
            job
        };
        let (ra, rb) = tokio::join!(
            a.advance_schedule("tick", slot * 1_000, (slot + 1) * 1_000, Some(fire())),
            b.advance_schedule("tick", slot * 1_000, (slot + 1) * 1_000, Some(fire())),
        );
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert!(ra ^ rb, "slot {slot}: exactly one scheduler advances it (a: {ra}, b: {rb})");
    }
    let counts = a.queue_counts(None).await.unwrap();
    assert_eq!(counts.iter().find(|k| k.kind == "schedule").unwrap().ready, SLOTS as u64, "one job per slot");
    let tick = b.schedules().await.unwrap().remove(0);
    assert_eq!((tick.next_fire_ms, tick.last_fired_ms), ((SLOTS + 1) * 1_000, Some(SLOTS * 1_000)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claim_is_index_driven() {
    if skipped("claim_is_index_driven") {
        return;
    }
    let url = scratch_url().await;
    let _store = connect(&url).await;
    let db = raw(&url).await;
    // 20,000 due ready jobs of two kinds and as many finished ones, as a busy queue has.
    db.batch_execute(
        "INSERT INTO jobs (kind, run_id, state, priority, run_at, created_at, updated_at)
         SELECT CASE WHEN g % 4 = 0 THEN 'score' ELSE 'crawl' END, g % 50, CASE WHEN g <= 20000 THEN 'ready' ELSE 'done' END,
                g % 3, g, g, g
         FROM generate_series(1, 40000) g;
         ANALYZE jobs;",
    )
    .await
    .unwrap();
    let now = leadsmith_store::now_ms();
    for (kinds, by_run) in [(0, false), (1, false), (2, false), (1, true)] {
        let sql = PgStore::claim_pick_sql(kinds, by_run);
        let mut types = vec!["bigint", "bigint"];
        let mut args = vec![format!("{now}"), "16".to_string()];
        match kinds {
            0 => {}
            1 => {
                types.push("text");
                args.push("'crawl'".into());
            }
            _ => {
                types.push("text[]");
                args.push("ARRAY['crawl', 'score']".into());
            }
        }
        if by_run {
            types.push("bigint");
            args.push("7".into());
        }
        // Both the plan for these values and the generic plan a cached prepared statement ends up with.
        for mode in ["force_custom_plan", "force_generic_plan"] {
            db.batch_execute(&format!("DEALLOCATE ALL; SET plan_cache_mode = {mode}")).await.unwrap();
            db.batch_execute(&format!("PREPARE pick({}) AS {sql}", types.join(", "))).await.unwrap();
            let plan: Vec<String> = db
                .query(&format!("EXPLAIN EXECUTE pick({})", args.join(", ")), &[])
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
            let plan = plan.join("\n");
            assert!(plan.contains("Index"), "kinds {kinds}, run {by_run}, {mode}: no index in\n{plan}");
            assert!(!plan.contains("Seq Scan on jobs"), "kinds {kinds}, run {by_run}, {mode}: table scan in\n{plan}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listener_reconnects_and_stops_with_the_store() {
    if skipped("listener_reconnects_and_stops_with_the_store") {
        return;
    }
    let url = scratch_url().await;
    let app = format!("leadsmith_listener_test_{}", std::process::id());
    let (store, producer) = (connect(&format!("{url}&application_name={app}")).await, connect(&url).await);
    let db = raw(&url).await;
    let mut rx = store.job_signal();
    rx.borrow_and_update();
    let killed: i64 = db
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = $1 AND query LIKE 'LISTEN%'",
            &[&app],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(killed, 1, "the store's listener connection");
    tokio::time::timeout(Duration::from_secs(3), rx.changed())
        .await
        .expect("the listener reconnects and signals that it may have missed something")
        .unwrap();
    rx.borrow_and_update();
    producer.enqueue(NewJob::new("crawl", None)).await.unwrap();
    tokio::time::timeout(Duration::from_secs(1), rx.changed()).await.expect("notifications arrive again").unwrap();
    assert_eq!(store.count_leads().await.unwrap(), 0, "the pool is unaffected");

    // Dropping the store closes the listener (its task ends) and the pool.
    drop(store);
    let mut left: i64 = -1;
    for _ in 0..40 {
        left = db
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", &[&app])
            .await
            .unwrap()
            .get(0);
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left, 0, "connections left open after the store was dropped");
}

#[tokio::test]
async fn connect_errors_name_the_server_but_not_the_password() {
    // No server needed: nothing listens on port 1.
    let err = PgStore::connect("postgres://postgres:s3cret-pw@127.0.0.1:1/test").await.err().expect("refused");
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:1"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");
    assert!(matches!(err, StoreError::Pool(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_picks_the_backend_from_the_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    assert_eq!(leadsmith_store::open(path.to_str().unwrap()).await.unwrap().backend(), "sqlite");
    let url = format!("sqlite://{}", dir.path().join("y.db").display());
    assert_eq!(leadsmith_store::open(&url).await.unwrap().backend(), "sqlite");
    if skipped("open_picks_the_backend_from_the_location (PostgreSQL part)") {
        return;
    }
    let s = leadsmith_store::open(&scratch_url().await).await.unwrap();
    assert_eq!(s.backend(), "postgres");
    assert_eq!(s.schema_version().await.unwrap(), migration_files());
}

// ---- TLS (`sslmode`, `sslrootcert`) against the test server ----

/// The test server's own certificate file, when it has TLS on and the file is readable here (the local
/// server of CI and Debian's default cluster use a self-signed "snakeoil" certificate for `localhost`).
/// Fails the test when the server has TLS off: these tests are meaningless without it.
async fn server_certificate() -> Option<String> {
    if std::env::var("LEADSMITH_TEST_PG_TLS").is_ok_and(|v| v == "skip") || skipped("TLS test") {
        eprintln!("TLS test skipped");
        return None;
    }
    let client = raw(&base_url()).await;
    let ssl: String = client.query_one("SHOW ssl", &[]).await.unwrap().get(0);
    assert_eq!(
        ssl, "on",
        "the TLS tests need a PostgreSQL server with ssl=on: point LEADSMITH_TEST_PG_URL at one, or install \
         the openssl program so the throwaway test cluster gets a certificate (or set LEADSMITH_TEST_PG_TLS=skip)"
    );
    let file: String = client.query_one("SHOW ssl_cert_file", &[]).await.unwrap().get(0);
    // A relative name is relative to the data directory.
    let data: String = client.query_one("SHOW data_directory", &[]).await.unwrap().get(0);
    let file = std::path::Path::new(&data).join(file).to_string_lossy().into_owned();
    assert!(std::fs::metadata(&file).is_ok(), "the server's certificate {file} must be readable by the tests");
    Some(file)
}

/// `url` with `extra` query parameters appended.
fn with_params(url: &str, extra: &str) -> String {
    format!("{url}{}{extra}", if url.contains('?') { '&' } else { '?' })
}

/// Connects a store to `url` + `params` and asks the server whether all of its connections (pool and
/// listener, told apart by a unique `application_name`) are encrypted.
async fn tls_store(url: &str, params: &str) -> (PgStore, bool) {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let name = format!("lstls{}x{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let store = connect(&with_params(url, &format!("{params}&application_name={name}"))).await;
    let row = raw(&base_url())
        .await
        .query_one(
            "SELECT count(*), coalesce(bool_and(s.ssl), false) FROM pg_stat_ssl s \
             JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1",
            &[&name],
        )
        .await
        .unwrap();
    let (connections, all_tls): (i64, bool) = (row.get(0), row.get(1));
    assert!(connections >= 2, "the pool's and the listener's connections are seen ({connections})");
    (store, all_tls)
}

#[tokio::test]
async fn verify_ca_and_verify_full_check_the_servers_certificate() {
    let Some(cert) = server_certificate().await else { return };
    let url = scratch_url().await;
    // verify-ca: the chain must lead to the given CA; the host (127.0.0.1) need not be named in it.
    let (store, tls) = tls_store(&url, &format!("sslmode=verify-ca&sslrootcert={cert}")).await;
    assert!(tls, "verify-ca must encrypt");
    store.enqueue(NewJob::new("crawl", None)).await.expect("the store works over verify-ca TLS");
    // verify-full checks the name too: the snakeoil certificate names `localhost`, not 127.0.0.1.
    let err = PgStore::connect(&with_params(&url, &format!("sslmode=verify-full&sslrootcert={cert}")))
        .await
        .err()
        .expect("verify-full against an address the certificate does not name must fail")
        .to_string();
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    // A CA that did not sign the server's certificate is refused in both modes.
    let other = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(other.path(), OTHER_CA).unwrap();
    for mode in ["verify-ca", "require"] {
        let err =
            PgStore::connect(&with_params(&url, &format!("sslmode={mode}&sslrootcert={}", other.path().display())))
                .await
                .err()
                .unwrap_or_else(|| panic!("{mode} with a foreign CA must fail"))
                .to_string();
        assert!(err.to_lowercase().contains("certificate"), "{mode}: {err}");
    }
}

#[tokio::test]
async fn verify_full_accepts_the_name_in_the_certificate() {
    let Some(cert) = server_certificate().await else { return };
    let url = scratch_url().await;
    // Connect to 127.0.0.1 but check the certificate against `localhost` (libpq's host + hostaddr).
    let named = url.replacen("@127.0.0.1", "@localhost", 1);
    if named == url {
        eprintln!("base URL does not name 127.0.0.1; name check covered by the failing case only");
        return;
    }
    let (_store, tls) = tls_store(&named, &format!("hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={cert}")).await;
    assert!(tls);
}

#[tokio::test]
async fn require_encrypts_and_disable_does_not() {
    if server_certificate().await.is_none() {
        return;
    }
    let url = scratch_url().await;
    assert!(tls_store(&url, "sslmode=require").await.1, "require encrypts");
    assert!(!tls_store(&url, "sslmode=disable").await.1, "disable does not");
    // prefer, libpq's default, encrypts when the server offers TLS.
    assert!(tls_store(&url, "connect_timeout=10").await.1, "prefer encrypts when offered");
}

/// A CA certificate that signed nothing the test server presents.
const OTHER_CA: &str = include_str!("other_ca.pem");
