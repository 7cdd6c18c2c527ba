UPDATE jobs SET state = 'dead', last_error = 'lease expired on attempt ' || attempts || ' of ' || max_attempts,
                errors = json_insert(errors, '$[#]', 'lease expired (worker ' || coalesce(worker, '?') || ')'),
                lease_until = NULL, updated_at = ?1
WHERE state = 'running' AND lease_until < ?1 AND attempts >= max_attempts
