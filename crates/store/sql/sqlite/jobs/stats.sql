SELECT kind,
       coalesce(sum(state = 'ready' AND run_at <= ?1), 0),
       coalesce(sum(state = 'ready' AND run_at > ?1), 0),
       coalesce(sum(state = 'running'), 0),
       coalesce(sum(state = 'done'), 0),
       coalesce(sum(state = 'dead'), 0),
       min(CASE WHEN state = 'ready' AND run_at <= ?1 THEN run_at END),
       coalesce(sum(state = 'done' AND updated_at > ?1 - 60000), 0)
FROM jobs GROUP BY kind ORDER BY kind
