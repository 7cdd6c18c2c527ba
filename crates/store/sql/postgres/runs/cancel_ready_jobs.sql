UPDATE jobs SET state = 'cancelled', updated_at = $1 WHERE run_id = $2 AND state = 'ready'
