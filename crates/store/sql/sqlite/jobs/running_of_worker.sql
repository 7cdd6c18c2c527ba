SELECT id, worker, attempts FROM jobs WHERE state = 'running' AND worker = ?1 ORDER BY id
