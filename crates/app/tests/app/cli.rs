//! The `leadsmith` binary end to end: the demo, and a run killed with SIGKILL halfway that resumes and
//! finishes with every lead processed exactly once.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use leadsmith_store::SqliteStore;
use leadsmith_store::prelude::*;
use leadsmith_testkit::SampleWeb;

use crate::support::{leadsmith, sample_setup};

#[test]
fn demo_runs_end_to_end_and_writes_its_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("demo");
    let output = leadsmith().arg("demo").arg("--out").arg(&out_dir).current_dir(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "demo failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Top 10 leads"), "{stdout}");
    assert!(stdout.contains("completed"), "{stdout}");

    let web = SampleWeb::standard();
    let csv_text = std::fs::read_to_string(out_dir.join("leads.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let stats = web.lead_list_stats();
    assert_eq!(rows.len(), web.sites().len() + stats.broken_websites, "one row per business after dedupe");
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let tiers: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[col("tier")]).collect();
    for t in ["A", "FAILED"] {
        assert!(tiers.contains(t), "tier {t} among {tiers:?}");
    }
    assert!(rows.iter().all(|r| !r[col("crawl_status")].is_empty()), "every lead ends in an explicit state");
    assert!(rows.iter().filter(|r| !r[col("email")].is_empty()).count() > rows.len() / 2);
    let jsonl = std::fs::read_to_string(out_dir.join("leads.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), rows.len());
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert!(first["score"]["components"].is_array() && first["facts"].is_object(), "{first}");
    // The errors report names the sample list's bad rows by line.
    let errors = std::fs::read_to_string(out_dir.join("sample-leads.csv.errors.csv")).unwrap();
    assert_eq!(errors.lines().count() - 1, stats.bad_rows);

    // The demo's store answers the inspection commands; --db goes before or after the subcommand.
    let db = out_dir.join("leadsmith.db");
    let list = leadsmith().args(["leads", "list", "--tier", "A", "--limit", "3", "--db"]).arg(&db).output().unwrap();
    let list_out = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    assert_eq!(list_out.lines().count(), 4, "header + 3 rows:\n{list_out}");
    assert!(list_out.lines().skip(1).all(|l| l.contains(" A ")), "{list_out}");
    // Each FAILED lead's row in the table ends with its crawl outcome and the reason for it.
    let failed_list =
        leadsmith().args(["leads", "list", "--tier", "FAILED", "--limit", "10000", "--db"]).arg(&db).output().unwrap();
    let failed_out = String::from_utf8_lossy(&failed_list.stdout);
    assert!(failed_out.lines().next().is_some_and(|h| h.ends_with("CRAWL")), "{failed_out}");
    for r in rows.iter().filter(|r| &r[col("tier")] == "FAILED") {
        let id = &r[col("lead_id")];
        let line = failed_out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("lead {id} missing from:\n{failed_out}"));
        let (status, reason) = (&r[col("crawl_status")], &r[col("crawl_reason")]);
        let expected =
            if reason.is_empty() || status == "ok" { status.to_string() } else { format!("{status}: {reason}") };
        let prefix: String = expected.replace(['\n', '\r'], " ").chars().take(40).collect();
        assert!(line.contains(&prefix), "lead {id}: {prefix:?} not in {line:?}");
    }
    let top_id = &rows[0][col("lead_id")];
    let show = leadsmith().arg("--db").arg(&db).args(["leads", "show", top_id]).output().unwrap();
    let card = String::from_utf8_lossy(&show.stdout);
    for section in
        ["best contact", "facts (value · best confidence · sources · pages)", "score breakdown", "sources", "pages"]
    {
        assert!(card.contains(section), "missing {section:?} in:\n{card}");
    }
    // A lead that lacks something says what and how much it would add, in the export and on its card.
    let lacking = rows.iter().find(|r| !r[col("would_gain")].is_empty()).expect("some lead lacks something");
    assert!(lacking[col("would_gain")].starts_with("missing: "), "{:?}", &lacking[col("would_gain")]);
    assert!(lacking[col("would_gain")].contains("(up to +"), "{:?}", &lacking[col("would_gain")]);
    let show = leadsmith().arg("--db").arg(&db).args(["leads", "show", &lacking[col("lead_id")]]).output().unwrap();
    let card = String::from_utf8_lossy(&show.stdout);
    assert!(card.contains("would score higher with"), "{card}");
    let domain = &rows[0][col("domain")];
    let by_domain = leadsmith().arg("--db").arg(&db).args(["leads", "show", domain, "--json"]).output().unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&by_domain.stdout).unwrap();
    assert_eq!(shown["id"].to_string(), *top_id);
    let export =
        leadsmith().arg("--db").arg(&db).args(["export", "--format", "jsonl", "--tier", "FAILED"]).output().unwrap();
    let failed: Vec<serde_json::Value> =
        String::from_utf8_lossy(&export.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(failed.len(), rows.iter().filter(|r| &r[col("tier")] == "FAILED").count());
    assert!(failed.iter().all(|v| v["score"]["gate"].is_string()), "FAILED leads name their gate");
    let missing = leadsmith().arg("--db").arg(&db).args(["leads", "show", "no-such-lead.test"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no lead with id or domain"));
}

#[test]
fn extract_command_reads_saved_pages() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("pages");
    let dump = leadsmith().args(["sample-web", "dump"]).arg(&pages).output().unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    let web = SampleWeb::standard();
    let site = web
        .sites()
        .iter()
        .find(|s| s.truth.status == leadsmith_core::CrawlStatus::Ok && !s.truth.emails.is_empty())
        .unwrap();
    let out = leadsmith()
        .arg("extract")
        .arg(pages.join(&site.domain))
        .args(["--url", &format!("http://{}/", site.domain), "--stats"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let objects: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(objects.len(), std::fs::read_dir(pages.join(&site.domain)).unwrap().count());
    let emails: std::collections::BTreeSet<String> = objects
        .iter()
        .flat_map(|o| o["emails"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()))
        .collect();
    assert!(site.truth.emails.iter().any(|e| emails.contains(e)), "{emails:?} vs {:?}", site.truth.emails);
    assert!(String::from_utf8_lossy(&out.stderr).contains("MB/s"));
    let missing = leadsmith().args(["extract", "/no/such/file.html"]).output().unwrap();
    assert!(!missing.status.success());
}

/// Waits until at least `n` score jobs are done, failing if the run ends first.
async fn wait_for_scores(db: &Path, child: &mut std::process::Child, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(Instant::now() < deadline, "the run never got going");
        assert!(child.try_wait().unwrap().is_none(), "the run finished before it could be interrupted");
        if db.exists()
            && let Ok(store) = SqliteStore::open(db)
            && let Ok(counts) = store.queue_counts(None).await
            && counts.iter().find(|k| k.kind == "score").is_some_and(|k| k.done >= n)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_then_killed_run_resumes_and_processes_every_lead_once() {
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 7, 60, (100, 200), 6).await;
    let db = dir.path().join("run.db");

    let spawn_run = || {
        leadsmith()
            .arg("--db")
            .arg(&db)
            .arg("--config")
            .arg(&config)
            .arg("run")
            .arg(&leads)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    // First Ctrl-C (SIGINT) once a few leads are scored: the run stops cleanly, gives its jobs back and
    // exits 130 with a hint to resume.
    let mut child = spawn_run();
    wait_for_scores(&db, &mut child, 3).await;
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let interrupted = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&interrupted.stderr);
    assert_eq!(interrupted.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("run the same command to resume"), "{stderr}");
    let store = SqliteStore::open(&db).unwrap();
    let after_int = store.queue_counts(None).await.unwrap();
    assert!(after_int.iter().all(|k| k.running == 0), "Ctrl-C gives jobs in hand back: {after_int:?}");
    assert!(after_int.iter().map(|k| k.ready).sum::<u64>() > 0, "work was left: {after_int:?}");

    // Then resume and kill -9 in the middle: no chance to clean up at all.
    let mut child = spawn_run();
    wait_for_scores(&db, &mut child, 10).await;
    child.kill().unwrap();
    child.wait().unwrap();

    let store = SqliteStore::open(&db).unwrap();
    let before = store.queue_counts(None).await.unwrap();
    let open_before: u64 = before.iter().map(|k| k.ready + k.running).sum();
    assert!(open_before > 0, "the kill left work unfinished: {before:?}");

    let output = leadsmith()
        .arg("--db")
        .arg(&db)
        .arg("--config")
        .arg(&config)
        .arg("run")
        .arg(&leads)
        .arg("--out")
        .arg(dir.path().join("out.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("resuming run 1"), "{stderr}");
    assert!(stderr.contains("run 1 completed"), "{stderr}");

    let leads_total = store.count_leads().await.unwrap();
    assert_eq!(leads_total as usize, web.sites().len());
    let counts = store.queue_counts(None).await.unwrap();
    for k in &counts {
        assert_eq!((k.ready, k.running, k.dead), (0, 0, 0), "{counts:?}");
        assert_eq!(k.done, leads_total, "one {} job per lead, none duplicated: {counts:?}", k.kind);
    }
    for id in 1..=leads_total as i64 {
        let mut stages: Vec<String> = store.stage_results(id).await.unwrap().into_iter().map(|r| r.stage).collect();
        stages.sort();
        // A site that answered is audited too.
        stages.retain(|s| s != "audit");
        assert_eq!(stages, ["assess", "crawl", "email", "facts", "score", "tech"], "lead {id}");
    }
    let exported = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert_eq!(exported.lines().count() as u64, leads_total + 1);
}

#[test]
fn config_check_explains_good_and_bad_settings() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(&good, "[crawl]\nmax_extra_pages = 1\nallow_addresses = ['10.1.0.0/16']\n").unwrap();
    let out = leadsmith().arg("--config").arg(&good).args(["config", "check"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("max_extra_pages = 1") && text.contains("10.1.0.0/16"), "{text}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[crawl]\ntimeouts_secs = []\n").unwrap();
    let out = leadsmith().arg("--config").arg(&bad).args(["config", "check"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("crawl.timeouts_secs needs at least one entry"));

    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, "[pipeline]\ndefault_regoin = 'GB'\n").unwrap();
    let out = leadsmith().arg("--config").arg(&typo).args(["config", "check"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("default_regoin"), "{err}");
}

#[tokio::test]
async fn queue_stats_and_dead_letter_operations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ops.db");
    let store = SqliteStore::open(&db).unwrap();
    let mut job = leadsmith_store::NewJob::new("crawl", Some(7));
    job.max_attempts = 1;
    let id = store.enqueue(job).await.unwrap().unwrap();
    store.claim("w", &[], None, 1, 60_000).await.unwrap();
    store.fail(id, "w", "tls handshake failed", None).await.unwrap();
    let run = |args: &[&str]| {
        let out = leadsmith().arg("--db").arg(&db).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let id_s = id.to_string();

    let (ok, stats, _) = run(&["queue", "stats"]);
    assert!(ok);
    let crawl_line = stats.lines().find(|l| l.starts_with("crawl")).unwrap();
    assert_eq!(crawl_line.split_whitespace().collect::<Vec<_>>()[..6], ["crawl", "0", "0", "0", "0", "1"], "{stats}");
    let (ok, list, _) = run(&["dlq", "list"]);
    assert!(ok && list.contains(&id_s) && list.contains("tls handshake failed"), "{list}");
    let (ok, shown, _) = run(&["dlq", "show", &id_s]);
    assert!(ok && shown.contains("1. attempt 1: tls handshake failed"), "{shown}");
    let (ok, _, err) = run(&["dlq", "redrive"]);
    assert!(!ok && err.contains("give a job id or --all"), "{err}");
    let (ok, out, _) = run(&["dlq", "redrive", &id_s]);
    assert!(ok && out.contains("redrove 1 dead job;"), "{out}");
    assert_eq!(store.job(id).await.unwrap().unwrap().state, leadsmith_store::JobState::Ready);

    store.claim("w", &[], None, 1, 60_000).await.unwrap();
    store.fail(id, "w", "still failing", None).await.unwrap();
    let (ok, out, _) = run(&["dlq", "purge", "--older-than", "30d"]);
    assert!(ok && out.contains("purged 0 dead jobs"), "{out}");
    let (ok, out, _) = run(&["dlq", "purge"]);
    assert!(ok && out.contains("purged 1 dead job"), "{out}");
    let (_, list, _) = run(&["dlq", "list"]);
    assert!(list.contains("no dead letters"), "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_run_is_worked_by_standalone_workers() {
    let dir = tempfile::tempdir().unwrap();
    let (web, _server, config, leads) = sample_setup(dir.path(), 5, 30, (50, 100), 4).await;
    let db = dir.path().join("w.db");
    let cmd = |args: &[&str]| {
        let mut c = leadsmith();
        c.arg("--db").arg(&db).arg("--config").arg(&config).args(args);
        c
    };

    let out = cmd(&["runs", "start", "--source"]).arg(&leads).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains(&format!("run 1 queued: {} leads", web.sites().len())), "{stdout}");

    // A worker stopped with SIGTERM gives its jobs back and exits 0.
    let mut worker =
        cmd(&["worker", "--concurrency", "4"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    wait_for_scores(&db, &mut worker, 3).await;
    assert!(Command::new("kill").args(["-TERM", &worker.id().to_string()]).status().unwrap().success());
    let stopped = worker.wait_with_output().unwrap();
    assert_eq!(stopped.status.code(), Some(0), "{}", String::from_utf8_lossy(&stopped.stderr));
    let store = SqliteStore::open(&db).unwrap();
    assert!(store.queue_counts(None).await.unwrap().iter().all(|k| k.running == 0));

    // Another worker finishes the run and leaves once idle; the run gets its final status.
    let out = cmd(&["worker", "--idle-exit", "1s"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.contains("worker done:"), "{stderr}");
    let out = cmd(&["runs", "show", "1"]).output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("run 1 · completed"), "{shown}");
    let n = web.sites().len();
    assert!(
        shown
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["score", "0", "0", &n.to_string(), "0", "0", "0"]),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("found {n} · queued 0 · running 0 · processed {n} · failed 0 · dead 0")),
        "{shown}"
    );
    let out = cmd(&["runs", "list"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("completed"));
    let bad = cmd(&["worker", "--kinds", "crawl,email"]).output().unwrap();
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("unknown job kind \"email\""));
}

#[test]
fn an_unknown_tier_is_an_error_naming_the_tiers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    assert!(leadsmith().arg("--db").arg(&db).arg("migrate").output().unwrap().status.success());
    for args in [&["leads", "list", "--tier", "Z"][..], &["export", "--tier", "Z"][..]] {
        let out = leadsmith().arg("--db").arg(&db).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unknown tier \"Z\": the tiers are A, B, C, D and FAILED"), "{args:?}: {stderr}");
    }
    let out = leadsmith().arg("--db").arg(&db).args(["leads", "list", "--tier", "b"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn import_prints_its_mapping_and_fails_when_no_row_could_be_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "Company / Account,Zip/Postal Code,Lead Owner\nAcme Dental,94110,Pat\n").unwrap();
    let out = leadsmith().arg("--db").arg(&db).args(["import", "--dry-run"]).arg(&good).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Company / Account → company"), "{stderr}");
    assert!(stderr.contains("not recognised, kept as extra fields: Lead Owner"), "{stderr}");

    let mapped = leadsmith()
        .arg("--db")
        .arg(&db)
        .args(["import", "--dry-run", "--map", "Lead Owner=last_name"])
        .arg(&good)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&mapped.stderr);
    assert!(stderr.contains("Lead Owner → last_name"), "{stderr}");

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "company,website\n,\n\"unterminated,\n").unwrap();
    let out = leadsmith().arg("--db").arg(&db).arg("import").arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("no row of"), "{stderr}");

    let workbook = dir.path().join("leads.xlsx");
    std::fs::write(&workbook, b"PK\x03\x04rest-of-a-zip").unwrap();
    let out = leadsmith().arg("--db").arg(&db).arg("import").arg(&workbook).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("save it as CSV"), "{stderr}");
}

/// A store with three imported leads, one named like a spreadsheet formula.
fn imported_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("t.db");
    let csv = dir.join("in.csv");
    std::fs::write(
        &csv,
        "company,website,phone\n\"=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",evil.example,\n\
         Acme Dental,acme-dental.example,\n-2+3+cmd,cmd.example,\n",
    )
    .unwrap();
    let out = leadsmith().arg("--db").arg(&db).arg("import").arg(&csv).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    db
}

