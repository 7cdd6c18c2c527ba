INSERT INTO api_keys (name, scope, prefix, hash, created_at_ms, expires_at_ms)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
RETURNING id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms
