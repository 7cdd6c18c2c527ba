-- jobs/insert.sql and the NOTIFY that wakes idle workers (channel `leadsmith_jobs`, payload the schema) as
-- one autocommitted statement: one round trip.
WITH ins AS (
    INSERT INTO jobs (kind, lead_id, run_id, payload, unique_key, state, priority, max_attempts, run_at, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, 'ready', $6, $7, $8, $9, $9)
    ON CONFLICT (unique_key) DO NOTHING RETURNING id
)
SELECT id, pg_notify('leadsmith_jobs', coalesce(current_schema(), '')) FROM ins
