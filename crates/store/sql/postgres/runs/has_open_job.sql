-- An open job of the run that no concurrent transaction is changing (SKIP LOCKED), share-locked until commit:
-- whoever ends it afterwards sees this transaction's work (rules::jobs::finish_runs).
SELECT 1 FROM jobs WHERE run_id = $1 AND state IN ('ready', 'running') LIMIT 1 FOR SHARE SKIP LOCKED
