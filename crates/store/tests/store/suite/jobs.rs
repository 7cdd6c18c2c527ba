//! Suite cases for the job table: enqueue, claim, complete, fail, leases, release, recovery, stats, redrive,
//! purge, retention and the job signal.

use std::sync::Arc;

use leadsmith_store::{JobState, NewJob, NewStageResult, Purged, Store};
use serde_json::json;

use super::row;

pub async fn enqueue_is_unique_by_key_and_claim_leases(s: Arc<dyn Store>) {
    let mut job = NewJob::new("crawl", Some(1));
    job.unique_key = Some("crawl:1".into());
    let id = s.enqueue(job.clone()).await.unwrap().expect("first enqueue inserts");
    assert_eq!(s.enqueue(job).await.unwrap(), None, "same key does not enqueue twice");

    let claimed = s.claim("w1", &["crawl".into()], None, 10, 60_000).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, id);
    assert_eq!(claimed[0].attempts, 1);
    assert_eq!(claimed[0].state, JobState::Running);
    assert!(s.claim("w2", &[], None, 10, 60_000).await.unwrap().is_empty(), "a leased job is not handed out twice");
    assert!(s.heartbeat(id, "w1", 60_000).await.unwrap());
    assert!(!s.heartbeat(id, "w2", 60_000).await.unwrap(), "only the holder heartbeats");
}

pub async fn claim_orders_by_priority_and_respects_due_time_and_kinds(s: Arc<dyn Store>) {
    let mut low = NewJob::new("score", None);
    low.priority = 0;
    let mut high = NewJob::new("score", None);
    high.priority = 5;
    let mut later = NewJob::new("score", None);
    later.run_at_ms = Some(leadsmith_store::now_ms() + 60_000);
    let other = NewJob::new("crawl", None);
    let low_id = s.enqueue(low).await.unwrap().unwrap();
    let high_id = s.enqueue(high).await.unwrap().unwrap();
    s.enqueue(later).await.unwrap();
    s.enqueue(other).await.unwrap();
    let got = s.claim("w", &["score".into()], None, 10, 60_000).await.unwrap();
    assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![high_id, low_id]);
}

pub async fn complete_writes_results_once_and_enqueues_follow_ups(s: Arc<dyn Store>) {
    s.import_rows("f", vec![row(2, "A", Some("a.test"), None)], false).await.unwrap();
    let lead = s.lead_by_domain("a.test").await.unwrap().unwrap().id;
    let run = s.create_run("f", &json!({}), None).await.unwrap();
    let mut job = NewJob::new("crawl", Some(lead));
    job.run_id = Some(run);
    let id = s.enqueue(job).await.unwrap().unwrap();
    let j = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    let result = || NewStageResult { lead_id: lead, stage: "crawl".into(), status: "ok".into(), data: json!({"n": 1}) };
    let mut next = NewJob::new("score", Some(lead));
    next.unique_key = Some(format!("score:{lead}"));
    s.complete(j.id, "w", vec![result()], vec![next.clone()]).await.unwrap();
    // A second delivery of the same job completes again without duplicating anything.
    s.complete(j.id, "w", vec![result()], vec![next]).await.unwrap();
    assert_eq!(s.stage_results(lead).await.unwrap().len(), 1);
    assert_eq!(s.job(id).await.unwrap().unwrap().state, JobState::Done);
    let counts = s.queue_counts(Some(run)).await.unwrap();
    let score = counts.iter().find(|k| k.kind == "score").expect("follow-up inherits the run");
    assert_eq!(score.ready, 1);
    let run_info = s.finish_run_if_done(run).await.unwrap().unwrap();
    assert_eq!(run_info.status, "running", "the score job is still open");
}

pub async fn failures_retry_then_dead_letter_with_history(s: Arc<dyn Store>) {
    let mut job = NewJob::new("crawl", None);
    job.max_attempts = 2;
    let id = s.enqueue(job).await.unwrap().unwrap();
    let j = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    let state = s.fail(j.id, "w", "timeout", Some(leadsmith_store::now_ms() - 1)).await.unwrap();
    assert_eq!(state, JobState::Ready);
    let j = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    assert_eq!(j.attempts, 2);
    let state = s.fail(j.id, "w", "timeout again", Some(leadsmith_store::now_ms())).await.unwrap();
    assert_eq!(state, JobState::Dead, "max attempts reached");
    let dead = s.dead_jobs(10).await.unwrap();
    assert_eq!(dead[0].id, id);
    assert_eq!(dead[0].last_error.as_deref(), Some("timeout again"));
    assert_eq!(dead[0].errors, vec!["attempt 1: timeout", "attempt 2: timeout again"]);
}

