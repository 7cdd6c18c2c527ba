-- A job a worker claims meanwhile is locked by its claim and stays running; the rest are cancelled.
UPDATE jobs SET state = 'cancelled', updated_at = $1 WHERE lead_id = $2 AND state = 'ready'
RETURNING run_id
