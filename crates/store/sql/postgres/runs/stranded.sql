-- Runs left `running` with jobs, none of them ready or running.
SELECT id FROM runs r
WHERE status = 'running'
  AND EXISTS (SELECT 1 FROM jobs WHERE run_id = r.id)
  AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = r.id AND state IN ('ready', 'running'))
ORDER BY id
