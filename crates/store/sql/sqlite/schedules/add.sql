INSERT INTO schedules (name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(name) DO NOTHING
