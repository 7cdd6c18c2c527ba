UPDATE q SET state = 'done'
WHERE id = ANY(ARRAY(
    SELECT id FROM q WHERE state = 'ready' ORDER BY priority DESC, run_at, id LIMIT 64 FOR UPDATE SKIP LOCKED
));
