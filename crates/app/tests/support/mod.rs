//! Helpers shared by the binary's end-to-end tests.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use leadsmith_testkit::{SampleWeb, ServeOptions};

/// The built binary, with no store or config inherited from the environment.
pub fn leadsmith() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leadsmith"));
    cmd.env_remove("LEADSMITH_DB").env_remove("LEADSMITH_CONFIG").env("NO_COLOR", "1");
    cmd
}

/// A small sample web served with per-response latency, its lead list as JSONL and a leadsmith.toml that
/// points the crawler at it. Keep the server alive for the test's length.
pub async fn sample_setup(
    dir: &Path,
    seed: u64,
    sites: usize,
    latency_ms: (u64, u64),
    workers: usize,
) -> (Arc<SampleWeb>, leadsmith_testkit::SampleServer, std::path::PathBuf, std::path::PathBuf) {
    let web = Arc::new(SampleWeb::generate(seed, sites));
    let opts = ServeOptions {
        latency: (Duration::from_millis(latency_ms.0), Duration::from_millis(latency_ms.1)),
        slow_delay: Duration::from_secs(2),
    };
    let server = web.clone().serve(opts).await.unwrap();
    let config = write_config(dir, &server, workers);
    let leads = dir.join("leads.jsonl");
    std::fs::write(&leads, web.leads_jsonl()).unwrap();
    (web, server, config, leads)
}

pub fn write_config(dir: &Path, server: &leadsmith_testkit::SampleServer, workers: usize) -> std::path::PathBuf {
    let mut toml = String::from(
        "[crawl]\nallow_addresses = [\"127.0.0.1/32\"]\ntimeouts_secs = [1.0, 1.0, 1.0]\nbackoff_secs = [0.05, 0.05, 0.05]\nper_host_interval_ms = 5\n",
    );
    toml.push_str(&format!("[pipeline]\nworkers = {workers}\n[crawl.resolve]\n"));
    for (host, addr) in server.resolve_overrides() {
        toml.push_str(&format!("\"{host}\" = \"{addr}\"\n"));
    }
    let path = dir.join("leadsmith.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// A fresh PostgreSQL schema for one test, as a store URL; `LEADSMITH_TEST_PG_URL` (default: the local
/// server's `test` database). Panics when PostgreSQL cannot be reached: a PostgreSQL test asked to run
/// never skips. Returns `None` only when `LEADSMITH_TEST_PG=skip`.
pub async fn pg_url(prefix: &str) -> Option<String> {
    if std::env::var("LEADSMITH_TEST_PG").as_deref() == Ok("skip") {
        eprintln!("LEADSMITH_TEST_PG=skip: not running this PostgreSQL test");
        return None;
    }
    let base = std::env::var("LEADSMITH_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    match leadsmith_store::scratch_schema_url(&base, prefix).await {
        Ok(url) => Some(url),
        Err(e) => panic!("PostgreSQL test cannot reach {base}: {e} (set LEADSMITH_TEST_PG=skip to skip on purpose)"),
    }
}
