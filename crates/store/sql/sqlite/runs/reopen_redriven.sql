UPDATE runs SET status = 'running', finished_at = NULL
WHERE status IN ('completed_with_errors', 'failed')
  AND id IN (SELECT run_id FROM jobs WHERE state = 'ready' AND run_id IS NOT NULL)
