-- Runs that ended before $1 (RFC 3339 text, which sorts as time) and have no job left.
DELETE FROM runs
WHERE status <> 'running' AND finished_at < $1 AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = runs.id)
