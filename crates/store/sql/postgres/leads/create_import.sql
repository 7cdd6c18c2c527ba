INSERT INTO imports (source, created_at, rows_read) VALUES ($1, $2, $3) RETURNING id
