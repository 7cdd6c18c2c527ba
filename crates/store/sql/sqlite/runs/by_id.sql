SELECT id, source, params, status, created_at, finished_at FROM runs WHERE id = ?1
