INSERT INTO leads (company, domain, data, source_rows, created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?4)
