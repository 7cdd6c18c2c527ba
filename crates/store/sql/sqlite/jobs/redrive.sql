UPDATE jobs SET state = 'ready', attempts = 0, run_at = ?1, lease_until = NULL, worker = NULL,
       errors = json_insert(errors, '$[#]', 'redriven'), updated_at = ?1
WHERE state = 'dead' AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR id = ?3)
