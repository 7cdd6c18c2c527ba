-- Done and cancelled jobs last touched before $1 whose run is over (or gone, or none), $2 at most.
DELETE FROM jobs WHERE id IN (
    SELECT j.id FROM jobs j
    WHERE j.state IN ('done', 'cancelled') AND j.updated_at < $1
      AND (j.run_id IS NULL OR NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = j.run_id AND r.status = 'running'))
    LIMIT $2)
