-- The sweep's cheap first look (served by the running jobs' lease index): is there anything to do?
SELECT 1 FROM jobs WHERE state = 'running' AND lease_until < $1 LIMIT 1
