SELECT DISTINCT worker COLLATE "C" FROM jobs WHERE state = 'running' AND worker IS NOT NULL ORDER BY 1
