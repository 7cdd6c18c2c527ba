UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, $1) WHERE id = $2
RETURNING id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms
