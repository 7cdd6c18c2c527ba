SELECT id, source, params, status, created_at, finished_at FROM runs ORDER BY id DESC LIMIT ?1
