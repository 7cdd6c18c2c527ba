SELECT count(*) FROM import_leads WHERE import_id = ?1
