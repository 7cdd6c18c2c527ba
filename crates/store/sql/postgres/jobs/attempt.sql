SELECT state, attempts, max_attempts, worker, run_id FROM jobs WHERE id = $1 FOR UPDATE
