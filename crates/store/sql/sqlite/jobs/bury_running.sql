-- A running job dead-lettered by the lease sweep or crash recovery (it keeps its worker: who held it last).
UPDATE jobs SET state = 'dead', last_error = ?1, errors = json_insert(errors, '$[#]', ?2), lease_until = NULL,
                updated_at = ?3
WHERE id = ?4 AND state = 'running'
