UPDATE jobs SET state = 'ready', attempts = max(attempts - 1, 0), lease_until = NULL, worker = NULL,
updated_at = ?1 WHERE id = ?2 AND worker = ?3 AND state = 'running'
