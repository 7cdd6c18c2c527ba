//! The store suite: every case is written against `dyn Store` and runs on each backend
//! (`tests/sqlite.rs`, `tests/postgres.rs`) through `store_suite!`.

#![allow(dead_code)]

mod api_keys;
mod leads;
pub use api_keys::*;
pub use leads::*;

use std::sync::Arc;

use leadsmith_core::{Domain, Email, LeadInput, Phone};
use leadsmith_store::{ImportRow, JobState, LeadFilter, NewJob, NewStageResult, RowDecision, Schedule, Store};
use serde_json::json;

/// Generates one `#[tokio::test]` per suite case, each on a fresh store from `$factory` (an async fn
/// returning `Option<Arc<dyn Store>>`; `None` means the backend was deliberately skipped, and the factory
/// says so).
#[macro_export]
macro_rules! store_suite {
    ($factory:path) => {
        $crate::store_suite!(@cases $factory; import_creates_merges_and_is_idempotent,
            dry_run_decides_but_writes_nothing,
            merge_fills_gaps_without_overwriting,
            enqueue_is_unique_by_key_and_claim_leases,
            claim_orders_by_priority_and_respects_due_time_and_kinds,
            complete_writes_results_once_and_enqueues_follow_ups,
            failures_retry_then_dead_letter_with_history,
            permanent_failure_and_foreign_fail_are_handled,
            expired_leases_are_redelivered_then_dead_lettered,
            release_and_recovery_give_jobs_back,
            runs_finish_with_a_status,
            list_filters_by_tier_and_orders_by_score,
            queue_stats_redrive_and_purge,
            page_cache_round_trips,
            keyed_runs_are_created_once,
            cancel_stops_a_run_without_losing_finished_work,
            schedules_fire_each_slot_once,
            job_signal_wakes_waiters,
            enqueue_many_inserts_a_batch_once,
            api_keys_are_stored_hashed_listed_and_found_by_hash,
            api_keys_revoke_by_name_or_prefix_idempotently,
            verify_rejects_missing_unknown_revoked_expired_and_out_of_scope_keys,
            rotated_keys_are_both_valid_until_the_old_is_revoked,
            verify_touches_last_used_at_most_once_a_minute,
            list_filters_alone_and_combined,
            cursor_pages_equal_the_unpaged_listing,
            cursor_round_trips_as_text_and_rejects_garbage,
            delete_hides_a_lead_keeps_its_data_and_cancels_ready_jobs,
            reimport_restores_a_deleted_lead,
            lead_jobs_list_a_leads_history_oldest_first);
    };
    (@cases $factory:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(store) = $factory().await {
                    $crate::suite::$case(store).await;
                }
            }
        )*
    };
}

fn row(line: u64, company: &str, website: Option<&str>, phone: Option<&str>) -> ImportRow {
    let input = LeadInput {
        company: Some(company.to_string()),
        website: website.map(|w| format!("http://{w}/")),
        domain: website.map(|w| Domain::from_website(w).unwrap()),
        phone: phone.map(|p| Phone::parse(p, "US").unwrap()),
        ..Default::default()
    };
    ImportRow { line, raw: format!("{company},{website:?},{phone:?}"), input }
}

pub async fn import_creates_merges_and_is_idempotent(s: Arc<dyn Store>) {
    let rows = vec![
        row(2, "Acme Dental", Some("acme-dental.test"), Some("(415) 555-2671")),
        row(3, "Acme Dental LLC", Some("www.acme-dental.test"), None),
        row(4, "Other Co", Some("other.test"), Some("415.555.2671")),
        row(5, "Third", Some("third.test"), None),
    ];
    let out = s.import_rows("leads.csv", rows.clone(), false).await.unwrap();
    let d = &out.decisions;
    let RowDecision::New { lead_id: acme, .. } = d[0] else { panic!("{d:?}") };
    assert_eq!(d[1], RowDecision::Merged { line: 3, lead_id: acme, key: "domain:acme-dental.test".into() });
    // Same phone in another format: merged on the phone key.
    assert_eq!(d[2], RowDecision::Merged { line: 4, lead_id: acme, key: "phone:+14155552671".into() });
    assert!(matches!(d[3], RowDecision::New { line: 5, .. }));
    assert_eq!(s.count_leads().await.unwrap(), 2);

    let lead = s.lead(acme).await.unwrap().unwrap();
    assert_eq!(lead.source_rows, 3);
    assert_eq!(lead.input.company.as_deref(), Some("Acme Dental"), "first value wins, gaps are filled");
    let sources = s.lead_sources(acme).await.unwrap();
    assert_eq!(sources.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 3, 4]);
    assert_eq!(sources[2].matched_on.as_deref(), Some("phone:+14155552671"));

    // The same file again changes nothing.
    let again = s.import_rows("leads.csv", rows, false).await.unwrap();
    assert!(again.decisions.iter().all(|d| matches!(d, RowDecision::Unchanged { .. })), "{:?}", again.decisions);
    assert_eq!(s.lead(acme).await.unwrap().unwrap().source_rows, 3);
    assert_eq!(s.lead_by_domain("acme-dental.test").await.unwrap().unwrap().id, acme);
}

pub async fn dry_run_decides_but_writes_nothing(s: Arc<dyn Store>) {
    let rows = vec![row(2, "A", Some("a.test"), None), row(3, "A again", Some("a.test"), None)];
    let out = s.import_rows("x.csv", rows, true).await.unwrap();
    assert!(matches!(out.decisions[0], RowDecision::New { .. }));
    assert!(matches!(out.decisions[1], RowDecision::Merged { .. }));
    assert_eq!(out.import_id, None);
    assert_eq!(s.count_leads().await.unwrap(), 0);
}

