SELECT id, worker, attempts, max_attempts, run_id FROM jobs WHERE state = 'running' AND lease_until < ?1 ORDER BY id
