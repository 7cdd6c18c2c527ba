UPDATE jobs SET state = 'done', lease_until = NULL, updated_at = $1
WHERE id = ANY($2) AND state IN ('running', 'ready')
RETURNING run_id
