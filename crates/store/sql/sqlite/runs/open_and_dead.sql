SELECT coalesce(sum(state IN ('ready', 'running')), 0), coalesce(sum(state = 'dead'), 0) FROM jobs WHERE run_id = ?1
