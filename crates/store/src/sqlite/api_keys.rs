//! API key rows on SQLite: create, list, revoke by name or prefix, look up by hash, touch.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use crate::ApiKeys;
use crate::{ApiKey, NewApiKey, Result, Scope, StoreError};

const COLUMNS: &str = "id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms";

/// The raw columns of one row; the scope is checked afterwards so a bad one is a [`StoreError`].
type RawKey = (i64, String, String, String, i64, Option<i64>, Option<i64>, Option<i64>);

fn raw(r: &Row<'_>) -> rusqlite::Result<RawKey> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn key(
    (id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms): RawKey,
) -> Result<ApiKey> {
    let scope =
        Scope::parse(&scope).ok_or_else(|| StoreError::Corrupt(format!("API key {name:?} has scope {scope:?}")))?;
    Ok(ApiKey { id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms })
}

fn keys_where(conn: &Connection, condition: &str, args: impl rusqlite::Params) -> Result<Vec<ApiKey>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_keys WHERE {condition}"))?;
    let rows = stmt.query_map(args, raw)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(key).collect()
}

pub(crate) fn create(conn: &mut Connection, new: &NewApiKey, now_ms: i64) -> Result<ApiKey> {
    new.validate()?;
    let tx = conn.transaction()?;
    let created = tx
        .query_row(
            &format!(
                "INSERT INTO api_keys (name, scope, prefix, hash, created_at_ms, expires_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
            ),
            params![new.name, new.scope.as_str(), new.prefix, new.hash, now_ms, new.expires_at_ms],
            raw,
        )
        .optional()?;
    let Some(created) = created else {
        // Name or hash taken: say which.
        let name_taken = tx.query_row("SELECT 1 FROM api_keys WHERE name = ?1", [&new.name], |_| Ok(())).optional()?;
        return Err(match name_taken {
            Some(()) => StoreError::ApiKeyNameTaken(new.name.clone()),
            None => StoreError::DuplicateApiKey,
        });
    };
    tx.commit()?;
    key(created)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<ApiKey>> {
    keys_where(conn, "1 ORDER BY created_at_ms DESC, id DESC", [])
}

pub(crate) fn by_hash(conn: &Connection, hash: &str) -> Result<Option<ApiKey>> {
    Ok(keys_where(conn, "hash = ?1", [hash])?.into_iter().next())
}

pub(crate) fn revoke(conn: &mut Connection, name_or_prefix: &str, now_ms: i64) -> Result<Option<ApiKey>> {
    let tx = conn.transaction()?;
    let found = keys_where(&tx, "name = ?1 OR prefix = ?1 ORDER BY name", [name_or_prefix])?;
    let Some(id) = crate::api_keys::revoke_target(name_or_prefix, &found)? else {
        return Ok(None);
    };
    tx.execute("UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, ?1) WHERE id = ?2", params![now_ms, id])?;
    let revoked = keys_where(&tx, "id = ?1", [id])?.into_iter().next();
    tx.commit()?;
    Ok(revoked)
}

pub(crate) fn touch(conn: &Connection, id: i64, at_ms: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE api_keys SET last_used_at_ms = ?1 WHERE id = ?2 AND (last_used_at_ms IS NULL OR last_used_at_ms < ?1)",
    )?
    .execute(params![at_ms, id])?;
    Ok(())
}

#[async_trait]
impl ApiKeys for SqliteStore {
    async fn create_api_key(&self, new: NewApiKey) -> Result<ApiKey> {
        self.call(move |conn| create(conn, &new, crate::now_ms())).await
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        self.call(|conn| list(conn)).await
    }

    async fn revoke_api_key(&self, name_or_prefix: &str) -> Result<Option<ApiKey>> {
        let given = name_or_prefix.to_string();
        self.call(move |conn| revoke(conn, &given, crate::now_ms())).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>> {
        let hash = hash.to_string();
        self.call(move |conn| by_hash(conn, &hash)).await
    }

    async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<()> {
        self.call(move |conn| touch(conn, id, at_ms)).await
    }
}
