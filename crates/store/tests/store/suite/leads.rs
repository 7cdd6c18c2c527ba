//! Suite cases for leads: import and dedupe, the listing and its cursor, soft delete and a lead's jobs.

use std::sync::Arc;

use leadsmith_core::{Domain, Email, LeadId, LeadInput};
use leadsmith_store::{ImportRow, JobState, LeadCursor, LeadFilter, NewJob, NewStageResult, RowDecision, Store};
use serde_json::json;

use super::row;

/// A row for a business at `domain`; `edit` fills in the rest of its input.
fn lead_row(line: u64, company: &str, domain: &str, edit: impl FnOnce(&mut LeadInput)) -> ImportRow {
    let mut input = LeadInput {
        company: Some(company.to_string()),
        website: Some(format!("http://{domain}/")),
        domain: Some(Domain::from_website(domain).unwrap()),
        ..Default::default()
    };
    edit(&mut input);
    ImportRow { line, raw: format!("{company},{domain},{input:?}"), input }
}

async fn import(s: &Arc<dyn Store>, rows: Vec<ImportRow>) -> Vec<LeadId> {
    let out = s.import_rows("leads.csv", rows, false).await.unwrap();
    out.decisions.iter().map(RowDecision::lead_id).collect()
}

/// Records stage results for `lead` the way a worker does: through a job of its own kind, so other ready
/// jobs are left alone.
async fn record(s: &Arc<dyn Store>, lead: LeadId, results: Vec<(&str, &str, serde_json::Value)>) {
    let id = s.enqueue(NewJob::new("record", Some(lead))).await.unwrap().unwrap();
    let claimed = s.claim("recorder", &["record".into()], None, 1, 60_000).await.unwrap();
    assert_eq!(claimed[0].id, id);
    let results = results
        .into_iter()
        .map(|(stage, status, data)| NewStageResult { lead_id: lead, stage: stage.into(), status: status.into(), data })
        .collect();
    s.complete(id, "recorder", results, vec![]).await.unwrap();
}

async fn scored(s: &Arc<dyn Store>, lead: LeadId, score: f64, tier: &str) {
    record(s, lead, vec![("score", "ok", json!({"score": score, "tier": tier}))]).await;
}

async fn names(s: &Arc<dyn Store>, filter: LeadFilter) -> Vec<String> {
    let leads = s.list_leads(&filter).await.unwrap();
    leads.into_iter().map(|l| l.lead.input.company.unwrap()).collect()
}

