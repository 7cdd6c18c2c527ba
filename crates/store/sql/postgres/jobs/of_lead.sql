SELECT id, kind, lead_id, run_id, payload, state, priority, attempts, max_attempts, run_at, lease_until, worker, last_error, errors
FROM jobs WHERE lead_id = $1 ORDER BY id
