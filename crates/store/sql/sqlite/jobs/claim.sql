-- ?1 worker, ?2 lease until, ?3 now, ?4 limit, ?5 the kinds as a JSON array (NULL: any), ?6 the run (NULL: any).
UPDATE jobs SET state = 'running', worker = ?1, lease_until = ?2, attempts = attempts + 1, updated_at = ?3
WHERE id IN (SELECT id FROM jobs
             WHERE state = 'ready' AND run_at <= ?3
               AND (?5 IS NULL OR kind IN (SELECT value FROM json_each(?5)))
               AND (?6 IS NULL OR run_id = ?6)
             ORDER BY priority DESC, run_at, id LIMIT ?4)
RETURNING id, kind, lead_id, run_id, payload, state, priority, attempts, max_attempts, run_at, lease_until, worker,
          last_error, errors
