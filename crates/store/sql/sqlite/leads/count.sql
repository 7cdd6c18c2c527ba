SELECT count(*) FROM leads WHERE deleted_at IS NULL
