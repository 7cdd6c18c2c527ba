-- A worker's running jobs that it does not hold (a claim committed whose answer never reached it) go back
-- to ready, the attempt not counted. ?3 is a JSON array of the ids it holds.
UPDATE jobs SET state = 'ready', attempts = max(attempts - 1, 0), lease_until = NULL, worker = NULL,
updated_at = ?1 WHERE worker = ?2 AND state = 'running' AND id NOT IN (SELECT value FROM json_each(?3))
