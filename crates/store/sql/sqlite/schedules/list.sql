SELECT name, spec, command, catch_up, paused, next_fire_ms, last_fired_ms, created_at
FROM schedules ORDER BY name
