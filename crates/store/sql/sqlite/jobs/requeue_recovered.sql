UPDATE jobs SET state = 'ready', lease_until = NULL, worker = NULL, run_at = ?1,
                errors = json_insert(errors, '$[#]', ?2), updated_at = ?1
WHERE id = ?3 AND state = 'running'
