-- Schema version 2 (as migrations/sqlite/0002_runs_schedules.sql): idempotent run creation (a schedule
-- slot or a client key starts a run at most once), cancelled runs, and schedules.

ALTER TABLE runs ADD COLUMN key TEXT;
CREATE UNIQUE INDEX runs_key ON runs(key);

-- Dead-letter listing and purge by age.
CREATE INDEX jobs_dead ON jobs(updated_at, id) WHERE state = 'dead';

CREATE TABLE schedules (
    name          TEXT PRIMARY KEY,
    spec          TEXT NOT NULL,            -- 'every 6h' | 'cron 0 */6 * * *'
    command       JSONB NOT NULL,           -- array of arguments after `leadsmith`
    catch_up      BOOLEAN NOT NULL DEFAULT TRUE,
    paused        BOOLEAN NOT NULL DEFAULT FALSE,
    next_fire_ms  BIGINT NOT NULL,
    last_fired_ms BIGINT,
    created_at    TEXT NOT NULL
);
