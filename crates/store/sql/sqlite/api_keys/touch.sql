UPDATE api_keys SET last_used_at_ms = ?1 WHERE id = ?2 AND (last_used_at_ms IS NULL OR last_used_at_ms < ?1)
