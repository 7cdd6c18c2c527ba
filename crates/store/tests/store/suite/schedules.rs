//! Suite cases for schedules: each slot fires once.

use std::sync::Arc;

use leadsmith_store::{NewJob, Schedule, Store};

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
