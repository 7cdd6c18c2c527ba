SELECT DISTINCT worker FROM jobs WHERE state = 'running' AND worker IS NOT NULL
