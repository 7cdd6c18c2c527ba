SELECT lead_id, stage, status, data, job_id, updated_at FROM stage_results
WHERE lead_id = ANY($1)
ORDER BY lead_id, updated_at COLLATE "C", stage COLLATE "C"
