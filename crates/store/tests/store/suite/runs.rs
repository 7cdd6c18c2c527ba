//! Suite cases for runs: final status, keyed creation (with the request's fingerprint), cancellation.

use std::sync::Arc;

use leadsmith_store::{JobState, KeyedRun, NewJob, Store};
use serde_json::json;

pub async fn runs_finish_with_a_status(s: Arc<dyn Store>) {
    let run = s.create_run("f.csv", &json!({"limit": 5}), None).await.unwrap();
    let mut ok = NewJob::new("crawl", None);
    ok.run_id = Some(run);
    let mut bad = ok.clone();
    bad.max_attempts = 1;
    s.enqueue(ok).await.unwrap();
    s.enqueue(bad).await.unwrap();
    for j in s.claim("w", &[], None, 2, 60_000).await.unwrap() {
        if j.max_attempts == 1 {
            s.fail(j.id, "w", "boom", None).await.unwrap();
        } else {
            s.complete(j.id, "w", vec![], vec![]).await.unwrap();
        }
    }
    let info = s.finish_run_if_done(run).await.unwrap().unwrap();
    assert_eq!(info.status, "completed_with_errors");
    assert!(info.finished_at.is_some());
    assert_eq!(s.latest_run_for_source("f.csv").await.unwrap().unwrap().id, run);
}

pub async fn keyed_runs_are_created_once(s: Arc<dyn Store>) {
    let a = s.create_run("f.csv", &json!({"limit": 5}), Some("schedule:nightly:1000")).await.unwrap();
    let b = s.create_run("f.csv", &json!({"limit": 5}), Some("schedule:nightly:1000")).await.unwrap();
    let c = s.create_run("f.csv", &json!({}), Some("schedule:nightly:2000")).await.unwrap();
    let d = s.create_run("f.csv", &json!({}), None).await.unwrap();
    let e = s.create_run("f.csv", &json!({}), None).await.unwrap();
    assert_eq!(a, b, "the same key is the same run");
    assert_eq!(s.list_runs(10).await.unwrap().len(), 4);
    assert!(a != c && c != d && d != e);
}

pub async fn keyed_runs_keep_the_fingerprint_they_were_created_with(s: Arc<dyn Store>) {
    let params = json!({"source": "store:all"});
    let a = s.create_keyed_run("store:all", &params, "api:crm:nightly-1", "sha256:aaa").await.unwrap();
    assert_eq!((a.created, a.fingerprint.as_deref()), (true, Some("sha256:aaa")));
    // The key again, with the same request or another: the first run and its fingerprint, nothing created.
    for fingerprint in ["sha256:aaa", "sha256:bbb"] {
        let again = s.create_keyed_run("store:all", &params, "api:crm:nightly-1", fingerprint).await.unwrap();
        assert_eq!(again, KeyedRun { id: a.id, created: false, fingerprint: Some("sha256:aaa".into()) });
    }
    // Keys made by `create_run` (schedules) share the namespace and have no fingerprint.
    let slot = s.create_run("f.csv", &json!({}), Some("schedule:nightly:1000")).await.unwrap();
    let keyed = s.create_keyed_run("f.csv", &json!({}), "schedule:nightly:1000", "sha256:ccc").await.unwrap();
    assert_eq!(keyed, KeyedRun { id: slot, created: false, fingerprint: None });
    let b = s.create_keyed_run("store:all", &params, "api:crm:nightly-2", "sha256:aaa").await.unwrap();
    assert!(b.created && b.id != a.id);
    assert_eq!(s.list_runs(10).await.unwrap().len(), 3);
}

pub async fn cancel_stops_a_run_without_losing_finished_work(s: Arc<dyn Store>) {
    let run = s.create_run("f", &json!({}), None).await.unwrap();
    let mut ids = Vec::new();
    for lead in 1..=3 {
        let mut job = NewJob::new("crawl", Some(lead));
        job.run_id = Some(run);
        ids.push(s.enqueue(job).await.unwrap().unwrap());
    }
    let running = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    let info = s.cancel_run(run).await.unwrap().unwrap();
    assert_eq!(info.status, "cancelled");
    assert!(info.finished_at.is_some());
    let counts = s.queue_counts(Some(run)).await.unwrap();
    assert_eq!((counts[0].ready, counts[0].running, counts[0].cancelled), (0, 1, 2));
    assert!(s.claim("w", &[], None, 10, 60_000).await.unwrap().is_empty(), "cancelled jobs are not handed out");
    // The job in hand finishes; its follow-up is not queued.
    s.complete(running.id, "w", vec![], vec![NewJob::new("score", Some(1))]).await.unwrap();
    assert_eq!(s.job(running.id).await.unwrap().unwrap().state, JobState::Done);
    assert!(s.queue_counts(Some(run)).await.unwrap().iter().all(|k| k.kind != "score"));
    assert!(s.queue_stats().await.unwrap().iter().all(|k| k.kind != "score" || k.ready == 0));
    let after = s.finish_run_if_done(run).await.unwrap().unwrap();
    assert_eq!(after.status, "cancelled", "a cancelled run stays cancelled");
    assert_eq!(s.cancel_run(run).await.unwrap().unwrap().status, "cancelled");
    assert!(s.cancel_run(run + 1000).await.unwrap().is_none());
    let other = s.create_run("g", &json!({}), None).await.unwrap();
    let done = s.finish_run_if_done(other).await.unwrap().unwrap();
    assert_eq!(done.status, "completed");
    assert_eq!(s.cancel_run(other).await.unwrap().unwrap().status, "completed", "an ended run is left alone");
}
