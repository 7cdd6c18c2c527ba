-- The pick is jobs/pick.sql with its filter; the worker and lease placeholders follow the pick's own.
-- A materialised CTE: the locking pick runs exactly once, whatever join the planner would choose.
WITH picked AS MATERIALIZED ({pick})
UPDATE jobs SET state = 'running', worker = {worker}, lease_until = {lease_until}, attempts = jobs.attempts + 1,
                updated_at = $1
FROM picked WHERE jobs.id = picked.id
RETURNING jobs.id, jobs.kind, jobs.lead_id, jobs.run_id, jobs.payload, jobs.state, jobs.priority, jobs.attempts,
          jobs.max_attempts, jobs.run_at, jobs.lease_until, jobs.worker, jobs.last_error, jobs.errors
