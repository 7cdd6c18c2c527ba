//! `leadsmith keys create|list|revoke`: API keys for the HTTP API. A key is printed once, when created; the
//! store keeps only its hash, so a lost key is revoked and replaced, never recovered.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use leadsmith_store::{ApiKey, NewApiKey, Scope, Store, format_unix, generate_key, now_ms};
use serde::Serialize;

/// The `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once on stdout. Several keys can be active at once: to rotate, create the
    /// new key, move clients over, then revoke the old one.
    Create {
        /// A unique name for the key (letters, digits, '-', '_', '.'), e.g. crm-2025-04. Names are not
        /// reused, even after revoking.
        #[arg(long)]
        name: String,
        /// What the key may do: read, write (includes read) or admin (includes write).
        #[arg(long, value_parser = parse_scope)]
        scope: Scope,
        /// Expire the key after this long (e.g. 90d, 12h); never when omitted.
        #[arg(long, value_parser = humantime::parse_duration)]
        expires: Option<Duration>,
    },
    /// Every key, newest first: name, scope, prefix, created, last used, expiry and status. Never the key.
    List {
        /// One JSON object per key instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key by its name or its prefix (as `keys list` shows it). Takes effect at once.
    Revoke {
        #[arg(value_name = "NAME|PREFIX")]
        key: String,
    },
}

fn parse_scope(s: &str) -> Result<Scope, String> {
    s.parse()
}

/// Runs one `keys` subcommand against `store`.
pub async fn run(store: &dyn Store, command: &KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Create { name, scope, expires } => create(store, name, *scope, *expires).await,
        KeysCommand::List { json } => list(store, *json).await,
        KeysCommand::Revoke { key } => revoke(store, key).await,
    }
}

async fn create(store: &dyn Store, name: &str, scope: Scope, expires: Option<Duration>) -> Result<()> {
    let expires_at_ms = match expires {
        None => None,
        Some(d) if d.is_zero() => bail!("--expires must be longer than zero"),
        Some(d) => {
            let ms = i64::try_from(d.as_millis()).ok().and_then(|ms| now_ms().checked_add(ms));
            Some(ms.with_context(|| format!("--expires {} is too far in the future", humantime::format_duration(d)))?)
        }
    };
    let key = generate_key();
    let stored = store
        .create_api_key(NewApiKey::for_key(name, scope, &key, expires_at_ms))
        .await
        .with_context(|| format!("creating API key {name:?}"))?;
    println!("{key}");
    let expiry = stored.expires_at_ms.map_or("never expires".to_string(), |ms| format!("expires {}", time(ms)));
    eprintln!("created API key {:?} (scope {}, prefix {}, {expiry}).", stored.name, stored.scope, stored.prefix);
    eprintln!("The key is shown only this once and cannot be recovered: store it now.");
    eprintln!("Send it as an `X-API-Key: <key>` header or as `Authorization: Bearer <key>`.");
    Ok(())
}

/// One key as `keys list --json` prints it: times as RFC 3339 UTC.
#[derive(Serialize)]
struct KeyView<'a> {
    name: &'a str,
    scope: Scope,
    prefix: &'a str,
    status: &'static str,
    created_at: String,
    last_used_at: Option<String>,
    expires_at: Option<String>,
    revoked_at: Option<String>,
}

impl<'a> KeyView<'a> {
    fn new(k: &'a ApiKey, now: i64) -> Self {
        Self {
            name: &k.name,
            scope: k.scope,
            prefix: &k.prefix,
            status: k.status(now).as_str(),
            created_at: time(k.created_at_ms),
            last_used_at: k.last_used_at_ms.map(time),
            expires_at: k.expires_at_ms.map(time),
            revoked_at: k.revoked_at_ms.map(time),
        }
    }
}

async fn list(store: &dyn Store, json: bool) -> Result<()> {
    let keys = store.api_keys().await.context("listing API keys")?;
    let now = now_ms();
    if json {
        for k in &keys {
            println!("{}", serde_json::to_string(&KeyView::new(k, now))?);
        }
        return Ok(());
    }
    if keys.is_empty() {
        println!("no API keys; create one with `leadsmith keys create --name NAME --scope read`");
        return Ok(());
    }
    print!("{}", table(&keys, now));
    Ok(())
}

/// The `keys list` table.
fn table(keys: &[ApiKey], now: i64) -> String {
    let name_width = keys.iter().map(|k| k.name.len()).max().unwrap_or(0).max(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<name_width$}  {:<5}  {:<12}  {:<20}  {:<20}  {:<20}  STATUS",
        "NAME", "SCOPE", "PREFIX", "CREATED (UTC)", "LAST USED", "EXPIRES"
    );
    for k in keys {
        let view = KeyView::new(k, now);
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<5}  {:<12}  {:<20}  {:<20}  {:<20}  {}",
            view.name,
            view.scope.as_str(),
            view.prefix,
            view.created_at,
            view.last_used_at.as_deref().unwrap_or("never"),
            view.expires_at.as_deref().unwrap_or("never"),
            view.status
        );
    }
    out
}

async fn revoke(store: &dyn Store, given: &str) -> Result<()> {
    let before = now_ms();
    let Some(key) = store.revoke_api_key(given).await.context("revoking API key")? else {
        bail!("no API key is named or prefixed {given:?}; `leadsmith keys list` shows the keys");
    };
    match key.revoked_at_ms {
        Some(at) if at < before => {
            println!("API key {:?} ({}) was already revoked at {}", key.name, key.prefix, time(at))
        }
        _ => println!("revoked API key {:?} ({}); requests with it are refused from now on", key.name, key.prefix),
    }
    Ok(())
}

/// Unix ms as `YYYY-MM-DDTHH:MM:SSZ`.
fn time(ms: i64) -> String {
    format_unix(ms.div_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_shows_status_and_never_a_hash() {
        let key = ApiKey {
            id: 1,
            name: "crm-2025-04".into(),
            scope: Scope::Write,
            prefix: "lsk_AbCdEfGh".into(),
            created_at_ms: 1_795_000_000_000,
            last_used_at_ms: None,
            expires_at_ms: Some(1_795_000_060_000),
            revoked_at_ms: None,
        };
        let revoked = ApiKey { id: 2, name: "old".into(), revoked_at_ms: Some(1_795_000_001_000), ..key.clone() };
        let text = table(&[key, revoked], 1_795_000_000_500);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("NAME ") && lines[0].ends_with("STATUS"), "{text}");
        assert!(lines[1].starts_with("crm-2025-04  write  lsk_AbCdEfGh  2026-11-18T11:06:40Z  never"), "{text}");
        assert!(lines[1].contains("2026-11-18T11:07:40Z") && lines[1].ends_with("active"), "{text}");
        assert!(lines[2].ends_with("revoked"), "{text}");
    }
}