pub async fn list_filters_alone_and_combined(s: Arc<dyn Store>) {
    let ids = import(
        &s,
        vec![
            lead_row(2, "Alpha Dental", "alpha.test", |i| {
                i.vertical = Some("Dentist".into());
                i.address.city = Some("Boston".into());
            }),
            lead_row(3, "Beta Law", "beta.test", |i| i.vertical = Some("lawyer".into())),
            lead_row(4, "Gamma 100% Pure", "gamma.test", |i| i.vertical = Some("dentist".into())),
            lead_row(5, "Delta", "delta.test", |i| {
                i.email = Some(Email::parse("info@delta-mail.test").unwrap());
                i.external_id = Some("SF-1000".into());
            }),
            lead_row(6, "Epsilon_Co", "epsilon.test", |i| i.address.city = Some("Springfield".into())),
            lead_row(7, "Zeta", "zeta.test", |i| i.vertical = Some("DENTIST".into())),
        ],
    )
    .await;
    let [alpha, beta, gamma, delta, _epsilon, zeta] = ids[..] else { panic!("{ids:?}") };
    record(&s, alpha, vec![("score", "ok", json!({"score": 90.0, "tier": "A"})), ("crawl", "ok", json!({}))]).await;
    record(&s, beta, vec![("score", "ok", json!({"score": 75.0, "tier": "B"})), ("crawl", "blocked", json!({}))]).await;
    scored(&s, gamma, 55.0, "C").await;
    record(&s, delta, vec![("score", "ok", json!({"score": 40.0, "tier": "FAILED"})), ("crawl", "ok", json!({}))])
        .await;
    scored(&s, zeta, 90.0, "A").await;

    let all = names(&s, LeadFilter::default()).await;
    assert_eq!(all, ["Alpha Dental", "Zeta", "Beta Law", "Gamma 100% Pure", "Delta", "Epsilon_Co"]);

    // Tier, case-insensitively.
    assert_eq!(names(&s, LeadFilter { tier: Some("a".into()), ..Default::default() }).await, ["Alpha Dental", "Zeta"]);
    assert_eq!(names(&s, LeadFilter { tier: Some("Failed".into()), ..Default::default() }).await, ["Delta"]);
    // Score range: bounds are inclusive; an unscored lead never matches.
    let range =
        |min: Option<f64>, max: Option<f64>| LeadFilter { min_score: min, max_score: max, ..Default::default() };
    assert_eq!(names(&s, range(Some(55.0), None)).await, ["Alpha Dental", "Zeta", "Beta Law", "Gamma 100% Pure"]);
    assert_eq!(names(&s, range(Some(40.0), None)).await.len(), 5);
    assert_eq!(names(&s, range(None, Some(60.0))).await, ["Gamma 100% Pure", "Delta"]);
    assert_eq!(names(&s, range(Some(50.0), Some(80.0))).await, ["Beta Law", "Gamma 100% Pure"]);
    assert_eq!(names(&s, range(Some(91.0), None)).await, Vec::<String>::new());
    // Vertical, case-insensitively.
    let vertical = |v: &str| LeadFilter { vertical: Some(v.into()), ..Default::default() };
    assert_eq!(names(&s, vertical("dentist")).await, ["Alpha Dental", "Zeta", "Gamma 100% Pure"]);
    assert_eq!(names(&s, vertical("Lawyer")).await, ["Beta Law"]);
    assert_eq!(names(&s, vertical("dent")).await, Vec::<String>::new(), "equality, not a substring");
    // Crawl status; "none" is no crawl result yet.
    let crawl = |c: &str| LeadFilter { crawl_status: Some(c.into()), ..Default::default() };
    assert_eq!(names(&s, crawl("ok")).await, ["Alpha Dental", "Delta"]);
    assert_eq!(names(&s, crawl("blocked")).await, ["Beta Law"]);
    assert_eq!(names(&s, crawl("none")).await, ["Zeta", "Gamma 100% Pure", "Epsilon_Co"]);
    // Text: a case-insensitive substring of company, domain, website, email, external id or city.
    let text = |t: &str| LeadFilter { text: Some(t.into()), ..Default::default() };
    assert_eq!(names(&s, text("DENTAL")).await, ["Alpha Dental"], "company");
    assert_eq!(names(&s, text("beta.TEST")).await, ["Beta Law"], "domain");
    assert_eq!(names(&s, text("http://gamma")).await, ["Gamma 100% Pure"], "website");
    assert_eq!(names(&s, text("@Delta-Mail")).await, ["Delta"], "email");
    assert_eq!(names(&s, text("sf-10")).await, ["Delta"], "external id");
    assert_eq!(names(&s, text("springFIELD")).await, ["Epsilon_Co"], "city");
    // Wildcards and the escape character match literally.
    assert_eq!(names(&s, text("100")).await, ["Gamma 100% Pure", "Delta"]);
    assert_eq!(names(&s, text("100%")).await, ["Gamma 100% Pure"], "'%' is not a wildcard");
    assert_eq!(names(&s, text("%")).await, ["Gamma 100% Pure"]);
    assert_eq!(names(&s, text("_")).await, ["Epsilon_Co"], "'_' is not a wildcard");
    assert_eq!(names(&s, text("\\")).await, Vec::<String>::new(), "'\\' is not an escape");
    assert_eq!(names(&s, text("a_c")).await, Vec::<String>::new());

    // Combined: every condition must hold.
    let combined = LeadFilter {
        vertical: Some("DENTIST".into()),
        min_score: Some(60.0),
        crawl_status: Some("ok".into()),
        ..Default::default()
    };
    assert_eq!(names(&s, combined).await, ["Alpha Dental"]);
    let combined = LeadFilter { tier: Some("A".into()), text: Some("zeta".into()), ..Default::default() };
    assert_eq!(names(&s, combined).await, ["Zeta"]);
    let combined = LeadFilter { tier: Some("B".into()), vertical: Some("dentist".into()), ..Default::default() };
    assert_eq!(names(&s, combined).await, Vec::<String>::new());
    let combined = LeadFilter { crawl_status: Some("none".into()), max_score: Some(60.0), ..Default::default() };
    assert_eq!(names(&s, combined).await, ["Gamma 100% Pure"]);
    let paged = LeadFilter { vertical: Some("dentist".into()), limit: Some(1), offset: 1, ..Default::default() };
    assert_eq!(names(&s, paged).await, ["Zeta"]);
}