pub async fn permanent_failure_and_foreign_fail_are_handled(s: Arc<dyn Store>) {
    s.enqueue(NewJob::new("crawl", None)).await.unwrap();
    let j = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    assert_eq!(s.fail(j.id, "intruder", "x", None).await.unwrap(), JobState::Running, "only the holder can fail it");
    assert_eq!(s.fail(j.id, "w", "bad payload", None).await.unwrap(), JobState::Dead);
}

pub async fn expired_leases_are_redelivered_then_dead_lettered(s: Arc<dyn Store>) {
    let mut job = NewJob::new("crawl", None);
    job.max_attempts = 2;
    let id = s.enqueue(job).await.unwrap().unwrap();
    // A lease that is already over: the worker "died".
    s.claim("w1", &[], None, 1, -1).await.unwrap();
    let again = s.claim("w2", &[], None, 1, -1).await.unwrap();
    assert_eq!(again.len(), 1, "redelivered after the lease expired");
    assert_eq!(again[0].attempts, 2);
    assert!(s.claim("w3", &[], None, 1, 60_000).await.unwrap().is_empty());
    let job = s.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Dead);
    assert!(job.last_error.unwrap().contains("lease expired"));
}

pub async fn release_and_recovery_give_jobs_back(s: Arc<dyn Store>) {
    let a = s.enqueue(NewJob::new("crawl", None)).await.unwrap().unwrap();
    let b = s.enqueue(NewJob::new("crawl", None)).await.unwrap().unwrap();
    s.claim("host:1:aa", &[], None, 2, 600_000).await.unwrap();
    s.release(a, "host:1:aa").await.unwrap();
    let ja = s.job(a).await.unwrap().unwrap();
    assert_eq!((ja.state, ja.attempts), (JobState::Ready, 0), "a released attempt does not count");
    assert_eq!(s.running_workers().await.unwrap(), vec!["host:1:aa".to_string()]);
    assert_eq!(s.recover_jobs(vec!["host:1:aa".into()]).await.unwrap(), 1);
    let jb = s.job(b).await.unwrap().unwrap();
    assert_eq!((jb.state, jb.attempts), (JobState::Ready, 1), "a crashed attempt counts");
    assert!(jb.errors[0].contains("died"));
}

pub async fn a_claim_whose_answer_was_lost_is_given_back(s: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(s.enqueue(NewJob::new("crawl", None)).await.unwrap().unwrap());
    }
    let claimed = s.claim("w", &[], None, 3, 600_000).await.unwrap();
    assert_eq!(claimed.len(), 3);
    let theirs = s.enqueue(NewJob::new("crawl", None)).await.unwrap().unwrap();
    assert_eq!(s.claim("other", &[], None, 1, 600_000).await.unwrap()[0].id, theirs);
    // The worker only ever saw the first job: the other two were claimed by an answer that never arrived.
    assert_eq!(s.release_unheld("w", vec![ids[0]]).await.unwrap(), 2);
    let states: Vec<_> = {
        let mut v = Vec::new();
        for id in &ids {
            let j = s.job(*id).await.unwrap().unwrap();
            v.push((j.state, j.attempts, j.worker));
        }
        v
    };
    assert_eq!(states[0], (JobState::Running, 1, Some("w".to_string())), "a held job is kept");
    assert_eq!(states[1], (JobState::Ready, 0, None), "the attempt is not counted");
    assert_eq!(states[2], (JobState::Ready, 0, None));
    assert_eq!(s.release_unheld("w", vec![]).await.unwrap(), 1, "holding nothing gives back everything");
    assert_eq!(s.release_unheld("nobody", vec![]).await.unwrap(), 0);
    assert_eq!(s.claim("w2", &[], None, 5, 600_000).await.unwrap().len(), 3, "given back jobs are claimable at once");
    assert_eq!(s.job(theirs).await.unwrap().unwrap().worker.as_deref(), Some("other"), "another worker's job is kept");
}

