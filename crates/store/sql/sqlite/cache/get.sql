SELECT fetched_at, data FROM pages WHERE url = ?1
