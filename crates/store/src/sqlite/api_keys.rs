//! API key rows on SQLite: create, list, revoke by name or prefix, look up by hash, touch.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::SqliteStore;
use crate::ApiKeys;
use crate::{ApiKey, NewApiKey, Result, Scope, StoreError};

/// The raw columns of one row (`id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms,
/// revoked_at_ms`, as every key select in `sql/sqlite/api_keys/` returns them); the scope is checked
/// afterwards so a bad one is a [`StoreError`].
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

fn keys_by(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> Result<Vec<ApiKey>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, raw)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(key).collect()
}

pub(crate) fn create(conn: &mut Connection, new: &NewApiKey, now_ms: i64) -> Result<ApiKey> {
    new.validate()?;
    let tx = conn.transaction()?;
    let created = tx
        .query_row(
            sql!("api_keys/insert"),
            params![new.name, new.scope.as_str(), new.prefix, new.hash, now_ms, new.expires_at_ms],
            raw,
        )
        .optional()?;
    let Some(created) = created else {
        // Name or hash taken: say which.
        let name_taken = tx.query_row(sql!("api_keys/name_taken"), [&new.name], |_| Ok(())).optional()?;
        return Err(match name_taken {
            Some(()) => StoreError::ApiKeyNameTaken(new.name.clone()),
            None => StoreError::DuplicateApiKey,
        });
    };
    tx.commit()?;
    key(created)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<ApiKey>> {
    keys_by(conn, sql!("api_keys/list"), [])
}

pub(crate) fn by_hash(conn: &Connection, hash: &str) -> Result<Option<ApiKey>> {
    Ok(keys_by(conn, sql!("api_keys/by_hash"), [hash])?.into_iter().next())
}

pub(crate) fn revoke(conn: &mut Connection, name_or_prefix: &str, now_ms: i64) -> Result<Option<ApiKey>> {
    let tx = conn.transaction()?;
    let found = keys_by(&tx, sql!("api_keys/matching"), [name_or_prefix])?;
    let Some(id) = crate::api_keys::revoke_target(name_or_prefix, &found)? else {
        return Ok(None);
    };
    tx.execute(sql!("api_keys/revoke"), params![now_ms, id])?;
    let revoked = keys_by(&tx, sql!("api_keys/by_id"), [id])?.into_iter().next();
    tx.commit()?;
    Ok(revoked)
}

pub(crate) fn touch(conn: &Connection, id: i64, at_ms: i64) -> Result<()> {
    conn.prepare_cached(sql!("api_keys/touch"))?.execute(params![at_ms, id])?;
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
