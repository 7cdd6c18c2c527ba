SELECT kind,
       count(*) FILTER (WHERE state = 'ready' AND run_at <= $1),
       count(*) FILTER (WHERE state = 'ready' AND run_at > $1),
       count(*) FILTER (WHERE state = 'running'),
       count(*) FILTER (WHERE state = 'done'),
       count(*) FILTER (WHERE state = 'dead'),
       min(run_at) FILTER (WHERE state = 'ready' AND run_at <= $1),
       count(*) FILTER (WHERE state = 'done' AND updated_at > $1 - 60000)
FROM jobs GROUP BY kind ORDER BY kind COLLATE "C"
