UPDATE jobs SET state = 'ready', lease_until = NULL, worker = NULL, run_at = $1,
                errors = errors || to_jsonb($2::text), updated_at = $1
WHERE id = $3 AND state = 'running'
