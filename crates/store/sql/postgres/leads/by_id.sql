SELECT id, data, source_rows, created_at FROM leads WHERE id = $1 AND deleted_at IS NULL LIMIT 1
