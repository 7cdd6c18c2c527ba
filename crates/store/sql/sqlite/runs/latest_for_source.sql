SELECT id, source, params, status, created_at, finished_at FROM runs WHERE source = ?1 ORDER BY id DESC LIMIT 1
