UPDATE jobs SET state = 'dead', lease_until = NULL, last_error = $1, errors = errors || to_jsonb($2::text),
                updated_at = $3
WHERE id = $4
