//! API key rows on PostgreSQL, with the SQLite backend's semantics: create, list, revoke by name or prefix,
//! look up by hash, touch.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::Row;

use super::{PgStore, exec, query, query_opt};
use crate::ApiKeys;
use crate::{ApiKey, NewApiKey, Result, Scope, StoreError};

/// A key from a row of `id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms`
/// (as every key select in `sql/postgres/api_keys/` returns them).
fn key(r: &Row) -> Result<ApiKey> {
    let name: String = r.get(1);
    let scope: String = r.get(2);
    let scope =
        Scope::parse(&scope).ok_or_else(|| StoreError::Corrupt(format!("API key {name:?} has scope {scope:?}")))?;
    Ok(ApiKey {
        id: r.get(0),
        name,
        scope,
        prefix: r.get(3),
        created_at_ms: r.get(4),
        last_used_at_ms: r.get(5),
        expires_at_ms: r.get(6),
        revoked_at_ms: r.get(7),
    })
}

async fn keys_by<C: GenericClient>(
    c: &C,
    sql: &str,
    args: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<ApiKey>> {
    query(c, sql, args).await?.iter().map(key).collect()
}

pub(crate) async fn create(c: &Object, new: &NewApiKey, now_ms: i64) -> Result<ApiKey> {
    new.validate()?;
    let created = query_opt(
        c,
        sql!("api_keys/insert"),
        &[&new.name, &new.scope.as_str(), &new.prefix, &new.hash, &now_ms, &new.expires_at_ms],
    )
    .await?;
    match created {
        Some(row) => key(&row),
        // Name or hash taken (the insert waited for any concurrent one to commit): say which.
        None if query_opt(c, sql!("api_keys/name_taken"), &[&new.name]).await?.is_some() => {
            Err(StoreError::ApiKeyNameTaken(new.name.clone()))
        }
        None => Err(StoreError::DuplicateApiKey),
    }
}

pub(crate) async fn list(c: &Object) -> Result<Vec<ApiKey>> {
    keys_by(c, sql!("api_keys/list"), &[]).await
}

pub(crate) async fn by_hash(c: &Object, hash: &str) -> Result<Option<ApiKey>> {
    Ok(keys_by(c, sql!("api_keys/by_hash"), &[&hash]).await?.into_iter().next())
}

pub(crate) async fn revoke(c: &mut Object, name_or_prefix: &str, now_ms: i64) -> Result<Option<ApiKey>> {
    let tx = c.transaction().await?;
    let found = keys_by(&tx, sql!("api_keys/matching"), &[&name_or_prefix]).await?;
    let Some(id) = crate::api_keys::revoke_target(name_or_prefix, &found)? else {
        return Ok(None);
    };
    let revoked = query_opt(&tx, sql!("api_keys/revoke"), &[&now_ms, &id]).await?.as_ref().map(key).transpose()?;
    tx.commit().await?;
    Ok(revoked)
}

pub(crate) async fn touch(c: &Object, id: i64, at_ms: i64) -> Result<()> {
    exec(c, sql!("api_keys/touch"), &[&at_ms, &id]).await?;
    Ok(())
}

#[async_trait]
impl ApiKeys for PgStore {
    async fn create_api_key(&self, new: NewApiKey) -> Result<ApiKey> {
        let c = self.client().await?;
        create(&c, &new, crate::now_ms()).await
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>> {
        let c = self.client().await?;
        list(&c).await
    }

    async fn revoke_api_key(&self, name_or_prefix: &str) -> Result<Option<ApiKey>> {
        let mut c = self.client().await?;
        revoke(&mut c, name_or_prefix, crate::now_ms()).await
    }

    async fn api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKey>> {
        let c = self.client().await?;
        by_hash(&c, hash).await
    }

    async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<()> {
        let c = self.client().await?;
        touch(&c, id, at_ms).await
    }
}
