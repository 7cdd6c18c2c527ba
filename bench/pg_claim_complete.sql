WITH c AS (
    SELECT id FROM q WHERE state = 'ready' ORDER BY priority DESC, run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
)
UPDATE q SET state = 'done' FROM c WHERE q.id = c.id;