pub async fn merge_fills_gaps_without_overwriting(s: Arc<dyn Store>) {
    let mut first = row(2, "Acme", Some("acme.test"), None);
    first.input.email = None;
    let mut second = row(3, "Acme Incorporated", Some("acme.test"), Some("(415) 555-2671"));
    second.input.email = Some(Email::parse("jo@acme.test").unwrap());
    s.import_rows("f", vec![first, second], false).await.unwrap();
    let lead = s.lead_by_domain("acme.test").await.unwrap().unwrap();
    assert_eq!(lead.input.company.as_deref(), Some("Acme"));
    assert_eq!(lead.input.email.unwrap().as_str(), "jo@acme.test");
    assert_eq!(lead.input.phone.unwrap().as_str(), "+14155552671");
}

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

pub async fn list_filters_by_tier_and_orders_by_score(s: Arc<dyn Store>) {
    let rows = vec![
        row(2, "A", Some("a.test"), None),
        row(3, "B", Some("b.test"), None),
        row(4, "C", Some("c.test"), None),
        row(5, "F", Some("f.test"), None),
    ];
    s.import_rows("f", rows, false).await.unwrap();
    for (domain, score, tier) in [("a.test", 50.0, "C"), ("b.test", 90.0, "A"), ("f.test", 70.0, "FAILED")] {
        let lead = s.lead_by_domain(domain).await.unwrap().unwrap().id;
        let id = s.enqueue(NewJob::new("score", Some(lead))).await.unwrap().unwrap();
        s.claim("w", &[], None, 1, 60_000).await.unwrap();
        let r = NewStageResult {
            lead_id: lead,
            stage: "score".into(),
            status: "ok".into(),
            data: json!({"score": score, "tier": tier}),
        };
        s.complete(id, "w", vec![r], vec![]).await.unwrap();
    }
    let all = s.list_leads(&LeadFilter::default()).await.unwrap();
    let names: Vec<_> = all.iter().map(|l| l.lead.input.company.clone().unwrap()).collect();
    assert_eq!(names, vec!["B", "A", "F", "C"], "best first, gated below tiered, unscored last");
    let a_only = s.list_leads(&LeadFilter { tier: Some("a".into()), ..Default::default() }).await.unwrap();
    assert_eq!(a_only.len(), 1);
    assert_eq!(a_only[0].score, Some(90.0));
    let limited = s.list_leads(&LeadFilter { limit: Some(1), ..Default::default() }).await.unwrap();
    assert_eq!(limited.len(), 1);
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

pub async fn page_cache_round_trips(s: Arc<dyn Store>) {
    s.put_cached_page("http://a.test/", 100, "{\"a\":1}").await.unwrap();
    s.put_cached_page("http://a.test/", 200, "{\"a\":2}").await.unwrap();
    assert_eq!(s.cached_page("http://a.test/").await.unwrap(), Some((200, "{\"a\":2}".to_string())));
    assert_eq!(s.cached_page("http://b.test/").await.unwrap(), None);
    assert!(s.schema_version().await.unwrap() >= 2);
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

fn schedule(name: &str, next: i64) -> Schedule {
    Schedule {
        name: name.into(),
        spec: "every 6h".into(),
        command: vec!["runs".into(), "start".into(), "--source".into(), "leads.csv".into()],
        catch_up: true,
        paused: false,
        next_fire_ms: next,
        last_fired_ms: None,
        created_at: "2026-11-22T00:00:00Z".into(),
    }
}

pub async fn schedules_fire_each_slot_once(s: Arc<dyn Store>) {
    assert!(s.add_schedule(schedule("nightly", 1_000)).await.unwrap());
    assert!(!s.add_schedule(schedule("nightly", 5)).await.unwrap(), "names are unique");
    assert!(s.add_schedule(schedule("hourly", 7)).await.unwrap());
    let all = s.schedules().await.unwrap();
    assert_eq!(all.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), vec!["hourly", "nightly"]);
    assert_eq!(all[1], schedule("nightly", 1_000));

    let fire = || {
        let mut job = NewJob::new("schedule", None);
        job.unique_key = Some("schedule:nightly:1000".into());
        job
    };
    // Two schedulers saw the same slot: one wins, one job.
    assert!(s.advance_schedule("nightly", 1_000, 2_000, Some(fire())).await.unwrap());
    assert!(!s.advance_schedule("nightly", 1_000, 2_000, Some(fire())).await.unwrap());
    let stats = s.queue_stats().await.unwrap();
    assert_eq!(stats.iter().find(|k| k.kind == "schedule").unwrap().ready, 1);
    let nightly = s.schedules().await.unwrap().into_iter().find(|s| s.name == "nightly").unwrap();
    assert_eq!((nightly.next_fire_ms, nightly.last_fired_ms), (2_000, Some(1_000)));
    // A skipped slot moves on without firing.
    assert!(s.advance_schedule("nightly", 2_000, 3_000, None).await.unwrap());
    let nightly = s.schedules().await.unwrap().into_iter().find(|s| s.name == "nightly").unwrap();
    assert_eq!((nightly.next_fire_ms, nightly.last_fired_ms), (3_000, Some(1_000)));

    assert!(s.set_schedule_paused("nightly", true).await.unwrap());
    assert!(s.schedules().await.unwrap().iter().any(|s| s.name == "nightly" && s.paused));
    assert!(!s.set_schedule_paused("nope", true).await.unwrap());
    assert!(s.remove_schedule("nightly").await.unwrap());
    assert!(!s.remove_schedule("nightly").await.unwrap());
    assert_eq!(s.schedules().await.unwrap().len(), 1);
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
