SELECT lead_id FROM lead_keys WHERE key = ?1
