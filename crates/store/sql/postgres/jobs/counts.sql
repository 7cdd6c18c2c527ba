SELECT kind, count(*) FILTER (WHERE state = 'ready'), count(*) FILTER (WHERE state = 'running'),
       count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'cancelled'),
       count(*) FILTER (WHERE state NOT IN ('ready', 'running', 'done', 'cancelled')),
       count(*) FILTER (WHERE last_error IS NOT NULL)
FROM jobs
WHERE $1::int8 IS NULL OR run_id = $1
GROUP BY kind ORDER BY kind COLLATE "C"
