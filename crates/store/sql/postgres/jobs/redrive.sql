UPDATE jobs SET state = 'ready', attempts = 0, run_at = $1, lease_until = NULL, worker = NULL,
       errors = errors || '"redriven"'::jsonb, updated_at = $1
WHERE state = 'dead' AND ($2::text IS NULL OR kind = $2) AND ($3::int8[] IS NULL OR id = ANY($3))
