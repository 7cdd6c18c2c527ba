INSERT INTO runs (source, params, status, created_at, key, key_fingerprint) VALUES (?1, ?2, 'running', ?3, ?4, ?5)
ON CONFLICT(key) DO NOTHING
