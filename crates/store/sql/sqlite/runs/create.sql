INSERT INTO runs (source, params, status, created_at, key) VALUES (?1, ?2, 'running', ?3, ?4)
ON CONFLICT(key) DO NOTHING
