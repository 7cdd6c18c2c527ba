//! API key rows on PostgreSQL, with the SQLite backend's semantics: create, list, revoke by name or prefix,
//! look up by hash, touch.

use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::Row;

use super::{PgStore, exec, query, query_opt};
use crate::ApiKeys;
use crate::{ApiKey, NewApiKey, Result, Scope, StoreError};

const COLUMNS: &str = "id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms";

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

async fn keys_where<C: GenericClient>(
    c: &C,
    condition: &str,
    args: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE {condition}");
    query(c, &sql, args).await?.iter().map(key).collect()
}

pub(crate) async fn create(c: &Object, new: &NewApiKey, now_ms: i64) -> Result<ApiKey> {
    new.validate()?;
    let sql = format!(
        "INSERT INTO api_keys (name, scope, prefix, hash, created_at_ms, expires_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    );
    let created =
        query_opt(c, &sql, &[&new.name, &new.scope.as_str(), &new.prefix, &new.hash, &now_ms, &new.expires_at_ms])
            .await?;
    match created {
        Some(row) => key(&row),
        // Name or hash taken (the insert waited for any concurrent one to commit): say which.
        None if query_opt(c, "SELECT 1 FROM api_keys WHERE name = $1", &[&new.name]).await?.is_some() => {
            Err(StoreError::ApiKeyNameTaken(new.name.clone()))
        }
        None => Err(StoreError::DuplicateApiKey),
    }
}

pub(crate) async fn list(c: &Object) -> Result<Vec<ApiKey>> {
    keys_where(c, "true ORDER BY created_at_ms DESC, id DESC", &[]).await
}

pub(crate) async fn by_hash(c: &Object, hash: &str) -> Result<Option<ApiKey>> {
    Ok(keys_where(c, "hash = $1", &[&hash]).await?.into_iter().next())
}

pub(crate) async fn revoke(c: &mut Object, name_or_prefix: &str, now_ms: i64) -> Result<Option<ApiKey>> {
    let tx = c.transaction().await?;
    // Locks the matches, so a concurrent revoke of the same key waits and then finds it revoked.
    let found =
        keys_where(&tx, "name = $1 OR prefix = $1 ORDER BY name COLLATE \"C\" FOR UPDATE", &[&name_or_prefix]).await?;
    let Some(id) = crate::api_keys::revoke_target(name_or_prefix, &found)? else {
        return Ok(None);
    };
    let sql =
        format!("UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, $1) WHERE id = $2 RETURNING {COLUMNS}");
    let revoked = query_opt(&tx, &sql, &[&now_ms, &id]).await?.as_ref().map(key).transpose()?;
    tx.commit().await?;
    Ok(revoked)
}

pub(crate) async fn touch(c: &Object, id: i64, at_ms: i64) -> Result<()> {
    exec(
        c,
        "UPDATE api_keys SET last_used_at_ms = $1 WHERE id = $2 AND (last_used_at_ms IS NULL OR last_used_at_ms < $1)",
        &[&at_ms, &id],
    )
    .await?;
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
