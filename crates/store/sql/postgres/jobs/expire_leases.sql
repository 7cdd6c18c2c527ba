UPDATE jobs SET
    state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,
    last_error = CASE WHEN attempts >= max_attempts
                      THEN 'lease expired on attempt ' || attempts || ' of ' || max_attempts
                      ELSE last_error END,
    errors = errors || to_jsonb('lease expired (worker ' || coalesce(worker, '?') || ')'),
    worker = CASE WHEN attempts >= max_attempts THEN worker END,
    run_at = CASE WHEN attempts >= max_attempts THEN run_at ELSE $1 END,
    lease_until = NULL, updated_at = $1
WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND lease_until < $1 FOR UPDATE SKIP LOCKED)
