SELECT id, worker, attempts FROM jobs WHERE state = 'running' AND worker = ANY($1) ORDER BY id FOR UPDATE
