//! `leadsmith keys` end to end on the real binary and a SQLite file: a key is printed once, listed without
//! its secret, never written to the database, and revoked by name or prefix.

use std::path::Path;
use std::process::{Command, Output};

/// The built binary on `db`, with no store or config inherited from the environment.
fn keys(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leadsmith"))
        .env_remove("LEADSMITH_DB")
        .env_remove("LEADSMITH_CONFIG")
        .env("NO_COLOR", "1")
        .arg("--db")
        .arg(db)
        .arg("keys")
        .args(args)
        .current_dir(db.parent().unwrap())
        .output()
        .unwrap()
}

fn ok(out: &Output) -> (String, String) {
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(out.status.success(), "failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status);
    (stdout, stderr)
}

fn failed(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "expected a failure\nstdout:\n{}", String::from_utf8_lossy(&out.stdout));
    stderr
}

/// Every byte of every file the store left in `dir` (the database, and any WAL or journal).
fn all_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn keys_are_printed_once_stored_hashed_listed_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keys.db");

    let (stdout, stderr) = ok(&keys(&db, &["create", "--name", "crm-2025-01", "--scope", "write", "--expires", "90d"]));
    let key = stdout.trim().to_string();
    assert_eq!(stdout.lines().count(), 1, "only the key on stdout: {stdout}");
    assert!(key.starts_with("lsk_") && key.len() == 44, "{key}");
    assert!(stderr.contains("shown only this once") && stderr.contains("X-API-Key") && stderr.contains("Bearer"));
    assert!(!stderr.contains(&key), "the key is printed once, on stdout: {stderr}");
    let prefix = &key[..12];
    assert!(stderr.contains(prefix), "{stderr}");

    let (stdout, _) = ok(&keys(&db, &["create", "--name", "crm-2025-04", "--scope", "read"]));
    let second = stdout.trim().to_string();
    assert_ne!(key, second);

    // The database holds neither key, nor their secret parts, anywhere; it does hold the hash.
    let bytes = all_bytes(dir.path());
    for k in [&key, &second] {
        assert!(!contains(&bytes, k) && !contains(&bytes, &k[12..]), "a raw key is in the database files");
    }
    assert!(contains(&bytes, &leadsmith_store::hash_key(&key)), "the hash is what is stored");

    let (list, _) = ok(&keys(&db, &["list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 3, "header and two keys:\n{list}");
    assert!(lines[0].contains("NAME") && lines[0].contains("LAST USED") && lines[0].contains("STATUS"), "{list}");
    assert!(
        lines[1].starts_with("crm-2025-04") && lines[1].contains(" read ") && lines[1].ends_with("active"),
        "{list}"
    );
    assert!(lines[2].starts_with("crm-2025-01") && lines[2].contains(prefix) && lines[2].ends_with("active"), "{list}");
    assert!(lines[1].contains("never"), "no expiry, never used: {list}");
    for secret in [&key, &second, &leadsmith_store::hash_key(&key), &key[12..].to_string()] {
        assert!(!list.contains(secret.as_str()), "list shows a secret:\n{list}");
    }

    // Revoke by prefix, then by name (again: idempotent), and the list says so.
    let (out, _) = ok(&keys(&db, &["revoke", prefix]));
    assert!(out.contains("revoked API key \"crm-2025-01\""), "{out}");
    let (out, _) = ok(&keys(&db, &["revoke", "crm-2025-01"]));
    assert!(out.contains("already revoked"), "{out}");
    let (json, _) = ok(&keys(&db, &["list", "--json"]));
    let rows: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2, "{json}");
    assert_eq!((rows[0]["name"].as_str(), rows[0]["status"].as_str()), (Some("crm-2025-04"), Some("active")));
    assert_eq!((rows[1]["name"].as_str(), rows[1]["status"].as_str()), (Some("crm-2025-01"), Some("revoked")));
    assert_eq!(rows[1]["scope"], "write");
    assert!(rows[1]["revoked_at"].is_string() && rows[1]["expires_at"].is_string(), "{json}");
    assert!(rows.iter().all(|r| r.get("hash").is_none()) && !json.contains(&key), "{json}");
    let (list, _) = ok(&keys(&db, &["list"]));
    assert!(list.lines().nth(2).unwrap().ends_with("revoked"), "{list}");

    // The verification the server will use agrees with the CLI.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = leadsmith_store::open(db.to_str().unwrap()).await.unwrap();
        let now = leadsmith_store::now_ms();
        let ok = leadsmith_store::verify(store.as_ref(), Some(&second), leadsmith_store::Scope::Read, now).await;
        assert_eq!(ok.unwrap().name, "crm-2025-04");
        let revoked = leadsmith_store::verify(store.as_ref(), Some(&key), leadsmith_store::Scope::Read, now).await;
        assert_eq!(revoked.unwrap_err().status(), 401);
    });
}

#[test]
fn bad_input_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("keys.db");

    let err = failed(&keys(&db, &["create", "--name", "crm", "--scope", "superuser"]));
    assert!(err.contains("superuser") && err.contains("read, write or admin"), "{err}");
    let err = failed(&keys(&db, &["create", "--name", "crm", "--scope", "read", "--expires", "soon"]));
    assert!(err.contains("--expires"), "{err}");
    let err = failed(&keys(&db, &["create", "--name", "has space", "--scope", "read"]));
    assert!(err.contains("has space") && err.contains("letters, digits"), "{err}");

    let (stdout, _) = ok(&keys(&db, &["list"]));
    assert!(stdout.starts_with("no API keys"), "refused keys are not created: {stdout}");
    ok(&keys(&db, &["create", "--name", "crm", "--scope", "admin"]));
    let err = failed(&keys(&db, &["create", "--name", "crm", "--scope", "read"]));
    assert!(err.contains("\"crm\" already exists"), "{err}");
    let err = failed(&keys(&db, &["revoke", "nobody"]));
    assert!(err.contains("no API key is named or prefixed \"nobody\""), "{err}");
}