pub async fn cursor_pages_equal_the_unpaged_listing(s: Arc<dyn Store>) {
    let rows = (0..11).map(|i| lead_row(i + 2, &format!("L{i}"), &format!("l{i}.test"), |_| {})).collect();
    let ids = import(&s, rows).await;
    // Mixed ranks: equal scores, a score that is not a short decimal, gated leads (also with equal scores),
    // a scored lead without a tier, and unscored leads between them by id.
    let scores: [(usize, f64, Option<&str>); 8] = [
        (0, 80.0, Some("A")),
        (1, 0.1 + 0.2, Some("D")),
        (3, 80.0, Some("A")),
        (4, 70.0, Some("FAILED")),
        (5, 80.0, Some("B")),
        (7, 70.0, Some("FAILED")),
        (8, 12.345678901234567, None),
        (10, 95.5, Some("FAILED")),
    ];
    for (i, score, tier) in scores {
        let data = match tier {
            Some(tier) => json!({"score": score, "tier": tier}),
            None => json!({"score": score}),
        };
        record(&s, ids[i], vec![("score", "ok", data)]).await;
    }
    let all = s.list_leads(&LeadFilter::default()).await.unwrap();
    let all_ids: Vec<LeadId> = all.iter().map(|l| l.lead.id).collect();
    let expected = [0, 3, 5, 8, 1, 10, 4, 7, 2, 6, 9].map(|i| ids[i]);
    assert_eq!(all_ids, expected, "rank, then score from best, then id");
    assert_eq!(all[4].score, Some(0.1 + 0.2), "scores come back exactly");
    assert_eq!(all.iter().map(|l| LeadCursor::of(l).rank).collect::<Vec<_>>(), [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]);

    for page_size in [1, 2, 3, 4] {
        let mut paged = Vec::new();
        let mut after: Option<LeadCursor> = None;
        loop {
            let filter = LeadFilter { after: after.clone(), limit: Some(page_size), ..Default::default() };
            let page = s.list_leads(&filter).await.unwrap();
            assert!(page.len() <= page_size);
            let Some(last) = page.last() else { break };
            // The cursor travels as text, as it would through the HTTP API.
            after = Some(LeadCursor::decode(&LeadCursor::of(last).encode()).expect("a cursor we made"));
            paged.extend(page.iter().map(|l| l.lead.id));
        }
        assert_eq!(paged, all_ids, "pages of {page_size}: no lead skipped or repeated");
    }

    // Pages and filters together: after the second scored lead, only the rest of those at least 70.
    let filter = LeadFilter { min_score: Some(70.0), after: Some(LeadCursor::of(&all[1])), ..Default::default() };
    let rest: Vec<LeadId> = s.list_leads(&filter).await.unwrap().iter().map(|l| l.lead.id).collect();
    assert_eq!(rest, [5, 10, 4, 7].map(|i| ids[i]));
    // After the last lead there is nothing.
    let filter = LeadFilter { after: Some(LeadCursor::of(all.last().unwrap())), ..Default::default() };
    assert!(s.list_leads(&filter).await.unwrap().is_empty());
}

pub async fn cursor_round_trips_as_text_and_rejects_garbage(_s: Arc<dyn Store>) {
    let cursors = [
        LeadCursor { rank: 0, score: Some(0.1 + 0.2), id: 1 },
        LeadCursor { rank: 0, score: Some(f64::MIN_POSITIVE), id: i64::MAX },
        LeadCursor { rank: 1, score: Some(-12.5), id: 42 },
        LeadCursor { rank: 1, score: Some(1e300), id: 0 },
        LeadCursor { rank: 2, score: None, id: 7 },
    ];
    for cursor in &cursors {
        let text = cursor.encode();
        assert!(text.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()), "URL-safe: {text}");
        let back = LeadCursor::decode(&text).unwrap_or_else(|| panic!("{text} decodes"));
        assert_eq!(&back, cursor);
        assert_eq!(back.score.map(f64::to_bits), cursor.score.map(f64::to_bits), "bit for bit");
    }
    let valid = cursors[0].encode();
    let garbage = [
        String::new(),
        "not a cursor".into(),
        "zz".into(),
        valid[..valid.len() - 2].to_string(),
        format!("{valid}00"),
        valid.to_uppercase(),
        format!("g{}", &valid[1..]),
        // Rank 3; rank 2 with a score; rank 0 without one; a NaN score.
        LeadCursor { rank: 3, score: Some(1.0), id: 1 }.encode(),
        LeadCursor { rank: 2, score: Some(1.0), id: 1 }.encode(),
        LeadCursor { rank: 0, score: None, id: 1 }.encode(),
        LeadCursor { rank: 0, score: Some(f64::NAN), id: 1 }.encode(),
        r#"{"rank":0,"score":1.0,"id":1}"#.into(),
        "é".repeat(18),
    ];
    for text in &garbage {
        assert_eq!(LeadCursor::decode(text), None, "{text:?}");
    }
}