#[test]
fn csv_exports_neutralise_formulas_unless_told_to_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_store(dir.path());
    let out = leadsmith().arg("--db").arg(&db).arg("export").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\""), "{text}");
    assert!(text.contains(",'-2+3+cmd,"), "{text}");
    assert!(!text.lines().any(|l| l.split(',').any(|c| c.starts_with('=') || c.starts_with("\"="))), "{text}");

    let kept = leadsmith().arg("--db").arg(&db).args(["export", "--keep-formulas"]).output().unwrap();
    let text = String::from_utf8(kept.stdout).unwrap();
    assert!(text.contains(",-2+3+cmd,"), "{text}");

    // A rejected row's report is a CSV too, and no more readable than its input.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "company,website\nAcme,acme.example\n=cmd|' /C calc'!A0,b,c\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let out = leadsmith().arg("--db").arg(&db).arg("import").arg(&bad).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = dir.path().join("bad.csv.errors.csv");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains(",\"'=cmd|' /C calc'!A0,b,c\""), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&report).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn export_picks_its_format_from_the_file_name_and_dash_is_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_store(dir.path());
    let jsonl = dir.path().join("all.jsonl");
    let out = leadsmith().arg("--db").arg(&db).args(["export", "--out"]).arg(&jsonl).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrote 3 leads"));
    let text = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(text.lines().count(), 3);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["id"].is_i64(), "{line}");
        assert_eq!(line.matches("\"id\":").count(), 1, "one id per line: {line}");
    }

    let out = leadsmith().arg("--db").arg(&db).args(["export", "--format", "jsonl", "--out", "-"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
    assert!(!Path::new("-").exists() && !dir.path().join("-").exists());
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = imported_store(dir.path());
    for args in [&["export"][..], &["leads", "list"][..]] {
        let mut child =
            leadsmith().arg("--db").arg(&db).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn reading_commands_never_create_a_store_and_odd_locations_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none.db");
    for args in
        [&["leads", "list"][..], &["export"][..], &["runs", "list"][..], &["queue", "stats"][..], &["dlq", "list"][..]]
    {
        let out = leadsmith().arg("--db").arg(&db).args(args).current_dir(dir.path()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(&format!("no store at {}", db.display())), "{args:?}: {stderr}");
        assert!(!db.exists(), "{args:?} created {}", db.display());
    }
    let out = leadsmith().args(["leads", "list"]).current_dir(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at leadsmith.db"));
    assert!(!dir.path().join("leadsmith.db").exists());

    let dsn = "host=db.internal user=leadsmith password=hunter2";
    let out = leadsmith()
        .args(["--db", dsn, "import"])
        .arg(dir.path().join("x.csv"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("key=value PostgreSQL connection string"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing was created");
    let out = leadsmith().args(["--db", "mysql://u:hunter2@h/db", "leads", "list"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unsupported store location scheme \"mysql\"") && !stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn sample_web_serve_writes_a_short_config_that_checks() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sample.toml");
    let mut child = leadsmith()
        .args(["sample-web", "serve", "--write-config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let wrote = stderr.lines().map(Result::unwrap).find(|l| l.starts_with("wrote the settings")).unwrap();
    assert!(wrote.contains(&config.display().to_string()), "{wrote}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.lines().count() < 10, "{text}");
    assert!(text.contains("\"*.test\" = \"127.0.0.1:"), "{text}");
    let check = leadsmith().arg("--config").arg(&config).args(["config", "check"]).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    child.kill().unwrap();
    let _ = child.wait();
}

/// `runs start` resumes the file's unfinished run only while it has work left. A run left `running` with
/// every job ended (its worker died between the last job and the run's status, when those were two
/// transactions) is given its final status and the file starts a new run, rather than "resuming" a run
/// into which nothing can be queued again.
#[tokio::test]
async fn runs_start_resumes_only_a_run_with_work_left() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let leads = dir.path().join("leads.csv");
    std::fs::write(&leads, "company,website\nAcme,acme.example\nBolt,bolt.example\n").unwrap();
    let start = || {
        let out = leadsmith().arg("--db").arg(&db).args(["runs", "start", "--source"]).arg(&leads).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(start().contains("run 1 queued: 2 leads"));
    assert!(start().contains("run 1 resumed: 2 leads"), "its jobs are still queued");

    // What a worker that died after the last job and before the run's status left behind.
    rusqlite::Connection::open(&db).unwrap().execute("UPDATE jobs SET state = 'done', attempts = 1", []).unwrap();
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(store.run(1).await.unwrap().unwrap().status, "running");

    let out = start();
    assert!(out.contains("run 2 queued: 2 leads"), "{out}");
    assert_eq!(store.run(1).await.unwrap().unwrap().status, "completed", "the stranded run is finished");
    let counts = store.queue_counts(Some(2)).await.unwrap();
    assert_eq!(counts.iter().map(|k| k.ready).sum::<u64>(), 2, "the new run has the file's work: {counts:?}");
}

#[tokio::test]
async fn cache_prune_and_jobs_purge_report_what_they_removed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("retention.db");
    let store = SqliteStore::open(&db).unwrap();
    let now = leadsmith_store::now_ms() / 1000;
    for (url, age_secs) in
        [("http://old.test/", 40 * 86_400), ("http://stale.test/", 2 * 86_400), ("http://new.test/", 0)]
    {
        store.put_cached_page(url, now - age_secs, "{}").await.unwrap();
    }
    let run_cmd = |args: &[&str]| {
        let out = leadsmith().arg("--db").arg(&db).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout
    };
    let out = run_cmd(&["cache", "prune", "--older-than", "30d"]);
    assert!(out.starts_with("pruned 1 cached page fetched more than 30days ago"), "{out}");
    assert!(store.cached_page("http://old.test/").await.unwrap().is_none());
    let out = run_cmd(&["cache", "prune"]);
    assert!(out.starts_with("pruned 1 cached page fetched more than 1day ago"), "the cache TTL by default: {out}");
    assert!(store.cached_page("http://new.test/").await.unwrap().is_some());

    // A finished run with one done job, and a dead letter of no run.
    let run = store.create_run("f.csv", &serde_json::json!({}), None).await.unwrap();
    let mut job = leadsmith_store::NewJob::new("crawl", Some(1));
    job.run_id = Some(run);
    store.enqueue(job).await.unwrap();
    let j = store.claim("w", &[], Some(run), 1, 60_000).await.unwrap().remove(0);
    store.complete(j.id, "w", vec![], vec![]).await.unwrap();
    let mut doomed = leadsmith_store::NewJob::new("crawl", Some(2));
    doomed.max_attempts = 1;
    let dead = store.enqueue(doomed).await.unwrap().unwrap();
    store.claim("w", &[], None, 1, 60_000).await.unwrap();
    store.fail(dead, "w", "boom", None).await.unwrap();
    assert_eq!(
        run_cmd(&["jobs", "purge", "--older-than", "30d"]),
        "purged 0 done jobs and 0 finished runs older than 30days\n"
    );
    // Run times are whole seconds: let the run's second pass.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(
        run_cmd(&["jobs", "purge", "--older-than", "0s"]),
        "purged 1 done job and 1 finished run older than 0s\n"
    );
    assert!(store.run(run).await.unwrap().is_none());
    assert!(store.job(dead).await.unwrap().is_some(), "dead letters stay");
    let missing = leadsmith().arg("--db").arg(&db).args(["jobs", "purge"]).output().unwrap();
    assert!(!missing.status.success() && String::from_utf8_lossy(&missing.stderr).contains("--older-than"));
}

/// `extract` reports each page's technologies with their evidence — the defaults and `--fingerprints`
/// files in the Wappalyzer format — and never a product the page only mentions.
#[test]
fn extract_reports_technologies_with_default_and_given_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("home.html");
    std::fs::write(
        &page,
        "<html><head><meta name=\"generator\" content=\"WordPress 6.4.2\">\
         <script src=\"https://widget.acme.test/v2.1/w.js\"></script></head>\
         <body><p>We integrate with Mailchimp.</p></body></html>",
    )
    .unwrap();
    let fingerprints = dir.path().join("mine.json");
    std::fs::write(
        &fingerprints,
        r#"{"$license": "MIT", "Acme Widget": {"cats": [5], "scriptSrc": "widget\\.acme\\.test/v([\\d.]+)/\\;version:\\1"}}"#,
    )
    .unwrap();
    let out = leadsmith().arg("extract").arg(&page).arg("--fingerprints").arg(&fingerprints).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let techs = json["technologies"].as_array().unwrap();
    let find = |name: &str| techs.iter().find(|t| t["name"] == name);
    let wp = find("WordPress").expect("WordPress from its generator tag");
    assert_eq!((wp["version"].as_str(), wp["status"].as_str()), (Some("6.4.2"), Some("detected")));
    assert_eq!(wp["evidence"][0]["kind"], "meta");
    let mine = find("Acme Widget").expect("a technology from --fingerprints");
    assert_eq!(mine["version"], "2.1");
    assert_eq!(mine["source"]["file"].as_str().map(|f| f.ends_with("mine.json")), Some(true));
    assert_eq!(mine["source"]["license"], "MIT");
    assert!(find("Mailchimp").is_none(), "a mention is not a detection: {techs:?}");
    let missing = leadsmith().arg("extract").arg(&page).args(["--fingerprints", "/no/such/dir"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/dir"));
}
