UPDATE schedules SET next_fire_ms = $1,
       last_fired_ms = CASE WHEN $2::boolean THEN $3::bigint ELSE last_fired_ms END
WHERE name = $4 AND next_fire_ms = $3::bigint