pub async fn delete_hides_a_lead_keeps_its_data_and_cancels_ready_jobs(s: Arc<dyn Store>) {
    let ids =
        import(&s, vec![lead_row(2, "Gone", "gone.test", |_| {}), lead_row(3, "Kept", "kept.test", |_| {})]).await;
    let [gone, kept] = ids[..] else { panic!("{ids:?}") };
    scored(&s, gone, 90.0, "A").await;
    scored(&s, kept, 50.0, "C").await;
    let running = s.enqueue(NewJob::new("crawl", Some(gone))).await.unwrap().unwrap();
    assert_eq!(s.claim("w", &["crawl".into()], None, 1, 60_000).await.unwrap()[0].id, running);
    let ready = s.enqueue(NewJob::new("enrich", Some(gone))).await.unwrap().unwrap();
    let mut later = NewJob::new("enrich", Some(gone));
    later.run_at_ms = Some(leadsmith_store::now_ms() + 60_000);
    let delayed = s.enqueue(later).await.unwrap().unwrap();
    let other = s.enqueue(NewJob::new("enrich", Some(kept))).await.unwrap().unwrap();

    assert!(s.delete_lead(gone).await.unwrap());
    assert!(s.lead(gone).await.unwrap().is_none());
    assert!(s.lead_by_domain("gone.test").await.unwrap().is_none());
    assert_eq!(s.count_leads().await.unwrap(), 1);
    let listed = s.list_leads(&LeadFilter::default()).await.unwrap();
    assert_eq!(listed.iter().map(|l| l.lead.id).collect::<Vec<_>>(), [kept]);
    assert_eq!(listed[0].deleted_at, None);
    let with_deleted = s.list_leads(&LeadFilter { include_deleted: true, ..Default::default() }).await.unwrap();
    assert_eq!(with_deleted.iter().map(|l| l.lead.id).collect::<Vec<_>>(), [gone, kept]);
    assert!(with_deleted[0].deleted_at.as_deref().is_some_and(|t| t.ends_with('Z')), "{with_deleted:?}");
    assert_eq!(with_deleted[0].score, Some(90.0));
    let filtered = LeadFilter { include_deleted: true, tier: Some("A".into()), ..Default::default() };
    assert_eq!(s.list_leads(&filtered).await.unwrap()[0].lead.id, gone);

    // Its data stays; its jobs that had not started are cancelled, the running one finishes.
    assert_eq!(s.lead_sources(gone).await.unwrap().len(), 1);
    assert_eq!(s.stage_result(gone, "score").await.unwrap().unwrap().data["tier"], "A");
    let state = |id| {
        let s = s.clone();
        async move { s.job(id).await.unwrap().unwrap().state }
    };
    assert_eq!(state(ready).await, JobState::Cancelled);
    assert_eq!(state(delayed).await, JobState::Cancelled);
    assert_eq!(state(running).await, JobState::Running);
    assert_eq!(state(other).await, JobState::Ready, "another lead's job is untouched");
    s.complete(running, "w", vec![], vec![]).await.unwrap();
    assert_eq!(state(running).await, JobState::Done);
    let history = s.lead_jobs(gone).await.unwrap();
    assert_eq!(history.len(), 4, "the history stays: {history:?}");

    assert!(!s.delete_lead(gone).await.unwrap(), "already deleted");
    assert!(!s.delete_lead(kept + 1000).await.unwrap(), "no such lead");
    assert_eq!(s.count_leads().await.unwrap(), 1);
}

pub async fn reimport_restores_a_deleted_lead(s: Arc<dyn Store>) {
    let rows = vec![lead_row(2, "Back", "back.test", |_| {}), lead_row(3, "Other", "other.test", |_| {})];
    let ids = import(&s, rows.clone()).await;
    let back = ids[0];
    assert!(s.delete_lead(back).await.unwrap());

    // A dry run decides the same but restores nothing.
    let dry = s.import_rows("leads.csv", rows.clone(), true).await.unwrap();
    assert_eq!(dry.decisions[0], RowDecision::Unchanged { line: 2, lead_id: back });
    assert!(s.lead(back).await.unwrap().is_none());

    // The same row again: unchanged, and the lead is back.
    let again = s.import_rows("leads.csv", rows, false).await.unwrap();
    assert_eq!(again.decisions[0], RowDecision::Unchanged { line: 2, lead_id: back });
    assert_eq!(s.lead(back).await.unwrap().unwrap().id, back);
    assert_eq!(s.count_leads().await.unwrap(), 2);
    let listed = s.list_leads(&LeadFilter { include_deleted: true, ..Default::default() }).await.unwrap();
    assert!(listed.iter().all(|l| l.deleted_at.is_none()), "{listed:?}");

    // A new row of the same business merges into the deleted lead and restores it too.
    assert!(s.delete_lead(back).await.unwrap());
    let newer = lead_row(9, "Back Again Inc", "back.test", |i| i.vertical = Some("bakery".into()));
    let merged = s.import_rows("newer.csv", vec![newer], false).await.unwrap();
    assert_eq!(merged.decisions[0], RowDecision::Merged { line: 9, lead_id: back, key: "domain:back.test".into() });
    let lead = s.lead_by_domain("back.test").await.unwrap().expect("restored");
    assert_eq!((lead.id, lead.source_rows), (back, 2));
    assert_eq!(lead.input.vertical.as_deref(), Some("bakery"), "the gap was filled");
    assert_eq!(s.list_leads(&LeadFilter::default()).await.unwrap().len(), 2);
}