pub async fn queue_stats_redrive_and_purge(s: Arc<dyn Store>) {
    let run = s.create_run("f", &json!({}), None).await.unwrap();
    let mut doomed = NewJob::new("crawl", None);
    doomed.max_attempts = 1;
    doomed.run_id = Some(run);
    let dead_id = s.enqueue(doomed).await.unwrap().unwrap();
    let mut later = NewJob::new("crawl", None);
    later.run_at_ms = Some(leadsmith_store::now_ms() + 60_000);
    s.enqueue(later).await.unwrap();
    s.enqueue(NewJob::new("score", None)).await.unwrap();
    let j = s.claim("w", &["crawl".into()], None, 1, 60_000).await.unwrap().remove(0);
    assert_eq!(j.id, dead_id);
    s.fail(j.id, "w", "boom", None).await.unwrap();
    assert_eq!(s.finish_run_if_done(run).await.unwrap().unwrap().status, "completed_with_errors");

    let stats = s.queue_stats().await.unwrap();
    let crawl = stats.iter().find(|k| k.kind == "crawl").unwrap();
    assert_eq!((crawl.ready, crawl.delayed, crawl.running, crawl.dead), (0, 1, 0, 1));
    let score = stats.iter().find(|k| k.kind == "score").unwrap();
    assert_eq!(score.ready, 1);
    assert!(score.oldest_ready_age_ms.is_some_and(|a| a >= 0));

    assert_eq!(s.redrive(None, Some("score".into())).await.unwrap(), 0, "no dead score jobs");
    assert_eq!(s.redrive(Some(vec![dead_id]), None).await.unwrap(), 1);
    let job = s.job(dead_id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Ready, 0));
    assert_eq!(job.errors.last().map(String::as_str), Some("redriven"));
    assert_eq!(s.run(run).await.unwrap().unwrap().status, "running", "the run is open again");

    let j = s.claim("w", &["crawl".into()], None, 1, 60_000).await.unwrap().remove(0);
    s.fail(j.id, "w", "boom again", None).await.unwrap();
    assert_eq!(s.purge_dead(Some(0)).await.unwrap(), 0, "nothing that old");
    assert_eq!(s.purge_dead(None).await.unwrap(), 1);
    assert!(s.job(dead_id).await.unwrap().is_none());
}

pub async fn job_signal_wakes_waiters(s: Arc<dyn Store>) {
    let mut rx = s.job_signal();
    rx.borrow_and_update();
    s.enqueue(NewJob::new("crawl", None)).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(2), rx.changed())
        .await
        .expect("an enqueue signals waiting workers")
        .unwrap();
}

pub async fn enqueue_many_inserts_a_batch_once(s: Arc<dyn Store>) {
    let batch: Vec<NewJob> = (0..500)
        .map(|i| {
            let mut j = NewJob::new(if i % 2 == 0 { "crawl" } else { "score" }, Some(i));
            j.unique_key = Some(format!("k{i}"));
            j.priority = (i % 3) as i32;
            j.payload = json!({"i": i});
            j
        })
        .collect();
    assert_eq!(s.enqueue_many(batch.clone()).await.unwrap(), 500);
    assert_eq!(s.enqueue_many(batch[..10].to_vec()).await.unwrap(), 0, "unique keys hold in batches too");
    assert_eq!(s.enqueue_many(vec![]).await.unwrap(), 0);
    let stats = s.queue_stats().await.unwrap();
    assert_eq!(stats.iter().map(|k| k.ready).sum::<u64>(), 500);
    let first = s.claim("w", &["score".into()], None, 1, 60_000).await.unwrap().remove(0);
    assert_eq!((first.priority, first.kind.as_str()), (2, "score"), "highest priority first");
    assert_eq!(first.payload["i"].as_i64().unwrap() % 3, 2);
}

