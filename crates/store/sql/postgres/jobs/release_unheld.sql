-- A worker's running jobs that it does not hold (a claim committed whose answer never reached it) go back
-- to ready, the attempt not counted.
UPDATE jobs SET state = 'ready', attempts = greatest(attempts - 1, 0), lease_until = NULL, worker = NULL,
updated_at = $1 WHERE worker = $2 AND state = 'running' AND NOT (id = ANY($3))