pub async fn lead_jobs_list_a_leads_history_oldest_first(s: Arc<dyn Store>) {
    let ids = import(&s, vec![lead_row(2, "A", "a.test", |_| {}), lead_row(3, "B", "b.test", |_| {})]).await;
    let [a, b] = ids[..] else { panic!("{ids:?}") };
    assert!(s.lead_jobs(a).await.unwrap().is_empty());
    let crawl = s.enqueue(NewJob::new("crawl", Some(a))).await.unwrap().unwrap();
    s.enqueue(NewJob::new("crawl", Some(b))).await.unwrap();
    s.enqueue(NewJob::new("housekeeping", None)).await.unwrap();
    let claimed = s.claim("w", &["crawl".into()], None, 2, 60_000).await.unwrap();
    assert_eq!(claimed.len(), 2);
    let mut follow_up = NewJob::new("score", Some(a));
    follow_up.payload = json!({"from": crawl});
    s.complete(crawl, "w", vec![], vec![follow_up]).await.unwrap();
    let mut enrich = NewJob::new("enrich", Some(a));
    enrich.max_attempts = 1;
    let enrich = s.enqueue(enrich).await.unwrap().unwrap();
    let claimed = s.claim("w", &["enrich".into()], None, 1, 60_000).await.unwrap();
    assert_eq!(claimed[0].id, enrich);
    s.fail(enrich, "w", "no such host", None).await.unwrap();

    let history = s.lead_jobs(a).await.unwrap();
    let summary: Vec<(&str, JobState)> = history.iter().map(|j| (j.kind.as_str(), j.state)).collect();
    assert_eq!(summary, [("crawl", JobState::Done), ("score", JobState::Ready), ("enrich", JobState::Dead)]);
    assert!(history.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    assert!(history.iter().all(|j| j.lead_id == Some(a)));
    assert_eq!(history[1].payload["from"], crawl);
    assert_eq!(history[2].last_error.as_deref(), Some("no such host"));
    assert_eq!(s.lead_jobs(b).await.unwrap().len(), 1);
    assert!(s.lead_jobs(b + 1000).await.unwrap().is_empty());
}

pub async fn import_creates_merges_and_is_idempotent(s: Arc<dyn Store>) {
    let rows = vec![
        row(2, "Acme Dental", Some("acme-dental.test"), Some("(415) 555-2671")),
        row(3, "Acme Dental LLC", Some("www.acme-dental.test"), None),
        row(4, "Acme front desk", None, Some("415.555.2671")),
        row(5, "Third", Some("third.test"), None),
    ];
    let out = s.import_rows("leads.csv", rows.clone(), false).await.unwrap();
    let d = &out.decisions;
    let RowDecision::New { lead_id: acme, .. } = d[0] else { panic!("{d:?}") };
    assert_eq!(d[1], RowDecision::Merged { line: 3, lead_id: acme, key: "domain:acme-dental.test".into() });
    // Same phone in another format, and no domain of its own: merged on the phone key.
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

pub async fn a_shared_phone_never_merges_other_domains_and_a_crowded_key_merges_nothing(s: Arc<dyn Store>) {
    // One switchboard number for three businesses at three domains: three leads.
    let switchboard = "(415) 555-2680";
    let rows = vec![
        row(2, "North Dental", Some("north.test"), Some(switchboard)),
        row(3, "South Dental", Some("south.test"), Some(switchboard)),
        row(4, "East Dental", Some("east.test"), Some(switchboard)),
    ];
    let out = s.import_rows("f.csv", rows, false).await.unwrap();
    assert!(out.decisions.iter().all(|d| matches!(d, RowDecision::New { .. })), "{:?}", out.decisions);
    assert!(out.crowded_keys.is_empty());
    assert_eq!(s.count_leads().await.unwrap(), 3);

    // A franchise number on more rows than MERGE_KEY_LIMIT, none with a domain: not a merge key, reported.
    let franchise = "(212) 555-2699";
    let many = leadsmith_store::MERGE_KEY_LIMIT + 1;
    let rows: Vec<ImportRow> =
        (0..many).map(|i| row(10 + i as u64, &format!("Franchise {i}"), None, Some(franchise))).collect();
    let out = s.import_rows("g.csv", rows, false).await.unwrap();
    assert!(out.decisions.iter().all(|d| matches!(d, RowDecision::New { .. })), "{:?}", out.decisions);
    assert_eq!(out.crowded_keys, vec![("phone:+12125552699".to_string(), many)]);
    assert_eq!(s.count_leads().await.unwrap(), 3 + many as u64);

    // A handful of rows at one domain still merge on it.
    let rows: Vec<ImportRow> = (0..many).map(|i| row(30 + i as u64, "Big Co", Some("big.test"), None)).collect();
    let out = s.import_rows("h.csv", rows, false).await.unwrap();
    assert_eq!(out.decisions.iter().filter(|d| matches!(d, RowDecision::Merged { .. })).count(), many - 1);
}

pub async fn a_reimport_read_with_a_new_mapping_fills_its_lead(s: Arc<dyn Store>) {
    let mut first = row(2, "placeholder", None, Some("(415) 555-2671"));
    first.input.company = None;
    first.input.extra.insert("Company / Account".into(), "Acme".into());
    let raw = first.raw.clone();
    let lead = s.import_rows("f.csv", vec![first.clone()], false).await.unwrap().decisions[0].lead_id();

    // The same text, now read with "Company / Account" mapped to the company.
    let mut again = first;
    again.input.company = Some("Acme".into());
    assert_eq!(again.raw, raw);
    let out = s.import_rows("f.csv", vec![again.clone()], false).await.unwrap();
    assert_eq!(out.decisions, vec![RowDecision::Updated { line: 2, lead_id: lead }]);
    let stored = s.lead(lead).await.unwrap().unwrap();
    assert_eq!(stored.input.company.as_deref(), Some("Acme"));
    assert_eq!(stored.source_rows, 1, "the same source row, not a second one");
    let out = s.import_rows("f.csv", vec![again], false).await.unwrap();
    assert_eq!(out.decisions, vec![RowDecision::Unchanged { line: 2, lead_id: lead }]);
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

pub async fn fill_website_sets_a_missing_website_only(s: Arc<dyn Store>) {
    // Found through its email: a domain, no website.
    let mut from_email = row(2, "Acme", Some("acme.test"), None);
    from_email.input.website = None;
    let with_site = lead_row(3, "Beta", "beta.test", |_| {});
    let ids = import(&s, vec![from_email, with_site]).await;
    assert!(s.fill_website(ids[0], "https://www.acme.test/").await.unwrap());
    let lead = s.lead(ids[0]).await.unwrap().unwrap();
    assert_eq!(lead.input.website.as_deref(), Some("https://www.acme.test/"));
    assert_eq!(lead.input.company.as_deref(), Some("Acme"), "the rest of the lead is kept");
    assert_eq!(lead.input.domain.unwrap().to_string(), "acme.test");
    // Never replaced: neither the one just filled nor one that came with the lead.
    assert!(!s.fill_website(ids[0], "https://elsewhere.test/").await.unwrap());
    assert!(!s.fill_website(ids[1], "https://elsewhere.test/").await.unwrap());
    assert_eq!(s.lead(ids[1]).await.unwrap().unwrap().input.website.as_deref(), Some("http://beta.test/"));
    assert!(!s.fill_website(9_999, "https://nobody.test/").await.unwrap());
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

/// What the stream sent, with each lead's results and sources as JSON for comparing.
async fn streamed(s: &Arc<dyn Store>, filter: &LeadFilter) -> Vec<(LeadId, serde_json::Value, serde_json::Value)> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let walk = s.stream_leads(filter, tx);
    let collect = async move {
        let mut got = Vec::new();
        while let Some(lead) = rx.recv().await {
            got.push((lead.summary.lead.id, json!(lead.results), json!(lead.sources)));
        }
        got
    };
    let (sent, got) = tokio::join!(walk, collect);
    assert_eq!(sent.unwrap(), got.len() as u64);
    got
}

pub async fn stream_leads_walks_the_listing_once_with_results_and_sources(s: Arc<dyn Store>) {
    // More leads than one fetch from a PostgreSQL cursor, so the walk crosses pages.
    let many = 1_203;
    let mut rows: Vec<ImportRow> =
        (0..many).map(|i| lead_row(i + 2, &format!("L{i}"), &format!("l{i}.test"), |_| {})).collect();
    // A second source row for one lead.
    rows.push(lead_row(many + 2, "L7 again", "l7.test", |_| {}));
    let ids = import(&s, rows).await;
    for (n, &id) in ids.iter().take(700).step_by(7).enumerate() {
        let tier = if n % 5 == 0 { "FAILED" } else { "B" };
        scored(&s, id, (n % 13) as f64 * 7.5, tier).await;
    }
    record(&s, ids[3], vec![("crawl", "ok", json!({"status": "ok"})), ("facts", "ok", json!({"emails": []}))]).await;

    let listed: Vec<LeadId> = s.list_leads(&LeadFilter::default()).await.unwrap().iter().map(|l| l.lead.id).collect();
    let all = streamed(&s, &LeadFilter::default()).await;
    assert_eq!(all.iter().map(|(id, ..)| *id).collect::<Vec<_>>(), listed, "the listing order, every lead once");
    for (id, results, sources) in &all {
        assert_eq!(*results, json!(s.stage_results(*id).await.unwrap()), "lead {id}'s results");
        assert_eq!(*sources, json!(s.lead_sources(*id).await.unwrap()), "lead {id}'s sources");
    }
    let lead_7 = all.iter().find(|(id, ..)| *id == ids[7]).unwrap();
    assert_eq!(lead_7.2.as_array().unwrap().len(), 2, "both source rows of the merged lead");

    // Filters, limit and offset are the listing's.
    for filter in [
        LeadFilter { tier: Some("b".into()), ..Default::default() },
        LeadFilter { limit: Some(600), offset: 3, ..Default::default() },
        LeadFilter { crawl_status: Some("none".into()), limit: Some(10), ..Default::default() },
    ] {
        let listed: Vec<LeadId> = s.list_leads(&filter).await.unwrap().iter().map(|l| l.lead.id).collect();
        let got: Vec<LeadId> = streamed(&s, &filter).await.iter().map(|(id, ..)| *id).collect();
        assert_eq!(got, listed, "{filter:?}");
    }

    // A reader that stops early ends the walk without an error.
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let everything = LeadFilter::default();
    let walk = s.stream_leads(&everything, tx);
    let take_three = async move {
        for _ in 0..3 {
            rx.recv().await.unwrap();
        }
    };
    let (sent, ()) = tokio::join!(walk, take_three);
    assert!(sent.unwrap() < many, "the walk stopped when the reader went away");
}

/// Streams `rows` in batches of `batch` as the app does (each text's occurrence counted over all of them),
/// stopping after `stop_after` batches when set (a crash). Returns the decisions and what was recorded.
async fn stream(
    s: &Arc<dyn Store>,
    source: &str,
    rows: &[ImportRow],
    crowded: &[String],
    batch: usize,
    stop_after: Option<usize>,
    dry_run: bool,
) -> (Vec<RowDecision>, leadsmith_store::StreamedImport) {
    let mut seen: std::collections::HashMap<String, u32> = Default::default();
    let rows: Vec<leadsmith_store::StreamRow> = rows
        .iter()
        .map(|row| {
            let n = seen.entry(row.raw.clone()).or_default();
            *n += 1;
            leadsmith_store::StreamRow { row: row.clone(), occurrence: *n }
        })
        .collect();
    let (batches_tx, batches_rx) = tokio::sync::mpsc::channel(1);
    let (decided_tx, mut decided_rx) = tokio::sync::mpsc::channel(1);
    let feed = async move {
        for (i, chunk) in rows.chunks(batch).enumerate() {
            if stop_after.is_some_and(|n| i >= n) {
                break;
            }
            batches_tx.send(chunk.to_vec()).await.unwrap();
        }
    };
    let collect = async move {
        let mut all = Vec::new();
        while let Some(d) = decided_rx.recv().await {
            all.extend(d);
        }
        all
    };
    let (recorded, (), decisions) =
        tokio::join!(s.import_stream(source, crowded.to_vec(), batches_rx, decided_tx, dry_run), feed, collect);
    (decisions, recorded.unwrap())
}

/// Decisions with lead ids numbered by first appearance, to compare imports whose ids differ.
fn shape(decisions: &[RowDecision]) -> Vec<(String, usize)> {
    let mut ids: Vec<LeadId> = Vec::new();
    decisions
        .iter()
        .map(|d| {
            let id = d.lead_id();
            let n = ids.iter().position(|&i| i == id).unwrap_or_else(|| {
                ids.push(id);
                ids.len() - 1
            });
            let what = match d {
                RowDecision::New { line, .. } => format!("new {line}"),
                RowDecision::Merged { line, key, .. } => format!("merged {line} on {key}"),
                RowDecision::Unchanged { line, .. } => format!("unchanged {line}"),
                RowDecision::Updated { line, .. } => format!("updated {line}"),
            };
            (what, n)
        })
        .collect()
}

pub async fn a_streamed_import_in_batches_decides_as_one_import_does(s: Arc<dyn Store>) {
    let franchise = "(212) 555-2699";
    let mut rows = vec![
        row(2, "North Dental", Some("north.test"), Some("(415) 555-2680")),
        row(3, "North Dental HQ", Some("north.test"), None),
        row(4, "Southside", None, Some("(415) 555-2680")),
        row(5, "East Dental", Some("east.test"), Some("(415) 555-2680")),
        // The same text twice: two source rows of one lead.
        row(6, "Twice", Some("twice.test"), None),
        row(7, "Twice", Some("twice.test"), None),
    ];
    let mut twin = lead_row(8, "Ext", "ext.test", |i| i.external_id = Some("X-1".into()));
    rows.push(twin.clone());
    twin.line = 9;
    twin.input.domain = None;
    twin.raw.push_str(" again");
    rows.push(twin);
    // A phone more rows share than may merge on, across batch boundaries.
    for i in 0..=leadsmith_store::MERGE_KEY_LIMIT {
        rows.push(row(20 + i as u64, &format!("Franchise {i}"), None, Some(franchise)));
    }
    let whole = s.import_rows("whole.csv", rows.clone(), true).await.unwrap();
    assert_eq!(whole.crowded_keys.len(), 1, "{:?}", whole.crowded_keys);
    let crowded: Vec<String> = whole.crowded_keys.iter().map(|(k, _)| k.clone()).collect();

    let (decisions, recorded) = stream(&s, "streamed.csv", &rows, &crowded, 3, None, false).await;
    assert_eq!(shape(&decisions), shape(&whole.decisions), "batches of 3 decide as one import");
    let import_id = recorded.import_id.expect("recorded");
    let mut leads: Vec<LeadId> = decisions.iter().map(RowDecision::lead_id).collect();
    leads.sort();
    leads.dedup();
    assert_eq!(recorded.leads, leads.len() as u64);
    assert_eq!(s.count_leads().await.unwrap(), leads.len() as u64);
    let mut paged = Vec::new();
    loop {
        let page = s.import_lead_ids(import_id, paged.last().copied().unwrap_or(0), 4).await.unwrap();
        if page.is_empty() {
            break;
        }
        paged.extend(page);
    }
    assert_eq!(paged, leads, "the import's leads, a page at a time");

    // Again, in other batches: every row is recognised; a dry run writes nothing.
    let (again, recorded) = stream(&s, "streamed.csv", &rows, &crowded, 5, None, false).await;
    assert!(again.iter().all(|d| matches!(d, RowDecision::Unchanged { .. })), "{again:?}");
    assert_eq!(recorded.leads, leads.len() as u64);
    let (dry, recorded) = stream(&s, "streamed.csv", &rows, &crowded, 2, None, true).await;
    assert!(dry.iter().all(|d| matches!(d, RowDecision::Unchanged { .. })), "{dry:?}");
    assert_eq!(recorded.import_id, None);

    // A dry run of new rows: later batches see earlier ones, and nothing stays.
    let new: Vec<ImportRow> = (0..7).map(|i| row(40 + i, "Same Co", Some("same.test"), None)).collect();
    let (dry, _) = stream(&s, "new.csv", &new, &[], 2, None, true).await;
    assert_eq!(dry.iter().filter(|d| matches!(d, RowDecision::Merged { .. })).count(), 6, "{dry:?}");
    assert_eq!(s.count_leads().await.unwrap(), leads.len() as u64);

    // Cut off after two batches, then run again: nothing lost, nothing twice.
    let (_, _) = stream(&s, "new.csv", &new, &[], 2, Some(2), false).await;
    let (rerun, _) = stream(&s, "new.csv", &new, &[], 2, None, false).await;
    let unchanged = rerun.iter().filter(|d| matches!(d, RowDecision::Unchanged { .. })).count();
    assert_eq!(unchanged, 4, "the committed batches are recognised: {rerun:?}");
    assert_eq!(s.count_leads().await.unwrap(), leads.len() as u64 + 1);
    let lead = s.lead(rerun[0].lead_id()).await.unwrap().unwrap();
    assert_eq!(lead.source_rows, 7, "every row once");
}
