-- Schema version 2: idempotent run creation (a schedule slot or a client key starts a run at most once),
-- cancelled runs, and schedules.

ALTER TABLE runs ADD COLUMN key TEXT;
CREATE UNIQUE INDEX runs_key ON runs(key);

-- Dead-letter listing and purge by age.
CREATE INDEX jobs_dead ON jobs(updated_at) WHERE state = 'dead';

CREATE TABLE schedules (
    name          TEXT PRIMARY KEY,
    spec          TEXT NOT NULL,            -- 'every 6h' | 'cron 0 */6 * * *'
    command       TEXT NOT NULL,            -- JSON array of arguments after `leadsmith`
    catch_up      INTEGER NOT NULL DEFAULT 1,
    paused        INTEGER NOT NULL DEFAULT 0,
    next_fire_ms  INTEGER NOT NULL,
    last_fired_ms INTEGER,
    created_at    TEXT NOT NULL
) WITHOUT ROWID;
