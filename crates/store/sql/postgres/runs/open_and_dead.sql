SELECT count(*) FILTER (WHERE state IN ('ready', 'running')), count(*) FILTER (WHERE state = 'dead')
FROM jobs WHERE run_id = $1
