INSERT OR IGNORE INTO lead_keys (key, lead_id) VALUES (?1, ?2)