/// Retention: done and cancelled jobs go once old and their run is over; runs go once ended with no job
/// left. Dead letters (and their runs), open work, running runs, leads and their results stay.
pub async fn purge_done_jobs_keeps_dead_letters_open_work_and_leads(s: Arc<dyn Store>) {
    s.import_rows("f", vec![row(2, "A", Some("a.test"), None)], false).await.unwrap();
    let lead = s.lead_by_domain("a.test").await.unwrap().unwrap().id;
    let job_in = |run: Option<i64>, max_attempts: u32| {
        let mut job = NewJob::new("crawl", Some(lead));
        job.run_id = run;
        job.max_attempts = max_attempts;
        job
    };
    // Run `done`: one job, completed with a result.
    let done = s.create_run("done", &json!({}), None).await.unwrap();
    s.enqueue(job_in(Some(done), 3)).await.unwrap();
    let j = s.claim("w", &[], Some(done), 1, 60_000).await.unwrap().remove(0);
    let result = NewStageResult { lead_id: lead, stage: "crawl".into(), status: "ok".into(), data: json!({}) };
    s.complete(j.id, "w", vec![result], vec![]).await.unwrap();
    // A job of no run, done.
    s.enqueue(job_in(None, 3)).await.unwrap();
    let j = s.claim("w", &[], None, 1, 60_000).await.unwrap().remove(0);
    s.complete(j.id, "w", vec![], vec![]).await.unwrap();
    // Run `errors`: one job done, one dead.
    let errors = s.create_run("errors", &json!({}), None).await.unwrap();
    s.enqueue(job_in(Some(errors), 3)).await.unwrap();
    s.enqueue(job_in(Some(errors), 1)).await.unwrap();
    for j in s.claim("w", &[], Some(errors), 2, 60_000).await.unwrap() {
        if j.max_attempts == 1 {
            s.fail(j.id, "w", "boom", None).await.unwrap();
        } else {
            s.complete(j.id, "w", vec![], vec![]).await.unwrap();
        }
    }
    // Run `open`: one job done, one still ready.
    let open = s.create_run("open", &json!({}), None).await.unwrap();
    let open_done = s.enqueue(job_in(Some(open), 3)).await.unwrap().unwrap();
    let open_ready = s.enqueue(job_in(Some(open), 3)).await.unwrap().unwrap();
    let j = s.claim("w", &[], Some(open), 1, 60_000).await.unwrap().remove(0);
    assert_eq!(j.id, open_done);
    s.complete(j.id, "w", vec![], vec![]).await.unwrap();
    // Run `cancelled`: its job cancelled before it started; run `empty`: nothing to do.
    let cancelled = s.create_run("cancelled", &json!({}), None).await.unwrap();
    s.enqueue(job_in(Some(cancelled), 3)).await.unwrap();
    s.cancel_run(cancelled).await.unwrap();
    let empty = s.create_run("empty", &json!({}), None).await.unwrap();
    s.finish_run_if_done(empty).await.unwrap();
    let loose_ready = s.enqueue(job_in(None, 3)).await.unwrap().unwrap();

    assert_eq!(s.purge_done_jobs(0).await.unwrap(), Purged { jobs: 0, runs: 0 }, "nothing is that old");
    let later = leadsmith_store::now_ms() + 60_000;
    let purged = s.purge_done_jobs(later).await.unwrap();
    assert_eq!(purged, Purged { jobs: 4, runs: 3 }, "jobs: done, errors' done, cancelled's, the loose done one");
    for gone in [done, cancelled, empty] {
        assert!(s.run(gone).await.unwrap().is_none(), "run {gone} ended and emptied");
    }
    assert_eq!(s.run(errors).await.unwrap().unwrap().status, "completed_with_errors", "its dead letter keeps it");
    let errors_left = s.queue_counts(Some(errors)).await.unwrap();
    assert_eq!((errors_left[0].done, errors_left[0].dead), (0, 1), "{errors_left:?}");
    assert_eq!(s.dead_jobs(10).await.unwrap().len(), 1);
    assert_eq!(s.run(open).await.unwrap().unwrap().status, "running");
    assert_eq!(s.job(open_done).await.unwrap().unwrap().state, JobState::Done, "its run is still running");
    assert_eq!(s.job(open_ready).await.unwrap().unwrap().state, JobState::Ready);
    assert_eq!(s.job(loose_ready).await.unwrap().unwrap().state, JobState::Ready);
    assert!(s.lead(lead).await.unwrap().is_some(), "leads stay");
    assert_eq!(s.stage_results(lead).await.unwrap().len(), 1, "so do their latest results");
    assert_eq!(s.purge_done_jobs(later).await.unwrap(), Purged::default(), "a second purge finds nothing");
}
