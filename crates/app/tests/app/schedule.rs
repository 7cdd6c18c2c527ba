//! Schedules in-process on the embedded store: missed slots fire once (or are skipped), a firing starts
//! its run through the queue exactly once; and `runs cancel` through the binary.

use std::sync::Arc;
use std::time::Duration;

use leadsmith::config::Settings;
use leadsmith::pipeline::schedule::{KIND_RUN, Spec, new_schedule, tick};
use leadsmith::startup::worker;
use leadsmith_queue::WorkerConfig;
use leadsmith_store::{SqliteStore, Store, now_ms};

use crate::support::{leadsmith, sample_setup};

fn store() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open_in_memory().unwrap())
}

fn command(source: &std::path::Path) -> Vec<String> {
    vec!["runs".into(), "start".into(), "--source".into(), source.display().to_string(), "--limit".into(), "2".into()]
}

async fn run_jobs(store: &dyn Store) -> u64 {
    store.queue_stats().await.unwrap().iter().find(|k| k.kind == KIND_RUN).map_or(0, |k| k.ready + k.done)
}

#[tokio::test]
async fn a_missed_slot_fires_once_on_start_or_is_skipped() {
    let s = store();
    let hour = 3_600_000;
    let spec = Spec::parse("every 1h").unwrap();
    let source = std::path::Path::new("/tmp/leads.csv");
    let mut catch_up = new_schedule("catch-up", &spec, command(source), true).unwrap();
    // Everything was down for three slots.
    catch_up.next_fire_ms = now_ms() - 3 * hour - 5_000;
    let mut skip = new_schedule("skip", &spec, command(source), false).unwrap();
    skip.next_fire_ms = catch_up.next_fire_ms;
    let mut on_time = new_schedule("on-time", &spec, command(source), false).unwrap();
    on_time.next_fire_ms = now_ms() - 1_000;
    for sched in [catch_up, skip, on_time] {
        assert!(s.add_schedule(sched).await.unwrap());
    }
    let now = now_ms();
    assert_eq!(tick(s.as_ref(), now).await.unwrap(), 2, "the catch-up and the on-time schedule fire, once each");
    assert_eq!(run_jobs(s.as_ref()).await, 2);
    for sched in s.schedules().await.unwrap() {
        assert!(sched.next_fire_ms > now, "{sched:?} is back on its grid, in the future");
        assert_eq!(sched.last_fired_ms.is_some(), sched.name != "skip", "{sched:?}");
    }
    assert_eq!(tick(s.as_ref(), now).await.unwrap(), 0, "nothing is due any more");
    assert_eq!(run_jobs(s.as_ref()).await, 2);
    // Hours later: the paused schedule does not fire, the others skipped their missed slots.
    assert!(s.set_schedule_paused("catch-up", true).await.unwrap());
    assert_eq!(tick(s.as_ref(), now + 2 * hour).await.unwrap(), 0);
    assert_eq!(run_jobs(s.as_ref()).await, 2);
    assert!(s.set_schedule_paused("catch-up", false).await.unwrap());
    assert_eq!(tick(s.as_ref(), now + 2 * hour).await.unwrap(), 1, "resumed, it catches up once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firing_starts_its_run_once_even_if_delivered_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (_web, _server, _config, leads) = sample_setup(dir.path(), 21, 5, (0, 0), 2).await;
    let s = store();
    let mut sched = new_schedule("nightly", &Spec::parse("every 6h").unwrap(), command(&leads), true).unwrap();
    sched.next_fire_ms = now_ms() - 1_000;
    s.add_schedule(sched).await.unwrap();
    assert_eq!(tick(s.as_ref(), now_ms()).await.unwrap(), 1);
    let config = WorkerConfig { exit_when_drained: true, ..Default::default() };
    let (_stop, rx) = tokio::sync::watch::channel(false);
    worker(&s, &Settings::default(), config.clone(), &[KIND_RUN.into()]).await.unwrap().run(rx.clone()).await.unwrap();
    let runs = s.list_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].params["limit"], 2);
    assert_eq!(runs[0].params["found"], 2, "--limit 2 queued two of the file's leads");
    let crawl = s.queue_counts(Some(runs[0].id)).await.unwrap();
    assert_eq!(crawl.iter().find(|k| k.kind == "crawl").unwrap().ready, 2);

    // The same firing delivered again (redriven after a crash) changes nothing.
    let job_id = 1;
    assert_eq!(s.job(job_id).await.unwrap().unwrap().kind, KIND_RUN);
    let mut again = leadsmith_store::NewJob::new(KIND_RUN, None);
    again.payload = s.job(job_id).await.unwrap().unwrap().payload;
    s.enqueue(again).await.unwrap();
    worker(&s, &Settings::default(), config, &[KIND_RUN.into()]).await.unwrap().run(rx).await.unwrap();
    assert_eq!(s.list_runs(10).await.unwrap().len(), 1, "the slot's run is keyed");
    assert_eq!(s.queue_counts(Some(runs[0].id)).await.unwrap().iter().find(|k| k.kind == "crawl").unwrap().ready, 2);
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_cancel_drops_queued_work() {
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 22, 8, (0, 0), 2).await;
    let db = dir.path().join("c.db");
    let run = |args: &[&str]| {
        let out = leadsmith().arg("--db").arg(&db).arg("--config").arg(&config).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["runs", "start", "--source", leads.to_str().unwrap(), "--stages", "crawl"]);
    assert!(ok, "{out}{err}");
    let (ok, out, _) = run(&["runs", "cancel", "1"]);
    let n = web.sites().len();
    assert!(ok && out.contains(&format!("run 1 cancelled: {n} queued jobs dropped")), "{out}");
    let (_, shown, _) = run(&["runs", "show", "1"]);
    assert!(shown.contains("run 1 · cancelled") && shown.contains(&format!("cancelled {n}")), "{shown}");
    let (ok, out, err) = run(&["worker", "--idle-exit", "300ms"]);
    assert!(ok && err.contains("worker done: 0 completed"), "{out}{err}");
    let (ok, out, _) = run(&["runs", "cancel", "1"]);
    assert!(ok && out.contains("already ended (cancelled)"), "{out}");
    let (ok, _, err) = run(&["runs", "cancel", "9"]);
    assert!(!ok && err.contains("no run 9"), "{err}");
    let (ok, _, err) = run(&["runs", "start", "--source", leads.to_str().unwrap(), "--stages", "paint"]);
    assert!(!ok && err.contains("unknown stage \"paint\""), "{err}");
}
