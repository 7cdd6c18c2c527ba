UPDATE jobs SET state = 'ready', run_at = ?1, lease_until = NULL,
                errors = json_insert(errors, '$[#]', 'lease expired (worker ' || coalesce(worker, '?') || ')'),
                worker = NULL, updated_at = ?1
WHERE state = 'running' AND lease_until < ?1
