SELECT lead_id FROM import_leads WHERE import_id = ?1 AND lead_id > ?2 ORDER BY lead_id LIMIT ?3
