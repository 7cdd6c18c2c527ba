-- The job's worker is released; a dead-lettered one keeps it (who held it last).
UPDATE jobs SET state = 'ready', run_at = ?2, lease_until = NULL, errors = json_insert(errors, '$[#]', ?1), worker = NULL,
                updated_at = ?2
WHERE id = ?3 AND state = 'running'
