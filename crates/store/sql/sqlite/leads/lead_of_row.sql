SELECT lead_id FROM lead_sources WHERE fingerprint = ?1
