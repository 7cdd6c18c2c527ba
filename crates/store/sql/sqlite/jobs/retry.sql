UPDATE jobs SET state = 'ready', run_at = ?1, lease_until = NULL, worker = NULL, last_error = ?2,
                errors = json_insert(errors, '$[#]', ?3), updated_at = ?4
WHERE id = ?5
