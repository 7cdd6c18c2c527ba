INSERT INTO pages (url, fetched_at, data) VALUES (?1, ?2, ?3)
ON CONFLICT(url) DO UPDATE SET fetched_at = excluded.fetched_at, data = excluded.data
