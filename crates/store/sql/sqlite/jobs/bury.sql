UPDATE jobs SET state = 'dead', lease_until = NULL, last_error = ?1, errors = json_insert(errors, '$[#]', ?2),
                updated_at = ?3
WHERE id = ?4
