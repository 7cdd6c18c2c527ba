-- The claim's picking query: due ready jobs in claim order, locked, skipping rows other claimers hold.
-- $1 now, $2 limit; the filter adds the kind (one: = $3, so the planner can walk jobs_ready_kind in
-- order) or kinds (= ANY($3)) and the run id. The partial indexes jobs_ready / jobs_ready_kind
-- serve it in order, so LIMIT stops the scan early.
SELECT id FROM jobs WHERE state = 'ready' AND run_at <= $1{filter}
ORDER BY priority DESC, run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
