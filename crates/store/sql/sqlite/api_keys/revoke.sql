UPDATE api_keys SET revoked_at_ms = coalesce(revoked_at_ms, ?1) WHERE id = ?2
