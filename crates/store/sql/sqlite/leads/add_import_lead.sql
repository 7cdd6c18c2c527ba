INSERT OR IGNORE INTO import_leads (import_id, lead_id) VALUES (?1, ?2)
