SELECT id, data, source_rows, created_at FROM leads WHERE domain = ?1 AND deleted_at IS NULL ORDER BY id LIMIT 1
