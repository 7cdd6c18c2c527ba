SELECT id, worker, attempts, max_attempts, run_id FROM jobs WHERE state = 'running' AND worker = ANY($1) ORDER BY id FOR UPDATE
