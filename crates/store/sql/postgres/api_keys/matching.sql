-- Locks the matches, so a concurrent revoke of the same key waits and then finds it revoked.
SELECT id, name, scope, prefix, created_at_ms, last_used_at_ms, expires_at_ms, revoked_at_ms
FROM api_keys WHERE name = $1 OR prefix = $1 ORDER BY name COLLATE "C" FOR UPDATE
