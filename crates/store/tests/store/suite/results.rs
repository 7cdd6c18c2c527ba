//! Suite cases for stage results: one per lead and stage, the latest write wins.

use std::sync::Arc;

use leadsmith_store::{NewJob, NewStageResult, Store};
use serde_json::json;

use super::row;

pub async fn stage_results_keep_the_latest_per_lead_and_stage(s: Arc<dyn Store>) {
    s.import_rows("f", vec![row(2, "A", Some("a.test"), None)], false).await.unwrap();
    let lead = s.lead_by_domain("a.test").await.unwrap().unwrap().id;
    let result = |stage: &str, n: i64| NewStageResult {
        lead_id: lead,
        stage: stage.into(),
        status: "ok".into(),
        data: json!({ "n": n }),
    };
    let first = s.enqueue(NewJob::new("crawl", Some(lead))).await.unwrap().unwrap();
    s.claim("w", &[], None, 1, 60_000).await.unwrap();
    s.complete(first, "w", vec![result("crawl", 1), result("score", 1)], vec![]).await.unwrap();
    let second = s.enqueue(NewJob::new("crawl", Some(lead))).await.unwrap().unwrap();
    s.claim("w", &[], None, 1, 60_000).await.unwrap();
    s.complete(second, "w", vec![result("crawl", 2)], vec![]).await.unwrap();

    let crawl = s.stage_result(lead, "crawl").await.unwrap().expect("stored");
    assert_eq!((crawl.data, crawl.job_id), (json!({"n": 2}), Some(second)), "the latest write wins");
    assert_eq!(s.stage_result(lead, "score").await.unwrap().unwrap().job_id, Some(first));
    assert!(s.stage_result(lead, "assess").await.unwrap().is_none());
    let mut stages: Vec<String> = s.stage_results(lead).await.unwrap().into_iter().map(|r| r.stage).collect();
    stages.sort();
    assert_eq!(stages, vec!["crawl", "score"]);
}
