SELECT EXISTS (SELECT 1 FROM jobs WHERE run_id = ?1 AND state IN ('ready', 'running'))
