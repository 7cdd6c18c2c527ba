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

/// A new run with a `crawl` job per lead, each with `max_attempts`; the run and its job ids.
async fn run_with_jobs(s: &Arc<dyn Store>, source: &str, leads: &[i64], max_attempts: u32) -> (i64, Vec<i64>) {
    let run = s.create_run(source, &json!({}), None).await.unwrap();
    let mut ids = Vec::new();
    for &lead in leads {
        let mut job = NewJob::new("crawl", Some(lead));
        job.run_id = Some(run);
        job.max_attempts = max_attempts;
        job.unique_key = Some(format!("crawl:{run}:{lead}"));
        ids.push(s.enqueue(job).await.unwrap().unwrap());
    }
    (run, ids)
}

async fn status(s: &Arc<dyn Store>, run: i64) -> String {
    s.run(run).await.unwrap().unwrap().status
}

/// Nobody calls `finish_run_if_done` here: whatever ends a run's last open job (completion, a dead letter by
/// failure, lease expiry or recovery, a deleted lead's cancelled job) sets the run's final status in the
/// same transaction, so no crash in between can strand the run `running`.
pub async fn a_run_finishes_in_the_transaction_that_ends_its_last_job(s: Arc<dyn Store>) {
    // Completion: the run stays open while a job is, and is completed by the last one.
    let (run, _) = run_with_jobs(&s, "done.csv", &[1, 2], 3).await;
    let jobs = s.claim("w", &[], Some(run), 2, 60_000).await.unwrap();
    s.complete(jobs[0].id, "w", vec![], vec![]).await.unwrap();
    assert_eq!(status(&s, run).await, "running", "one job is still running");
    s.complete(jobs[1].id, "w", vec![], vec![]).await.unwrap();
    let info = s.run(run).await.unwrap().unwrap();
    assert_eq!((info.status.as_str(), info.finished_at.is_some()), ("completed", true));
    // A follow-up keeps the run open until it ends too.
    let (run, _) = run_with_jobs(&s, "follow.csv", &[1], 3).await;
    let crawl = s.claim("w", &[], Some(run), 1, 60_000).await.unwrap().remove(0);
    s.complete(crawl.id, "w", vec![], vec![NewJob::new("score", Some(1))]).await.unwrap();
    assert_eq!(status(&s, run).await, "running", "the follow-up is open");
    let score = s.claim("w", &["score".into()], Some(run), 1, 60_000).await.unwrap().remove(0);
    s.complete(score.id, "w", vec![], vec![]).await.unwrap();
    assert_eq!(status(&s, run).await, "completed");

    // A batch acknowledging the last jobs of two runs finishes both.
    let (a, _) = run_with_jobs(&s, "a.csv", &[1], 3).await;
    let (b, _) = run_with_jobs(&s, "b.csv", &[2], 3).await;
    let both = s.claim("w", &[], None, 10, 60_000).await.unwrap();
    assert_eq!(both.len(), 2);
    let done = both.iter().map(|j| leadsmith_store::Completion { job_id: j.id, results: vec![], follow_ups: vec![] });
    s.complete_many("w", done.collect()).await.unwrap();
    assert_eq!((status(&s, a).await, status(&s, b).await), ("completed".into(), "completed".into()));

    // A failure that dead-letters the last open job.
    let (run, _) = run_with_jobs(&s, "fail.csv", &[1, 2], 1).await;
    let jobs = s.claim("w", &[], Some(run), 2, 60_000).await.unwrap();
    s.complete(jobs[0].id, "w", vec![], vec![]).await.unwrap();
    assert_eq!(s.fail(jobs[1].id, "w", "boom", None).await.unwrap(), JobState::Dead);
    assert_eq!(status(&s, run).await, "completed_with_errors");

    // A lease that ran out on the last attempt (found by the next claim's sweep).
    let (run, _) = run_with_jobs(&s, "lease.csv", &[1], 1).await;
    s.claim("w", &[], Some(run), 1, -1).await.unwrap();
    assert!(s.claim("w2", &[], None, 1, 60_000).await.unwrap().is_empty());
    assert_eq!(status(&s, run).await, "completed_with_errors");

    // A deleted lead whose ready job was the run's last open one.
    s.import_rows("del.csv", vec![super::row(2, "Gone", Some("gone.test"), None)], false).await.unwrap();
    let lead = s.lead_by_domain("gone.test").await.unwrap().unwrap().id;
    let (run, _) = run_with_jobs(&s, "del.csv", &[lead], 3).await;
    assert!(s.delete_lead(lead).await.unwrap());
    assert_eq!(status(&s, run).await, "completed");

    // A run that ended stays as it ended.
    let (run, ids) = run_with_jobs(&s, "cancel.csv", &[1, 2], 3).await;
    let held = s.claim("w", &[], Some(run), 1, 60_000).await.unwrap().remove(0);
    s.cancel_run(run).await.unwrap();
    s.complete(held.id, "w", vec![], vec![]).await.unwrap();
    assert_eq!(status(&s, run).await, "cancelled");
    assert_eq!(s.job(ids[1]).await.unwrap().unwrap().state, JobState::Cancelled);
}

/// Crash recovery counts the crashed attempt; a job that has used its attempts that way is dead-lettered
/// ("worker died N times") instead of being handed out again, and its run finishes.
pub async fn recovery_dead_letters_a_job_past_its_attempts(s: Arc<dyn Store>) {
    let (run, ids) = run_with_jobs(&s, "crash.csv", &[1], 2).await;
    let id = ids[0];
    s.claim("host:1:aa", &[], None, 1, 600_000).await.unwrap();
    assert_eq!(s.recover_jobs(vec!["host:1:aa".into()]).await.unwrap(), 1);
    let job = s.job(id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Ready, 1), "attempts remain: claimable again");
    assert_eq!(status(&s, run).await, "running");

    let again = s.claim("host:2:bb", &[], None, 1, 600_000).await.unwrap();
    assert_eq!(again[0].attempts, 2);
    assert_eq!(s.recover_jobs(vec!["host:2:bb".into()]).await.unwrap(), 1);
    let job = s.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Dead, "its last attempt died with its worker");
    assert_eq!(job.last_error.as_deref(), Some("worker died 2 times"));
    assert_eq!(job.errors, ["worker host:1:aa died during attempt 1", "worker host:2:bb died during attempt 2"]);
    assert!(s.claim("host:3:cc", &[], None, 1, 600_000).await.unwrap().is_empty(), "never handed out again");
    assert_eq!(s.dead_jobs(10).await.unwrap()[0].id, id);
    assert_eq!(status(&s, run).await, "completed_with_errors");
    // Recovering workers that hold nothing changes nothing.
    assert_eq!(s.recover_jobs(vec![]).await.unwrap(), 0);
    assert_eq!(s.recover_jobs(vec!["host:9:zz".into()]).await.unwrap(), 0);
}
